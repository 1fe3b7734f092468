//! The export engine's error enum and the error classes of the issue
//! (retry / refresh / skip-and-record / fatal).
//!
//! Retrying (flood waits, 5xx, dropped connections) happens below, in the
//! [`crate::Client`]; what reaches the engine is either fatal for the whole
//! export ([`TakeoutError`]) or confined to one file, one chat or one section,
//! which is skipped and recorded in `missing.json`.

use std::path::PathBuf;

use crate::rpc::InvocationError;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum TakeoutError {
    /// `TAKEOUT_INIT_DELAY_X`: Telegram lets the export start only later.
    #[error(
        "for security reasons Telegram lets this export start only at {at}; \
         confirming the request in Telegram (Service notifications) skips the wait, \
         or run again with the option to wait"
    )]
    Delayed {
        /// When the export becomes possible (unix seconds).
        until_unix: i64,
        /// The same instant as a local date and time (`2024-03-10 14:05:09`).
        at: String,
    },
    /// `TAKEOUT_INVALID`: another export was started, which cancels this one.
    #[error(
        "this export was cancelled because a new data export was started (TAKEOUT_INVALID); \
         run it again"
    )]
    Invalid,
    /// The export was told to stop ([`super::ExportOptions::stop`]): no new
    /// request started, the takeout session was closed unsuccessfully, and
    /// the folder resumes when the same export runs again.
    #[error("the export was interrupted; run the same command again to resume")]
    Interrupted,
    /// 401: the authorization was lost.
    #[error("the authorization was lost (Telegram answered 401); log in again")]
    Unauthorized,
    /// The output could not be written (disk full, permissions...).
    #[error("cannot write {}: {source}", path.display())]
    Disk {
        /// The file or folder.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The chat of a single-chat export is not among the account's dialogs.
    #[error("chat {id} is not among the account's chats")]
    ChatNotFound {
        /// The id asked for.
        id: i64,
    },
    /// An update cannot start (not an export of ours, other settings).
    #[error(transparent)]
    Update(#[from] super::state::UpdateError),
    /// Any other error that stops the export (the connection is gone after
    /// every retry, a flood wait longer than allowed, ...).
    #[error("the export stopped: {0}")]
    Api(InvocationError),
}

impl TakeoutError {
    /// A disk error at `path`.
    pub fn disk(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Disk {
            path: path.into(),
            source,
        }
    }
}

/// What an error means for the export.
#[derive(Debug)]
pub(crate) enum Class {
    /// Stop everything.
    Fatal(TakeoutError),
    /// Skip the file, chat or section and record why.
    Skip(String),
}

/// Classifies an error of a request inside the takeout session: the
/// session's end (`TAKEOUT_INVALID`, `TAKEOUT_REQUIRED`), a lost
/// authorization and a connection that stays gone after the client's own
/// retries are fatal; any other answer of the server concerns the one item
/// asked for.
pub(crate) fn classify(error: InvocationError) -> Class {
    match &error {
        InvocationError::Rpc(e) if e.is("TAKEOUT_INVALID") || e.is("TAKEOUT_REQUIRED") => {
            Class::Fatal(TakeoutError::Invalid)
        }
        InvocationError::Rpc(e) if e.is("USER_DEACTIVATED*") => {
            Class::Fatal(TakeoutError::Api(error))
        }
        e if crate::invoke::needs_login(e) => Class::Fatal(TakeoutError::Unauthorized),
        // The client gave up waiting (longer than its limit): stopping beats
        // skipping everything that follows.
        InvocationError::Rpc(e) if e.is("FLOOD_WAIT") || e.is("FLOOD_PREMIUM_WAIT") => {
            Class::Fatal(TakeoutError::Api(error))
        }
        InvocationError::Rpc(e) => Class::Skip(e.message()),
        InvocationError::Deserialize(e) => Class::Skip(format!("undecodable answer: {e}")),
        InvocationError::InvalidDc(dc) => Class::Skip(format!("unknown data center {dc}")),
        _ => Class::Fatal(TakeoutError::Api(error)),
    }
}

/// Fatal errors become [`TakeoutError`]; for calls whose failure cannot be
/// confined (the dialog list, the takeout session itself).
pub(crate) fn fatal(error: InvocationError) -> TakeoutError {
    match classify(error.clone()) {
        Class::Fatal(e) => e,
        Class::Skip(_) => TakeoutError::Api(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::RpcError;

    fn rpc(code: i32, msg: &str) -> InvocationError {
        RpcError::parse(code, msg).into()
    }

    #[test]
    fn classes() {
        assert!(matches!(
            classify(rpc(400, "TAKEOUT_INVALID")),
            Class::Fatal(TakeoutError::Invalid)
        ));
        assert!(matches!(
            classify(rpc(403, "TAKEOUT_REQUIRED")),
            Class::Fatal(TakeoutError::Invalid)
        ));
        assert!(matches!(
            classify(rpc(401, "AUTH_KEY_UNREGISTERED")),
            Class::Fatal(TakeoutError::Unauthorized)
        ));
        assert!(matches!(
            classify(InvocationError::Io("reset".into())),
            Class::Fatal(TakeoutError::Api(_))
        ));
        match classify(rpc(400, "LOCATION_INVALID")) {
            Class::Skip(reason) => assert_eq!(reason, "LOCATION_INVALID"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(rpc(500, "HISTORY_GET_FAILED")),
            Class::Skip(_)
        ));
        assert!(matches!(fatal(rpc(400, "X")), TakeoutError::Api(_)));
    }

    #[test]
    fn delay_message_names_the_time_and_the_shortcut() {
        let e = TakeoutError::Delayed {
            until_unix: 86_400,
            at: "1970-01-02 00:00:00".into(),
        };
        let text = e.to_string();
        assert!(text.contains("1970-01-02 00:00:00") && text.contains("Service notifications"));
    }
}
