//! Checked settings from the raw arguments (ripgrep's "high args"): the
//! client configuration and the export plan.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::args::{ConnectArgs, RecordFilesArg, SettingsArgs, TransportArg};
use super::exit::{CliError, usage};
use tg_takeout::auth::{KeySet, PublicKey};
use tg_takeout::dc::Network;
use tg_takeout::export::time::{TimeZone, Tz, offset_name};
use tg_takeout::net::{MtProxy, Socks5Proxy};
use tg_takeout::record::{RecordFiles, Recorder};
use tg_takeout::takeout::{Format, MediaType, Section, Settings};
use tg_takeout::transport::{Obfuscation, TransportConfig, TransportKind};
use tg_takeout::{AppInfo, ClientConfig};

/// The default session file: `tg-takeout/session.json` in the platform's
/// data directory.
pub fn default_session_path() -> Result<PathBuf, CliError> {
    dirs::data_dir()
        .map(|d| d.join("tg-takeout").join("session.json"))
        .ok_or_else(|| usage("no data directory on this system; pass --session PATH"))
}

fn resolve(hostport: &str, what: &str) -> Result<SocketAddr, CliError> {
    hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| usage(format!("{what} {hostport:?} is not a reachable HOST:PORT")))
}

/// The client configuration from the connection flags.
pub fn client_config(args: &ConnectArgs, needs_api: bool) -> Result<ClientConfig, CliError> {
    let network = match (&args.server, args.test_dc) {
        (Some(server), _) => Network::Custom(resolve(server, "--server")?),
        (None, true) => Network::Test,
        (None, false) => Network::Production,
    };
    let (api_id, api_hash) = match (args.api_id, &args.api_hash) {
        (Some(id), Some(hash)) => (id, hash.clone()),
        _ if needs_api && !matches!(network, Network::Custom(_)) => {
            return Err(usage(
                "an api_id and api_hash are needed: create them at https://my.telegram.org (API development tools), \
                 then pass --api-id and --api-hash or set TG_API_ID and TG_API_HASH",
            ));
        }
        // A custom server (the mock) takes any.
        _ => (
            args.api_id.unwrap_or(1),
            args.api_hash.clone().unwrap_or_default(),
        ),
    };
    let mut config = ClientConfig::new(network, AppInfo::new(api_id, api_hash));
    if let Some(path) = &args.rsa_key {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read --rsa-key {}: {e}", path.display())))?;
        let key = PublicKey::from_pem(&pem)
            .map_err(|e| usage(format!("--rsa-key {}: {e}", path.display())))?;
        config.keys = KeySet::empty().with(key);
    }
    let kind = match args.transport {
        TransportArg::Abridged => TransportKind::Abridged,
        TransportArg::Intermediate => TransportKind::Intermediate,
        TransportArg::Padded => TransportKind::PaddedIntermediate,
        TransportArg::Full => TransportKind::Full,
    };
    config.transport = TransportConfig::new(kind);
    if let Some(url) = &args.proxy {
        config.proxy = Some(
            url.parse::<Socks5Proxy>()
                .map_err(|e| usage(format!("--proxy: {e}")))?,
        );
    }
    if let Some(spec) = &args.mtproxy {
        let proxy: MtProxy = spec.parse().map_err(|e| usage(format!("--mtproxy: {e}")))?;
        config.connect_via = Some(resolve(&proxy.to_string(), "--mtproxy")?);
        config.transport = TransportConfig {
            obfuscation: Obfuscation::MtProxy(proxy.secret),
            ..TransportConfig::new(kind)
        };
    }
    if let Some(path) = &args.record {
        let files = match args.record_files {
            RecordFilesArg::None => RecordFiles::None,
            RecordFilesArg::Small => RecordFiles::Small,
            RecordFilesArg::All => RecordFiles::All,
        };
        config.recorder = Some(Recorder::open(path, files).map_err(|e| usage(e.to_string()))?);
    }
    config.connections_per_dc = usize::from(args.connections);
    config.download_budget = args.download_memory * 1024 * 1024;
    config.session_path = Some(match &args.session {
        Some(p) => p.clone(),
        None => default_session_path()?,
    });
    Ok(config)
}

/// Names the MTProxy in a failure of a command that went through one
/// (`--mtproxy`), so a proxy that closes, answers wrongly or stalls is
/// recognisable as the cause. Usage and login errors stay as they are.
pub fn through_mtproxy(error: CliError, mtproxy: Option<&str>) -> CliError {
    let Some(proxy) = mtproxy.and_then(|spec| spec.parse::<MtProxy>().ok()) else {
        return error;
    };
    match error {
        CliError::Other(e) => CliError::Other(e.context(format!("through the MTProxy {proxy}"))),
        other => other,
    }
}

/// Closes the transcript of `--record`, if any, and says what it holds.
pub fn finish_record(client: &tg_takeout::Client) -> Result<(), CliError> {
    if let Some(recorder) = &client.config().recorder {
        let stats = recorder
            .finish()
            .map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
        eprintln!(
            "Recorded {} calls into {} ({} file parts as size and hash).",
            stats.exchanges,
            recorder.path().display(),
            stats.synthesized
        );
    }
    Ok(())
}

/// A time zone from the zone database (`jiff`).
#[derive(Debug)]
struct ZoneDb(jiff::tz::TimeZone);

impl TimeZone for ZoneDb {
    fn utc_offset(&self, unix: i64) -> i32 {
        jiff::Timestamp::from_second(unix).map_or(0, |t| self.0.to_offset(t).seconds())
    }

    fn name(&self) -> String {
        // A zone without an IANA name (a POSIX TZ string, a fixed offset)
        // is named by its offset now; its rules are not recorded.
        match self.0.iana_name() {
            Some(name) => name.to_owned(),
            None => offset_name(self.0.to_offset(jiff::Timestamp::now()).seconds()),
        }
    }
}

/// The time zone named `name` (`UTC`, an IANA name), or the system's.
pub fn time_zone(name: Option<&str>) -> Result<Tz, CliError> {
    let tz = match name {
        None => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
        Some(n) if n.eq_ignore_ascii_case("utc") => jiff::tz::TimeZone::UTC,
        Some(n) => {
            jiff::tz::TimeZone::get(n).map_err(|e| usage(format!("--time-zone {n:?}: {e}")))?
        }
    };
    Ok(Arc::new(ZoneDb(tz)))
}

/// The settings a `--config` TOML file may hold (the same names as the flags).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    sections: Option<Vec<String>>,
    full: Option<Vec<String>>,
    media: Option<Vec<String>>,
    size_limit: Option<u64>,
    from: Option<String>,
    till: Option<String>,
    chat: Option<String>,
    format: Option<String>,
    out: Option<PathBuf>,
    parallel: Option<usize>,
    time_zone: Option<String>,
}

fn list<T: std::str::FromStr<Err = String> + Copy>(
    items: &[String],
    all: &[T],
) -> Result<Vec<T>, CliError> {
    let mut out = Vec::new();
    for item in items {
        match item.trim() {
            "all" => out.extend_from_slice(all),
            "none" | "" => {}
            name => out.push(name.parse().map_err(usage)?),
        }
    }
    Ok(out)
}

fn date(text: &str, tz: &Tz, flag: &str) -> Result<i64, CliError> {
    let d: jiff::civil::Date = text
        .parse()
        .map_err(|_| usage(format!("{flag} {text:?} is not a date (YYYY-MM-DD)")))?;
    let midnight = d.at(0, 0, 0, 0);
    let utc = midnight
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| usage(format!("{flag}: {e}")))?
        .timestamp()
        .as_second();
    // Local midnight: shift by the zone's offset at that time.
    Ok(utc - i64::from(tz.utc_offset(utc)))
}

/// The export settings from the flags, on top of `--config`, on top of
/// Telegram Desktop's defaults; and the time zone.
pub fn settings(args: &SettingsArgs) -> Result<(Settings, Tz, Option<String>), CliError> {
    let file: ConfigFile = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("cannot read --config {}: {e}", path.display())))?;
            toml::from_str(&text).map_err(|e| usage(format!("--config {}: {e}", path.display())))?
        }
        None => ConfigFile::default(),
    };
    let pick = |flag: &Vec<String>, file: &Option<Vec<String>>| {
        if flag.is_empty() {
            file.clone()
        } else {
            Some(flag.clone())
        }
    };
    let tz = time_zone(args.time_zone.as_deref().or(file.time_zone.as_deref()))?;
    let mut s = Settings::default();
    if let Some(v) = pick(&args.sections, &file.sections) {
        s.sections = list(&v, &Section::ALL)?;
    }
    if let Some(v) = pick(&args.full, &file.full) {
        s.full_chats = list(
            &v,
            &Section::ALL
                .map(|x| x)
                .into_iter()
                .filter(|x| x.is_chat())
                .collect::<Vec<_>>(),
        )?;
    }
    if let Some(v) = pick(&args.media, &file.media) {
        s.media = list(&v, &MediaType::ALL)?;
    }
    if let Some(mib) = args.size_limit.or(file.size_limit) {
        s.size_limit = mib.saturating_mul(1024 * 1024);
    }
    if let Some(d) = args.from.as_ref().or(file.from.as_ref()) {
        s.from_date = Some(date(d, &tz, "--from")?);
    }
    if let Some(d) = args.till.as_ref().or(file.till.as_ref()) {
        s.till_date = Some(date(d, &tz, "--till")?);
    }
    let format = match (args.format, file.format.as_deref()) {
        (Some(f), _) => Some(f),
        (None, Some(name)) => Some(
            Format::from_name(name)
                .ok_or_else(|| usage(format!("format {name:?} must be json, html or both")))?,
        ),
        (None, None) => None,
    };
    if let Some(f) = format {
        s.format = f;
    }
    if let Some(out) = args.out.clone().or(file.out) {
        s.out = out;
    }
    if let Some(p) = args.parallel.or(file.parallel) {
        s.parallel = p;
    }
    Ok((s, tz, args.chat.clone().or(file.chat)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_all() {
        assert_eq!(list(&["all".into()], &MediaType::ALL).unwrap().len(), 7);
        assert!(
            list::<MediaType>(&["none".into()], &MediaType::ALL)
                .unwrap()
                .is_empty()
        );
        let err = list::<Section>(&["chats".into()], &Section::ALL)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("unknown section \"chats\""), "{err}");
    }

    #[test]
    fn dates_are_local_midnight() {
        let utc = time_zone(Some("UTC")).unwrap();
        assert_eq!(date("2024-01-02", &utc, "--from").unwrap(), 1_704_153_600);
        let berlin = time_zone(Some("Europe/Berlin")).unwrap();
        assert_eq!(
            date("2024-01-02", &berlin, "--from").unwrap(),
            1_704_153_600 - 3600
        );
        assert!(date("2024-13-02", &utc, "--from").is_err());
        assert!(time_zone(Some("Mars/Olympus")).is_err());
    }

    #[test]
    fn config_file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "sections = [\"contacts\"]\nmedia = [\"all\"]\nsize-limit = 100\nformat = \"json\"\n",
        )
        .unwrap();
        let args = SettingsArgs {
            config: Some(path.clone()),
            parallel: Some(9),
            ..Default::default()
        };
        let (s, _, _) = settings(&args).unwrap();
        assert_eq!(s.sections, [Section::Contacts]);
        assert_eq!(s.media.len(), 7);
        assert_eq!(s.size_limit, 100 << 20);
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.parallel, 9);
        std::fs::write(&path, "sectons = []\n").unwrap();
        let err = settings(&SettingsArgs {
            config: Some(path),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `sectons`"), "{err}");
    }
}
