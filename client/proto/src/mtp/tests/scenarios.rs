//! One test per flow, client and server sessions talking to each other.

use std::time::Duration;

use tl::Identifiable;
use tl::types as t;

use super::*;
use crate::mtp::RequestId;
use crate::mtp::service::boxed;
use crate::mtp::wire::GZIP_PACKED_ID;

/// `events` without the `NewSession` every first exchange brings.
fn answers(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .filter(|e| !matches!(e, Event::NewSession { .. }))
        .collect()
}

#[test]
fn query_answer_and_ack() {
    let mut p = Pair::quiet();
    let id = p.client.push(query(1, 0));
    let got = p.send_up();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, query(1, 0));
    p.server.respond(got[0].0, vec![1, 2, 3, 4]);
    let events = answers(p.send_down());
    assert_eq!(
        events,
        vec![Event::Result {
            request: id,
            body: vec![1, 2, 3, 4]
        }]
    );
    assert_eq!(p.client.unanswered(), 0);

    // The rpc_result (and new_session_created) are acked once the ack delay
    // passes, in a stand-alone msgs_ack.
    assert!(p.client_frames().is_empty());
    p.advance(Duration::from_secs(1));
    let frames = p.client_frames();
    assert_eq!(frames.len(), 1);
    let (_, _, msgs) = messages_of(&frames[0], Direction::ClientToServer);
    assert_eq!(
        constructor_of(&msgs[0].body),
        Ok(t::MsgsAck::CONSTRUCTOR_ID)
    );
    assert_eq!(msgs[0].seq_no % 2, 0);
}

#[test]
fn rpc_error_and_gzip_answers() {
    let mut p = Pair::quiet();
    let a = p.client.push(query(1, 0));
    let b = p.client.push(query(2, 0));
    let got = p.send_up();
    assert_eq!(got.len(), 2, "both queries in one container");
    p.server.respond_error(got[0].0, 420, "FLOOD_WAIT_3");
    let big: Vec<u8> = (0..4096u32).flat_map(|i| (i % 3).to_le_bytes()).collect();
    p.server.respond(got[1].0, big.clone());
    let frames = p.server_frames();
    let (_, _, msgs) = messages_of(&frames[0], Direction::ServerToClient);
    let gzipped = msgs
        .iter()
        .any(|m| m.body.len() > 12 && m.body[12..16] == GZIP_PACKED_ID.to_le_bytes());
    assert!(gzipped, "the large answer is gzip_packed inside rpc_result");
    p.deliver_down(&frames);
    assert_eq!(
        answers(p.client_events()),
        vec![
            Event::RpcError {
                request: a,
                code: 420,
                message: "FLOOD_WAIT_3".into()
            },
            Event::Result {
                request: b,
                body: big
            },
        ]
    );
}

#[test]
fn large_queries_are_gzipped_and_inflated_by_the_server() {
    let mut p = Pair::quiet();
    p.client.push(query(3, 4000));
    let frames = p.client_frames();
    let (_, _, msgs) = messages_of(&frames[0], Direction::ClientToServer);
    assert_eq!(constructor_of(&msgs[0].body), Ok(GZIP_PACKED_ID));
    p.deliver_up(&frames);
    assert_eq!(p.server_requests()[0].1, query(3, 4000));
}

#[test]
fn zero_salt_gets_bad_server_salt_then_resend() {
    let mut p = Pair::new(
        0,
        Config {
            ping_interval: None,
            ..Config::default()
        },
    );
    let id = p.client.push(query(1, 0));
    let first = p.client_frames();
    assert_eq!(p.deliver_up(&first), vec![Err(Error::Refused { code: 48 })]);
    assert!(p.server_requests().is_empty());
    let down = p.server_frames();
    let (session, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    assert_eq!(
        session, SESSION,
        "bad_server_salt carries the client's session id"
    );
    assert_eq!(
        constructor_of(&msgs[0].body),
        Ok(t::BadServerSalt::CONSTRUCTOR_ID)
    );
    p.deliver_down(&down);
    // The resend carries the new salt, a new msg_id, and now also asks for
    // future salts (the client has a real salt).
    let again = p.client_frames();
    let (_, salt, msgs) = messages_of(&again[0], Direction::ClientToServer);
    assert_eq!(salt, SALT);
    let (_, _, old) = messages_of(&first[0], Direction::ClientToServer);
    assert!(msgs.iter().all(|m| m.msg_id > old[0].msg_id));
    p.deliver_up(&again);
    let got = p.server_requests();
    assert_eq!(got.len(), 1);
    p.server.respond(got[0].0, vec![9; 4]);
    let events = p.send_down();
    assert!(events.contains(&Event::Result {
        request: id,
        body: vec![9; 4]
    }));
    assert!(events.iter().any(|e| matches!(e, Event::NewSession { .. })));
}

/// A fault script's `bad_server_salt` about a query the server already
/// accepted: the client resends it with a new msg_id and gets the answer.
#[test]
fn a_received_query_rejected_with_bad_server_salt_is_resent() {
    let mut p = Pair::quiet();
    let id = p.client.push(query(1, 0));
    let first = p.send_up();
    assert_eq!(first.len(), 1);
    let (old_msg_id, _) = first[0];
    assert!(p.server.reject_with_bad_salt(old_msg_id, p.now));
    assert!(
        !p.server.reject_with_bad_salt(old_msg_id, p.now),
        "only once"
    );
    assert!(
        !p.server.respond(old_msg_id, vec![1; 4]),
        "a rejected query is no longer answerable"
    );
    let down = p.server_frames();
    let (_, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    let bad = msgs
        .iter()
        .find(|m| constructor_of(&m.body) == Ok(t::BadServerSalt::CONSTRUCTOR_ID))
        .expect("bad_server_salt sent");
    let b = crate::mtp::service::unbox::<t::BadServerSalt>(&bad.body).unwrap();
    assert_eq!(b.bad_msg_id, old_msg_id.0);
    assert_eq!(b.error_code, 48);
    assert_eq!(b.new_server_salt, SALT);
    assert_eq!(
        b.bad_msg_seqno % 2,
        1,
        "the query's own (content-related) seq_no"
    );
    assert!(
        !msgs
            .iter()
            .any(|m| constructor_of(&m.body) == Ok(t::MsgsAck::CONSTRUCTOR_ID)),
        "the rejected query is not acknowledged"
    );
    p.deliver_down(&down);
    assert!(answers(p.client_events()).is_empty());
    let again = p.send_up();
    assert_eq!(again.len(), 1, "resent");
    assert!(again[0].0.0 > old_msg_id.0, "with a new msg_id");
    assert_eq!(again[0].1, query(1, 0));
    assert!(p.server.respond(again[0].0, vec![7; 4]));
    assert_eq!(
        answers(p.send_down()),
        vec![Event::Result {
            request: id,
            body: vec![7; 4]
        }]
    );
}

#[test]
fn new_session_created_resends_forgotten_queries() {
    let mut p = Pair::quiet();
    let a = p.client.push(query(1, 0));
    assert_eq!(p.send_up().len(), 1);
    p.send_down(); // new_session_created
    // The server forgets the session before answering.
    p.server.forget_session();
    let b = p.client.push(query(2, 0));
    let got = p.send_up();
    assert_eq!(got.len(), 1, "only b reached the new session");
    let events = p.send_down();
    assert!(matches!(events[..], [Event::NewSession { .. }]));
    // a was sent before first_msg_id: it is resent.
    let got2 = p.send_up();
    assert_eq!(got2.len(), 1);
    assert_eq!(got2[0].1, query(1, 0));
    p.server.respond(got[0].0, vec![2; 4]);
    p.server.respond(got2[0].0, vec![1; 4]);
    let mut events = p.send_down();
    events.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(
        events,
        vec![
            Event::Result {
                request: a,
                body: vec![1; 4]
            },
            Event::Result {
                request: b,
                body: vec![2; 4]
            },
        ]
    );
}

#[test]
fn bad_msg_codes() {
    for (code, resent) in [
        (16, true),
        (17, true),
        (18, true),
        (20, true),
        (32, true),
        (33, true),
        (64, true),
        (35, false),
    ] {
        let mut p = Pair::quiet();
        p.send_up();
        p.send_down();
        let id = p.client.push(query(1, 0));
        let before = p.client.session_id();
        p.server.refuse_next(code);
        let up = p.client_frames();
        assert_eq!(p.deliver_up(&up), vec![Err(Error::Refused { code })]);
        let events = p.send_down();
        let got = p.send_up();
        if resent {
            assert_eq!(got.len(), 1, "code {code}: resent");
            assert!(events.is_empty());
            assert_eq!(
                before != p.client.session_id(),
                code == 32 || code == 33,
                "code {code}"
            );
            p.server.respond(got[0].0, vec![0; 4]);
            let events = p.send_down();
            assert!(
                events.contains(&Event::Result {
                    request: id,
                    body: vec![0; 4]
                }),
                "code {code}"
            );
        } else {
            assert!(got.is_empty());
            assert_eq!(
                events,
                vec![Event::Failed {
                    request: id,
                    error: Error::BadMsg { code }
                }]
            );
        }
    }
}

#[test]
fn clock_error_is_corrected_by_bad_msg_16_and_17() {
    for skew in [-400i64, 400] {
        let mut p = Pair::quiet();
        let off = |n: Now| Now {
            mono: n.mono,
            unix: Duration::from_secs(n.unix.as_secs().checked_add_signed(skew).expect("positive")),
        };
        // The client's wall clock is wrong by `skew` and not synced.
        p.client = Session::client(
            key(),
            SESSION,
            SALT,
            0,
            false,
            Config {
                ping_interval: None,
                future_salts: false,
                ..Config::default()
            },
        );
        let id = p.client.push(query(1, 0));
        let up: Vec<_> =
            std::iter::from_fn(|| p.client.poll_transmit(off(p.now), &mut p.crng)).collect();
        let code = if skew < 0 { 16 } else { 17 };
        assert_eq!(p.deliver_up(&up), vec![Err(Error::Refused { code })]);
        let down = p.server_frames();
        for f in &down {
            p.client
                .handle_input(f, off(p.now))
                .expect("bad_msg is accepted");
        }
        assert_eq!(i64::from(p.client.time_offset()), -skew);
        let up: Vec<_> =
            std::iter::from_fn(|| p.client.poll_transmit(off(p.now), &mut p.crng)).collect();
        p.deliver_up(&up);
        let got = p.server_requests();
        assert_eq!(got.len(), 1, "skew {skew}");
        p.server.respond(got[0].0, vec![5; 4]);
        let down = p.server_frames();
        for f in &down {
            p.client
                .handle_input(f, off(p.now))
                .expect("in the window now");
        }
        assert!(p.client_events().contains(&Event::Result {
            request: id,
            body: vec![5; 4]
        }));
    }
}

#[test]
fn reconnect_resends_and_resolves_once() {
    let mut p = Pair::quiet();
    let id = p.client.push(query(1, 0));
    let first = p.send_up();
    p.client.on_reconnect();
    p.server.on_reconnect();
    let second = p.send_up();
    assert_eq!(second.len(), 1);
    assert!(second[0].0 > first[0].0, "new msg_id");
    // The server answers both copies; the client resolves once.
    p.server.respond(first[0].0, vec![1; 4]);
    p.server.respond(second[0].0, vec![2; 4]);
    let events = answers(p.send_down());
    assert_eq!(
        events,
        vec![Event::Result {
            request: id,
            body: vec![1; 4]
        }]
    );
}

#[test]
fn pings_and_ping_timeout() {
    let mut p = Pair::new(
        SALT,
        Config {
            future_salts: false,
            ..Config::default()
        },
    );
    p.client.handle_timeout(p.now);
    let deadline = p.client.poll_timeout().expect("ping scheduled");
    assert_eq!(deadline - p.now.mono, Duration::from_secs(60));
    p.advance(Duration::from_secs(60));
    p.client.handle_timeout(p.now);
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    assert_eq!(
        constructor_of(&msgs[0].body),
        Ok(tl::functions::PingDelayDisconnect::CONSTRUCTOR_ID)
    );
    assert_eq!(msgs[0].seq_no % 2, 1);
    p.deliver_up(&up);
    let down = p.server_frames();
    let (_, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    assert!(
        msgs.iter()
            .any(|m| constructor_of(&m.body) == Ok(t::Pong::CONSTRUCTOR_ID)),
        "top-level pong"
    );
    p.deliver_down(&down);
    assert!(!p.client_events().contains(&Event::PingTimeout));
    // The next ping is lost: one interval later the client reports it.
    p.advance(Duration::from_secs(60));
    p.client.handle_timeout(p.now);
    p.client_frames();
    p.advance(Duration::from_secs(60));
    p.client.handle_timeout(p.now);
    assert_eq!(p.client_events(), vec![Event::PingTimeout]);
}

#[test]
fn future_salts_are_requested_and_used() {
    let mut p = Pair::new(
        SALT,
        Config {
            ping_interval: None,
            ..Config::default()
        },
    );
    let (next, since) = (0x5555, 1_700_000_010);
    let future = crate::mtp::Salt {
        valid_since: since,
        valid_until: since + 3600,
        salt: next,
    };
    p.server.set_salts(SALT, vec![future], p.now);
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    assert_eq!(
        constructor_of(&msgs[0].body),
        Ok(tl::functions::GetFutureSalts::CONSTRUCTOR_ID)
    );
    p.deliver_up(&up);
    let down = p.server_frames();
    let (_, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    assert!(
        msgs.iter()
            .any(|m| constructor_of(&m.body) == Ok(t::FutureSalts::CONSTRUCTOR_ID)),
        "top-level"
    );
    p.deliver_down(&down);
    assert_eq!(p.client.current_salt(p.now), SALT, "not valid yet");
    p.advance(Duration::from_secs(10 + 61));
    assert_eq!(p.client.current_salt(p.now), next);
    p.client.push(query(1, 0));
    assert_eq!(p.send_up().len(), 1, "the server accepts the future salt");
}

#[test]
fn msgs_state_req_is_answered() {
    let mut p = Pair::quiet();
    p.client.push(query(1, 0));
    let got = p.send_up();
    p.server.respond(got[0].0, vec![0; 4]);
    let down = p.server_frames();
    let (_, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    let known = msgs[0].msg_id;
    p.deliver_down(&down);
    p.server.send_raw(
        boxed(&t::MsgsStateReq {
            msg_ids: vec![known, known + 4_000_000_000_000],
        }),
        false,
        false,
    );
    p.send_down();
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    let info = msgs
        .iter()
        .find(|m| constructor_of(&m.body) == Ok(t::MsgsStateInfo::CONSTRUCTOR_ID))
        .expect("msgs_state_info");
    let info = crate::mtp::service::unbox::<t::MsgsStateInfo>(&info.body).expect("decodes");
    // Received (and its ack is pending: rides in the same frame), too high.
    assert_eq!(info.info, vec![4, 3]);
}

#[test]
fn updates_are_acked_and_reported() {
    let mut p = Pair::quiet();
    p.client.push(query(1, 0));
    let got = p.send_up();
    p.server.respond(got[0].0, vec![0; 4]);
    p.send_down();
    p.advance(Duration::from_secs(2));
    p.client_frames();
    let update = 0x74ae_4240u32.to_le_bytes().to_vec(); // updates#74ae4240 id, body irrelevant
    p.server.send_update(update.clone());
    let down = p.server_frames();
    let (_, _, msgs) = messages_of(&down[0], Direction::ServerToClient);
    let update_id = msgs[0].msg_id;
    assert_eq!(update_id & 3, 3, "not a response: msg_id ≡ 3 mod 4");
    p.deliver_down(&down);
    assert_eq!(p.client_events(), vec![Event::Update { body: update }]);
    p.advance(Duration::from_secs(2));
    let up = p.client_frames();
    let (_, _, msgs) = messages_of(&up[0], Direction::ClientToServer);
    let ack = crate::mtp::service::unbox::<t::MsgsAck>(&msgs[0].body).expect("ack");
    assert_eq!(ack.msg_ids, vec![update_id]);
}

#[test]
fn forget_drops_late_answers() {
    let mut p = Pair::quiet();
    let id = p.client.push(query(1, 0));
    let got = p.send_up();
    p.client.forget(id);
    p.server.respond(got[0].0, vec![0; 4]);
    assert!(
        p.send_down()
            .iter()
            .all(|e| !matches!(e, Event::Result { .. }))
    );
    assert_eq!(id, RequestId(0));
}
