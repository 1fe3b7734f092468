use std::sync::LazyLock;

use proptest::prelude::*;
use tl::{Deserializable, Identifiable};

use super::*;
use crate::auth::rsa::{KeySet, PRODUCTION_KEY_FINGERPRINT, test_server_key};
use crate::auth::testutil::{arr, body, decimal, value};
use crate::auth::{self as client, DhOutcome};

static KEY: LazyLock<PrivateKey> = LazyLock::new(test_server_key);

fn keys() -> &'static [PrivateKey] {
    std::slice::from_ref(&*KEY)
}

fn client_keys() -> KeySet {
    KeySet::empty().with(KEY.public_key().clone())
}

fn random<const N: usize>(seed: u8) -> [u8; N] {
    std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8) | 1)
}

/// How the client encrypts `p_q_inner_data`.
#[derive(Clone, Copy, PartialEq)]
enum Scheme {
    RsaPad,
    /// Telethon: `p_q_inner_data` (no dc) in `RSA(SHA1(data) + data + padding)`.
    Legacy,
}

/// Runs both roles against each other; the server answers
/// `dh_gen_retry` `retries` times.
fn exchange(scheme: Scheme, retries: usize) -> (client::Finished, Finished) {
    let (request, c1) = client::step1(random(1));
    let (res_pq, s1) = step1(request.nonce, keys(), &random(2));
    let c_random: [u8; client::STEP2_RANDOM_LEN] = random(3);
    let (mut request, c2) =
        client::step2(c1, res_pq.clone(), &client_keys(), -2, &c_random).expect("client 2");
    if scheme == Scheme::Legacy {
        let enums::ResPq::ResPq(res) = res_pq;
        let inner = enums::PQInnerData::PQInnerData(types::PQInnerData {
            pq: res.pq,
            p: request.p.clone(),
            q: request.q.clone(),
            nonce: res.nonce,
            server_nonce: res.server_nonce,
            new_nonce: arr(&c_random[..32]),
        });
        request.encrypted_data = KEY
            .public_key()
            .encrypt_legacy(&inner.to_bytes(), &random(4))
            .expect("legacy");
    }
    let (params, mut s2) = step2(s1, request, keys(), &random(5), 1_700_000_100).expect("server 2");
    let (mut request, mut c3) =
        client::step3(c2, params, &random(6), 1_700_000_000).expect("client 3");
    let mut busy = retries;
    loop {
        let taken = busy > 0;
        busy = busy.saturating_sub(1);
        let (answer, outcome) = step3(s2, request, |_| taken).expect("server 3");
        match (client::create_key(c3, answer).expect("create_key"), outcome) {
            (DhOutcome::Finished(c), Outcome::Finished(s)) => return (c, s),
            (DhOutcome::Retry(retry), Outcome::Retry(next)) => {
                s2 = next;
                (request, c3) = client::step3_retry(retry, &random(7 + busy as u8)).expect("retry");
            }
            _ => panic!("the roles disagree"),
        }
    }
}

#[test]
fn roles_agree_with_rsa_pad() {
    let (client, server) = exchange(Scheme::RsaPad, 0);
    assert_eq!(client.auth_key, server.auth_key);
    assert_eq!(client.first_salt, server.first_salt);
    assert_eq!(client.time_offset, 100);
    assert_eq!(server.client_time_offset(1_700_000_000 << 32), 100);
    let info = InnerInfo {
        dc: Some(-2),
        expires_in: None,
        legacy_rsa: false,
    };
    assert_eq!(server.inner, info);
    assert_eq!(server.auth_key_id(), client.auth_key_id());
}

#[test]
fn roles_agree_with_legacy_rsa() {
    let (client, server) = exchange(Scheme::Legacy, 0);
    assert_eq!(client.auth_key, server.auth_key);
    assert_eq!(server.inner.dc, None);
    assert!(server.inner.legacy_rsa);
}

#[test]
fn roles_agree_after_dh_gen_retry() {
    let (plain, _) = exchange(Scheme::RsaPad, 0);
    let (client, server) = exchange(Scheme::RsaPad, 2);
    assert_eq!(client.auth_key, server.auth_key);
    assert_ne!(client.auth_key, plain.auth_key);
    assert_eq!(client.first_salt, plain.first_salt);
}

#[test]
fn res_pq_is_like_telegrams() {
    let (response, state) = step1([9; 16], keys(), &random(2));
    let enums::ResPq::ResPq(res) = response;
    assert_eq!(res.nonce, [9; 16]);
    assert_eq!(res.pq.len(), 8);
    assert_eq!(res.server_public_key_fingerprints, [KEY.fingerprint()]);
    let pq = u64::from_be_bytes(arr(&res.pq));
    let (p, q) = pq::factorize(pq).expect("factors");
    assert!(pq::is_prime(p) && pq::is_prime(q) && p < q && q < 1 << 32);
    assert_eq!((state.p, state.q), (be_bytes(p), be_bytes(q)));
}

/// The official example's req_DH_params is encrypted for Telegram's
/// production key, whose private half we do not have: the server role
/// cannot replay it and says so.
#[test]
fn the_official_example_needs_telegrams_private_key() {
    let state = Step1 {
        nonce: arr(&value("nonce")),
        server_nonce: arr(&value("server_nonce")),
        pq: be_bytes(decimal("pq_decimal")),
        p: be_bytes(decimal("p_decimal")),
        q: be_bytes(decimal("q_decimal")),
    };
    let request = functions::ReqDhParams::from_bytes(&body("req_DH_params")).expect("decode");
    let refused = step2(state, request, keys(), &random(1), 0);
    let fingerprints = vec![PRODUCTION_KEY_FINGERPRINT];
    assert_eq!(
        refused.err(),
        Some(Error::UnknownFingerprint { fingerprints })
    );
}

/// A client at req_DH_params, and the server state that expects it.
fn at_req_dh_params() -> (functions::ReqDhParams, Step1, [u8; 32]) {
    let (request, c1) = client::step1(random(1));
    let (res_pq, s1) = step1(request.nonce, keys(), &random(2));
    let c_random: [u8; client::STEP2_RANDOM_LEN] = random(3);
    let (request, _) = client::step2(c1, res_pq, &client_keys(), 2, &c_random).expect("c2");
    (request, s1, arr(&c_random[..32]))
}

#[test]
fn hostile_req_dh_params_are_refused() {
    let (good, s1, new_nonce) = at_req_dh_params();
    let with_inner = |inner: enums::PQInnerData| functions::ReqDhParams {
        encrypted_data: KEY
            .public_key()
            .encrypt_rsa_pad(&inner.to_bytes(), &[5; 224])
            .expect("encrypt"),
        ..good.clone()
    };
    let inner = types::PQInnerDataTempDc {
        pq: s1.pq.clone(),
        p: s1.p.clone(),
        q: s1.q.clone(),
        nonce: s1.nonce,
        server_nonce: s1.server_nonce,
        new_nonce,
        dc: 4,
        expires_in: 3600,
    };
    let temp = with_inner(enums::PQInnerData::TempDc(inner.clone()));
    let (_, state) = step2(s1.clone(), temp, keys(), &random(4), 0).expect("temp keys");
    assert_eq!(
        (state.inner.dc, state.inner.expires_in),
        (Some(4), Some(3600))
    );
    let cases = [
        (
            functions::ReqDhParams {
                nonce: [0; 16],
                ..good.clone()
            },
            Error::InvalidNonce,
        ),
        (
            functions::ReqDhParams {
                server_nonce: [0; 16],
                ..good.clone()
            },
            Error::InvalidServerNonce,
        ),
        (
            functions::ReqDhParams {
                p: vec![3],
                ..good.clone()
            },
            Error::InvalidPqInnerData,
        ),
        (
            functions::ReqDhParams {
                public_key_fingerprint: 7,
                ..good.clone()
            },
            Error::UnknownFingerprint {
                fingerprints: vec![7],
            },
        ),
        (
            functions::ReqDhParams {
                encrypted_data: vec![1; 256],
                ..good.clone()
            },
            Error::InvalidEncryptedData,
        ),
        (
            functions::ReqDhParams {
                encrypted_data: vec![1; 255],
                ..good.clone()
            },
            Error::InvalidEncryptedData,
        ),
        (
            with_inner(enums::PQInnerData::TempDc(types::PQInnerDataTempDc {
                pq: vec![1, 2],
                ..inner.clone()
            })),
            Error::InvalidPqInnerData,
        ),
        (
            with_inner(enums::PQInnerData::TempDc(types::PQInnerDataTempDc {
                nonce: [0; 16],
                ..inner.clone()
            })),
            Error::InvalidNonce,
        ),
    ];
    for (request, error) in cases {
        assert_eq!(
            step2(s1.clone(), request, keys(), &random(4), 0).err(),
            Some(error)
        );
    }
}

#[test]
fn hostile_set_client_dh_params_are_refused() {
    let (request, s1, new_nonce) = at_req_dh_params();
    let (_, s2) = step2(s1, request, keys(), &random(4), 0).expect("s2");
    let (key, iv) = tmp_aes_key_iv(&s2.server_nonce, &new_nonce);
    let with_inner = |retry_id, g_b: Vec<u8>| {
        let inner = enums::ClientDhInnerData::ClientDhInnerData(types::ClientDhInnerData {
            nonce: s2.nonce,
            server_nonce: s2.server_nonce,
            retry_id,
            g_b,
        });
        functions::SetClientDhParams {
            nonce: s2.nonce,
            server_nonce: s2.server_nonce,
            encrypted_data: seal(&inner.to_bytes(), &key, &iv, &[0; 16]),
        }
    };
    let good_g_b = to_256(&(dh::telegram_prime() >> 1u8)).to_vec();
    assert!(step3(s2.clone(), with_inner(0, good_g_b.clone()), |_| false).is_ok());
    let mut tampered = with_inner(0, good_g_b.clone());
    grammers_crypto::aes::ige_decrypt(&mut tampered.encrypted_data, &key, &iv);
    tampered.encrypted_data[19] ^= 0x80;
    grammers_crypto::aes::ige_encrypt(&mut tampered.encrypted_data, &key, &iv);
    let cases = [
        (with_inner(1, good_g_b.clone()), Error::InvalidRetryId),
        (with_inner(0, vec![1]), Error::GbOutOfRange),
        (
            with_inner(0, to_256(&(dh::telegram_prime() - 1u8)).to_vec()),
            Error::GbOutOfRange,
        ),
        (
            functions::SetClientDhParams {
                nonce: [0; 16],
                ..with_inner(0, good_g_b.clone())
            },
            Error::InvalidNonce,
        ),
        (
            functions::SetClientDhParams {
                encrypted_data: vec![0; 40],
                ..with_inner(0, vec![])
            },
            Error::InvalidAnswerLength { len: 40 },
        ),
        (tampered, Error::InvalidAnswerHash),
    ];
    for (request, error) in cases {
        let refused = step3(s2.clone(), request, |_| false);
        assert_eq!(refused.err(), Some(error));
    }
}

fn with_id(id: u32, rest: &[u8]) -> Vec<u8> {
    [&id.to_le_bytes()[..], rest].concat()
}

/// A good req_DH_params, the server states before and after it.
static FIXTURE: LazyLock<(functions::ReqDhParams, Step1, Step2)> = LazyLock::new(|| {
    let (request, s1, _) = at_req_dh_params();
    let (_, s2) = step2(s1.clone(), request.clone(), keys(), &random(4), 0).expect("s2");
    (request, s1, s2)
});

proptest! {
    #[test]
    fn random_bytes_never_panic_the_server(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        prefixed in any::<bool>(),
    ) {
        let (_, s1, s2) = FIXTURE.clone();
        let data = if prefixed {
            with_id(functions::ReqDhParams::CONSTRUCTOR_ID, &bytes)
        } else {
            bytes.clone()
        };
        if let Ok(request) = functions::ReqDhParams::from_bytes(&data) {
            let _ = step2(s1, request, keys(), &random(4), 0);
        }
        let data = if prefixed {
            with_id(functions::SetClientDhParams::CONSTRUCTOR_ID, &bytes)
        } else {
            bytes
        };
        if let Ok(request) = functions::SetClientDhParams::from_bytes(&data) {
            let _ = step3(s2, request, |_| false);
        }
    }

    #[test]
    fn random_fields_never_panic_the_server(
        encrypted in proptest::collection::vec(any::<u8>(), 256),
        other in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let (good, s1, s2) = FIXTURE.clone();
        let request = functions::ReqDhParams { encrypted_data: encrypted, ..good };
        prop_assert!(step2(s1, request, keys(), &random(4), 0).is_err());
        let request = functions::SetClientDhParams {
            nonce: s2.nonce,
            server_nonce: s2.server_nonce,
            encrypted_data: other,
        };
        prop_assert!(step3(s2, request, |_| false).is_err());
    }
}
