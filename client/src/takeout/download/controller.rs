//! How many download connections a DC gets and how many parts are in
//! flight on them: a pure state machine (no clock, no IO), fed the
//! completions of parts with their byte counts and the caller's time, and
//! the flood waits and transport floods (`-429`) of `upload.getFile`.
//!
//! - It starts at [`START_CONNECTIONS`] connections with [`START_DEPTH`]
//!   parts in flight on each.
//! - It measures throughput over windows of at least [`WINDOW`] and as many
//!   completions as parts in flight. While a window beats the best one so
//!   far by [`GROWTH`], it grows one step: one more connection, or once
//!   every connection is open, one more part in flight on each (at first,
//!   until a window brings nothing or a flood wait comes, as many steps as
//!   there are connections: the level doubles). A level
//!   that stops growing is kept; after [`PROBE_AFTER`] windows it probes one
//!   step again, and steps back if the probe brings nothing.
//! - A `FLOOD_WAIT_X` pauses the DC until X seconds from now and halves the
//!   parts in flight (and the connections, if fewer parts remain); a `-429`
//!   does the same with a one-second pause. Growth waits for a full window
//!   after the pause.
//! - It never exceeds the configured connections, nor the memory budget
//!   for parts in flight.

use std::time::Duration;

/// Connections a DC starts with.
pub const START_CONNECTIONS: usize = 2;
/// Parts in flight per connection at the start.
pub const START_DEPTH: usize = 2;
/// Parts in flight per connection at most.
pub const MAX_DEPTH: usize = 8;
/// The shortest measuring window.
pub const WINDOW: Duration = Duration::from_secs(1);
/// How much better than the best window a window must be to grow again.
pub const GROWTH: f64 = 1.05;
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

/// The controller of one DC.
#[derive(Clone, Debug)]
pub struct Controller {
    limits: Limits,
    connections: usize,
    /// Parts in flight over all connections.
    parts: usize,
    /// When the current window started (`None`: at the next completion).
    window_start: Option<Duration>,
    window_bytes: u64,
    window_parts: usize,
    /// The best throughput measured at the current or a lower level, in
    /// bytes a second.
    best: f64,
    /// Windows in a row that did not beat `best`.
    settled: u32,
    /// Until the first window that does not grow (or a flood wait), every
    /// growing window doubles the level instead of adding one step.
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
        Self {
            limits,
            connections: START_CONNECTIONS.min(limits.connections),
            parts: (START_CONNECTIONS.min(limits.connections) * START_DEPTH).min(limits.parts),
            window_start: None,
            window_bytes: 0,
            window_parts: 0,
            best: 0.0,
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

    /// A part of `bytes` bytes arrived at `now`.
    pub fn completed(&mut self, now: Duration, bytes: u64) {
        if now < self.paused_until {
            return; // answered before the wait: says nothing of the rate
        }
        let Some(start) = self.window_start else {
            // The first answer opens the window; its bytes were in flight
            // before it.
            self.window_start = Some(now);
            return;
        };
        self.window_bytes += bytes;
        self.window_parts += 1;
        let elapsed = now.saturating_sub(start);
        if elapsed < WINDOW || self.window_parts < self.in_flight() {
            return;
        }
        let rate = self.window_bytes as f64 / elapsed.as_secs_f64();
        self.window_start = Some(now);
        self.window_bytes = 0;
        self.window_parts = 0;
        let probe = self.probe_from.take();
        if rate > self.best * GROWTH {
            self.best = rate;
            self.settled = 0;
            let target = if self.slow_start { self.parts * 2 } else { 0 };
            self.grow();
            // Slow start: steps until the parts in flight doubled (each
            // step adds at least one part, or nothing more fits).
            for _ in 0..self.limits.parts {
                let level = (self.connections, self.parts);
                if self.parts >= target {
                    break;
                }
                self.grow();
                if (self.connections, self.parts) == level {
                    break;
                }
            }
        } else if let Some((connections, parts)) = probe {
            // The probe brought nothing: back to the settled level.
            self.connections = connections;
            self.parts = parts;
        } else {
            self.slow_start = false;
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
        self.window_start = None;
        self.window_bytes = 0;
        self.window_parts = 0;
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
