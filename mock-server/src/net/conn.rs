//! One client connection: transport detection, then plain (key exchange)
//! and encrypted frames, each encrypted frame through the server-role
//! session of its auth key, each request through the handler.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use tg_mtproto::mtp::{self, Event, Now, SeededRandom, Session};
use tg_mtproto::transport::{self, Codec, Detect, StatusFrame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

use super::handshake::{ServerHandshake, Step};
use super::{DcShared, Handler, KeyEntry, Reply, Request};

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
    session: Session,
}

/// Serves one connection until it closes or breaks the protocol.
pub(crate) async fn serve<H: Handler>(mut stream: TcpStream, dc: Arc<DcShared<H>>, conn_no: u64) {
    if let Err(e) = serve_inner(&mut stream, &dc, conn_no).await {
        tracing::debug!(dc = dc.dc_id, conn = conn_no, "connection closed: {e}");
    }
}

async fn serve_inner<H: Handler>(
    stream: &mut TcpStream,
    dc: &DcShared<H>,
    conn_no: u64,
) -> Result<(), String> {
    let seed = dc.config.seed
        ^ (u64::try_from(dc.dc_id).unwrap_or(0) << 48)
        ^ conn_no.wrapping_mul(0x9e37_79b9);
    let mut rng = SeededRandom::new(seed);
    let mut rbuf = BytesMut::with_capacity(64 * 1024);
    let detected = loop {
        match transport::detect(&rbuf) {
            Detect::NeedMore => {
                if stream
                    .read_buf(&mut rbuf)
                    .await
                    .map_err(|e| e.to_string())?
                    == 0
                {
                    return Err("closed before the first frame".into());
                }
            }
            Detect::Unknown => return Err("not an MTProto transport".into()),
            d => break d,
        }
    };
    let mut transport_rng = SeededRandom::new(seed ^ 0x7472_616e);
    let random: Box<dyn transport::Random> =
        Box::new(move |b: &mut [u8]| mtp::Random::fill(&mut transport_rng, b));
    let mut codec =
        Codec::server(detected, dc.config.mtproxy_secret, random).map_err(|e| e.to_string())?;
    let mut wbuf = BytesMut::new();
    let mut handshake = ServerHandshake::new();
    let mut encrypted: Option<Encrypted> = None;

    loop {
        while let Some(frame) = codec.decode(&mut rbuf).map_err(|e| e.to_string())? {
            let now = now(dc.config.clock_skew);
            if frame.len() >= 8 && frame[..8] == [0; 8] {
                let keys = &dc.config.rsa_keys;
                let in_use = |id| dc.keys.lock().expect("key store").contains_key(&id);
                match handshake.on_frame(&frame, keys, &mut rng, unix_i32(&now), in_use)? {
                    Step::Answer(out) => codec
                        .encode(Bytes::from(out), &mut wbuf)
                        .map_err(|e| e.to_string())?,
                    Step::Finished(out, done) => {
                        codec
                            .encode(Bytes::from(out), &mut wbuf)
                            .map_err(|e| e.to_string())?;
                        let id = done.auth_key_id();
                        let entry = KeyEntry {
                            key: done.auth_key,
                            salt: done.first_salt,
                            state: H::KeyState::default(),
                        };
                        dc.keys.lock().expect("key store").insert(id, entry);
                        tracing::debug!(
                            dc = dc.dc_id,
                            conn = conn_no,
                            key_id = id,
                            "auth key created"
                        );
                    }
                }
                continue;
            }
            let key_id = i64::from_le_bytes(
                frame
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default(),
            );
            if encrypted.as_ref().is_none_or(|e| e.key_id != key_id) {
                let known = dc
                    .keys
                    .lock()
                    .expect("key store")
                    .get(&key_id)
                    .map(|e| (e.key, e.salt));
                let Some((key, salt)) = known else {
                    // Telegram's answer to an unknown auth key: transport error -404.
                    codec
                        .encode(StatusFrame(-404), &mut wbuf)
                        .map_err(|e| e.to_string())?;
                    stream.write_all(&wbuf).await.map_err(|e| e.to_string())?;
                    return Err(format!("unknown auth key {key_id:#x}"));
                };
                encrypted = Some(Encrypted {
                    key_id,
                    session: Session::server(key, salt, mtp::Config::default()),
                });
            }
            let enc = encrypted.as_mut().expect("set above");
            if let Err(e) = enc.session.handle_input(&frame, now) {
                if e.is_security() {
                    return Err(format!("refused a message: {e}"));
                }
                tracing::debug!(dc = dc.dc_id, conn = conn_no, "ignored a message: {e}");
            }
            while let Some(event) = enc.session.poll_event() {
                let Event::Request { msg_id, body } = event else {
                    continue;
                };
                let request = Request {
                    dc_id: dc.dc_id,
                    auth_key_id: key_id,
                    body: &body,
                    now_unix: unix_i32(&now),
                };
                let reply = {
                    let mut keys = dc.keys.lock().expect("key store");
                    match keys.get_mut(&key_id) {
                        Some(entry) => dc.handler.handle(request, &mut entry.state),
                        None => Reply::Error {
                            code: 401,
                            message: "AUTH_KEY_UNREGISTERED".into(),
                        },
                    }
                };
                match reply {
                    Reply::Result(bytes) => {
                        enc.session.respond(msg_id, bytes);
                    }
                    Reply::Error { code, message } => {
                        enc.session.respond_error(msg_id, code, &message);
                    }
                    Reply::Disconnect => return Err("scripted disconnect".into()),
                }
            }
        }
        if let Some(enc) = encrypted.as_mut() {
            let now = now(dc.config.clock_skew);
            while let Some(frame) = enc.session.poll_transmit(now, &mut rng) {
                codec
                    .encode(Bytes::from(frame), &mut wbuf)
                    .map_err(|e| e.to_string())?;
            }
        }
        if !wbuf.is_empty() {
            stream.write_all(&wbuf).await.map_err(|e| e.to_string())?;
            wbuf.clear();
        }
        let deadline = encrypted
            .as_ref()
            .and_then(|e| e.session.poll_timeout())
            .map(tokio::time::Instant::from_std);
        tokio::select! {
            read = stream.read_buf(&mut rbuf) => {
                if read.map_err(|e| e.to_string())? == 0 {
                    return Ok(());
                }
            }
            () = async { tokio::time::sleep_until(deadline.expect("guarded")).await }, if deadline.is_some() => {
                if let Some(enc) = encrypted.as_mut() {
                    enc.session.handle_timeout(now(dc.config.clock_skew));
                }
            }
        }
    }
}
