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

mod draw;
use draw::draw;
#[cfg(test)]
mod tests;
