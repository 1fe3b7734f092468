//! What a client has sent and must still see answered.
//!
//! A query keeps its [`RequestId`] for life. Each time it is (re)sent it gets
//! a new msg_id; every msg_id it was ever sent with stays an alias until it
//! is resolved, so an answer to an old copy (the server answering a query it
//! received before a reconnect) still resolves it, and only once. Messages
//! sent inside a container and stand-alone acks are remembered too, so a
//! `bad_msg_notification` about a container resends its contents and one
//! about an ack restores the acked ids.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::RequestId;

/// How many container and ack records are kept for `bad_msg_notification`.
const SENT_RECORDS: usize = 4096;

/// Who a query is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// The caller of [`super::Session::push`].
    User,
    /// An internal `ping_delay_disconnect`.
    Ping,
    /// An internal `get_future_salts`.
    Salts,
}

/// One query awaiting its answer.
#[derive(Clone, Debug)]
pub(super) struct Request {
    /// The serialized (possibly gzip-packed) query.
    pub body: Vec<u8>,
    pub kind: Kind,
    /// Every msg_id this query was sent with.
    pub msg_ids: Vec<i64>,
    /// The msg_id of the copy in flight; `None` while queued.
    pub current: Option<i64>,
    /// Resends caused by `bad_msg_notification`.
    pub resends: u32,
    /// Send outside any container (after `bad_msg_notification` 64).
    pub alone: bool,
}

/// What one sent msg_id carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Sent {
    /// A query.
    Request(RequestId),
    /// A container of these msg_ids.
    Container(Vec<i64>),
    /// A `msgs_ack` of these ids.
    Acks(Vec<i64>),
}

/// Queued and unanswered queries, and records of sent messages.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    next_id: u64,
    requests: BTreeMap<RequestId, Request>,
    queue: VecDeque<RequestId>,
    by_msg_id: HashMap<i64, RequestId>,
    sent: HashMap<i64, Sent>,
    sent_order: VecDeque<i64>,
}

impl Outbox {
    /// Queues a new query, at the front for internal ones.
    pub fn push(&mut self, body: Vec<u8>, kind: Kind) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.requests.insert(
            id,
            Request {
                body,
                kind,
                msg_ids: Vec::new(),
                current: None,
                resends: 0,
                alone: false,
            },
        );
        if kind == Kind::User {
            self.queue.push_back(id);
        } else {
            self.queue.push_front(id);
        }
        id
    }

    /// The next queued query.
    pub fn peek_queued(&self) -> Option<(RequestId, &Request)> {
        let id = *self.queue.front()?;
        self.requests.get(&id).map(|r| (id, r))
    }

    /// Removes the next queued query from the queue.
    pub fn pop_queued(&mut self) -> Option<RequestId> {
        self.queue.pop_front()
    }

    /// Whether any query waits to be sent.
    pub fn has_queued(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Records that `id` went out as `msg_id`.
    pub fn mark_sent(&mut self, id: RequestId, msg_id: i64) {
        if let Some(r) = self.requests.get_mut(&id) {
            r.current = Some(msg_id);
            r.msg_ids.push(msg_id);
            self.by_msg_id.insert(msg_id, id);
            self.sent.insert(msg_id, Sent::Request(id));
        }
    }

    /// Records a container or ack message.
    pub fn record(&mut self, msg_id: i64, what: Sent) {
        self.sent.insert(msg_id, what);
        self.sent_order.push_back(msg_id);
        while self.sent_order.len() > SENT_RECORDS {
            if let Some(old) = self.sent_order.pop_front() {
                if !matches!(self.sent.get(&old), Some(Sent::Request(_))) {
                    self.sent.remove(&old);
                }
            }
        }
    }

    /// The live query any of whose copies had `msg_id`.
    pub fn lookup(&self, msg_id: i64) -> Option<RequestId> {
        self.by_msg_id.get(&msg_id).copied()
    }

    /// The query `id`, if live.
    pub fn get(&self, id: RequestId) -> Option<&Request> {
        self.requests.get(&id)
    }

    /// Forgets query `id` and every record of it; returns it if it was live.
    pub fn resolve(&mut self, id: RequestId) -> Option<Request> {
        let r = self.requests.remove(&id)?;
        for m in &r.msg_ids {
            self.by_msg_id.remove(m);
            self.sent.remove(m);
        }
        self.queue.retain(|&q| q != id);
        Some(r)
    }

    /// Takes the record of what `msg_id` carried.
    pub fn take_sent(&mut self, msg_id: i64) -> Option<Sent> {
        match self.sent.get(&msg_id)? {
            // Query records live until the query is resolved.
            Sent::Request(id) => Some(Sent::Request(*id)),
            _ => self.sent.remove(&msg_id),
        }
    }

    /// Whether `msg_id` is something we sent and still remember.
    pub fn was_sent(&self, msg_id: i64) -> bool {
        self.sent.contains_key(&msg_id)
    }

    /// Puts query `id` back in the queue if its copy in flight is `msg_id`
    /// (a notice about an older copy is stale). `bad_msg` counts a resend.
    /// Returns the resend count, or `None` when nothing was requeued.
    pub fn requeue(&mut self, id: RequestId, msg_id: i64, bad_msg: bool) -> Option<u32> {
        let r = self.requests.get_mut(&id)?;
        if r.current != Some(msg_id) {
            return None;
        }
        r.current = None;
        if bad_msg {
            r.resends += 1;
        }
        self.queue.push_back(id);
        Some(r.resends)
    }

    /// Marks query `id` to be sent outside containers.
    pub fn set_alone(&mut self, id: RequestId) {
        if let Some(r) = self.requests.get_mut(&id) {
            r.alone = true;
        }
    }

    /// Requeues, in order and ahead of new queries, every query in flight
    /// whose copy has a msg_id below `below` (all of them for `i64::MAX`).
    pub fn requeue_in_flight(&mut self, below: i64) {
        let ids: Vec<RequestId> = self
            .requests
            .iter_mut()
            .filter(|(_, r)| r.current.is_some_and(|m| m < below))
            .map(|(&id, r)| {
                r.current = None;
                id
            })
            .collect();
        for id in ids.into_iter().rev() {
            self.queue.push_front(id);
        }
    }

    /// Forgets every msg_id sent so far (a new session numbers its
    /// messages afresh, so old ids could come back with another meaning).
    /// Queries in flight go back to the queue first.
    pub fn forget_sent(&mut self) {
        self.requeue_in_flight(i64::MAX);
        for r in self.requests.values_mut() {
            r.msg_ids.clear();
        }
        self.by_msg_id.clear();
        self.sent.clear();
        self.sent_order.clear();
    }

    /// Live queries of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.requests.values().filter(|r| r.kind == kind).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resend_keeps_aliases_until_resolved() {
        let mut o = Outbox::default();
        let a = o.push(vec![1], Kind::User);
        let b = o.push(vec![2], Kind::User);
        let s = o.push(vec![3], Kind::Salts);
        assert_eq!(o.pop_queued(), Some(s));
        assert_eq!(o.pop_queued(), Some(a));
        o.mark_sent(a, 100);
        assert_eq!(o.requeue(a, 99, true), None, "stale notice");
        assert_eq!(o.requeue(a, 100, true), Some(1));
        assert_eq!(o.pop_queued(), Some(b));
        assert_eq!(o.pop_queued(), Some(a));
        o.mark_sent(a, 104);
        assert_eq!(o.lookup(100), Some(a));
        assert_eq!(o.lookup(104), Some(a));
        assert!(o.resolve(a).is_some());
        assert_eq!(o.lookup(100), None);
        assert!(o.resolve(a).is_none(), "resolved once");
        assert!(!o.was_sent(104));
    }

    #[test]
    fn requeue_in_flight_puts_old_copies_first() {
        let mut o = Outbox::default();
        let ids: Vec<_> = (0..4).map(|i| o.push(vec![i], Kind::User)).collect();
        for (n, &id) in ids.iter().enumerate().take(3) {
            assert_eq!(o.pop_queued(), Some(id));
            o.mark_sent(id, 100 + 4 * n as i64);
        }
        o.requeue_in_flight(108);
        let order: Vec<_> = std::iter::from_fn(|| o.pop_queued()).collect();
        assert_eq!(order, vec![ids[0], ids[1], ids[3]]);
    }

    #[test]
    fn records_are_bounded_but_queries_kept() {
        let mut o = Outbox::default();
        let a = o.push(vec![], Kind::User);
        o.pop_queued();
        o.mark_sent(a, 4);
        o.record(8, Sent::Container(vec![4]));
        for i in 0..SENT_RECORDS as i64 + 5 {
            o.record(1000 + i * 4, Sent::Acks(vec![i]));
        }
        assert!(!o.was_sent(8));
        assert_eq!(o.take_sent(4), Some(Sent::Request(a)));
        assert!(o.was_sent(4));
        assert_eq!(
            o.take_sent(1000 + 4 * SENT_RECORDS as i64),
            Some(Sent::Acks(vec![SENT_RECORDS as i64]))
        );
    }
}
