//! One client connection: transport detection, then plain (key exchange)
//! and encrypted frames, each encrypted frame through the server-role
//! session of its auth key, each request through the handler.
//!
//! Reading and writing are independent: what the connection sends waits in
//! a queue with the time it may go out (the scripted latency), is written
//! at the scripted bandwidth, and answers the script delays wait in their
//! own queue, so neither holds up reading the next requests. The connection
//! stops reading while too much waits, which bounds its memory.

mod serve;
mod session;
#[cfg(test)]
mod tests;
mod write;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, PoisonError};

use bytes::{Bytes, BytesMut};
use tg_mtproto::mtp::{Event, MsgId, Now, SeededRandom};
use tg_mtproto::transport::{Codec, QuickAck, StatusFrame};
use tokio::sync::mpsc;
use tokio_util::codec::{Decoder, Encoder};

use super::handshake::{ServerHandshake, Step};
use super::{ConnFaults, DcShared, Handler, KeyEntry, Push, Reply, Request};
pub(crate) use serve::serve;
use session::{Encrypted, now, server_session, unix_i32, wrapped_service};

/// Delayed answers beyond which a connection stops reading requests.
const MAX_DELAYED: usize = 1024;
/// Bytes waiting to be written beyond which a connection stops reading.
const MAX_QUEUED_BYTES: usize = 8 << 20;

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

/// One connection's state between its socket halves.
struct Conn<'d, H: Handler> {
    dc: &'d Arc<DcShared<H>>,
    conn_no: u64,
    /// Pushed messages for it (registered with its key in [`DcShared::conns`]).
    push_tx: mpsc::UnboundedSender<Vec<u8>>,
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

    /// Queues whatever the session has to send, its frames encoded one
    /// after another into one buffer (one write for them all).
    fn flush_session(&mut self, now: Now) -> Result<(), String> {
        if self.closing {
            return Ok(());
        }
        let mut all = BytesMut::new();
        while let Some(frame) = self
            .encrypted
            .as_mut()
            .and_then(|e| e.session.poll_transmit(now, &mut self.rng))
        {
            self.encode(frame, &mut all)?;
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
        // Looked up on every frame: a key forgotten meanwhile (the control
        // plane's `/forget-key`) is unknown from its next request on.
        let known = dc
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key_id)
            .map(|e| (e.key, e.salt));
        let Some((key, salt)) = known else {
            // Telegram's answer to an unknown auth key: transport error -404.
            self.encrypted = None;
            self.send_status(-404)?;
            self.close(format!("unknown auth key {key_id:#x}"));
            return Ok(());
        };
        if self.encrypted.as_ref().is_none_or(|e| e.key_id != key_id) {
            self.encrypted = Some(Encrypted {
                key_id,
                first_salt: salt,
                session: server_session(key, salt, now, dc.config.compression_threshold),
            });
            dc.conns
                .register(self.conn_no, key_id, self.push_tx.clone());
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
            let (reply, pushes) = {
                let mut keys = dc.keys.lock().unwrap_or_else(PoisonError::into_inner);
                match keys.get_mut(&key_id) {
                    Some(entry) => {
                        let reply = dc.handler.handle(request, &mut entry.state);
                        (reply, dc.handler.take_pushes(&mut entry.state))
                    }
                    None => {
                        let reply = Reply::Error {
                            code: 401,
                            message: "AUTH_KEY_UNREGISTERED".into(),
                        };
                        (reply, Vec::new())
                    }
                }
            };
            self.schedule(key_id, pushes);
            self.deliver(msg_id, reply, now)?;
        }
        Ok(())
    }

    /// Sends each push, when its time comes, to the connections then using
    /// `key_id` (this one or others; none if they are all gone).
    fn schedule(&self, key_id: i64, pushes: Vec<Push>) {
        for push in pushes {
            let dc = Arc::downgrade(self.dc);
            tokio::spawn(async move {
                tokio::time::sleep(push.after).await;
                if let Some(dc) = dc.upgrade() {
                    let reached = dc.conns.push(key_id, &push.body);
                    tracing::debug!(dc = dc.dc_id, key_id, reached, "pushed a message");
                }
            });
        }
    }

    /// Gives the session a pushed message, if it still uses an auth key.
    fn on_push(&mut self, body: Vec<u8>) {
        if let Some(enc) = self.encrypted.as_mut() {
            enc.session.send_update(body);
        }
    }

    /// Writes transport error `code` (after everything queued before it).
    fn send_status(&mut self, code: i32) -> Result<(), String> {
        let mut buf = BytesMut::new();
        self.codec
            .encode(StatusFrame(code), &mut buf)
            .map_err(|e| e.to_string())?;
        self.push_data(buf.freeze());
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
            Reply::TransportError(code) => {
                self.flush_session(now)?;
                self.send_status(code)?;
                self.close(format!("scripted transport error {code}"));
                false
            }
            Reply::ForgetKey => {
                let key_id = enc.key_id;
                self.flush_session(now)?;
                let mut keys = self.dc.keys.lock().unwrap_or_else(|e| e.into_inner());
                keys.remove(&key_id);
                drop(keys);
                self.encrypted = None;
                self.send_status(-404)?;
                self.close(format!("scripted: forgot auth key {key_id:#x}"));
                false
            }
            Reply::QuickAck(reply) => {
                self.flush_session(now)?;
                let mut buf = BytesMut::new();
                let word = (msg_id.0 as u32) & 0x3fff_ffff;
                self.codec
                    .encode(QuickAck(word), &mut buf)
                    .map_err(|e| e.to_string())?;
                self.push_data(buf.freeze());
                return self.deliver(msg_id, *reply, now);
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
