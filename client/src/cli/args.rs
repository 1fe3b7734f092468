//! The command line as clap parses it: a 1:1 record of the flags, checked
//! for consistency later ([`super::config`]).

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tg_takeout::takeout::Format;

/// Export a whole Telegram account through the Takeout API, headless,
/// resumable, compatible with Telegram Desktop's export.
///
/// Real accounts need an api_id and api_hash: create them at
/// https://my.telegram.org under "API development tools", then pass
/// --api-id/--api-hash or set TG_API_ID/TG_API_HASH.
#[derive(Debug, Parser)]
#[command(
    name = "tg-takeout",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with a phone number and code (and the 2FA password), or a QR code.
    Login(LoginArgs),
    /// Log out: end the authorization on the server and delete the session.
    Logout(ConnectArgs),
    /// Show who is logged in.
    Whoami(ConnectArgs),
    /// Check the connection, the session and whether an export can start:
    /// the first thing to run against a real account or --test-dc.
    Check(CheckArgs),
    /// Export the account (or one chat) as result.json and/or HTML.
    Export(Box<ExportArgs>),
    /// Run a full export against a built-in mock Telegram server: no network,
    /// no account needed.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// The transports (framings) MTProto can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// 1-byte lengths, smallest overhead.
    Abridged,
    /// 4-byte lengths (the default).
    Intermediate,
    /// Intermediate with random padding.
    Padded,
    /// Lengths, sequence numbers and CRC32.
    Full,
}

/// Options of every command that connects.
#[derive(Clone, Debug, Args)]
pub struct ConnectArgs {
    /// The session file (default: tg-takeout/session.json in the platform's data directory).
    #[arg(long, env = "TG_TAKEOUT_SESSION")]
    pub session: Option<PathBuf>,
    /// Your api_id from https://my.telegram.org.
    #[arg(long, env = "TG_API_ID")]
    pub api_id: Option<i32>,
    /// Your api_hash from https://my.telegram.org (never printed).
    #[arg(long, env = "TG_API_HASH", hide_env_values = true)]
    pub api_hash: Option<String>,
    /// Use Telegram's test servers.
    #[arg(long, conflicts_with = "server")]
    pub test_dc: bool,
    /// A custom server such as tg-mock-server (HOST:PORT of its DC 2).
    #[arg(long, value_name = "HOST:PORT", requires = "rsa_key")]
    pub server: Option<String>,
    /// The custom server's public RSA key (PEM file).
    #[arg(long, value_name = "PEM")]
    pub rsa_key: Option<PathBuf>,
    /// A SOCKS5 proxy: socks5://[user:pass@]host:port.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// An MTProxy: a tg://proxy?server=…&port=…&secret=… or
    /// https://t.me/proxy?… link, or HOST:PORT:SECRET; the secret in hex or
    /// base64url, plain, dd or ee (fake-TLS).
    #[arg(long, value_name = "LINK", conflicts_with = "proxy")]
    pub mtproxy: Option<String>,
    /// The MTProto transport.
    #[arg(long, value_enum, default_value_t = TransportArg::Intermediate)]
    pub transport: TransportArg,
    /// Record every call and its answer into FILE, a transcript that
    /// `tg-mock-server serve --replay` serves back (appended to when FILE
    /// already is one, so `login` and `export` can share it).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Which file bytes the transcript keeps: none, small (whole files
    /// under 1 MiB) or all; the others as their size and SHA-256.
    #[arg(long, value_enum, default_value_t = RecordFilesArg::Small, requires = "record")]
    pub record_files: RecordFilesArg,
    /// File downloads: connections per DC at most (1 to 64), besides the
    /// one that lists chats; opened as throughput grows.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub connections: u16,
    /// File downloads: memory for parts in flight over every DC, in MiB
    /// (1 MiB a part; 1 to 4096).
    #[arg(long, value_name = "MIB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub download_memory: u64,
}

/// `--record-files`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecordFilesArg {
    /// No file bytes.
    None,
    /// Files under 1 MiB.
    Small,
    /// Every file.
    All,
}

/// `tg-takeout login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The phone number in international format (asked if not given).
    #[arg(long)]
    pub phone: Option<String>,
    /// Log in by scanning a QR code from a logged-in phone instead.
    #[arg(long, conflicts_with = "phone")]
    pub qr: bool,
}

/// `tg-takeout check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Also ask Telegram whether an export may start now: opens a takeout
    /// session and closes it at once (Telegram may then ask to confirm the
    /// export in its Service notifications, as for a real one).
    #[arg(long)]
    pub takeout: bool,
}

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// Bars on a terminal, nothing otherwise.
    Auto,
    /// Always bars.
    Bars,
    /// One JSON event per line on stdout, for scripts.
    Json,
    /// Nothing but the final summary.
    None,
}

/// The `--format` values: the names of [`Format`], with their descriptions
/// for `--help`.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    let values = Format::ALL.map(|f| PossibleValue::new(f.name()).help(f.describe()));
    PossibleValuesParser::new(values).map(|name| Format::from_name(&name).unwrap_or_default())
}

/// What to export and where (Telegram Desktop's defaults when not given).
#[derive(Clone, Debug, Default, Args)]
pub struct SettingsArgs {
    /// A TOML file with any of the settings below (flags override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Sections to export, comma-separated: personal-info, profile-pictures,
    /// stories, contacts, sessions, other-data, personal-chats, bot-chats,
    /// private-groups, public-groups, private-channels, public-channels, or
    /// all [default: personal-info,profile-pictures,contacts,stories,personal-chats,private-groups].
    #[arg(long, value_delimiter = ',')]
    pub sections: Vec<String>,
    /// Chat kinds exported in full; for the other groups and channels only
    /// your own messages [default: personal-chats,bot-chats].
    #[arg(long, value_delimiter = ',')]
    pub full: Vec<String>,
    /// Media downloaded, comma-separated: photo, video, voice, video-message,
    /// sticker, gif, file, all, or none [default: photo].
    #[arg(long, value_delimiter = ',')]
    pub media: Vec<String>,
    /// Skip files larger than this many MiB (4000 = no limit) [default: 8].
    #[arg(long, value_name = "MIB")]
    pub size_limit: Option<u64>,
    /// Only messages from this date (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only messages before this date (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub till: Option<String>,
    /// Export just this chat: its id (as in result.json) or @username.
    #[arg(long)]
    pub chat: Option<String>,
    /// Output format [default: both].
    #[arg(long, value_parser = format_parser())]
    pub format: Option<Format>,
    /// The output folder [default: ./tg-export].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// How much runs at once (1 to 64) [default: 4]: chats read at once
    /// (4 per unit, at most 32; one at 1) and files in flight at the
    /// least (more when --download-memory allows; connections and parts
    /// in flight follow the download controller, up to --connections).
    #[arg(long)]
    pub parallel: Option<usize>,
    /// Dates in this time zone (IANA name such as Europe/Berlin, or UTC)
    /// [default: the system's].
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
}

/// `tg-takeout export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// If Telegram delays the export (TAKEOUT_INIT_DELAY), wait until it is
    /// allowed and carry on instead of stopping.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: ask Telegram again every SECONDS whether the export may
    /// start (an approval on another device ends the wait early). Hidden:
    /// the tests shorten it.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, hide = true)]
    pub wait_recheck: u64,
    /// Bring the finished export in DIR up to date: only newer messages are
    /// read and no file is downloaded again (give the same settings as
    /// the export was made with).
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub update: Option<PathBuf>,
    /// With --update: read every message again, so edits and deletions of
    /// older messages show too (files are still reused).
    #[arg(long, requires = "update")]
    pub full_refresh: bool,
    /// How progress is shown.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
}

/// `tg-takeout demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo export goes.
    #[arg(long, default_value = "tg-takeout-demo")]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_parser = format_parser(), default_value = "both")]
    pub format: Format,
    /// How progress is shown.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
    /// Dates in this time zone [default: UTC, so the demo's output is the same everywhere].
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub time_zone: String,
}
