//! Time and randomness, as inputs.
//!
//! The session never reads a clock or the OS random source itself (STYLE.md
//! rule 2): the caller passes a [`Now`] into every call that needs the time
//! and a [`Random`] into every call that needs random bytes. The OS-backed
//! `Random` lives with the sender; [`SeededRandom`] is the deterministic one
//! used by tests and by the mock server's reproducible runs.

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

/// A source of random bytes (padding, session ids, ping ids).
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);

    /// A random `i64`.
    fn next_i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        i64::from_le_bytes(b)
    }
}

/// A deterministic generator (SplitMix64) for tests and reproducible runs.
///
/// Not for production secrets: anyone who knows the seed knows every byte.
#[derive(Clone, Debug)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator whose output is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        // SplitMix64 (Steele, Lea, Flood 2014), public-domain constants.
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Random for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_deterministic_and_fills_odd_lengths() {
        let (mut a, mut b) = (SeededRandom::new(7), SeededRandom::new(7));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 13]);
        assert_ne!(
            SeededRandom::new(8).next_i64(),
            SeededRandom::new(7).next_i64()
        );
    }

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
