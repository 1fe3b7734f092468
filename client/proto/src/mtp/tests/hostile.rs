//! Forged and broken frames: each gets its typed error and changes nothing.

use proptest::prelude::*;
use tl::types as t;

use super::*;
use crate::mtp::envelope::{AuthKey, Header, seal_plaintext};
use crate::mtp::service::boxed;
use crate::mtp::wire::RpcResult;
use crate::mtp::{RequestId, container};

/// A client with one query in flight, and that query's msg_id.
fn client_waiting() -> (Pair, RequestId, i64) {
    let mut p = Pair::quiet();
    let id = p.client.push(query(1, 0));
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    (p, id, msgs[0].msg_id)
}

/// A server message id at the pair's current time.
fn server_msg_id(p: &Pair, seconds_later: i64) -> i64 {
    let secs = p.now.unix.as_secs() as i64 + seconds_later;
    (secs << 32) | 0x1000_0001
}

fn result_body(req_msg_id: i64) -> Vec<u8> {
    let mut b = Vec::new();
    RpcResult {
        req_msg_id,
        result: &[1, 0, 0, 0],
    }
    .serialize(&mut b);
    b
}

/// A correctly encrypted server frame with the given header fields.
fn forge(session_id: i64, msg_id: i64, seq_no: i32, body: &[u8]) -> Vec<u8> {
    let header = Header {
        salt: SALT,
        session_id,
        msg_id,
        seq_no,
    };
    envelope::seal(
        &AuthKey::new(key()),
        Direction::ServerToClient,
        header,
        body,
        &mut SeededRandom::new(7),
    )
}

/// Asserts the client refused `frame` with `expected` and did nothing.
fn refused(p: &mut Pair, frame: &[u8], expected: Error) {
    assert_eq!(p.client.handle_input(frame, p.now), Err(expected));
    assert_eq!(p.client_events(), vec![]);
    assert_eq!(p.client.unanswered(), 1, "the query is still waiting");
}

#[test]
fn tampered_frame() {
    let (mut p, _, req) = client_waiting();
    let mut frame = forge(SESSION, server_msg_id(&p, 0), 1, &result_body(req));
    let n = frame.len();
    frame[n - 5] ^= 0x40;
    refused(&mut p, &frame, Error::MsgKey);
}

#[test]
fn wrong_session_id_is_a_security_error() {
    let (mut p, _, req) = client_waiting();
    let frame = forge(SESSION + 1, server_msg_id(&p, 0), 1, &result_body(req));
    let err = Error::SessionId {
        got: SESSION + 1,
        expected: SESSION,
    };
    assert!(err.is_security());
    refused(&mut p, &frame, err);
}

#[test]
fn wrong_auth_key_id() {
    let (mut p, _, req) = client_waiting();
    let other = AuthKey::new([3u8; 256]);
    let header = Header {
        salt: SALT,
        session_id: SESSION,
        msg_id: server_msg_id(&p, 0),
        seq_no: 1,
    };
    let frame = envelope::seal(
        &other,
        Direction::ServerToClient,
        header,
        &result_body(req),
        &mut SeededRandom::new(1),
    );
    let expected = Error::AuthKeyId {
        got: other.id(),
        expected: AuthKey::new(key()).id(),
    };
    refused(&mut p, &frame, expected);
}

#[test]
fn replayed_msg_id_is_dropped_but_reacked() {
    let (mut p, id, req) = client_waiting();
    let msg_id = server_msg_id(&p, 0);
    let frame = forge(SESSION, msg_id, 1, &result_body(req));
    assert_eq!(p.client.handle_input(&frame, p.now), Ok(()));
    assert_eq!(
        p.client_events(),
        vec![Event::Result {
            request: id,
            body: vec![1, 0, 0, 0]
        }]
    );
    p.advance(Duration::from_secs(2));
    p.client_frames();
    assert_eq!(
        p.client.handle_input(&frame, p.now),
        Err(Error::DuplicateMsgId { msg_id })
    );
    assert_eq!(p.client_events(), vec![], "resolved once");
    // The duplicate is acknowledged again, in case the first ack was lost.
    p.advance(Duration::from_secs(2));
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    let ack = crate::mtp::service::unbox::<t::MsgsAck>(&msgs[0].body).expect("msgs_ack");
    assert_eq!(ack.msg_ids, vec![msg_id]);
}

#[test]
fn even_server_msg_id() {
    let (mut p, _, req) = client_waiting();
    let msg_id = server_msg_id(&p, 0) - 1;
    refused(
        &mut p,
        &forge(SESSION, msg_id, 1, &result_body(req)),
        Error::MsgIdParity { msg_id },
    );
}

#[test]
fn msg_id_outside_the_time_window() {
    let (mut p, _, req) = client_waiting();
    for (secs, skew) in [(-301, -301), (31, 31)] {
        let msg_id = server_msg_id(&p, secs);
        refused(
            &mut p,
            &forge(SESSION, msg_id, 1, &result_body(req)),
            Error::MsgIdTime { msg_id, skew },
        );
    }
    // bad_server_salt is exempt: it exists to fix a wrong clock or salt.
    let salt = boxed(&t::BadServerSalt {
        bad_msg_id: req,
        bad_msg_seqno: 1,
        error_code: 48,
        new_server_salt: 5,
    });
    let frame = forge(SESSION, server_msg_id(&p, 1000), 0, &salt);
    assert_eq!(p.client.handle_input(&frame, p.now), Ok(()));
}

/// A frame whose plaintext declares `declared` bytes of data and carries
/// `data_and_padding` bytes after the 32-byte header.
fn forged_lengths(declared: i32, data_and_padding: usize, msg_id: i64) -> Vec<u8> {
    let mut plain = Vec::new();
    plain.extend_from_slice(&SALT.to_le_bytes());
    plain.extend_from_slice(&SESSION.to_le_bytes());
    plain.extend_from_slice(&msg_id.to_le_bytes());
    plain.extend_from_slice(&1i32.to_le_bytes());
    plain.extend_from_slice(&declared.to_le_bytes());
    plain.resize(32 + data_and_padding, 0);
    seal_plaintext(&AuthKey::new(key()), Direction::ServerToClient, plain)
}

#[test]
fn oversized_short_and_misaligned_lengths() {
    let (mut p, ..) = client_waiting();
    let msg_id = server_msg_id(&p, 0);
    for declared in [68, -8, 30] {
        let frame = forged_lengths(declared, 64, msg_id);
        refused(
            &mut p,
            &frame,
            Error::MessageLength {
                declared: declared.into(),
                available: 64,
            },
        );
    }
    refused(
        &mut p,
        &forged_lengths(0, 1040, msg_id),
        Error::Padding { padding: 1040 },
    );
    refused(
        &mut p,
        &forged_lengths(56, 64, msg_id),
        Error::Padding { padding: 8 },
    );
    let frame = forge(SESSION, msg_id, 1, &[0; 8]);
    refused(&mut p, &frame[..frame.len() - 16], Error::MsgKey);
    refused(&mut p, &frame[..40], Error::FrameLength { len: 40 });
}

#[test]
fn bad_containers_are_dropped_whole() {
    let (mut p, _, req) = client_waiting();
    let c = server_msg_id(&p, 0);
    let inner = |msg_id: i64, body: Vec<u8>| Message {
        msg_id,
        seq_no: 1,
        body,
    };
    // An inner id not below the container's.
    let body = container::pack(&[inner(c - 4, result_body(req)), inner(c + 4, vec![0; 4])]);
    refused(
        &mut p,
        &forge(SESSION, c, 2, &body),
        Error::ContainerMsgId {
            inner: c + 4,
            container: c,
        },
    );
    // A container inside a container.
    let nested = container::pack(&[inner(c - 8, result_body(req))]);
    let body = container::pack(&[inner(c - 8, result_body(req)), inner(c - 4, nested)]);
    refused(
        &mut p,
        &forge(SESSION, c + 8, 2, &body),
        Error::NestedContainer,
    );
    // An even (client) id inside.
    let body = container::pack(&[inner(c - 3, result_body(req))]);
    refused(
        &mut p,
        &forge(SESSION, c + 16, 2, &body),
        Error::MsgIdParity { msg_id: c - 3 },
    );
}

#[test]
fn gzip_bomb_in_a_result_fails_the_query() {
    let (mut p, id, req) = client_waiting();
    p.client = Session::client(
        key(),
        SESSION,
        SALT,
        0,
        true,
        Config {
            max_inflated: 1 << 16,
            ping_interval: None,
            future_salts: false,
            ..Config::default()
        },
    );
    let id2 = p.client.push(query(1, 0));
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    let bomb = crate::mtp::gzip::pack(&vec![0u8; 1 << 20]);
    let mut body = Vec::new();
    RpcResult {
        req_msg_id: msgs[0].msg_id,
        result: &bomb,
    }
    .serialize(&mut body);
    assert_eq!(
        p.client
            .handle_input(&forge(SESSION, server_msg_id(&p, 0), 1, &body), p.now),
        Ok(())
    );
    assert_eq!(
        p.client_events(),
        vec![Event::Failed {
            request: id2,
            error: Error::GzipTooLarge { limit: 1 << 16 }
        }]
    );
    let _ = (id, req);
}

#[test]
fn future_salts_must_answer_our_request() {
    let (mut p, ..) = client_waiting();
    let body = boxed(&t::FutureSalts {
        req_msg_id: 12345,
        now: 0,
        salts: tl::RawVec(vec![]),
    });
    let err = Error::Unexpected {
        constructor: 0xae50_0895,
    };
    assert_eq!(
        p.client
            .handle_input(&forge(SESSION, server_msg_id(&p, 0), 0, &body), p.now),
        Err(err)
    );
}

#[test]
fn bad_msg_about_nothing_we_sent_is_ignored() {
    let (mut p, ..) = client_waiting();
    let before = p.client.current_salt(p.now);
    let body = boxed(&t::BadServerSalt {
        bad_msg_id: 4,
        bad_msg_seqno: 1,
        error_code: 48,
        new_server_salt: 9,
    });
    assert_eq!(
        p.client
            .handle_input(&forge(SESSION, server_msg_id(&p, 0), 0, &body), p.now),
        Ok(())
    );
    assert_eq!(p.client.current_salt(p.now), before, "salt unchanged");
    assert!(p.client_frames().is_empty(), "nothing resent");
}

proptest! {
    /// Arbitrary bytes never panic either role.
    #[test]
    fn arbitrary_frames_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut p = Pair::quiet();
        let _ = p.client.handle_input(&frame, p.now);
        let _ = p.server.handle_input(&frame, p.now);
        let _ = crate::mtp::plain::decode(&frame);
    }

    /// Arbitrary plaintext in an authentic frame (so every parser behind the
    /// crypto runs) never panics either role.
    #[test]
    fn arbitrary_authentic_bodies_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        id in prop::sample::select(vec![
            0x73f1_f8dcu32, 0xf35c_6d01, 0x3072_cfa1, 0x62d6_b459, 0xa7ef_f811, 0xedab_447b,
            0x9ec2_0908, 0xae50_0895, 0x3477_73c5, 0x276d_3ec6, 0x809d_b6df, 0x7d86_1a08,
            0xda69_fb52, 0x7abe_77ec, 0xf342_7b8c, 0xb921_bd04, 0x1234_5678,
        ]),
        seq in 0i32..4,
    ) {
        let (mut p, ..) = client_waiting();
        let mut full = id.to_le_bytes().to_vec();
        full.extend_from_slice(&body);
        full.truncate(full.len() / 4 * 4);
        let msg_id = server_msg_id(&p, 0);
        let _ = p.client.handle_input(&forge(SESSION, msg_id, seq, &full), p.now);
        let _ = p.client_frames();
        let header = Header { salt: SALT, session_id: SESSION, msg_id: (msg_id & !3) + 4, seq_no: seq };
        let up = envelope::seal(&AuthKey::new(key()), Direction::ClientToServer, header, &full, &mut SeededRandom::new(3));
        let _ = p.server.handle_input(&up, p.now);
        let _ = p.server_frames();
    }
}
