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
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::auth::testutil::{arr, hex, value};

    #[test]
    fn builtin_keys_have_the_documented_fingerprints() {
        let set = KeySet::telegram();
        assert_eq!(
            set.fingerprints(),
            [PRODUCTION_KEY_FINGERPRINT, TEST_DC_KEY_FINGERPRINT]
        );
        assert_eq!(PRODUCTION_KEY_FINGERPRINT as u64, 0xd09d1d85de64fd85);
        assert_eq!(TEST_DC_KEY_FINGERPRINT as u64, 0xb25898df208d2603);
        // The wire bytes the official sample's resPQ offers for this key.
        assert_eq!(
            PRODUCTION_KEY_FINGERPRINT.to_le_bytes().to_vec(),
            hex("85FD64DE851D9DD0")
        );
        assert_eq!(KeySet::default(), set);
        assert_eq!(
            KeySet::production().fingerprints(),
            [PRODUCTION_KEY_FINGERPRINT]
        );
        assert_eq!(KeySet::test_dc().fingerprints(), [TEST_DC_KEY_FINGERPRINT]);
    }

    #[test]
    fn key_set_chooses_the_first_offered_known_key() {
        let set = KeySet::telegram();
        let offered = [1, TEST_DC_KEY_FINGERPRINT, PRODUCTION_KEY_FINGERPRINT];
        let chosen = set.choose(&offered).map(PublicKey::fingerprint);
        assert_eq!(chosen, Some(TEST_DC_KEY_FINGERPRINT));
        assert_eq!(set.choose(&[1, 2]), None);
        let server = test_server_key();
        let set = KeySet::empty().with(server.public_key().clone());
        assert_eq!(set.get(server.fingerprint()), Some(server.public_key()));
        // Adding the same key again does not duplicate it.
        assert_eq!(
            set.with(server.public_key().clone()).fingerprints().len(),
            1
        );
    }

    #[test]
    fn test_server_key_pair_matches() {
        let key = test_server_key();
        let public = PublicKey::from_pem(include_str!("testdata/test-server-key.pub.pem"));
        assert_eq!(public.as_ref(), Ok(key.public_key()));
        assert_eq!(key.fingerprint(), TEST_SERVER_KEY_FINGERPRINT);
        assert!(format!("{key:?}").contains("fingerprint"));
        assert!(!format!("{key:?}").contains("qinv"));
    }

    /// Known answer from grammers-crypto 0.11.0 `rsa.rs` `test_rsa_encryption`
    /// (MIT/Apache): an older Telegram key, 96 bytes of data, and randomness
    /// whose first temp_key gives a value above the modulus, so the next
    /// temp_key is used.
    #[test]
    fn rsa_pad_known_answer() {
        let n = BigUint::parse_bytes(b"25342889448840415564971689590713473206898847759084779052582026594546022463853940585885215951168491965708222649399180603818074200620463776135424884632162512403163793083921641631564740959529419359595852941166848940585952337613333022396096584117954892216031229237302943701877588456738335398602461675225081791820393153757504952636234951323237820036543581047826906120927972487366805292115792231423684261262330394324750785450942589751755390156647751460719351439969059949569615302809050721500330239005077889855323917509948255722081644689442127297605422579707142646660768825302832201908302295573257427896031830742328565032949", 10).expect("n");
        let key = PublicKey::new(n, BigUint::from(65537u32)).expect("key");
        let data = hex(
            "955ff5a9081a8e635f5743de9b00000004453dc27100000004622f1fcb000000f7a81627bbf511fa4afef71e94a0937474586c1add9198dda81a5df8393871c8293623c5fb968894af1be7dfe9c7be813f9307789242fd0cb0c16a5cb39a8d3e",
        );
        let mut random = hex(
            "12270000635593b03fee033d0672f9afddf9124de9e77df6251806cba93482e4c9e6e06e7d44e4c4baae821aff91af44789689faaee9bdfc7b2df8c08709afe57396c4638ceaa0dc30114f82447e81d3b53edc423b32660c43a5b8ad057b6450",
        );
        random.resize(192, 0);
        random.extend(hex(
            "7dada0920c4973913229e0f881aec7b9db0c392d34f52fb0995ea493ecb4c09d",
        ));
        let expected = hex(
            "b610642a828b4a61fe32931815cae318d311660580f1e0df768f3140f4d37dfcfcac0c2870318de4ff2d2e0e9669bcfdc0bad06cadb1b59d9726b427368a9c7b4fc0d5e7b2e99fc571968705c03acf5341fd7021bef653fa77b3776ae430e366fc46d232459ebe128b08d80e049ae579a48b56ca93b520709468587c81af96666046e9ea85091d729e921e8d8a36f57b27644052dae7387c7f4131701d59cda75251dac66c94276280ef950d3c44c21e5a2454f7da7a6818cf23ae9c490b72b2170d7cbc24f8a93db739d76f2d241c78b80123faaff3e664f074d6375d794dbf2800a0b5bb48d54eceafedfb355bfbebd287d9023264e3b53627888250787a9e",
        );
        assert_eq!(key.encrypt_rsa_pad(&data, &arr(&random)), Ok(expected));
    }

    #[test]
    fn sample_ciphertext_is_below_the_production_modulus() {
        let key = builtin(PRODUCTION_KEY_PEM);
        let encrypted = value("rsa_pad_encrypted_data");
        assert_eq!(encrypted.len(), 256);
        assert!(BigUint::from_bytes_be(&encrypted) < key.n);
    }

    #[test]
    fn both_schemes_round_trip_through_the_private_key() {
        let key = test_server_key();
        let data: Vec<u8> = (0..100).collect();
        let random: [u8; RSA_PAD_RANDOM_LEN] = std::array::from_fn(|i| (i * 7) as u8);
        let encrypted = key
            .public_key()
            .encrypt_rsa_pad(&data, &random)
            .expect("rsa_pad");
        match key.decrypt(&encrypted) {
            Some(Decrypted::RsaPad(plain)) => {
                assert_eq!(plain.len(), 192);
                assert_eq!(plain[..100], data[..]);
                assert_eq!(plain[100..], random[..92]);
            }
            other => panic!("not RSA_PAD: {other:?}"),
        }
        let random = [0xAB; 255];
        let encrypted = key
            .public_key()
            .encrypt_legacy(&data, &random)
            .expect("legacy");
        match key.decrypt(&encrypted) {
            Some(Decrypted::Legacy {
                sha1: hash,
                data: plain,
            }) => {
                assert_eq!(hash, sha1(&[&data]));
                assert_eq!(plain[..100], data[..]);
                assert_eq!(plain.len(), LEGACY_MAX_DATA);
            }
            other => panic!("not legacy: {other:?}"),
        }
    }

    #[test]
    fn too_long_data_and_bad_ciphertexts_are_refused() {
        let key = test_server_key();
        let public = key.public_key();
        let random = [0; RSA_PAD_RANDOM_LEN];
        assert!(public.encrypt_rsa_pad(&[0; 145], &random).is_err());
        assert!(public.encrypt_legacy(&[0; 236], &[0; 255]).is_err());
        assert_eq!(key.decrypt(&[0; 255]), None);
        assert_eq!(key.decrypt(&[0xFF; 256]), None);
        assert_eq!(key.decrypt(&to_256(&public.n)), None);
    }

    #[test]
    fn malformed_pems_are_refused() {
        let good = TEST_SERVER_KEY_PEM;
        let cases = [
            "".to_owned(),
            good.replace("RSA PRIVATE KEY", "PRIVATE KEY"),
            good.replace("-----END RSA PRIVATE KEY-----", ""),
            good.replacen('M', "*", 1),
            good.replacen("MIIE", "MIIF", 1),
            PRODUCTION_KEY_PEM.replace("IDAQAB", "IDAQAA"),
        ];
        for pem in &cases {
            assert!(PrivateKey::from_pem(pem).is_err(), "{pem}");
        }
        assert!(PublicKey::from_pem(good).is_err());
        assert!(PublicKey::from_pem(&cases[5]).is_err());
        assert!(PublicKey::new(BigUint::from(7u8), BigUint::from(3u8)).is_err());
    }

    proptest! {
        #[test]
        fn pem_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            let text: String = body.iter().map(|&b| char::from(b)).collect();
            let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{text}\n-----END RSA PUBLIC KEY-----");
            let _ = PublicKey::from_pem(&pem);
            let der_pem = format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
                base64_encode(&body)
            );
            let _ = PrivateKey::from_pem(&der_pem);
        }

        #[test]
        fn decrypting_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 256)) {
            let _ = test_server_key().decrypt(&bytes);
        }
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
