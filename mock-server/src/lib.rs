//! A Telegram server for tests and demos: the account "world", its fixtures
//! and generator, and the API services the takeout export uses, all pure
//! (no sockets, no clocks). The network side wraps [`Dispatcher`].
#![warn(missing_docs)]

pub mod anonymize;
pub mod blobs;
pub mod control;
pub mod dispatch;
pub mod fixture;
pub mod generate;
pub mod import;
pub mod jsonl;
pub mod net;
pub mod replay;
pub mod rng;
pub mod server;
pub mod services;
pub mod stats;
pub mod synth;
pub mod world;

pub use dispatch::{AuthState, DcAddr, Dispatcher, RequestCtx, ServerConfig};
pub use fixture::FixtureError;
pub use generate::{GenerateConfig, GrowConfig, generate, grow};
pub use net::Reply;
pub use server::{Api, Running, StartError, start};
pub use services::RpcError;
pub use world::{World, WorldError};

/// The bundled demo fixture's `world.json` (files are synthesized from its
/// seed, so the demo needs nothing on disk).
pub const DEMO_WORLD: &str = include_str!("../fixtures/demo/world.json");

/// The bundled demo world.
pub fn demo_world() -> Result<World, FixtureError> {
    fixture::parse(
        DEMO_WORLD,
        std::path::Path::new("mock-server/fixtures/demo/world.json"),
    )
}
