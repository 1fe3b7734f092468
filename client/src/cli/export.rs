//! `tg-takeout export`: run the export engine with progress, and turn its
//! outcome into a summary or a clear error.

use anyhow::Context as _;
use tokio::sync::mpsc;

use super::args::ExportArgs;
use super::config::{client_config, finish_record, settings};
use super::exit::{CliError, usage};
use super::interrupt::{Signal, Watch};
use super::progress::{self, Mode};
use tg_takeout::Client;
use tg_takeout::export::time::Tz;
use tg_takeout::takeout::{
    ExportOptions, ExportPlan, ExportReport, Format, TakeoutError, run_export,
};

/// Runs the export with progress; the report, or the error mapped for the user.
pub(super) async fn run(
    client: &Client,
    plan: &ExportPlan,
    tz: Tz,
    wait: bool,
    mode: Mode,
) -> Result<ExportReport, CliError> {
    let options = ExportOptions {
        wait_for_delay: wait,
        ..ExportOptions::new(tz)
    };
    run_with(client, plan, options, mode).await
}

/// [`run`] with every option.
pub(super) async fn run_with(
    client: &Client,
    plan: &ExportPlan,
    options: ExportOptions,
    mode: Mode,
) -> Result<ExportReport, CliError> {
    let watch = Watch::start(options.stop.clone()).context("listening for Ctrl-C")?;
    let (tx, rx) = mpsc::unbounded_channel();
    let renderer = tokio::spawn(progress::render(mode, rx));
    let result = run_export(client, plan, &options, &tx).await;
    drop(tx);
    client.disconnect().await;
    let _ = renderer.await;
    finish_record(client)?;
    match result {
        Ok(report) => Ok(report),
        Err(e @ TakeoutError::Delayed { .. }) => Err(CliError::Delayed(e.to_string())),
        Err(TakeoutError::Update(e)) => Err(usage(e.to_string())),
        Err(TakeoutError::Interrupted) => {
            Err(CliError::Interrupted(watch.signal().unwrap_or(Signal::Int)))
        }
        Err(TakeoutError::Unauthorized) => Err(super::exit::login_lost(client)),
        Err(TakeoutError::Api(e)) => Err(super::exit::api_error(e)),
        Err(e) => Err(anyhow::Error::new(e).context("the export stopped").into()),
    }
}

pub(super) fn summary(report: &ExportReport, format: Format) -> Result<(), CliError> {
    eprintln!(
        "Exported {} chats, {} messages and {} files ({} bytes) into {}",
        report.chats,
        report.messages,
        report.files,
        report.bytes,
        report.out_dir.display()
    );
    if format.html() {
        eprintln!(
            "Open {} in a browser.",
            report.out_dir.join("export_results.html").display()
        );
    }
    if format.json() {
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
    if let Some(dir) = &args.update {
        s.out = dir.clone();
    }
    let plan = s.validate().map_err(|e| usage(e.to_string()))?;
    let client =
        Client::new(client_config(&args.connect, false)?).context("opening the session")?;
    if !client.is_authorized() {
        return Err(CliError::LoginNeeded(String::new()));
    }
    let options = ExportOptions {
        wait_for_delay: args.wait,
        recheck_every: std::time::Duration::from_secs(args.wait_recheck),
        update: args.update.is_some(),
        full_refresh: args.full_refresh,
        ..ExportOptions::new(tz)
    };
    let report = run_with(&client, &plan, options, Mode::choose(args.progress)).await?;
    summary(&report, plan.settings.format)
}
