//! Writing under the script's bandwidth cap: how much goes out at once and
//! when the link is free again.

use std::time::Duration;

use bytes::{Buf, Bytes};

use super::{At, Conn, Out};
use crate::net::Handler;

/// The largest single write without a bandwidth cap.
const MAX_WRITE: usize = 256 << 10;

/// How far behind the clock a capped link's "free at" may fall: a wake-up
/// that comes late (a loaded machine's timers) may catch up this much, as
/// a real link's queue would have sent meanwhile. Longer idle time gives no
/// more credit, so over any span the link carries at most its rate times
/// the span plus this much.
const SLACK: Duration = Duration::from_millis(50);

/// How much to write at once under a bandwidth cap: a twentieth of a
/// second's worth, so the pace is smooth.
fn paced_chunk(rate: u64) -> usize {
    usize::try_from(rate / 20)
        .unwrap_or(usize::MAX)
        .clamp(256, 64 << 10)
}

/// When a capped link that was free at `free_at` is free again after
/// carrying `n` bytes at `rate` bytes a second, written at `now`.
fn free_again(free_at: At, now: At, n: usize, rate: u64) -> At {
    let took = Duration::from_secs_f64(n as f64 / rate.max(1) as f64);
    let earliest = now.checked_sub(SLACK).unwrap_or(now);
    free_at.max(earliest) + took
}

impl<H: Handler> Conn<'_, H> {
    /// The bytes that may be written now, if any.
    pub(super) fn writable(&self, t: At) -> Option<Bytes> {
        let Some(Out::Data { ready, bytes }) = self.out.front() else {
            return None;
        };
        if *ready > t {
            return None;
        }
        let limit = match self.faults.bandwidth {
            Some(_) if self.write_free_at > t => return None,
            Some(rate) => paced_chunk(rate),
            None => MAX_WRITE,
        };
        Some(bytes.slice(..bytes.len().min(limit)))
    }

    /// `n` bytes of the front item were written.
    pub(super) fn wrote(&mut self, n: usize) {
        if let Some(Out::Data { bytes, .. }) = self.out.front_mut() {
            let n = n.min(bytes.len());
            bytes.advance(n);
            self.queued_bytes -= n;
            if bytes.is_empty() {
                self.out.pop_front();
            }
            if let Some(rate) = self.faults.bandwidth {
                self.write_free_at = free_again(self.write_free_at, At::now(), n, rate);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_wake_up_catches_up_at_most_the_slack() {
        let t0 = At::now();
        let ms = Duration::from_millis;
        // 100,000 bytes at 1 MB/s take 100 ms.
        // On time: free 100 ms after it was free.
        assert_eq!(free_again(t0, t0, 100_000, 1_000_000), t0 + ms(100));
        // Written 30 ms late: the 30 ms are caught up.
        assert_eq!(
            free_again(t0, t0 + ms(30), 100_000, 1_000_000),
            t0 + ms(100)
        );
        // Written a second late (idle): only the slack is credited.
        assert_eq!(
            free_again(t0, t0 + ms(1000), 100_000, 1_000_000),
            t0 + ms(1000) - SLACK + ms(100)
        );
    }

    proptest::proptest! {
        /// Whatever the write times, the bytes carried until the link is
        /// free again never exceed the rate times the time since the start
        /// plus the slack.
        #[test]
        fn the_rate_holds_over_any_span(
            steps in proptest::collection::vec((0u64..200, 1usize..200_000), 1..200),
            rate in 10_000u64..10_000_000,
        ) {
            let t0 = At::now();
            let mut free = t0;
            let mut now = t0;
            let mut carried = 0u64;
            for (delay_ms, n) in steps {
                // A write happens only once the link is free (`writable`).
                now = now.max(free) + Duration::from_millis(delay_ms);
                free = free_again(free, now, n, rate);
                carried += n as u64;
                let span = (free - t0).as_secs_f64() + SLACK.as_secs_f64();
                proptest::prop_assert!(carried as f64 <= rate as f64 * span + 1.0);
            }
        }
    }
}
