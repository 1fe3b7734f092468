//! The only network IO of a connection: one task per connection, generic
//! over the stream, with a cheap cloneable [`SenderHandle`].
//!
//! [`connect`] opens the connection (creating an auth key if there is none),
//! then spawns the `runner` task: it reads frames into the sans-IO
//! [`mtp::Session`], writes what the session wants
//! sent, fires its timers (acks, pings, salts) and resolves requests. Many
//! requests are in flight at once. When the connection drops it reconnects
//! and resends every unanswered request.

pub mod clock;
mod handle;
pub mod handshake;
mod runner;
#[cfg(test)]
mod tests;
mod updates;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

pub use handle::SenderHandle;
pub use updates::LoginTokenSignal;

use crate::auth::KeySet;
use crate::mtp::{self, Random as _, Session};
use crate::net::Socks5Proxy;
use crate::rpc::InvocationError;
use crate::transport::TransportConfig;
use runner::{Conn, Runner};

/// Opens a new stream to the server; called at start and on reconnects.
pub trait Connector: Send + 'static {
    /// The stream type (a TCP stream, a duplex pipe in tests...).
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// Opens a stream.
    fn connect(&mut self) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

/// TCP to an address, directly or through a SOCKS5 proxy.
#[derive(Clone, Debug)]
pub struct TcpConnector {
    /// The server.
    pub addr: SocketAddr,
    /// The proxy to go through, if any.
    pub proxy: Option<Socks5Proxy>,
}

impl Connector for TcpConnector {
    type Stream = tokio::net::TcpStream;

    async fn connect(&mut self) -> io::Result<Self::Stream> {
        let stream = match &self.proxy {
            Some(p) => p.connect(self.addr).await?,
            None => tokio::net::TcpStream::connect(self.addr).await?,
        };
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// How a connection is made and kept.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// The DC's number (in the obfuscation header and the key exchange).
    pub dc_id: i32,
    /// Telegram's test servers: the key exchange names DC `dc_id + 10000`.
    pub test_servers: bool,
    /// Framing and obfuscation.
    pub transport: TransportConfig,
    /// The server keys accepted in the key exchange.
    pub keys: KeySet,
    /// Session settings (pings, compression, acks).
    pub mtp: mtp::Config,
    /// Time allowed to open a connection and to create a key.
    pub connect_timeout: Duration,
    /// Reconnect attempts before pending requests fail.
    pub reconnect_attempts: u32,
    /// First delay between reconnect attempts (doubles each time).
    pub reconnect_backoff: Duration,
    /// Gets every request with its answer (`--record`).
    pub recorder: Option<crate::record::Recorder>,
    /// Counts the `updateLoginToken`s the server pushes (QR login).
    pub login_token: Option<LoginTokenSignal>,
}

impl SenderConfig {
    /// Defaults for `dc_id` with Telegram's keys.
    pub fn new(dc_id: i32) -> Self {
        Self {
            dc_id,
            test_servers: false,
            transport: TransportConfig::default(),
            keys: KeySet::telegram(),
            mtp: mtp::Config::default(),
            connect_timeout: Duration::from_secs(15),
            reconnect_attempts: 5,
            reconnect_backoff: Duration::from_millis(300),
            recorder: None,
            login_token: None,
        }
    }
}

/// A connected sender.
#[derive(Debug)]
pub struct Sender {
    /// The handle to make requests with.
    pub handle: SenderHandle,
    /// The auth key in use (stored, or created by [`connect`]).
    pub auth_key: [u8; 256],
    /// Whether [`connect`] created the key (the caller should store it).
    pub created_key: bool,
}

/// The DC number a connection names (the obfuscated2 header an MTProxy
/// routes by, and the key exchange): on Telegram's test servers
/// `10000 + id` (negative stays negative, for media DCs).
fn wire_dc(dc_id: i32, test_servers: bool) -> i32 {
    match (test_servers, dc_id) {
        (false, _) => dc_id,
        (true, id) if id < 0 => id - 10_000,
        (true, id) => id + 10_000,
    }
}

async fn open<C: Connector>(
    config: &SenderConfig,
    connector: &mut C,
) -> Result<Conn<C::Stream>, InvocationError> {
    let stream = tokio::time::timeout(config.connect_timeout, connector.connect())
        .await
        .map_err(|_| {
            InvocationError::Io(format!("no connection within {:?}", config.connect_timeout))
        })??;
    let dc = i16::try_from(wire_dc(config.dc_id, config.test_servers)).unwrap_or(0);
    let unix_now = u32::try_from(clock::now().unix.as_secs()).unwrap_or(u32::MAX);
    let codec = config
        .transport
        .client_codec(dc, clock::transport_random(), unix_now)?;
    Ok(Conn {
        stream,
        codec,
        rbuf: BytesMut::with_capacity(runner::READ_BUFFER),
        wbuf: BytesMut::new(),
    })
}

/// Connects to DC `config.dc_id`, creating an auth key when `auth_key` is
/// `None`, and spawns the connection's task.
pub async fn connect<C: Connector>(
    config: SenderConfig,
    mut connector: C,
    auth_key: Option<[u8; 256]>,
) -> Result<Sender, InvocationError> {
    let mut conn = open(&config, &mut connector).await?;
    let mut rng = clock::OsRandom::new();
    let (key, salt, offset, created) = match auth_key {
        Some(key) => (key, 0, 0, false),
        None => {
            let dc = wire_dc(config.dc_id, config.test_servers);
            let exchange = handshake::create_auth_key(
                &mut conn.stream,
                &mut conn.codec,
                &mut conn.rbuf,
                &config.keys,
                dc,
                &mut rng,
            );
            let done = tokio::time::timeout(config.connect_timeout, exchange)
                .await
                .map_err(|_| {
                    InvocationError::Authentication("the key exchange timed out".into())
                })??;
            tracing::debug!(
                dc = config.dc_id,
                key_id = done.auth_key_id(),
                "created an auth key"
            );
            (done.auth_key, done.first_salt, done.time_offset, true)
        }
    };
    let session = Session::client(
        key,
        rng.next_i64(),
        salt,
        offset,
        created,
        config.mtp.clone(),
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = Runner::new(config, connector, rx, session);
    tokio::spawn(runner.run(conn));
    Ok(Sender {
        handle: SenderHandle { tx },
        auth_key: key,
        created_key: created,
    })
}

#[cfg(test)]
mod wire_dc_tests {
    use super::wire_dc;

    #[test]
    fn test_servers_are_named_10000_plus_their_number() {
        assert_eq!(wire_dc(2, false), 2);
        assert_eq!(wire_dc(2, true), 10_002);
        assert_eq!(wire_dc(-4, true), -10_004);
        assert_eq!(wire_dc(-4, false), -4);
    }
}
