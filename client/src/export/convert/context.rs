//! The per-chat conversion state ([`ChatContext`]).

use crate::export::naming::PathSet;
use crate::export::time::Tz;

/// Per-chat conversion state: where files go and the counters and used
/// paths that make file names unique (docs/export-format.md#file-names: counters are per chat and advance
/// at parse time, so skipped files still use up numbers).
#[derive(Debug)]
pub struct ChatContext {
    /// The chat's folder (`chats/chat_001/`, or empty for single-chat
    /// exports), ending in `/` unless empty.
    pub folder: String,
    /// The time zone of file-name dates.
    pub tz: Tz,
    pub(in crate::export) photos: u64,
    pub(in crate::export) audios: u64,
    pub(in crate::export) videos: u64,
    pub(in crate::export) files: u64,
    pub(in crate::export) contacts: u64,
    pub(in crate::export) paths: PathSet,
}

impl ChatContext {
    /// A fresh context for the chat stored in `folder`.
    pub fn new(folder: &str, tz: Tz) -> Self {
        Self {
            folder: folder.to_owned(),
            tz,
            photos: 0,
            audios: 0,
            videos: 0,
            files: 0,
            contacts: 0,
            paths: PathSet::new(),
        }
    }

    /// Claims a unique path for `relative` inside the chat folder.
    pub(in crate::export) fn claim(&mut self, relative: &str) -> String {
        let full = format!("{}{relative}", self.folder);
        self.paths.claim(&full)
    }
}
