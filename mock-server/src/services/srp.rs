//! The server side of Telegram's 2FA SRP (<https://core.telegram.org/api/srp>),
//! algorithm `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`.
//!
//! With `H` = SHA-256, `SH(d, s) = H(s | d | s)`,
//! `PH1 = SH(SH(password, salt1), salt2)` and
//! `PH2 = SH(pbkdf2(sha512, PH1, salt1, 100000), salt2)`:
//! the verifier is `v = g^x mod p` with `x = PH2`; per session the server
//! picks `b` and sends `B = (k*v + g^b) mod p` with `k = H(p | g)`; the client
//! sends `A` and `M1`; the server computes `u = H(A | B)`,
//! `S = (A * v^u)^b mod p`, `K = H(S)` and accepts when
//! `M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K)`.
//! Every number is hashed as 256 big-endian bytes.

use num_bigint::BigUint;
use sha2::{Digest, Sha256, Sha512};
use tl::{enums, types};

use crate::rng::Rng;

/// The generator used with Telegram's prime (`tg_mtproto::auth::dh::TELEGRAM_DH_PRIME`).
pub const G: i32 = 3;

fn h(parts: &[&[u8]]) -> [u8; 32] {
    let mut d = Sha256::new();
    for p in parts {
        d.update(p);
    }
    d.finalize().into()
}

fn pad256(n: &BigUint) -> [u8; 256] {
    let b = n.to_bytes_be();
    let mut out = [0u8; 256];
    let len = b.len().min(256);
    out[256 - len..].copy_from_slice(&b[b.len() - len..]);
    out
}

/// `PH2(password, salt1, salt2)`.
pub fn password_hash(password: &str, salt1: &[u8], salt2: &[u8]) -> [u8; 32] {
    let sh = |data: &[u8], salt: &[u8]| h(&[salt, data, salt]);
    let ph1 = sh(&sh(password.as_bytes(), salt1), salt2);
    let mut dk = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(&ph1, salt1, 100_000, &mut dk);
    sh(&dk, salt2)
}

/// The password verifier and fixed parameters of one account.
#[derive(Clone, Debug)]
pub struct Verifier {
    p: BigUint,
    g: BigUint,
    v: BigUint,
    k: BigUint,
    salt1: Vec<u8>,
    salt2: Vec<u8>,
}

/// One `account.getPassword` → `auth.checkPassword` exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// `srp_id`.
    pub id: i64,
    b: Vec<u8>,
    /// `srp_B`, 256 bytes.
    pub g_b: Vec<u8>,
}

impl Verifier {
    /// The verifier for `password` (runs PBKDF2 once: ~100k iterations).
    pub fn new(password: &str, salt1: &[u8], salt2: &[u8]) -> Self {
        let p = BigUint::from_bytes_be(&tg_mtproto::auth::dh::TELEGRAM_DH_PRIME);
        let g = BigUint::from(G as u32);
        let x = BigUint::from_bytes_be(&password_hash(password, salt1, salt2));
        let v = g.modpow(&x, &p);
        let k = BigUint::from_bytes_be(&h(&[&pad256(&p), &pad256(&g)]));
        Self {
            p,
            g,
            v,
            k,
            salt1: salt1.to_vec(),
            salt2: salt2.to_vec(),
        }
    }

    /// `current_algo` of `account.password`.
    pub fn algo(&self) -> enums::PasswordKdfAlgo {
        types::PasswordKdfAlgoSha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow {
            salt1: self.salt1.clone(),
            salt2: self.salt2.clone(),
            g: G,
            p: pad256(&self.p).to_vec(),
        }
        .into()
    }

    /// A new exchange: a random secret `b` and the public `B`.
    pub fn start(&self, rng: &mut Rng) -> Session {
        let b = rng.bytes(256);
        let gb = self.g.modpow(&BigUint::from_bytes_be(&b), &self.p);
        let big_b = (&self.k * &self.v + gb) % &self.p;
        Session {
            id: rng.positive_i64(),
            b,
            g_b: pad256(&big_b).to_vec(),
        }
    }

    /// Whether the client's `A` and `M1` prove it knows the password.
    pub fn check(&self, session: &Session, a: &[u8], m1: &[u8]) -> bool {
        let big_a = BigUint::from_bytes_be(a);
        let one = BigUint::from(1u32);
        if a.len() > 256 || big_a <= one || big_a >= &self.p - &one {
            return false;
        }
        let a_pad = pad256(&big_a);
        let u = BigUint::from_bytes_be(&h(&[&a_pad, &session.g_b]));
        if u == BigUint::ZERO {
            return false;
        }
        let base = (&big_a * self.v.modpow(&u, &self.p)) % &self.p;
        let s = base.modpow(&BigUint::from_bytes_be(&session.b), &self.p);
        let k_a = h(&[&pad256(&s)]);
        let hp = h(&[&pad256(&self.p)]);
        let hg = h(&[&pad256(&self.g)]);
        let xor: Vec<u8> = hp.iter().zip(hg).map(|(x, y)| x ^ y).collect();
        let expected = h(&[
            &xor,
            &h(&[&self.salt1]),
            &h(&[&self.salt2]),
            &a_pad,
            &session.g_b,
            &k_a,
        ]);
        expected.as_slice() == m1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prime_is_the_2048_bit_one() {
        let p = BigUint::from_bytes_be(&tg_mtproto::auth::dh::TELEGRAM_DH_PRIME);
        assert_eq!(p.bits(), 2048);
        assert_eq!(&p % 3u32, BigUint::from(2u32));
    }

    #[test]
    fn grammers_client_proof_is_accepted_and_wrong_password_refused() {
        let (s1, s2) = (b"salt-one".to_vec(), b"salt-two".to_vec());
        let v = Verifier::new("hunter2", &s1, &s2);
        let mut rng = Rng::new(5);
        let session = v.start(&mut rng);
        let enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(algo) =
            v.algo()
        else {
            panic!("wrong algo");
        };
        let prove = |pw: &str| {
            grammers_crypto::two_factor_auth::calculate_2fa(
                &algo.salt1,
                &algo.salt2,
                &algo.p,
                &algo.g,
                session.g_b.clone(),
                rng.clone().bytes(256),
                pw,
            )
        };
        let (m1, a) = prove("hunter2");
        assert!(v.check(&session, &a, &m1));
        let (m1, a) = prove("hunter3");
        assert!(!v.check(&session, &a, &m1));
        assert!(!v.check(&session, &[1], &m1));
        assert!(!v.check(&session, &[0; 300], &m1));
    }
}
