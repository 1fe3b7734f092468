//! Waiting out `TAKEOUT_INIT_DELAY_X` (README "Exporting your account",
//! `--wait`): instead of sleeping the whole delay, ask again every few
//! minutes, so an export the user approves on another device starts at
//! once. A pure state machine: the caller sleeps and asks.

use std::time::Duration;

/// How often `--wait` asks again by default.
pub const RECHECK_EVERY: Duration = Duration::from_secs(5 * 60);

/// How many delays are waited out to their end before giving up (the
/// server moved the end again each time).
const MAX_WAITED_OUT: u32 = 3;

/// How many times Telegram is asked at most while waiting (with the
/// default interval more than three days: Telegram's delays are 24 hours).
const MAX_ASKS: u32 = 1_000;

/// The state of one wait for a takeout delay.
#[derive(Clone, Debug)]
pub struct DelayWait {
    recheck: Duration,
    /// The last sleep lasted until the announced end of the delay.
    slept_to_end: bool,
    waited_out: u32,
    asks: u32,
}

impl DelayWait {
    /// A wait that asks again every `recheck` (at least every second).
    pub fn new(recheck: Duration) -> Self {
        Self {
            recheck: recheck.max(Duration::from_secs(1)),
            slept_to_end: false,
            waited_out: 0,
            asks: 0,
        }
    }

    /// Telegram answered a delay of `seconds` more: how long to sleep
    /// before asking again (the rest of the delay, or the recheck interval
    /// if shorter), or `None` to give up because the delay keeps being
    /// moved later.
    pub fn on_delay(&mut self, seconds: u32) -> Option<Duration> {
        self.asks += 1;
        if self.slept_to_end {
            self.waited_out += 1;
        }
        if self.waited_out >= MAX_WAITED_OUT || self.asks > MAX_ASKS {
            return None;
        }
        let rest = Duration::from_secs(u64::from(seconds.max(1)));
        self.slept_to_end = rest <= self.recheck;
        Some(rest.min(self.recheck))
    }
}

#[cfg(test)]
mod tests;
