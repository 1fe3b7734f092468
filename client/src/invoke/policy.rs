//! When to retry a failed call, and after how long. The policy decides; it
//! never sleeps (the invoker does), so it is tested without a clock.
//!
//! - `FLOOD_WAIT_X` / `FLOOD_PREMIUM_WAIT_X`: wait X seconds (plus a small
//!   margin) and retry, as long as X is within the configured cap.
//! - 5xx and `-500`/`-503` answers, `Timeout`, `MSG_WAIT_*`, negative
//!   transport errors (`-429`, `-444`...) and dropped connections: retry with
//!   exponential backoff, a bounded number of times.
//! - Transport error `-404` (the server forgot the auth key) is never
//!   retried as is: the client makes a new key on a file DC, and on the home
//!   DC the user must log in again ([`needs_login`]).
//! - Everything else is returned to the caller.
//!
//! [`trouble`] sorts any failure into retry, log in again, or fatal, for
//! the messages and exit codes of the command line.

use std::time::Duration;

use crate::rpc::InvocationError;
use crate::transport::TransportError;

/// Why a call is being retried (shown to the user as an event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryReason {
    /// Telegram asked to wait (`FLOOD_WAIT_X`, `FLOOD_PREMIUM_WAIT_X`).
    FloodWait {
        /// The seconds Telegram asked for.
        seconds: u32,
    },
    /// The server had a temporary failure (5xx, `-503`).
    ServerError,
    /// The connection dropped or failed.
    Connection,
}

/// What to do after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again after `after`.
    Retry {
        /// How long to wait first.
        after: Duration,
        /// Why.
        reason: RetryReason,
    },
    /// Give the error to the caller.
    Fail,
}

/// What a failure means once the retries are spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// Temporary: retried by the policy (and a rerun may succeed).
    Retry,
    /// The login is gone (`AUTH_KEY_UNREGISTERED`, `SESSION_REVOKED`,
    /// `AUTH_KEY_DUPLICATED`, a forgotten key on the home DC...): log in
    /// again.
    Relogin,
    /// The account is deleted or banned (`USER_DEACTIVATED*`): nothing to
    /// export.
    Deactivated,
    /// Anything else: the caller's to report.
    Fatal,
}

/// Whether the error says the server forgot the auth key (transport error
/// `-404`, <https://core.telegram.org/mtproto/mtproto-transports#transport-errors>).
pub fn key_forgotten(error: &InvocationError) -> bool {
    matches!(
        error,
        InvocationError::Transport(TransportError::Status(-404))
    )
}

/// Whether the error means the login is gone and the user must log in
/// again (<https://core.telegram.org/api/errors#401-unauthorized>;
/// `AUTH_KEY_DUPLICATED` is 406 and also needs a new key and login).
pub fn needs_login(error: &InvocationError) -> bool {
    trouble(error) == Trouble::Relogin
}

/// Sorts a failure (see [`Trouble`]).
pub fn trouble(error: &InvocationError) -> Trouble {
    match error {
        e if key_forgotten(e) => Trouble::Relogin,
        InvocationError::Rpc(e) if e.is("USER_DEACTIVATED*") => Trouble::Deactivated,
        InvocationError::Rpc(e)
            if e.is("AUTH_KEY_UNREGISTERED")
                || e.is("AUTH_KEY_INVALID")
                || e.is("AUTH_KEY_PERM_EMPTY")
                || e.is("AUTH_KEY_DUPLICATED")
                || e.is("SESSION_REVOKED")
                || e.is("SESSION_EXPIRED") =>
        {
            Trouble::Relogin
        }
        InvocationError::Rpc(e) if e.code == 401 && !e.is("SESSION_PASSWORD_NEEDED") => {
            Trouble::Relogin
        }
        InvocationError::Rpc(e) if temporary(e) => Trouble::Retry,
        InvocationError::Io(_) | InvocationError::Transport(_) => Trouble::Retry,
        _ => Trouble::Fatal,
    }
}

/// A temporary server failure: 5xx, `-500`, `-503` (`Timeout`),
/// `MSG_WAIT_*` (<https://core.telegram.org/api/errors>).
fn temporary(e: &crate::rpc::RpcError) -> bool {
    (500..600).contains(&e.code)
        || e.code == -500
        || e.code == -503
        || e.is("Timeout")
        || e.is("MSG_WAIT_*")
}

/// How long a sender waits before reconnecting after the connection ended
/// with `error`: a transport flood (`-429`) backs off at least a second,
/// other transport error codes `base`; anything else reconnects at once.
pub fn reconnect_pause(error: &InvocationError, base: Duration) -> Duration {
    match error {
        InvocationError::Transport(TransportError::Status(-429)) => {
            base.max(Duration::from_secs(1))
        }
        InvocationError::Transport(TransportError::Status(_)) => base,
        _ => Duration::ZERO,
    }
}

/// Limits of the retry policy.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// The longest flood wait that is waited out; longer ones fail.
    pub max_flood_wait: Duration,
    /// Added to every flood wait. The server counts X from its answer and
    /// we from its arrival, a latency later, so X alone already ends after
    /// the server's window; the margin only covers a server that rounds X
    /// down and timer jitter. (Telethon and Pyrogram wait exactly X.) A
    /// whole second here cost a paced export about 5% of a 20-second run.
    pub flood_margin: Duration,
    /// Attempts in all for server errors and connection failures.
    pub max_attempts: u32,
    /// First backoff; doubled for each further attempt.
    pub base_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_flood_wait: Duration::from_secs(15 * 60),
            flood_margin: Duration::from_millis(250),
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The decision after `attempt` (1 for the first) failed with `error`.
    pub fn decide(&self, error: &InvocationError, attempt: u32) -> Decision {
        let backoff = |reason| {
            if attempt >= self.max_attempts {
                return Decision::Fail;
            }
            let factor = 1u32
                .checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX);
            let after = self
                .base_backoff
                .saturating_mul(factor)
                .min(self.max_backoff);
            Decision::Retry { after, reason }
        };
        match error {
            InvocationError::Rpc(e) if e.is("FLOOD_WAIT") || e.is("FLOOD_PREMIUM_WAIT") => {
                let seconds = e.value.unwrap_or(1);
                let wait = Duration::from_secs(seconds.into());
                if wait > self.max_flood_wait {
                    Decision::Fail
                } else {
                    Decision::Retry {
                        after: wait + self.flood_margin,
                        reason: RetryReason::FloodWait { seconds },
                    }
                }
            }
            InvocationError::Rpc(e) if temporary(e) => backoff(RetryReason::ServerError),
            e if key_forgotten(e) => Decision::Fail,
            InvocationError::Transport(TransportError::Status(-503 | -500)) => {
                backoff(RetryReason::ServerError)
            }
            InvocationError::Io(_) | InvocationError::Transport(_) => {
                backoff(RetryReason::Connection)
            }
            _ => Decision::Fail,
        }
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
    fn flood_waits_are_waited_out_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&rpc(420, "FLOOD_WAIT_31"), 1),
            Decision::Retry {
                after: Duration::from_millis(31_250),
                reason: RetryReason::FloodWait { seconds: 31 }
            }
        );
        assert!(matches!(
            p.decide(&rpc(420, "FLOOD_PREMIUM_WAIT_3"), 9),
            Decision::Retry { .. }
        ));
        assert_eq!(p.decide(&rpc(420, "FLOOD_WAIT_86400"), 1), Decision::Fail);
    }

    #[test]
    fn server_errors_back_off_then_fail() {
        let p = RetryPolicy::default();
        let e = rpc(500, "INTERNAL");
        let waits: Vec<Decision> = (1..=6).map(|a| p.decide(&e, a)).collect();
        assert_eq!(
            waits[..3],
            [
                Decision::Retry {
                    after: Duration::from_millis(500),
                    reason: RetryReason::ServerError
                },
                Decision::Retry {
                    after: Duration::from_millis(1000),
                    reason: RetryReason::ServerError
                },
                Decision::Retry {
                    after: Duration::from_millis(2000),
                    reason: RetryReason::ServerError
                },
            ]
        );
        assert_eq!(waits[5], Decision::Fail);
        assert!(matches!(
            p.decide(&InvocationError::Transport(TransportError::Status(-503)), 1),
            Decision::Retry {
                reason: RetryReason::ServerError,
                ..
            }
        ));
        let far = p.decide(&InvocationError::Io("reset".into()), 5);
        assert_eq!(
            far,
            Decision::Retry {
                after: Duration::from_secs(8),
                reason: RetryReason::Connection
            }
        );
    }

    #[test]
    fn every_error_class() {
        let p = RetryPolicy::default();
        let status = |c| InvocationError::Transport(TransportError::Status(c));
        for e in [
            rpc(500, "INTERNAL"),
            rpc(-500, "NO_WORKERS_RUNNING"),
            rpc(-503, "Timeout"),
            rpc(400, "MSG_WAIT_FAILED"),
            rpc(500, "MSG_WAIT_TIMEOUT"),
            status(-429),
            status(-444),
            status(-500),
        ] {
            assert!(matches!(p.decide(&e, 1), Decision::Retry { .. }), "{e}");
            assert_eq!(trouble(&e), Trouble::Retry, "{e}");
        }
        for e in [
            status(-404),
            rpc(401, "AUTH_KEY_UNREGISTERED"),
            rpc(406, "AUTH_KEY_DUPLICATED"),
            rpc(401, "SESSION_REVOKED"),
            rpc(401, "SESSION_EXPIRED"),
        ] {
            assert_eq!(p.decide(&e, 1), Decision::Fail, "{e}");
            assert_eq!(trouble(&e), Trouble::Relogin, "{e}");
            assert!(needs_login(&e));
        }
        assert!(key_forgotten(&status(-404)) && !key_forgotten(&status(-429)));
        assert_eq!(trouble(&rpc(401, "USER_DEACTIVATED")), Trouble::Deactivated);
        assert_eq!(
            trouble(&rpc(401, "USER_DEACTIVATED_BAN")),
            Trouble::Deactivated
        );
        assert_eq!(trouble(&rpc(400, "PEER_ID_INVALID")), Trouble::Fatal);
        assert_eq!(
            trouble(&rpc(401, "SESSION_PASSWORD_NEEDED")),
            Trouble::Fatal,
            "a login step, not a lost login"
        );
        let base = Duration::from_millis(100);
        assert_eq!(reconnect_pause(&status(-429), base), Duration::from_secs(1));
        assert_eq!(reconnect_pause(&status(-444), base), base);
        assert_eq!(
            reconnect_pause(&InvocationError::Io("reset".into()), base),
            Duration::ZERO
        );
    }

    #[test]
    fn other_errors_are_the_callers() {
        let p = RetryPolicy::default();
        for e in [
            rpc(400, "PEER_ID_INVALID"),
            rpc(401, "AUTH_KEY_UNREGISTERED"),
            rpc(303, "FILE_MIGRATE_2"),
        ] {
            assert_eq!(p.decide(&e, 1), Decision::Fail);
        }
        assert_eq!(p.decide(&InvocationError::Dropped, 1), Decision::Fail);
    }
}
