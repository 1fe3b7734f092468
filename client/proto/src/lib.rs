//! Sans-IO MTProto: the [`transport`] framing codecs, the [`auth`] key
//! exchange and the [`mtp`] encrypted session, each usable in the client
//! and the server role. They take bytes, time and randomness as inputs and
//! never do IO, so the client (`tg-takeout`, which re-exports them) and the
//! mock server (`tg-mock-server`) run the same code against each other.
//!
//! This crate exists so that the mock server can use these layers without
//! depending on the whole client, and the client's `demo` command can embed
//! the mock server.

pub mod auth;
pub mod mtp;
pub mod random;
pub mod transport;

pub use random::{Random, SeededRandom};
