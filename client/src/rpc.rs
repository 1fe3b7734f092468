//! Errors of a remote call: what Telegram answered (`rpc_error`), and what
//! else can go wrong between sending a request and reading its answer.
//!
//! Telegram's error messages carry a name and often a number:
//! `FLOOD_WAIT_31`, `FILE_MIGRATE_4`, `TAKEOUT_INIT_DELAY_86400`,
//! `FILE_PART_3_MISSING` (<https://core.telegram.org/api/errors>).
//! [`RpcError::parse`] splits them so callers match on the name.

use std::fmt;

use crate::transport::TransportError;

/// An `rpc_error` answered by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcError {
    /// The HTTP-like code: 303 migrate, 400 bad request, 401 unauthorized,
    /// 403 forbidden, 420 flood, 500 internal, and negative transport codes.
    pub code: i32,
    /// The message without its number: `FLOOD_WAIT` for `FLOOD_WAIT_31`.
    pub name: String,
    /// The number in the message, if any.
    pub value: Option<u32>,
    /// The TL name of the request that caused it, for messages.
    pub caused_by: Option<&'static str>,
}

impl RpcError {
    /// Splits `message` into name and value.
    ///
    /// ```
    /// use tg_takeout::rpc::RpcError;
    /// let e = RpcError::parse(420, "FLOOD_WAIT_31");
    /// assert_eq!((e.name.as_str(), e.value), ("FLOOD_WAIT", Some(31)));
    /// let e = RpcError::parse(400, "FILE_PART_3_MISSING");
    /// assert_eq!((e.name.as_str(), e.value), ("FILE_PART_MISSING", Some(3)));
    /// ```
    pub fn parse(code: i32, message: &str) -> Self {
        let parts: Vec<&str> = message.split('_').collect();
        let numeric =
            |p: &&str| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit());
        match parts.iter().rposition(numeric) {
            Some(at) if parts.len() > 1 => {
                let value = parts[at].parse().ok();
                let name = parts
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != at)
                    .map(|(_, p)| *p)
                    .collect::<Vec<_>>()
                    .join("_");
                Self {
                    code,
                    name,
                    value,
                    caused_by: None,
                }
            }
            _ => Self {
                code,
                name: message.to_owned(),
                value: None,
                caused_by: None,
            },
        }
    }

    /// The same error, naming the request that caused it.
    pub fn caused_by(mut self, request_id: u32) -> Self {
        self.caused_by = tl::name_for_id(request_id);
        self
    }

    /// Whether the name is `name`; a trailing `*` matches any suffix
    /// (`is("FLOOD_*")` matches `FLOOD_WAIT` and `FLOOD_PREMIUM_WAIT`).
    pub fn is(&self, name: &str) -> bool {
        match name.strip_suffix('*') {
            Some(prefix) => self.name.starts_with(prefix),
            None => self.name == name,
        }
    }

    /// The message as the server sent it.
    pub fn message(&self) -> String {
        match self.value {
            Some(v) if self.name == "FILE_PART_MISSING" => format!("FILE_PART_{v}_MISSING"),
            Some(v) => format!("{}_{v}", self.name),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Telegram answered {} {}", self.code, self.message())?;
        if let Some(req) = self.caused_by {
            write!(f, " to {req}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RpcError {}

/// Why a call did not produce its answer.
#[derive(Clone, Debug, PartialEq)]
pub enum InvocationError {
    /// The server answered with an error.
    Rpc(RpcError),
    /// The connection failed (the message of the IO error).
    Io(String),
    /// The transport framing failed, or the server sent a transport error.
    Transport(TransportError),
    /// The answer could not be decoded as the request's return type.
    Deserialize(tl::DeserializeError),
    /// The connection was closed for good (shutdown) before the answer came.
    Dropped,
    /// The request needs a DC the client does not know.
    InvalidDc(i32),
    /// Creating an auth key for the connection failed.
    Authentication(String),
    /// The session could not deliver the request (refused for good, resent
    /// too often, or its answer was undecodable).
    Protocol(String),
    /// The server speaks another API layer than ours (found on the first
    /// call of a connection).
    Layer(crate::invoke::layer::LayerMismatch),
}

impl fmt::Display for InvocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rpc(e) => e.fmt(f),
            Self::Io(e) => write!(f, "connection error: {e}"),
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Deserialize(e) => write!(f, "cannot decode the answer: {e}"),
            Self::Dropped => write!(f, "the connection was closed before the answer came"),
            Self::InvalidDc(dc) => write!(f, "unknown data center {dc}"),
            Self::Authentication(e) => write!(f, "auth key exchange failed: {e}"),
            Self::Protocol(e) => write!(f, "MTProto error: {e}"),
            Self::Layer(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for InvocationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rpc(e) => Some(e),
            Self::Deserialize(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RpcError> for InvocationError {
    fn from(e: RpcError) -> Self {
        Self::Rpc(e)
    }
}

impl From<tl::DeserializeError> for InvocationError {
    fn from(e: tl::DeserializeError) -> Self {
        Self::Deserialize(e)
    }
}

impl From<std::io::Error> for InvocationError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

impl From<TransportError> for InvocationError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl InvocationError {
    /// The rpc error, if the server answered with one.
    pub fn rpc(&self) -> Option<&RpcError> {
        match self {
            Self::Rpc(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is the rpc error `name` (see [`RpcError::is`]).
    pub fn is(&self, name: &str) -> bool {
        self.rpc().is_some_and(|e| e.is(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        let cases = [
            (420, "FLOOD_WAIT_31", "FLOOD_WAIT", Some(31)),
            (420, "FLOOD_PREMIUM_WAIT_5", "FLOOD_PREMIUM_WAIT", Some(5)),
            (303, "FILE_MIGRATE_4", "FILE_MIGRATE", Some(4)),
            (
                420,
                "TAKEOUT_INIT_DELAY_86400",
                "TAKEOUT_INIT_DELAY",
                Some(86400),
            ),
            (400, "FILE_PART_3_MISSING", "FILE_PART_MISSING", Some(3)),
            (400, "TAKEOUT_INVALID", "TAKEOUT_INVALID", None),
            (
                401,
                "SESSION_PASSWORD_NEEDED",
                "SESSION_PASSWORD_NEEDED",
                None,
            ),
            (400, "2FA_CONFIRM_WAIT_10", "2FA_CONFIRM_WAIT", Some(10)),
            (500, "", "", None),
            (400, "X_99999999999", "X_99999999999", None),
        ];
        for (code, msg, name, value) in cases {
            let e = RpcError::parse(code, msg);
            assert_eq!((e.name.as_str(), e.value), (name, value), "{msg}");
            if value.is_some() {
                assert_eq!(e.message(), msg);
            }
        }
    }

    #[test]
    fn matching_and_display() {
        let e = RpcError::parse(420, "FLOOD_PREMIUM_WAIT_5").caused_by(0x4423e6c5);
        assert!(e.is("FLOOD_*") && e.is("FLOOD_PREMIUM_WAIT") && !e.is("FLOOD_WAIT"));
        insta::assert_snapshot!(e, @"Telegram answered 420 FLOOD_PREMIUM_WAIT_5 to messages.getHistory");
        let err = InvocationError::from(e);
        assert!(err.is("FLOOD_PREMIUM_WAIT"));
    }
}
