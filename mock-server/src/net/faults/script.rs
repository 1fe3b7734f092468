//! The fault script's format: rules, rate limits, connection settings,
//! and their validation.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::super::ConnFaults;
use super::rule::{FaultOutcome, FaultRule};

/// The largest `latency_ms`.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// The largest `delay_ms` of a rule.
pub const MAX_DELAY_MS: u64 = 600_000;
/// The largest clock skew either way: ten years.
pub const MAX_CLOCK_SKEW_SECS: i64 = 10 * 365 * 86_400;
/// The longest rate-limit window and flood wait: a week.
pub const MAX_WINDOW_SECS: u32 = 7 * 86_400;
/// The most calls a rate limit may allow per window (its window is kept in
/// memory, one instant per call).
pub const MAX_RATE_CALLS: u32 = 100_000;

/// A request-rate limit: more than `max_calls` calls of `method` within
/// any `per_secs` seconds (server-wide, every connection and key) are
/// answered `420 FLOOD_WAIT_X` instead of being served.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The TL method name, or `*` for all calls together.
    pub method: String,
    /// Calls served per window.
    pub max_calls: u32,
    /// The sliding window, in seconds.
    #[serde(default = "one")]
    pub per_secs: u32,
    /// The X of `FLOOD_WAIT_X`; if absent, the seconds until the window
    /// has room again (rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood_wait_secs: Option<u32>,
}

fn one() -> u32 {
    1
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

/// A whole fault script. `Default` is no faults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultScript {
    /// Seed of the random draws of `probability` rules.
    #[serde(default)]
    pub seed: u64,
    /// Milliseconds every answer (and every other server message) is held
    /// back, like a network's one-way delay: the connection keeps reading,
    /// and pipelined answers each come this long after their request.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub latency_ms: u64,
    /// The most bytes per second each connection writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bytes_per_sec: Option<u64>,
    /// Seconds added to the server's clock (on top of the listener's own
    /// skew): `msg_id`s, `bad_msg_notification` 16/17, dates in answers.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub clock_skew_secs: i64,
    /// Every connection is closed once it has sent this many rpc answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_after_responses: Option<u32>,
    /// Request-rate limits, all of which a call must pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<RateLimit>,
    /// Rules, tried in order (see the module docs).
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// Why a fault script is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// A rule does nothing.
    #[error(
        "rule {0}: needs `error`, `disconnect`, `disconnect_mid_frame`, `bad_server_salt`, `transport_error`, `forget_key`, `quick_ack` or `delay_ms`"
    )]
    NoAction(usize),
    /// A `transport_error` that is not a negative code of at most four
    /// digits.
    #[error("rule {0}: `transport_error` must be within -9999 and -1 (e.g. -429)")]
    TransportCode(usize),
    /// A rule's method is empty.
    #[error("rule {0}: `method` is empty (use \"*\" for any)")]
    EmptyMethod(usize),
    /// `nth: 0` or `every: 0`.
    #[error("rule {0}: `nth` and `every` count from 1")]
    ZeroCount(usize),
    /// A probability outside 0..=1.
    #[error("rule {0}: `probability` must be within 0 and 1")]
    Probability(usize),
    /// A delay over [`MAX_DELAY_MS`].
    #[error("rule {0}: `delay_ms` is at most {MAX_DELAY_MS}")]
    Delay(usize),
    /// A bad rate limit.
    #[error("rate limit {index}: {reason}")]
    RateLimit {
        /// Its index in `rate_limits`.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A bad connection-level setting.
    #[error("`{field}` {reason}")]
    Setting {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl From<ScriptError> for String {
    fn from(e: ScriptError) -> Self {
        e.to_string()
    }
}

impl FaultScript {
    /// Checks that every rule says when and what, and that every setting is
    /// within range.
    pub fn validate(&self) -> Result<(), ScriptError> {
        let setting = |field, reason| Err(ScriptError::Setting { field, reason });
        if self.latency_ms > MAX_LATENCY_MS {
            return setting("latency_ms", "is at most 60000");
        }
        if self.bandwidth_bytes_per_sec == Some(0) {
            return setting("bandwidth_bytes_per_sec", "must be at least 1");
        }
        if self.clock_skew_secs.abs() > MAX_CLOCK_SKEW_SECS {
            return setting("clock_skew_secs", "is at most ten years either way");
        }
        if self.drop_after_responses == Some(0) {
            return setting("drop_after_responses", "counts from 1");
        }
        for (index, l) in self.rate_limits.iter().enumerate() {
            let bad = |reason| Err(ScriptError::RateLimit { index, reason });
            if l.method.is_empty() {
                return bad("`method` is empty (use \"*\" for all)");
            }
            if !(1..=MAX_RATE_CALLS).contains(&l.max_calls) {
                return bad("`max_calls` must be within 1 and 100000");
            }
            if !(1..=MAX_WINDOW_SECS).contains(&l.per_secs) {
                return bad("`per_secs` must be within 1 and 604800");
            }
            if l.flood_wait_secs.is_some_and(|s| s > MAX_WINDOW_SECS) {
                return bad("`flood_wait_secs` is at most 604800");
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.outcome.is_none() && r.delay_ms.is_none() {
                return Err(ScriptError::NoAction(i));
            }
            if let Some(FaultOutcome::TransportError(code)) = r.outcome
                && !(-9999..=-1).contains(&code)
            {
                return Err(ScriptError::TransportCode(i));
            }
            if r.method.is_empty() {
                return Err(ScriptError::EmptyMethod(i));
            }
            if r.nth == Some(0) || r.every == Some(0) {
                return Err(ScriptError::ZeroCount(i));
            }
            if r.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err(ScriptError::Probability(i));
            }
            if r.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
                return Err(ScriptError::Delay(i));
            }
        }
        Ok(())
    }

    /// What the script asks of every connection.
    pub fn connection_faults(&self) -> ConnFaults {
        ConnFaults {
            latency: Duration::from_millis(self.latency_ms),
            bandwidth: self.bandwidth_bytes_per_sec,
            clock_skew: self.clock_skew_secs,
            drop_after_responses: self.drop_after_responses,
        }
    }
}
