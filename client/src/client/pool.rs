//! Several connections to one DC sharing its auth key, handed out in turn;
//! each remembers whether its first call (which carries `initConnection`)
//! went out.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::locked::lock;
use crate::net::Socks5Proxy;
use crate::rpc::InvocationError;
use crate::sender::{self, SenderConfig, SenderHandle, TcpConnector};

pub(crate) struct Pool {
    handles: Vec<SenderHandle>,
    /// Per connection: whether `initConnection` was sent on it.
    initialized: Mutex<Vec<bool>>,
    next: AtomicUsize,
    /// The key created while connecting, to store.
    pub(crate) created_key: Option<[u8; 256]>,
}

impl Pool {
    /// Opens `size` connections; the first creates the key if there is none.
    pub(crate) async fn connect(
        config: SenderConfig,
        addr: SocketAddr,
        proxy: Option<Socks5Proxy>,
        key: Option<[u8; 256]>,
        size: usize,
    ) -> Result<Self, InvocationError> {
        let connector = TcpConnector { addr, proxy };
        let first = sender::connect(config.clone(), connector.clone(), key).await?;
        let created_key = first.created_key.then_some(first.auth_key);
        let mut handles = vec![first.handle];
        for _ in 1..size {
            handles.push(
                sender::connect(config.clone(), connector.clone(), Some(first.auth_key))
                    .await?
                    .handle,
            );
        }
        let initialized = Mutex::new(vec![false; handles.len()]);
        Ok(Self {
            handles,
            initialized,
            next: AtomicUsize::new(0),
            created_key,
        })
    }

    /// The next connection, and whether this call must carry
    /// `initConnection` (its first).
    pub(crate) fn next(&self) -> (SenderHandle, bool) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        let mut init = lock(&self.initialized);
        let first = !init[i];
        init[i] = true;
        (self.handles[i].clone(), first)
    }

    /// The first call on `handle` failed: the next one carries
    /// `initConnection` again.
    pub(crate) fn reset_init(&self, handle: &SenderHandle) {
        if let Some(i) = self.handles.iter().position(|h| h.same_channel(handle)) {
            lock(&self.initialized)[i] = false;
        }
    }

    pub(crate) fn shutdown(&self) {
        for h in &self.handles {
            h.shutdown();
        }
    }
}

/// One download connection and whether its first call went out.
struct Lane {
    handle: SenderHandle,
    initialized: bool,
}

/// The download connections of one DC (issue: several connections per DC
/// for files): each a session of its own on the DC's auth key, opened when
/// first asked for and closed on request; separate from the [`Pool`] that
/// carries listing calls, so a big file never holds up a history page.
pub(crate) struct FilePool {
    config: SenderConfig,
    connector: TcpConnector,
    key: [u8; 256],
    /// Lane `i`, if open; each has its own lock so lanes connect in
    /// parallel.
    lanes: Vec<tokio::sync::Mutex<Option<Lane>>>,
}

impl FilePool {
    /// At most `size` connections on `key`; none is opened yet.
    pub(crate) fn new(
        config: SenderConfig,
        addr: SocketAddr,
        proxy: Option<Socks5Proxy>,
        key: [u8; 256],
        size: usize,
    ) -> Self {
        Self {
            config,
            connector: TcpConnector { addr, proxy },
            key,
            lanes: (0..size.max(1))
                .map(|_| tokio::sync::Mutex::new(None))
                .collect(),
        }
    }

    /// The auth key the lanes use.
    pub(crate) fn key(&self) -> &[u8; 256] {
        &self.key
    }

    /// Lane `lane` (modulo the size), opening it if needed, and whether
    /// this call must carry `initConnection`.
    pub(crate) async fn lane(&self, lane: usize) -> Result<(SenderHandle, bool), InvocationError> {
        let Some(slot) = self.lanes.get(lane % self.lanes.len()) else {
            return Err(InvocationError::Io("no download connection".into()));
        };
        let mut slot = slot.lock().await;
        if let Some(open) = slot.as_mut().filter(|l| !l.handle.is_closed()) {
            let first = !open.initialized;
            open.initialized = true;
            return Ok((open.handle.clone(), first));
        }
        let sender =
            sender::connect(self.config.clone(), self.connector.clone(), Some(self.key)).await?;
        *slot = Some(Lane {
            handle: sender.handle.clone(),
            initialized: true,
        });
        Ok((sender.handle, true))
    }

    /// The first call on `handle` failed: the next one carries
    /// `initConnection` again.
    pub(crate) async fn reset_init(&self, handle: &SenderHandle) {
        for slot in &self.lanes {
            if let Some(lane) = slot.lock().await.as_mut() {
                if lane.handle.same_channel(handle) {
                    lane.initialized = false;
                }
            }
        }
    }

    /// Closes the lanes from `from` on (they reopen if asked for again).
    pub(crate) async fn close_from(&self, from: usize) {
        for slot in self.lanes.iter().skip(from) {
            if let Some(lane) = slot.lock().await.take() {
                lane.handle.shutdown();
            }
        }
    }

    /// Closes every lane at once.
    pub(crate) fn shutdown(&self) {
        for slot in &self.lanes {
            if let Ok(mut lane) = slot.try_lock() {
                if let Some(lane) = lane.take() {
                    lane.handle.shutdown();
                }
            }
        }
    }
}

/// The first call of a connection (`invokeWithLayer(initConnection(..))`):
/// an answer that shows the server speaks another layer is
/// [`crate::rpc::InvocationError::Layer`] (`invoke/layer.rs`).
pub(crate) async fn first_call<R: tl::RemoteCall>(
    handle: &crate::sender::SenderHandle,
    request: &R,
) -> Result<R::Return, crate::rpc::InvocationError> {
    let bytes = tl::Serializable::to_bytes(request);
    let (body, result) = match handle.invoke_raw(bytes.clone()).await {
        Ok(body) => {
            let decoded = <R::Return as tl::Deserializable>::from_bytes(&body)
                .map_err(crate::rpc::InvocationError::from);
            (Some(body), decoded)
        }
        Err(e) => (None, Err(e)),
    };
    result.map_err(
        |e| match crate::invoke::layer::mismatch(&bytes, body.as_deref(), &e) {
            Some(layer) => crate::rpc::InvocationError::Layer(layer),
            None => e,
        },
    )
}
