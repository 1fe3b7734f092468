//! Acknowledgements we owe the peer.
//!
//! <https://core.telegram.org/mtproto/service_messages_about_messages#acknowledgment-of-receipt>:
//! every content-related message received must be acknowledged with
//! `msgs_ack#62d6b459 msg_ids:Vector<long>`. Acks ride along with the next
//! outgoing message; when nothing else is sent, a stand-alone `msgs_ack` goes
//! out once the oldest pending ack has waited [`PendingAcks::deadline`], or
//! as soon as many are pending (the page suggests "over 16"). One `msgs_ack`
//! carries at most 8192 ids
//! (<https://core.telegram.org/mtproto/service_messages#simple-container>).

use std::time::{Duration, Instant};

/// Most ids in one `msgs_ack`.
pub const MAX_IDS_PER_ACK: usize = 8192;
/// Pending acks that trigger a stand-alone `msgs_ack` without waiting.
pub const FLUSH_COUNT: usize = 16;

/// Ids received and not yet acknowledged.
#[derive(Clone, Debug, Default)]
pub struct PendingAcks {
    ids: Vec<i64>,
    since: Option<Instant>,
}

impl PendingAcks {
    /// No pending acks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `msg_id` must be acknowledged.
    pub fn push(&mut self, msg_id: i64, now: Instant) {
        if !self.ids.contains(&msg_id) {
            self.ids.push(msg_id);
        }
        self.since.get_or_insert(now);
    }

    /// Puts back ids whose `msgs_ack` was lost or refused.
    pub fn restore(&mut self, ids: &[i64], now: Instant) {
        for &id in ids {
            self.push(id, now);
        }
    }

    /// Drops `msg_id` (a server's `rpc_result` acknowledges the query itself).
    pub fn remove(&mut self, msg_id: i64) {
        self.ids.retain(|&id| id != msg_id);
        if self.ids.is_empty() {
            self.since = None;
        }
    }

    /// Whether `msg_id` is pending.
    pub fn contains(&self, msg_id: i64) -> bool {
        self.ids.contains(&msg_id)
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many ids are pending.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// When a stand-alone `msgs_ack` is due, waiting at most `delay`.
    pub fn deadline(&self, delay: Duration) -> Option<Instant> {
        self.since.map(|t| t + delay)
    }

    /// Whether a stand-alone `msgs_ack` should go out at `now`.
    pub fn due(&self, now: Instant, delay: Duration) -> bool {
        self.ids.len() >= FLUSH_COUNT || self.deadline(delay).is_some_and(|d| d <= now)
    }

    /// Takes up to [`MAX_IDS_PER_ACK`] ids for one `msgs_ack`.
    pub fn take(&mut self) -> Vec<i64> {
        let n = self.ids.len().min(MAX_IDS_PER_ACK);
        let out: Vec<i64> = self.ids.drain(..n).collect();
        if self.ids.is_empty() {
            self.since = None;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_and_deadlines() {
        let t0 = crate::mtp::tests::start().mono;
        let delay = Duration::from_secs(1);
        let mut a = PendingAcks::new();
        assert_eq!(a.deadline(delay), None);
        assert!(!a.due(t0, delay));
        a.push(5, t0);
        a.push(5, t0 + delay);
        a.push(9, t0 + delay);
        assert_eq!(a.len(), 2);
        assert_eq!(a.deadline(delay), Some(t0 + delay));
        assert!(!a.due(t0, delay));
        assert!(a.due(t0 + delay, delay));
        a.remove(5);
        assert_eq!(a.take(), vec![9]);
        assert!(a.is_empty());
        assert_eq!(a.deadline(delay), None);
        for id in 0..FLUSH_COUNT as i64 {
            a.push(id, t0);
        }
        assert!(a.due(t0, delay));
    }

    #[test]
    fn large_batches_are_split() {
        let t0 = crate::mtp::tests::start().mono;
        let mut a = PendingAcks::new();
        for id in 0..(MAX_IDS_PER_ACK as i64 + 10) {
            a.ids.push(id);
        }
        a.since = Some(t0);
        assert_eq!(a.take().len(), MAX_IDS_PER_ACK);
        assert_eq!(a.take().len(), 10);
        a.restore(&[1, 2], t0);
        assert_eq!(a.take(), vec![1, 2]);
    }
}
