//! The server role of the auth key exchange, which the mock server runs
//! (<https://core.telegram.org/mtproto/auth_key>).
//!
//! It behaves like Telegram's servers: `pq` is the product of two primes
//! below 2^32, `dh_prime` is Telegram's prime with `g` = 3, and
//! `p_q_inner_data` is accepted in all four forms (with or without `dc`,
//! temporary or not), RSA_PAD-encrypted or in the legacy scheme that
//! Telethon uses.

use num_bigint::BigUint;
use tl::{Serializable, enums, functions, types};

use super::dh::{self, TELEGRAM_DH_G, TELEGRAM_DH_PRIME, in_safe_range, tmp_aes_key_iv};
use super::rsa::{Decrypted, PrivateKey, sha1, to_256};
use super::{Error, array_at, be_bytes, check_nonces, open, pq, seal};

/// Random bytes [`step1`] needs: `server_nonce` (16), then 8 to pick the
/// primes of `pq`.
pub const STEP1_RANDOM_LEN: usize = 16 + 8;

/// Random bytes [`step2`] needs: the secret `a` (256), then padding (16).
pub const STEP2_RANDOM_LEN: usize = 256 + 16;

/// State after [`step1`]: what `resPQ` said.
#[derive(Clone, Debug)]
pub struct Step1 {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    pq: Vec<u8>,
    p: Vec<u8>,
    q: Vec<u8>,
}

/// State after [`step2`]: the secret `a` and what the client must use.
#[derive(Clone)]
pub struct Step2 {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    key: [u8; 32],
    iv: [u8; 32],
    a: BigUint,
    server_time: i32,
    retry_id: i64,
    inner: InnerInfo,
}

/// What the client's `p_q_inner_data` asked for besides the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InnerInfo {
    /// The DC the client meant (`p_q_inner_data_dc` and `_temp_dc`).
    pub dc: Option<i32>,
    /// Lifetime of a temporary key (`p_q_inner_data_temp*`), in seconds.
    pub expires_in: Option<i32>,
    /// Whether the client used the legacy `SHA1(data) + data` RSA scheme.
    pub legacy_rsa: bool,
}

/// A completed exchange on the server side.
#[derive(Clone, PartialEq, Eq)]
pub struct Finished {
    /// The 2048-bit auth key, big-endian.
    pub auth_key: [u8; 256],
    /// The first server salt, `new_nonce[0..8] XOR server_nonce[0..8]`.
    pub first_salt: i64,
    /// The `server_time` sent in `server_DH_inner_data`.
    pub server_time: i32,
    /// What the client asked for in `p_q_inner_data`.
    pub inner: InnerInfo,
}

impl Finished {
    /// The key's id, as encrypted messages carry it.
    pub fn auth_key_id(&self) -> i64 {
        dh::auth_key_id(&self.auth_key)
    }

    /// The offset the client derived from `server_time`, given the `msg_id`
    /// of a message it sent during the exchange (whose upper 32 bits are its
    /// unix time then).
    pub fn client_time_offset(&self, client_msg_id: i64) -> i32 {
        let client_time = (client_msg_id >> 32) as i32;
        self.server_time.saturating_sub(client_time)
    }
}

impl std::fmt::Debug for Step2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step2")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished")
            .field("auth_key_id", &self.auth_key_id())
            .field("server_time", &self.server_time)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// What [`step3`] decided.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// `dh_gen_ok` was sent: the key is agreed.
    Finished(Finished),
    /// `dh_gen_retry` was sent: the client will send `set_client_DH_params`
    /// again, to be passed to [`step3`] with this state.
    Retry(Step2),
}

/// Answers `req_pq_multi` (or the old `req_pq`) carrying `nonce` with
/// `resPQ`: a random `server_nonce`, an 8-byte `pq`, and the fingerprints
/// of `keys`.
pub fn step1(
    nonce: [u8; 16],
    keys: &[PrivateKey],
    random: &[u8; STEP1_RANDOM_LEN],
) -> (enums::ResPq, Step1) {
    let server_nonce = array_at(random, 0);
    let (p, q) = pq::pick_primes(&array_at(random, 16));
    let pq = be_bytes(p * q);
    let response = enums::ResPq::ResPq(types::ResPq {
        nonce,
        server_nonce,
        pq: pq.clone(),
        server_public_key_fingerprints: keys.iter().map(PrivateKey::fingerprint).collect(),
    });
    let state = Step1 {
        nonce,
        server_nonce,
        pq,
        p: be_bytes(p),
        q: be_bytes(q),
    };
    (response, state)
}

/// Checks `req_DH_params`, decrypts `p_q_inner_data` with the key it names,
/// and answers `server_DH_params_ok` with Telegram's prime, g = 3, `g_a`
/// for the secret `a` from `random`, and `server_time` (the mock server's
/// clock, possibly skewed on purpose).
pub fn step2(
    data: Step1,
    request: functions::ReqDhParams,
    keys: &[PrivateKey],
    random: &[u8; STEP2_RANDOM_LEN],
    server_time: i32,
) -> Result<(enums::ServerDhParams, Step2), Error> {
    check_nonces(
        &request.nonce,
        &request.server_nonce,
        &data.nonce,
        &data.server_nonce,
    )?;
    if request.p != data.p || request.q != data.q {
        return Err(Error::InvalidPqInnerData);
    }
    let fingerprint = request.public_key_fingerprint;
    let Some(key) = keys.iter().find(|k| k.fingerprint() == fingerprint) else {
        let fingerprints = vec![fingerprint];
        return Err(Error::UnknownFingerprint { fingerprints });
    };
    let (inner, legacy_rsa) = decrypt_inner(key, &request.encrypted_data)?;
    let (fields, mut info) = inner_fields(&inner);
    info.legacy_rsa = legacy_rsa;
    if fields.pq != data.pq || fields.p != data.p || fields.q != data.q {
        return Err(Error::InvalidPqInnerData);
    }
    check_nonces(
        &fields.nonce,
        &fields.server_nonce,
        &data.nonce,
        &data.server_nonce,
    )?;
    let new_nonce = fields.new_nonce;

    let p = dh::telegram_prime();
    let a = BigUint::from_bytes_be(&random[..256]);
    let g_a = BigUint::from(TELEGRAM_DH_G.unsigned_abs()).modpow(&a, &p);
    if !in_safe_range(&g_a, &p) {
        return Err(Error::GaOutOfRange);
    }
    let answer = enums::ServerDhInnerData::ServerDhInnerData(types::ServerDhInnerData {
        nonce: data.nonce,
        server_nonce: data.server_nonce,
        g: TELEGRAM_DH_G,
        dh_prime: TELEGRAM_DH_PRIME.to_vec(),
        g_a: to_256(&g_a).to_vec(),
        server_time,
    });
    let (key, iv) = tmp_aes_key_iv(&data.server_nonce, &new_nonce);
    let response = enums::ServerDhParams::Ok(types::ServerDhParamsOk {
        nonce: data.nonce,
        server_nonce: data.server_nonce,
        encrypted_answer: seal(&answer.to_bytes(), &key, &iv, &array_at(random, 256)),
    });
    let state = Step2 {
        nonce: data.nonce,
        server_nonce: data.server_nonce,
        new_nonce,
        key,
        iv,
        a,
        server_time,
        retry_id: 0,
        inner: info,
    };
    Ok((response, state))
}

/// Checks `set_client_DH_params` (nonces, hash, `retry_id`, the range of
/// `g_b`), computes the key, and answers `dh_gen_ok`, or `dh_gen_retry` if
/// `key_id_in_use` says its id is taken (Telegram's reason to retry).
pub fn step3(
    data: Step2,
    request: functions::SetClientDhParams,
    key_id_in_use: impl FnOnce(i64) -> bool,
) -> Result<(enums::SetClientDhParamsAnswer, Outcome), Error> {
    use enums::SetClientDhParamsAnswer as A;
    check_nonces(
        &request.nonce,
        &request.server_nonce,
        &data.nonce,
        &data.server_nonce,
    )?;
    let enums::ClientDhInnerData::ClientDhInnerData(inner) =
        open(&request.encrypted_data, &data.key, &data.iv)?;
    check_nonces(
        &inner.nonce,
        &inner.server_nonce,
        &data.nonce,
        &data.server_nonce,
    )?;
    if inner.retry_id != data.retry_id {
        return Err(Error::InvalidRetryId);
    }
    let p = dh::telegram_prime();
    let g_b = BigUint::from_bytes_be(&inner.g_b);
    if !in_safe_range(&g_b, &p) {
        return Err(Error::GbOutOfRange);
    }
    let auth_key = to_256(&g_b.modpow(&data.a, &p));
    let (nonce, server_nonce) = (data.nonce, data.server_nonce);
    if key_id_in_use(dh::auth_key_id(&auth_key)) {
        let new_nonce_hash2 = dh::new_nonce_hash(&auth_key, &data.new_nonce, 2);
        let answer = A::DhGenRetry(types::DhGenRetry {
            nonce,
            server_nonce,
            new_nonce_hash2,
        });
        let retry_id = dh::auth_key_aux_hash(&auth_key);
        return Ok((answer, Outcome::Retry(Step2 { retry_id, ..data })));
    }
    let answer = A::DhGenOk(types::DhGenOk {
        nonce,
        server_nonce,
        new_nonce_hash1: dh::new_nonce_hash(&auth_key, &data.new_nonce, 1),
    });
    let finished = Finished {
        auth_key,
        first_salt: dh::first_salt(&data.new_nonce, &server_nonce),
        server_time: data.server_time,
        inner: data.inner,
    };
    Ok((answer, Outcome::Finished(finished)))
}

/// Decrypts and decodes `p_q_inner_data`: RSA_PAD first, then the legacy
/// scheme, whose SHA1 must match the decoded object's bytes.
fn decrypt_inner(key: &PrivateKey, encrypted: &[u8]) -> Result<(enums::PQInnerData, bool), Error> {
    match key.decrypt(encrypted).ok_or(Error::InvalidEncryptedData)? {
        Decrypted::RsaPad(data) => {
            let mut cursor = tl::Cursor::new(&data);
            Ok((tl::Deserializable::deserialize(&mut cursor)?, false))
        }
        Decrypted::Legacy { sha1: hash, data } => {
            let mut cursor = tl::Cursor::new(&data);
            let inner = tl::Deserializable::deserialize(&mut cursor)
                .map_err(|_| Error::InvalidEncryptedData)?;
            if sha1(&[&data[..cursor.position()]]) != hash {
                return Err(Error::InvalidEncryptedData);
            }
            Ok((inner, true))
        }
    }
}

/// The fields all four `p_q_inner_data` forms share.
struct InnerFields<'a> {
    pq: &'a [u8],
    p: &'a [u8],
    q: &'a [u8],
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
}

fn inner_fields(inner: &enums::PQInnerData) -> (InnerFields<'_>, InnerInfo) {
    use enums::PQInnerData as D;
    macro_rules! fields {
        ($x:expr) => {
            InnerFields {
                pq: &$x.pq,
                p: &$x.p,
                q: &$x.q,
                nonce: $x.nonce,
                server_nonce: $x.server_nonce,
                new_nonce: $x.new_nonce,
            }
        };
    }
    let info = |dc, expires_in| InnerInfo {
        dc,
        expires_in,
        legacy_rsa: false,
    };
    match inner {
        D::PQInnerData(x) => (fields!(x), info(None, None)),
        D::Dc(x) => (fields!(x), info(Some(x.dc), None)),
        D::Temp(x) => (fields!(x), info(None, Some(x.expires_in))),
        D::TempDc(x) => (fields!(x), info(Some(x.dc), Some(x.expires_in))),
    }
}

#[cfg(test)]
mod tests {
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
        let (params, mut s2) =
            step2(s1, request, keys(), &random(5), 1_700_000_100).expect("server 2");
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
                    (request, c3) =
                        client::step3_retry(retry, &random(7 + busy as u8)).expect("retry");
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
}
