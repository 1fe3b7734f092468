//! One client connection: transport detection, then plain (key exchange)
//! and encrypted frames, each encrypted frame through the server-role
//! session of its auth key, each request through the handler.
//!
//! Reading and writing are independent: what the connection sends waits in
//! a queue with the time it may go out (the scripted latency), is written
//! at the scripted bandwidth, and answers the script delays wait in their
//! own queue, so neither holds up reading the next requests. The connection
//! stops reading while too much waits, which bounds its memory.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes, BytesMut};
use tg_mtproto::mtp::{self, Event, MsgId, Now, Salt, SeededRandom, Session};
use tg_mtproto::transport::{self, Codec, Detect, StatusFrame};
use tl::{Deserializable, Identifiable, Serializable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

use super::faults::innermost;
use super::handshake::{ServerHandshake, Step};
use super::{ConnFaults, DcShared, Handler, KeyEntry, Reply, Request};

/// The server's clock, shifted by the configured skew.
fn now(skew: i64) -> Now {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let unix = if skew >= 0 {
        unix + Duration::from_secs(skew.unsigned_abs())
    } else {
        unix.saturating_sub(Duration::from_secs(skew.unsigned_abs()))
    };
    Now {
        mono: Instant::now(),
        unix,
    }
}

fn unix_i32(now: &Now) -> i32 {
    i32::try_from(now.unix.as_secs()).unwrap_or(i32::MAX)
}

struct Encrypted {
    key_id: i64,
    /// The key's first salt (from the key exchange), which its salt
    /// schedule derives from.
    first_salt: i64,
    session: Session,
}

/// How long one salt of the schedule is valid (Telegram changes salts every
/// 30 minutes).
const SALT_PERIOD: i64 = 1800;
/// How many salts the schedule holds (the most `get_future_salts` gives).
const SALT_COUNT: i64 = 64;

/// The salts every session of an auth key accepts and hands out besides
/// its first salt: one per 30-minute period from the one holding `now_unix`
/// on, derived from the key's first salt and the period, so every
/// connection of the key agrees. `get_future_salts` answers with them
/// (grammers keeps asking until it gets more than one).
pub(crate) fn salt_schedule(first_salt: i64, now_unix: i64) -> Vec<Salt> {
    let first = now_unix.div_euclid(SALT_PERIOD);
    (first..first + SALT_COUNT)
        .map(|period| {
            let since = period * SALT_PERIOD;
            let salt = crate::rng::hash_words(&[first_salt as u64, period as u64]) as i64;
            Salt {
                valid_since: i32::try_from(since).unwrap_or(i32::MAX),
                valid_until: i32::try_from(since + SALT_PERIOD).unwrap_or(i32::MAX),
                // 0 is the salt clients start with: never a valid one.
                salt: if salt == 0 { 1 } else { salt },
            }
        })
        .collect()
}

/// A server session for an auth key whose first salt is `first_salt`.
pub(crate) fn server_session(key: [u8; 256], first_salt: i64, now: Now) -> Session {
    let mut session = Session::server(key, first_salt, mtp::Config::default());
    session.set_salts(first_salt, salt_schedule(first_salt, now.unix_secs(0)), now);
    session
}

/// The answer to a service function (`ping`, `ping_delay_disconnect`,
/// `get_future_salts`) that came wrapped in `invokeWith*`/`initConnection`,
/// as Telethon sends every call, ping included, with updates off
/// (`invokeWithoutUpdates`): the object a top-level one gets, to put in the
/// `rpc_result`. `None` for API methods. (Top-level service functions never
/// get here: the session answers them.)
pub(crate) fn wrapped_service(
    msg_id: i64,
    body: &[u8],
    first_salt: i64,
    now_unix: i64,
) -> Option<Vec<u8>> {
    use tl::functions::{GetFutureSalts, Ping, PingDelayDisconnect};
    let (id, inner) = innermost(body);
    let boxed = |id: u32, bare: Vec<u8>| {
        let mut out = id.to_le_bytes().to_vec();
        out.extend_from_slice(&bare);
        out
    };
    match id {
        Ping::CONSTRUCTOR_ID | PingDelayDisconnect::CONSTRUCTOR_ID => {
            let ping_id = match id {
                Ping::CONSTRUCTOR_ID => Ping::from_bytes(inner).ok()?.ping_id,
                _ => PingDelayDisconnect::from_bytes(inner).ok()?.ping_id,
            };
            let pong = tl::types::Pong { msg_id, ping_id };
            Some(boxed(tl::types::Pong::CONSTRUCTOR_ID, pong.to_bytes()))
        }
        GetFutureSalts::CONSTRUCTOR_ID => {
            let num = GetFutureSalts::from_bytes(inner).ok()?.num.clamp(1, 64);
            let salts = salt_schedule(first_salt, now_unix)
                .into_iter()
                .filter(|s| i64::from(s.valid_until) > now_unix)
                .take(usize::try_from(num).unwrap_or(1))
                .map(|s| tl::types::FutureSalt {
                    valid_since: s.valid_since,
                    valid_until: s.valid_until,
                    salt: s.salt,
                })
                .collect();
            let answer = tl::types::FutureSalts {
                req_msg_id: msg_id,
                now: i32::try_from(now_unix).unwrap_or(i32::MAX),
                salts: tl::RawVec(salts),
            };
            Some(boxed(
                tl::types::FutureSalts::CONSTRUCTOR_ID,
                answer.to_bytes(),
            ))
        }
        _ => None,
    }
}

/// Delayed answers beyond which a connection stops reading requests.
const MAX_DELAYED: usize = 1024;
/// Bytes waiting to be written beyond which a connection stops reading.
const MAX_QUEUED_BYTES: usize = 8 << 20;
/// The largest single write without a bandwidth cap.
const MAX_WRITE: usize = 256 << 10;

/// The monotonic clock of the queues (tokio's, so tests may pause it).
type At = tokio::time::Instant;

/// Something waiting to be written.
enum Out {
    /// Bytes to write, not before `ready`.
    Data { ready: At, bytes: Bytes },
    /// Close the connection at `ready`, once everything before is written.
    Close { ready: At, reason: String },
}

/// An answer held back by a scripted delay.
struct Delayed {
    key_id: i64,
    msg_id: MsgId,
    reply: Reply,
}

/// How much to write at once under a bandwidth cap: a twentieth of a
/// second's worth, so the pace is smooth.
fn paced_chunk(rate: u64) -> usize {
    usize::try_from(rate / 20)
        .unwrap_or(usize::MAX)
        .clamp(256, 64 << 10)
}

/// One connection's state between its socket halves.
struct Conn<'d, H: Handler> {
    dc: &'d DcShared<H>,
    conn_no: u64,
    rng: SeededRandom,
    codec: Codec,
    handshake: ServerHandshake,
    encrypted: Option<Encrypted>,
    /// The script's demands, refreshed before every step.
    faults: ConnFaults,
    /// Answers waiting for their time, by (time, arrival).
    delayed: BTreeMap<(At, u64), Delayed>,
    delayed_seq: u64,
    /// What waits to be written, in order.
    out: VecDeque<Out>,
    queued_bytes: usize,
    /// The `ready` of the last queued item (the queue stays in order).
    last_ready: At,
    /// Under a bandwidth cap: no write before this.
    write_free_at: At,
    /// rpc answers given to the session.
    answers: u32,
    /// A close is queued: nothing more is read or answered.
    closing: bool,
}

impl<H: Handler> Conn<'_, H> {
    fn now(&self) -> Now {
        now(self
            .dc
            .config
            .clock_skew
            .saturating_add(self.faults.clock_skew))
    }

    fn backpressured(&self) -> bool {
        self.queued_bytes > MAX_QUEUED_BYTES || self.delayed.len() >= MAX_DELAYED
    }

    /// When something queued now may be written (after the latency, and
    /// never before what is queued already).
    fn ready_time(&mut self) -> At {
        let ready = self.last_ready.max(At::now() + self.faults.latency);
        self.last_ready = ready;
        ready
    }

    fn push_data(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        let ready = self.ready_time();
        self.queued_bytes += bytes.len();
        self.out.push_back(Out::Data { ready, bytes });
    }

    fn close(&mut self, reason: String) {
        let ready = self.ready_time();
        self.out.push_back(Out::Close { ready, reason });
        self.closing = true;
    }

    fn encode(&mut self, frame: Vec<u8>, buf: &mut BytesMut) -> Result<(), String> {
        self.codec
            .encode(Bytes::from(frame), buf)
            .map_err(|e| e.to_string())
    }

    /// The session's waiting messages, each frame encoded on its own.
    fn take_frames(&mut self, now: Now) -> Result<Vec<BytesMut>, String> {
        let mut frames = Vec::new();
        while let Some(frame) = self
            .encrypted
            .as_mut()
            .and_then(|e| e.session.poll_transmit(now, &mut self.rng))
        {
            let mut buf = BytesMut::new();
            self.encode(frame, &mut buf)?;
            frames.push(buf);
        }
        Ok(frames)
    }

    /// Queues whatever the session has to send.
    fn flush_session(&mut self, now: Now) -> Result<(), String> {
        if self.closing {
            return Ok(());
        }
        let mut all = BytesMut::new();
        for frame in self.take_frames(now)? {
            all.extend_from_slice(&frame);
        }
        self.push_data(all.freeze());
        Ok(())
    }

    /// Decodes and handles frames while there is room for their answers.
    fn read_frames(&mut self, rbuf: &mut BytesMut) -> Result<(), String> {
        while !self.closing && !self.backpressured() {
            let Some(frame) = self.codec.decode(rbuf).map_err(|e| e.to_string())? else {
                break;
            };
            self.on_frame(&frame)?;
        }
        Ok(())
    }

    fn on_frame(&mut self, frame: &[u8]) -> Result<(), String> {
        let dc = self.dc;
        let now = self.now();
        if frame.len() >= 8 && frame[..8] == [0; 8] {
            let keys = &dc.config.rsa_keys;
            let in_use = |id| {
                dc.keys
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .contains_key(&id)
            };
            let mut buf = BytesMut::new();
            match self
                .handshake
                .on_frame(frame, keys, &mut self.rng, unix_i32(&now), in_use)?
            {
                Step::Answer(out) => self.encode(out, &mut buf)?,
                Step::Finished(out, done) => {
                    self.encode(out, &mut buf)?;
                    let id = done.auth_key_id();
                    let entry = KeyEntry {
                        key: done.auth_key,
                        salt: done.first_salt,
                        state: H::KeyState::default(),
                    };
                    dc.keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(id, entry);
                    tracing::debug!(
                        dc = dc.dc_id,
                        conn = self.conn_no,
                        key_id = id,
                        "auth key created"
                    );
                }
            }
            self.push_data(buf.freeze());
            return Ok(());
        }
        let key_id = i64::from_le_bytes(
            frame
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_default(),
        );
        if self.encrypted.as_ref().is_none_or(|e| e.key_id != key_id) {
            let known = dc
                .keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key_id)
                .map(|e| (e.key, e.salt));
            let Some((key, salt)) = known else {
                // Telegram's answer to an unknown auth key: transport error -404.
                let mut buf = BytesMut::new();
                self.codec
                    .encode(StatusFrame(-404), &mut buf)
                    .map_err(|e| e.to_string())?;
                self.push_data(buf.freeze());
                self.close(format!("unknown auth key {key_id:#x}"));
                return Ok(());
            };
            self.encrypted = Some(Encrypted {
                key_id,
                first_salt: salt,
                session: server_session(key, salt, now),
            });
        }
        let Some(enc) = self.encrypted.as_mut() else {
            return Err("no session for the key just looked up".into());
        };
        if let Err(e) = enc.session.handle_input(frame, now) {
            if e.is_security() {
                return Err(format!("refused a message: {e}"));
            }
            tracing::debug!(dc = dc.dc_id, conn = self.conn_no, "ignored a message: {e}");
        }
        while !self.closing {
            let Some(enc) = self.encrypted.as_mut() else {
                break;
            };
            let Some(event) = enc.session.poll_event() else {
                break;
            };
            let Event::Request { msg_id, body } = event else {
                continue;
            };
            let unix = now.unix_secs(0);
            if let Some(answer) = wrapped_service(msg_id.0, &body, enc.first_salt, unix) {
                self.deliver(msg_id, Reply::Result(answer), now)?;
                continue;
            }
            let request = Request {
                dc_id: dc.dc_id,
                auth_key_id: key_id,
                conn_id: self.conn_no,
                body: &body,
                now_unix: unix_i32(&now),
            };
            let reply = {
                let mut keys = dc.keys.lock().unwrap_or_else(PoisonError::into_inner);
                match keys.get_mut(&key_id) {
                    Some(entry) => dc.handler.handle(request, &mut entry.state),
                    None => Reply::Error {
                        code: 401,
                        message: "AUTH_KEY_UNREGISTERED".into(),
                    },
                }
            };
            self.deliver(msg_id, reply, now)?;
        }
        Ok(())
    }

    /// Gives the session an answer to `msg_id`, or does what a scripted
    /// fault says instead.
    fn deliver(&mut self, msg_id: MsgId, reply: Reply, now: Now) -> Result<(), String> {
        let Some(enc) = self.encrypted.as_mut() else {
            return Ok(());
        };
        let answered = match reply {
            Reply::Result(bytes) => enc.session.respond(msg_id, bytes),
            Reply::Error { code, message } => enc.session.respond_error(msg_id, code, &message),
            Reply::BadServerSalt => {
                enc.session.reject_with_bad_salt(msg_id, now);
                false
            }
            Reply::Delayed { delay, reply } => {
                let key_id = enc.key_id;
                self.delayed_seq += 1;
                self.delayed.insert(
                    (At::now() + delay, self.delayed_seq),
                    Delayed {
                        key_id,
                        msg_id,
                        reply: *reply,
                    },
                );
                false
            }
            Reply::Disconnect => {
                self.flush_session(now)?;
                self.close("scripted disconnect".into());
                false
            }
            Reply::DisconnectMidFrame(reply) => {
                // What waited before goes out whole; the answer's frame is cut.
                self.flush_session(now)?;
                self.deliver(msg_id, *reply, now)?;
                if self.closing {
                    return Ok(());
                }
                let mut frames = self.take_frames(now)?;
                if let Some(last) = frames.pop() {
                    for frame in frames {
                        self.push_data(frame.freeze());
                    }
                    let cut = (last.len() / 2).max(1);
                    self.push_data(last.freeze().slice(..cut));
                }
                self.close("scripted disconnect mid-frame".into());
                false
            }
        };
        if answered {
            self.answers = self.answers.saturating_add(1);
            if self
                .faults
                .drop_after_responses
                .is_some_and(|n| self.answers >= n)
            {
                self.flush_session(now)?;
                let n = self.answers;
                self.close(format!("scripted drop after {n} answers"));
            }
        }
        Ok(())
    }

    /// Gives the session the delayed answers whose time came.
    fn deliver_due(&mut self) -> Result<(), String> {
        let t = At::now();
        while !self.closing {
            let Some(entry) = self.delayed.first_entry() else {
                break;
            };
            if entry.key().0 > t {
                break;
            }
            let d = entry.remove();
            if self
                .encrypted
                .as_ref()
                .is_some_and(|e| e.key_id == d.key_id)
            {
                let now = self.now();
                self.deliver(d.msg_id, d.reply, now)?;
            }
        }
        Ok(())
    }

    /// The bytes that may be written now, if any.
    fn writable(&self, t: At) -> Option<Bytes> {
        let Some(Out::Data { ready, bytes }) = self.out.front() else {
            return None;
        };
        if *ready > t {
            return None;
        }
        let limit = match self.faults.bandwidth {
            Some(_) if self.write_free_at > t => return None,
            Some(rate) => paced_chunk(rate),
            None => MAX_WRITE,
        };
        Some(bytes.slice(..bytes.len().min(limit)))
    }

    /// `n` bytes of the front item were written.
    fn wrote(&mut self, n: usize) {
        if let Some(Out::Data { bytes, .. }) = self.out.front_mut() {
            let n = n.min(bytes.len());
            bytes.advance(n);
            self.queued_bytes -= n;
            if bytes.is_empty() {
                self.out.pop_front();
            }
            if let Some(rate) = self.faults.bandwidth {
                let took = Duration::from_secs_f64(n as f64 / rate as f64);
                self.write_free_at = self.write_free_at.max(At::now()) + took;
            }
        }
    }

    /// When the connection has something to do without input, if ever.
    fn wake(&self, t: At) -> Option<At> {
        let mut times = Vec::with_capacity(3);
        if !self.closing {
            if let Some(d) = self
                .encrypted
                .as_ref()
                .and_then(|e| e.session.poll_timeout())
            {
                times.push(At::from_std(d));
            }
            if let Some((at, _)) = self.delayed.keys().next() {
                times.push(*at);
            }
        }
        match self.out.front() {
            Some(Out::Data { ready, .. }) if *ready > t => times.push(*ready),
            Some(Out::Data { .. }) if self.faults.bandwidth.is_some() && self.write_free_at > t => {
                times.push(self.write_free_at);
            }
            Some(Out::Close { ready, .. }) => times.push(*ready),
            _ => {}
        }
        times.into_iter().min()
    }
}

/// Serves one connection until it closes or breaks the protocol.
pub(crate) async fn serve<H: Handler>(mut stream: TcpStream, dc: Arc<DcShared<H>>, conn_no: u64) {
    if let Err(e) = serve_inner(&mut stream, &dc, conn_no).await {
        tracing::debug!(dc = dc.dc_id, conn = conn_no, "connection closed: {e}");
    }
}

/// What woke a connection up.
enum Woke {
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    Timer,
}

async fn serve_inner<H: Handler>(
    stream: &mut TcpStream,
    dc: &DcShared<H>,
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
    let codec = Codec::server(detected, dc.config.mtproxy_secret, random)
        .map_err(|e| e.to_string())?
        .with_max_frame(dc.config.max_frame);
    let mut watch = FrameWatch::new(dc.config.frame_timeout, detected, opened);
    let start = At::now();
    let mut conn = Conn {
        dc,
        conn_no,
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

#[cfg(test)]
mod tests {
    use tg_mtproto::mtp::envelope::{self, AuthKey, Direction, Header};
    use tg_mtproto::mtp::{Random, container};
    use tl::functions::{GetFutureSalts, InitConnection, InvokeWithLayer, InvokeWithoutUpdates};

    use super::*;

    const NOW: i64 = 1_700_000_123;
    const FIRST_SALT: i64 = 0x1234_5678;

    fn now() -> Now {
        Now {
            mono: Instant::now(),
            unix: Duration::from_secs(NOW as u64),
        }
    }

    /// The bare object after `id` at the start of a boxed answer.
    fn unboxed<T: Deserializable>(id: u32, answer: &[u8]) -> T {
        assert_eq!(answer[..4], id.to_le_bytes(), "constructor");
        let mut cur = tl::Cursor::new(&answer[4..]);
        T::deserialize(&mut cur).expect("decodes")
    }

    #[test]
    fn every_connection_of_a_key_has_the_same_salts() {
        let s = salt_schedule(FIRST_SALT, NOW);
        assert_eq!(s.len(), 64);
        assert_eq!(
            s,
            salt_schedule(FIRST_SALT, NOW + 5),
            "same period, same salts"
        );
        assert!(i64::from(s[0].valid_since) <= NOW && NOW < i64::from(s[0].valid_until));
        assert!(
            s.windows(2)
                .all(|w| w[0].valid_until == w[1].valid_since && w[0].salt != w[1].salt)
        );
        assert!(s.iter().all(|x| x.salt != 0));
        // Half an hour on: the same salts, one period further.
        assert_eq!(salt_schedule(FIRST_SALT, NOW + 1800)[..63], s[1..]);
        assert_ne!(salt_schedule(FIRST_SALT + 1, NOW)[0].salt, s[0].salt);
    }

    /// Regression: `get_future_salts` gave one salt (grammers asks until it
    /// gets more than one, docs/architecture.md#interoperability).
    #[test]
    fn a_top_level_get_future_salts_gets_the_salts_asked_for() {
        let mut key_bytes = [0u8; 256];
        SeededRandom::new(5).fill(&mut key_bytes);
        let key = AuthKey::new(key_bytes);
        let mut server = server_session(key_bytes, FIRST_SALT, now());
        let header = Header {
            salt: FIRST_SALT,
            session_id: 42,
            msg_id: NOW << 32,
            seq_no: 1,
        };
        let body = GetFutureSalts { num: 3 }.to_bytes();
        let mut rng = SeededRandom::new(6);
        let frame = envelope::seal(&key, Direction::ClientToServer, header, &body, &mut rng);
        server.handle_input(&frame, now()).expect("accepted");
        let mut found = Vec::new();
        while let Some(out) = server.poll_transmit(now(), &mut rng) {
            let opened = envelope::open(&key, Direction::ServerToClient, &out).expect("opens");
            let bodies = if container::is_container(&opened.body) {
                container::unpack(opened.msg_id, &opened.body)
                    .expect("container")
                    .into_iter()
                    .map(|m| m.body)
                    .collect()
            } else {
                vec![opened.body]
            };
            found.extend(
                bodies
                    .iter()
                    .filter(|b| b[..4] == tl::types::FutureSalts::CONSTRUCTOR_ID.to_le_bytes())
                    .map(|b| {
                        unboxed::<tl::types::FutureSalts>(tl::types::FutureSalts::CONSTRUCTOR_ID, b)
                    }),
            );
        }
        assert_eq!(found.len(), 1, "one future_salts answer");
        let salts = &found[0].salts.0;
        assert_eq!(found[0].req_msg_id, NOW << 32);
        let want: Vec<i64> = salt_schedule(FIRST_SALT, NOW)[..3]
            .iter()
            .map(|s| s.salt)
            .collect();
        assert_eq!(salts.iter().map(|s| s.salt).collect::<Vec<_>>(), want);
    }

    /// Regression: Telethon with updates off sends
    /// `invokeWithoutUpdates(ping)`, which got `METHOD_NOT_IMPLEMENTED`.
    #[test]
    fn wrapped_service_functions_are_answered() {
        let ping = InvokeWithoutUpdates {
            query: tl::functions::Ping { ping_id: 99 },
        }
        .to_bytes();
        let answer = wrapped_service(44, &ping, FIRST_SALT, NOW).expect("answered");
        let pong: tl::types::Pong = unboxed(tl::types::Pong::CONSTRUCTOR_ID, &answer);
        assert_eq!((pong.msg_id, pong.ping_id), (44, 99));

        let delay = InvokeWithLayer {
            layer: 229,
            query: tl::functions::PingDelayDisconnect {
                ping_id: 7,
                disconnect_delay: 75,
            },
        }
        .to_bytes();
        let answer = wrapped_service(48, &delay, FIRST_SALT, NOW).expect("answered");
        let pong: tl::types::Pong = unboxed(tl::types::Pong::CONSTRUCTOR_ID, &answer);
        assert_eq!((pong.msg_id, pong.ping_id), (48, 7));

        for (num, want) in [(3, 3), (0, 1), (1000, 64)] {
            let salts = InvokeWithoutUpdates {
                query: GetFutureSalts { num },
            }
            .to_bytes();
            let answer = wrapped_service(52, &salts, FIRST_SALT, NOW).expect("answered");
            let f: tl::types::FutureSalts =
                unboxed(tl::types::FutureSalts::CONSTRUCTOR_ID, &answer);
            assert_eq!(f.req_msg_id, 52);
            assert_eq!(i64::from(f.now), NOW);
            assert_eq!(f.salts.0.len(), want);
            assert_eq!(f.salts.0[0].salt, salt_schedule(FIRST_SALT, NOW)[0].salt);
        }

        // API methods, wrapped or not, are the handler's.
        let config = InvokeWithLayer {
            layer: 229,
            query: InitConnection {
                query: tl::functions::help::GetConfig {},
                ..Default::default()
            },
        }
        .to_bytes();
        assert_eq!(wrapped_service(56, &config, FIRST_SALT, NOW), None);
        let bare = tl::functions::help::GetConfig {}.to_bytes();
        assert_eq!(wrapped_service(60, &bare, FIRST_SALT, NOW), None);
    }
}
