//! Session tests: a client and a server [`Session`] wired in memory.
//!
//! `scenarios` walks through each service-message flow, `hostile` feeds the
//! client forged and broken frames, `model` is the model-based property
//! test (firezone style: random operations, invariants checked throughout).

mod hostile;
mod model;
mod scenarios;

use std::time::{Duration, Instant};

use super::envelope::{self, Direction, Opened};
use super::wire::{MSG_CONTAINER_ID, Message, constructor_of};
use super::{Config, Error, Event, MsgId, Now, Random, SeededRandom, Session, container};

/// The server's salt in every test.
pub(super) const SALT: i64 = 0x0102_0304_0506_0708;
/// The client's session id in every test.
pub(super) const SESSION: i64 = 0x7777_0000_1111_2222;
/// A fake constructor id for test queries (not a service message).
pub(super) const QUERY_ID: u32 = 0x1234_5678;

pub(super) fn key() -> [u8; 256] {
    let mut k = [0u8; 256];
    SeededRandom::new(99).fill(&mut k);
    k
}

pub(super) fn start() -> Now {
    Now {
        mono: Instant::now(),
        unix: Duration::from_secs(1_700_000_000),
    }
}

/// A test query body: the fake constructor, an index, `pad` zero bytes.
pub(super) fn query(index: u32, pad: usize) -> Vec<u8> {
    let mut b = QUERY_ID.to_le_bytes().to_vec();
    b.extend_from_slice(&index.to_le_bytes());
    b.resize(8 + pad.next_multiple_of(4), 0);
    b
}

/// A client and a server session sharing a key, with one clock.
pub(super) struct Pair {
    pub now: Now,
    pub client: Session,
    pub server: Session,
    pub crng: SeededRandom,
    pub srng: SeededRandom,
}

impl Pair {
    pub fn new(client_salt: i64, config: Config) -> Self {
        Self {
            now: start(),
            client: Session::client(key(), SESSION, client_salt, 0, true, config.clone()),
            server: Session::server(key(), SALT, config),
            crng: SeededRandom::new(1),
            srng: SeededRandom::new(2),
        }
    }

    /// A pair with pings and salt requests off, so exchanges are minimal.
    pub fn quiet() -> Self {
        Self::new(
            SALT,
            Config {
                ping_interval: None,
                future_salts: false,
                ..Config::default()
            },
        )
    }

    pub fn advance(&mut self, by: Duration) {
        self.now = self.now.advance(by);
    }

    pub fn client_frames(&mut self) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.client.poll_transmit(self.now, &mut self.crng)).collect()
    }

    pub fn server_frames(&mut self) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.server.poll_transmit(self.now, &mut self.srng)).collect()
    }

    pub fn deliver_up(&mut self, frames: &[Vec<u8>]) -> Vec<Result<(), Error>> {
        frames
            .iter()
            .map(|f| self.server.handle_input(f, self.now))
            .collect()
    }

    pub fn deliver_down(&mut self, frames: &[Vec<u8>]) -> Vec<Result<(), Error>> {
        frames
            .iter()
            .map(|f| self.client.handle_input(f, self.now))
            .collect()
    }

    pub fn client_events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    /// The queries the server received.
    pub fn server_requests(&mut self) -> Vec<(MsgId, Vec<u8>)> {
        std::iter::from_fn(|| self.server.poll_event())
            .filter_map(|e| match e {
                Event::Request { msg_id, body } => Some((msg_id, body)),
                _ => None,
            })
            .collect()
    }

    /// Client frames to the server; returns the queries it received.
    pub fn send_up(&mut self) -> Vec<(MsgId, Vec<u8>)> {
        let frames = self.client_frames();
        self.deliver_up(&frames);
        self.server_requests()
    }

    /// Server frames to the client; returns the client's events.
    pub fn send_down(&mut self) -> Vec<Event> {
        let frames = self.server_frames();
        self.deliver_down(&frames);
        self.client_events()
    }
}

/// Every message in a frame: `(session_id, salt, messages)`, containers
/// flattened with the container itself last, as it was numbered.
pub(super) fn messages_of(frame: &[u8], dir: Direction) -> (i64, i64, Vec<Message>) {
    let k = envelope::AuthKey::new(key());
    let Opened {
        salt,
        session_id,
        msg_id,
        seq_no,
        body,
    } = envelope::open(&k, dir, frame).expect("own frames open");
    let mut out = Vec::new();
    if constructor_of(&body) == Ok(MSG_CONTAINER_ID) {
        out.extend(container::unpack(msg_id, &body).expect("own containers unpack"));
    }
    out.push(Message {
        msg_id,
        seq_no,
        body,
    });
    (session_id, salt, out)
}
