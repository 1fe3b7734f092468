//! What an export tells while it runs ([`ProgressEvent`], also the CLI's
//! JSON lines) and what it did ([`ExportReport`]).

use std::path::PathBuf;

use serde::Serialize;

/// What the export is doing, for the CLI to show (also as JSON lines).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// The export started with these sections.
    Started {
        /// Section names (`personal-info`, `personal-chats`...).
        sections: Vec<String>,
    },
    /// A step started (`chats_list`, `personal_information`, ...,
    /// `other_data`, `chats`).
    Section {
        /// The step's name.
        name: String,
    },
    /// A start step counted a section's items (docs/takeout.md#start-steps):
    /// `profile_pictures` (UserpicsCount) or `stories` (StoriesCount).
    SectionCounted {
        /// The section's step name.
        name: String,
        /// Its items as the server counts them.
        total: u64,
    },
    /// The chat list is known: how many chats the export writes.
    DialogsCounted {
        /// Chats the export writes (dialogs and left channels after the
        /// type filter, each once however many split ranges it has
        /// messages in); the `total` of every [`ProgressEvent::ChatStarted`].
        total: u64,
    },
    /// A chat started.
    ChatStarted {
        /// 1-based position.
        index: u64,
        /// Chats exported in all.
        total: u64,
        /// Its name.
        name: String,
        /// Its messages according to the probes.
        messages: u64,
    },
    /// Messages of a chat written so far.
    Messages {
        /// The chat's name.
        chat: String,
        /// Written.
        done: u64,
        /// Expected.
        total: u64,
    },
    /// A download started.
    FileStarted {
        /// Its path in the export.
        name: String,
        /// Its size (0 if unknown).
        size: u64,
    },
    /// Bytes of a download.
    FileProgress {
        /// Its path.
        name: String,
        /// Bytes done.
        done: u64,
        /// Its size.
        size: u64,
    },
    /// A download finished.
    FileFinished {
        /// Its path.
        name: String,
    },
    /// The downloads' throughput, connections per DC and ETA (at most
    /// twice a second while parts arrive).
    FilesRate(super::download::FilesRate),
    /// A file was not downloaded.
    FileSkipped {
        /// Its path.
        name: String,
        /// Why.
        reason: String,
    },
    /// A request waits before it is retried (flood wait, server error,
    /// reconnect, takeout delay).
    Waiting {
        /// The TL name of the request.
        request: String,
        /// Seconds.
        seconds: u64,
    },
    /// The export finished.
    Finished {
        /// What it did.
        report: ExportReport,
    },
}

/// What an export did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The export's root folder.
    pub out_dir: PathBuf,
    /// Chats written.
    pub chats: u64,
    /// Messages written.
    pub messages: u64,
    /// Files written (each once, however many messages use it), including
    /// the ones kept from an interrupted run of the same export.
    pub files: u64,
    /// Bytes downloaded.
    pub bytes: u64,
    /// Entries of `missing.json`.
    pub skipped: u64,
}
