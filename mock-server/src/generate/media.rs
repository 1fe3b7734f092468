//! Photos, documents and the other message media of generated worlds.

use tl::{enums, types};

use super::Gen;
use super::text;

/// The kinds of documents a message can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// A video (`documentAttributeVideo`, streaming).
    Video,
    /// A round video message.
    Round,
    /// A voice message.
    Voice,
    /// A music file with title and performer.
    Audio,
    /// A sticker.
    Sticker,
    /// A GIF (mp4 with `documentAttributeAnimated`).
    Animation,
    /// Any other file.
    File,
}

/// Every document kind, for picking.
pub const DOC_KINDS: &[DocKind] = &[
    DocKind::Video,
    DocKind::Round,
    DocKind::Voice,
    DocKind::Audio,
    DocKind::Sticker,
    DocKind::Animation,
    DocKind::File,
    DocKind::File,
];

fn thumb(ty: &str, w: i32, h: i32, size: i32) -> enums::PhotoSize {
    types::PhotoSize {
        r#type: ty.into(),
        w,
        h,
        size,
    }
    .into()
}

impl Gen {
    /// A new photo/document/story id, larger than every earlier one.
    pub(super) fn new_id(&mut self) -> i64 {
        self.next_id += self.rng.range_i64(1, 100_000);
        self.next_id
    }

    /// The DC of a new file: mostly the home DC.
    fn file_dc(&mut self) -> i32 {
        if self.cfg.file_dcs.is_empty() || self.rng.chance(60) {
            self.cfg.home_dc
        } else {
            *self.rng.pick(&self.cfg.file_dcs)
        }
    }

    fn file_reference(&mut self) -> Vec<u8> {
        let mut r = vec![2];
        r.extend(self.rng.bytes(19));
        r
    }

    /// A size between `lo` and `hi`, log-uniform (many small, few large).
    fn size_between(&mut self, lo: u64, hi: u64) -> i64 {
        let hi = hi.max(lo + 1);
        let (llo, lhi) = ((lo as f64).ln(), (hi as f64).ln());
        let t = self.rng.below(1 << 20) as f64 / f64::from(1 << 20);
        ((llo + t * (lhi - llo)).exp() as i64).clamp(lo as i64, hi as i64)
    }

    /// A photo with a stripped, a medium, a large and a progressive size.
    pub(super) fn photo(&mut self, date: i32) -> enums::Photo {
        let cap = self.cfg.max_file_size.max(64 * 1024);
        let m = self.size_between(6_000, 24_000) as i32;
        let x = self.size_between(30_000, 120_000.min(cap)) as i32;
        let y = self.size_between(100_000, 400_000.min(cap)) as i32;
        let stripped = self.rng.bytes(24);
        types::Photo {
            id: self.new_id(),
            access_hash: self.rng.positive_i64(),
            file_reference: self.file_reference(),
            date,
            sizes: vec![
                types::PhotoStrippedSize {
                    r#type: "i".into(),
                    bytes: stripped,
                }
                .into(),
                thumb("m", 320, 240, m),
                thumb("x", 800, 600, x),
                types::PhotoSizeProgressive {
                    r#type: "y".into(),
                    w: 1280,
                    h: 960,
                    sizes: vec![y / 8, y / 4, y / 2, y],
                }
                .into(),
            ],
            dc_id: self.file_dc(),
            ..Default::default()
        }
        .into()
    }

    /// A document of `kind` and the media flags it goes with.
    pub(super) fn document(&mut self, kind: DocKind, date: i32) -> enums::MessageMedia {
        use types::*;
        let max = self.cfg.max_file_size.max(4096);
        let secs = self.rng.range_i32(1, 300);
        let video = |w, h, round| -> enums::DocumentAttribute {
            DocumentAttributeVideo {
                round_message: round,
                supports_streaming: !round,
                duration: f64::from(secs),
                w,
                h,
                ..Default::default()
            }
            .into()
        };
        let name = |s: &str| -> enums::DocumentAttribute {
            DocumentAttributeFilename {
                file_name: s.into(),
            }
            .into()
        };
        let n = self.rng.below(10_000);
        let (mime, size, attributes, with_thumb) = match kind {
            DocKind::Video => (
                "video/mp4",
                self.size_between(200_000, max),
                vec![video(1280, 720, false), name(&format!("VID_{n:04}.mp4"))],
                true,
            ),
            DocKind::Round => (
                "video/mp4",
                self.size_between(100_000, max.min(8 << 20)),
                vec![video(384, 384, true)],
                true,
            ),
            DocKind::Voice => {
                let waveform = Some(self.rng.bytes(63));
                let attr = DocumentAttributeAudio {
                    voice: true,
                    duration: secs,
                    waveform,
                    ..Default::default()
                };
                (
                    "audio/ogg",
                    self.size_between(5_000, 400_000.min(max)),
                    vec![attr.into()],
                    false,
                )
            }
            DocKind::Audio => {
                let attr = DocumentAttributeAudio {
                    duration: secs,
                    title: Some(text::title(&mut self.rng)),
                    performer: Some(self.rng.pick(text::FIRST_NAMES).to_string()),
                    ..Default::default()
                };
                (
                    "audio/mpeg",
                    self.size_between(500_000, max),
                    vec![attr.into(), name(&format!("track_{n:04}.mp3"))],
                    false,
                )
            }
            DocKind::Sticker => {
                let set = InputStickerSetId {
                    id: 7_000 + i64::from(self.rng.range_i32(0, 5)),
                    access_hash: 77,
                };
                let attrs = vec![
                    DocumentAttributeImageSize { w: 512, h: 512 }.into(),
                    DocumentAttributeSticker {
                        alt: "🙂".into(),
                        stickerset: set.into(),
                        ..Default::default()
                    }
                    .into(),
                    name("sticker.webp"),
                ];
                (
                    "image/webp",
                    // Even: a WebP (RIFF) file always is.
                    self.size_between(8_000, 60_000.min(max)) & !1,
                    attrs,
                    true,
                )
            }
            DocKind::Animation => (
                "video/mp4",
                self.size_between(50_000, 3_000_000.min(max)),
                vec![
                    enums::DocumentAttribute::Animated,
                    video(480, 270, false),
                    name("animation.gif.mp4"),
                ],
                true,
            ),
            DocKind::File => {
                let (mime, ext) = *self.rng.pick(&[
                    ("application/pdf", "pdf"),
                    ("application/zip", "zip"),
                    ("text/plain", "txt"),
                ]);
                (
                    mime,
                    self.size_between(1_000, max),
                    vec![name(&format!(
                        "{}_{n}.{ext}",
                        text::title(&mut self.rng).replace(' ', "_")
                    ))],
                    ext == "pdf",
                )
            }
        };
        let thumbs =
            with_thumb.then(|| vec![thumb("m", 320, 180, self.rng.range_i32(2_000, 12_000))]);
        let document = Document {
            id: self.new_id(),
            access_hash: self.rng.positive_i64(),
            file_reference: self.file_reference(),
            date,
            mime_type: mime.into(),
            size,
            thumbs,
            dc_id: self.file_dc(),
            attributes,
            ..Default::default()
        };
        MessageMediaDocument {
            video: kind == DocKind::Video,
            round: kind == DocKind::Round,
            voice: kind == DocKind::Voice,
            document: Some(document.into()),
            ..Default::default()
        }
        .into()
    }

    /// A custom emoji sticker document.
    pub(super) fn custom_emoji_document(&mut self, date: i32) -> enums::Document {
        let set = types::InputStickerSetId {
            id: 9_000,
            access_hash: 99,
        };
        types::Document {
            id: self.new_id(),
            access_hash: self.rng.positive_i64(),
            file_reference: self.file_reference(),
            date,
            mime_type: "image/webp".into(),
            size: self.size_between(2_000, 20_000) & !1,
            dc_id: self.file_dc(),
            attributes: vec![
                types::DocumentAttributeImageSize { w: 100, h: 100 }.into(),
                types::DocumentAttributeCustomEmoji {
                    alt: "⭐".into(),
                    stickerset: set.into(),
                    ..Default::default()
                }
                .into(),
            ],
            ..Default::default()
        }
        .into()
    }
}
