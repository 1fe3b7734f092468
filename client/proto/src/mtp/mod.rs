//! The sans-IO MTProto 2.0 session, for the client and the server role.
//!
//! [`Session`] turns requests into encrypted frames and frames into
//! [`Event`]s. It never does IO, never reads a clock and never draws OS
//! randomness: the caller passes [`Now`] and a [`Random`] in (docs/architecture.md#sans-io).
//! The same code runs the mock server's side of a connection with
//! [`Role::Server`], so the two roles test each other.
//!
//! References: <https://core.telegram.org/mtproto/description>,
//! <https://core.telegram.org/mtproto/service_messages>,
//! <https://core.telegram.org/mtproto/service_messages_about_messages>,
//! <https://core.telegram.org/mtproto/security_guidelines>.
//!
//! # Driving a session (the sender's loop)
//!
//! ```text
//! client:  let id = session.push(body);                 // queue a query
//!          while let Some(frame) = session.poll_transmit(now, rng) { write(frame) }
//!          on frame read:  session.handle_input(&frame, now)   (Err: log; close
//!                          the connection if err.is_security())
//!          on timer:       session.handle_timeout(now)  // at session.poll_timeout()
//!          after each of the above: drain session.poll_event() and call
//!          poll_transmit again (acks, resends and pings are queued inside).
//!          on reconnect:   session.on_reconnect()       // unanswered queries are
//!                          resent with new msg_ids on the next poll_transmit
//! server:  session.handle_input(&frame, now)  ->  Event::Request { msg_id, body }
//!          session.respond(msg_id, answer) / session.respond_error(msg_id, 420, "FLOOD_WAIT_3")
//!          then poll_transmit as above.
//! ```
//!
//! A query is identified by its [`RequestId`] from [`Session::push`], which
//! stays the same however many times it is resent (each resend has a new
//! msg_id; an answer to any of them resolves it, and only once).
//!
//! | file | concern |
//! |---|---|
//! | `clock.rs` | [`Now`], [`Random`], [`SeededRandom`] |
//! | `error.rs` | [`Error`]: one variant per check |
//! | `envelope.rs` | AES-IGE encryption both ways, msg_key, length/padding checks |
//! | `msg_id.rs`, `seq.rs` | message ids and sequence numbers, the replay window |
//! | `salts.rs`, `acks.rs` | server salts, pending acknowledgements |
//! | `wire.rs`, `container.rs`, `gzip.rs` | hand-written envelope TL |
//! | `plain.rs` | unencrypted messages of the key exchange |
//! | `session.rs` | the [`Session`] state, [`Config`], timers, reconnect |
//! | `outbox.rs`, `transmit.rs` | query tracking across resends, building frames |
//! | `inbound.rs` | checks on every received message, dispatch |
//! | `on_client.rs`, `on_server.rs` | one handler per service message; the server's answering API |
//! | `service.rs` | boxed service objects from the generated bare structs |
//! | `tests.rs`, `tests/` | client and server wired in memory: scenarios, hostile input, the model test |

pub mod acks;
pub mod clock;
pub mod container;
pub mod envelope;
mod error;
pub mod gzip;
mod inbound;
pub mod msg_id;
mod on_client;
mod on_server;
mod outbox;
pub mod plain;
pub mod salts;
pub mod seq;
mod service;
mod session;
mod transmit;
pub mod wire;

#[cfg(test)]
mod tests;

pub use clock::{Now, Random, SeededRandom};
pub use envelope::AuthKey;
pub use error::Error;
pub use msg_id::MsgId;
pub use salts::Salt;
pub use session::{Config, Session};

/// Which end of the connection a session plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends queries; client msg_ids (≡ 0 mod 4); encrypts with x = 0.
    Client,
    /// Answers them; server msg_ids (odd); encrypts with x = 8.
    Server,
}

/// A query pushed into a client session, stable across resends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Something the session learned from the peer.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Client: the answer to a query (`gzip_packed` already inflated).
    Result {
        /// The query answered.
        request: RequestId,
        /// The serialized answer.
        body: Vec<u8>,
    },
    /// Client: the query failed with `rpc_error`.
    RpcError {
        /// The query answered.
        request: RequestId,
        /// `error_code` (400, 420, ...).
        code: i32,
        /// `error_message` (`FLOOD_WAIT_3`, ...).
        message: String,
    },
    /// Client: the query will not be answered: its answer did not decode, the
    /// server refused it for good, or it was resent too often.
    Failed {
        /// The query.
        request: RequestId,
        /// Why.
        error: Error,
    },
    /// Client: a message that is neither a service message nor an answer
    /// (updates); already acknowledged. The client may ignore it.
    Update {
        /// The serialized object.
        body: Vec<u8>,
    },
    /// Client: the server created a new session for us; updates sent in the
    /// gap may be lost. Queries it forgot are resent automatically.
    NewSession {
        /// The first of our msg_ids the new session saw.
        first_msg_id: i64,
        /// Changes every time the server (re)creates the session.
        unique_id: i64,
    },
    /// Client: a ping went unanswered for a whole ping interval; the sender
    /// should drop the connection and reconnect.
    PingTimeout,
    /// Server: a query from the client (`gzip_packed` already inflated).
    /// Answer with [`Session::respond`] or [`Session::respond_error`].
    Request {
        /// The query's msg_id, to answer with.
        msg_id: MsgId,
        /// The serialized query.
        body: Vec<u8>,
    },
}
