//! Showing progress: indicatif bars on a terminal (overall chats, the
//! current chat's messages, files with bytes and speed, a note while a flood
//! wait runs), one JSON event per line for scripts, or nothing.

use std::io::{IsTerminal as _, Write as _};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;

use super::args::ProgressArg;
use tg_takeout::takeout::ProgressEvent;

/// Where progress goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bars on stderr.
    Bars,
    /// JSON lines on stdout.
    Json,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// The mode for the flag, given whether stderr is a terminal.
    pub fn choose(arg: ProgressArg) -> Self {
        match arg {
            ProgressArg::Auto if std::io::stderr().is_terminal() => Self::Bars,
            ProgressArg::Auto | ProgressArg::None => Self::Quiet,
            ProgressArg::Bars => Self::Bars,
            ProgressArg::Json => Self::Json,
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

struct Bars {
    _multi: MultiProgress,
    overall: ProgressBar,
    chat: ProgressBar,
    files: ProgressBar,
    note: ProgressBar,
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(style("{prefix:>8} [{bar:30}] {pos}/{len} chats  {msg}"));
        overall.set_prefix("export");
        let chat = multi.add(ProgressBar::new(0));
        chat.set_style(style("{prefix:>8} [{bar:30}] {pos}/{len} messages  {msg}"));
        chat.set_prefix("chat");
        let files = multi.add(ProgressBar::new(0));
        files.set_style(style(
            // wide_msg: cut to the terminal's width, so the line never wraps.
            "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}  {wide_msg}",
        ));
        files.set_prefix("files");
        let note = multi.add(ProgressBar::new_spinner());
        Self {
            _multi: multi,
            overall,
            chat,
            files,
            note,
        }
    }

    fn on(&self, event: &ProgressEvent) {
        match event {
            ProgressEvent::Section { name } => self.overall.set_message(name.clone()),
            ProgressEvent::DialogsCounted { total } => self.overall.set_length(*total),
            ProgressEvent::ChatStarted {
                index,
                total,
                name,
                messages,
            } => {
                self.overall.set_length(*total);
                self.overall.set_position(index.saturating_sub(1));
                self.chat.set_length(*messages);
                self.chat.set_position(0);
                self.chat.set_message(name.clone());
            }
            ProgressEvent::Messages { done, total, .. } => {
                self.chat.set_length(*total);
                self.chat.set_position(*done);
            }
            ProgressEvent::FileStarted { name, size } => {
                self.files.inc_length(*size);
                let short = super::shorten::middle(name, super::shorten::FILE_COLUMNS);
                self.files.set_message(short);
            }
            ProgressEvent::FileProgress { .. }
            | ProgressEvent::FileFinished { .. }
            | ProgressEvent::FileSkipped { .. } => {
                if let ProgressEvent::FileSkipped { name, reason } = event {
                    self.note.set_message(format!("skipped {name}: {reason}"));
                }
            }
            ProgressEvent::Waiting { request, seconds } => {
                self.note.set_message(format!(
                    "Telegram asked to wait {seconds} s before {request}"
                ));
            }
            ProgressEvent::FilesRate(rate) => self.files.set_message(files_rate(rate)),
            ProgressEvent::Finished { .. } => {
                self.overall.finish_and_clear();
                self.chat.finish_and_clear();
                self.files.finish_and_clear();
                self.note.finish_and_clear();
            }
            _ => {}
        }
    }

    fn on_bytes(&self, event: &ProgressEvent, last: &mut std::collections::HashMap<String, u64>) {
        if let ProgressEvent::FileProgress { name, done, .. } = event {
            let before = last.insert(name.clone(), *done).unwrap_or(0);
            self.files.inc(done.saturating_sub(before));
        }
    }
}

/// The files bar's note from a `files_rate` event: overall throughput,
/// connections in use per DC, time left.
fn files_rate(rate: &tg_takeout::takeout::download::FilesRate) -> String {
    let dcs: Vec<String> = rate
        .dcs
        .iter()
        .map(|d| format!("DC{} {}x", d.dc, d.connections))
        .collect();
    let eta = match rate.eta_secs {
        Some(s) if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        Some(s) => format!("{}m{:02}s", s / 60, s % 60),
        None => "?".into(),
    };
    format!(
        "{:.1} MB/s  {}  ETA {eta}",
        rate.bytes_per_sec as f64 / 1e6,
        dcs.join(" ")
    )
}

/// Renders events until the channel closes. The client's retry waits
/// arrive here too, as [`ProgressEvent::Waiting`] from the export engine
/// (which subscribes to [`tg_takeout::Client::events`] while it runs).
pub async fn render(mode: Mode, mut events: mpsc::UnboundedReceiver<ProgressEvent>) {
    let bars = (mode == Mode::Bars).then(Bars::new);
    let mut file_bytes = std::collections::HashMap::new();
    while let Some(event) = events.recv().await {
        match mode {
            Mode::Json => {
                if let Ok(line) = serde_json::to_string(&event) {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{line}");
                    let _ = out.flush();
                }
            }
            Mode::Bars => {
                if let Some(b) = &bars {
                    b.on_bytes(&event, &mut file_bytes);
                    b.on(&event);
                }
            }
            Mode::Quiet => {}
        }
    }
}
