//! SplitMix64 (Steele, Lea, Flood 2014; public-domain constants): the one
//! small seeded generator of the workspace. The TL value generator
//! (`tl::random`, behind the `proptest` feature), the session's deterministic randomness
//! (`tg_mtproto::SeededRandom`) and the mock server's fixture generator
//! all draw from it, so a seed gives the same stream everywhere and across
//! crate upgrades (unlike `rand`'s `StdRng`, which promises no stable
//! stream).

/// The SplitMix64 finaliser: a good 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seeded SplitMix64 stream. Not for secrets: the seed gives every value.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.state)
    }

    /// Fills `buf` with the next values, little-endian, 8 bytes per value
    /// (the last value cut to what is left).
    pub fn fill(&mut self, buf: &mut [u8]) {
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
    fn the_reference_stream() {
        // SplitMix64 with seed 0: the reference first output.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn fill_takes_whole_values_in_order() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let mut buf = [0u8; 13];
        a.fill(&mut buf);
        assert_eq!(buf[..8], b.next_u64().to_le_bytes());
        assert_eq!(buf[8..], b.next_u64().to_le_bytes()[..5]);
    }
}
