//! Errors the command line reports, and the exit code of each. Only the
//! binary decides exit codes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | error |
//! | 2 | usage (bad arguments) |
//! | 3 | login needed: never logged in, or the login is gone (ended on another device, `SESSION_REVOKED`, `AUTH_KEY_UNREGISTERED`, `AUTH_KEY_DUPLICATED`, or the home DC forgot the key: transport error -404, the session file is then renamed `*.key-forgotten`) |
//! | 4 | takeout delayed by Telegram (the message gives the date) |
//! | 5 | finished, with skipped items listed in `missing.json` |
//! | 130 | stopped by Ctrl-C (SIGINT); run the same command again to resume |
//! | 143 | stopped by SIGTERM; run the same command again to resume |

use std::process::ExitCode;

/// A failure the user can act on: one line of what went wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or settings.
    #[error("{0}")]
    Usage(String),
    /// Not logged in.
    #[error("not logged in: run `tg-takeout login` first{0}")]
    LoginNeeded(String),
    /// Telegram delays the export.
    #[error("{0}")]
    Delayed(String),
    /// The export finished but skipped items.
    #[error("the export finished, but {count} item(s) could not be exported; see {path}")]
    Partial {
        /// How many.
        count: u64,
        /// missing.json.
        path: String,
    },
    /// Ctrl-C or SIGTERM stopped the export (cleanly).
    #[error(
        "stopped by {}: what was exported so far is kept; run the same command again to resume",
        .0.name()
    )]
    Interrupted(super::interrupt::Signal),
    /// `check` found a problem (its report says which); the exit code.
    #[error("the check found a problem (see the report above)")]
    Check(u8),
    /// Anything else.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::LoginNeeded(_) => 3,
            Self::Delayed(_) => 4,
            Self::Partial { .. } => 5,
            Self::Interrupted(signal) => signal.exit_code(),
            Self::Check(code) => *code,
            Self::Other(_) => 1,
        }
    }

    /// Prints the error and gives its exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("tg-takeout: {self}");
        ExitCode::from(self.exit_code())
    }
}

/// The login was lost during a run (a 401, `AUTH_KEY_DUPLICATED`, or the
/// home DC forgot the key): exit 3, saying where the old session file went
/// if it was set aside.
pub fn login_lost(client: &tg_takeout::Client) -> CliError {
    match client.retired_session() {
        Some(path) => CliError::LoginNeeded(format!(
            " (log in again: Telegram no longer knows this session's key; the old session file is kept as {})",
            path.display()
        )),
        None => CliError::LoginNeeded(" (log in again: the login was ended on the server)".into()),
    }
}

/// An error that stopped the export after the client's retries, with the
/// meaning of its class ([`tg_takeout::invoke::trouble`]).
pub fn api_error(e: tg_takeout::rpc::InvocationError) -> CliError {
    use tg_takeout::invoke::{Trouble, trouble};
    match trouble(&e) {
        Trouble::Deactivated => CliError::Other(anyhow::anyhow!(
            "the export stopped: the account is deleted or banned ({e}); there is nothing to export"
        )),
        Trouble::Retry => CliError::Other(anyhow::anyhow!(
            "the export stopped: {e}, still after every retry; run the same command again to resume"
        )),
        Trouble::Relogin => CliError::LoginNeeded(format!(" (log in again: {e})")),
        Trouble::Fatal => CliError::Other(anyhow::anyhow!("the export stopped: {e}")),
    }
}

/// Shorthand for usage errors.
pub fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(usage("x").exit_code(), 2);
        assert_eq!(CliError::LoginNeeded(String::new()).exit_code(), 3);
        assert_eq!(CliError::Delayed("d".into()).exit_code(), 4);
        assert_eq!(
            CliError::Partial {
                count: 2,
                path: "m".into()
            }
            .exit_code(),
            5
        );
        assert_eq!(CliError::Other(anyhow::anyhow!("boom")).exit_code(), 1);
        use super::super::interrupt::Signal;
        assert_eq!(CliError::Interrupted(Signal::Int).exit_code(), 130);
        assert_eq!(CliError::Interrupted(Signal::Term).exit_code(), 143);
        insta::assert_snapshot!(CliError::LoginNeeded(String::new()), @"not logged in: run `tg-takeout login` first");
    }
}
