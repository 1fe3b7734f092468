//! Random, well-formed values of every TL type, for property tests and
//! benchmarks.
//!
//! Every generated type implements [`Generate`]. Values are built from a
//! small deterministic generator, so a seed reproduces a value exactly.
//! Recursion is bounded by `depth`: at depth 0, optional fields are absent,
//! vectors are empty and enums take their shallowest constructor, which the
//! code generator picks so that every value is finite.

use crate::splitmix::SplitMix64;

/// A deterministic source of random values ([`SplitMix64`]).
#[derive(Clone, Debug)]
pub struct Gen {
    rng: SplitMix64,
}

impl Gen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u32) -> bool {
        self.below(n) == 0
    }

    /// Flag bits for a struct at `depth`: none at depth 0, so that
    /// optional fields stop the recursion.
    pub fn flags(&mut self, depth: u32) -> u32 {
        if depth == 0 {
            0
        } else {
            self.next_u64() as u32
        }
    }

    /// A collection length at `depth`: 0 at depth 0, else 0 to 3.
    pub fn len(&mut self, depth: u32) -> usize {
        if depth == 0 {
            0
        } else {
            self.below(4) as usize
        }
    }

    /// Random bytes, sometimes longer than 253 to use the long TL length.
    pub fn bytes(&mut self) -> Vec<u8> {
        let len = match self.below(8) {
            0 => 0,
            1 => 254 + self.below(300) as usize,
            _ => self.below(40) as usize,
        };
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// A random string mixing ASCII, accents, CJK and emoji.
    pub fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", " ", "\n", "\"", "<", "&", "é", "ß", "Ж", "中", "😀", "\u{200d}", "\\",
        ];
        let len = match self.below(8) {
            0 => 0,
            1 => 100 + self.below(100) as usize,
            _ => self.below(12) as usize,
        };
        (0..len)
            .map(|_| PIECES[self.below(PIECES.len() as u32) as usize])
            .collect()
    }
}

/// A TL type whose random values can be generated.
pub trait Generate: Sized {
    /// A random value whose nesting is at most `depth` levels deep.
    fn generate(g: &mut Gen, depth: u32) -> Self;
}

impl Generate for i32 {
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        match g.below(4) {
            0 => 0,
            1 => g.below(1000) as i32,
            _ => g.next_u64() as i32,
        }
    }
}

impl Generate for i64 {
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        match g.below(4) {
            0 => 0,
            1 => i64::from(g.below(100_000)),
            _ => g.next_u64() as i64,
        }
    }
}

impl Generate for f64 {
    /// Finite values only, so generated values compare equal to themselves.
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        (g.next_u64() as i64 as f64) / 1024.0
    }
}

impl Generate for bool {
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        g.one_in(2)
    }
}

impl Generate for String {
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        g.string()
    }
}

impl<const N: usize> Generate for [u8; N] {
    fn generate(g: &mut Gen, _depth: u32) -> Self {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = g.next_u64() as u8;
        }
        out
    }
}

impl<T: Generate> Generate for Box<T> {
    fn generate(g: &mut Gen, depth: u32) -> Self {
        Box::new(T::generate(g, depth))
    }
}

impl<T: Generate> Generate for Vec<T> {
    fn generate(g: &mut Gen, depth: u32) -> Self {
        let len = g.len(depth);
        (0..len)
            .map(|_| T::generate(g, depth.saturating_sub(1)))
            .collect()
    }
}

impl<T: Generate> Generate for crate::RawVec<T> {
    fn generate(g: &mut Gen, depth: u32) -> Self {
        crate::RawVec(Vec::generate(g, depth))
    }
}

/// Random `bytes`.
pub fn bytes(g: &mut Gen, _depth: u32) -> Vec<u8> {
    g.bytes()
}

/// A random `Vector<bytes>`.
pub fn bytes_vec(g: &mut Gen, depth: u32) -> Vec<Vec<u8>> {
    let len = g.len(depth);
    (0..len).map(|_| g.bytes()).collect()
}

/// A random bare `vector<bytes>`.
pub fn bytes_raw_vec(g: &mut Gen, depth: u32) -> crate::RawVec<Vec<u8>> {
    crate::RawVec(bytes_vec(g, depth))
}

/// A proptest strategy over values of `T` up to `depth` levels deep.
pub fn strategy<T: Generate + std::fmt::Debug>(
    depth: u32,
) -> impl proptest::strategy::Strategy<Value = T> {
    use proptest::strategy::Strategy as _;
    proptest::arbitrary::any::<u64>().prop_map(move |seed| T::generate(&mut Gen::new(seed), depth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values() {
        let a: Vec<String> = Vec::generate(&mut Gen::new(7), 3);
        let b: Vec<String> = Vec::generate(&mut Gen::new(7), 3);
        assert_eq!(a, b);
    }

    #[test]
    fn depth_zero_collections_are_empty() {
        let v: Vec<i32> = Vec::generate(&mut Gen::new(1), 0);
        assert!(v.is_empty());
        assert_eq!(Gen::new(1).flags(0), 0);
    }
}
