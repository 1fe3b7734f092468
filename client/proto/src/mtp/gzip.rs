//! `gzip_packed#3072cfa1 packed_data:bytes = Object;`
//!
//! <https://core.telegram.org/mtproto/service_messages#packed-object>: any
//! object may be replaced by its gzipped serialization. The server uses it in
//! `rpc_result`; a client may use it for queries. Inflating is capped, so a
//! small hostile frame cannot make us allocate without bound.

use std::cell::RefCell;
use std::thread::LocalKey;

use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};
use tl::Identifiable;

use super::error::Error;
use super::wire::{GZIP_PACKED_ID, parse_gzip_packed, serialize_gzip_packed};

/// The gzip header [`pack`] writes (RFC 1952: deflate, no name or time,
/// "fastest" flag, unknown OS), as `flate2`'s `GzEncoder` writes it.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

thread_local! {
    /// This thread's raw deflate compressor at the fastest level, reset
    /// for every body: making one allocates and clears some hundreds of KB,
    /// which cost a server packing many small answers more than the
    /// compressing itself.
    static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's kept (de)compressor in `key`, made by
/// `make` the first time; with a new one if the kept one is in use (a
/// call from within `f` itself).
fn with_kept<T: 'static, R>(
    key: &'static LocalKey<RefCell<Option<T>>>,
    make: impl Fn() -> T,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut kept) => f(kept.get_or_insert_with(&make)),
        Err(_) => f(&mut make()),
    })
}

/// Appends the raw deflate stream of `data` to `out`; `false` if the
/// compressor failed.
fn deflate(data: &[u8], out: &mut Vec<u8>) -> bool {
    let make = || Compress::new(Compression::fast(), false);
    with_kept(&DEFLATE, make, |c| deflate_with(c, data, out))
}

/// [`deflate`] with the compressor `c` (reset first).
fn deflate_with(c: &mut Compress, data: &[u8], out: &mut Vec<u8>) -> bool {
    c.reset();
    let start = c.total_in();
    // Each pass fills the room left or ends; the room doubles, so a few
    // dozen passes cover any body.
    for _ in 0..64 {
        let taken = usize::try_from(c.total_in() - start).unwrap_or(usize::MAX);
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(256));
        }
        let rest = data.get(taken..).unwrap_or_default();
        match c.compress_vec(rest, out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// Compresses `body` into a boxed `gzip_packed`, at the fastest level: TL
/// answers shrink about as much as at the default level for a fraction of
/// the CPU (an export's message pages are most of what a server packs).
pub fn pack(body: &[u8]) -> Vec<u8> {
    let mut gz = Vec::with_capacity(body.len() / 2 + 64);
    gz.extend_from_slice(&GZIP_HEADER);
    if !deflate(body, &mut gz) {
        return body.to_vec();
    }
    let mut crc = Crc::new();
    crc.update(body);
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&isize_field(body.len()).to_le_bytes());
    let mut out = Vec::with_capacity(gz.len() + 8);
    serialize_gzip_packed(&gz, &mut out);
    out
}

/// Objects whose bulk is file bytes (`upload.file`, `upload.cdnFile`,
/// `upload.webFile`): already compressed media as a rule, never packed.
const FILE_BYTES: [u32; 3] = [
    tl::types::upload::File::CONSTRUCTOR_ID,
    tl::types::upload::CdnFile::CONSTRUCTOR_ID,
    tl::types::upload::WebFile::CONSTRUCTOR_ID,
];

/// Bodies larger than this are judged by a sample first.
const SAMPLE: usize = 4096;

/// Whether packing `body` may pay: not file bytes, and for a large body, its
/// first [`SAMPLE`] bytes shrink to less than 7/8 at the fastest level
/// (a cheap test that spares compressing megabytes that cannot shrink).
fn worth_packing(body: &[u8]) -> bool {
    let id = body
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if id.is_some_and(|id| FILE_BYTES.contains(&id)) {
        return false;
    }
    if body.len() <= 2 * SAMPLE {
        return true;
    }
    let sample = &body[..SAMPLE];
    let mut packed = Vec::with_capacity(SAMPLE);
    deflate(sample, &mut packed) && packed.len() * 8 < sample.len() * 7
}

/// `body` as a `gzip_packed` when it is at least `threshold` bytes and
/// packing makes it smaller; otherwise `body` unchanged. File parts and
/// bodies whose sample does not compress are not tried.
pub fn pack_if_smaller(body: Vec<u8>, threshold: Option<usize>) -> Vec<u8> {
    match threshold {
        Some(t) if body.len() >= t && worth_packing(&body) => {
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

thread_local! {
    /// This thread's raw inflater, reset for every body (as [`DEFLATE`]:
    /// a client reading many small packed answers pays for making one
    /// each time otherwise).
    static INFLATE: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Where the deflate stream of gzip member `data` starts (RFC 1952: the
/// fixed header, then the optional extra field, name, comment and header
/// CRC its flags announce).
fn deflate_start(data: &[u8]) -> Result<usize, Error> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let bad = |what: &str| Error::Gzip(format!("gzip header: {what}"));
    let flags = match data.get(..10) {
        Some([0x1f, 0x8b, 8, flags, ..]) if flags & 0xe0 == 0 => *flags,
        Some(_) => return Err(bad("not a gzip deflate member")),
        None => return Err(bad("cut short")),
    };
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = data.get(at..at + 2).ok_or_else(|| bad("cut short"))?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = data.get(at..).ok_or_else(|| bad("cut short"))?;
            let end = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| bad("cut short"))?;
            at += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    if at > data.len() {
        return Err(bad("cut short"));
    }
    Ok(at)
}

/// Inflates gzip `data`, failing once the output would exceed `limit` bytes.
pub fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, Error> {
    let start = deflate_start(data)?;
    let make = || Decompress::new(false);
    with_kept(&INFLATE, make, |d| inflate_with(d, data, start, limit))
}

/// [`inflate`] of the deflate stream at `start` with `d` (reset first),
/// then the member's CRC-32 and size checked.
fn inflate_with(
    d: &mut Decompress,
    data: &[u8],
    start: usize,
    limit: usize,
) -> Result<Vec<u8>, Error> {
    d.reset(false);
    let base = d.total_in();
    let stream = &data[start..];
    // TL compresses some 3-8 times: start near the size, grow if needed.
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit).max(64));
    let too_large = Error::GzipTooLarge { limit };
    // Each pass fills the room left (doubling) or ends; past `limit` it
    // stops, so the passes are few.
    for _ in 0..64 {
        let taken = usize::try_from(d.total_in() - base).unwrap_or(usize::MAX);
        let rest = stream.get(taken..).unwrap_or_default();
        if out.len() == out.capacity() {
            if out.len() > limit {
                return Err(too_large);
            }
            out.reserve(out.capacity().min(limit + 1 - out.len()).max(64));
        }
        let before = (d.total_in(), d.total_out());
        match d.decompress_vec(rest, &mut out, FlushDecompress::None) {
            Ok(Status::StreamEnd) => {
                if out.len() > limit {
                    return Err(too_large);
                }
                let end = taken + usize::try_from(d.total_in() - before.0).unwrap_or(0);
                return check_trailer(stream.get(end..), &out).map(|()| out);
            }
            Ok(_) if (d.total_in(), d.total_out()) == before && out.len() < out.capacity() => {
                return Err(Error::Gzip("gzip data cut short".into()));
            }
            Ok(_) => {}
            Err(e) => return Err(Error::Gzip(e.to_string())),
        }
    }
    Err(too_large)
}

/// A gzip trailer's ISIZE for `len` bytes: the length modulo 2^32.
fn isize_field(len: usize) -> u32 {
    u32::try_from(len % (1 << 32)).unwrap_or(0)
}

/// Checks a gzip member's trailer (CRC-32 and size of `out`).
fn check_trailer(trailer: Option<&[u8]>, out: &[u8]) -> Result<(), Error> {
    let Some([c0, c1, c2, c3, s0, s1, s2, s3, ..]) = trailer else {
        return Err(Error::Gzip("gzip trailer cut short".into()));
    };
    let mut crc = Crc::new();
    crc.update(out);
    if u32::from_le_bytes([*c0, *c1, *c2, *c3]) != crc.sum()
        || u32::from_le_bytes([*s0, *s1, *s2, *s3]) != isize_field(out.len())
    {
        return Err(Error::Gzip("gzip checksum or size mismatch".into()));
    }
    Ok(())
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
    fn the_kept_compressor_packs_as_a_new_one_body_after_body() {
        let fresh = |body: &[u8]| {
            let mut deflated = Vec::new();
            let mut new = Compress::new(Compression::fast(), false);
            assert!(deflate_with(&mut new, body, &mut deflated));
            deflated
        };
        let text: Vec<u8> = b"message text, ".repeat(5000);
        let small: Vec<u8> = (0..700u32).flat_map(|i| (i % 13).to_le_bytes()).collect();
        // The kept compressor, reset between bodies, gives the same bytes
        // as a new one each time, whatever came before.
        for body in [&small[..], &text[..], &[][..], &small[..], &text[..100]] {
            let packed = pack(body);
            let gz = parse_gzip_packed(&packed).expect("gzip_packed");
            assert_eq!(gz[..10], GZIP_HEADER);
            assert_eq!(gz[10..gz.len() - 8], fresh(body), "{} bytes", body.len());
            // Our reader takes it, checksum and size included.
            assert_eq!(unpack(&packed, body.len()), Ok(body.to_vec()));
        }
    }

    #[test]
    fn inflates_what_a_gz_encoder_writes_with_any_header_fields() {
        use std::io::Write;
        let text: Vec<u8> = b"message text, ".repeat(3000);
        let plain = flate2::GzBuilder::new;
        let named = || {
            flate2::GzBuilder::new()
                .filename("page.tl")
                .comment("a comment")
                .extra(vec![1, 2, 3])
                .mtime(7)
        };
        for builder in [&plain as &dyn Fn() -> flate2::GzBuilder, &named] {
            for body in [&text[..], &text[..10], &[][..]] {
                let mut enc = builder().write(Vec::new(), Compression::default());
                enc.write_all(body).expect("vec");
                let gz = enc.finish().expect("vec");
                assert_eq!(inflate(&gz, body.len()), Ok(body.to_vec()));
                if !body.is_empty() {
                    assert_eq!(
                        inflate(&gz, body.len() - 1),
                        Err(Error::GzipTooLarge {
                            limit: body.len() - 1
                        })
                    );
                }
                // Cut anywhere, or a wrong size in the trailer: an error.
                for cut in [1, 9, 12, gz.len() / 2, gz.len() - 4, gz.len() - 1] {
                    assert!(
                        matches!(inflate(&gz[..cut], 1 << 20), Err(Error::Gzip(_))),
                        "cut at {cut}"
                    );
                }
                let mut wrong = gz.clone();
                let n = wrong.len();
                wrong[n - 1] ^= 1;
                assert!(matches!(inflate(&wrong, 1 << 20), Err(Error::Gzip(_))));
            }
        }
    }

    #[test]
    fn incompressible_bodies_stay_plain() {
        let mut rng = crate::mtp::clock::SeededRandom::new(5);
        let mut body = vec![0u8; 512];
        crate::mtp::clock::Random::fill(&mut rng, &mut body);
        assert_eq!(pack_if_smaller(body.clone(), Some(16)), body);
    }

    #[test]
    fn file_parts_and_incompressible_large_bodies_are_not_tried() {
        use tl::Serializable;
        // Compressible bytes, but an upload.file: sent as is.
        let part: tl::enums::upload::File = tl::types::upload::File {
            r#type: tl::enums::storage::FileType::FileUnknown,
            mtime: 0,
            bytes: vec![7u8; 1 << 20],
        }
        .into();
        let body = part.to_bytes();
        assert_eq!(pack_if_smaller(body.clone(), Some(512)), body);
        // 1 MiB of noise: the sample says no.
        let mut rng = crate::mtp::clock::SeededRandom::new(9);
        let mut noise = vec![0u8; 1 << 20];
        crate::mtp::clock::Random::fill(&mut rng, &mut noise);
        assert!(!worth_packing(&noise));
        assert_eq!(pack_if_smaller(noise.clone(), Some(512)), noise);
        // Large and compressible: packed.
        let text: Vec<u8> = b"message text, ".repeat(5000);
        assert!(worth_packing(&text));
        let packed = pack_if_smaller(text.clone(), Some(512));
        assert!(is_packed(&packed) && packed.len() < text.len() / 10);
        assert_eq!(unpack(&packed, text.len()), Ok(text));
    }

    #[test]
    fn bomb_is_capped() {
        let bomb = pack(&vec![0u8; 10 << 20]);
        assert!(bomb.len() < (10 << 20) / 50, "{} bytes", bomb.len());
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
