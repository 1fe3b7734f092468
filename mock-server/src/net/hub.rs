//! What reaches across connections: messages the server pushes unasked to
//! every connection of an auth key (an `updateLoginToken` after a QR scan),
//! auth keys forgotten on demand (the control plane's `/forget-key`), and
//! the DC numbers the obfuscated2 headers of accepted connections named.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

/// A message for every connection of the auth key a request came with,
/// sent `after` the request (an update: nothing answers it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Push {
    /// How long after the request it goes out.
    pub after: Duration,
    /// The serialized TL object (an `Updates`).
    pub body: Vec<u8>,
}

/// Per connection number: the auth key it uses and the channel its task
/// takes pushed messages from.
type ByConn = HashMap<u64, (i64, mpsc::UnboundedSender<Vec<u8>>)>;

/// The live connections of one DC.
#[derive(Default)]
pub(crate) struct Conns {
    by_conn: Mutex<ByConn>,
}

impl Conns {
    /// Connection `conn` uses auth key `key_id` from now on.
    pub(crate) fn register(&self, conn: u64, key_id: i64, tx: mpsc::UnboundedSender<Vec<u8>>) {
        self.lock().insert(conn, (key_id, tx));
    }

    /// Connection `conn` is gone.
    pub(crate) fn remove(&self, conn: u64) {
        self.lock().remove(&conn);
    }

    /// Sends `body` to every connection using `key_id`; how many took it.
    pub(crate) fn push(&self, key_id: i64, body: &[u8]) -> usize {
        self.lock()
            .values()
            .filter(|(key, tx)| *key == key_id && tx.send(body.to_vec()).is_ok())
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ByConn> {
        self.by_conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One DC's auth keys, as the control plane sees them.
pub(crate) trait DcKeys: Send + Sync {
    /// Forgets every auth key of the DC; how many there were.
    fn forget_keys(&self) -> usize;
}

#[derive(Default)]
struct HubInner {
    dcs: Mutex<Vec<(i32, Weak<dyn DcKeys>)>>,
    header_dcs: Mutex<BTreeMap<i16, u64>>,
}

/// A handle on the network side of a running server (cheap to clone):
/// forgets auth keys, tells which DC numbers the obfuscated2 headers named.
#[derive(Clone, Default)]
pub struct NetHandle {
    inner: Arc<HubInner>,
}

impl std::fmt::Debug for NetHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetHandle")
            .field("header_dcs", &self.header_dcs())
            .finish_non_exhaustive()
    }
}

impl NetHandle {
    pub(crate) fn add_dc(&self, dc: i32, keys: Weak<dyn DcKeys>) {
        self.inner
            .dcs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((dc, keys));
    }

    /// Forgets every auth key of DC `dc`: the next request with one of them
    /// gets transport error `-404` (as Telegram answers a key it does not
    /// know) and its connection is closed. How many keys there were; an
    /// error when the server does not serve `dc`.
    pub fn forget_keys(&self, dc: i32) -> Result<usize, String> {
        let found: Vec<Arc<dyn DcKeys>> = self
            .inner
            .dcs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(id, _)| *id == dc)
            .filter_map(|(_, keys)| keys.upgrade())
            .collect();
        if found.is_empty() {
            return Err(format!("this server does not serve DC {dc}"));
        }
        Ok(found.iter().map(|keys| keys.forget_keys()).sum())
    }

    /// How many accepted obfuscated2 (or fake-TLS) connections named each
    /// DC number in their header (`10000 + dc` for Telegram's test servers,
    /// negative for media DCs).
    pub fn header_dcs(&self) -> BTreeMap<i16, u64> {
        self.inner
            .header_dcs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn saw_header_dc(&self, dc: i16) {
        *self
            .inner
            .header_dcs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(dc)
            .or_default() += 1;
    }
}
