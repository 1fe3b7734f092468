//! Valid media files of an exact byte size, synthesized from a seed.
//!
//! A picture is a vertical two-colour gradient in flat bands (colours from
//! the seed; bands keep lossless encodings small) with a
//! short label (a number, initials) drawn in a blocky 3×5 font, encoded with
//! the `image` crate and then padded to the requested size inside the
//! format, so every decoder sees a well-formed file:
//!
//! - **JPEG**: comment (`COM`, `FF FE`) segments right after the JFIF `APP0`
//!   segment, up to 65,533 bytes each (4 bytes of overhead each).
//! - **PNG**: a `tEXt` chunk with the keyword `Comment` before `IEND`
//!   (20 bytes of overhead).
//! - **WebP**: the lossless (`VP8L`) bitstream in the extended container
//!   (`VP8X`), followed by an unknown chunk `PADD` that readers skip
//!   (RIFF chunks are even-sized, so a WebP file always has an even size).
//!
//! The filler bytes are seeded lowercase letters (a block of 512 repeated), so the same
//! `(kind, size, seed, dimensions, label)` always gives the same bytes.
//!
//! **Fallbacks**, when a file of that size cannot hold the picture:
//! the picture is encoded at lower JPEG quality, then at half the width and
//! height, again and again down to 1×1; a WebP of an odd size (impossible in
//! RIFF) is made a PNG; a JPEG or WebP too small even at 1×1 is made a PNG;
//! and below the smallest PNG (some 90 bytes) the file is seeded filler
//! bytes ([`Kind::Other`]). [`Synth::kind`] says what was produced; browsers
//! and the `image` crate recognise pictures by their content, not by the
//! file name, so a PNG named `.jpg` still shows.
//!
//! Pictures larger than [`MAX_SIDE`] on a side are drawn at that size
//! (same aspect ratio): the export's HTML shows a photo at most 260 pixels
//! wide (scaled up smoothly: flat bands and a blocky font) and a sticker at
//! most 160, and a mock server serving a world of a
//! million messages must synthesize its pictures in well under a
//! few milliseconds each (the `image` crate's JPEG encoder takes some
//! 4 ms for 320×240 pixels, its lossless WebP encoder twice that; 160×120
//! costs a quarter). The last pictures encoded are
//! remembered, so the sizes of one photo (drawn alike) share one encoding.

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use image::ImageEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;

use crate::rng::{hash_words, mix64};

/// The largest width or height drawn; larger pictures are scaled down.
pub const MAX_SIDE: u32 = 160;

/// A file kind, as told by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// `RIFF....WEBP`.
    Webp,
    /// Anything else (synthesized as seeded filler bytes).
    Other,
}

impl Kind {
    /// The kind of `bytes`, by their magic numbers.
    pub fn of(bytes: &[u8]) -> Kind {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Kind::Jpeg
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Kind::Png
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Kind::Webp
        } else {
            Kind::Other
        }
    }

    /// The kind a MIME type names (`image/jpeg`, `image/png`, `image/webp`).
    pub fn from_mime(mime: &str) -> Kind {
        match mime {
            "image/jpeg" | "image/jpg" => Kind::Jpeg,
            "image/png" => Kind::Png,
            "image/webp" => Kind::Webp,
            _ => Kind::Other,
        }
    }
}

/// What to synthesize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec<'a> {
    /// The kind wanted ([`Kind::Other`]: filler bytes).
    pub kind: Kind,
    /// The exact size of the file in bytes.
    pub size: usize,
    /// Colours and filler come from it.
    pub seed: u64,
    /// Width in pixels (0 is taken as 1).
    pub width: u32,
    /// Height in pixels (0 is taken as 1).
    pub height: u32,
    /// A short label drawn on the picture: digits, `A`–`Z`, `#`, `-`
    /// (other characters are drawn as `?`; lowercase as uppercase).
    pub label: &'a str,
}

/// A synthesized file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synth {
    /// Exactly `Spec::size` bytes.
    pub bytes: Vec<u8>,
    /// What they are (may differ from the wanted kind, see the fallbacks).
    pub kind: Kind,
    /// The picture's width (0 for [`Kind::Other`]).
    pub width: u32,
    /// The picture's height (0 for [`Kind::Other`]).
    pub height: u32,
}

/// The smallest overhead of padding, per kind.
fn min_pad(kind: Kind) -> usize {
    match kind {
        Kind::Jpeg => 4,
        Kind::Png => 20,
        Kind::Webp => 8,
        Kind::Other => 0,
    }
}

/// A valid file of exactly `spec.size` bytes (see the module docs for the
/// layout and the fallbacks).
pub fn synthesize(spec: &Spec) -> Synth {
    let (w, h) = fit(spec.width.max(1), spec.height.max(1));
    let mut kinds: Vec<Kind> = match spec.kind {
        Kind::Other => vec![],
        Kind::Webp if spec.size % 2 == 1 => vec![Kind::Png],
        k => vec![k],
    };
    if !kinds.contains(&Kind::Png) && spec.kind != Kind::Other {
        kinds.push(Kind::Png);
    }
    for kind in kinds {
        let (mut w, mut h) = (w, h);
        loop {
            let mut rgb = None;
            let qualities: &[u8] = if kind == Kind::Jpeg {
                &[85, 50, 20]
            } else {
                &[0]
            };
            for &quality in qualities {
                let look = Look {
                    kind,
                    seed: spec.seed,
                    width: w,
                    height: h,
                    label: spec.label.to_owned(),
                    quality,
                };
                let core = encoded(&look, &mut rgb);
                if let Some(bytes) = pad(kind, &core, spec.size, spec.seed) {
                    return Synth {
                        bytes,
                        kind,
                        width: w,
                        height: h,
                    };
                }
            }
            if w == 1 && h == 1 {
                break;
            }
            (w, h) = (w.div_ceil(2), h.div_ceil(2));
        }
    }
    Synth {
        bytes: filler(spec.seed, spec.size),
        kind: Kind::Other,
        width: 0,
        height: 0,
    }
}

/// A valid file of the same kind and size as `original` (dimensions too,
/// when its header tells them; else 320×240), from `seed`. For replacing a
/// real file by a synthetic one.
pub fn like(original: &[u8], seed: u64, label: &str) -> Synth {
    let kind = Kind::of(original);
    let (width, height) = match kind {
        Kind::Other => (0, 0),
        _ => image::ImageReader::new(Cursor::new(original))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok())
            .unwrap_or((320, 240)),
    };
    synthesize(&Spec {
        kind,
        size: original.len(),
        seed,
        width,
        height,
        label,
    })
}

/// Seeded filler bytes of `len`: lowercase letters, a seeded block of 512
/// repeated (copied, not computed, so padding a large file is cheap).
pub fn filler(seed: u64, len: usize) -> Vec<u8> {
    const BLOCK: usize = 512;
    let mut block = [0u8; BLOCK];
    for (i, chunk) in block.chunks_mut(8).enumerate() {
        let word = mix64(seed ^ mix64((i as u64).wrapping_add(0x5eed)));
        for (b, w) in chunk.iter_mut().zip(word.to_le_bytes()) {
            *b = b'a' + w % 26;
        }
    }
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let take = (len - out.len()).min(BLOCK);
        out.extend_from_slice(&block[..take]);
    }
    out
}

/// Scales `w × h` down to at most [`MAX_SIDE`] on a side.
fn fit(w: u32, h: u32) -> (u32, u32) {
    let side = w.max(h);
    if side <= MAX_SIDE {
        return (w, h);
    }
    let scale = |v: u32| ((u64::from(v) * u64::from(MAX_SIDE) / u64::from(side)) as u32).max(1);
    (scale(w), scale(h))
}

/// What an encoding depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Look {
    kind: Kind,
    seed: u64,
    width: u32,
    height: u32,
    label: String,
    quality: u8,
}

/// The encoding of `look` (remembered: the sizes of one photo look alike).
fn encoded(look: &Look, rgb: &mut Option<Vec<u8>>) -> Arc<Vec<u8>> {
    static RECENT: Mutex<VecDeque<(Look, Arc<Vec<u8>>)>> = Mutex::new(VecDeque::new());
    const KEEP: usize = 8;
    let hit = RECENT.lock().ok().and_then(|recent| {
        recent
            .iter()
            .find(|(l, _)| l == look)
            .map(|(_, bytes)| bytes.clone())
    });
    if let Some(bytes) = hit {
        return bytes;
    }
    let (w, h) = (look.width, look.height);
    let pixels = rgb.get_or_insert_with(|| draw(w, h, look.seed, &look.label));
    let bytes = Arc::new(encode(look.kind, pixels, w, h, look.quality));
    if let Ok(mut recent) = RECENT.lock() {
        if recent.len() >= KEEP {
            recent.pop_front();
        }
        recent.push_back((look.clone(), bytes.clone()));
    }
    bytes
}

fn encode(kind: Kind, rgb: &[u8], w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let color = image::ExtendedColorType::Rgb8;
    // Encoding into a Vec of a well-formed RGB buffer cannot fail.
    let result = match kind {
        Kind::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, quality).write_image(rgb, w, h, color)
        }
        Kind::Png => PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Sub)
            .write_image(rgb, w, h, color),
        Kind::Webp => WebPEncoder::new_lossless(&mut out).write_image(rgb, w, h, color),
        Kind::Other => Ok(()),
    };
    if result.is_err() {
        out.clear();
    }
    out
}

/// `encoded` padded to exactly `size` bytes, or `None` when it does not fit.
fn pad(kind: Kind, encoded: &[u8], size: usize, seed: u64) -> Option<Vec<u8>> {
    if encoded.is_empty() {
        return None;
    }
    match kind {
        Kind::Jpeg => pad_jpeg(encoded, size, seed),
        Kind::Png => pad_png(encoded, size, seed),
        Kind::Webp => pad_webp(encoded, size, seed),
        Kind::Other => None,
    }
}

fn pad_jpeg(encoded: &[u8], size: usize, seed: u64) -> Option<Vec<u8>> {
    if encoded.len() == size {
        return Some(encoded.to_vec());
    }
    let gap = size.checked_sub(encoded.len())?;
    if gap < min_pad(Kind::Jpeg) {
        return None;
    }
    // After SOI and, when present, the JFIF APP0 segment.
    let mut at = 2;
    if encoded.get(2..4) == Some(&[0xFF, 0xE0]) {
        at = 4 + usize::from(u16::from_be_bytes([*encoded.get(4)?, *encoded.get(5)?]));
    }
    let fill = filler(seed, gap);
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(encoded.get(..at)?);
    // Split the gap into segments of 4..=65_537 bytes (data up to 65,533).
    let mut left = gap;
    let mut used = 0;
    while left > 0 {
        let mut seg = left.min(65_537);
        // Never leave a remainder too small for a segment of its own.
        if left - seg > 0 && left - seg < 4 {
            seg -= 4;
        }
        let data = seg - 4;
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((data + 2) as u16).to_be_bytes());
        out.extend_from_slice(&fill[used..used + data]);
        used += data;
        left -= seg;
    }
    out.extend_from_slice(&encoded[at..]);
    Some(out)
}

fn png_chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(ty);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(ty);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

fn pad_png(encoded: &[u8], size: usize, seed: u64) -> Option<Vec<u8>> {
    if encoded.len() == size {
        return Some(encoded.to_vec());
    }
    let gap = size.checked_sub(encoded.len())?;
    if gap < min_pad(Kind::Png) || gap - 12 > u32::MAX as usize >> 1 {
        return None;
    }
    // IEND is the last 12 bytes.
    let iend = encoded.len().checked_sub(12)?;
    let mut data = b"Comment\0".to_vec();
    data.extend(filler(seed, gap - 20));
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&encoded[..iend]);
    png_chunk(&mut out, b"tEXt", &data);
    out.extend_from_slice(&encoded[iend..]);
    Some(out)
}

fn pad_webp(encoded: &[u8], size: usize, seed: u64) -> Option<Vec<u8>> {
    // The encoder writes the simple format: RIFF, size, WEBP, one chunk.
    let chunk = encoded.get(12..)?;
    let (fourcc, rest) = chunk.split_at_checked(4)?;
    if fourcc != b"VP8L" || rest.len() < 9 {
        return None;
    }
    // VP8L header: signature 0x2f, then 14 bits width-1, 14 bits height-1.
    let bits = u32::from_le_bytes([rest[5], rest[6], rest[7], rest[8]]);
    let (w1, h1) = (bits & 0x3fff, (bits >> 14) & 0x3fff);
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    out.extend_from_slice(b"VP8X");
    out.extend_from_slice(&10u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&w1.to_le_bytes()[..3]);
    out.extend_from_slice(&h1.to_le_bytes()[..3]);
    out.extend_from_slice(chunk);
    let gap = size.checked_sub(out.len())?;
    if gap % 2 == 1 || (gap > 0 && gap < min_pad(Kind::Webp)) || size > u32::MAX as usize {
        return None;
    }
    if gap > 0 {
        out.extend_from_slice(b"PADD");
        out.extend_from_slice(&((gap - 8) as u32).to_le_bytes());
        out.extend(filler(seed, gap - 8));
    }
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Some(out)
}

/// Glyphs of the 3×5 font: rows top to bottom, 3 bits each (left = 4).
fn glyph(c: char) -> [u8; 5] {
    match c.to_ascii_uppercase() {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        'A' => [2, 5, 7, 5, 5],
        'B' => [6, 5, 6, 5, 6],
        'C' => [3, 4, 4, 4, 3],
        'D' => [6, 5, 5, 5, 6],
        'E' => [7, 4, 6, 4, 7],
        'F' => [7, 4, 6, 4, 4],
        'G' => [3, 4, 5, 5, 3],
        'H' => [5, 5, 7, 5, 5],
        'I' => [7, 2, 2, 2, 7],
        'J' => [1, 1, 1, 5, 2],
        'K' => [5, 5, 6, 5, 5],
        'L' => [4, 4, 4, 4, 7],
        'M' => [5, 7, 7, 5, 5],
        'N' => [6, 5, 5, 5, 5],
        'O' => [2, 5, 5, 5, 2],
        'P' => [6, 5, 6, 4, 4],
        'Q' => [2, 5, 5, 6, 3],
        'R' => [6, 5, 6, 5, 5],
        'S' => [3, 4, 2, 1, 6],
        'T' => [7, 2, 2, 2, 2],
        'U' => [5, 5, 5, 5, 7],
        'V' => [5, 5, 5, 5, 2],
        'W' => [5, 5, 7, 7, 5],
        'X' => [5, 5, 2, 5, 5],
        'Y' => [5, 5, 2, 2, 2],
        'Z' => [7, 1, 2, 4, 7],
        '#' => [5, 7, 5, 7, 5],
        '-' => [0, 0, 7, 0, 0],
        ' ' => [0, 0, 0, 0, 0],
        _ => [7, 1, 2, 0, 2],
    }
}

/// Two colours from the seed: a saturated one and its darker complement.
fn colours(seed: u64) -> ([u8; 3], [u8; 3]) {
    let r = hash_words(&[seed, 0xc010]);
    let pick = |shift: u32, lo: u8| lo + ((r >> shift) as u8 % (255 - lo));
    let a = [pick(0, 90), pick(8, 60), pick(16, 120)];
    let b = [pick(24, 10) / 3, pick(32, 10) / 2, pick(40, 10) / 3];
    (a, b)
}

/// The RGB pixels: a vertical gradient in bands, with the label centred
/// in white.
fn draw(w: u32, h: u32, seed: u64, label: &str) -> Vec<u8> {
    let (a, b) = colours(seed);
    let (wu, hu) = (w as usize, h as usize);
    let mut px = Vec::with_capacity(wu * hu * 3);
    for y in 0..hu {
        // 12 flat bands, top to bottom: every row is one colour, which
        // every codec stores in next to nothing.
        let t = y * 12 / hu * 256 / 12;
        let mut rgb = [0u8; 3];
        for c in 0..3 {
            rgb[c] = ((usize::from(a[c]) * (256 - t) + usize::from(b[c]) * t) / 256) as u8;
        }
        px.extend_from_slice(&rgb.repeat(wu));
    }
    let chars: Vec<char> = label.chars().take(12).collect();
    if chars.is_empty() {
        return px;
    }
    // Each glyph is 3 cells wide with 1 cell between; the label takes at
    // most 3/4 of the width and 1/3 of the height.
    let cells_w = chars.len() * 4 - 1;
    let scale = (wu * 3 / 4 / cells_w).min(hu / 3 / 5);
    if scale == 0 {
        return px;
    }
    let (x0, y0) = ((wu - cells_w * scale) / 2, (hu - 5 * scale) / 2);
    for (i, &c) in chars.iter().enumerate() {
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) == 0 {
                    continue;
                }
                let gx = x0 + (i * 4 + col) * scale;
                let gy = y0 + row * scale;
                for y in gy..gy + scale {
                    let line = y * wu * 3;
                    px[line + gx * 3..line + (gx + scale) * 3].fill(255);
                }
            }
        }
    }
    px
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind, size: usize, seed: u64) -> Spec<'static> {
        Spec {
            kind,
            size,
            seed,
            width: 320,
            height: 240,
            label: "42",
        }
    }

    fn decodes(bytes: &[u8]) -> (u32, u32) {
        let img = image::load_from_memory(bytes).expect("decodes");
        (img.width(), img.height())
    }

    #[test]
    fn kinds_by_magic() {
        for kind in [Kind::Jpeg, Kind::Png, Kind::Webp] {
            let s = synthesize(&spec(kind, 20_000, 1));
            assert_eq!(s.kind, kind);
            assert_eq!(Kind::of(&s.bytes), kind);
        }
        assert_eq!(Kind::of(b"OggS\0"), Kind::Other);
        assert_eq!(Kind::of(b""), Kind::Other);
        assert_eq!(Kind::from_mime("image/webp"), Kind::Webp);
    }

    #[test]
    fn exact_sizes_that_decode() {
        let sizes = [
            200, 333, 700, 1_000, 2_001, 4_096, 6_000, 12_345, 24_000, 65_541, 65_542, 65_543,
            131_081, 200_000,
        ];
        for kind in [Kind::Jpeg, Kind::Png, Kind::Webp] {
            for (i, &size) in sizes.iter().enumerate() {
                let s = synthesize(&spec(kind, size, i as u64));
                assert_eq!(s.bytes.len(), size, "{kind:?} {size}");
                assert_ne!(s.kind, Kind::Other, "{kind:?} {size}");
                assert_eq!(Kind::of(&s.bytes), s.kind);
                assert_eq!(decodes(&s.bytes), (s.width, s.height), "{kind:?} {size}");
            }
        }
    }

    #[test]
    fn full_size_pictures_keep_their_dimensions() {
        for (kind, w, h, size) in [
            (Kind::Jpeg, 160, 120, 100_000),
            (Kind::Jpeg, 160, 160, 2_000),
            (Kind::Jpeg, 160, 120, 6_000),
            (Kind::Webp, 160, 160, 4_000),
            (Kind::Png, 160, 90, 2_000),
        ] {
            let s = synthesize(&Spec {
                kind,
                size,
                seed: 7,
                width: w,
                height: h,
                label: "AB",
            });
            assert_eq!((s.kind, s.width, s.height), (kind, w, h));
            assert_eq!(s.bytes.len(), size);
            assert_eq!(decodes(&s.bytes), (w, h));
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        for kind in [Kind::Jpeg, Kind::Png, Kind::Webp, Kind::Other] {
            let a = synthesize(&spec(kind, 9_000, 5));
            assert_eq!(a, synthesize(&spec(kind, 9_000, 5)));
            assert_ne!(a.bytes, synthesize(&spec(kind, 9_000, 6)).bytes);
        }
    }

    #[test]
    fn fallbacks() {
        // WebP files are even-sized: an odd one is a PNG.
        let s = synthesize(&spec(Kind::Webp, 10_001, 3));
        assert_eq!((s.kind, s.bytes.len()), (Kind::Png, 10_001));
        decodes(&s.bytes);
        // Too small for a JPEG, still a PNG.
        let s = synthesize(&spec(Kind::Jpeg, 120, 3));
        assert_eq!((s.kind, s.bytes.len()), (Kind::Png, 120));
        decodes(&s.bytes);
        // Too small for any picture: filler.
        for size in [0, 1, 50] {
            let s = synthesize(&spec(Kind::Jpeg, size, 3));
            assert_eq!((s.kind, s.bytes.len()), (Kind::Other, size));
        }
        let s = synthesize(&spec(Kind::Other, 77, 3));
        assert_eq!((s.kind, s.bytes.len()), (Kind::Other, 77));
        // Huge dimensions are drawn smaller.
        let s = synthesize(&Spec {
            width: 10_000,
            height: 5_000,
            ..spec(Kind::Png, 50_000, 1)
        });
        assert_eq!((s.width, s.height), (MAX_SIDE, MAX_SIDE / 2));
        // The sizes of a photo share one drawing.
        let spec = |size| Spec {
            width: 1280,
            height: 960,
            ..spec(Kind::Jpeg, size, 4)
        };
        let (x, y) = (synthesize(&spec(60_000)), synthesize(&spec(300_000)));
        assert_eq!((x.width, x.height, y.width, y.height), (160, 120, 160, 120));
    }

    #[test]
    fn like_keeps_kind_size_and_dimensions() {
        let original = synthesize(&Spec {
            width: 150,
            height: 100,
            ..spec(Kind::Webp, 9_000, 11)
        });
        let copy = like(&original.bytes, 12, "X");
        assert_eq!(
            (copy.kind, copy.bytes.len(), copy.width, copy.height),
            (Kind::Webp, 9_000, 150, 100)
        );
        assert_ne!(copy.bytes, original.bytes);
        let other = like(b"OggS and some audio", 1, "");
        assert_eq!((other.kind, other.bytes.len()), (Kind::Other, 19));
    }
}
