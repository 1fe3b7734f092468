//! The client role of the auth key exchange
//! (<https://core.telegram.org/mtproto/auth_key>).
//!
//! Each step checks the server's answer, then builds the next request from
//! the randomness it is given. The states are consumed, so a step cannot be
//! replayed by mistake.

use num_bigint::BigUint;
use tl::{Serializable, enums, functions, types};

use super::dh::{self, check_group, in_safe_range, tmp_aes_key_iv};
use super::rsa::{KeySet, RSA_PAD_RANDOM_LEN, sha1, to_256};
use super::{Error, array_at, be_bytes, check_nonces, open, pq, seal};

/// Random bytes [`step2`] needs: `new_nonce` (32), then RSA_PAD's padding
/// and first `temp_key` (224).
pub const STEP2_RANDOM_LEN: usize = 32 + RSA_PAD_RANDOM_LEN;

/// Random bytes [`step3`] and [`step3_retry`] need: the secret `b` (256),
/// padding for `client_DH_inner_data` (16), and a seed for the primality
/// test of a `dh_prime` that is not Telegram's (32).
pub const STEP3_RANDOM_LEN: usize = 256 + 16 + 32;

/// How many `dh_gen_retry` answers in a row [`create_key`] accepts.
pub const MAX_RETRIES: u32 = 5;

/// State after [`step1`]: the nonce sent in `req_pq_multi`.
#[derive(Clone, Debug)]
pub struct Step1 {
    nonce: [u8; 16],
}

/// State after [`step2`]: the nonces, including the secret `new_nonce`.
#[derive(Clone)]
pub struct Step2 {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
}

/// What the server's checked `server_DH_inner_data` fixed, kept for retries.
#[derive(Clone)]
struct Params {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    key: [u8; 32],
    iv: [u8; 32],
    g: BigUint,
    p: BigUint,
    g_a: BigUint,
    time_offset: i32,
    retry_id: i64,
    retries: u32,
}

/// State after [`step3`]: the key computed, waiting for the server's verdict.
#[derive(Clone)]
pub struct Step3 {
    params: Params,
    auth_key: [u8; 256],
}

/// The server asked to try again with a new `b` (`dh_gen_retry`): pass this
/// to [`step3_retry`].
#[derive(Clone)]
pub struct Retry {
    params: Params,
}

/// The result of a completed exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct Finished {
    /// The 2048-bit auth key, big-endian.
    pub auth_key: [u8; 256],
    /// `server_time - now` in seconds, to correct message ids.
    pub time_offset: i32,
    /// The first server salt, `new_nonce[0..8] XOR server_nonce[0..8]`.
    pub first_salt: i64,
}

/// What [`create_key`] makes of the server's answer.
#[derive(Clone, Debug)]
pub enum DhOutcome {
    /// `dh_gen_ok`: the key is agreed.
    Finished(Finished),
    /// `dh_gen_retry`: go again with [`step3_retry`].
    Retry(Retry),
}

macro_rules! secret_debug {
    ($($ty:ident),*) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }
    )*};
}
secret_debug!(Step2, Step3, Retry);

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished")
            .field("auth_key_id", &self.auth_key_id())
            .field("time_offset", &self.time_offset)
            .field("first_salt", &self.first_salt)
            .finish_non_exhaustive()
    }
}

impl Finished {
    /// The key's id, as encrypted messages carry it.
    pub fn auth_key_id(&self) -> i64 {
        dh::auth_key_id(&self.auth_key)
    }
}

/// Starts the exchange: `req_pq_multi` with the random `nonce`.
pub fn step1(nonce: [u8; 16]) -> (functions::ReqPqMulti, Step1) {
    (functions::ReqPqMulti { nonce }, Step1 { nonce })
}

/// Checks `resPQ`, factorizes `pq`, and answers `req_DH_params` with
/// `p_q_inner_data_dc` (for DC `dc`: +10000 on test servers, negative for
/// media DCs) encrypted with RSA_PAD under the first offered key that `keys`
/// knows.
pub fn step2(
    data: Step1,
    response: enums::ResPq,
    keys: &KeySet,
    dc: i32,
    random: &[u8; STEP2_RANDOM_LEN],
) -> Result<(functions::ReqDhParams, Step2), Error> {
    let enums::ResPq::ResPq(res) = response;
    if res.nonce != data.nonce {
        return Err(Error::InvalidNonce);
    }
    let fingerprints = res.server_public_key_fingerprints;
    let Some(key) = keys.choose(&fingerprints) else {
        return Err(Error::UnknownFingerprint { fingerprints });
    };
    let new_nonce = array_at(random, 0);
    let rsa_random = &array_at(random, 32);
    let inner = pq_inner_data(&res.pq, res.nonce, res.server_nonce, new_nonce, dc)?;
    let (p, q) = (inner.p.clone(), inner.q.clone());
    let inner = enums::PQInnerData::Dc(inner).to_bytes();
    let request = functions::ReqDhParams {
        nonce: res.nonce,
        server_nonce: res.server_nonce,
        p,
        q,
        public_key_fingerprint: key.fingerprint(),
        encrypted_data: key.encrypt_rsa_pad(&inner, rsa_random)?,
    };
    let state = Step2 {
        nonce: res.nonce,
        server_nonce: res.server_nonce,
        new_nonce,
    };
    Ok((request, state))
}

/// `p_q_inner_data_dc` for `pq` (1 to 8 big-endian bytes), factorized.
fn pq_inner_data(
    pq_bytes: &[u8],
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    dc: i32,
) -> Result<types::PQInnerDataDc, Error> {
    if pq_bytes.is_empty() || pq_bytes.len() > 8 {
        return Err(Error::InvalidPq {
            len: pq_bytes.len(),
        });
    }
    let pq = pq_bytes
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let (p, q) = pq::factorize(pq).ok_or(Error::Factorization { pq })?;
    Ok(types::PQInnerDataDc {
        pq: pq_bytes.to_vec(),
        p: be_bytes(p),
        q: be_bytes(q),
        nonce,
        server_nonce,
        new_nonce,
        dc,
    })
}

/// Checks `server_DH_params`, decrypts and checks `server_DH_inner_data`
/// (nonces, hash, a safe 2048-bit `dh_prime`, `g`, the range of `g_a`),
/// then answers `set_client_DH_params` with `g_b` for the secret `b` from
/// `random`. `now_unix` is the local time, for the time offset.
pub fn step3(
    data: Step2,
    response: enums::ServerDhParams,
    random: &[u8; STEP3_RANDOM_LEN],
    now_unix: i32,
) -> Result<(functions::SetClientDhParams, Step3), Error> {
    let Step2 {
        nonce,
        server_nonce,
        new_nonce,
    } = data;
    let ok = match response {
        enums::ServerDhParams::Ok(ok) => ok,
        enums::ServerDhParams::Fail(fail) => {
            check_nonces(&fail.nonce, &fail.server_nonce, &nonce, &server_nonce)?;
            // new_nonce_hash: the 128 lower-order bits of SHA1(new_nonce).
            if fail.new_nonce_hash[..] != sha1(&[&new_nonce])[4..] {
                return Err(Error::InvalidNewNonceHash);
            }
            return Err(Error::ServerDhParamsFail);
        }
    };
    check_nonces(&ok.nonce, &ok.server_nonce, &nonce, &server_nonce)?;
    let (key, iv) = tmp_aes_key_iv(&server_nonce, &new_nonce);
    let enums::ServerDhInnerData::ServerDhInnerData(inner) = open(&ok.encrypted_answer, &key, &iv)?;
    check_nonces(&inner.nonce, &inner.server_nonce, &nonce, &server_nonce)?;
    let p = check_group(&inner.dh_prime, inner.g, &array_at(random, 256 + 16))?;
    let g_a = BigUint::from_bytes_be(&inner.g_a);
    if !in_safe_range(&g_a, &p) {
        return Err(Error::GaOutOfRange);
    }
    let params = Params {
        nonce,
        server_nonce,
        new_nonce,
        key,
        iv,
        g: BigUint::from(inner.g.unsigned_abs()),
        p,
        g_a,
        time_offset: inner.server_time.saturating_sub(now_unix),
        retry_id: 0,
        retries: 0,
    };
    client_dh(params, random)
}

/// After `dh_gen_retry`: a new `b` from `random`, and `retry_id` set to the
/// aux hash of the refused key.
pub fn step3_retry(
    data: Retry,
    random: &[u8; STEP3_RANDOM_LEN],
) -> Result<(functions::SetClientDhParams, Step3), Error> {
    client_dh(data.params, random)
}

/// `g_b`, the auth key and the encrypted `client_DH_inner_data`.
fn client_dh(
    params: Params,
    random: &[u8; STEP3_RANDOM_LEN],
) -> Result<(functions::SetClientDhParams, Step3), Error> {
    let b = BigUint::from_bytes_be(&random[..256]);
    let g_b = params.g.modpow(&b, &params.p);
    if !in_safe_range(&g_b, &params.p) {
        return Err(Error::GbOutOfRange);
    }
    let auth_key = to_256(&params.g_a.modpow(&b, &params.p));
    let inner = enums::ClientDhInnerData::ClientDhInnerData(types::ClientDhInnerData {
        nonce: params.nonce,
        server_nonce: params.server_nonce,
        retry_id: params.retry_id,
        g_b: to_256(&g_b).to_vec(),
    });
    let padding = array_at(random, 256);
    let request = functions::SetClientDhParams {
        nonce: params.nonce,
        server_nonce: params.server_nonce,
        encrypted_data: seal(&inner.to_bytes(), &params.key, &params.iv, &padding),
    };
    Ok((request, Step3 { params, auth_key }))
}

/// Checks the server's `dh_gen_ok` / `dh_gen_retry` / `dh_gen_fail`: the
/// nonces and `new_nonce_hash1/2/3` computed from our key, which proves the
/// server derived the same key.
pub fn create_key(
    data: Step3,
    response: enums::SetClientDhParamsAnswer,
) -> Result<DhOutcome, Error> {
    use enums::SetClientDhParamsAnswer as A;
    let Step3 { params, auth_key } = data;
    let (answer_nonce, answer_server_nonce, hash, number) = match &response {
        A::DhGenOk(x) => (x.nonce, x.server_nonce, x.new_nonce_hash1, 1),
        A::DhGenRetry(x) => (x.nonce, x.server_nonce, x.new_nonce_hash2, 2),
        A::DhGenFail(x) => (x.nonce, x.server_nonce, x.new_nonce_hash3, 3),
    };
    check_nonces(
        &answer_nonce,
        &answer_server_nonce,
        &params.nonce,
        &params.server_nonce,
    )?;
    if hash != dh::new_nonce_hash(&auth_key, &params.new_nonce, number) {
        return Err(Error::InvalidNewNonceHash);
    }
    match response {
        A::DhGenOk(_) => Ok(DhOutcome::Finished(Finished {
            auth_key,
            time_offset: params.time_offset,
            first_salt: dh::first_salt(&params.new_nonce, &params.server_nonce),
        })),
        A::DhGenRetry(_) if params.retries >= MAX_RETRIES => {
            Err(Error::TooManyRetries { max: MAX_RETRIES })
        }
        A::DhGenRetry(_) => Ok(DhOutcome::Retry(Retry {
            params: Params {
                retry_id: dh::auth_key_aux_hash(&auth_key),
                retries: params.retries + 1,
                ..params
            },
        })),
        A::DhGenFail(_) => Err(Error::DhGenFail),
    }
}

#[cfg(test)]
mod tests;
