//! Photos and documents → model (docs/export-format.md#file-names: folders, file names and
//! thumbnails; docs/takeout.md#files: which photo size and thumbnail are saved).

use tl::enums;

use crate::export::convert::context::ChatContext;
use crate::export::model::file::{FileKind, FileLocation, FileRef, FileStatus};
use crate::export::model::media::{Document, DocumentType, Photo, Thumb};
use crate::export::naming::{document_folder, extension_for_mime, sanitize_file_name};
use crate::export::time::{Tz, file_name_date};

/// A photo saved as `photos/photo_<n>@<date>.jpg` in the chat folder (also
/// for group-photo and suggested-photo actions).
pub(in crate::export) fn message_photo(
    ctx: &mut ChatContext,
    photo: &enums::Photo,
    date: i64,
) -> Photo {
    ctx.photos += 1;
    let name = photo_file_name("photo", ctx.photos, date, &ctx.tz, ".jpg");
    let path = ctx.claim(&format!("photos/{name}"));
    photo_with_path(photo, path)
}

/// `<prefix>_<n>@<date><ext>` (docs/export-format.md#file-names).
pub(in crate::export) fn photo_file_name(
    prefix: &str,
    index: u64,
    date: i64,
    tz: &Tz,
    ext: &str,
) -> String {
    let date = file_name_date(date, tz.as_ref());
    let at = if date.is_empty() { "" } else { "@" };
    format!("{prefix}_{index}{at}{date}{ext}")
}

/// The largest size of `photo` (docs/takeout.md#files "Locations used"), to be written at
/// `path`; unavailable for `photoEmpty` or a photo without usable sizes.
pub(in crate::export) fn photo_with_path(photo: &enums::Photo, path: String) -> Photo {
    let enums::Photo::Photo(p) = photo else {
        return Photo {
            file: FileRef::unavailable(0),
            width: 0,
            height: 0,
            spoiler: false,
            ttl: 0,
        };
    };
    let best = largest_size(&p.sizes);
    let mut file = FileRef::unavailable(0);
    let (mut width, mut height) = (0, 0);
    if let Some(size) = best {
        width = size.w;
        height = size.h;
        file = FileRef {
            location: Some(FileLocation {
                dc_id: p.dc_id,
                kind: FileKind::Photo,
                id: p.id,
                access_hash: p.access_hash,
                file_reference: p.file_reference.clone(),
                thumb_size: size.kind.clone(),
            }),
            size: size.bytes.as_ref().map_or(size.size, |b| b.len() as i64),
            inline: size.bytes,
            path,
            status: FileStatus::Pending,
        };
    }
    Photo {
        file,
        width,
        height,
        spoiler: false,
        ttl: 0,
    }
}

/// A downloadable photo size.
struct SizeChoice {
    kind: String,
    w: i32,
    h: i32,
    size: i64,
    bytes: Option<Vec<u8>>,
}

/// The largest-area `photoSize`, `photoCachedSize` or `photoSizeProgressive`
/// (stripped and path sizes are never saved; the first of equal areas wins).
fn largest_size(sizes: &[enums::PhotoSize]) -> Option<SizeChoice> {
    let mut best: Option<SizeChoice> = None;
    let mut best_area = 0i64;
    for size in sizes {
        let choice = match size {
            enums::PhotoSize::PhotoSize(s) => SizeChoice {
                kind: s.r#type.clone(),
                w: s.w,
                h: s.h,
                size: i64::from(s.size),
                bytes: None,
            },
            enums::PhotoSize::PhotoCachedSize(s) => SizeChoice {
                kind: s.r#type.clone(),
                w: s.w,
                h: s.h,
                size: s.bytes.len() as i64,
                bytes: Some(s.bytes.clone()),
            },
            enums::PhotoSize::Progressive(s) => match s.sizes.last() {
                Some(&last) => SizeChoice {
                    kind: s.r#type.clone(),
                    w: s.w,
                    h: s.h,
                    size: i64::from(last),
                    bytes: None,
                },
                None => continue,
            },
            _ => continue,
        };
        let area = i64::from(choice.w) * i64::from(choice.h);
        if area > best_area {
            best_area = area;
            best = Some(choice);
        }
    }
    best
}

/// A document without a document (`messageMediaDocument` with none).
pub(in crate::export) fn empty_document() -> Document {
    Document {
        file: FileRef::unavailable(0),
        thumb: None,
        name: String::new(),
        mime: String::new(),
        media_type: None,
        sticker_emoji: String::new(),
        performer: String::new(),
        title: String::new(),
        duration: 0,
        width: 0,
        height: 0,
        spoiler: false,
        ttl: 0,
    }
}

/// What the attributes of a document say (tdesktop `ParseAttributes`).
#[derive(Default)]
struct Attributes {
    sticker: bool,
    animated: bool,
    video_file: bool,
    video_message: bool,
    voice: bool,
    audio_file: bool,
}

/// Converts a document into the chat folder (docs/export-format.md#file-names
/// and "Document file names"); used for custom emoji with `date` 0.
pub(in crate::export) fn document(
    ctx: &mut ChatContext,
    doc: &enums::Document,
    date: i64,
) -> Document {
    let enums::Document::Document(d) = doc else {
        return empty_document();
    };
    let mut result = empty_document();
    let mut attrs = Attributes::default();
    for attribute in &d.attributes {
        use enums::DocumentAttribute as A;
        match attribute {
            A::ImageSize(a) => (result.width, result.height) = (a.w, a.h),
            A::Animated => attrs.animated = true,
            A::Sticker(a) => {
                attrs.sticker = true;
                result.sticker_emoji = a.alt.clone();
            }
            A::CustomEmoji(a) => {
                attrs.sticker = true;
                result.sticker_emoji = a.alt.clone();
            }
            A::Video(a) => {
                if a.round_message {
                    attrs.video_message = true;
                } else {
                    attrs.video_file = true;
                }
                (result.width, result.height) = (a.w, a.h);
                result.duration = a.duration as i64;
            }
            A::Audio(a) => {
                if a.voice {
                    attrs.voice = true;
                } else {
                    attrs.audio_file = true;
                }
                result.performer = a.performer.clone().unwrap_or_default();
                result.title = a.title.clone().unwrap_or_default();
                result.duration = i64::from(a.duration);
            }
            A::Filename(a) => result.name = a.file_name.clone(),
            A::HasStickers => {}
        }
    }
    result.mime = d.mime_type.clone();
    result.media_type = [
        (attrs.sticker, DocumentType::Sticker),
        (attrs.video_message, DocumentType::VideoMessage),
        (attrs.voice, DocumentType::VoiceMessage),
        (attrs.animated, DocumentType::Animation),
        (attrs.video_file, DocumentType::VideoFile),
        (attrs.audio_file, DocumentType::AudioFile),
    ]
    .into_iter()
    .find_map(|(set, kind)| set.then_some(kind));
    let folder = document_folder(
        attrs.video_file,
        attrs.animated,
        attrs.sticker,
        attrs.voice,
        attrs.video_message,
    );
    let name = document_name(ctx, &result, &attrs, date);
    let path = ctx.claim(&format!("{folder}/{}", sanitize_file_name(&name)));
    result.thumb = document_thumb(ctx, d, &path);
    result.file = FileRef {
        location: Some(FileLocation {
            dc_id: d.dc_id,
            kind: FileKind::Document,
            id: d.id,
            access_hash: d.access_hash,
            file_reference: d.file_reference.clone(),
            thumb_size: String::new(),
        }),
        inline: None,
        size: d.size,
        path,
        status: FileStatus::Pending,
    };
    result
}

/// tdesktop's `ComputeDocumentName`: the file name attribute, else a
/// numbered `audio_`, `video_` or `file_` name with the date.
fn document_name(ctx: &mut ChatContext, doc: &Document, attrs: &Attributes, date: i64) -> String {
    if !doc.name.is_empty() {
        return doc.name.clone();
    }
    let ext = extension_for_mime(&doc.mime);
    if attrs.voice {
        ctx.audios += 1;
        let ext = if doc.mime.eq_ignore_ascii_case("audio/mp3") {
            ".mp3"
        } else {
            ".ogg"
        };
        photo_file_name("audio", ctx.audios, date, &ctx.tz, ext)
    } else if attrs.video_file {
        ctx.videos += 1;
        let ext = if ext.is_empty() { ".mov" } else { ext };
        photo_file_name("video", ctx.videos, date, &ctx.tz, ext)
    } else {
        ctx.files += 1;
        let ext = if ext.is_empty() { ".unknown" } else { ext };
        photo_file_name("file", ctx.files, date, &ctx.tz, ext)
    }
}

/// The largest-area thumbnail, saved as `<document path>_thumb.jpg`.
fn document_thumb(ctx: &mut ChatContext, d: &tl::types::Document, path: &str) -> Option<Thumb> {
    let size = largest_size(d.thumbs.as_deref().unwrap_or_default())?;
    if size.w <= 0 {
        return None;
    }
    let thumb_path = ctx.paths.claim(&format!("{path}_thumb.jpg"));
    Some(Thumb {
        file: FileRef {
            location: Some(FileLocation {
                dc_id: d.dc_id,
                kind: FileKind::Document,
                id: d.id,
                access_hash: d.access_hash,
                file_reference: d.file_reference.clone(),
                thumb_size: size.kind,
            }),
            size: size.size,
            inline: size.bytes,
            path: thumb_path,
            status: FileStatus::Pending,
        },
        width: size.w,
        height: size.h,
    })
}
