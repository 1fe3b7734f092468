//! The MTProto auth key exchange, for both roles, as pure step functions.
//!
//! The protocol is <https://core.telegram.org/mtproto/auth_key>, with the
//! checks of <https://core.telegram.org/mtproto/security_guidelines>; the
//! official worked example <https://core.telegram.org/mtproto/samples-auth_key>
//! is replayed byte for byte by the tests.
//!
//! Client: [`step1`] → `req_pq_multi`; [`step2`] (`resPQ`) → `req_DH_params`;
//! [`step3`] (`server_DH_params`) → `set_client_DH_params`; [`create_key`]
//! (`dh_gen_*`) → [`Finished`], or [`Retry`] (then [`step3_retry`]).
//! The server role, which the mock server runs, is in [`server`].
//!
//! Nothing here does IO or reads a clock or the OS random source: randomness
//! and the current unix time are arguments, so every step is reproducible.
//! The unencrypted message envelope around these TL objects (`auth_key_id`
//! 0, `msg_id`, length) belongs to `mtp`.

mod client;
pub mod dh;
mod error;
mod pem;
pub mod pq;
pub mod rsa;
pub mod server;
#[cfg(test)]
mod testutil;

pub use client::{
    DhOutcome, Finished, MAX_RETRIES, Retry, STEP2_RANDOM_LEN, STEP3_RANDOM_LEN, Step1, Step2,
    Step3, create_key, step1, step2, step3, step3_retry,
};
pub use error::Error;
pub use rsa::{
    KeySet, PrivateKey, PublicKey, TEST_SERVER_KEY_FINGERPRINT, TEST_SERVER_KEY_PEM,
    TEST_SERVER_PUBLIC_KEY_PEM, test_server_key,
};

use grammers_crypto::aes::{ige_decrypt, ige_encrypt};
use tl::Deserializable;

/// Encrypts `data` as the exchange does after RSA (answer_with_hash and
/// data_with_hash): `SHA1(data) + data + padding` to a multiple of 16
/// bytes (the padding taken from `padding`), AES-256-IGE with the
/// temporary key and IV.
pub(crate) fn seal(data: &[u8], key: &[u8; 32], iv: &[u8; 32], padding: &[u8; 16]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(data.len() + 36);
    buf.extend_from_slice(&rsa::sha1(&[data]));
    buf.extend_from_slice(data);
    let pad = (16 - buf.len() % 16) % 16;
    buf.extend_from_slice(&padding[..pad]);
    ige_encrypt(&mut buf, key, iv);
    buf
}

/// Undoes [`seal`] and decodes the TL object inside, checking its SHA1 and
/// that at most 15 bytes of padding follow it.
pub(crate) fn open<T: Deserializable>(
    encrypted: &[u8],
    key: &[u8; 32],
    iv: &[u8; 32],
) -> Result<T, Error> {
    let len = encrypted.len();
    if len % 16 != 0 || len < 32 {
        return Err(Error::InvalidAnswerLength { len });
    }
    let mut buf = encrypted.to_vec();
    ige_decrypt(&mut buf, key, iv);
    let (hash, answer) = buf.split_at(20);
    let mut cursor = tl::Cursor::new(answer);
    let value = T::deserialize(&mut cursor)?;
    let used = cursor.position();
    if rsa::sha1(&[&answer[..used]]) != hash {
        return Err(Error::InvalidAnswerHash);
    }
    if answer.len() - used >= 16 {
        return Err(Error::InvalidAnswerLength { len });
    }
    Ok(value)
}

/// The `N` bytes of `bytes` from `at` on; for fixed splits of the random
/// inputs, whose lengths are constants (never network data).
pub(crate) fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

/// `n` as the minimal big-endian bytes TL sends `p`, `q` and `pq` as.
pub(crate) fn be_bytes(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    bytes[skip..].to_vec()
}

/// Whether an echoed `nonce` and `server_nonce` are this exchange's.
pub(crate) fn check_nonces(
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    expected_nonce: &[u8; 16],
    expected_server_nonce: &[u8; 16],
) -> Result<(), Error> {
    if nonce != expected_nonce {
        Err(Error::InvalidNonce)
    } else if server_nonce != expected_server_nonce {
        Err(Error::InvalidServerNonce)
    } else {
        Ok(())
    }
}
