//! Unit tests of the connection's sessions.

use tg_mtproto::mtp::envelope::{self, AuthKey, Direction, Header};
use tg_mtproto::mtp::{Random, container};
use tl::functions::{GetFutureSalts, InitConnection, InvokeWithLayer, InvokeWithoutUpdates};

use std::time::{Duration, Instant};

use tl::{Deserializable, Identifiable, Serializable};

use super::*;
use session::salt_schedule;

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
/// gets more than one, docs/architecture.md#interoperability).
#[test]
fn a_top_level_get_future_salts_gets_the_salts_asked_for() {
    let mut key_bytes = [0u8; 256];
    SeededRandom::new(5).fill(&mut key_bytes);
    let key = AuthKey::new(key_bytes);
    let mut server = server_session(key_bytes, FIRST_SALT, now(), Some(512));
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
        let bodies = opened_bodies(&key, &out);
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
        let f: tl::types::FutureSalts = unboxed(tl::types::FutureSalts::CONSTRUCTOR_ID, &answer);
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

/// The answer to one `help.getConfig` from a server session made with
/// `threshold`, as the client reads it: the object inside `rpc_result`.
fn answered_with(threshold: Option<usize>, answer: &[u8]) -> Vec<u8> {
    let mut key_bytes = [0u8; 256];
    SeededRandom::new(5).fill(&mut key_bytes);
    let key = AuthKey::new(key_bytes);
    let mut server = server_session(key_bytes, FIRST_SALT, now(), threshold);
    let header = Header {
        salt: FIRST_SALT,
        session_id: 42,
        msg_id: NOW << 32,
        seq_no: 1,
    };
    let body = tl::functions::help::GetConfig {}.to_bytes();
    let mut rng = SeededRandom::new(6);
    let frame = envelope::seal(&key, Direction::ClientToServer, header, &body, &mut rng);
    server.handle_input(&frame, now()).expect("accepted");
    let msg_id = std::iter::from_fn(|| server.poll_event())
        .find_map(|e| match e {
            Event::Request { msg_id, .. } => Some(msg_id),
            _ => None,
        })
        .expect("the request");
    assert!(server.respond(msg_id, answer.to_vec()));
    let mut results = Vec::new();
    for _ in 0..10 {
        let Some(out) = server.poll_transmit(now(), &mut rng) else {
            break;
        };
        let bodies = opened_bodies(&key, &out);
        let rpc_result = 0xf35c_6d01_u32.to_le_bytes();
        results.extend(bodies.into_iter().filter(|b| b[..4] == rpc_result));
    }
    assert_eq!(results.len(), 1, "one rpc_result");
    results[0][12..].to_vec()
}

#[test]
fn answers_are_packed_from_the_configured_size_on() {
    use tg_mtproto::mtp::gzip;
    // 2 KiB that compress well.
    let big: Vec<u8> = (0..512u32).flat_map(|i| (i % 5).to_le_bytes()).collect();
    assert!(gzip::is_packed(&answered_with(Some(512), &big)));
    assert_eq!(answered_with(Some(4096), &big), big, "below the threshold");
    assert_eq!(answered_with(None, &big), big, "never");
    let small = vec![1u8; 64];
    assert_eq!(answered_with(Some(512), &small), small);
}

/// The message bodies of a frame the server sent (a container's, or its
/// one body).
fn opened_bodies(key: &AuthKey, out: &[u8]) -> Vec<Vec<u8>> {
    let opened = envelope::open(key, Direction::ServerToClient, out).expect("opens");
    if container::is_container(&opened.body) {
        container::unpack(opened.msg_id, &opened.body)
            .expect("container")
            .into_iter()
            .map(|m| m.body)
            .collect()
    } else {
        vec![opened.body]
    }
}
