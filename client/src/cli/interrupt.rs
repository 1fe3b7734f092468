//! Ctrl-C and SIGTERM during an export (README "Exporting your account",
//! "Stopping and resuming"): the first signal stops the export cleanly (no
//! new request, the takeout session closed, the folder left to resume); a
//! second one quits at once. [`Interrupts`] decides, [`Watch`] listens.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

/// A signal that stops an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Int,
    /// SIGTERM.
    Term,
}

impl Signal {
    /// The signal's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Int => "SIGINT",
            Self::Term => "SIGTERM",
        }
    }

    /// The exit code of a run it stopped: 128 + the signal's number, as
    /// shells report a process the signal killed.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Int => 130,
            Self::Term => 143,
        }
    }
}

/// What to do on a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The first signal: stop the export cleanly.
    Stop(Signal),
    /// Another one: quit at once with this exit code.
    QuitNow(u8),
}

/// The signals seen so far (a pure state machine).
#[derive(Clone, Copy, Debug, Default)]
pub struct Interrupts {
    first: Option<Signal>,
}

impl Interrupts {
    /// `signal` arrived.
    pub fn on_signal(&mut self, signal: Signal) -> Action {
        match self.first {
            None => {
                self.first = Some(signal);
                Action::Stop(signal)
            }
            Some(_) => Action::QuitNow(signal.exit_code()),
        }
    }
}

/// Listens for SIGINT and SIGTERM while an export runs and cancels `stop`
/// on the first.
pub struct Watch {
    first: Arc<OnceLock<Signal>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Installs the handlers (from now on Ctrl-C no longer kills the
    /// process by itself).
    pub fn start(stop: CancellationToken) -> std::io::Result<Self> {
        let mut source = Source::new()?;
        let first = Arc::new(OnceLock::new());
        let seen = first.clone();
        let task = tokio::spawn(async move {
            let mut state = Interrupts::default();
            loop {
                let Some(signal) = source.next().await else {
                    return;
                };
                match state.on_signal(signal) {
                    Action::Stop(signal) => {
                        let _ = seen.set(signal);
                        eprintln!(
                            "\ntg-takeout: {}: stopping (no new request; closing the takeout session); \
                             press Ctrl-C again to quit at once",
                            signal.name()
                        );
                        stop.cancel();
                    }
                    Action::QuitNow(code) => {
                        eprintln!(
                            "tg-takeout: quitting at once; run the same command again to resume"
                        );
                        std::process::exit(i32::from(code));
                    }
                }
            }
        });
        Ok(Self { first, task })
    }

    /// The signal that stopped the export, if one did.
    pub fn signal(&self) -> Option<Signal> {
        self.first.get().copied()
    }
}

/// Where the signals come from: SIGINT and SIGTERM on Unix.
#[cfg(unix)]
struct Source {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Source {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Option<Signal> {
        tokio::select! {
            Some(()) = self.int.recv() => Some(Signal::Int),
            Some(()) = self.term.recv() => Some(Signal::Term),
            else => None,
        }
    }
}

/// Where the signals come from: Ctrl-C elsewhere.
#[cfg(not(unix))]
struct Source;

#[cfg(not(unix))]
impl Source {
    fn new() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn next(&mut self) -> Option<Signal> {
        tokio::signal::ctrl_c().await.ok().map(|()| Signal::Int)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_stops_a_second_quits() {
        let mut s = Interrupts::default();
        assert_eq!(s.on_signal(Signal::Term), Action::Stop(Signal::Term));
        assert_eq!(s.on_signal(Signal::Int), Action::QuitNow(130));
        assert_eq!(s.on_signal(Signal::Term), Action::QuitNow(143));
        let mut s = Interrupts::default();
        assert_eq!(s.on_signal(Signal::Int), Action::Stop(Signal::Int));
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(Signal::Int.exit_code(), 128 + 2);
        assert_eq!(Signal::Term.exit_code(), 128 + 15);
    }
}
