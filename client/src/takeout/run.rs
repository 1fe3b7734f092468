//! The state of one export run ([`Run`]), shared by its steps: the engine
//! (`engine.rs`) builds it, the sections (`sections.rs`) and the chats
//! (`chats.rs`) are methods on it.

use std::collections::HashMap;
use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::files::Files;
use super::history::Dates;
use super::output::{MissingItem, Output};
use super::progress::{ExportReport, ProgressEvent};
use super::session::TakeoutInvoker;
use crate::export::model::FileRef;
use crate::export::time::Tz;

/// Custom emoji files by document id, for the whole export (docs/takeout.md#custom-emoji).
pub(super) type EmojiCache = HashMap<i64, FileRef>;

/// The state of one export run, shared by the steps (`sections`, `chats`).
pub(super) struct Run<'a> {
    pub(super) inv: TakeoutInvoker,
    pub(super) tz: Tz,
    pub(super) dates: Dates,
    pub(super) events: &'a UnboundedSender<ProgressEvent>,
    pub(super) root: PathBuf,
    pub(super) files: Files,
    pub(super) out: Output,
    pub(super) missing: Vec<MissingItem>,
    pub(super) emoji: EmojiCache,
    pub(super) report: ExportReport,
}
