//! The connection's task: transport detection, then the loop between the
//! socket halves, and the watch on stalled frames.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tg_mtproto::mtp::SeededRandom;
use tg_mtproto::transport::{self, Codec, Detect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::super::faketls;
use super::super::handshake::ServerHandshake;
use super::super::{ConnFaults, DcShared, Handler};
use super::{At, Conn, Out};

/// Serves one connection until it closes or breaks the protocol.
pub(crate) async fn serve<H: Handler>(mut stream: TcpStream, dc: Arc<DcShared<H>>, conn_no: u64) {
    let result = serve_inner(&mut stream, &dc, conn_no).await;
    dc.conns.remove(conn_no);
    if let Err(e) = result {
        tracing::debug!(dc = dc.dc_id, conn = conn_no, "connection closed: {e}");
    }
}

/// What woke a connection up.
enum Woke {
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    Timer,
    Pushed(Option<Vec<u8>>),
}

async fn serve_inner<H: Handler>(
    stream: &mut TcpStream,
    dc: &Arc<DcShared<H>>,
    conn_no: u64,
) -> Result<(), String> {
    let seed = dc.config.seed
        ^ (u64::try_from(dc.dc_id).unwrap_or(0) << 48)
        ^ conn_no.wrapping_mul(0x9e37_79b9);
    let opened = At::now();
    let mut rbuf = BytesMut::with_capacity(64 * 1024);
    let detected = loop {
        match transport::detect(&rbuf) {
            Detect::NeedMore => {
                let read = stream.read_buf(&mut rbuf);
                let read = tokio::time::timeout_at(opened + dc.config.frame_timeout, read)
                    .await
                    .map_err(|_| FrameWatch::TIMED_OUT)?;
                if read.map_err(|e| e.to_string())? == 0 {
                    return Err("closed before the first frame".into());
                }
            }
            Detect::Unknown => return Err("not an MTProto transport".into()),
            d => break d,
        }
    };
    let random: Box<dyn transport::Random> = Box::new(SeededRandom::new(seed ^ 0x7472_616e));
    let codec = if detected == Detect::FakeTls {
        let deadline = opened + dc.config.frame_timeout;
        let (config, seen) = (&dc.config, &dc.seen_hellos);
        faketls::accept(stream, &mut rbuf, config, seen, seed, deadline).await?
    } else {
        Codec::server(detected, dc.config.mtproxy_secret, random).map_err(|e| e.to_string())?
    }
    .with_max_frame(dc.config.max_frame);
    let mut watch = FrameWatch::new(dc.config.frame_timeout, detected, opened);
    let start = At::now();
    let (push_tx, mut push_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut header_dc = codec.dc_id();
    if let Some(named) = header_dc {
        dc.hub.saw_header_dc(named);
    }
    let mut conn = Conn {
        dc,
        conn_no,
        push_tx,
        rng: SeededRandom::new(seed),
        codec,
        handshake: ServerHandshake::new(),
        encrypted: None,
        faults: ConnFaults::default(),
        delayed: BTreeMap::new(),
        delayed_seq: 0,
        out: VecDeque::new(),
        queued_bytes: 0,
        last_ready: start,
        write_free_at: start,
        answers: 0,
        closing: false,
    };
    let (mut reader, mut writer) = stream.split();

    loop {
        conn.faults = dc.handler.connection_faults();
        if !conn.closing {
            let before = rbuf.len();
            conn.read_frames(&mut rbuf)?;
            let taken = before.saturating_sub(rbuf.len());
            watch.after_decode(taken, rbuf.len(), conn.backpressured(), At::now());
            if header_dc.is_none() {
                header_dc = conn.codec.dc_id();
                if let Some(named) = header_dc {
                    dc.hub.saw_header_dc(named);
                }
            }
            conn.deliver_due()?;
            let now = conn.now();
            conn.flush_session(now)?;
        }
        let t = At::now();
        if let Some(Out::Close { ready, reason }) = conn.out.front() {
            if *ready <= t {
                return Err(reason.clone());
            }
        }
        let chunk = conn.writable(t);
        let wake = conn.wake(t);
        let can_read = !conn.closing && !conn.backpressured();
        let stalled = watch.deadline().filter(|_| !conn.closing);
        let woke = tokio::select! {
            read = reader.read_buf(&mut rbuf), if can_read => Woke::Read(read),
            wrote = writer.write(chunk.as_deref().unwrap_or_default()), if chunk.is_some() => {
                Woke::Wrote(wrote)
            }
            () = tokio::time::sleep_until(wake.unwrap_or(t)), if wake.is_some() => Woke::Timer,
            pushed = push_rx.recv(), if !conn.closing => Woke::Pushed(pushed),
            () = tokio::time::sleep_until(stalled.unwrap_or(t)), if stalled.is_some() => {
                return Err(FrameWatch::TIMED_OUT.into());
            }
            else => return Err("nothing left to do".into()),
        };
        match woke {
            Woke::Read(read) => {
                if read.map_err(|e| e.to_string())? == 0 {
                    return Ok(());
                }
            }
            Woke::Wrote(wrote) => match wrote.map_err(|e| e.to_string())? {
                0 => return Err("the socket accepts no more bytes".into()),
                n => conn.wrote(n),
            },
            Woke::Pushed(pushed) => {
                if let Some(body) = pushed {
                    conn.on_push(body);
                }
            }
            Woke::Timer => {
                let now = conn.now();
                if let Some(enc) = conn.encrypted.as_mut() {
                    if enc.session.poll_timeout().is_some_and(|d| d <= now.mono) {
                        enc.session.handle_timeout(now);
                    }
                }
            }
        }
    }
}

/// Closes connections that send no frame, or stop in the middle of one,
/// for [`ListenConfig::frame_timeout`](super::ListenConfig::frame_timeout)
/// (idle time between whole frames is fine). It watches how many bytes the
/// codec takes off the read buffer: codecs take the transport's tag or
/// obfuscated2 init, then only whole frames.
struct FrameWatch {
    timeout: Duration,
    /// What the codec takes before the first frame.
    preamble: usize,
    /// What the codec took so far.
    taken: usize,
    /// Since when the connection owes a frame.
    since: Option<At>,
}

impl FrameWatch {
    const TIMED_OUT: &str = "no complete frame within the frame timeout";

    fn new(timeout: Duration, detected: Detect, opened: At) -> Self {
        let preamble = match detected {
            Detect::Abridged => 1,
            Detect::Intermediate | Detect::PaddedIntermediate => 4,
            Detect::Obfuscated2 => transport::INIT_LEN,
            // The hello is read before; then a record header and the init.
            Detect::FakeTls => 5 + transport::INIT_LEN,
            _ => 0,
        };
        Self {
            timeout,
            preamble,
            taken: 0,
            since: Some(opened),
        }
    }

    /// After a decoding pass that took `taken` bytes and left `left`
    /// (`held_back`: the server stopped decoding, not the client sending).
    fn after_decode(&mut self, taken: usize, left: usize, held_back: bool, now: At) {
        let before = self.taken.max(self.preamble);
        self.taken += taken;
        if self.taken > before {
            self.since = None;
        }
        let owes = self.taken <= self.preamble || (left > 0 && !held_back);
        if owes {
            self.since.get_or_insert(now);
        } else {
            self.since = None;
        }
    }

    fn deadline(&self) -> Option<At> {
        self.since.map(|s| s + self.timeout)
    }
}
