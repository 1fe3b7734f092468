//! Writing under the script's bandwidth cap: how much goes out at once and
//! when the link is free again.

use std::time::Duration;

use bytes::{Buf, Bytes};

use super::{At, Conn, Out};
use crate::net::Handler;

/// The largest single write without a bandwidth cap.
const MAX_WRITE: usize = 256 << 10;

/// How much of a late write a capped link catches up: the bytes could have
/// gone when both they were ready and the link was free; a wake-up that
/// comes later than that (a loaded machine's timers) is credited up to
/// this much, as a real link's queue would have sent meanwhile. A link that
/// was idle (nothing ready) earns no credit, so a request answered after
/// the latency is not sent faster, and over any span the link carries at
/// most its rate times the span plus this much.
const SLACK: Duration = Duration::from_millis(50);

/// How much to write at once under a bandwidth cap: a twentieth of a
/// second's worth, so the pace is smooth.
fn paced_chunk(rate: u64) -> usize {
    usize::try_from(rate / 20)
        .unwrap_or(usize::MAX)
        .clamp(256, 64 << 10)
}

/// When a capped link that was free at `free_at` is free again after
/// carrying `n` bytes, ready to go at `ready`, at `rate` bytes a second,
/// written at `now`.
fn free_again(free_at: At, ready: At, now: At, n: usize, rate: u64) -> At {
    let took = Duration::from_secs_f64(n as f64 / rate.max(1) as f64);
    let due = free_at.max(ready);
    let credited = now.checked_sub(SLACK).unwrap_or(now);
    due.max(credited) + took
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
        if let Some(Out::Data { bytes, ready }) = self.out.front_mut() {
            let ready = *ready;
            let n = n.min(bytes.len());
            bytes.advance(n);
            self.queued_bytes -= n;
            if bytes.is_empty() {
                self.out.pop_front();
            }
            if let Some(rate) = self.faults.bandwidth {
                self.write_free_at = free_again(self.write_free_at, ready, At::now(), n, rate);
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
        let write = |free, ready, now| free_again(free, ready, now, 100_000, 1_000_000);
        // 100,000 bytes at 1 MB/s take 100 ms.
        // On time: free 100 ms after it was free.
        assert_eq!(write(t0, t0, t0), t0 + ms(100));
        // Written 30 ms late: the 30 ms are caught up.
        assert_eq!(write(t0, t0, t0 + ms(30)), t0 + ms(100));
        // Written a second late: only the slack is credited.
        assert_eq!(
            write(t0, t0, t0 + ms(1000)),
            t0 + ms(1000) - SLACK + ms(100)
        );
        // The link was idle until the bytes were ready (an answer after its
        // latency): no credit, the bytes take their whole time.
        assert_eq!(write(t0, t0 + ms(50), t0 + ms(50)), t0 + ms(150));
        assert_eq!(write(t0, t0 + ms(50), t0 + ms(60)), t0 + ms(150));
    }

    proptest::proptest! {
        /// Whatever the write times, the bytes carried until the link is
        /// free again never exceed the rate times the time since the start
        /// plus the slack.
        #[test]
        fn the_rate_holds_over_any_span(
            steps in proptest::collection::vec((0u64..200, 0u64..200, 1usize..200_000), 1..200),
            rate in 10_000u64..10_000_000,
        ) {
            let t0 = At::now();
            let mut free = t0;
            let mut now = t0;
            let mut carried = 0u64;
            for (ready_ms, late_ms, n) in steps {
                // Bytes become ready some time after the last write; they
                // go once ready and the link is free (`writable`), late.
                let ready = now + Duration::from_millis(ready_ms);
                now = ready.max(free) + Duration::from_millis(late_ms);
                free = free_again(free, ready, now, n, rate);
                carried += n as u64;
                let span = (free - t0).as_secs_f64() + SLACK.as_secs_f64();
                proptest::prop_assert!(carried as f64 <= rate as f64 * span + 1.0);
            }
        }
    }
}
