//! The mock server's network side: a TCP listener per DC that detects the
//! client's transport from its first bytes, runs the server role of the key
//! exchange and of the encrypted session (the client's own `transport`,
//! `auth` and `mtp` modules, in the server role), and hands each request to
//! a [`Handler`] (the API services over the world).

mod conn;
pub mod faults;
mod handshake;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tg_mtproto::auth::PrivateKey;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use faults::{FaultRule, FaultScript, Faulty};

/// One request handed to the API layer.
#[derive(Debug)]
pub struct Request<'a> {
    /// The DC whose port the request came to.
    pub dc_id: i32,
    /// The id of the auth key it was encrypted with.
    pub auth_key_id: i64,
    /// The serialized TL query (wrappers included).
    pub body: &'a [u8],
    /// The server's clock, seconds since the epoch.
    pub now_unix: i32,
}

/// The API layer's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A serialized TL result.
    Result(Vec<u8>),
    /// An `rpc_error`.
    Error {
        /// 400, 401, 420...
        code: i32,
        /// `FLOOD_WAIT_3`...
        message: String,
    },
    /// Close the connection without answering (a scripted fault).
    Disconnect,
}

/// The API layer behind the network side.
pub trait Handler: Send + Sync + 'static {
    /// What the API keeps per auth key (login state); it survives
    /// reconnects of that key.
    type KeyState: Default + Send + 'static;

    /// Answers one request.
    fn handle(&self, request: Request<'_>, state: &mut Self::KeyState) -> Reply;
}

/// How the server listens.
#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// The address to bind (loopback by default).
    pub host: IpAddr,
    /// The DCs to serve, each with its port (0: any free port).
    pub dcs: Vec<(i32, u16)>,
    /// The server's RSA keys for the key exchange.
    pub rsa_keys: Vec<PrivateKey>,
    /// An MTProxy secret obfuscated2 clients must use, if any.
    pub mtproxy_secret: Option<[u8; 16]>,
    /// Seed of the server's randomness (nonces, salts, padding).
    pub seed: u64,
    /// Test only: auth keys that exist from the start, per DC (for clients
    /// that cannot use a custom RSA key).
    pub known_keys: Vec<(i32, [u8; 256])>,
    /// Seconds added to the server's clock (a scripted clock skew).
    pub clock_skew: i64,
}

impl Default for ListenConfig {
    /// DCs 1 to 5 on loopback with free ports, the repository's test key.
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dcs: (1..=5).map(|dc| (dc, 0)).collect(),
            rsa_keys: vec![tg_mtproto::auth::test_server_key()],
            mtproxy_secret: None,
            seed: 1,
            known_keys: Vec::new(),
            clock_skew: 0,
        }
    }
}

/// An auth key the server knows, with the API's state for it.
pub(crate) struct KeyEntry<S> {
    pub(crate) key: [u8; 256],
    pub(crate) salt: i64,
    pub(crate) state: S,
}

/// What every connection of one DC shares.
pub(crate) struct DcShared<H: Handler> {
    pub(crate) dc_id: i32,
    pub(crate) keys: Mutex<HashMap<i64, KeyEntry<H::KeyState>>>,
    pub(crate) config: Arc<ListenConfig>,
    pub(crate) handler: Arc<H>,
}

/// Listeners bound but not serving yet: their addresses are known, so the
/// API layer can advertise them (`help.getConfig`) before serving starts.
pub struct Bound {
    config: Arc<ListenConfig>,
    listeners: Vec<(i32, TcpListener)>,
}

impl Bound {
    /// Binds one listener per DC.
    pub async fn bind(config: ListenConfig) -> io::Result<Self> {
        let mut listeners = Vec::new();
        for &(dc, port) in &config.dcs {
            listeners.push((dc, TcpListener::bind((config.host, port)).await?));
        }
        Ok(Self {
            config: Arc::new(config),
            listeners,
        })
    }

    /// The address of every DC.
    pub fn addresses(&self) -> Vec<(i32, SocketAddr)> {
        self.listeners
            .iter()
            .filter_map(|(dc, l)| l.local_addr().ok().map(|a| (*dc, a)))
            .collect()
    }

    /// Starts serving with `handler`.
    pub fn serve<H: Handler>(self, handler: Arc<H>) -> MockServer {
        let addresses = self.addresses();
        let mut tasks = JoinSet::new();
        for (dc_id, listener) in self.listeners {
            let mut keys = HashMap::new();
            for (i, (dc, key)) in self.config.known_keys.iter().enumerate() {
                if *dc == dc_id {
                    let id = tg_mtproto::auth::dh::auth_key_id(key);
                    keys.insert(
                        id,
                        KeyEntry {
                            key: *key,
                            salt: i as i64 + 1,
                            state: H::KeyState::default(),
                        },
                    );
                }
            }
            let shared = Arc::new(DcShared {
                dc_id,
                keys: Mutex::new(keys),
                config: self.config.clone(),
                handler: handler.clone(),
            });
            tasks.spawn(accept_loop(listener, shared));
        }
        MockServer { addresses, tasks }
    }
}

async fn accept_loop<H: Handler>(listener: TcpListener, shared: Arc<DcShared<H>>) {
    let mut conns = JoinSet::new();
    let mut next = 0u64;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                next += 1;
                let _ = stream.set_nodelay(true);
                tracing::debug!(dc = shared.dc_id, %peer, "connection {next}");
                conns.spawn(conn::serve(stream, shared.clone(), next));
            }
            Err(e) => tracing::warn!(dc = shared.dc_id, "accept failed: {e}"),
        }
        // Reap finished connections so the set stays small.
        while conns.try_join_next().is_some() {}
    }
}

/// A running mock server. Dropping it stops every listener and connection.
pub struct MockServer {
    addresses: Vec<(i32, SocketAddr)>,
    tasks: JoinSet<()>,
}

impl MockServer {
    /// The address of DC `dc_id`.
    pub fn address(&self, dc_id: i32) -> Option<SocketAddr> {
        self.addresses
            .iter()
            .find(|(dc, _)| *dc == dc_id)
            .map(|(_, a)| *a)
    }

    /// The address of every DC.
    pub fn addresses(&self) -> &[(i32, SocketAddr)] {
        &self.addresses
    }

    /// Stops serving.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}
