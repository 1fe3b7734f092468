//! The mock server's network side: a TCP listener per DC that detects the
//! client's transport from its first bytes, runs the server role of the key
//! exchange and of the encrypted session (the client's own `transport`,
//! `auth` and `mtp` modules, in the server role), and hands each request to
//! a [`Handler`] (the API services over the world).

mod conn;
mod faketls;
pub mod faults;
mod handshake;
mod hub;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use tg_mtproto::auth::PrivateKey;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use faults::{FaultOutcome, FaultRule, FaultScript, Faulty, RateLimit, ScriptError};
pub use hub::{NetHandle, Push};

/// One request handed to the API layer.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The DC whose port the request came to.
    pub dc_id: i32,
    /// The id of the auth key it was encrypted with.
    pub auth_key_id: i64,
    /// The connection it came on: numbered from 1 per DC listener, so a
    /// connection is `(dc_id, conn_id)`.
    pub conn_id: u64,
    /// The serialized TL query (wrappers included).
    pub body: &'a [u8],
    /// The server's clock, seconds since the epoch.
    pub now_unix: i32,
}

/// The API layer's answer: the dispatcher's (a result or an `rpc_error`),
/// or a scripted fault.
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
    /// Answer `bad_server_salt` about the request (with the right salt), as
    /// if its salt had been wrong: the client sends it again (a scripted
    /// fault).
    BadServerSalt,
    /// Send this answer, but close the connection after writing only the
    /// first half of the transport frame carrying it (a scripted fault).
    DisconnectMidFrame(Box<Reply>),
    /// Send this negative transport error code instead of an answer, then
    /// close the connection (a scripted fault: `-429`, `-444`...).
    TransportError(i32),
    /// Forget the auth key the request came with (on this DC), answer
    /// transport error `-404` and close the connection (a scripted fault).
    ForgetKey,
    /// Send an unrequested quick-ack word, then this answer (a scripted
    /// fault the client must skip).
    QuickAck(Box<Reply>),
    /// This answer, held back `delay` without holding up the connection's
    /// other requests and answers (a scripted fault).
    Delayed {
        /// How long.
        delay: std::time::Duration,
        /// The answer.
        reply: Box<Reply>,
    },
}

impl Reply {
    /// The bytes for `rpc_result.result`: the answer, or a serialized
    /// `rpc_error`; `None` for the scripted faults, which answer nothing of
    /// their own.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Self::Result(b) => Some(b.clone()),
            Self::Error { code, message } => {
                let e: tl::enums::RpcError = tl::types::RpcError {
                    error_code: *code,
                    error_message: message.clone(),
                }
                .into();
                Some(tl::Serializable::to_bytes(&e))
            }
            Self::Disconnect
            | Self::BadServerSalt
            | Self::DisconnectMidFrame(_)
            | Self::TransportError(_)
            | Self::ForgetKey
            | Self::QuickAck(_)
            | Self::Delayed { .. } => None,
        }
    }
}

impl From<Result<Vec<u8>, crate::RpcError>> for Reply {
    fn from(r: Result<Vec<u8>, crate::RpcError>) -> Self {
        match r {
            Ok(b) => Self::Result(b),
            Err(e) => Self::Error {
                code: e.code,
                message: e.message,
            },
        }
    }
}

/// What a connection does to everything it sends (scripted faults), asked
/// of the [`Handler`] before every step of every connection, so changes
/// apply at once. `Default` is nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnFaults {
    /// Every server message (answers, service messages, key exchange) is
    /// written this long after it was made, like a network's one-way delay.
    pub latency: std::time::Duration,
    /// The most bytes per second the connection writes.
    pub bandwidth: Option<u64>,
    /// Seconds added to the server's clock, on top of
    /// [`ListenConfig::clock_skew`].
    pub clock_skew: i64,
    /// Close the connection once it has sent this many rpc answers.
    pub drop_after_responses: Option<u32>,
}

/// The API layer behind the network side.
pub trait Handler: Send + Sync + 'static {
    /// What the API keeps per auth key (login state); it survives
    /// reconnects of that key.
    type KeyState: Default + Send + 'static;

    /// Answers one request.
    fn handle(&self, request: Request<'_>, state: &mut Self::KeyState) -> Reply;

    /// A scripted fault (an error, a disconnect, `bad_server_salt`, a rate
    /// limit) kept `request` from [`Handler::handle`], for the request log.
    /// `fault` is what the connection does instead. Does nothing by default.
    fn on_fault(&self, request: &Request<'_>, state: &mut Self::KeyState, fault: &Reply) {
        let _ = (request, state, fault);
    }

    /// What every connection does to what it sends, now. Nothing by default.
    fn connection_faults(&self) -> ConnFaults {
        ConnFaults::default()
    }

    /// The messages the last [`Handler::handle`] with `state` asked to push
    /// later to the connections of its auth key (an `updateLoginToken`
    /// when a QR code is scanned). None by default.
    fn take_pushes(&self, state: &mut Self::KeyState) -> Vec<Push> {
        let _ = state;
        Vec::new()
    }
}

/// [`ListenConfig::frame_timeout`] by default.
pub const DEFAULT_FRAME_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
/// [`ListenConfig::max_connections`] by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// [`ListenConfig::max_frame`] by default: 2 MiB, well above the largest
/// request a client sends (a 512 KiB file part, or a full container of
/// about 1 MiB).
pub const DEFAULT_MAX_FRAME: usize = 2 << 20;

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
    /// With `mtproxy_secret`: also take MTProxy fake-TLS clients (an `ee`
    /// secret) whose ClientHello names this domain.
    pub fake_tls_domain: Option<Vec<u8>>,
    /// Seed of the server's randomness (nonces, salts, padding).
    pub seed: u64,
    /// Test only: auth keys that exist from the start, per DC (for clients
    /// that cannot use a custom RSA key).
    pub known_keys: Vec<(i32, [u8; 256])>,
    /// Seconds added to the server's clock (a scripted clock skew).
    pub clock_skew: i64,
    /// A connection is closed when its first frame, or the rest of a frame
    /// it has begun, has not arrived within this time (idle connections
    /// between frames stay open).
    pub frame_timeout: std::time::Duration,
    /// The most connections one DC serves at once; the listener closes
    /// those beyond at once.
    pub max_connections: usize,
    /// The largest frame (payload bytes) a client may send; a length field
    /// above it closes the connection before any of the frame is read.
    pub max_frame: usize,
    /// Answers at least this large go out as `gzip_packed` when that is
    /// smaller (`None`: never); the client session's default, 512 bytes.
    pub compression_threshold: Option<usize>,
}

impl Default for ListenConfig {
    /// DCs 1 to 5 on loopback with free ports, the repository's test key.
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dcs: (1..=5).map(|dc| (dc, 0)).collect(),
            rsa_keys: vec![tg_mtproto::auth::test_server_key()],
            mtproxy_secret: None,
            fake_tls_domain: None,
            seed: 1,
            known_keys: Vec::new(),
            clock_skew: 0,
            frame_timeout: DEFAULT_FRAME_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_frame: DEFAULT_MAX_FRAME,
            compression_threshold: tg_mtproto::mtp::Config::default().compression_threshold,
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
    /// Fake-TLS hellos accepted lately (replays are refused).
    pub(crate) seen_hellos: Mutex<faketls::SeenHellos>,
    /// The live connections and their auth keys, for pushed messages.
    pub(crate) conns: hub::Conns,
    /// The server-wide handle (header DC numbers).
    pub(crate) hub: NetHandle,
}

impl<H: Handler> hub::DcKeys for DcShared<H> {
    fn forget_keys(&self) -> usize {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let n = keys.len();
        keys.clear();
        n
    }
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
        let hub = NetHandle::default();
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
                seen_hellos: Mutex::default(),
                conns: hub::Conns::default(),
                hub: hub.clone(),
            });
            let weak = Arc::downgrade(&shared);
            let weak: std::sync::Weak<dyn hub::DcKeys> = weak;
            hub.add_dc(dc_id, weak);
            tasks.spawn(accept_loop(listener, shared));
        }
        MockServer {
            addresses,
            tasks,
            hub,
        }
    }
}

async fn accept_loop<H: Handler>(listener: TcpListener, shared: Arc<DcShared<H>>) {
    let mut conns = JoinSet::new();
    let mut next = 0u64;
    let mut refused = 0u64;
    loop {
        let accepted = listener.accept().await;
        // Reap finished connections so the set counts live ones only.
        while conns.try_join_next().is_some() {}
        match accepted {
            Ok((stream, peer)) if conns.len() >= shared.config.max_connections => {
                refused += 1;
                if refused.is_power_of_two() {
                    tracing::warn!(
                        dc = shared.dc_id,
                        %peer,
                        "{} connections open: refused one ({refused} so far)",
                        conns.len()
                    );
                }
                drop(stream);
            }
            Ok((stream, peer)) => {
                next += 1;
                let _ = stream.set_nodelay(true);
                tracing::debug!(dc = shared.dc_id, %peer, "connection {next}");
                conns.spawn(conn::serve(stream, shared.clone(), next));
            }
            Err(e) => {
                // Out of file descriptors, typically: wait for some to close
                // instead of spinning.
                tracing::warn!(dc = shared.dc_id, "accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// A running mock server. Dropping it stops every listener and connection.
pub struct MockServer {
    addresses: Vec<(i32, SocketAddr)>,
    tasks: JoinSet<()>,
    hub: NetHandle,
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

    /// The handle on the network side: forget keys, header DC numbers.
    pub fn handle(&self) -> NetHandle {
        self.hub.clone()
    }

    /// Stops serving.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}
