//! One client connection: transport detection, then plain (key exchange)
//! and encrypted frames, each encrypted frame through the server-role
//! session of its auth key, each request through the handler.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use tg_mtproto::mtp::{self, Event, Now, Salt, SeededRandom, Session};
use tg_mtproto::transport::{self, Codec, Detect, StatusFrame};
use tl::{Deserializable, Identifiable, Serializable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

use super::faults::innermost;
use super::handshake::{ServerHandshake, Step};
use super::{DcShared, Handler, KeyEntry, Reply, Request};

/// The server's clock, shifted by the configured skew.
fn now(skew: i64) -> Now {
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

fn unix_i32(now: &Now) -> i32 {
    i32::try_from(now.unix.as_secs()).unwrap_or(i32::MAX)
}

struct Encrypted {
    key_id: i64,
    /// The key's first salt (from the key exchange), which its salt
    /// schedule derives from.
    first_salt: i64,
    session: Session,
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
pub(crate) fn server_session(key: [u8; 256], first_salt: i64, now: Now) -> Session {
    let mut session = Session::server(key, first_salt, mtp::Config::default());
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
                Ping::CONSTRUCTOR_ID => Ping::from_bytes(&inner).ok()?.ping_id,
                _ => PingDelayDisconnect::from_bytes(&inner).ok()?.ping_id,
            };
            let pong = tl::types::Pong { msg_id, ping_id };
            Some(boxed(tl::types::Pong::CONSTRUCTOR_ID, pong.to_bytes()))
        }
        GetFutureSalts::CONSTRUCTOR_ID => {
            let num = GetFutureSalts::from_bytes(&inner).ok()?.num.clamp(1, 64);
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

/// Serves one connection until it closes or breaks the protocol.
pub(crate) async fn serve<H: Handler>(mut stream: TcpStream, dc: Arc<DcShared<H>>, conn_no: u64) {
    if let Err(e) = serve_inner(&mut stream, &dc, conn_no).await {
        tracing::debug!(dc = dc.dc_id, conn = conn_no, "connection closed: {e}");
    }
}

async fn serve_inner<H: Handler>(
    stream: &mut TcpStream,
    dc: &DcShared<H>,
    conn_no: u64,
) -> Result<(), String> {
    let seed = dc.config.seed
        ^ (u64::try_from(dc.dc_id).unwrap_or(0) << 48)
        ^ conn_no.wrapping_mul(0x9e37_79b9);
    let mut rng = SeededRandom::new(seed);
    let mut rbuf = BytesMut::with_capacity(64 * 1024);
    let detected = loop {
        match transport::detect(&rbuf) {
            Detect::NeedMore => {
                if stream
                    .read_buf(&mut rbuf)
                    .await
                    .map_err(|e| e.to_string())?
                    == 0
                {
                    return Err("closed before the first frame".into());
                }
            }
            Detect::Unknown => return Err("not an MTProto transport".into()),
            d => break d,
        }
    };
    let mut transport_rng = SeededRandom::new(seed ^ 0x7472_616e);
    let random: Box<dyn transport::Random> =
        Box::new(move |b: &mut [u8]| mtp::Random::fill(&mut transport_rng, b));
    let mut codec =
        Codec::server(detected, dc.config.mtproxy_secret, random).map_err(|e| e.to_string())?;
    let mut wbuf = BytesMut::new();
    let mut handshake = ServerHandshake::new();
    let mut encrypted: Option<Encrypted> = None;

    loop {
        while let Some(frame) = codec.decode(&mut rbuf).map_err(|e| e.to_string())? {
            let now = now(dc.config.clock_skew);
            if frame.len() >= 8 && frame[..8] == [0; 8] {
                let keys = &dc.config.rsa_keys;
                let in_use = |id| dc.keys.lock().expect("key store").contains_key(&id);
                match handshake.on_frame(&frame, keys, &mut rng, unix_i32(&now), in_use)? {
                    Step::Answer(out) => codec
                        .encode(Bytes::from(out), &mut wbuf)
                        .map_err(|e| e.to_string())?,
                    Step::Finished(out, done) => {
                        codec
                            .encode(Bytes::from(out), &mut wbuf)
                            .map_err(|e| e.to_string())?;
                        let id = done.auth_key_id();
                        let entry = KeyEntry {
                            key: done.auth_key,
                            salt: done.first_salt,
                            state: H::KeyState::default(),
                        };
                        dc.keys.lock().expect("key store").insert(id, entry);
                        tracing::debug!(
                            dc = dc.dc_id,
                            conn = conn_no,
                            key_id = id,
                            "auth key created"
                        );
                    }
                }
                continue;
            }
            let key_id = i64::from_le_bytes(
                frame
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default(),
            );
            if encrypted.as_ref().is_none_or(|e| e.key_id != key_id) {
                let known = dc
                    .keys
                    .lock()
                    .expect("key store")
                    .get(&key_id)
                    .map(|e| (e.key, e.salt));
                let Some((key, salt)) = known else {
                    // Telegram's answer to an unknown auth key: transport error -404.
                    codec
                        .encode(StatusFrame(-404), &mut wbuf)
                        .map_err(|e| e.to_string())?;
                    stream.write_all(&wbuf).await.map_err(|e| e.to_string())?;
                    return Err(format!("unknown auth key {key_id:#x}"));
                };
                encrypted = Some(Encrypted {
                    key_id,
                    first_salt: salt,
                    session: server_session(key, salt, now),
                });
            }
            let enc = encrypted.as_mut().expect("set above");
            if let Err(e) = enc.session.handle_input(&frame, now) {
                if e.is_security() {
                    return Err(format!("refused a message: {e}"));
                }
                tracing::debug!(dc = dc.dc_id, conn = conn_no, "ignored a message: {e}");
            }
            while let Some(event) = enc.session.poll_event() {
                let Event::Request { msg_id, body } = event else {
                    continue;
                };
                let unix = now.unix_secs(0);
                if let Some(answer) = wrapped_service(msg_id.0, &body, enc.first_salt, unix) {
                    enc.session.respond(msg_id, answer);
                    continue;
                }
                let request = Request {
                    dc_id: dc.dc_id,
                    auth_key_id: key_id,
                    body: &body,
                    now_unix: unix_i32(&now),
                };
                let reply = {
                    let mut keys = dc.keys.lock().expect("key store");
                    match keys.get_mut(&key_id) {
                        Some(entry) => dc.handler.handle(request, &mut entry.state),
                        None => Reply::Error {
                            code: 401,
                            message: "AUTH_KEY_UNREGISTERED".into(),
                        },
                    }
                };
                match reply {
                    Reply::Result(bytes) => {
                        enc.session.respond(msg_id, bytes);
                    }
                    Reply::Error { code, message } => {
                        enc.session.respond_error(msg_id, code, &message);
                    }
                    Reply::Disconnect => return Err("scripted disconnect".into()),
                }
            }
        }
        if let Some(enc) = encrypted.as_mut() {
            let now = now(dc.config.clock_skew);
            while let Some(frame) = enc.session.poll_transmit(now, &mut rng) {
                codec
                    .encode(Bytes::from(frame), &mut wbuf)
                    .map_err(|e| e.to_string())?;
            }
        }
        if !wbuf.is_empty() {
            stream.write_all(&wbuf).await.map_err(|e| e.to_string())?;
            wbuf.clear();
        }
        let deadline = encrypted
            .as_ref()
            .and_then(|e| e.session.poll_timeout())
            .map(tokio::time::Instant::from_std);
        tokio::select! {
            read = stream.read_buf(&mut rbuf) => {
                if read.map_err(|e| e.to_string())? == 0 {
                    return Ok(());
                }
            }
            () = async { tokio::time::sleep_until(deadline.expect("guarded")).await }, if deadline.is_some() => {
                if let Some(enc) = encrypted.as_mut() {
                    enc.session.handle_timeout(now(dc.config.clock_skew));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tg_mtproto::mtp::envelope::{self, AuthKey, Direction, Header};
    use tg_mtproto::mtp::{Random, container};
    use tl::functions::{GetFutureSalts, InitConnection, InvokeWithLayer, InvokeWithoutUpdates};

    use super::*;

    const NOW: i64 = 1_700_000_123;
    const FIRST_SALT: i64 = 0x1234_5678;

    fn now() -> Now {
        Now {
            mono: Instant::now(),
            unix: Duration::from_secs(NOW as u64),
        }
    }

    /// The bare object after `id` at the start of a boxed answer.
    fn unboxed<T: Deserializable>(id: u32, answer: &[u8]) -> T {
        assert_eq!(answer[..4], id.to_le_bytes(), "constructor");
        let mut cur = tl::Cursor::new(&answer[4..]);
        T::deserialize(&mut cur).expect("decodes")
    }

    #[test]
    fn every_connection_of_a_key_has_the_same_salts() {
        let s = salt_schedule(FIRST_SALT, NOW);
        assert_eq!(s.len(), 64);
        assert_eq!(
            s,
            salt_schedule(FIRST_SALT, NOW + 5),
            "same period, same salts"
        );
        assert!(i64::from(s[0].valid_since) <= NOW && NOW < i64::from(s[0].valid_until));
        assert!(
            s.windows(2)
                .all(|w| w[0].valid_until == w[1].valid_since && w[0].salt != w[1].salt)
        );
        assert!(s.iter().all(|x| x.salt != 0));
        // Half an hour on: the same salts, one period further.
        assert_eq!(salt_schedule(FIRST_SALT, NOW + 1800)[..63], s[1..]);
        assert_ne!(salt_schedule(FIRST_SALT + 1, NOW)[0].salt, s[0].salt);
    }

    /// Regression: `get_future_salts` gave one salt (grammers asks until it
    /// gets more than one, spec/interop.md).
    #[test]
    fn a_top_level_get_future_salts_gets_the_salts_asked_for() {
        let mut key_bytes = [0u8; 256];
        SeededRandom::new(5).fill(&mut key_bytes);
        let key = AuthKey::new(key_bytes);
        let mut server = server_session(key_bytes, FIRST_SALT, now());
        let header = Header {
            salt: FIRST_SALT,
            session_id: 42,
            msg_id: NOW << 32,
            seq_no: 1,
        };
        let body = GetFutureSalts { num: 3 }.to_bytes();
        let mut rng = SeededRandom::new(6);
        let frame = envelope::seal(&key, Direction::ClientToServer, header, &body, &mut rng);
        server.handle_input(&frame, now()).expect("accepted");
        let mut found = Vec::new();
        while let Some(out) = server.poll_transmit(now(), &mut rng) {
            let opened = envelope::open(&key, Direction::ServerToClient, &out).expect("opens");
            let bodies = if container::is_container(&opened.body) {
                container::unpack(opened.msg_id, &opened.body)
                    .expect("container")
                    .into_iter()
                    .map(|m| m.body)
                    .collect()
            } else {
                vec![opened.body]
            };
            found.extend(
                bodies
                    .iter()
                    .filter(|b| b[..4] == tl::types::FutureSalts::CONSTRUCTOR_ID.to_le_bytes())
                    .map(|b| {
                        unboxed::<tl::types::FutureSalts>(tl::types::FutureSalts::CONSTRUCTOR_ID, b)
                    }),
            );
        }
        assert_eq!(found.len(), 1, "one future_salts answer");
        let salts = &found[0].salts.0;
        assert_eq!(found[0].req_msg_id, NOW << 32);
        let want: Vec<i64> = salt_schedule(FIRST_SALT, NOW)[..3]
            .iter()
            .map(|s| s.salt)
            .collect();
        assert_eq!(salts.iter().map(|s| s.salt).collect::<Vec<_>>(), want);
    }

    /// Regression: Telethon with updates off sends
    /// `invokeWithoutUpdates(ping)`, which got `METHOD_NOT_IMPLEMENTED`.
    #[test]
    fn wrapped_service_functions_are_answered() {
        let ping = InvokeWithoutUpdates {
            query: tl::functions::Ping { ping_id: 99 },
        }
        .to_bytes();
        let answer = wrapped_service(44, &ping, FIRST_SALT, NOW).expect("answered");
        let pong: tl::types::Pong = unboxed(tl::types::Pong::CONSTRUCTOR_ID, &answer);
        assert_eq!((pong.msg_id, pong.ping_id), (44, 99));

        let delay = InvokeWithLayer {
            layer: 229,
            query: tl::functions::PingDelayDisconnect {
                ping_id: 7,
                disconnect_delay: 75,
            },
        }
        .to_bytes();
        let answer = wrapped_service(48, &delay, FIRST_SALT, NOW).expect("answered");
        let pong: tl::types::Pong = unboxed(tl::types::Pong::CONSTRUCTOR_ID, &answer);
        assert_eq!((pong.msg_id, pong.ping_id), (48, 7));

        for (num, want) in [(3, 3), (0, 1), (1000, 64)] {
            let salts = InvokeWithoutUpdates {
                query: GetFutureSalts { num },
            }
            .to_bytes();
            let answer = wrapped_service(52, &salts, FIRST_SALT, NOW).expect("answered");
            let f: tl::types::FutureSalts =
                unboxed(tl::types::FutureSalts::CONSTRUCTOR_ID, &answer);
            assert_eq!(f.req_msg_id, 52);
            assert_eq!(i64::from(f.now), NOW);
            assert_eq!(f.salts.0.len(), want);
            assert_eq!(f.salts.0[0].salt, salt_schedule(FIRST_SALT, NOW)[0].salt);
        }

        // API methods, wrapped or not, are the handler's.
        let config = InvokeWithLayer {
            layer: 229,
            query: InitConnection {
                query: tl::functions::help::GetConfig {},
                ..Default::default()
            },
        }
        .to_bytes();
        assert_eq!(wrapped_service(56, &config, FIRST_SALT, NOW), None);
        let bare = tl::functions::help::GetConfig {}.to_bytes();
        assert_eq!(wrapped_service(60, &bare, FIRST_SALT, NOW), None);
    }
}
