//! The real clock and OS randomness: the sender is the one place that reads
//! them, and hands them to the sans-IO layers.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand::{RngCore as _, SeedableRng as _};

use crate::mtp::Now;

/// The current time on both clocks.
pub fn now() -> Now {
    Now {
        mono: Instant::now(),
        unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    }
}

/// A cryptographically secure generator seeded from the OS.
pub struct OsRandom(rand::rngs::StdRng);

impl OsRandom {
    /// A generator seeded from the operating system.
    pub fn new() -> Self {
        Self(rand::rngs::StdRng::from_os_rng())
    }
}

impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::mtp::Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill_bytes(buf);
    }
}

/// A transport-layer random source (padding, obfuscation init) from the OS.
pub fn transport_random() -> Box<dyn crate::transport::Random> {
    Box::new(OsRandom::new())
}
