//! The proof of work of the exchange: `pq`, a product of two primes below
//! 2^32 that the server picks and the client factorizes
//! (<https://core.telegram.org/mtproto/auth_key>, "Proof of work").

/// Splits `pq` into two factors `p <= q` with `p * q == pq`, both above 1.
///
/// `None` if `pq` is prime, below 4, or has no factor that Pollard's rho
/// (Brent's variant, a bounded number of steps for several polynomials)
/// finds: the server picks `pq` as a product of two 32-bit primes, which
/// takes some 10^5 steps.
pub fn factorize(pq: u64) -> Option<(u64, u64)> {
    if pq < 4 || is_prime(pq) {
        return None;
    }
    if pq % 2 == 0 {
        return Some((2, pq / 2));
    }
    let p = (1..=8).find_map(|c| rho(pq, c))?;
    let q = pq / p;
    Some((p.min(q), p.max(q)))
}

/// A nontrivial factor of odd composite `n`, from Brent's cycle finding on
/// `x -> x^2 + c mod n`, or `None` within the step budget.
fn rho(n: u64, c: u64) -> Option<u64> {
    const BATCH: u64 = 128;
    const MAX_STEPS: u64 = 1 << 20;
    let f = |x: u64| ((u128::from(x) * u128::from(x) + u128::from(c)) % u128::from(n)) as u64;
    let (mut y, mut r, mut steps) = (2u64, 1u64, 0u64);
    while steps < MAX_STEPS {
        let x = y;
        for _ in 0..r {
            y = f(y);
        }
        let mut k = 0;
        while k < r {
            let saved = y;
            let mut product = 1u64;
            for _ in 0..BATCH.min(r - k) {
                y = f(y);
                product = mul_mod(product, x.abs_diff(y), n);
            }
            steps += BATCH.min(r - k);
            match gcd(product, n) {
                1 => {}
                g if g < n => return Some(g),
                // The batch overshot (or the walk cycled): redo it one
                // step at a time.
                _ => return single_steps(saved, x, n, c, BATCH),
            }
            k += BATCH;
        }
        r *= 2;
    }
    None
}

fn single_steps(mut y: u64, x: u64, n: u64, c: u64, count: u64) -> Option<u64> {
    for _ in 0..count {
        y = ((u128::from(y) * u128::from(y) + u128::from(c)) % u128::from(n)) as u64;
        let g = gcd(x.abs_diff(y), n);
        if g > 1 {
            return (g < n).then_some(g);
        }
    }
    None
}

/// Deterministic primality of a 64-bit number (Miller-Rabin with the first
/// twelve primes as bases, exact below 3.3 * 10^24).
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    if let Some(&b) = BASES.iter().find(|&&b| n % b == 0) {
        return n == b;
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    BASES.iter().all(|&a| {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            return true;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                return true;
            }
        }
        false
    })
}

/// Server role: two different primes in `2^30 .. 2^31` picked from 8
/// random bytes, smaller first, whose product is the 8-byte `pq`.
pub fn pick_primes(random: &[u8; 8]) -> (u64, u64) {
    let pick = |bytes: [u8; 4]| next_prime(u64::from(u32::from_le_bytes(bytes) >> 2) | (1 << 30));
    let p = pick([random[0], random[1], random[2], random[3]]);
    let mut q = pick([random[4], random[5], random[6], random[7]]);
    if q == p {
        q = next_prime(p + 1);
    }
    (p.min(q), p.max(q))
}

/// The first prime at or above `from` in `2^30 .. 2^31`, wrapping around.
fn next_prime(from: u64) -> u64 {
    let (low, high) = (1u64 << 30, 1u64 << 31);
    let mut n = from.clamp(low, high - 1) | 1;
    // Prime gaps below 2^31 are under 300, so this ends quickly.
    while !is_prime(n) {
        n += 2;
        if n >= high {
            n = low + 1;
        }
    }
    n
}

fn mul_mod(a: u64, b: u64, n: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(n)) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, n: u64) -> u64 {
    let mut result = 1 % n;
    base %= n;
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul_mod(result, base, n);
        }
        base = mul_mod(base, base, n);
        exp >>= 1;
    }
    result
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::auth::testutil::decimal;

    #[test]
    fn factorizes_the_official_sample() {
        let pq = decimal("pq_decimal");
        assert_eq!(
            factorize(pq),
            Some((decimal("p_decimal"), decimal("q_decimal")))
        );
    }

    /// Known answers from grammers-crypto 0.11.0 `factorize.rs` (MIT/Apache).
    #[test]
    fn factorizes_known_products() {
        let cases = [
            (1470626929934143021, (1206429347, 1218991343)),
            (2363612107535801713, (1518968219, 1556064227)),
            (2804275833720261793, (1555252417, 1803100129)),
            (4294967291 * 4294967279, (4294967279, 4294967291)),
            (4294967291 * 4294967291, (4294967291, 4294967291)),
            (1_000_000_007 * 3, (3, 1_000_000_007)),
            (10, (2, 5)),
        ];
        for (pq, expected) in cases {
            assert_eq!(factorize(pq), Some(expected), "{pq}");
        }
    }

    #[test]
    fn refuses_primes_and_tiny_numbers() {
        for n in [0, 1, 2, 3, 5, 1_000_000_007, 18446744073709551557] {
            assert_eq!(factorize(n), None, "{n}");
        }
    }

    #[test]
    fn primality_of_small_and_edge_numbers() {
        let primes: Vec<u64> = (0..60).filter(|&n| is_prime(n)).collect();
        assert_eq!(
            primes,
            [
                2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59
            ]
        );
        assert!(is_prime(18446744073709551557));
        assert!(!is_prime(3215031751)); // strong pseudoprime to 2, 3, 5, 7
        assert!(!is_prime(u64::MAX));
    }

    proptest! {
        #[test]
        fn picked_primes_make_an_8_byte_pq(random in any::<[u8; 8]>()) {
            let (p, q) = pick_primes(&random);
            prop_assert!(p < q && is_prime(p) && is_prime(q));
            prop_assert!(p >= 1 << 30 && q < 1 << 31);
            prop_assert_eq!(factorize(p * q), Some((p, q)));
        }

        #[test]
        fn factorize_is_total_and_correct(n in any::<u64>()) {
            if let Some((p, q)) = factorize(n) {
                prop_assert!(p > 1 && p <= q && p.checked_mul(q) == Some(n));
            }
        }
    }
}
