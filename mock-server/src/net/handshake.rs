//! The server's half of the key exchange on one connection: plain
//! messages in, plain messages out, the pure steps of
//! `tg_mtproto::auth::server` in between.

use tg_mtproto::auth::server::{self, Outcome};
use tg_mtproto::auth::{PrivateKey, server::Finished};
use tg_mtproto::mtp::plain::Plain;
use tg_mtproto::mtp::{Random, Role};
use tl::{Deserializable, Identifiable, Serializable, functions};

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
        let mut state = std::mem::replace(&mut self.state, Handshake::Done);
        // A new `req_pq(_multi)` starts over, at any point and after a
        // finished exchange too: Telethon retries on the same connection
        // when its own checks fail (it reads the 1 in 256 keys that start
        // with a zero byte as 255 bytes, so their `new_nonce_hash1`
        // mismatches), and Telegram lets it.
        let id = body
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if matches!(
            id,
            Some(functions::ReqPqMulti::CONSTRUCTOR_ID | functions::ReqPq::CONSTRUCTOR_ID)
        ) {
            state = Handshake::AwaitPq;
        }
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

#[cfg(test)]
mod tests {
    use tg_mtproto::auth::{self, DhOutcome, KeySet, test_server_key};
    use tg_mtproto::mtp::SeededRandom;
    use tl::enums;

    use super::*;

    const NOW: i32 = 1_700_000_000;

    /// The client's side of the plain messages.
    struct Client {
        plain: Plain,
        rng: SeededRandom,
    }

    impl Client {
        fn new(seed: u64) -> Self {
            Self {
                plain: Plain::new(Role::Client),
                rng: SeededRandom::new(seed),
            }
        }

        /// Sends `request` to `server`; its answer decoded as `T`.
        fn send<T: Deserializable>(
            &mut self,
            server: &mut ServerHandshake,
            request: &impl Serializable,
            srng: &mut SeededRandom,
        ) -> (T, Option<Box<Finished>>) {
            let unix = std::time::Duration::from_secs(NOW as u64);
            let frame = self.plain.pack(&request.to_bytes(), unix);
            let keys = [test_server_key()];
            let (out, done) = match server.on_frame(&frame, &keys, srng, NOW, |_| false) {
                Ok(Step::Answer(out)) => (out, None),
                Ok(Step::Finished(out, done)) => (out, Some(done)),
                Err(e) => panic!("server refused: {e}"),
            };
            let body = self.plain.unpack(&out).expect("a server's plain message");
            (T::from_bytes(&body).expect("answer decodes"), done)
        }

        /// A whole exchange with `server`; both sides' keys.
        fn exchange(
            &mut self,
            server: &mut ServerHandshake,
            srng: &mut SeededRandom,
        ) -> ([u8; 256], [u8; 256]) {
            let mut nonce = [0u8; 16];
            self.rng.fill(&mut nonce);
            let (req, s1) = auth::step1(nonce);
            let (res_pq, _) = self.send::<enums::ResPq>(server, &req, srng);
            let set = KeySet::empty().with(test_server_key().public_key().clone());
            let mut r2 = [0u8; auth::STEP2_RANDOM_LEN];
            self.rng.fill(&mut r2);
            let (req, s2) = auth::step2(s1, res_pq, &set, 2, &r2).expect("step 2");
            let (params, _) = self.send::<enums::ServerDhParams>(server, &req, srng);
            let mut r3 = [0u8; auth::STEP3_RANDOM_LEN];
            self.rng.fill(&mut r3);
            let (req, s3) = auth::step3(s2, params, &r3, NOW).expect("step 3");
            let (answer, done) = self.send::<enums::SetClientDhParamsAnswer>(server, &req, srng);
            let DhOutcome::Finished(mine) = auth::create_key(s3, answer).expect("dh_gen_ok") else {
                panic!("dh_gen_retry");
            };
            (mine.auth_key, done.expect("server finished").auth_key)
        }
    }

    /// Regression: a second exchange on the connection (Telethon's retry
    /// after its own check failed) got the connection closed.
    #[test]
    fn a_connection_can_exchange_keys_again() {
        let mut server = ServerHandshake::new();
        let mut srng = SeededRandom::new(3);
        let mut client = Client::new(4);
        let (a_client, a_server) = client.exchange(&mut server, &mut srng);
        assert_eq!(a_client, a_server);
        let (b_client, b_server) = client.exchange(&mut server, &mut srng);
        assert_eq!(b_client, b_server);
        assert_ne!(a_client, b_client);
    }

    #[test]
    fn req_pq_multi_restarts_an_unfinished_exchange() {
        let mut server = ServerHandshake::new();
        let mut srng = SeededRandom::new(5);
        let mut client = Client::new(6);
        let (req, _) = auth::step1([7; 16]);
        let _: (enums::ResPq, _) = client.send(&mut server, &req, &mut srng);
        let (a_client, a_server) = client.exchange(&mut server, &mut srng);
        assert_eq!(a_client, a_server);
    }

    #[test]
    fn other_plain_messages_after_the_exchange_are_refused() {
        let mut server = ServerHandshake::new();
        let mut srng = SeededRandom::new(8);
        let mut client = Client::new(9);
        client.exchange(&mut server, &mut srng);
        let frame = client.plain.pack(
            &functions::Ping { ping_id: 1 }.to_bytes(),
            std::time::Duration::from_secs(NOW as u64),
        );
        let keys = [test_server_key()];
        assert!(
            server
                .on_frame(&frame, &keys, &mut srng, NOW, |_| false)
                .is_err()
        );
    }
}
