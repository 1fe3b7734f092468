//! What the anonymizer remembers of files: their location, size and kind.

use super::*;

/// Files up to this size are synthesized whole as valid pictures by
/// [`crate::synth`] (and their parts cut from them); bigger ones and
/// non-pictures are keyed bytes computed part by part.
pub const PICTURE_MAX: u64 = 8 * 1024 * 1024;

/// Whole synthesized pictures kept for their next parts.
pub(super) const CACHED_FILES: usize = 4;

/// What the transcript told about a file before its parts came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FileInfo {
    pub(super) size: u64,
    pub(super) kind: Kind,
    pub(super) width: u32,
    pub(super) height: u32,
}

/// The picture kind of a document's MIME type.
pub(super) fn kind_of_mime(mime: &str) -> Kind {
    Kind::from_mime(mime)
}

/// `w` and `h` of an object, if it has them.
pub(super) fn dims(v: &Value) -> Option<(u32, u32)> {
    let w = u32::try_from(v.get("w")?.as_u64()?).ok()?;
    let h = u32::try_from(v.get("h")?.as_u64()?).ok()?;
    Some((w, h))
}

/// Where a file part comes from: `upload.getFile`'s location, access
/// hash and file reference left out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Location {
    Photo(i64, String),
    Document(i64, String),
    PeerPhoto(i64, bool),
    Takeout,
    Other(String),
}

impl Location {
    pub(super) fn of(location: &Value) -> Self {
        let tag = location.get("_").and_then(Value::as_str).unwrap_or("");
        let id = |key: &str| location.get(key).and_then(long).unwrap_or(0);
        let thumb = || {
            location
                .get("thumb_size")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match tag {
            "inputPhotoFileLocation" => Self::Photo(id("id"), thumb()),
            "inputDocumentFileLocation" => Self::Document(id("id"), thumb()),
            "inputPeerPhotoFileLocation" => Self::PeerPhoto(
                id("photo_id"),
                location
                    .get("big")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
            "inputTakeoutFileLocation" => Self::Takeout,
            _ => Self::Other(location.to_string()),
        }
    }

    pub(super) fn key_words(&self) -> (u64, u64, String) {
        match self {
            Self::Photo(id, t) => (1, *id as u64, t.clone()),
            Self::Document(id, t) => (2, *id as u64, t.clone()),
            Self::PeerPhoto(id, big) => (3, *id as u64, big.to_string()),
            Self::Takeout => (4, 0, String::new()),
            Self::Other(s) => (5, 0, s.clone()),
        }
    }
}

/// A `long` in the tl crate's JSON form: a number or a decimal string.
pub(super) fn long(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        _ => v.as_i64(),
    }
}
