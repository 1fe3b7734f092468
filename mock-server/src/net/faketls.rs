//! The proxy's side of MTProxy fake-TLS (`ee` secrets): read the
//! ClientHello record, check its digest, time and domain, refuse replays,
//! answer with the three-record ServerHello, then serve obfuscated2 inside
//! TLS records ([`tg_mtproto::transport::FakeTls`]).
//!
//! A client that fails the checks gets what a real proxy gives an unknown
//! client, which it forwards to the real site: here, the connection closes
//! without an MTProto answer.

use std::collections::{HashSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, BytesMut};
use tg_mtproto::mtp::SeededRandom;
use tg_mtproto::transport::faketls_hello::{self, HELLO_LEN};
use tg_mtproto::transport::{Codec, FakeTls, Random};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::ListenConfig;

/// How many hello digests a DC remembers to refuse replays (the most
/// recent; the time window bounds how old a replay can be anyway).
const SEEN_HELLOS: usize = 65_536;

/// The digests of the hellos accepted lately, oldest first.
#[derive(Default)]
pub(crate) struct SeenHellos {
    set: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
}

impl SeenHellos {
    /// Records `digest`; `false` if it was seen before (a replay).
    pub(crate) fn insert(&mut self, digest: [u8; 32]) -> bool {
        if !self.set.insert(digest) {
            return false;
        }
        self.order.push_back(digest);
        if self.order.len() > SEEN_HELLOS {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// The secret key and domain of a listener that takes fake-TLS clients.
pub(crate) fn fake_tls_of(config: &ListenConfig) -> Option<([u8; 16], &[u8])> {
    Some((config.mtproxy_secret?, config.fake_tls_domain.as_deref()?))
}

/// The handshake on a connection whose first bytes (in `rbuf`) are a TLS
/// ClientHello: reads the whole record (by `deadline`), checks it, answers
/// it and returns the record-layer codec. `Err` closes the connection.
pub(crate) async fn accept(
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    config: &ListenConfig,
    seen: &std::sync::Mutex<SeenHellos>,
    seed: u64,
    deadline: Instant,
) -> Result<Codec, String> {
    let Some((key, domain)) = fake_tls_of(config) else {
        return Err("a TLS ClientHello, and no fake-TLS secret is set".into());
    };
    while rbuf.len() < HELLO_LEN {
        let read = tokio::time::timeout_at(deadline, stream.read_buf(rbuf))
            .await
            .map_err(|_| "no whole ClientHello within the frame timeout".to_owned())?;
        if read.map_err(|e| e.to_string())? == 0 {
            return Err("closed in the middle of the ClientHello".into());
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let skewed = now.saturating_add_signed(config.clock_skew);
    let now = u32::try_from(skewed).unwrap_or(u32::MAX);
    let info = faketls_hello::check_client_hello(&rbuf[..HELLO_LEN], &key, now)
        .map_err(|e| format!("fake-TLS: {e}"))?;
    if info.server_name.as_deref() != Some(domain) {
        return Err("fake-TLS: the ClientHello names another domain".into());
    }
    let fresh = seen
        .lock()
        .map_err(|_| "the replay cache is poisoned".to_owned())?
        .insert(info.digest);
    if !fresh {
        return Err("fake-TLS: a replayed ClientHello".into());
    }
    rbuf.advance(HELLO_LEN);
    let mut random = SeededRandom::new(seed ^ 0x746c_7321);
    // About a certificate chain's worth of random "encrypted" bytes, as
    // real proxies send.
    let mut len = [0u8; 2];
    random.fill(&mut len);
    let app_len = 1024 + u16::from_le_bytes(len) % 3072;
    let answer = faketls_hello::server_hello(&key, &info, app_len, &mut random);
    stream.write_all(&answer).await.map_err(|e| e.to_string())?;
    let random: Box<dyn Random> = Box::new(random);
    Ok(Codec::FakeTls(Box::new(FakeTls::server(key, random))))
}
