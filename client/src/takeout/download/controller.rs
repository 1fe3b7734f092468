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
//!   were in flight when the round began, so a round's rate is the rate of
//!   the level it began with. Slow start ends once every connection is
//!   open, or after [`FLAT_ROUNDS`] rounds in a row that did not beat the
//!   best one by [`SLOW_START_GROWTH`]; then the level goes back to the
//!   one that gave the best round.
//! - **Then one step at a time**, over windows of at least [`WINDOW`] and
//!   as many completions as parts in flight: while a window beats the best
//!   one by [`GROWTH`], one more connection, or once every connection is
//!   open, one more part in flight on each. A level that stops growing is
//!   kept; after [`PROBE_AFTER`] windows it probes one step again, and
//!   steps back if the probe brings nothing.
//! - Rounds and windows in which no part waited say nothing of what more
//!   would bring (the downloads asked for less than the level): they
//!   neither grow it nor end slow start.
//! - A `FLOOD_WAIT_X` pauses the DC until X seconds from now and halves the
//!   parts in flight (and the connections, if fewer parts remain); a `-429`
//!   does the same with a one-second pause. Growth after the pause is one
//!   step per window.
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
/// The shortest measuring window after slow start.
pub const WINDOW: Duration = Duration::from_secs(1);
/// How much better than the best window a window must be to grow again.
pub const GROWTH: f64 = 1.05;
/// How much better than the best round a slow-start round must be (the
/// level about doubled since).
pub const SLOW_START_GROWTH: f64 = 1.25;
/// Rounds in a row without that growth that end slow start.
pub const FLAT_ROUNDS: u32 = 2;
/// Windows at a settled level before probing one step further.
pub const PROBE_AFTER: u32 = 8;
/// The pause after a transport flood (`-429`), which carries no time.
pub const TRANSPORT_FLOOD_PAUSE: Duration = Duration::from_secs(1);

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
    /// The level when it began.
    level: (usize, usize),
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
    /// bytes a second, and the level that gave it.
    best: f64,
    best_level: (usize, usize),
    /// Windows in a row that did not beat `best` (rounds in slow start).
    settled: u32,
    slow_start: bool,
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
            best_level: (connections, parts),
            settled: 0,
            probe_from: None,
            slow_start: true,
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
        let long_enough = self.slow_start || elapsed >= WINDOW;
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
            level: (self.connections, self.parts),
            limited: true,
        }
    }

    /// Slow start: one more part, and a connection for each
    /// [`START_DEPTH`]; it ends once every connection is open.
    fn slow_start_step(&mut self) {
        let most_connections = self.limits.connections.min(self.limits.parts);
        self.parts = (self.parts + 1).min(self.limits.parts);
        self.connections = self
            .parts
            .div_ceil(START_DEPTH)
            .clamp(self.connections, most_connections);
        if self.connections >= most_connections {
            self.slow_start = false;
            self.settled = 0;
            self.span = None; // windows from here
        }
    }

    fn end_round(&mut self, rate: f64, round: Span) {
        if rate > self.best * SLOW_START_GROWTH {
            self.best = rate;
            self.best_level = round.level;
            self.settled = 0;
        } else if round.limited {
            self.best = self.best.max(rate);
            self.settled += 1;
            if self.settled >= FLAT_ROUNDS {
                // More brought nothing: back to the level of the best
                // round, one step at a time from here.
                (self.connections, self.parts) = self.best_level;
                self.slow_start = false;
                self.settled = 0;
                self.span = None;
            }
        }
    }

    fn end_window(&mut self, rate: f64, window: Span) {
        let probe = self.probe_from.take();
        if rate > self.best * GROWTH {
            self.best = rate;
            self.best_level = window.level;
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
        self.back_off(now + wait);
    }

    /// The connection was closed with transport error `-429` at `now`.
    pub fn transport_flood(&mut self, now: Duration) {
        self.back_off(now + TRANSPORT_FLOOD_PAUSE);
    }

    fn back_off(&mut self, until: Duration) {
        self.paused_until = self.paused_until.max(until);
        self.parts = (self.parts / 2).max(1);
        self.connections = self.connections.min(self.parts);
        self.span = None;
        self.best = 0.0;
        self.settled = 0;
        self.probe_from = None;
        self.slow_start = false;
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
