//! Randomness, as an input: the one [`Random`] trait of the protocol layers
//! (transport padding and the obfuscated2 init, auth nonces and secrets,
//! session ids, message padding, ping ids) and its deterministic
//! implementation [`SeededRandom`].
//!
//! Protocol code never draws OS randomness itself
//! (docs/architecture.md#sans-io): the sender passes its OS-seeded
//! generator in, tests and the mock server's reproducible runs pass a
//! [`SeededRandom`]. Any `FnMut(&mut [u8]) + Send` closure is a `Random` too.

use tl::splitmix::SplitMix64;

/// A source of random bytes.
pub trait Random: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);

    /// A random `i64`.
    fn next_i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        i64::from_le_bytes(b)
    }
}

impl<F: FnMut(&mut [u8]) + Send> Random for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

/// A deterministic generator ([`SplitMix64`]) for tests and reproducible
/// runs.
///
/// Not for production secrets: anyone who knows the seed knows every byte.
#[derive(Clone, Debug)]
pub struct SeededRandom(SplitMix64);

impl SeededRandom {
    /// A generator whose output is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }
}

impl Random for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill(buf);
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
    fn closures_are_random_sources() {
        let mut zeros = |b: &mut [u8]| b.fill(0);
        assert_eq!(Random::next_i64(&mut zeros), 0);
    }
}
