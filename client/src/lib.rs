//! tg-takeout: an MTProto client and Telegram Takeout exporter.
//!
//! The layers, bottom up (see DESIGN.md): [`transport`] framing codecs,
//! [`auth`] key exchange, [`mtp`] encrypted session. The protocol layers are
//! sans-IO: they take bytes, time and randomness as inputs, so the mock
//! server runs the same code in the server role.
#![deny(unsafe_code)]

pub mod auth;
pub mod client;
pub mod dc;
pub mod invoke;
pub mod mtp;
pub mod net;
pub mod rpc;
pub mod sender;
pub mod transport;

pub use client::{AppInfo, Client, ClientConfig, ClientError, ClientEvent};
pub use tl;
