//! Server salts.
//!
//! <https://core.telegram.org/mtproto/description#server-salt>: a random
//! 64-bit number the server changes every 30 minutes; messages with the old
//! salt are accepted for another 1800 s. A client learns salts from the key
//! exchange, from `bad_server_salt`, from `new_session_created` and from
//! `get_future_salts` (<https://core.telegram.org/mtproto/service_messages#request-for-several-future-salts>,
//! between 1 and 64 salts with their validity periods).
//!
//! The same set serves the server role: it names the salts the server
//! accepts and hands out.

/// One salt and its validity period, in server unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Salt {
    /// First second the salt is valid.
    pub valid_since: i32,
    /// Second the salt stops being valid.
    pub valid_until: i32,
    /// The salt.
    pub salt: i64,
}

/// Seconds after `valid_since` before a client switches to a new salt, so a
/// small clock difference does not make it use a salt too early.
pub const SWITCH_DELAY_SECS: i64 = 60;
/// Seconds an expired salt is still accepted by the server.
pub const GRACE_SECS: i64 = 1800;
/// The client asks for more salts when fewer than this many remain.
pub const LOW_WATER: usize = 2;
/// How many salts a client asks for (the most the server gives).
pub const REQUEST_COUNT: i32 = 64;

/// The salts known to one side of a session.
#[derive(Clone, Debug)]
pub struct Salts {
    /// The salt to use when no future salt applies.
    fallback: i64,
    /// Future salts, sorted by `valid_since`.
    future: Vec<Salt>,
}

impl Salts {
    /// A set with only `first` (from the key exchange, or the server's own).
    pub fn new(first: i64) -> Self {
        Self {
            fallback: first,
            future: Vec::new(),
        }
    }

    /// The salt to put in a message sent at server time `now`: the newest
    /// salt valid for [`SWITCH_DELAY_SECS`] already, else the newest one the
    /// server still accepts, else the fallback.
    pub fn current(&self, now: i64) -> i64 {
        let settled = |s: &&Salt| {
            i64::from(s.valid_since) + SWITCH_DELAY_SECS <= now && now < i64::from(s.valid_until)
        };
        let accepted = |s: &&Salt| {
            i64::from(s.valid_since) <= now && now < i64::from(s.valid_until) + GRACE_SECS
        };
        self.future
            .iter()
            .rev()
            .find(settled)
            .or_else(|| self.future.iter().rev().find(accepted))
            .map_or(self.fallback, |s| s.salt)
    }

    /// Replaces everything with the one salt the server insists on
    /// (`bad_server_salt`, `new_session_created`).
    pub fn reset(&mut self, salt: i64) {
        self.fallback = salt;
        self.future.clear();
    }

    /// Stores the answer to `get_future_salts`, dropping salts already
    /// expired at server time `now`.
    pub fn add_future(&mut self, now: i64, salts: impl IntoIterator<Item = Salt>) {
        self.future.extend(salts);
        self.future
            .retain(|s| i64::from(s.valid_until) + GRACE_SECS > now);
        self.future.sort_by_key(|s| (s.valid_since, s.valid_until));
        self.future.dedup_by_key(|s| s.salt);
    }

    /// Whether the client should ask for more salts at server time `now`.
    pub fn wants_more(&self, now: i64) -> bool {
        let usable = self
            .future
            .iter()
            .filter(|s| i64::from(s.valid_until) > now + SWITCH_DELAY_SECS)
            .count();
        self.fallback != 0 && usable < LOW_WATER
    }

    /// Server role: whether a client's `salt` is acceptable at `now`.
    pub fn accepts(&self, salt: i64, now: i64) -> bool {
        salt == self.fallback
            || self.future.iter().any(|s| {
                s.salt == salt
                    && i64::from(s.valid_since) <= now
                    && now < i64::from(s.valid_until) + GRACE_SECS
            })
    }

    /// Server role: up to `num` salts valid at or after `now`, oldest first,
    /// the answer to `get_future_salts`. The fallback salt is offered as one
    /// valid from `now` for 30 minutes when nothing else is known.
    pub fn upcoming(&self, now: i64, num: usize) -> Vec<Salt> {
        let mut out: Vec<Salt> = self
            .future
            .iter()
            .filter(|s| i64::from(s.valid_until) > now)
            .take(num.clamp(1, 64))
            .copied()
            .collect();
        if out.is_empty() {
            let since = i32::try_from(now).unwrap_or(i32::MAX);
            out.push(Salt {
                valid_since: since,
                valid_until: since.saturating_add(1800),
                salt: self.fallback,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn salt(since: i64, until: i64, salt: i64) -> Salt {
        Salt {
            valid_since: since as i32,
            valid_until: until as i32,
            salt,
        }
    }

    #[test]
    fn picks_the_newest_salt_valid_now() {
        let mut s = Salts::new(7);
        assert_eq!(s.current(NOW), 7);
        assert!(s.wants_more(NOW));
        s.add_future(
            NOW,
            [
                salt(NOW + 1800, NOW + 3600, 2),
                salt(NOW - 100, NOW + 1800, 1),
                salt(NOW - 4000, NOW - 1, 99),
            ],
        );
        assert_eq!(s.current(NOW), 1);
        assert!(!s.wants_more(NOW));
        // Right after the next one starts, the switch delay keeps the old one.
        assert_eq!(s.current(NOW + 1799), 1);
        // Once the old one ends, the new one is used even inside the delay.
        assert_eq!(s.current(NOW + 1830), 2);
        assert_eq!(s.current(NOW + 1800 + 61), 2);
        // Long after every salt: the fallback.
        assert_eq!(s.current(NOW + 9000), 7);
        assert!(s.wants_more(NOW + 1800 + 61));
        s.reset(5);
        assert_eq!(s.current(NOW + 1800 + 61), 5);
    }

    #[test]
    fn never_asks_for_salts_without_a_real_one() {
        assert!(!Salts::new(0).wants_more(NOW));
    }

    #[test]
    fn server_accepts_current_and_grace_salts() {
        let mut s = Salts::new(11);
        s.add_future(NOW, [salt(NOW - 1800, NOW, 12), salt(NOW, NOW + 1800, 13)]);
        assert!(s.accepts(11, NOW));
        assert!(s.accepts(13, NOW));
        assert!(s.accepts(12, NOW + 1000));
        assert!(!s.accepts(12, NOW + 1800));
        assert!(!s.accepts(0, NOW));
        let up = s.upcoming(NOW, 10);
        assert_eq!(up.iter().map(|s| s.salt).collect::<Vec<_>>(), vec![13]);
        assert_eq!(Salts::new(4).upcoming(NOW, 3)[0].salt, 4);
    }
}
