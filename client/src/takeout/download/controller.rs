//! How many download connections a DC gets and how many parts are in
//! flight on them: a pure state machine (no clock, no IO), fed the
//! completions of parts with their byte counts, the caller's time and
//! whether parts were waiting for the level (the level was what held them
//! up), and the flood waits and transport floods (`-429`) of
//! `upload.getFile`.
//!
//! - It starts at [`START_CONNECTIONS`] connections with [`START_DEPTH`]
//!   parts in flight on each.
//! - **Slow start, per part.** Every part that arrives while others wait
//!   for a slot adds one part in flight (so the level doubles in the time
//!   a part takes, one round), and a connection for every [`START_DEPTH`]
//!   parts. It measures each round: the completions of the parts that
//!   were in flight when the round began (and at least [`ROUND`]), so a
//!   round's rate is the rate of the level it began with. Slow start ends at the end of the round in
//!   which every connection opened (with [`START_DEPTH`] parts each, or the
//!   memory budget was reached), or after [`FLAT_ROUNDS`] rounds in a row
//!   that did not beat the best one by [`SLOW_START_GROWTH`] (the level is
//!   kept: rounds lag the level and answers come in bursts, so a flat
//!   round is no proof that less would do).
//! - **Then one step at a time**, over windows of at least [`WINDOW`] and
//!   as many completions as parts in flight (the first one only measures
//!   the level slow start left): while a window beats the best one by
//!   [`GROWTH`], one more connection, or once every connection is open,
//!   one more part in flight on each. A level that stops growing is kept;
//!   after [`PROBE_AFTER`] windows it probes one step again, and steps back
//!   if the probe brings nothing.
//! - Rounds and windows in which no part waited say nothing of what more
//!   would bring (the downloads asked for less than the level): they
//!   neither grow it nor end slow start.
//! - A `FLOOD_WAIT_X` pauses the DC until X seconds from now and halves the
//!   parts in flight (and the connections, if fewer parts remain); a `-429`
//!   does the same with a one-second pause. After the pause, slow start
//!   again, but only back to the level the wait cut (the pacer of the
//!   files class, `invoke/pace`, keeps the calls under the rate the wait
//!   taught), then one step a window; a wait that came during the first
//!   slow start (the level still growing) resumes it to every connection
//!   instead. A wait within [`REPEAT_FLOOD`] of
//!   the previous one's end also ends that recovery: one step a window
//!   from the halved level.
//! - It never exceeds the configured connections, nor the memory budget
//!   for parts in flight.

use std::time::Duration;

/// Connections a DC starts with.
pub const START_CONNECTIONS: usize = 2;
/// Parts in flight per connection at the start, and while slow start adds
/// connections.
pub const START_DEPTH: usize = 2;
/// Parts in flight per connection at most.
pub const MAX_DEPTH: usize = 8;
/// The shortest slow-start round (answers come in bursts: a shorter one
/// says little).
pub const ROUND: Duration = Duration::from_millis(250);
/// The shortest measuring window after slow start.
pub const WINDOW: Duration = Duration::from_secs(1);
/// How much better than the best window a window must be to grow again.
pub const GROWTH: f64 = 1.05;
/// How much better than the best round a slow-start round must be (the
/// level about doubled since).
pub const SLOW_START_GROWTH: f64 = 1.25;
/// Rounds in a row without that growth that end slow start.
pub const FLAT_ROUNDS: u32 = 2;
/// Windows at a settled level before probing one step further. Short:
/// a level settles while another DC's downloads take the files pacer's
/// calls (`invoke/pace`, paced for the account), and must grow soon once
/// they end (8 windows left a DC at 5 of its 8 connections for 10 s
/// after the other DC's files ended, on the README's 200 MB world with
/// both DCs downloading at once); a probe that brings nothing steps back.
pub const PROBE_AFTER: u32 = 2;
/// The pause after a transport flood (`-429`), which carries no time.
pub const TRANSPORT_FLOOD_PAUSE: Duration = Duration::from_secs(1);
/// A flood wait this soon after the previous pause ended finds the level
/// still too high: no slow start back to it.
pub const REPEAT_FLOOD: Duration = Duration::from_secs(10);

/// The bounds the controller keeps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections per DC at most (`--connections`).
    pub connections: usize,
    /// Parts in flight at most (the memory budget divided by the part
    /// size).
    pub parts: usize,
}

/// A measurement over a round (slow start) or a window.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: Duration,
    bytes: u64,
    parts: usize,
    /// Completions that end it (at least).
    target: usize,
    /// Whether every completion in it found parts waiting.
    limited: bool,
}

/// The controller of one DC.
#[derive(Clone, Debug)]
pub struct Controller {
    limits: Limits,
    connections: usize,
    /// Parts in flight over all connections.
    parts: usize,
    /// The measurement under way (`None`: opened at the next completion).
    span: Option<Span>,
    /// The best throughput measured at the current or a lower level, in
    /// bytes a second.
    best: f64,
    /// Windows in a row that did not beat `best` (rounds in slow start).
    settled: u32,
    slow_start: bool,
    /// Slow start goes no further than this level (after a flood wait:
    /// the level it cut).
    recover_to: Option<(usize, usize)>,
    /// The next window only measures the level (slow start just left it).
    calibrate: bool,
    /// While probing one step up: the level to return to if it brings
    /// nothing.
    probe_from: Option<(usize, usize)>,
    /// No part goes out before this time.
    paused_until: Duration,
}

impl Controller {
    /// A controller at the starting level, within `limits` (each at least
    /// 1).
    pub fn new(limits: Limits) -> Self {
        let limits = Limits {
            connections: limits.connections.max(1),
            parts: limits.parts.max(1),
        };
        let connections = START_CONNECTIONS.min(limits.connections);
        let parts = (connections * START_DEPTH).min(limits.parts);
        Self {
            limits,
            connections,
            parts,
            span: None,
            best: 0.0,
            settled: 0,
            probe_from: None,
            slow_start: true,
            recover_to: None,
            calibrate: false,
            paused_until: Duration::ZERO,
        }
    }

    /// Connections to use now.
    pub fn connections(&self) -> usize {
        self.connections
    }

    /// Parts in flight allowed now (over all connections of the DC).
    pub fn in_flight(&self) -> usize {
        self.parts
    }

    /// No part may go out before this time (after a flood wait).
    pub fn paused_until(&self) -> Duration {
        self.paused_until
    }

    /// The best throughput measured so far at this level, bytes a second.
    pub fn best_rate(&self) -> f64 {
        self.best
    }

    /// Whether it is still in slow start.
    pub fn slow_start(&self) -> bool {
        self.slow_start
    }

    /// A part of `bytes` bytes arrived at `now`; `waiting`: other parts
    /// were waiting for a slot (the level held them up).
    pub fn completed(&mut self, now: Duration, bytes: u64, waiting: bool) {
        if now < self.paused_until {
            return; // answered before the wait: says nothing of the rate
        }
        let Some(mut span) = self.span else {
            // The first answer opens the span; its bytes were in flight
            // before it.
            self.span = Some(self.open(now));
            return;
        };
        span.bytes += bytes;
        span.parts += 1;
        span.limited &= waiting;
        if self.slow_start && waiting {
            self.slow_start_step();
        }
        let elapsed = now.saturating_sub(span.start);
        let long_enough = elapsed >= if self.slow_start { ROUND } else { WINDOW };
        if !long_enough || span.parts < span.target || elapsed.is_zero() {
            self.span = Some(span);
            return;
        }
        self.span = Some(self.open(now));
        let rate = span.bytes as f64 / elapsed.as_secs_f64();
        if self.slow_start {
            self.end_round(rate, span);
        } else {
            self.end_window(rate, span);
        }
    }

    fn open(&self, now: Duration) -> Span {
        Span {
            start: now,
            bytes: 0,
            parts: 0,
            target: self.parts,
            limited: true,
        }
    }

    /// The level slow start goes no further than: every connection the
    /// limits allow with [`START_DEPTH`] parts each (or the budget), or
    /// after a flood wait the level the wait cut.
    fn slow_start_ceiling(&self) -> (usize, usize) {
        self.recover_to.unwrap_or_else(|| {
            let connections = self.limits.connections.min(self.limits.parts);
            let parts = (connections * START_DEPTH).min(self.limits.parts);
            (connections, parts)
        })
    }

    /// Slow start: one more part, and a connection for each
    /// [`START_DEPTH`], up to the ceiling.
    fn slow_start_step(&mut self) {
        let (connections, parts) = self.slow_start_ceiling();
        if self.parts >= parts {
            return;
        }
        self.parts += 1;
        self.connections = self
            .parts
            .div_ceil(START_DEPTH)
            .clamp(self.connections, connections.max(self.connections));
        if self.parts >= parts {
            self.connections = connections.max(self.connections);
        }
    }

    /// The end of a slow-start round: it goes on while rounds grow; at the
    /// ceiling, or after [`FLAT_ROUNDS`] flat rounds, one step a window
    /// from here.
    fn end_round(&mut self, rate: f64, round: Span) {
        let grew = rate > self.best * SLOW_START_GROWTH;
        if grew {
            self.best = rate;
            self.settled = 0;
        } else if round.limited {
            self.settled += 1;
        }
        // Rounds lag the level and answers come in bursts: a flat round
        // stops growth, but does not cut the level (flood waits do).
        let at_ceiling = self.parts >= self.slow_start_ceiling().1;
        if self.settled >= FLAT_ROUNDS || at_ceiling {
            self.slow_start = false;
            self.recover_to = None;
            self.settled = 0;
            self.calibrate = true;
            self.span = None; // windows from here
        }
    }

    fn end_window(&mut self, rate: f64, window: Span) {
        if std::mem::take(&mut self.calibrate) {
            // The first window at a level slow start left: what it gives.
            self.best = rate;
            return;
        }
        let probe = self.probe_from.take();
        if rate > self.best * GROWTH {
            self.best = rate;
            self.settled = 0;
            if window.limited {
                self.grow();
            }
        } else if let Some((connections, parts)) = probe {
            // The probe brought nothing: back to the settled level.
            self.connections = connections;
            self.parts = parts;
        } else if window.limited {
            self.settled += 1;
            if self.settled >= PROBE_AFTER {
                self.settled = 0;
                self.probe_from = Some((self.connections, self.parts));
                self.grow();
            }
        }
    }

    /// `upload.getFile` answered `FLOOD_WAIT_X` at `now`: `wait` is X
    /// seconds (plus any margin the caller adds).
    pub fn flood_wait(&mut self, now: Duration, wait: Duration) {
        self.back_off(now, now + wait);
    }

    /// The connection was closed with transport error `-429` at `now`.
    pub fn transport_flood(&mut self, now: Duration) {
        self.back_off(now, now + TRANSPORT_FLOOD_PAUSE);
    }

    fn back_off(&mut self, now: Duration, until: Duration) {
        if now < self.paused_until {
            // Refused with the others of a burst: the pause is under way,
            // the level already cut.
            self.paused_until = self.paused_until.max(until);
            return;
        }
        // A wait soon after the last pause: the level it recovers to is
        // too high.
        let repeated = self.paused_until > Duration::ZERO && now < self.paused_until + REPEAT_FLOOD;
        // A wait during the first slow start cut a level that was still
        // growing: it tells the rate (the pacer's business), not what the
        // connections can carry.
        let starting = self.slow_start && self.recover_to.is_none();
        let level = (self.connections, self.parts);
        self.paused_until = self.paused_until.max(until);
        self.parts = (self.parts / 2).max(1);
        self.connections = self.connections.min(self.parts);
        self.span = None;
        self.best = 0.0;
        self.settled = 0;
        self.probe_from = None;
        self.slow_start = !repeated && (starting || level.1 > self.parts);
        self.recover_to = (self.slow_start && !starting).then_some(level);
        self.calibrate = !self.slow_start;
    }

    /// One step up, if the limits allow it: one more connection carrying
    /// as many parts as the others, else one more part on each connection.
    fn grow(&mut self) {
        let depth = self.parts.div_ceil(self.connections);
        if self.connections < self.limits.connections && self.connections < self.limits.parts {
            self.connections += 1;
            self.parts = (self.parts + depth).min(self.limits.parts);
        } else {
            let most = (self.connections * MAX_DEPTH).min(self.limits.parts);
            self.parts = (self.parts + self.connections).min(most).max(self.parts);
        }
    }
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
