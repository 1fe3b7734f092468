//! `tg-takeout export` and `tg-takeout demo`: run the export engine with
//! progress, and turn its outcome into a summary or a clear error.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use tokio::sync::mpsc;

use super::args::{DemoArgs, ExportArgs, FormatArg};
use super::config::{client_config, finish_record, settings, time_zone};
use super::exit::{CliError, usage};
use super::progress::{self, Mode};
use crate::auth::{KeySet, test_server_key};
use crate::client::SignIn;
use crate::dc::Network;
use crate::export::time::Tz;
use crate::takeout::{
    ExportOptions, ExportPlan, ExportReport, Format, MediaType, Section, Settings, TakeoutError,
    run_export,
};
use crate::{AppInfo, Client, ClientConfig};

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs the export with progress; the report, or the error mapped for the user.
async fn run(
    client: &Client,
    plan: &ExportPlan,
    tz: Tz,
    wait: bool,
    mode: Mode,
) -> Result<ExportReport, CliError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let renderer = tokio::spawn(progress::render(mode, rx, client.events()));
    let options = ExportOptions {
        tz,
        wait_for_delay: wait,
        now_unix,
    };
    let result = run_export(client, plan, &options, &tx).await;
    drop(tx);
    client.disconnect().await;
    let _ = renderer.await;
    finish_record(client)?;
    match result {
        Ok(report) => Ok(report),
        Err(e @ TakeoutError::Delayed { .. }) => Err(CliError::Delayed(e.to_string())),
        Err(TakeoutError::Unauthorized) => Err(CliError::LoginNeeded(
            " (the login was ended on the server)".into(),
        )),
        Err(e) => Err(anyhow::Error::new(e).context("the export stopped").into()),
    }
}

fn summary(report: &ExportReport, format: Format) -> Result<(), CliError> {
    eprintln!(
        "Exported {} chats, {} messages and {} files ({} bytes) into {}",
        report.chats,
        report.messages,
        report.files,
        report.bytes,
        report.out_dir.display()
    );
    if format != Format::Json {
        eprintln!(
            "Open {} in a browser.",
            report.out_dir.join("export_results.html").display()
        );
    }
    if format != Format::Html {
        eprintln!(
            "Machine-readable: {}",
            report.out_dir.join("result.json").display()
        );
    }
    if report.skipped > 0 {
        return Err(CliError::Partial {
            count: report.skipped,
            path: report.out_dir.join("missing.json").display().to_string(),
        });
    }
    Ok(())
}

/// `tg-takeout export`.
pub async fn export(args: &ExportArgs) -> Result<(), CliError> {
    let (mut s, tz, chat) = settings(&args.settings)?;
    if let Some(chat) = chat {
        let id = chat
            .trim_start_matches("chat")
            .parse::<i64>()
            .map_err(|_| {
                usage(format!(
                    "--chat {chat:?}: give the chat's numeric id (the `id` in result.json)"
                ))
            })?;
        s.single_chat = Some(id);
    }
    let plan = s.validate().map_err(|e| usage(e.to_string()))?;
    let client =
        Client::new(client_config(&args.connect, false)?).context("opening the session")?;
    if !client.is_authorized() {
        return Err(CliError::LoginNeeded(String::new()));
    }
    let report = run(&client, &plan, tz, args.wait, Mode::choose(args.progress)).await?;
    summary(&report, plan.settings.format)
}

/// `tg-takeout demo`: the bundled demo world on an in-process mock server,
/// logged in, exported in full.
pub async fn demo(args: &DemoArgs) -> Result<(), CliError> {
    let world = tg_mock_server::demo_world().context("loading the bundled demo world")?;
    let server = tg_mock_server::start(
        world.clone(),
        tg_mock_server::net::ListenConfig::default(),
        None,
    )
    .await
    .context("starting the mock server on loopback")?;
    let addr = server.address(2).context("the mock server has no DC 2")?;
    let session_dir = tempfile::tempdir().context("creating a temporary session")?;
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(1, "demo"));
    config.keys = KeySet::empty().with(test_server_key().public_key().clone());
    config.session_path = Some(session_dir.path().join("session.json"));
    let client = Client::new(config).context("creating the client")?;

    eprintln!(
        "Mock Telegram server on {addr}; logging in as {} ...",
        world.login.phone
    );
    let token = client
        .send_code(&world.login.phone)
        .await
        .context("demo login: sending the code")?;
    if let SignIn::PasswordNeeded(_) = client
        .sign_in(&token, &world.login.code)
        .await
        .context("demo login: the code")?
    {
        let pw = world.login.password.clone().unwrap_or_default();
        client
            .check_password(&pw)
            .await
            .context("demo login: the 2FA password")?;
    }

    let s = Settings {
        sections: Section::ALL.to_vec(),
        full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
        media: MediaType::ALL.to_vec(),
        size_limit: 64 * 1024 * 1024,
        format: match args.format {
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
            FormatArg::Both => Format::Both,
        },
        out: args.out.clone(),
        ..Settings::default()
    };
    let plan = s.validate().map_err(|e| usage(e.to_string()))?;
    let tz = time_zone(Some(&args.time_zone))?;
    let report = run(&client, &plan, tz, false, Mode::choose(args.progress)).await;
    server.shutdown().await;
    summary(&report?, plan.settings.format)
}
