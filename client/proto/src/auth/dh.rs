//! Diffie-Hellman for the auth key: the checks a client makes on the
//! server's group and values, and the keys derived from the nonces.
//!
//! The checks are those of <https://core.telegram.org/mtproto/auth_key>
//! (section 5) and <https://core.telegram.org/mtproto/security_guidelines>:
//! `dh_prime` is a safe 2048-bit prime, `g` generates the subgroup of prime
//! order `(p-1)/2`, and `g_a`, `g_b` lie in `2^(2048-64) ..= p - 2^(2048-64)`.

use num_bigint::BigUint;

use super::Error;
use super::rsa::{sha1, sha256};

/// Telegram's 2048-bit safe prime, the `dh_prime` its servers send (with
/// `g` = 3). Source: the `server_DH_inner_data` of the official example
/// <https://core.telegram.org/mtproto/samples-auth_key>, also the known-good
/// prime of Telegram for Android `Utilities.isGoodPrime`
/// (docs/architecture.md#dh-prime).
pub const TELEGRAM_DH_PRIME: [u8; 256] = hex(concat!(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F",
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37",
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64",
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4",
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754",
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4",
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F",
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B",
));

/// The generator Telegram uses with [`TELEGRAM_DH_PRIME`].
pub const TELEGRAM_DH_G: i32 = 3;

/// Miller-Rabin rounds on `(p-1)/2` for a prime other than Telegram's: with
/// unpredictable bases a composite passes with probability below 4^-32.
pub const SAFE_PRIME_ROUNDS: usize = 32;

/// Checks the group the server chose, and returns `dh_prime` as a number.
///
/// `dh_prime` must be a safe prime of exactly 2048 bits: Telegram's prime is
/// recognised at once, any other goes through trial division and
/// [`SAFE_PRIME_ROUNDS`] Miller-Rabin rounds whose bases are derived from
/// `seed` (random bytes, so that the server cannot pick a pseudoprime for
/// them). `g` must be in 2..=7 and meet its condition on `p` so that it
/// generates the subgroup of order `(p-1)/2`.
pub fn check_group(dh_prime: &[u8], g: i32, seed: &[u8; 32]) -> Result<BigUint, Error> {
    let p = BigUint::from_bytes_be(dh_prime);
    if p.bits() != 2048 {
        return Err(Error::InvalidDhPrime);
    }
    if p != telegram_prime() && !is_safe_prime(&p, seed) {
        return Err(Error::InvalidDhPrime);
    }
    if !generates_subgroup(&p, g) {
        return Err(Error::InvalidG { g });
    }
    Ok(p)
}

/// Telegram's prime as a number.
/// Checks the group and the server's `B` of a 2FA password check
/// (<https://core.telegram.org/api/srp>: the client must check p, g and that
/// 1 < B < p - 1 with B in the safe range) before computing the proof.
/// Telegram's prime is recognised at once; any other runs the full safe-prime
/// test with a fixed seed (this check only guards against a weak group).
pub fn check_srp_params(p: &[u8], g: i32, srp_b: &[u8]) -> Result<(), Error> {
    let p = check_group(p, g, &[0x5a; 32])?;
    let b = BigUint::from_bytes_be(srp_b);
    if !in_safe_range(&b, &p) {
        return Err(Error::GaOutOfRange);
    }
    Ok(())
}

/// Telegram's 2048-bit safe prime.
pub fn telegram_prime() -> BigUint {
    BigUint::from_bytes_be(&TELEGRAM_DH_PRIME)
}

/// Whether `g` (2..=7) generates the subgroup of prime order `(p-1)/2` of a
/// safe prime `p`: the conditions on `p mod` 8, 3, 5, 24, 7 of the auth_key
/// page (quadratic reciprocity).
pub fn generates_subgroup(p: &BigUint, g: i32) -> bool {
    let m = |d: u32| (p % d).to_u32_digits().first().copied().unwrap_or(0);
    match g {
        2 => m(8) == 7,
        3 => m(3) == 2,
        4 => true,
        5 => matches!(m(5), 1 | 4),
        6 => matches!(m(24), 19 | 23),
        7 => matches!(m(7), 3 | 5 | 6),
        _ => false,
    }
}

/// Whether `2^(2048-64) <= x <= p - 2^(2048-64)`, the range `g_a` and `g_b`
/// must lie in (which implies `1 < x < p - 1`).
pub fn in_safe_range(x: &BigUint, p: &BigUint) -> bool {
    let margin = BigUint::from(1u8) << (2048 - 64);
    p > &(&margin << 1u8) && x >= &margin && x <= &(p - &margin)
}

/// Whether `p` is a safe prime: `q = (p-1)/2` is prime (Miller-Rabin with
/// bases derived from `seed`) and `p` itself is then proven prime by
/// Pocklington's criterion with base 2 (`2^(p-1) = 1 mod p`, `3` not
/// dividing `p`), which holds as `q > sqrt(p)`.
pub fn is_safe_prime(p: &BigUint, seed: &[u8; 32]) -> bool {
    let one = BigUint::from(1u8);
    let two = BigUint::from(2u8);
    if p.bits() < 8 || !p.bit(0) || !p.bit(1) {
        // Small, even, or p = 1 mod 4 (then q is even); this code only
        // deals with the large primes of the protocol.
        return false;
    }
    let q: BigUint = p >> 1u32;
    let small_factor = (3u32..2000)
        .step_by(2)
        .any(|d| (p % d).bits() == 0 || (&q % d).bits() == 0);
    if small_factor {
        return false;
    }
    let q_minus_3 = &q - 3u32;
    let q_is_prime = (0..SAFE_PRIME_ROUNDS).all(|round| {
        let h = sha256(&[seed, &(round as u32).to_le_bytes()]);
        let base = &two + BigUint::from_bytes_be(&h) % &q_minus_3;
        miller_rabin_round(&q, &base)
    });
    q_is_prime && two.modpow(&(p - &one), p) == one
}

/// One Miller-Rabin round of odd `n > 3` to `base` in `2..n-1`: false means
/// composite.
fn miller_rabin_round(n: &BigUint, base: &BigUint) -> bool {
    let one = BigUint::from(1u8);
    let n_minus_1 = n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let mut x = base.modpow(&d, n);
    if x == one || x == n_minus_1 {
        return true;
    }
    for _ in 1..s {
        x = x.modpow(&BigUint::from(2u8), n);
        if x == n_minus_1 {
            return true;
        }
        if x == one {
            return false;
        }
    }
    false
}

/// `tmp_aes_key` and `tmp_aes_iv`, which encrypt `server_DH_inner_data` and
/// `client_DH_inner_data`:
/// key = SHA1(new_nonce + server_nonce) + SHA1(server_nonce + new_nonce)\[0..12\];
/// iv = SHA1(server_nonce + new_nonce)\[12..20\] + SHA1(new_nonce + new_nonce) + new_nonce\[0..4\].
pub fn tmp_aes_key_iv(server_nonce: &[u8; 16], new_nonce: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let ns = sha1(&[new_nonce, server_nonce]);
    let sn = sha1(&[server_nonce, new_nonce]);
    let nn = sha1(&[new_nonce, new_nonce]);
    let mut key = [0; 32];
    key[..20].copy_from_slice(&ns);
    key[20..].copy_from_slice(&sn[..12]);
    let mut iv = [0; 32];
    iv[..8].copy_from_slice(&sn[12..]);
    iv[8..28].copy_from_slice(&nn);
    iv[28..].copy_from_slice(&new_nonce[..4]);
    (key, iv)
}

/// `auth_key_aux_hash`: the first 64 bits of SHA1(auth_key), as the
/// little-endian `long` that `retry_id` carries.
pub fn auth_key_aux_hash(auth_key: &[u8; 256]) -> i64 {
    i64::from_le_bytes(first8(&sha1(&[auth_key])[..8]))
}

/// `auth_key_id`: the lower 64 bits of SHA1(auth_key), as a little-endian
/// `long` (the first field of every encrypted message).
pub fn auth_key_id(auth_key: &[u8; 256]) -> i64 {
    i64::from_le_bytes(first8(&sha1(&[auth_key])[12..]))
}

/// `new_nonce_hash1/2/3` (`number` 1, 2, 3): the lower 128 bits of
/// SHA1(new_nonce + number + auth_key_aux_hash).
pub fn new_nonce_hash(auth_key: &[u8; 256], new_nonce: &[u8; 32], number: u8) -> [u8; 16] {
    grammers_crypto::AuthKey::from_bytes(*auth_key).calc_new_nonce_hash(new_nonce, number)
}

/// The first server salt: `new_nonce[0..8] XOR server_nonce[0..8]`, as the
/// little-endian `long` it is sent as.
pub fn first_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> i64 {
    let mut salt = first8(new_nonce);
    salt.iter_mut().zip(server_nonce).for_each(|(s, n)| *s ^= n);
    i64::from_le_bytes(salt)
}

fn first8(bytes: &[u8]) -> [u8; 8] {
    let mut out = [0; 8];
    out.copy_from_slice(&bytes[..8]);
    out
}

/// Decodes hex at compile time (for constants).
const fn hex<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let s = s.as_bytes();
    assert!(s.len() == 2 * N, "wrong hex length");
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::rsa::to_256;
    use crate::auth::testutil::{UNSAFE_PRIME, arr, hex, value};

    /// The 1024-bit safe prime of RFC 2409 (Oakley group 2): safe, too small.
    const OAKLEY_1024: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

    #[test]
    fn telegram_prime_is_the_samples_and_passes() {
        assert_eq!(TELEGRAM_DH_PRIME.to_vec(), value("dh_prime"));
        let p = check_group(&TELEGRAM_DH_PRIME, 3, &[0; 32]).expect("good group");
        assert_eq!(p, telegram_prime());
    }

    #[test]
    fn telegram_prime_passes_the_slow_path_too() {
        assert!(is_safe_prime(&telegram_prime(), &[7; 32]));
    }

    #[test]
    fn bad_primes_are_refused() {
        let seed = [1; 32];
        let plus_two = telegram_prime() + 2u8;
        let cases = [
            hex(UNSAFE_PRIME),
            to_256(&plus_two).to_vec(),
            hex(OAKLEY_1024),
            vec![0xFF; 256],
            vec![0; 256],
            vec![],
            [&[1u8][..], &TELEGRAM_DH_PRIME].concat(),
        ];
        for p in &cases {
            assert_eq!(
                check_group(p, 3, &seed),
                Err(Error::InvalidDhPrime),
                "{p:02X?}"
            );
        }
        // Oakley's prime is safe: only its size is wrong.
        assert!(is_safe_prime(
            &BigUint::from_bytes_be(&hex(OAKLEY_1024)),
            &seed
        ));
        assert!(!is_safe_prime(
            &BigUint::from_bytes_be(&hex(UNSAFE_PRIME)),
            &seed
        ));
    }

    #[test]
    fn generators_follow_the_residue_conditions() {
        let p = telegram_prime();
        // Telegram's prime: p mod 8 = 3, mod 3 = 2, mod 5 = 3, mod 24 = 11, mod 7 = 3.
        let expected = [
            (2, false),
            (3, true),
            (4, true),
            (5, false),
            (6, false),
            (7, true),
        ];
        for (g, ok) in expected {
            assert_eq!(generates_subgroup(&p, g), ok, "g = {g}");
        }
        for g in [-3, 0, 1, 8, i32::MAX] {
            let refused = check_group(&TELEGRAM_DH_PRIME, g, &[0; 32]);
            assert_eq!(refused, Err(Error::InvalidG { g }));
        }
        assert_eq!(
            check_group(&TELEGRAM_DH_PRIME, 2, &[0; 32]),
            Err(Error::InvalidG { g: 2 })
        );
    }

    #[test]
    fn safe_range_edges() {
        let p = telegram_prime();
        let margin = BigUint::from(1u8) << 1984u32;
        let one = BigUint::from(1u8);
        assert!(in_safe_range(&margin, &p));
        assert!(in_safe_range(&(&p - &margin), &p));
        assert!(!in_safe_range(&(&margin - &one), &p));
        assert!(!in_safe_range(&(&p - &margin + &one), &p));
        for x in [BigUint::ZERO, one.clone(), &p - &one, p.clone(), &p + &one] {
            assert!(!in_safe_range(&x, &p));
        }
        assert!(!in_safe_range(&one, &BigUint::ZERO));
    }

    #[test]
    fn derivations_match_the_official_sample() {
        let server_nonce = arr(&value("server_nonce"));
        let new_nonce = arr(&value("new_nonce"));
        let (key, iv) = tmp_aes_key_iv(&server_nonce, &new_nonce);
        assert_eq!(key.to_vec(), value("tmp_aes_key"));
        assert_eq!(iv.to_vec(), value("tmp_aes_iv"));
        let auth_key = arr(&value("auth_key"));
        assert_eq!(
            auth_key_id(&auth_key).to_le_bytes().to_vec(),
            hex("65588B3350EF784E")
        );
        assert_eq!(auth_key_id(&auth_key), 5654532459904850021);
        assert_eq!(
            auth_key_aux_hash(&auth_key).to_le_bytes().to_vec(),
            hex("20B5C361A4F5A3D0")
        );
        assert_eq!(
            new_nonce_hash(&auth_key, &new_nonce, 1).to_vec(),
            value("new_nonce_hash1")
        );
        assert_eq!(first_salt(&new_nonce, &server_nonce), -3585621112631548343);
    }
}
