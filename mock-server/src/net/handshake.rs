//! The server's half of the key exchange on one connection: plain
//! messages in, plain messages out, the pure steps of
//! `tg_mtproto::auth::server` in between.

use tg_mtproto::auth::server::{self, Outcome};
use tg_mtproto::auth::{PrivateKey, server::Finished};
use tg_mtproto::mtp::plain::Plain;
use tg_mtproto::mtp::{Random, Role};
use tl::{Deserializable, Serializable, functions};

/// Where the exchange stands.
pub(crate) enum Handshake {
    AwaitPq,
    AwaitDhParams(server::Step1),
    AwaitClientDh(server::Step2),
    Done,
}

/// What one plain message produced.
pub(crate) enum Step {
    /// Send this plain frame back.
    Answer(Vec<u8>),
    /// Send this frame back; the key is agreed.
    Finished(Vec<u8>, Box<Finished>),
}

pub(crate) struct ServerHandshake {
    plain: Plain,
    state: Handshake,
}

impl ServerHandshake {
    pub(crate) fn new() -> Self {
        Self {
            plain: Plain::new(Role::Server),
            state: Handshake::AwaitPq,
        }
    }

    /// Handles one plain frame. Errors end the connection.
    pub(crate) fn on_frame(
        &mut self,
        frame: &[u8],
        keys: &[PrivateKey],
        rng: &mut dyn Random,
        now_unix: i32,
        key_in_use: impl FnOnce(i64) -> bool,
    ) -> Result<Step, String> {
        let body = self.plain.unpack(frame).map_err(|e| e.to_string())?;
        let state = std::mem::replace(&mut self.state, Handshake::Done);
        let unix = std::time::Duration::from_secs(u64::try_from(now_unix).unwrap_or(0));
        match state {
            Handshake::AwaitPq => {
                let nonce = match functions::ReqPqMulti::from_bytes(&body) {
                    Ok(r) => r.nonce,
                    Err(_) => {
                        functions::ReqPq::from_bytes(&body)
                            .map_err(|e| format!("expected req_pq_multi: {e}"))?
                            .nonce
                    }
                };
                let mut random = [0u8; server::STEP1_RANDOM_LEN];
                rng.fill(&mut random);
                let (answer, step) = server::step1(nonce, keys, &random);
                self.state = Handshake::AwaitDhParams(step);
                Ok(Step::Answer(self.plain.pack(&answer.to_bytes(), unix)))
            }
            Handshake::AwaitDhParams(step1) => {
                let request = functions::ReqDhParams::from_bytes(&body)
                    .map_err(|e| format!("expected req_DH_params: {e}"))?;
                let mut random = [0u8; server::STEP2_RANDOM_LEN];
                rng.fill(&mut random);
                let (answer, step) = server::step2(step1, request, keys, &random, now_unix)
                    .map_err(|e| e.to_string())?;
                self.state = Handshake::AwaitClientDh(step);
                Ok(Step::Answer(self.plain.pack(&answer.to_bytes(), unix)))
            }
            Handshake::AwaitClientDh(step2) => {
                let request = functions::SetClientDhParams::from_bytes(&body)
                    .map_err(|e| format!("expected set_client_DH_params: {e}"))?;
                let (answer, outcome) =
                    server::step3(step2, request, key_in_use).map_err(|e| e.to_string())?;
                let frame = self.plain.pack(&answer.to_bytes(), unix);
                match outcome {
                    Outcome::Finished(done) => Ok(Step::Finished(frame, Box::new(done))),
                    Outcome::Retry(step) => {
                        self.state = Handshake::AwaitClientDh(step);
                        Ok(Step::Answer(frame))
                    }
                }
            }
            Handshake::Done => Err("a plain message after the key exchange".to_owned()),
        }
    }
}
