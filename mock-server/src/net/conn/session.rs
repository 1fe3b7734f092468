//! The sessions of a connection's auth keys: the server clock, salt
//! schedules and the service calls answered outside the session.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tg_mtproto::mtp::{self, Now, Salt, Session};
use tl::{Deserializable, Identifiable, Serializable};

use super::super::faults::innermost;

/// The server's clock, shifted by the configured skew.
pub(super) fn now(skew: i64) -> Now {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let unix = if skew >= 0 {
        unix + Duration::from_secs(skew.unsigned_abs())
    } else {
        unix.saturating_sub(Duration::from_secs(skew.unsigned_abs()))
    };
    Now {
        mono: Instant::now(),
        unix,
    }
}

pub(super) fn unix_i32(now: &Now) -> i32 {
    i32::try_from(now.unix.as_secs()).unwrap_or(i32::MAX)
}

pub(super) struct Encrypted {
    pub(super) key_id: i64,
    /// The key's first salt (from the key exchange), which its salt
    /// schedule derives from.
    pub(super) first_salt: i64,
    pub(super) session: Session,
}

/// How long one salt of the schedule is valid (Telegram changes salts every
/// 30 minutes).
const SALT_PERIOD: i64 = 1800;
/// How many salts the schedule holds (the most `get_future_salts` gives).
const SALT_COUNT: i64 = 64;

/// The salts every session of an auth key accepts and hands out besides
/// its first salt: one per 30-minute period from the one holding `now_unix`
/// on, derived from the key's first salt and the period, so every
/// connection of the key agrees. `get_future_salts` answers with them
/// (grammers keeps asking until it gets more than one).
pub(crate) fn salt_schedule(first_salt: i64, now_unix: i64) -> Vec<Salt> {
    let first = now_unix.div_euclid(SALT_PERIOD);
    (first..first + SALT_COUNT)
        .map(|period| {
            let since = period * SALT_PERIOD;
            let salt = crate::rng::hash_words(&[first_salt as u64, period as u64]) as i64;
            Salt {
                valid_since: i32::try_from(since).unwrap_or(i32::MAX),
                valid_until: i32::try_from(since + SALT_PERIOD).unwrap_or(i32::MAX),
                // 0 is the salt clients start with: never a valid one.
                salt: if salt == 0 { 1 } else { salt },
            }
        })
        .collect()
}

/// A server session for an auth key whose first salt is `first_salt`.
pub(crate) fn server_session(
    key: [u8; 256],
    first_salt: i64,
    now: Now,
    compression_threshold: Option<usize>,
) -> Session {
    let config = mtp::Config {
        compression_threshold,
        ..mtp::Config::default()
    };
    let mut session = Session::server(key, first_salt, config);
    session.set_salts(first_salt, salt_schedule(first_salt, now.unix_secs(0)), now);
    session
}

/// The answer to a service function (`ping`, `ping_delay_disconnect`,
/// `get_future_salts`) that came wrapped in `invokeWith*`/`initConnection`,
/// as Telethon sends every call, ping included, with updates off
/// (`invokeWithoutUpdates`): the object a top-level one gets, to put in the
/// `rpc_result`. `None` for API methods. (Top-level service functions never
/// get here: the session answers them.)
pub(crate) fn wrapped_service(
    msg_id: i64,
    body: &[u8],
    first_salt: i64,
    now_unix: i64,
) -> Option<Vec<u8>> {
    use tl::functions::{GetFutureSalts, Ping, PingDelayDisconnect};
    let (id, inner) = innermost(body);
    let boxed = |id: u32, bare: Vec<u8>| {
        let mut out = id.to_le_bytes().to_vec();
        out.extend_from_slice(&bare);
        out
    };
    match id {
        Ping::CONSTRUCTOR_ID | PingDelayDisconnect::CONSTRUCTOR_ID => {
            let ping_id = match id {
                Ping::CONSTRUCTOR_ID => Ping::from_bytes(inner).ok()?.ping_id,
                _ => PingDelayDisconnect::from_bytes(inner).ok()?.ping_id,
            };
            let pong = tl::types::Pong { msg_id, ping_id };
            Some(boxed(tl::types::Pong::CONSTRUCTOR_ID, pong.to_bytes()))
        }
        GetFutureSalts::CONSTRUCTOR_ID => {
            let num = GetFutureSalts::from_bytes(inner).ok()?.num.clamp(1, 64);
            let salts = salt_schedule(first_salt, now_unix)
                .into_iter()
                .filter(|s| i64::from(s.valid_until) > now_unix)
                .take(usize::try_from(num).unwrap_or(1))
                .map(|s| tl::types::FutureSalt {
                    valid_since: s.valid_since,
                    valid_until: s.valid_until,
                    salt: s.salt,
                })
                .collect();
            let answer = tl::types::FutureSalts {
                req_msg_id: msg_id,
                now: i32::try_from(now_unix).unwrap_or(i32::MAX),
                salts: tl::RawVec(salts),
            };
            Some(boxed(
                tl::types::FutureSalts::CONSTRUCTOR_ID,
                answer.to_bytes(),
            ))
        }
        _ => None,
    }
}
