//! Scripted faults, deterministic from a seed. [`Faulty`] wraps any
//! [`Handler`]; the script can be replaced while the server runs (the
//! control plane does).
//!
//! Per call, by rule: an rpc error, a dropped connection before the answer
//! or in the middle of its transport frame, `bad_server_salt` about the
//! request, extra delay. Per connection: latency on every answer, a
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
//!   {"method": "*", "probability": 0.01, "error": [500, "INTERNAL"]}
//! ]}
//! ```
//!
//! Rules are tried in order on every call. A rule with only `delay_ms`
//! delays the call and the next rules are still tried; the first rule with
//! an outcome (`error`, `disconnect`, `disconnect_mid_frame`,
//! `bad_server_salt`) decides. Calls no rule decides are then held to the
//! rate limits.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{ConnFaults, Handler, Reply, Request};

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

/// One rule: which calls it hits and what happens to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The TL method name (`upload.getFile`), or `*` for any.
    pub method: String,
    /// Only the n-th call (1-based) of the method (with `*`: of all calls
    /// together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u32>,
    /// Every n-th call (counted as for `nth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// Each call with this probability (drawn from the script's seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// How many times the rule may fire in all (unlimited if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Answer with this rpc error: `[code, "MESSAGE"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<(i32, String)>,
    /// Drop the connection instead of answering.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disconnect: bool,
    /// Answer, but drop the connection after writing only the first half
    /// of the transport frame carrying the answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disconnect_mid_frame: bool,
    /// Answer `bad_server_salt` about the request (with the right salt),
    /// which the client must send again.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bad_server_salt: bool,
    /// Hold this call's answer back this many milliseconds more (other
    /// answers of the connection are not held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

impl FaultRule {
    /// How many outcomes the rule names (at most one is valid).
    fn outcomes(&self) -> usize {
        usize::from(self.error.is_some())
            + usize::from(self.disconnect)
            + usize::from(self.disconnect_mid_frame)
            + usize::from(self.bad_server_salt)
    }
}

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

fn is_false(b: &bool) -> bool {
    !*b
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
        "rule {0}: needs `error`, `disconnect`, `disconnect_mid_frame`, `bad_server_salt` or `delay_ms`"
    )]
    NoAction(usize),
    /// A rule names more than one outcome.
    #[error(
        "rule {0}: only one of `error`, `disconnect`, `disconnect_mid_frame` and `bad_server_salt`"
    )]
    ManyOutcomes(usize),
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
            if r.outcomes() == 0 && r.delay_ms.is_none() {
                return Err(ScriptError::NoAction(i));
            }
            if r.outcomes() > 1 {
                return Err(ScriptError::ManyOutcomes(i));
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
pub fn method_name(body: &[u8]) -> &'static str {
    tl::name_for_id(innermost(body).0).unwrap_or("unknown")
}

#[derive(Default)]
struct State {
    script: FaultScript,
    calls: HashMap<&'static str, u32>,
    fired: Vec<u32>,
    draws: u64,
    /// Per rate limit: when the calls it let through in its window came.
    windows: Vec<VecDeque<Instant>>,
}

/// What the script does to one call.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Served by the inner handler.
    Serve,
    /// Served, then cut in the middle of its frame.
    MidFrame,
    /// Not served: this fault instead.
    Fault(Reply),
}

impl State {
    /// The `draws`-th uniform number in 0..1 of the script's seed
    /// (SplitMix64 over (seed, draw number): the same script gives the same
    /// faults on the same sequence of calls).
    fn draw(&mut self) -> f64 {
        let z = self
            .script
            .seed
            .wrapping_add(self.draws.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        self.draws += 1;
        (crate::rng::mix64(z) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Counts the call and decides its fate: the delay to add and the outcome.
    fn decide(&mut self, method: &'static str, at: Instant) -> (Duration, Outcome) {
        let mut count = |key| {
            let c = self.calls.entry(key).or_insert(0);
            *c = c.saturating_add(1);
            *c
        };
        let (n, n_all) = (count(method), count("*"));
        let mut delay = Duration::ZERO;
        for i in 0..self.script.rules.len() {
            let rule = &self.script.rules[i];
            if rule.method != "*" && rule.method != method {
                continue;
            }
            if rule.times.is_some_and(|t| self.fired[i] >= t) {
                continue;
            }
            let n = if rule.method == "*" { n_all } else { n };
            let mut hit = rule.nth.is_none_or(|k| k == n) && rule.every.is_none_or(|k| n % k == 0);
            if let Some(p) = rule.probability {
                hit &= self.draw() < p;
            }
            if !hit {
                continue;
            }
            let rule = &self.script.rules[i];
            self.fired[i] += 1;
            delay += Duration::from_millis(rule.delay_ms.unwrap_or(0));
            let outcome = if let Some((code, message)) = &rule.error {
                Outcome::Fault(Reply::Error {
                    code: *code,
                    message: message.clone(),
                })
            } else if rule.disconnect {
                Outcome::Fault(Reply::Disconnect)
            } else if rule.bad_server_salt {
                Outcome::Fault(Reply::BadServerSalt)
            } else if rule.disconnect_mid_frame {
                Outcome::MidFrame
            } else {
                // Only a delay: later rules may still decide.
                continue;
            };
            return (delay, outcome);
        }
        (delay, self.rate_limit(method, at))
    }

    /// Holds a call to the rate limits: served (and counted in every
    /// window it belongs to) or refused with `FLOOD_WAIT_X`.
    fn rate_limit(&mut self, method: &'static str, at: Instant) -> Outcome {
        let applies = |l: &RateLimit| l.method == "*" || l.method == method;
        for (l, window) in self.script.rate_limits.iter().zip(&mut self.windows) {
            if !applies(l) {
                continue;
            }
            let span = Duration::from_secs(u64::from(l.per_secs));
            while window
                .front()
                .is_some_and(|&t| at.saturating_duration_since(t) >= span)
            {
                window.pop_front();
            }
            if window.len() >= usize::try_from(l.max_calls).unwrap_or(usize::MAX) {
                let wait = l.flood_wait_secs.unwrap_or_else(|| {
                    let oldest = window.front().copied().unwrap_or(at);
                    let left = span.saturating_sub(at.saturating_duration_since(oldest));
                    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
                });
                return Outcome::Fault(Reply::Error {
                    code: 420,
                    message: format!("FLOOD_WAIT_{wait}"),
                });
            }
        }
        for (l, window) in self.script.rate_limits.iter().zip(&mut self.windows) {
            if applies(l) {
                window.push_back(at);
            }
        }
        Outcome::Serve
    }
}

/// A handler with a fault script in front of it.
pub struct Faulty<H> {
    inner: H,
    state: Mutex<State>,
}

impl<H> Faulty<H> {
    /// `inner` with no faults yet.
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            state: Mutex::new(State::default()),
        }
    }

    /// The wrapped handler.
    pub fn inner(&self) -> &H {
        &self.inner
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the script and resets the call counters and rate windows.
    /// Connection-level settings apply to every connection from its next
    /// step on.
    pub fn set_script(&self, script: FaultScript) -> Result<(), String> {
        script.validate()?;
        let mut s = self.lock();
        s.fired = vec![0; script.rules.len()];
        s.windows = vec![VecDeque::new(); script.rate_limits.len()];
        s.script = script;
        s.calls.clear();
        s.draws = 0;
        Ok(())
    }

    /// How many times each rule of the script in force has fired.
    pub fn fired(&self) -> Vec<u32> {
        self.lock().fired.clone()
    }

    /// The script in force.
    pub fn script(&self) -> FaultScript {
        self.lock().script.clone()
    }

    /// Counts the call and decides its fate at `at`.
    fn decide(&self, method: &'static str, at: Instant) -> (Duration, Outcome) {
        self.lock().decide(method, at)
    }
}

/// `reply`, held back `delay` if that is not zero.
fn delayed(delay: Duration, reply: Reply) -> Reply {
    if delay.is_zero() {
        reply
    } else {
        Reply::Delayed {
            delay,
            reply: Box::new(reply),
        }
    }
}

impl<H: Handler> Handler for Faulty<H> {
    type KeyState = H::KeyState;

    fn handle(&self, request: Request<'_>, state: &mut Self::KeyState) -> Reply {
        let (delay, outcome) = self.decide(method_name(request.body), Instant::now());
        let reply = match outcome {
            Outcome::Serve => self.inner.handle(request, state),
            Outcome::MidFrame => {
                Reply::DisconnectMidFrame(Box::new(self.inner.handle(request, state)))
            }
            Outcome::Fault(fault) => {
                self.inner.on_fault(&request, state, &fault);
                fault
            }
        };
        delayed(delay, reply)
    }

    fn on_fault(&self, request: &Request<'_>, state: &mut Self::KeyState, fault: &Reply) {
        self.inner.on_fault(request, state, fault);
    }

    fn connection_faults(&self) -> ConnFaults {
        let mine = self.lock().script.connection_faults();
        let inner = self.inner.connection_faults();
        ConnFaults {
            latency: mine.latency + inner.latency,
            bandwidth: match (mine.bandwidth, inner.bandwidth) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            clock_skew: mine.clock_skew + inner.clock_skew,
            drop_after_responses: match (mine.drop_after_responses, inner.drop_after_responses) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use tl::functions;

    use super::*;
    use tl::Serializable;

    struct Ok;
    impl Handler for Ok {
        type KeyState = ();
        fn handle(&self, _: Request<'_>, _: &mut ()) -> Reply {
            Reply::Result(vec![1])
        }
    }

    fn call(f: &Faulty<Ok>, body: &[u8]) -> Reply {
        f.handle(
            Request {
                dc_id: 2,
                auth_key_id: 1,
                conn_id: 1,
                body,
                now_unix: 0,
            },
            &mut (),
        )
    }

    fn script(json: &str) -> FaultScript {
        serde_json::from_str(json).expect("parses")
    }

    fn faulty(json: &str) -> Faulty<Ok> {
        let f = Faulty::new(Ok);
        f.set_script(script(json)).expect("valid");
        f
    }

    fn history() -> Vec<u8> {
        let inner = functions::InvokeWithMessagesRange {
            range: tl::types::MessageRange {
                min_id: 1,
                max_id: 9,
            }
            .into(),
            query: functions::messages::GetHistory::default(),
        };
        functions::InvokeWithTakeout {
            takeout_id: 5,
            query: inner,
        }
        .to_bytes()
    }

    fn config() -> Vec<u8> {
        functions::help::GetConfig {}.to_bytes()
    }

    fn ok() -> Reply {
        Reply::Result(vec![1])
    }

    fn error(code: i32, message: &str) -> Reply {
        Reply::Error {
            code,
            message: message.into(),
        }
    }

    #[test]
    fn method_names_are_found_inside_wrappers() {
        assert_eq!(method_name(&history()), "messages.getHistory");
        assert_eq!(method_name(&config()), "help.getConfig");
        assert_eq!(method_name(&[1, 2]), "unknown");
    }

    #[test]
    fn nth_every_times_and_disconnect() {
        let f = faulty(
            r#"{"rules": [
                {"method": "messages.getHistory", "nth": 2, "error": [420, "FLOOD_WAIT_1"]},
                {"method": "help.getConfig", "every": 2, "times": 1, "disconnect": true}
            ]}"#,
        );
        let h = history();
        assert_eq!(call(&f, &h), ok());
        assert_eq!(call(&f, &h), error(420, "FLOOD_WAIT_1"));
        assert_eq!(call(&f, &h), ok());
        let c = config();
        assert_eq!(call(&f, &c), ok());
        assert_eq!(call(&f, &c), Reply::Disconnect);
        assert_eq!(call(&f, &c), ok());
        assert_eq!(call(&f, &c), ok(), "times: 1");
    }

    #[test]
    fn mid_frame_bad_salt_and_delays() {
        let f = faulty(
            r#"{"rules": [
                {"method": "*", "every": 2, "times": 2, "delay_ms": 200},
                {"method": "messages.getHistory", "nth": 2, "disconnect_mid_frame": true},
                {"method": "help.getConfig", "nth": 1, "bad_server_salt": true, "delay_ms": 50},
                {"method": "help.getConfig", "nth": 2, "error": [500, "INTERNAL"]}
            ]}"#,
        );
        let h = history();
        assert_eq!(call(&f, &h), ok());
        // The delay-only rule fires, then the mid-frame rule decides: both apply.
        assert_eq!(
            call(&f, &h),
            Reply::Delayed {
                delay: Duration::from_millis(200),
                reply: Box::new(Reply::DisconnectMidFrame(Box::new(ok())))
            }
        );
        let c = config();
        assert_eq!(
            call(&f, &c),
            Reply::Delayed {
                delay: Duration::from_millis(50),
                reply: Box::new(Reply::BadServerSalt)
            }
        );
        assert_eq!(
            call(&f, &c),
            Reply::Delayed {
                delay: Duration::from_millis(200),
                reply: Box::new(error(500, "INTERNAL"))
            }
        );
        // "*" counts every call together: calls 2 and 4 were delayed, and
        // the rule fired its two times.
        assert_eq!(call(&f, &c), ok());
        assert_eq!(call(&f, &c), ok());
    }

    #[test]
    fn probabilities_are_deterministic_from_the_seed() {
        let run = |seed| {
            let f = Faulty::new(Ok);
            let rule = FaultRule {
                method: "*".into(),
                probability: Some(0.3),
                error: Some((500, "INTERNAL".into())),
                ..Default::default()
            };
            f.set_script(FaultScript {
                seed,
                rules: vec![rule],
                ..Default::default()
            })
            .unwrap();
            (0..200)
                .map(|_| call(&f, &history()) != ok())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((30..90).contains(&hits), "{hits} of 200 at p = 0.3");
    }

    #[test]
    fn rate_limits_answer_flood_wait_within_the_window() {
        let mut s = State::default();
        let limits = r#"{"rate_limits": [
            {"method": "upload.getFile", "max_calls": 3, "per_secs": 2, "flood_wait_secs": 7},
            {"method": "*", "max_calls": 5, "per_secs": 10}
        ]}"#;
        s.script = script(limits);
        s.windows = vec![VecDeque::new(); 2];
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let flood = |secs: u32| Outcome::Fault(error(420, &format!("FLOOD_WAIT_{secs}")));
        for i in 0..3 {
            assert_eq!(s.decide("upload.getFile", at(i * 100)).1, Outcome::Serve);
        }
        assert_eq!(
            s.decide("upload.getFile", at(500)).1,
            flood(7),
            "4th in 2 s"
        );
        assert_eq!(s.decide("upload.getFile", at(1999)).1, flood(7));
        // The first call left the window: room for one more.
        assert_eq!(s.decide("upload.getFile", at(2000)).1, Outcome::Serve);
        assert_eq!(s.decide("upload.getFile", at(2050)).1, flood(7));
        // "*" counts every call: 4 served so far, one more fits.
        assert_eq!(s.decide("help.getConfig", at(3000)).1, Outcome::Serve);
        // Full until the first call (at 0 ms) is 10 s old: 10 s - 3.5 s left.
        assert_eq!(s.decide("help.getConfig", at(3500)).1, flood(7));
        assert_eq!(s.decide("help.getConfig", at(9999)).1, flood(1));
        assert_eq!(s.decide("help.getConfig", at(10_000)).1, Outcome::Serve);
        assert!(
            s.windows.iter().all(|w| w.len() <= 5),
            "windows stay bounded"
        );
    }

    #[test]
    fn the_documented_script_parses_and_applies_to_connections() {
        let s = script(
            r#"{"seed": 7,
             "latency_ms": 50,
             "bandwidth_bytes_per_sec": 1000000,
             "clock_skew_secs": -600,
             "drop_after_responses": 5,
             "rate_limits": [{"method": "upload.getFile", "max_calls": 20, "per_secs": 1, "flood_wait_secs": 2}],
             "rules": [
               {"method": "upload.getFile", "nth": 3, "error": [420, "FLOOD_WAIT_2"]},
               {"method": "messages.getHistory", "every": 5, "disconnect": true},
               {"method": "messages.getDialogs", "nth": 2, "disconnect_mid_frame": true},
               {"method": "help.getConfig", "nth": 1, "bad_server_salt": true},
               {"method": "*", "nth": 4, "delay_ms": 200}
             ]}"#,
        );
        s.validate().expect("valid");
        assert_eq!(
            s.connection_faults(),
            ConnFaults {
                latency: Duration::from_millis(50),
                bandwidth: Some(1_000_000),
                clock_skew: -600,
                drop_after_responses: Some(5),
            }
        );
        assert_eq!(s.rate_limits[0].flood_wait_secs, Some(2));
        assert_eq!(s.rules.len(), 5);
        // It round-trips through JSON (GET /faults).
        let again: FaultScript = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
        // Defaults: no faults, and nothing but the seed and rules written.
        let none = script("{}");
        assert_eq!(none, FaultScript::default());
        assert_eq!(none.connection_faults(), ConnFaults::default());
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"seed":0,"rules":[]}"#
        );
        let limit = script(r#"{"rate_limits": [{"method": "*", "max_calls": 1}]}"#);
        assert_eq!(limit.rate_limits[0].per_secs, 1);
        assert_eq!(limit.rate_limits[0].flood_wait_secs, None);

        let f = faulty(r#"{"latency_ms": 20, "clock_skew_secs": 30}"#);
        assert_eq!(f.connection_faults().latency, Duration::from_millis(20));
        f.set_script(FaultScript::default()).unwrap();
        assert_eq!(f.connection_faults(), ConnFaults::default());
    }

    #[test]
    fn bad_scripts_are_refused() {
        let f = Faulty::new(Ok);
        let bad = |json: &str| f.set_script(script(json)).unwrap_err();
        assert!(bad(r#"{"rules": [{"method": "x"}]}"#).contains("needs `error`"));
        assert!(
            bad(r#"{"rules": [{"method": "x", "nth": 0, "disconnect": true}]}"#)
                .contains("count from 1")
        );
        let cases = [
            (r#"{"rules": [{"method": "x"}]}"#, ScriptError::NoAction(0)),
            (
                r#"{"rules": [{"method": "x", "disconnect": true, "bad_server_salt": true}]}"#,
                ScriptError::ManyOutcomes(0),
            ),
            (
                r#"{"rules": [{"method": "x", "delay_ms": 1}, {"method": "", "delay_ms": 1}]}"#,
                ScriptError::EmptyMethod(1),
            ),
            (
                r#"{"rules": [{"method": "x", "every": 0, "delay_ms": 1}]}"#,
                ScriptError::ZeroCount(0),
            ),
            (
                r#"{"rules": [{"method": "x", "probability": 1.5, "disconnect": true}]}"#,
                ScriptError::Probability(0),
            ),
            (
                r#"{"rules": [{"method": "x", "delay_ms": 600001}]}"#,
                ScriptError::Delay(0),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(script(json).validate(), Err(want), "{json}");
        }
        for json in [
            r#"{"latency_ms": 60001}"#,
            r#"{"bandwidth_bytes_per_sec": 0}"#,
            r#"{"clock_skew_secs": -400000000}"#,
            r#"{"drop_after_responses": 0}"#,
        ] {
            assert!(
                matches!(script(json).validate(), Err(ScriptError::Setting { .. })),
                "{json}"
            );
        }
        for json in [
            r#"{"rate_limits": [{"method": "", "max_calls": 1}]}"#,
            r#"{"rate_limits": [{"method": "x", "max_calls": 0}]}"#,
            r#"{"rate_limits": [{"method": "x", "max_calls": 1, "per_secs": 0}]}"#,
            r#"{"rate_limits": [{"method": "x", "max_calls": 1, "flood_wait_secs": 999999999}]}"#,
        ] {
            assert!(
                matches!(
                    script(json).validate(),
                    Err(ScriptError::RateLimit { index: 0, .. })
                ),
                "{json}"
            );
        }
        // Unknown or mistyped fields are JSON errors.
        for json in [
            r#"{"rules": [{"methd": "x"}]}"#,
            r#"{"latency": 5}"#,
            r#"{"rate_limits": [{"method": "x"}]}"#,
            r#"{"rate_limits": [{"method": "x", "max_calls": 1, "burst": 2}]}"#,
            r#"{"latency_ms": -1}"#,
        ] {
            assert!(serde_json::from_str::<FaultScript>(json).is_err(), "{json}");
        }
        assert_eq!(
            f.script(),
            FaultScript::default(),
            "refused scripts change nothing"
        );
    }
}
