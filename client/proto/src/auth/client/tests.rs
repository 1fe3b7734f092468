use grammers_crypto::aes::ige_decrypt;
use proptest::prelude::*;
use tl::{Deserializable, Identifiable};

use super::*;
use crate::auth::dh::{TELEGRAM_DH_PRIME, telegram_prime};
use crate::auth::rsa::{PRODUCTION_KEY_FINGERPRINT, PrivateKey, test_server_key};
use crate::auth::server;
use crate::auth::testutil::{UNSAFE_PRIME, arr, body, decimal, hex, value};

/// The official example's randomness for step 2: `new_nonce` and the
/// RSA_PAD padding. Its `temp_key` is not published (zeros here).
fn sample_step2_random() -> [u8; STEP2_RANDOM_LEN] {
    let mut random = value("new_nonce");
    random.extend(value("rsa_pad_random_padding_bytes"));
    random.resize(STEP2_RANDOM_LEN, 0);
    arr(&random)
}

/// The official example's randomness for step 3: `b` and the padding.
fn sample_step3_random() -> [u8; STEP3_RANDOM_LEN] {
    let mut random = value("b");
    random.extend(value("client_dh_padding"));
    random.resize(STEP3_RANDOM_LEN, 0);
    arr(&random)
}

/// <https://core.telegram.org/mtproto/samples-auth_key>, replayed from
/// the client side byte for byte. The server side cannot be replayed:
/// it needs Telegram's private key (see `server::tests`).
#[test]
fn official_worked_example() {
    // 1. req_pq_multi.
    let (request, state) = step1(arr(&value("nonce")));
    assert_eq!(request.to_bytes(), body("req_pq_multi"));

    // 2. resPQ -> req_DH_params, with p_q_inner_data_dc for DC 2.
    let res_pq = enums::ResPq::from_bytes(&body("resPQ")).expect("resPQ");
    let enums::ResPq::ResPq(ref fields) = res_pq;
    let inner = pq_inner_data(
        &fields.pq,
        fields.nonce,
        fields.server_nonce,
        arr(&value("new_nonce")),
        2,
    )
    .expect("pq");
    assert_eq!(inner.p, be_bytes(decimal("p_decimal")));
    assert_eq!(inner.q, be_bytes(decimal("q_decimal")));
    let inner = enums::PQInnerData::Dc(inner).to_bytes();
    assert_eq!(inner, value("p_q_inner_data_dc"));
    assert_eq!(
        inner.len() + value("rsa_pad_random_padding_bytes").len(),
        192
    );
    let random = sample_step2_random();
    let (request, state) = step2(state, res_pq, &KeySet::production(), 2, &random).expect("step2");
    assert_eq!(request.public_key_fingerprint, PRODUCTION_KEY_FINGERPRINT);
    assert_eq!(request.encrypted_data.len(), 256);
    // Everything but RSA_PAD's output (its temp_key is unknown) matches.
    let published = functions::ReqDhParams {
        encrypted_data: value("rsa_pad_encrypted_data"),
        ..request
    };
    assert_eq!(published.to_bytes(), body("req_DH_params"));

    // 3. server_DH_params_ok -> set_client_DH_params.
    let (key, iv) = tmp_aes_key_iv(&arr(&value("server_nonce")), &arr(&value("new_nonce")));
    let response = enums::ServerDhParams::from_bytes(&body("server_DH_params_ok")).expect("ok");
    let enums::ServerDhParams::Ok(ref ok) = response else {
        panic!("not server_DH_params_ok")
    };
    let mut answer = ok.encrypted_answer.clone();
    ige_decrypt(&mut answer, &key, &iv);
    assert_eq!(answer, value("answer_with_hash"));
    // The client's clock is one second behind (msg_id 0x65C53D50...).
    let (request, state) =
        step3(state, response, &sample_step3_random(), 0x65C5_3D50).expect("step3");
    assert_eq!(request.encrypted_data, value("client_dh_encrypted_data"));
    assert_eq!(request.to_bytes(), body("set_client_DH_params"));
    let mut plain = request.encrypted_data.clone();
    ige_decrypt(&mut plain, &key, &iv);
    let inner = value("client_DH_inner_data");
    assert_eq!(plain[..20], sha1(&[&inner]));
    assert_eq!(plain[20..20 + inner.len()], inner[..]);
    assert_eq!(plain[20 + inner.len()..], value("client_dh_padding")[..]);
    assert_eq!(inner[inner.len() - 256..], value("g_b")[..]);

    // 4. dh_gen_ok: the key, its id, the time offset and the first salt.
    let answer = enums::SetClientDhParamsAnswer::from_bytes(&body("dh_gen_ok")).expect("ok");
    let DhOutcome::Finished(done) = create_key(state, answer).expect("create_key") else {
        panic!("not finished")
    };
    assert_eq!(done.auth_key.to_vec(), value("auth_key"));
    assert_eq!(
        done.auth_key_id().to_le_bytes().to_vec(),
        hex("65588B3350EF784E")
    );
    assert_eq!(done.time_offset, 1);
    assert_eq!(
        done.first_salt.to_le_bytes().to_vec(),
        hex("49A6747298503DCE")
    );
    assert!(!format!("{done:?}").contains("auth_key:"));
}

// ---- A hostile server, one check at a time. ----

const NONCE: [u8; 16] = [0x11; 16];
const NEW_NONCE: [u8; 32] = [0x33; 32];

struct Hostile {
    key: PrivateKey,
    res_pq: types::ResPq,
    server: server::Step1,
}

impl Hostile {
    fn new() -> Self {
        let key = test_server_key();
        let (enums::ResPq::ResPq(res_pq), server) =
            server::step1(NONCE, std::slice::from_ref(&key), &[0x22; 24]);
        Self {
            key,
            res_pq,
            server,
        }
    }

    fn keys(&self) -> KeySet {
        KeySet::empty().with(self.key.public_key().clone())
    }

    fn step2_with(&self, res_pq: types::ResPq) -> Result<Step2, Error> {
        let mut random = [0x44; STEP2_RANDOM_LEN];
        random[..32].copy_from_slice(&NEW_NONCE);
        let response = enums::ResPq::ResPq(res_pq);
        step2(step1(NONCE).1, response, &self.keys(), 2, &random).map(|(_, s)| s)
    }

    /// The client, waiting for server_DH_params, and the honest answer.
    fn at_step3(&self) -> (Step2, types::ServerDhInnerData) {
        let mut random = [0x44; STEP2_RANDOM_LEN];
        random[..32].copy_from_slice(&NEW_NONCE);
        let response = enums::ResPq::ResPq(self.res_pq.clone());
        let (request, client) =
            step2(step1(NONCE).1, response, &self.keys(), 2, &random).expect("step2");
        let keys = std::slice::from_ref(&self.key);
        let (response, _) = server::step2(self.server.clone(), request, keys, &[0x55; 272], 1000)
            .expect("server step2");
        let enums::ServerDhParams::Ok(ok) = response else {
            panic!("fail")
        };
        let inner = opened(&ok.encrypted_answer);
        (client, inner)
    }

    fn step3_with(&self, inner: types::ServerDhInnerData) -> Result<Step3, Error> {
        let (client, _) = self.at_step3();
        let answer = sealed(&inner);
        let response = enums::ServerDhParams::Ok(types::ServerDhParamsOk {
            nonce: NONCE,
            server_nonce: self.res_pq.server_nonce,
            encrypted_answer: answer,
        });
        step3(client, response, &[0x66; STEP3_RANDOM_LEN], 1000).map(|(_, s)| s)
    }

    fn finished_step3(&self) -> Step3 {
        let (_, inner) = self.at_step3();
        self.step3_with(inner).expect("honest step3")
    }
}

fn tmp_key() -> ([u8; 32], [u8; 32]) {
    tmp_aes_key_iv(&Hostile::new().res_pq.server_nonce, &NEW_NONCE)
}

fn sealed(inner: &types::ServerDhInnerData) -> Vec<u8> {
    let (key, iv) = tmp_key();
    let boxed = enums::ServerDhInnerData::ServerDhInnerData(inner.clone());
    seal(&boxed.to_bytes(), &key, &iv, &[0; 16])
}

fn opened(encrypted: &[u8]) -> types::ServerDhInnerData {
    let (key, iv) = tmp_key();
    let enums::ServerDhInnerData::ServerDhInnerData(inner) =
        open(encrypted, &key, &iv).expect("open");
    inner
}

#[test]
fn hostile_res_pq_is_refused() {
    let h = Hostile::new();
    assert!(h.step2_with(h.res_pq.clone()).is_ok());
    let cases = [
        (
            types::ResPq {
                nonce: [0; 16],
                ..h.res_pq.clone()
            },
            Error::InvalidNonce,
        ),
        (
            types::ResPq {
                server_public_key_fingerprints: vec![1, PRODUCTION_KEY_FINGERPRINT],
                ..h.res_pq.clone()
            },
            Error::UnknownFingerprint {
                fingerprints: vec![1, PRODUCTION_KEY_FINGERPRINT],
            },
        ),
        (
            types::ResPq {
                pq: be_bytes(1_000_000_007),
                ..h.res_pq.clone()
            },
            Error::Factorization { pq: 1_000_000_007 },
        ),
        (
            types::ResPq {
                pq: vec![1; 9],
                ..h.res_pq.clone()
            },
            Error::InvalidPq { len: 9 },
        ),
        (
            types::ResPq {
                pq: vec![],
                ..h.res_pq.clone()
            },
            Error::InvalidPq { len: 0 },
        ),
    ];
    for (res_pq, error) in cases {
        assert_eq!(h.step2_with(res_pq).err(), Some(error));
    }
}

#[test]
fn hostile_server_dh_params_are_refused() {
    let h = Hostile::new();
    let (_, good) = h.at_step3();
    assert!(h.step3_with(good.clone()).is_ok());
    let p = telegram_prime();
    let margin = BigUint::from(1u8) << 1984u32;
    let with_prime = |dh_prime: Vec<u8>| types::ServerDhInnerData {
        dh_prime,
        ..good.clone()
    };
    let with_g = |g| types::ServerDhInnerData { g, ..good.clone() };
    let with_g_a = |g_a: BigUint| types::ServerDhInnerData {
        g_a: g_a.to_bytes_be(),
        ..good.clone()
    };
    let unsafe_prime = hex(UNSAFE_PRIME);
    let cases = [
        (
            types::ServerDhInnerData {
                nonce: [0; 16],
                ..good.clone()
            },
            Error::InvalidNonce,
        ),
        (
            types::ServerDhInnerData {
                server_nonce: [0; 16],
                ..good.clone()
            },
            Error::InvalidServerNonce,
        ),
        (with_prime(unsafe_prime), Error::InvalidDhPrime),
        (
            with_prime(to_256(&(&p + 2u8)).to_vec()),
            Error::InvalidDhPrime,
        ),
        (
            with_prime(TELEGRAM_DH_PRIME[1..].to_vec()),
            Error::InvalidDhPrime,
        ),
        (with_prime(vec![23]), Error::InvalidDhPrime),
        (with_g(2), Error::InvalidG { g: 2 }),
        (with_g(1), Error::InvalidG { g: 1 }),
        (with_g(8), Error::InvalidG { g: 8 }),
        (with_g_a(BigUint::from(1u8)), Error::GaOutOfRange),
        (with_g_a(&p - 1u8), Error::GaOutOfRange),
        (with_g_a(&margin - 1u8), Error::GaOutOfRange),
        (with_g_a(&p - &margin + 1u8), Error::GaOutOfRange),
        (with_g_a(p.clone()), Error::GaOutOfRange),
    ];
    for (inner, error) in cases {
        assert_eq!(h.step3_with(inner).err(), Some(error));
    }
}

#[test]
fn tampered_server_dh_params_are_refused() {
    let h = Hostile::new();
    let (_, good) = h.at_step3();
    let server_nonce = h.res_pq.server_nonce;
    let ok = |nonce, server_nonce, encrypted_answer| {
        enums::ServerDhParams::Ok(types::ServerDhParamsOk {
            nonce,
            server_nonce,
            encrypted_answer,
        })
    };
    let (key, iv) = tmp_key();
    let mut bad_hash = sealed(&good);
    ige_decrypt(&mut bad_hash, &key, &iv);
    bad_hash[0] ^= 1;
    grammers_crypto::aes::ige_encrypt(&mut bad_hash, &key, &iv);
    let mut long_padding = sealed(&good);
    long_padding.extend(sealed(&good)[..16].to_vec());
    let hash = |n: &[u8; 32]| arr::<16>(&sha1(&[n])[4..]);
    let fail = |new_nonce_hash| {
        enums::ServerDhParams::Fail(types::ServerDhParamsFail {
            nonce: NONCE,
            server_nonce,
            new_nonce_hash,
        })
    };
    let cases = [
        (
            ok([0; 16], server_nonce, sealed(&good)),
            Error::InvalidNonce,
        ),
        (ok(NONCE, [0; 16], sealed(&good)), Error::InvalidServerNonce),
        (ok(NONCE, server_nonce, bad_hash), Error::InvalidAnswerHash),
        (
            ok(NONCE, server_nonce, sealed(&good)[..590].to_vec()),
            Error::InvalidAnswerLength { len: 590 },
        ),
        (
            ok(NONCE, server_nonce, vec![0; 33]),
            Error::InvalidAnswerLength { len: 33 },
        ),
        (
            ok(NONCE, server_nonce, long_padding.clone()),
            Error::InvalidAnswerLength {
                len: long_padding.len(),
            },
        ),
        (fail(hash(&NEW_NONCE)), Error::ServerDhParamsFail),
        (fail([0; 16]), Error::InvalidNewNonceHash),
    ];
    for (response, error) in cases {
        let (client, _) = h.at_step3();
        let refused = step3(client, response, &[0x66; STEP3_RANDOM_LEN], 0);
        assert_eq!(refused.err(), Some(error));
    }
}

#[test]
fn hostile_dh_gen_answers_are_refused() {
    let h = Hostile::new();
    let state = h.finished_step3();
    let server_nonce = h.res_pq.server_nonce;
    let hash = |n| dh::new_nonce_hash(&state.auth_key, &NEW_NONCE, n);
    use enums::SetClientDhParamsAnswer as A;
    let ok = |nonce, server_nonce, new_nonce_hash1| {
        A::DhGenOk(types::DhGenOk {
            nonce,
            server_nonce,
            new_nonce_hash1,
        })
    };
    let cases = [
        (ok([0; 16], server_nonce, hash(1)), Error::InvalidNonce),
        (ok(NONCE, [0; 16], hash(1)), Error::InvalidServerNonce),
        (ok(NONCE, server_nonce, hash(2)), Error::InvalidNewNonceHash),
        (ok(NONCE, server_nonce, [0; 16]), Error::InvalidNewNonceHash),
        (
            A::DhGenFail(types::DhGenFail {
                nonce: NONCE,
                server_nonce,
                new_nonce_hash3: hash(3),
            }),
            Error::DhGenFail,
        ),
        (
            A::DhGenRetry(types::DhGenRetry {
                nonce: NONCE,
                server_nonce,
                new_nonce_hash2: hash(3),
            }),
            Error::InvalidNewNonceHash,
        ),
    ];
    for (answer, error) in cases {
        assert_eq!(create_key(state.clone(), answer).err(), Some(error));
    }
    let good = ok(NONCE, server_nonce, hash(1));
    assert!(matches!(
        create_key(state, good),
        Ok(DhOutcome::Finished(_))
    ));
}

#[test]
fn endless_retries_are_refused() {
    let h = Hostile::new();
    let mut state = h.finished_step3();
    for attempt in 0..=MAX_RETRIES {
        let answer = enums::SetClientDhParamsAnswer::DhGenRetry(types::DhGenRetry {
            nonce: NONCE,
            server_nonce: h.res_pq.server_nonce,
            new_nonce_hash2: dh::new_nonce_hash(&state.auth_key, &NEW_NONCE, 2),
        });
        match create_key(state.clone(), answer) {
            Ok(DhOutcome::Retry(retry)) => {
                assert_eq!(
                    retry.params.retry_id,
                    dh::auth_key_aux_hash(&state.auth_key)
                );
                let random = [attempt as u8 + 1; STEP3_RANDOM_LEN];
                state = step3_retry(retry, &random).expect("retry").1;
            }
            Err(error) => {
                assert_eq!(attempt, MAX_RETRIES);
                assert_eq!(error, Error::TooManyRetries { max: MAX_RETRIES });
                return;
            }
            Ok(DhOutcome::Finished(_)) => panic!("finished on a retry"),
        }
    }
    panic!("retried forever");
}

#[test]
fn errors_display_clearly() {
    let text = Error::InvalidG { g: 9 }.to_string();
    assert_eq!(
        text,
        "auth key exchange: g = 9 is not a valid generator for dh_prime"
    );
    let decode = tl::DeserializeError::UnexpectedEof {
        needed: 4,
        remaining: 0,
    };
    assert_eq!(Error::from(decode.clone()), Error::Decode(decode));
}

// ---- Random input never panics the client. ----

fn any_step2() -> Step2 {
    Step2 {
        nonce: NONCE,
        server_nonce: [0x22; 16],
        new_nonce: NEW_NONCE,
    }
}

fn any_step3() -> Step3 {
    let p = telegram_prime();
    Step3 {
        params: Params {
            nonce: NONCE,
            server_nonce: [0x22; 16],
            new_nonce: NEW_NONCE,
            key: [1; 32],
            iv: [2; 32],
            g: BigUint::from(3u8),
            g_a: &p - 12345u32,
            p,
            time_offset: 0,
            retry_id: 0,
            retries: 0,
        },
        auth_key: [7; 256],
    }
}

fn with_id(id: u32, rest: &[u8]) -> Vec<u8> {
    [&id.to_le_bytes()[..], rest].concat()
}

proptest! {
    #[test]
    fn random_bytes_never_panic_the_client(
        bytes in proptest::collection::vec(any::<u8>(), 0..700),
        id in 0usize..3,
    ) {
        let ids = [
            types::ResPq::CONSTRUCTOR_ID,
            types::ServerDhParamsOk::CONSTRUCTOR_ID,
            types::DhGenOk::CONSTRUCTOR_ID,
        ];
        let data = with_id(ids[id], &bytes);
        for data in [&bytes, &data] {
            if let Ok(res_pq) = enums::ResPq::from_bytes(data) {
                let _ = step2(step1(NONCE).1, res_pq, &KeySet::telegram(), 2, &[0; STEP2_RANDOM_LEN]);
            }
            if let Ok(params) = enums::ServerDhParams::from_bytes(data) {
                let _ = step3(any_step2(), params, &[0; STEP3_RANDOM_LEN], 0);
            }
            if let Ok(answer) = enums::SetClientDhParamsAnswer::from_bytes(data) {
                let _ = create_key(any_step3(), answer);
            }
        }
    }

    #[test]
    fn random_fields_never_panic_the_client(
        pq in proptest::collection::vec(any::<u8>(), 0..10),
        known in any::<bool>(),
        answer in proptest::collection::vec(any::<u8>(), 0..700),
        hash in any::<[u8; 16]>(),
        kind in 0usize..3,
    ) {
        let fingerprints = if known { vec![PRODUCTION_KEY_FINGERPRINT] } else { vec![9] };
        let res_pq = enums::ResPq::ResPq(types::ResPq {
            nonce: NONCE,
            server_nonce: [0x22; 16],
            pq,
            server_public_key_fingerprints: fingerprints,
        });
        let _ = step2(step1(NONCE).1, res_pq, &KeySet::telegram(), 2, &[0; STEP2_RANDOM_LEN]);
        let params = enums::ServerDhParams::Ok(types::ServerDhParamsOk {
            nonce: NONCE,
            server_nonce: [0x22; 16],
            encrypted_answer: answer,
        });
        prop_assert!(step3(any_step2(), params, &[0; STEP3_RANDOM_LEN], 0).is_err());
        use enums::SetClientDhParamsAnswer as A;
        let (nonce, server_nonce) = (NONCE, [0x22; 16]);
        let answer = match kind {
            0 => A::DhGenOk(types::DhGenOk { nonce, server_nonce, new_nonce_hash1: hash }),
            1 => A::DhGenRetry(types::DhGenRetry { nonce, server_nonce, new_nonce_hash2: hash }),
            _ => A::DhGenFail(types::DhGenFail { nonce, server_nonce, new_nonce_hash3: hash }),
        };
        prop_assert!(create_key(any_step3(), answer).is_err());
    }

    #[test]
    fn generated_answers_never_panic_the_client(
        res_pq in tl::random::strategy::<enums::ResPq>(2),
        params in tl::random::strategy::<enums::ServerDhParams>(2),
        answer in tl::random::strategy::<enums::SetClientDhParamsAnswer>(2),
    ) {
        let _ = step2(step1(NONCE).1, res_pq, &KeySet::telegram(), 2, &[0; STEP2_RANDOM_LEN]);
        let _ = step3(any_step2(), params, &[0; STEP3_RANDOM_LEN], 0);
        let _ = create_key(any_step3(), answer);
    }
}
