//! Helpers shared by the end-to-end tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tg_mock_server::net::{Bound, Handler, ListenConfig, MockServer};
use tg_takeout::auth::{KeySet, test_server_key};
use tg_takeout::sender::{self, Sender, SenderConfig, TcpConnector};
use tg_takeout::transport::{Obfuscation, TransportConfig, TransportKind};

/// Every bound on waiting in these tests.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The hand-written fixture (`mock-server/fixtures/small`).
pub fn small_world() -> tg_mock_server::World {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mock-server/fixtures/small");
    tg_mock_server::fixture::load(std::path::Path::new(dir)).expect("the small fixture loads")
}

/// Starts the mock server's network side with `handler` on loopback.
pub async fn start<H: Handler>(
    config: ListenConfig,
    handler: impl FnOnce(Vec<(i32, SocketAddr)>) -> H,
) -> MockServer {
    let bound = Bound::bind(config).await.expect("bind loopback");
    let handler = Arc::new(handler(bound.addresses()));
    bound.serve(handler)
}

/// Client settings for the mock server's DC `dc`: its test RSA key, fast
/// reconnects.
pub fn client_config(dc: i32, kind: TransportKind, obfuscation: Obfuscation) -> SenderConfig {
    let mut config = SenderConfig::new(dc);
    config.keys = KeySet::empty().with(test_server_key().public_key().clone());
    config.transport = TransportConfig {
        kind,
        obfuscation,
        ..TransportConfig::new(kind)
    };
    config.connect_timeout = TIMEOUT;
    config.reconnect_backoff = Duration::from_millis(20);
    config
}

/// Connects a sender to `addr`.
pub async fn connect(config: SenderConfig, addr: SocketAddr, key: Option<[u8; 256]>) -> Sender {
    tokio::time::timeout(
        TIMEOUT,
        sender::connect(config, TcpConnector { addr, proxy: None }, key),
    )
    .await
    .expect("connect within the timeout")
    .expect("connect")
}
