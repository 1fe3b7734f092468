//! The one error type of the auth key exchange, for both roles.

/// Why a step of the auth key exchange refused its input.
///
/// Every check of <https://core.telegram.org/mtproto/auth_key> and
/// <https://core.telegram.org/mtproto/security_guidelines> has its own
/// variant, so tests (and logs) can tell exactly which one failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A TL object in the exchange could not be decoded.
    #[error("auth key exchange: malformed TL data: {0}")]
    Decode(tl::DeserializeError),
    /// The `nonce` echoed by the peer is not the one we sent.
    #[error("auth key exchange: the peer answered with a different nonce")]
    InvalidNonce,
    /// The `server_nonce` echoed by the peer is not the one of this exchange.
    #[error("auth key exchange: the peer answered with a different server_nonce")]
    InvalidServerNonce,
    /// `pq` is not a big-endian number of 1 to 8 bytes above 1.
    #[error("auth key exchange: pq is not a number of 1 to 8 bytes ({len} bytes)")]
    InvalidPq {
        /// Length of the `pq` the server sent.
        len: usize,
    },
    /// `pq` is not the product of two factors we could find.
    #[error("auth key exchange: could not factorize pq = {pq}")]
    Factorization {
        /// The number that was refused.
        pq: u64,
    },
    /// None of the RSA key fingerprints is one we know.
    #[error("auth key exchange: no known RSA key among fingerprints {fingerprints:?}")]
    UnknownFingerprint {
        /// The fingerprints that were offered or asked for.
        fingerprints: Vec<i64>,
    },
    /// An RSA key could not be parsed or is not usable (2048-bit PKCS#1).
    #[error("invalid RSA key: {reason}")]
    InvalidRsaKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Server role: `encrypted_data` of `req_DH_params` decrypts to neither
    /// RSA_PAD nor the legacy `SHA1(data) + data + padding` scheme.
    #[error("auth key exchange: req_DH_params carries data that does not decrypt")]
    InvalidEncryptedData,
    /// Server role: `p_q_inner_data` does not repeat this exchange's pq, p, q.
    #[error("auth key exchange: p_q_inner_data does not match resPQ")]
    InvalidPqInnerData,
    /// An AES-IGE encrypted answer has a length that is not a multiple of 16,
    /// is too short, or carries 16 or more bytes of padding.
    #[error("auth key exchange: encrypted answer of invalid length {len}")]
    InvalidAnswerLength {
        /// Length of the encrypted bytes.
        len: usize,
    },
    /// The SHA1 in front of a decrypted answer does not match the answer.
    #[error("auth key exchange: the hash of the decrypted answer does not match")]
    InvalidAnswerHash,
    /// The server answered `server_DH_params_fail`.
    #[error("auth key exchange: the server answered server_DH_params_fail")]
    ServerDhParamsFail,
    /// `dh_prime` is not a safe 2048-bit prime.
    #[error("auth key exchange: dh_prime is not a safe 2048-bit prime")]
    InvalidDhPrime,
    /// `g` is not in 2..=7 or does not generate the subgroup of order (p-1)/2.
    #[error("auth key exchange: g = {g} is not a valid generator for dh_prime")]
    InvalidG {
        /// The refused generator.
        g: i32,
    },
    /// `g_a` is not in 2^(2048-64) ..= p - 2^(2048-64).
    #[error("auth key exchange: g_a is out of the safe range")]
    GaOutOfRange,
    /// `g_b` is not in 2^(2048-64) ..= p - 2^(2048-64).
    #[error("auth key exchange: g_b is out of the safe range")]
    GbOutOfRange,
    /// A `new_nonce_hash` does not match the key both sides should share.
    #[error("auth key exchange: new_nonce_hash does not match")]
    InvalidNewNonceHash,
    /// Server role: `retry_id` is neither 0 (first try) nor the aux hash of
    /// the key refused by the last `dh_gen_retry`.
    #[error("auth key exchange: client_DH_inner_data has a wrong retry_id")]
    InvalidRetryId,
    /// The server answered `dh_gen_fail`.
    #[error("auth key exchange: the server answered dh_gen_fail")]
    DhGenFail,
    /// The server answered `dh_gen_retry` too many times in a row.
    #[error("auth key exchange: the server asked to retry more than {max} times")]
    TooManyRetries {
        /// How many retries are allowed.
        max: u32,
    },
}

impl From<tl::DeserializeError> for Error {
    fn from(error: tl::DeserializeError) -> Self {
        Self::Decode(error)
    }
}
