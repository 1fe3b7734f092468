//! RSA as the auth key exchange uses it: Telegram's public keys, PKCS#1 PEM
//! keys, key fingerprints, and the two ways `p_q_inner_data` is encrypted.
//!
//! - RSA_PAD, <https://core.telegram.org/mtproto/auth_key#41-rsa-paddata-server-public-key-mentioned-above-is-implemented-as-follows>:
//!   what the official apps, TDLib, grammers and this client send.
//! - The legacy scheme `RSA(SHA1(data) + data + random padding)` (255 bytes),
//!   which Telethon still sends; the server role accepts both.
//!
//! This is not a general RSA implementation: keys are 2048-bit and the
//! operations are exactly the textbook ones the protocol prescribes.

use num_bigint::BigUint;
use sha1::{Digest, Sha1};
use sha2::Sha256;

use super::Error;
use super::pem::{Der, pem_body};

/// Telegram's current production key (fingerprint
/// [`PRODUCTION_KEY_FINGERPRINT`]). Source: TDLib
/// `td/telegram/net/PublicRsaKeySharedMain.cpp`, as recorded in
/// docs/architecture.md#rsa-keys.
pub const PRODUCTION_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----";

/// Fingerprint of [`PRODUCTION_KEY_PEM`] (`85 FD 64 DE 85 1D 9D D0` on the wire).
pub const PRODUCTION_KEY_FINGERPRINT: i64 = -3414540481677951611;

/// The key of Telegram's test DCs. Source: TDLib's `is_test` branch and
/// tdesktop `kTestPublicRSAKeys`, as recorded in docs/architecture.md#rsa-keys.
pub const TEST_DC_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----";

/// Fingerprint of [`TEST_DC_KEY_PEM`] (`03 26 8D 20 DF 98 58 B2` on the wire).
pub const TEST_DC_KEY_FINGERPRINT: i64 = -5595554452916591101;

/// **Test-only** private key of the mock server (PKCS#1, 2048-bit, made with
/// `openssl genrsa -traditional 2048` for this project). It is public, so it
/// protects nothing: never use it for anything but tests and demos.
pub const TEST_SERVER_KEY_PEM: &str = include_str!("testdata/test-server-key.pem");

/// The public half of [`TEST_SERVER_KEY_PEM`] (PKCS#1), for clients of the
/// mock server (`--rsa-key`, Telethon's `rsa.add_key`).
pub const TEST_SERVER_PUBLIC_KEY_PEM: &str = include_str!("testdata/test-server-key.pub.pem");

/// Fingerprint of [`TEST_SERVER_KEY_PEM`] (`D7 51 9A 64 E4 26 5B CC` on the
/// wire); its public half is `testdata/test-server-key.pub.pem`, for
/// clients such as Telethon (`telethon.crypto.rsa.add_key`).
pub const TEST_SERVER_KEY_FINGERPRINT: i64 = -3721337904709348905;

/// Random bytes [`PublicKey::encrypt_rsa_pad`] needs: up to 192 of padding
/// and 32 for the first `temp_key`.
pub const RSA_PAD_RANDOM_LEN: usize = 192 + 32;

/// Longest data RSA_PAD can carry.
pub const RSA_PAD_MAX_DATA: usize = 144;

/// Longest data the legacy scheme can carry (255 - 20 bytes of SHA1).
pub const LEGACY_MAX_DATA: usize = 235;

/// An RSA public key of 2048 bits, with its Telegram fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    n: BigUint,
    e: BigUint,
    fingerprint: i64,
}

impl PublicKey {
    /// Parses a PKCS#1 `-----BEGIN RSA PUBLIC KEY-----` PEM, the form
    /// Telegram publishes its keys in.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = pem_body(pem, "RSA PUBLIC KEY")?;
        let mut outer = Der::new(&der);
        let mut seq = outer.sequence()?;
        let (n, e) = (seq.uint()?, seq.uint()?);
        seq.finish()?;
        outer.finish()?;
        Self::new(n, e)
    }

    /// A key from its modulus and public exponent; the modulus must have
    /// exactly 2048 bits.
    pub fn new(n: BigUint, e: BigUint) -> Result<Self, Error> {
        if n.bits() != 2048 {
            return Err(invalid("the modulus is not 2048 bits long"));
        }
        if e.bits() < 2 || !e.bit(0) {
            return Err(invalid("the public exponent is not an odd number above 1"));
        }
        let mut tl = Vec::with_capacity(272);
        tl_bytes(&n.to_bytes_be(), &mut tl);
        tl_bytes(&e.to_bytes_be(), &mut tl);
        let fingerprint = i64::from_le_bytes(tail(&sha1(&[&tl])));
        Ok(Self { n, e, fingerprint })
    }

    /// The fingerprint: the lower 64 bits of SHA1 of the TL-serialized
    /// `rsa_public_key n:bytes e:bytes` (no constructor id), as a
    /// little-endian `long` (<https://core.telegram.org/mtproto/auth_key>).
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    /// Encrypts `data` (at most [`RSA_PAD_MAX_DATA`] bytes) with RSA_PAD; the
    /// result is 256 bytes. `random` gives the padding and the first
    /// `temp_key`; a `temp_key` whose result is not below the modulus is
    /// replaced by its SHA256, as the scheme asks for a fresh one.
    pub fn encrypt_rsa_pad(
        &self,
        data: &[u8],
        random: &[u8; RSA_PAD_RANDOM_LEN],
    ) -> Result<Vec<u8>, Error> {
        if data.len() > RSA_PAD_MAX_DATA {
            return Err(invalid("RSA_PAD data is longer than 144 bytes"));
        }
        let mut with_padding = data.to_vec();
        with_padding.extend_from_slice(&random[..192 - data.len()]);
        let mut temp_key: [u8; 32] = tail(random);
        // Each try succeeds with probability n / 2^2048 > 1/2.
        for _ in 0..128 {
            let mut block = Vec::with_capacity(256);
            block.extend_from_slice(&temp_key);
            block.extend(with_padding.iter().rev());
            block.extend_from_slice(&sha256(&[&temp_key, &with_padding]));
            let (key_xor, aes) = block.split_at_mut(32);
            grammers_crypto::aes::ige_encrypt(aes, &temp_key, &[0; 32]);
            let aes_hash = sha256(&[aes]);
            key_xor.iter_mut().zip(aes_hash).for_each(|(k, h)| *k ^= h);
            let m = BigUint::from_bytes_be(&block);
            if m < self.n {
                return Ok(self.raw(&m).to_vec());
            }
            increment_be(&mut temp_key);
        }
        Err(invalid(
            "no RSA_PAD temp_key gave a value below the modulus",
        ))
    }

    /// Encrypts `data` (at most [`LEGACY_MAX_DATA`] bytes) with the legacy
    /// scheme `RSA(SHA1(data) + data + padding)`, as Telethon does; the server
    /// role must accept it. `random` gives the padding.
    pub fn encrypt_legacy(&self, data: &[u8], random: &[u8; 255]) -> Result<Vec<u8>, Error> {
        if data.len() > LEGACY_MAX_DATA {
            return Err(invalid("legacy RSA data is longer than 235 bytes"));
        }
        let mut block = sha1(&[data]).to_vec();
        block.extend_from_slice(data);
        block.extend_from_slice(&random[..LEGACY_MAX_DATA - data.len()]);
        // 255 bytes are always below a 2048-bit modulus.
        Ok(self.raw(&BigUint::from_bytes_be(&block)).to_vec())
    }

    fn raw(&self, m: &BigUint) -> [u8; 256] {
        to_256(&m.modpow(&self.e, &self.n))
    }
}

/// An RSA private key of 2048 bits, for the server role.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey {
    public: PublicKey,
    p: BigUint,
    q: BigUint,
    dp: BigUint,
    dq: BigUint,
    qinv: BigUint,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("fingerprint", &self.public.fingerprint)
            .finish_non_exhaustive()
    }
}

/// What an RSA-encrypted `p_q_inner_data` decrypted to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decrypted {
    /// RSA_PAD with a verified SHA256: the data, followed by its padding.
    RsaPad(Vec<u8>),
    /// Possibly the legacy scheme: the SHA1 to check against the data once
    /// its length is known, and the data followed by its padding.
    Legacy {
        /// SHA1 of the data, to be verified by the caller.
        sha1: [u8; 20],
        /// The data, followed by random padding.
        data: Vec<u8>,
    },
}

impl PrivateKey {
    /// Parses a PKCS#1 `-----BEGIN RSA PRIVATE KEY-----` PEM (what
    /// `openssl genrsa -traditional 2048` writes).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = pem_body(pem, "RSA PRIVATE KEY")?;
        let mut outer = Der::new(&der);
        let mut seq = outer.sequence()?;
        if seq.uint()? != BigUint::ZERO {
            return Err(invalid("not a two-prime PKCS#1 private key (version 0)"));
        }
        let n = seq.uint()?;
        let e = seq.uint()?;
        let _d = seq.uint()?;
        let (p, q) = (seq.uint()?, seq.uint()?);
        let (dp, dq, qinv) = (seq.uint()?, seq.uint()?, seq.uint()?);
        seq.finish()?;
        outer.finish()?;
        if &p * &q != n || p.bits() < 2 || q.bits() < 2 {
            return Err(invalid("the primes do not multiply to the modulus"));
        }
        let public = PublicKey::new(n, e)?;
        let key = Self {
            public,
            p,
            q,
            dp,
            dq,
            qinv,
        };
        // A broken key would decrypt to garbage; check one round trip.
        let probe = BigUint::from(0x1234_5678_u32);
        if key.raw(&BigUint::from_bytes_be(&key.public.raw(&probe))) != probe {
            return Err(invalid("the private exponents do not match the public key"));
        }
        Ok(key)
    }

    /// The public half, which clients need.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The fingerprint of the public half.
    pub fn fingerprint(&self) -> i64 {
        self.public.fingerprint
    }

    /// Decrypts the `encrypted_data` of `req_DH_params`: RSA_PAD if its
    /// SHA256 verifies, otherwise (if the plain value fits 255 bytes) the
    /// legacy scheme, whose SHA1 the caller checks. `None` if it is not a
    /// 256-byte value below the modulus, or fits neither scheme.
    pub fn decrypt(&self, encrypted: &[u8]) -> Option<Decrypted> {
        if encrypted.len() != 256 {
            return None;
        }
        let c = BigUint::from_bytes_be(encrypted);
        if c >= self.public.n {
            return None;
        }
        let m = to_256(&self.raw(&c));
        if let Some(data) = unpad_rsa_pad(&m) {
            return Some(Decrypted::RsaPad(data));
        }
        if m[0] != 0 {
            return None;
        }
        let sha1 = m[1..21].try_into().ok()?;
        Some(Decrypted::Legacy {
            sha1,
            data: m[21..].to_vec(),
        })
    }

    /// `c^d mod n` through the CRT, for `c` below the modulus.
    fn raw(&self, c: &BigUint) -> BigUint {
        let m1 = c.modpow(&self.dp, &self.p);
        let m2 = c.modpow(&self.dq, &self.q);
        let diff = (&m1 + &self.p - (&m2 % &self.p)) % &self.p;
        m2 + (diff * &self.qinv % &self.p) * &self.q
    }
}

/// Undoes RSA_PAD on the plain 256-byte value; the data with its padding if
/// the SHA256 inside verifies.
fn unpad_rsa_pad(m: &[u8; 256]) -> Option<Vec<u8>> {
    let (key_xor, aes) = m.split_at(32);
    let aes_hash = sha256(&[aes]);
    let mut temp_key = [0u8; 32];
    for (k, (x, h)) in temp_key.iter_mut().zip(key_xor.iter().zip(aes_hash)) {
        *k = x ^ h;
    }
    let mut with_hash = aes.to_vec();
    grammers_crypto::aes::ige_decrypt(&mut with_hash, &temp_key, &[0; 32]);
    let (reversed, hash) = with_hash.split_at(192);
    let data: Vec<u8> = reversed.iter().rev().copied().collect();
    (sha256(&[&temp_key, &data]) == hash).then_some(data)
}

/// The keys a client trusts, looked up by fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl Default for KeySet {
    /// Telegram's production and test DC keys.
    fn default() -> Self {
        Self::telegram()
    }
}

impl KeySet {
    /// No keys at all; add some with [`KeySet::with`].
    pub fn empty() -> Self {
        Self { keys: Vec::new() }
    }

    /// Telegram's production and test DC keys.
    pub fn telegram() -> Self {
        Self::production().with(builtin(TEST_DC_KEY_PEM))
    }

    /// Telegram's production key only.
    pub fn production() -> Self {
        Self::empty().with(builtin(PRODUCTION_KEY_PEM))
    }

    /// Telegram's test DC key only.
    pub fn test_dc() -> Self {
        Self::empty().with(builtin(TEST_DC_KEY_PEM))
    }

    /// This set and `key` (which replaces a key of the same fingerprint).
    pub fn with(mut self, key: PublicKey) -> Self {
        self.keys.retain(|k| k.fingerprint != key.fingerprint);
        self.keys.push(key);
        self
    }

    /// The key with this fingerprint.
    pub fn get(&self, fingerprint: i64) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.fingerprint == fingerprint)
    }

    /// The first of the server's `offered` fingerprints that this set knows.
    pub fn choose(&self, offered: &[i64]) -> Option<&PublicKey> {
        offered.iter().find_map(|&f| self.get(f))
    }

    /// The fingerprints of the keys in the set.
    pub fn fingerprints(&self) -> Vec<i64> {
        self.keys.iter().map(PublicKey::fingerprint).collect()
    }
}

/// The test-only private key of the mock server, [`TEST_SERVER_KEY_PEM`].
pub fn test_server_key() -> PrivateKey {
    #[allow(clippy::expect_used)]
    PrivateKey::from_pem(TEST_SERVER_KEY_PEM).expect("the built-in test key is valid")
}

fn builtin(pem: &str) -> PublicKey {
    // The built-in PEMs are constants; a test parses every one of them.
    #[allow(clippy::expect_used)]
    PublicKey::from_pem(pem).expect("built-in RSA keys are valid")
}

/// Adds 1 to a big-endian number, wrapping around.
fn increment_be(bytes: &mut [u8]) {
    for b in bytes.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidRsaKey { reason }
}

/// SHA1 of the concatenation of `parts`.
pub(crate) fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    parts.iter().for_each(|p| h.update(p));
    h.finalize().into()
}

/// SHA256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    parts.iter().for_each(|p| h.update(p));
    h.finalize().into()
}

/// The last `N` bytes of `bytes` (which has at least `N`).
fn tail<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[bytes.len() - N..]);
    out
}

/// `x` as 256 big-endian bytes (the low 256 bytes if it is longer).
pub(crate) fn to_256(x: &BigUint) -> [u8; 256] {
    let bytes = x.to_bytes_be();
    let mut out = [0; 256];
    let n = bytes.len().min(256);
    out[256 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// TL `bytes`: length prefix, data, zero padding to a multiple of 4.
fn tl_bytes(data: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    if data.len() < 254 {
        out.push(data.len() as u8);
    } else {
        out.push(254);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes()[..3]);
    }
    out.extend_from_slice(data);
    while (out.len() - start) % 4 != 0 {
        out.push(0);
    }
}

#[cfg(test)]
mod tests;
