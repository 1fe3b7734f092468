//! Time and randomness, as inputs.
//!
//! The session never reads a clock or the OS random source itself
//! (docs/architecture.md#sans-io): the caller passes a [`Now`] into every
//! call that needs the time and a [`Random`] (the crate's one randomness
//! trait, [`crate::random`]) into every call that needs random bytes. The
//! OS-backed `Random` lives with the sender; [`SeededRandom`] is the
//! deterministic one used by tests and by the mock server's reproducible
//! runs.

pub use crate::random::{Random, SeededRandom};

use std::time::{Duration, Instant};

/// The current time, read once by the caller.
///
/// `mono` drives timers (ack flush, pings); `unix` (the wall clock, time since
/// the Unix epoch) drives msg_ids and salts. Tests advance both together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time, for deadlines.
    pub mono: Instant,
    /// Wall-clock time since 1970-01-01 00:00:00 UTC.
    pub unix: Duration,
}

impl Now {
    /// `self` moved forward by `by` on both clocks.
    pub fn advance(self, by: Duration) -> Self {
        Self {
            mono: self.mono + by,
            unix: self.unix + by,
        }
    }

    /// Whole seconds of wall-clock time, shifted by `offset` seconds.
    pub fn unix_secs(&self, offset: i32) -> i64 {
        // Durations since the epoch fit in i64 seconds for 292 billion years.
        i64::try_from(self.unix.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(i64::from(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_both_clocks() {
        let now = Now {
            mono: crate::mtp::tests::start().mono,
            unix: Duration::from_secs(1_700_000_000),
        };
        let later = now.advance(Duration::from_millis(1500));
        assert_eq!(later.mono - now.mono, Duration::from_millis(1500));
        assert_eq!(later.unix_secs(0), 1_700_000_001);
        assert_eq!(later.unix_secs(-5), 1_699_999_996);
    }
}
