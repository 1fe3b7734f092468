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
mod tests;
