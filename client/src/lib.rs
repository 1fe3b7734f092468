//! tg-takeout: an MTProto client and Telegram Takeout exporter.
//!
//! The layers, bottom up (see docs/architecture.md#layers): [`transport`]
//! framing codecs, [`auth`] key exchange, [`mtp`] encrypted session. The
//! protocol layers are sans-IO: they take bytes, time and randomness as
//! inputs, so the mock server runs the same code in the server role. They
//! live in the `tg-mtproto` crate (`client/proto/`) and are re-exported
//! here. The command line is the binary's (`src/main.rs`, `src/cli/`).

pub mod client;
pub mod dc;
pub mod export;
pub mod invoke;
mod locked;
pub mod net;
pub mod record;
pub mod rpc;
pub mod sender;
pub mod takeout;

pub use tg_mtproto::{auth, mtp, transport};

pub use client::{AppInfo, Client, ClientConfig, ClientError, ClientEvent};
pub use tl;
