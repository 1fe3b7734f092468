//! Applying a fault script: counting calls, drawing probabilities,
//! deciding each call's fate, and the [`Faulty`] handler wrapper.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::super::{ConnFaults, Handler, Reply, Request};
use super::called_method;
use super::rule::FaultOutcome;
use super::script::{FaultScript, RateLimit};

/// The script in force and what it has counted so far.
#[derive(Default)]
pub(super) struct State {
    pub(super) script: FaultScript,
    calls: HashMap<&'static str, u32>,
    fired: Vec<u32>,
    draws: u64,
    /// Per rate limit: when the calls it let through in its window came.
    pub(super) windows: Vec<VecDeque<Instant>>,
}

/// What the script does to one call.
#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    /// Served by the inner handler.
    Serve,
    /// Served, then cut in the middle of its frame.
    MidFrame,
    /// Served, after an unrequested quick-ack word.
    QuickAck,
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
    pub(super) fn decide(&mut self, method: &'static str, at: Instant) -> (Duration, Outcome) {
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
            let outcome = match &rule.outcome {
                Some(FaultOutcome::Error(code, message)) => Outcome::Fault(Reply::Error {
                    code: *code,
                    message: message.clone(),
                }),
                Some(FaultOutcome::Disconnect) => Outcome::Fault(Reply::Disconnect),
                Some(FaultOutcome::BadServerSalt) => Outcome::Fault(Reply::BadServerSalt),
                Some(FaultOutcome::TransportError(code)) => {
                    Outcome::Fault(Reply::TransportError(*code))
                }
                Some(FaultOutcome::ForgetKey) => Outcome::Fault(Reply::ForgetKey),
                Some(FaultOutcome::DisconnectMidFrame) => Outcome::MidFrame,
                Some(FaultOutcome::QuickAck) => Outcome::QuickAck,
                // Only a delay: later rules may still decide.
                None => continue,
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
        let (delay, outcome) = self.decide(called_method(request.body), Instant::now());
        let reply = match outcome {
            Outcome::Serve => self.inner.handle(request, state),
            Outcome::MidFrame => {
                Reply::DisconnectMidFrame(Box::new(self.inner.handle(request, state)))
            }
            Outcome::QuickAck => Reply::QuickAck(Box::new(self.inner.handle(request, state))),
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

    fn take_pushes(&self, state: &mut Self::KeyState) -> Vec<crate::net::Push> {
        self.inner.take_pushes(state)
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
