//! Scripted faults, deterministic from a seed. [`Faulty`] wraps any
//! [`Handler`](super::Handler); the script can be replaced while the server runs (the
//! control plane does).
//!
//! Per call, by rule: an rpc error, a dropped connection before the answer
//! or in the middle of its transport frame, `bad_server_salt` about the
//! request, a transport error code instead of the answer, a forgotten auth
//! key (`-404`), an unrequested quick-ack word before the answer, extra
//! delay. Per connection: latency on every answer, a
//! bandwidth cap, a skewed clock, a drop after N answers. Per method: a
//! request-rate limit answered with `FLOOD_WAIT_X`.
//!
//! ```json
//! {"seed": 7,
//!  "latency_ms": 50,
//!  "bandwidth_bytes_per_sec": 1000000,
//!  "clock_skew_secs": -600,
//!  "drop_after_responses": 5,
//!  "rate_limits": [{"method": "upload.getFile", "max_calls": 20, "per_secs": 1, "flood_wait_secs": 2}],
//!  "rules": [
//!   {"method": "upload.getFile", "nth": 3, "error": [420, "FLOOD_WAIT_2"]},
//!   {"method": "messages.getHistory", "every": 5, "disconnect": true},
//!   {"method": "messages.getDialogs", "nth": 2, "disconnect_mid_frame": true},
//!   {"method": "help.getConfig", "nth": 1, "bad_server_salt": true},
//!   {"method": "*", "nth": 4, "delay_ms": 200},
//!   {"method": "*", "probability": 0.01, "error": [500, "INTERNAL"]},
//!   {"method": "messages.getHistory", "nth": 3, "transport_error": -429},
//!   {"method": "upload.getFile", "nth": 2, "forget_key": true},
//!   {"method": "*", "every": 7, "quick_ack": true}
//! ]}
//! ```
//!
//! Rules are tried in order on every call. A rule with only `delay_ms`
//! delays the call and the next rules are still tried; the first rule with
//! an outcome (`error`, `disconnect`, `disconnect_mid_frame`,
//! `bad_server_salt`, `transport_error`, `forget_key`, `quick_ack`: one per
//! rule, [`FaultOutcome`]) decides. Calls no rule decides are then held to the
//! rate limits.

mod handler;
mod rule;
mod script;
#[cfg(test)]
mod tests;

pub use handler::Faulty;
pub use rule::{FaultOutcome, FaultRule};
pub use script::{
    FaultScript, MAX_CLOCK_SKEW_SECS, MAX_DELAY_MS, MAX_LATENCY_MS, MAX_RATE_CALLS,
    MAX_WINDOW_SECS, RateLimit, ScriptError,
};

/// The method a request calls and its bytes, wrappers peeled
/// ([`tl::peel`]); a wrapper that does not decode stands for itself, a
/// body without a constructor id is method 0.
pub(crate) fn innermost(body: &[u8]) -> (u32, &[u8]) {
    match tl::peel::peel(body) {
        Ok(p) => (p.method_id, p.query),
        Err(e) => {
            let rest = e.at().and_then(|at| body.get(at..)).unwrap_or(body);
            match rest.get(..4) {
                Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]), rest),
                None => (0, rest),
            }
        }
    }
}

/// The TL name of the method a request calls, wrappers peeled.
pub fn called_method(body: &[u8]) -> &'static str {
    tl::name_for_id(innermost(body).0).unwrap_or("unknown")
}
