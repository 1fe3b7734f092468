//! `gzip_packed#3072cfa1 packed_data:bytes = Object;`
//!
//! <https://core.telegram.org/mtproto/service_messages#packed-object>: any
//! object may be replaced by its gzipped serialization. The server uses it in
//! `rpc_result`; a client may use it for queries. Inflating is capped, so a
//! small hostile frame cannot make us allocate without bound.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use super::error::Error;
use super::wire::{GZIP_PACKED_ID, parse_gzip_packed, serialize_gzip_packed};

/// Compresses `body` into a boxed `gzip_packed`.
pub fn pack(body: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 2), Compression::default());
    // Writing to a Vec cannot fail.
    let packed = match enc.write_all(body).and_then(|()| enc.finish()) {
        Ok(p) => p,
        Err(_) => return body.to_vec(),
    };
    let mut out = Vec::with_capacity(packed.len() + 8);
    serialize_gzip_packed(&packed, &mut out);
    out
}

/// `body` as a `gzip_packed` when it is at least `threshold` bytes and
/// packing makes it smaller; otherwise `body` unchanged.
pub fn pack_if_smaller(body: Vec<u8>, threshold: Option<usize>) -> Vec<u8> {
    match threshold {
        Some(t) if body.len() >= t => {
            let packed = pack(&body);
            if packed.len() < body.len() {
                packed
            } else {
                body
            }
        }
        _ => body,
    }
}

/// Whether `body` starts with the `gzip_packed` constructor.
pub fn is_packed(body: &[u8]) -> bool {
    body.get(..4) == Some(&GZIP_PACKED_ID.to_le_bytes()[..])
}

/// Inflates gzip `data`, failing once the output would exceed `limit` bytes.
pub fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(data)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| Error::Gzip(e.to_string()))?;
    if out.len() > limit {
        return Err(Error::GzipTooLarge { limit });
    }
    Ok(out)
}

/// Reads a boxed `gzip_packed` and inflates it (at most `limit` bytes).
pub fn unpack(body: &[u8], limit: usize) -> Result<Vec<u8>, Error> {
    inflate(parse_gzip_packed(body)?, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let body: Vec<u8> = (0..4000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        let packed = pack(&body);
        assert!(is_packed(&packed));
        assert!(packed.len() < body.len());
        assert_eq!(unpack(&packed, body.len()), Ok(body.clone()));
        assert_eq!(pack_if_smaller(body.clone(), Some(100)), packed);
        assert_eq!(pack_if_smaller(body.clone(), None), body);
        assert_eq!(pack_if_smaller(body.clone(), Some(body.len() + 1)), body);
    }

    #[test]
    fn incompressible_bodies_stay_plain() {
        let mut rng = crate::mtp::clock::SeededRandom::new(5);
        let mut body = vec![0u8; 512];
        crate::mtp::clock::Random::fill(&mut rng, &mut body);
        assert_eq!(pack_if_smaller(body.clone(), Some(16)), body);
    }

    #[test]
    fn bomb_is_capped() {
        let bomb = pack(&vec![0u8; 10 << 20]);
        assert!(bomb.len() < 64 << 10);
        assert_eq!(
            unpack(&bomb, 1 << 20),
            Err(Error::GzipTooLarge { limit: 1 << 20 })
        );
        assert_eq!(unpack(&bomb, 10 << 20).map(|v| v.len()), Ok(10 << 20));
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut packed = pack(&[5u8; 1000]);
        let n = packed.len();
        packed[n / 2] ^= 0xff;
        assert!(matches!(unpack(&packed, 1 << 20), Err(Error::Gzip(_))));
        let mut not_gzip = Vec::new();
        serialize_gzip_packed(b"definitely not gzip", &mut not_gzip);
        assert!(matches!(unpack(&not_gzip, 1 << 20), Err(Error::Gzip(_))));
    }
}
