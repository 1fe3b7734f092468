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
