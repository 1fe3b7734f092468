//! The downloads' throughput for progress (`files_rate` events): bytes
//! received over a sliding window, the connections each DC uses, and the
//! time left for the bytes of the files found so far. Reported at most
//! every [`EVERY`] and when the last part in flight arrives.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::gate::DcLoad;
use crate::locked::lock;

/// The shortest time between two reports.
pub const EVERY: Duration = Duration::from_millis(500);
/// The window the throughput is measured over.
const WINDOW: Duration = Duration::from_secs(3);

/// Downloads' throughput, connections and ETA (the `files_rate` event).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilesRate {
    /// Bytes a second received lately (over about three seconds).
    pub bytes_per_sec: u64,
    /// Bytes of files received so far.
    pub bytes_done: u64,
    /// Bytes of the files found so far (of known size).
    pub bytes_total: u64,
    /// Seconds left for those bytes at this rate, if there is a rate.
    pub eta_secs: Option<u64>,
    /// Per DC with downloads: connections in use and parts in flight.
    pub dcs: Vec<DcLoad>,
}

/// The meter behind [`FilesRate`].
pub(crate) struct Meter {
    state: Mutex<State>,
}

struct State {
    done: u64,
    total: u64,
    /// Earlier (time, bytes done) samples within the window.
    samples: std::collections::VecDeque<(Instant, u64)>,
    last_report: Option<Instant>,
}

impl Meter {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                done: 0,
                total: 0,
                samples: std::collections::VecDeque::new(),
                last_report: None,
            }),
        }
    }

    /// A file of `size` bytes was found.
    pub(crate) fn found(&self, size: u64) {
        lock(&self.state).total += size;
    }

    /// `bytes` arrived now; a report is due (`force`: always) with the
    /// DCs' loads from `loads`.
    pub(crate) fn arrived(
        &self,
        bytes: u64,
        force: bool,
        loads: impl FnOnce() -> Vec<DcLoad>,
    ) -> Option<FilesRate> {
        let now = Instant::now();
        let mut s = lock(&self.state);
        s.done += bytes;
        let done = s.done;
        if s.samples.is_empty() {
            s.samples.push_back((now, 0));
        }
        s.samples.push_back((now, done));
        while s.samples.len() > 2
            && s.samples
                .get(1)
                .is_some_and(|(t, _)| now.duration_since(*t) > WINDOW)
        {
            s.samples.pop_front();
        }
        let due = force || s.last_report.is_none_or(|t| now.duration_since(t) >= EVERY);
        if !due {
            return None;
        }
        s.last_report = Some(now);
        let (since, base) = s.samples.front().copied().unwrap_or((now, 0));
        let elapsed = now.duration_since(since).as_secs_f64();
        let rate = if elapsed > 0.0 {
            ((done - base.min(done)) as f64 / elapsed) as u64
        } else {
            0
        };
        let total = s.total.max(done);
        drop(s);
        Some(FilesRate {
            bytes_per_sec: rate,
            bytes_done: done,
            bytes_total: total,
            eta_secs: (rate > 0).then(|| (total - done).div_ceil(rate)),
            dcs: loads(),
        })
    }
}
