//! Message identifiers: generating ours, checking the peer's.
//!
//! <https://core.telegram.org/mtproto/description#message-identifier-msg-id>:
//! a msg_id is approximately `unixtime * 2^32`, its low 32 bits a fraction of
//! the second that must not be empty. Client ids are divisible by 4; server
//! ids are ≡ 1 (mod 4) for responses to a client message and ≡ 3 otherwise.
//! Ids increase strictly within a session.
//!
//! Checking (<https://core.telegram.org/mtproto/security_guidelines#checking-msg-id>):
//! remember the last N ids received; ignore an id equal to one of them or
//! lower than all of them; ignore ids more than 30 s in the future or more
//! than 300 s in the past (the server always, the client once its clock is
//! synchronised with the server's).

use std::collections::VecDeque;
use std::time::Duration;

use super::error::Error;

/// A message id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgId(pub i64);

/// How far in the future a received msg_id may be, in seconds.
pub const MAX_FUTURE_SECS: i64 = 30;
/// How far in the past a received msg_id may be, in seconds.
pub const MAX_PAST_SECS: i64 = 300;

/// The whole seconds encoded in a msg_id.
pub fn secs_of(msg_id: i64) -> i64 {
    msg_id >> 32
}

/// The raw id for wall-clock time `unix` shifted by `offset` seconds, with
/// the two low bits cleared.
fn raw(unix: Duration, offset: i32) -> i64 {
    let secs = i64::try_from(unix.as_secs())
        .unwrap_or(i64::MAX >> 32)
        .saturating_add(i64::from(offset));
    // subsec_nanos < 10^9 < 2^30, so the shifted fraction fits in 32 bits.
    let frac = i64::from(unix.subsec_nanos()) << 2;
    // The low 32 bits must not be empty.
    let frac = if frac == 0 { 4 } else { frac };
    (secs << 32) | frac
}

/// Generates strictly increasing msg_ids from the wall clock plus a time
/// offset (server time minus ours, in seconds).
#[derive(Clone, Debug)]
pub struct MsgIdGen {
    offset: i32,
    last: i64,
}

impl MsgIdGen {
    /// A generator with `offset` seconds of correction.
    pub fn new(offset: i32) -> Self {
        Self { offset, last: 0 }
    }

    /// The current correction in seconds.
    pub fn offset(&self) -> i32 {
        self.offset
    }

    /// Replaces the correction.
    pub fn set_offset(&mut self, offset: i32) {
        self.offset = offset;
    }

    /// The last id generated (0 before the first).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Forgets the last id, for a new session (ids only increase per session).
    pub fn reset(&mut self) {
        self.last = 0;
    }

    /// The next client id: ≡ 0 (mod 4), greater than every earlier one.
    pub fn next_client(&mut self, unix: Duration) -> i64 {
        self.next_with_residue(unix, 0)
    }

    /// The next server id: ≡ 1 (mod 4) if `response`, else ≡ 3.
    pub fn next_server(&mut self, unix: Duration, response: bool) -> i64 {
        self.next_with_residue(unix, if response { 1 } else { 3 })
    }

    fn next_with_residue(&mut self, unix: Duration, residue: i64) -> i64 {
        let mut id = raw(unix, self.offset) | residue;
        if id <= self.last {
            id = (self.last & !3) | residue;
            if id <= self.last {
                id = id.wrapping_add(4);
            }
        }
        self.last = id;
        id
    }

    /// Whether an id generated now would not exceed the last one (after the
    /// offset moved back, for instance).
    pub fn would_reuse_time(&self, unix: Duration) -> bool {
        raw(unix, self.offset) <= self.last
    }

    /// Sets the offset so that our clock agrees with the time of a msg_id
    /// the peer generated just now; returns the new offset.
    pub fn correct(&mut self, peer_msg_id: i64, unix: Duration) -> i32 {
        let ours = i64::try_from(unix.as_secs()).unwrap_or(i64::MAX);
        let diff = secs_of(peer_msg_id).saturating_sub(ours);
        self.offset = i32::try_from(diff).unwrap_or(if diff < 0 { i32::MIN } else { i32::MAX });
        self.offset
    }
}

/// Checks that `msg_id` is within the allowed window around `now_secs`
/// (our estimate of the peer's time).
pub fn check_time(msg_id: i64, now_secs: i64) -> Result<(), Error> {
    let skew = secs_of(msg_id).saturating_sub(now_secs);
    if !(-MAX_PAST_SECS..=MAX_FUTURE_SECS).contains(&skew) {
        return Err(Error::MsgIdTime { msg_id, skew });
    }
    Ok(())
}

/// The ids of the last N messages received, for replay detection.
#[derive(Clone, Debug)]
pub struct RecentIds {
    ids: VecDeque<i64>,
    capacity: usize,
}

impl RecentIds {
    /// A window of `capacity` ids (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            ids: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Whether `msg_id` is in the window.
    pub fn contains(&self, msg_id: i64) -> bool {
        self.ids.binary_search(&msg_id).is_ok()
    }

    /// The highest id received, if any.
    pub fn highest(&self) -> Option<i64> {
        self.ids.back().copied()
    }

    /// Checks `msg_id` is new, without recording it.
    pub fn check(&self, msg_id: i64) -> Result<(), Error> {
        if self.contains(msg_id) {
            return Err(Error::DuplicateMsgId { msg_id });
        }
        let full = self.ids.len() >= self.capacity;
        if full && self.ids.front().is_some_and(|&low| msg_id < low) {
            return Err(Error::StaleMsgId { msg_id });
        }
        Ok(())
    }

    /// Records `msg_id` (call after [`RecentIds::check`] passed), dropping
    /// the lowest id when the window is full.
    pub fn insert(&mut self, msg_id: i64) {
        if let Err(at) = self.ids.binary_search(&msg_id) {
            self.ids.insert(at, msg_id);
        }
        while self.ids.len() > self.capacity {
            self.ids.pop_front();
        }
    }

    /// Forgets every id.
    pub fn clear(&mut self) {
        self.ids.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(1_700_000_000);

    #[test]
    fn client_ids_are_increasing_multiples_of_four() {
        let mut g = MsgIdGen::new(0);
        let mut last = 0;
        // The same instant many times, then time going backwards.
        for i in 0..100u64 {
            let t = if i < 50 {
                T
            } else {
                T - Duration::from_millis(i)
            };
            let id = g.next_client(t);
            assert_eq!(id % 4, 0);
            assert!(id > last, "{id} after {last}");
            last = id;
        }
        assert_eq!(secs_of(last), 1_700_000_000);
    }

    #[test]
    fn server_ids_have_the_role_residue() {
        let mut g = MsgIdGen::new(0);
        let mut last = 0;
        for i in 0..200 {
            let response = i % 3 != 0;
            let id = g.next_server(T, response);
            assert_eq!(id.rem_euclid(4), if response { 1 } else { 3 });
            assert!(id > last);
            last = id;
        }
    }

    #[test]
    fn low_bits_are_never_empty() {
        let mut g = MsgIdGen::new(0);
        assert_ne!(g.next_client(T) & 0xffff_ffff, 0);
        let nanos = MsgIdGen::new(0).next_client(T + Duration::from_nanos(250));
        assert_eq!(nanos & 0xffff_ffff, 1000);
    }

    #[test]
    fn offset_correction() {
        let mut g = MsgIdGen::new(0);
        let server_id = (1_700_000_042_i64 << 32) | 1;
        assert_eq!(g.correct(server_id, T), 42);
        assert_eq!(secs_of(g.next_client(T)), 1_700_000_042);
        // Moving back: the next id would not exceed the last one.
        g.correct(1_700_000_000_i64 << 32 | 3, T + Duration::from_secs(10));
        assert_eq!(g.offset(), -10);
        assert!(g.would_reuse_time(T + Duration::from_secs(10)));
        g.reset();
        assert!(!g.would_reuse_time(T + Duration::from_secs(10)));
    }

    #[test]
    fn time_window() {
        let now = 1_700_000_000;
        let id = |s: i64| s << 32;
        assert!(check_time(id(now), now).is_ok());
        assert!(check_time(id(now + 30), now).is_ok());
        assert!(check_time(id(now - 300), now).is_ok());
        assert_eq!(
            check_time(id(now + 31), now),
            Err(Error::MsgIdTime {
                msg_id: id(now + 31),
                skew: 31
            })
        );
        assert_eq!(
            check_time(id(now - 301), now),
            Err(Error::MsgIdTime {
                msg_id: id(now - 301),
                skew: -301
            })
        );
    }

    #[test]
    fn recent_ids_window() {
        let mut w = RecentIds::new(3);
        for id in [10, 30, 20] {
            w.check(id).expect("new");
            w.insert(id);
        }
        assert_eq!(w.check(20), Err(Error::DuplicateMsgId { msg_id: 20 }));
        assert_eq!(w.check(5), Err(Error::StaleMsgId { msg_id: 5 }));
        w.check(40).expect("new");
        w.insert(40);
        // 10 fell out; 15 is now below every stored id.
        assert_eq!(w.check(15), Err(Error::StaleMsgId { msg_id: 15 }));
        assert!(w.check(25).is_ok());
        assert_eq!(w.highest(), Some(40));
    }
}
