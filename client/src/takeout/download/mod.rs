//! File downloads (docs/takeout.md#files, better): `upload.getFile` in 1 MiB parts
//! (offsets and limits multiples of 1 MiB, so every part obeys the rules of
//! <https://core.telegram.org/api/files>), several parts of a file and several
//! files in flight, at most `parallel` requests at once; each file is written
//! to a temporary name in the export's work folder and renamed into place
//! when complete, so a file in the output is always whole.
//!
//! `FILE_MIGRATE_X` moves the file to DC X (authorization exported by the
//! client); `FILE_REFERENCE_*` refreshes the reference by re-fetching the
//! file's message, story, profile picture or custom emoji and retries the
//! same offset; other errors of one file are recorded, not fatal.

pub mod controller;
pub(crate) mod gate;
mod part_file;
mod rate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tl::{enums, types};
use tokio::sync::{Semaphore, mpsc};

use controller::Limits;
use gate::Gates;
pub use gate::{DcLoad, IDLE};
use part_file::{PartFile, blocking};
pub use rate::FilesRate;
use rate::Meter;
use tokio::task::JoinSet;

use super::error::{Class, TakeoutError};
use super::journal::Journal;
use super::output::WORK_DIR;
use super::progress::ProgressEvent;
use super::session::TakeoutInvoker;
use crate::export::layout::{Folders, check_relative};
use crate::export::model::{FileKey, FileKind, FileLocation, SkipReason};

/// A download's result: the relative path written, or why it failed.
pub type Outcome = Result<String, String>;

/// The part size: 1 MiB divides 1 MiB and never crosses a 1 MiB boundary.
pub const PART: i64 = 1024 * 1024;
/// Parts of a file of unknown size we read at most (4000 MiB).
const MAX_UNKNOWN_PARTS: i64 = 4000;

/// Where a file comes from, to refresh its reference.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A message: `channels.getMessages` for a channel, else
    /// `messages.getMessages` in the message's split range.
    Message {
        /// The channel, if the message is in one.
        channel: Option<enums::InputChannel>,
        /// The split range of the message.
        range: enums::MessageRange,
        /// The message id as the server knows it (unshifted).
        id: i32,
    },
    /// A story of the account (`stories.getStoriesByID`).
    Story(i32),
    /// A profile picture (`photos.getUserPhotos`).
    Userpic(i64),
    /// A custom emoji document (`messages.getCustomEmojiDocuments`).
    Emoji(i64),
    /// Nothing to refresh from.
    None,
}

/// What to download.
#[derive(Clone, Debug)]
pub enum Source {
    /// A photo or document.
    Remote(FileLocation),
    /// Bytes that came with the message.
    Inline(Vec<u8>),
    /// The takeout "other data" JSON (`inputTakeoutFileLocation`, size
    /// unknown; `TAKEOUT_FILE_EMPTY` is an empty file).
    Takeout,
}

/// One file to write.
#[derive(Clone, Debug)]
pub struct Job {
    /// Relative path in the export.
    pub path: String,
    /// Where the bytes come from.
    pub source: Source,
    /// Where to refresh the reference from.
    pub origin: Origin,
    /// The size the server reported (0: unknown).
    pub size: i64,
}

/// Why a download stopped.
pub(super) enum Fail {
    /// Skip the file and record why.
    Skip(String),
    /// Stop the export.
    Fatal(TakeoutError),
}

impl From<Class> for Fail {
    fn from(c: Class) -> Self {
        match c {
            Class::Skip(reason) => Fail::Skip(reason),
            Class::Fatal(e) => Fail::Fatal(e),
        }
    }
}

/// Downloads files into the export root.
pub struct Downloader {
    pub(super) inv: TakeoutInvoker,
    root: PathBuf,
    /// Parts of one file in flight at most.
    parallel: usize,
    /// Per DC: connections and parts in flight.
    pub(super) gates: Gates,
    files: Semaphore,
    /// Files downloaded at once at most (`files`' permits).
    capacity: usize,
    meter: Meter,
    events: mpsc::UnboundedSender<ProgressEvent>,
    fatal: Mutex<Option<TakeoutError>>,
    /// Files finished by an interrupted run of this export, and the record
    /// of the ones finished now.
    journal: Journal,
    /// DCs whose first request went through (authorization imported).
    pub(super) ready: tokio::sync::Mutex<HashSet<i32>>,
    next_temp: AtomicU64,
    made: Arc<Folders>,
    /// Files written.
    pub written: AtomicU64,
    /// Bytes written.
    pub bytes: AtomicU64,
}

impl Downloader {
    /// Downloads into `root`: at least `parallel` files at once, more when
    /// the parts budget (`ClientConfig::download_budget`) allows, over the
    /// client's download connections (`ClientConfig::connections_per_dc`).
    pub fn new(
        inv: TakeoutInvoker,
        root: PathBuf,
        parallel: usize,
        journal: Journal,
        events: mpsc::UnboundedSender<ProgressEvent>,
    ) -> Self {
        let config = inv.client().config();
        let parts = usize::try_from(config.download_budget / PART as u64).unwrap_or(usize::MAX);
        let limits = Limits {
            connections: config.connections_per_dc.max(1),
            parts: parts.max(1),
        };
        let files = parallel.max(limits.parts);
        let gates = Gates::new(inv.client().clone(), limits);
        Self {
            inv,
            root,
            parallel: limits.parts,
            gates,
            files: Semaphore::new(files),
            capacity: files,
            meter: Meter::new(),
            events,
            fatal: Mutex::new(None),
            journal,
            ready: tokio::sync::Mutex::new(HashSet::new()),
            next_temp: AtomicU64::new(0),
            made: Arc::default(),
            written: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// `bytes` of a part arrived: a `files_rate` event if one is due.
    pub(super) fn arrived(&self, bytes: u64) {
        let rate = self.meter.arrived(bytes, false, || self.gates.loads());
        if let Some(rate) = rate {
            let _ = self.events.send(ProgressEvent::FilesRate(rate));
        }
    }

    /// How many files are downloaded at once at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Every DC's download connections and parts in flight now.
    pub fn loads(&self) -> Vec<DcLoad> {
        self.gates.loads()
    }

    /// The fatal error a download met, if any (the export must stop).
    pub fn take_fatal(&self) -> Option<TakeoutError> {
        crate::locked::lock(&self.fatal).take()
    }

    /// Reports a file skipped by the rules.
    pub fn skipped(&self, path: &str, reason: &SkipReason) {
        let reason = match reason {
            SkipReason::Unavailable => "unavailable".to_owned(),
            SkipReason::FileSize => "larger than the size limit".to_owned(),
            SkipReason::FileType => "media type not selected".to_owned(),
            SkipReason::Failed(e) => e.clone(),
        };
        let name = path.to_owned();
        let _ = self
            .events
            .send(ProgressEvent::FileSkipped { name, reason });
    }
}

/// The journal's key of the takeout "other data" file (no Telegram file
/// has DC 0): kept like any file, so an update reuses it.
fn takeout_key() -> FileKey {
    FileKey {
        dc_id: 0,
        kind: FileKind::Document,
        id: 0,
        thumb_size: "takeout".into(),
    }
}

impl Downloader {
    /// Downloads one file; the outcome is its path or why it failed.
    pub async fn run(self: &Arc<Self>, job: Job) -> Outcome {
        if check_relative(&job.path).is_err() {
            return Err(format!("unsafe file name {:?}", job.path));
        }
        let key = match &job.source {
            Source::Remote(location) => Some(location.key()),
            Source::Takeout => Some(takeout_key()),
            Source::Inline(_) => None,
        };
        if let Some(size) = key
            .as_ref()
            .and_then(|k| self.journal.finished(k, &job.path))
        {
            self.written.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(size, Ordering::Relaxed);
            return Ok(job.path);
        }
        let Ok(_permit) = self.files.acquire().await else {
            return Err("download cancelled".into());
        };
        let seq = self.next_temp.fetch_add(1, Ordering::Relaxed);
        // Named by session too: an aborted run's leftovers never collide.
        let name = format!("{}-{seq}", self.inv.id());
        let temp = self.root.join(WORK_DIR).join("tmp").join(name);
        let name = job.path.clone();
        let size = u64::try_from(job.size).unwrap_or(0);
        self.meter.found(size);
        let _ = self.events.send(ProgressEvent::FileStarted {
            name: name.clone(),
            size,
        });
        let mut result = self.write(&job, &temp).await;
        if let (Ok(written), Some(key)) = (&result, &key) {
            if let Err(e) = self.journal.record(key, &job.path, *written) {
                result = Err(disk(&self.root.join(WORK_DIR), e));
            }
        }
        match result {
            Ok(written) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(written, Ordering::Relaxed);
                let _ = self.events.send(ProgressEvent::FileFinished { name });
                Ok(job.path)
            }
            Err(fail) => {
                let _ = tokio::fs::remove_file(&temp).await;
                match fail {
                    Fail::Skip(reason) => {
                        self.skipped(&name, &SkipReason::Failed(reason.clone()));
                        Err(reason)
                    }
                    Fail::Fatal(e) => {
                        let reason = e.to_string();
                        let mut fatal = crate::locked::lock(&self.fatal);
                        fatal.get_or_insert(e);
                        Err(reason)
                    }
                }
            }
        }
    }

    /// Writes the file at a temporary name, then renames it into place.
    async fn write(self: &Arc<Self>, job: &Job, temp: &Path) -> Result<u64, Fail> {
        if let Some(parent) = temp.parent() {
            self.make_dir(parent).await.map_err(|e| disk(temp, e))?;
        }
        let out = PartFile::create(temp).await.map_err(|e| disk(temp, e))?;
        let written = match &job.source {
            Source::Inline(bytes) => {
                out.write_at(0, bytes.to_vec())
                    .await
                    .map_err(|e| disk(temp, e))?;
                bytes.len() as u64
            }
            Source::Takeout => {
                let location = Located::Takeout(self.inv.client().home_dc());
                self.sequential(&out, temp, job, PartState::shared(location))
                    .await?
            }
            Source::Remote(location) => {
                let state = PartState::shared(Located::File(location.clone()));
                if job.size <= 0 {
                    self.sequential(&out, temp, job, state).await?
                } else {
                    self.parts(&out, temp, job, state).await?
                }
            }
        };
        drop(out);
        let target = self.root.join(&job.path);
        if let Some(parent) = target.parent() {
            self.make_dir(parent).await.map_err(|e| disk(&target, e))?;
        }
        tokio::fs::rename(temp, &target)
            .await
            .map_err(|e| disk(&target, e))?;
        Ok(written)
    }

    /// Creates `dir` and its parents unless this export made them already.
    async fn make_dir(&self, dir: &Path) -> std::io::Result<()> {
        if self.made.known(dir) {
            return Ok(());
        }
        let (made, dir) = (self.made.clone(), dir.to_owned());
        blocking(move || made.make(&dir)).await
    }

    /// A file of unknown size: parts one after the other until a short one.
    async fn sequential(
        self: &Arc<Self>,
        out: &PartFile,
        temp: &Path,
        job: &Job,
        state: Arc<tokio::sync::Mutex<PartState>>,
    ) -> Result<u64, Fail> {
        let mut total = 0;
        for index in 0..MAX_UNKNOWN_PARTS {
            let offset = index * PART;
            let part = self.clone().part(state.clone(), job.origin.clone(), offset);
            let (bytes, lease) = part.await?;
            let len = bytes.len();
            out.write_at(total, bytes)
                .await
                .map_err(|e| disk(temp, e))?;
            drop(lease);
            total += len as u64;
            if (len as i64) < PART {
                break;
            }
        }
        Ok(total)
    }

    /// A file of known size: its parts concurrently, each written at its
    /// offset.
    async fn parts(
        self: &Arc<Self>,
        out: &PartFile,
        temp: &Path,
        job: &Job,
        state: Arc<tokio::sync::Mutex<PartState>>,
    ) -> Result<u64, Fail> {
        let count = (job.size + PART - 1) / PART;
        let size = u64::try_from(job.size).unwrap_or(0);
        let mut running = JoinSet::new();
        let (mut next, mut total) = (0i64, 0u64);
        loop {
            while next < count && running.len() < self.parallel {
                let offset = next * PART;
                let part = self.clone().part(state.clone(), job.origin.clone(), offset);
                running.spawn(async move { (offset, part.await) });
                next += 1;
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (offset, result) = joined.map_err(|_| Fail::Skip("download task failed".into()))?;
            let (bytes, lease) = result?;
            let expected = (job.size - offset).min(PART);
            if (bytes.len() as i64) < expected {
                return Err(Fail::Skip(format!(
                    "the server sent {} bytes at offset {offset}, {expected} expected",
                    bytes.len()
                )));
            }
            let len = bytes.len() as u64;
            out.write_at(offset as u64, bytes)
                .await
                .map_err(|e| disk(temp, e))?;
            drop(lease); // the part's memory is free once written
            total += len;
            let _ = self.events.send(ProgressEvent::FileProgress {
                name: job.path.clone(),
                done: total.min(size),
                size,
            });
        }
        Ok(total)
    }
}

/// A write error at `path`: fatal.
pub(super) fn disk(path: &Path, e: std::io::Error) -> Fail {
    Fail::Fatal(TakeoutError::disk(path, e))
}

/// What a part is asked from.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Located {
    /// A photo or document (its `dc_id` follows migrations).
    File(FileLocation),
    /// The takeout file, on this DC.
    Takeout(i32),
}

impl Located {
    pub(super) fn dc(&self) -> i32 {
        match self {
            Self::File(l) => l.dc_id,
            Self::Takeout(dc) => *dc,
        }
    }

    pub(super) fn set_dc(&mut self, dc: i32) {
        match self {
            Self::File(l) => l.dc_id = dc,
            Self::Takeout(at) => *at = dc,
        }
    }

    pub(super) fn input(&self) -> enums::InputFileLocation {
        match self {
            Self::File(l) => input_location(l),
            Self::Takeout(_) => enums::InputFileLocation::InputTakeoutFileLocation,
        }
    }
}

/// A file's location as its parts share it (refreshed, migrated).
pub(super) struct PartState {
    pub(super) location: Located,
    pub(super) refreshes: u32,
}

impl PartState {
    pub(super) fn shared(location: Located) -> Arc<tokio::sync::Mutex<Self>> {
        Arc::new(tokio::sync::Mutex::new(Self {
            location,
            refreshes: 0,
        }))
    }
}

/// The TL location of a file.
pub fn input_location(l: &FileLocation) -> enums::InputFileLocation {
    match l.kind {
        FileKind::Photo => types::InputPhotoFileLocation {
            id: l.id,
            access_hash: l.access_hash,
            file_reference: l.file_reference.clone(),
            thumb_size: l.thumb_size.clone(),
        }
        .into(),
        FileKind::Document => types::InputDocumentFileLocation {
            id: l.id,
            access_hash: l.access_hash,
            file_reference: l.file_reference.clone(),
            thumb_size: l.thumb_size.clone(),
        }
        .into(),
    }
}
