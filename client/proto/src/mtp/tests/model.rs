//! Model-based property test of the session (docs/architecture.md#model-based-tests, firezone style).
//!
//! A client and a server session run over an in-memory network that the
//! test script controls: queries are pushed, frames are delivered, dropped
//! or replayed, the server answers (plain, gzip-packed, rpc_error), pushes
//! updates, rotates its salt, forgets the session or refuses messages with every resendable
//! `bad_msg_notification` code, connections drop, and time advances (both
//! clocks together). Every frame the client emits is decrypted and checked
//! on the way; after the script the network heals and is pumped until quiet,
//! reconnecting when stalled, as the sender does.
//!
//! Invariants: client msg_ids strictly increase within a session and are
//! ≡ 0 mod 4; seqnos are `2n+1` for content-related messages and `2n`
//! otherwise; every query is resolved exactly once, with the answer the
//! server gave for it; every content-related message the client accepted is
//! acknowledged. `PROPTEST_CASES` sets the number of cases.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use proptest::prelude::*;
use tl::Identifiable;
use tl::types as t;

use super::*;
use crate::mtp::RequestId;

#[derive(Clone, Debug)]
enum Op {
    Push {
        big: bool,
    },
    ClientSend,
    ServerRecv,
    ServerAnswer(usize),
    ServerSend,
    ClientRecv,
    Replay,
    DropUp,
    DropDown,
    Reconnect,
    RotateSalt(i64),
    ForgetSession,
    Refuse(i32),
    Advance(u64),
    Timeout,
    /// The server pushes an update (content-related, answers nothing).
    Update,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::bool::weighted(0.2).prop_map(|big| Op::Push { big }),
        4 => Just(Op::ClientSend),
        4 => Just(Op::ServerRecv),
        3 => (0usize..8).prop_map(Op::ServerAnswer),
        4 => Just(Op::ServerSend),
        4 => Just(Op::ClientRecv),
        1 => Just(Op::Replay),
        1 => Just(Op::DropUp),
        1 => Just(Op::DropDown),
        1 => Just(Op::Reconnect),
        1 => (1i64..1000).prop_map(Op::RotateSalt),
        1 => Just(Op::ForgetSession),
        1 => prop::sample::select(vec![16, 17, 18, 20, 32, 33, 48, 64, 35]).prop_map(Op::Refuse),
        2 => (0u64..90_000).prop_map(Op::Advance),
        1 => Just(Op::Timeout),
        1 => Just(Op::Update),
    ]
}

/// What the server answers query number `i` with.
enum Answer {
    Small(Vec<u8>),
    Big(Vec<u8>),
    Error(i32, String),
}

fn answer(i: u32) -> Answer {
    match i % 4 {
        0 => Answer::Error(420, format!("FLOOD_WAIT_{i}")),
        1 => Answer::Big(
            (0..600)
                .flat_map(|k: u32| (k % 5 + i).to_le_bytes())
                .collect(),
        ),
        _ => Answer::Small(i.to_le_bytes().to_vec()),
    }
}

/// Bodies of the client's non-content-related messages.
const SERVICE: [u32; 5] = [
    t::MsgsAck::CONSTRUCTOR_ID,
    MSG_CONTAINER_ID,
    t::MsgsStateInfo::CONSTRUCTOR_ID,
    t::MsgResendReq::CONSTRUCTOR_ID,
    t::Pong::CONSTRUCTOR_ID,
];

struct Model {
    p: Pair,
    up: VecDeque<Vec<u8>>,
    down: VecDeque<Vec<u8>>,
    /// The last frame delivered to the client, and whether it took it.
    last_down: Option<(Vec<u8>, bool)>,
    /// Query index by request.
    pushed: BTreeMap<RequestId, u32>,
    next_index: u32,
    resolved: HashSet<RequestId>,
    /// Queries the server received and has not answered.
    pending: Vec<(MsgId, Vec<u8>)>,
    /// Per client session: last msg_id, content-related count.
    last_id: HashMap<i64, i64>,
    content: HashMap<i64, i32>,
    acked: HashSet<i64>,
    must_ack: HashSet<i64>,
}

impl Model {
    fn new() -> Self {
        let config = Config {
            max_resends: 1000,
            ..Config::default()
        };
        Self {
            p: Pair::new(SALT, config),
            up: VecDeque::new(),
            down: VecDeque::new(),
            last_down: None,
            pushed: BTreeMap::new(),
            next_index: 0,
            resolved: HashSet::new(),
            pending: Vec::new(),
            last_id: HashMap::new(),
            content: HashMap::new(),
            acked: HashSet::new(),
            must_ack: HashSet::new(),
        }
    }

    fn apply(&mut self, op: &Op) {
        let now = self.p.now;
        match *op {
            Op::Push { big } => {
                let i = self.next_index;
                self.next_index += 1;
                let id = self.p.client.push(query(i, if big { 2000 } else { 0 }));
                self.pushed.insert(id, i);
            }
            Op::ClientSend => self.client_send(),
            Op::ServerRecv => self.server_recv(),
            Op::ServerAnswer(k) => self.server_answer(k),
            Op::ServerSend => {
                let frames = self.p.server_frames();
                self.down.extend(frames);
            }
            Op::ClientRecv => self.client_recv(),
            Op::Replay => {
                self.drain_events();
                match self.last_down.clone() {
                    // The client took it once: a replay is refused.
                    Some((frame, true)) => {
                        let again = self.p.client.handle_input(&frame, now);
                        assert!(again.is_err(), "a replay is refused");
                        assert_eq!(self.p.client_events(), vec![], "a replay changes nothing");
                    }
                    // It refused it: this is just another delivery.
                    Some((frame, false)) => {
                        self.down.push_front(frame);
                        self.client_recv();
                    }
                    None => {}
                }
            }
            Op::DropUp => drop(self.up.pop_front()),
            Op::DropDown => drop(self.down.pop_front()),
            Op::Reconnect => self.reconnect(),
            Op::RotateSalt(salt) => self.p.server.set_salts(salt, vec![], now),
            Op::ForgetSession => {
                self.p.server.forget_session();
                self.pending.clear();
            }
            Op::Refuse(code) => self.p.server.refuse_next(code),
            Op::Advance(ms) => self.p.advance(Duration::from_millis(ms)),
            Op::Timeout => {
                self.p.client.handle_timeout(now);
                self.p.server.handle_timeout(now);
            }
            // updateShort#78d4dec1 with a bogus body: the client only acks it.
            Op::Update => self
                .p
                .server
                .send_update(0x78d4_dec1u32.to_le_bytes().to_vec()),
        }
        self.drain_events();
    }

    fn drain_events(&mut self) {
        for e in self.p.client_events() {
            self.check_event(e);
        }
    }

    fn reconnect(&mut self) {
        self.up.clear();
        self.down.clear();
        self.p.client.on_reconnect();
        self.p.server.on_reconnect();
    }

    /// Takes the client's frames, checking ids and seqnos on the way.
    fn client_send(&mut self) {
        for frame in self.p.client_frames() {
            let (session, _, msgs) = messages_of(&frame, Direction::ClientToServer);
            for m in &msgs {
                assert_eq!(m.msg_id & 3, 0, "client msg_id ≡ 0 mod 4");
                let last = self.last_id.entry(session).or_insert(i64::MIN);
                assert!(
                    m.msg_id > *last,
                    "client msg_ids increase: {} after {}",
                    m.msg_id,
                    *last
                );
                *last = m.msg_id;
                let c = self.content.entry(session).or_insert(0);
                let id = constructor_of(&m.body).expect("constructor");
                if SERVICE.contains(&id) {
                    assert_eq!(m.seq_no, 2 * *c, "service seqno even");
                } else {
                    assert_eq!(m.seq_no, 2 * *c + 1, "content seqno odd");
                    *c += 1;
                }
                if id == t::MsgsAck::CONSTRUCTOR_ID {
                    let ack = crate::mtp::service::unbox::<t::MsgsAck>(&m.body).expect("ack");
                    self.acked.extend(ack.msg_ids);
                }
            }
            self.up.push_back(frame);
        }
    }

    fn server_recv(&mut self) {
        if let Some(frame) = self.up.pop_front() {
            let _ = self.p.server.handle_input(&frame, self.p.now);
            self.pending.extend(self.p.server_requests());
        }
    }

    fn server_answer(&mut self, k: usize) {
        if self.pending.is_empty() {
            return;
        }
        let (msg_id, body) = self.pending.remove(k % self.pending.len());
        assert_eq!(
            u32::from_le_bytes(body[..4].try_into().expect("4 bytes")),
            QUERY_ID
        );
        let i = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes"));
        // False when the query belongs to a session the client left: the
        // server does not answer it there.
        let _sent = match answer(i) {
            Answer::Small(b) | Answer::Big(b) => self.p.server.respond(msg_id, b),
            Answer::Error(code, msg) => self.p.server.respond_error(msg_id, code, &msg),
        };
    }

    fn client_recv(&mut self) {
        let Some(frame) = self.down.pop_front() else {
            return;
        };
        let (_, _, msgs) = messages_of(&frame, Direction::ServerToClient);
        let content: Vec<i64> = msgs
            .iter()
            .filter(|m| m.seq_no & 1 == 1)
            .map(|m| m.msg_id)
            .collect();
        let accepted = self.p.client.handle_input(&frame, self.p.now).is_ok();
        if accepted {
            self.must_ack.extend(content);
        }
        self.last_down = Some((frame, accepted));
        self.drain_events();
    }

    /// A resolution must be the first for its query and match the answer.
    fn check_event(&mut self, e: Event) {
        let request = match &e {
            Event::Result { request, .. }
            | Event::RpcError { request, .. }
            | Event::Failed { request, .. } => *request,
            _ => return,
        };
        let i = *self.pushed.get(&request).expect("a pushed query");
        assert!(
            self.resolved.insert(request),
            "query {i} resolved twice: {e:?}"
        );
        match (e, answer(i)) {
            (Event::Result { body, .. }, Answer::Small(b) | Answer::Big(b)) => assert_eq!(body, b),
            (Event::RpcError { code, message, .. }, Answer::Error(c, m)) => {
                assert_eq!((code, message), (c, m))
            }
            (
                Event::Failed {
                    error: Error::BadMsg { code: 35 } | Error::TooManyResends { .. },
                    ..
                },
                _,
            ) => {}
            (e, _) => panic!("query {i}: unexpected {e:?}"),
        }
    }

    /// Heals the network and pumps until every query is resolved.
    fn drain(&mut self) {
        for _ in 0..40 {
            for _ in 0..100 {
                self.client_send();
                let mut progress = !self.up.is_empty();
                while !self.up.is_empty() {
                    self.server_recv();
                }
                while !self.pending.is_empty() {
                    self.server_answer(0);
                }
                self.apply(&Op::ServerSend);
                progress |= !self.down.is_empty();
                while !self.down.is_empty() {
                    self.client_recv();
                }
                if !progress {
                    break;
                }
            }
            if self.resolved.len() == self.pushed.len() {
                break;
            }
            // Stalled (answers lost or refused as stale): reconnect, as the
            // sender does on a ping timeout.
            self.reconnect();
            self.p.advance(Duration::from_secs(1));
        }
        // Let the ack delay pass so the last acks go out.
        self.p.advance(Duration::from_secs(2));
        self.client_send();
    }

    fn check_final(&self) {
        for (id, i) in &self.pushed {
            assert!(
                self.resolved.contains(id),
                "query {i} ({id:?}) was never resolved"
            );
        }
        let missing: Vec<_> = self.must_ack.difference(&self.acked).collect();
        assert!(
            missing.is_empty(),
            "content messages never acked: {missing:?}"
        );
    }
}

proptest! {
    #[test]
    fn client_and_server_sessions_keep_their_invariants(ops in proptest::collection::vec(op(), 1..80)) {
        let mut m = Model::new();
        for op in &ops {
            m.apply(op);
        }
        m.drain();
        m.check_final();
    }
}
