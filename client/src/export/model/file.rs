//! Files of the export: where each goes and what happened to it
//! (docs/export-format.md#layout for paths, docs/takeout.md#files for the skip rules, docs/export-format.md#file-texts for the texts the
//! writers print instead of a path).

/// A file of the export: where it goes and what happened to it.
///
/// [`crate::export::convert`] fills `location`, `size` and the suggested `path`; the
/// engine downloads it (or decides to skip it) and sets `status`; the writers
/// print the final path or the text of docs/export-format.md#file-texts for skipped and failed files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// Where to download it from; `None` when there is nothing to download
    /// (no location, self-destructing media) or the bytes are `inline`.
    pub location: Option<FileLocation>,
    /// Bytes that come with the message (`photoCachedSize`, a contact's
    /// vCard): written as they are, no download (docs/takeout.md#files rule 4).
    pub inline: Option<Vec<u8>>,
    /// The size the server reports (the `*_file_size` keys), 0 if unknown.
    pub size: i64,
    /// The suggested path relative to the export root, unique within its
    /// chat (docs/export-format.md#file-names); the engine may still write elsewhere (reuse of an already
    /// downloaded file) and records that in [`FileStatus::Downloaded`].
    pub path: String,
    /// What happened to it.
    pub status: FileStatus,
}

impl FileRef {
    /// A file that cannot be downloaded (shown as unavailable).
    pub fn unavailable(size: i64) -> Self {
        Self {
            location: None,
            inline: None,
            size,
            path: String::new(),
            status: FileStatus::Skipped(SkipReason::Unavailable),
        }
    }

    /// The path to print, if the file was written.
    pub fn written_path(&self) -> Option<&str> {
        match &self.status {
            FileStatus::Downloaded { path } => Some(path),
            _ => None,
        }
    }
}

/// Where a file can be downloaded from, as plain data (not TL): the engine
/// builds `inputPhotoFileLocation` / `inputDocumentFileLocation` from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLocation {
    /// The data center holding the file.
    pub dc_id: i32,
    /// A photo or a document.
    pub kind: FileKind,
    /// The photo or document id.
    pub id: i64,
    /// Its access hash.
    pub access_hash: i64,
    /// Its file reference (refreshed by the engine on `FILE_REFERENCE_*`).
    pub file_reference: Vec<u8>,
    /// The photo size or thumbnail type letter, empty for a whole document.
    pub thumb_size: String,
}

impl FileLocation {
    /// The identity of the remote file, for reusing downloads (docs/takeout.md#files rule 3).
    pub fn key(&self) -> FileKey {
        FileKey {
            dc_id: self.dc_id,
            kind: self.kind,
            id: self.id,
            thumb_size: self.thumb_size.clone(),
        }
    }
}

/// What a [`FileLocation`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A photo (`inputPhotoFileLocation`).
    Photo,
    /// A document or its thumbnail (`inputDocumentFileLocation`).
    Document,
}

/// The identity of a remote file: equal keys are the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// The data center.
    pub dc_id: i32,
    /// Photo or document.
    pub kind: FileKind,
    /// The photo or document id.
    pub id: i64,
    /// The size type letter, empty for a whole document.
    pub thumb_size: String,
}

/// What happened to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Not processed yet (printed as unavailable if written like this).
    Pending,
    /// Written at `path`, relative to the export root.
    Downloaded {
        /// The final relative path.
        path: String,
    },
    /// Not written.
    Skipped(SkipReason),
}

/// Why a file was not written (docs/export-format.md#file-texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// No location, self-destructing media, or skipped by the user.
    Unavailable,
    /// Larger than the size limit.
    FileSize,
    /// Its media type was not selected.
    FileType,
    /// The download failed; the error is kept for the HTML pages and logs
    /// (JSON prints the "unavailable" text, as tdesktop does).
    Failed(String),
}

/// The text of a file in the output: its path, or the text of
/// docs/export-format.md#file-texts with `noun` ("File" for messages,
/// "Photo" for profile pictures and stories in JSON, "Story" in HTML).
/// Shared by both writers.
pub fn file_text(file: &FileRef, noun: &str) -> String {
    match &file.status {
        FileStatus::Downloaded { path } => path.clone(),
        FileStatus::Skipped(SkipReason::FileSize) => {
            format!("({noun} exceeds maximum size. Change data exporting settings to download.)")
        }
        FileStatus::Skipped(SkipReason::FileType) => {
            format!("({noun} not included. Change data exporting settings to download.)")
        }
        FileStatus::Pending
        | FileStatus::Skipped(SkipReason::Unavailable | SkipReason::Failed(_)) => {
            format!("({noun} unavailable, please try again later)")
        }
    }
}
