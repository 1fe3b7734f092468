//! The export engine's entry point: [`run_export`] runs a whole export of an
//! [`ExportPlan`] inside a takeout session, in Telegram Desktop's step order
//! (docs/takeout.md#step-order), and reports progress as [`ProgressEvent`]s.
//!
//! The output is deterministic: the same world and plan give byte-identical
//! files whatever `parallel` is and whatever retried faults happened; the only
//! clock the output sees is [`ExportOptions::now_unix`] (the folder name).

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::chats::Reader;
use super::dialogs;
use super::download::Downloader;
use super::files::Files;
use super::history::Dates;
use super::journal::Journal;
use super::output::{Output, WORK_DIR, choose_root, remove_stale_temps, write_missing};
use super::plan::{ExportPlan, Section};
use super::progress::{ExportReport, ProgressEvent};
use super::run::{EmojiCache, Run};
use super::session::{self, Start, TakeoutInvoker};
use super::state::{
    CHATS, Pages, Recorded, STATE_DIR, check_update, complete, new_state, prepare_update,
};
use crate::export::time::{Tz, display_date_time};
use crate::{Client, ClientEvent};

pub use super::error::TakeoutError;

/// How an export runs, besides its plan.
#[derive(Clone)]
pub struct ExportOptions {
    /// The time zone of the dates in the output.
    pub tz: Tz,
    /// On `TAKEOUT_INIT_DELAY_X`: sleep until then and carry on, instead of
    /// stopping with [`TakeoutError::Delayed`].
    pub wait_for_delay: bool,
    /// The clock (unix seconds): the export folder's date and the delay's
    /// end.
    pub now_unix: fn() -> i64,
    /// Bring the finished export in `settings.out` up to date (README
    /// "Keeping an export up to date") instead of exporting anew.
    pub update: bool,
    /// In an update, read every message again (edits and deletions of
    /// older messages too); files are still reused.
    pub full_refresh: bool,
    /// With `wait_for_delay`: how often to ask again whether the export
    /// may start (default [`session::RECHECK_EVERY`]).
    pub recheck_every: std::time::Duration,
    /// Cancel to stop the export (Ctrl-C): no new request starts, the
    /// session closes, [`TakeoutError::Interrupted`] (docs in
    /// `session.rs`).
    pub stop: tokio_util::sync::CancellationToken,
}

impl ExportOptions {
    /// Options with `tz`, no waiting, and the system clock.
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            wait_for_delay: false,
            now_unix: system_now,
            update: false,
            full_refresh: false,
            recheck_every: session::RECHECK_EVERY,
            stop: tokio_util::sync::CancellationToken::new(),
        }
    }
}

impl std::fmt::Debug for ExportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportOptions")
            .field("tz", &self.tz)
            .field("wait_for_delay", &self.wait_for_delay)
            .field("update", &self.update)
            .field("full_refresh", &self.full_refresh)
            .field("recheck_every", &self.recheck_every)
            .field("stopped", &self.stop.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// The system clock in unix seconds (the sender's clock,
/// [`crate::sender::clock::now`], the one place that reads it).
pub fn system_now() -> i64 {
    crate::sender::clock::now().unix_secs(0)
}

/// Runs the whole export of `plan`: opens the takeout session, exports
/// every selected section into `plan.settings.out` (or a dated folder in it,
/// docs/export-format.md#root-folder), closes the session, and returns what it did. While it
/// runs it subscribes to [`Client::events`] to report waits as
/// [`ProgressEvent::Waiting`].
pub async fn run_export(
    client: &Client,
    plan: &ExportPlan,
    options: &ExportOptions,
    events: &UnboundedSender<ProgressEvent>,
) -> Result<ExportReport, TakeoutError> {
    let settings = &plan.settings;
    let single = settings.single_chat.is_some();
    let now = (options.now_unix)();
    let recorded = Recorded::new(settings, &options.tz);
    // An update is checked now and moved aside only inside the session
    // (`prepare_update`), so a delayed takeout leaves the export in place.
    let root = if options.update {
        check_update(&settings.out, &recorded)?;
        settings.out.clone()
    } else {
        choose_root(&settings.out, now, &options.tz, single)
            .map_err(|e| TakeoutError::disk(&settings.out, e))?
    };
    let sections = settings.sections.iter().map(|s| s.name().into()).collect();
    let _ = events.send(ProgressEvent::Started { sections });
    let _forward = Forward::start(client, events.clone());
    let tz = options.tz.clone();
    let format_time = move |unix| display_date_time(unix, tz.as_ref());
    let on_wait = |seconds| {
        let _ = events.send(ProgressEvent::Waiting {
            request: "account.initTakeoutSession".into(),
            seconds,
        });
    };
    let start = Start {
        init: plan.init_takeout(),
        wait_for_delay: options.wait_for_delay,
        now_unix: options.now_unix,
        format_time: &format_time,
        on_wait: &on_wait,
        recheck_every: options.recheck_every,
        stop: options.stop.clone(),
    };
    let report = session::run(client, start, |inv| async move {
        let prev = match options.update {
            true => Some(prepare_update(&root, &recorded)?),
            false => None,
        };
        export(inv, plan, options, events, root, prev).await
    })
    .await?;
    let _ = events.send(ProgressEvent::Finished {
        report: report.clone(),
    });
    Ok(report)
}

/// The steps of an export inside the session.
async fn export(
    inv: TakeoutInvoker,
    plan: &ExportPlan,
    options: &ExportOptions,
    events: &UnboundedSender<ProgressEvent>,
    root: PathBuf,
    prev: Option<PathBuf>,
) -> Result<ExportReport, TakeoutError> {
    let settings = &plan.settings;
    let work = root.join(WORK_DIR);
    // A resumed export: the temporary files of runs killed before.
    if work.is_dir() {
        remove_stale_temps(&root, inv.id()).map_err(|e| TakeoutError::disk(&root, e))?;
    }
    std::fs::create_dir_all(&work).map_err(|e| TakeoutError::disk(&work, e))?;
    let journal =
        Journal::open(&root, &work, prev.as_deref()).map_err(|e| TakeoutError::disk(&work, e))?;
    let state = new_state(&work);
    if state.exists() {
        // An interrupted run's pages: read again.
        std::fs::remove_dir_all(&state).map_err(|e| TakeoutError::disk(&state, e))?;
    }
    let pages = Arc::new(Pages {
        new: state.join(CHATS),
        prev: prev
            .filter(|_| !options.full_refresh)
            .map(|p| p.join(STATE_DIR).join(CHATS)),
    });
    let downloader = Arc::new(Downloader::new(
        inv.clone(),
        root.clone(),
        settings.parallel,
        journal,
        events.clone(),
    ));
    let format = settings.format;
    let single = settings.single_chat.is_some();
    let mut run = Run {
        inv: inv.clone(),
        tz: options.tz.clone(),
        dates: Dates {
            from: settings.from_date,
            till: settings.till_date,
        },
        events,
        root: root.clone(),
        files: Files::new(plan, downloader.clone()),
        out: Output::start(&root, format, options.tz.clone(), single, inv.id()),
        missing: Vec::new(),
        emoji: EmojiCache::new(),
        report: ExportReport {
            out_dir: root.clone(),
            ..ExportReport::default()
        },
    };
    // docs/takeout.md#start-steps: the start steps of the selected sections, in
    // order (UserpicsCount, StoriesCount; the dialog list does the rest).
    if !single {
        if plan.has(Section::Userpics) {
            run.count_userpics().await?;
        }
        if plan.has(Section::Stories) {
            run.count_stories().await?;
        }
    }
    // docs/takeout.md#step-order: the dialog list first, then the sections, then chats.
    let list = if Section::ALL.iter().any(|s| s.is_chat() && plan.has(*s)) {
        let _ = events.send(ProgressEvent::Section {
            name: "chats_list".into(),
        });
        let list = dialogs::list(&inv, plan).await?;
        let total = list.dialogs.len() as u64;
        let _ = events.send(ProgressEvent::DialogsCounted { total });
        // The histories are read from now on, while the sections export.
        Some(Reader::start(
            inv.clone(),
            list,
            run.dates,
            settings.parallel,
            pages,
        ))
    } else {
        None
    };
    if !single {
        if plan.has(Section::PersonalInfo) {
            run.personal_info().await?;
        }
        if plan.has(Section::Userpics) {
            run.userpics().await?;
        }
        if plan.has(Section::Stories) {
            run.stories().await?;
        }
        if plan.has(Section::Contacts) {
            run.contacts().await?;
        }
        if plan.has(Section::Sessions) {
            run.sessions().await?;
        }
        if plan.has(Section::OtherData) {
            run.other_data().await?;
        }
    }
    if let Some(reader) = list {
        run.chats(reader).await?;
    }
    let Run {
        out,
        missing,
        mut report,
        ..
    } = run;
    out.finish().await?;
    write_missing(&root, &missing)?;
    // Again: a writer of an abandoned run of this process may have been
    // unwinding at the start.
    remove_stale_temps(&root, inv.id()).map_err(|e| TakeoutError::disk(&root, e))?;
    let recorded = Recorded::new(settings, &options.tz);
    complete(&root, &work, &recorded).map_err(|e| TakeoutError::disk(root.join(STATE_DIR), e))?;
    std::fs::remove_dir_all(&work).map_err(|e| TakeoutError::disk(&work, e))?;
    report.files = downloader
        .written
        .load(std::sync::atomic::Ordering::Relaxed);
    report.bytes = downloader.bytes.load(std::sync::atomic::Ordering::Relaxed);
    report.skipped = missing.len() as u64;
    Ok(report)
}

/// Forwards the client's retry notices as [`ProgressEvent::Waiting`] while
/// the export runs.
struct Forward(tokio::task::JoinHandle<()>);

impl Forward {
    fn start(client: &Client, events: UnboundedSender<ProgressEvent>) -> Self {
        let mut rx = client.events();
        Self(tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let ClientEvent::Retrying { request, after, .. } = event;
                let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
                let request = request.to_owned();
                let _ = events.send(ProgressEvent::Waiting { request, seconds });
            }
        }))
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CLI spawns the export: its future must be `Send`.
    #[allow(dead_code)]
    fn run_export_is_send(
        client: &Client,
        plan: &ExportPlan,
        options: &ExportOptions,
        events: &UnboundedSender<ProgressEvent>,
    ) {
        fn send<T: Send>(_: &T) {}
        send(&run_export(client, plan, options, events));
    }

    #[test]
    fn events_serialize_as_tagged_json_lines() {
        let event = ProgressEvent::FileProgress {
            name: "photos/a.jpg".into(),
            done: 5,
            size: 10,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event":"file_progress","name":"photos/a.jpg","done":5,"size":10}"#
        );
        let finished = ProgressEvent::Finished {
            report: ExportReport {
                out_dir: "out".into(),
                chats: 1,
                ..ExportReport::default()
            },
        };
        let text = serde_json::to_string(&finished).unwrap();
        assert!(text.starts_with(r#"{"event":"finished","report":{"out_dir":"out","chats":1"#));
    }

    #[test]
    fn options_default_to_the_system_clock() {
        let options = ExportOptions::new(crate::export::time::utc());
        assert!(!options.wait_for_delay);
        assert!((options.now_unix)() > 1_600_000_000);
    }
}
