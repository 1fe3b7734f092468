//! The export's state folder ([`STATE_DIR`]), which lets `--update` bring a
//! finished export up to date (README "Keeping an export up to date",
//! docs/takeout.md#update):
//!
//! - `settings.json`: the settings that shape the output; an update with
//!   other settings is refused;
//! - `files.jsonl`: every downloaded file (Telegram file key, size, path),
//!   sorted, so an update reuses it instead of downloading it again;
//! - `chats/<peer>.pages`: every history page the export read, as the raw
//!   TL answer, per split range, in order; an update replays them through
//!   the same converter and asks Telegram only for the newer messages.
//!
//! While an export runs the new state grows in the work folder
//! (`.tg-takeout/state`); it replaces the export's state when the export
//! completes. An update first moves the previous export into the work
//! folder (`.tg-takeout/prev`), where its files and pages are read from.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tl::{Deserializable, Serializable, enums};

use super::journal::JOURNAL;
use super::output::WORK_DIR;
use super::plan::Settings;
use crate::export::model::PeerId;
use crate::export::time::Tz;

/// The state folder's name in the export root.
pub const STATE_DIR: &str = ".tg-takeout-state";
/// The version of the state folder's format.
pub const STATE_VERSION: u32 = 2;
/// The settings file in the state folder.
pub const SETTINGS: &str = "settings.json";
/// The file index in the state folder.
pub const FILES: &str = "files.jsonl";
/// The history pages' folder in the state folder.
pub const CHATS: &str = "chats";
/// The previous export, inside the work folder, during an update.
pub const PREV: &str = "prev";
/// The previous export while it is being moved into [`PREV`].
const PREV_PARTIAL: &str = "prev.partial";
/// The new state, inside the work folder.
const NEW_STATE: &str = "state";
/// The largest page record read back (a page of 100 messages is far less).
const MAX_RECORD: u32 = 64 << 20;

/// The settings that shape an export's output, as recorded in
/// `settings.json` (the output folder and the parallelism do not count).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// Sections, by name.
    pub sections: Vec<String>,
    /// Chat kinds in full, by name.
    pub full: Vec<String>,
    /// Media types, by name.
    pub media: Vec<String>,
    /// The size limit in bytes.
    pub size_limit: u64,
    /// `--from` (unix seconds).
    pub from: Option<i64>,
    /// `--till` (unix seconds).
    pub till: Option<i64>,
    /// The single chat's id.
    pub chat: Option<i64>,
    /// The format's name.
    pub format: String,
    /// The time zone's name ([`TimeZone::name`](crate::export::time::TimeZone::name)).
    pub time_zone: String,
}

impl Recorded {
    /// The recorded form of `settings` with dates in `tz`.
    pub fn new(settings: &Settings, tz: &Tz) -> Self {
        Self {
            version: STATE_VERSION,
            sections: settings.sections.iter().map(|s| s.name().into()).collect(),
            full: settings
                .full_chats
                .iter()
                .map(|s| s.name().into())
                .collect(),
            media: settings.media.iter().map(|m| m.name().into()).collect(),
            size_limit: settings.size_limit,
            from: settings.from_date,
            till: settings.till_date,
            chat: settings.single_chat,
            format: settings.format.name().into(),
            time_zone: tz.name(),
        }
    }

    /// The settings that differ from `other`, as `name: this -> other`.
    pub fn differences(&self, other: &Self) -> Vec<String> {
        let a = serde_json::to_value(self).unwrap_or_default();
        let b = serde_json::to_value(other).unwrap_or_default();
        let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
            return vec!["the settings".into()];
        };
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, v)| {
                let now = b.get(k).cloned().unwrap_or_default();
                format!("{k}: {v} -> {now}")
            })
            .collect()
    }
}

/// Why an update cannot start.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The folder holds no finished export of ours.
    #[error(
        "{} is not a finished tg-takeout export (no {STATE_DIR}/{SETTINGS}); \
         export into it without --update first",
        .0.display()
    )]
    NotAnExport(PathBuf),
    /// The folder's state is of another version or unreadable.
    #[error("{}: {reason}; export into a new folder", .path.display())]
    BadState {
        /// The settings file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The settings differ from the ones the export was made with.
    #[error(
        "{} was exported with other settings ({}); run the update with the same \
         settings, or export into a new folder",
        .path.display(), .changes.join(", ")
    )]
    SettingsChanged {
        /// The export folder.
        path: PathBuf,
        /// Each setting that differs: `name: recorded -> asked`.
        changes: Vec<String>,
    },
    /// The folder could not be read or moved.
    #[error("cannot prepare the update of {}: {source}", .path.display())]
    Disk {
        /// The folder.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: io::Error,
    },
}

/// Reads the settings recorded in the state folder `state`.
pub fn read_recorded(state: &Path, root: &Path) -> Result<Recorded, UpdateError> {
    let path = state.join(SETTINGS);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(UpdateError::NotAnExport(root.to_owned()));
        }
        Err(source) => return Err(UpdateError::Disk { path, source }),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| UpdateError::BadState {
            path: path.clone(),
            reason: format!("line {}: {e}", e.line()),
        })?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(STATE_VERSION)) {
        return Err(UpdateError::BadState {
            path,
            reason: format!("state version {version:?}, this tg-takeout reads {STATE_VERSION}"),
        });
    }
    serde_json::from_value(value).map_err(|e| UpdateError::BadState {
        path,
        reason: e.to_string(),
    })
}

/// Checks that the export `root` can be updated with the settings `asked`
/// (it is a finished export, or an interrupted update of one, made with the
/// same settings), touching nothing. The engine calls it before it asks for
/// a takeout session, so a refused update costs no request.
pub fn check_update(root: &Path, asked: &Recorded) -> Result<(), UpdateError> {
    let work = root.join(WORK_DIR);
    let prev = work.join(PREV);
    let partial = work.join(PREV_PARTIAL);
    let state = if prev.is_dir() {
        prev.join(STATE_DIR)
    } else if partial.join(STATE_DIR).is_dir() {
        partial.join(STATE_DIR)
    } else {
        root.join(STATE_DIR)
    };
    let recorded = read_recorded(&state, root)?;
    if recorded != *asked {
        return Err(UpdateError::SettingsChanged {
            path: root.to_owned(),
            changes: recorded.differences(asked),
        });
    }
    Ok(())
}

/// Prepares the update of the export `root` with the settings `asked`:
/// checks the recorded settings ([`check_update`]), then (unless an
/// interrupted update of it already did) moves the previous export into
/// `.tg-takeout/prev`. Returns the previous export's folder. The engine
/// calls it once the takeout session has started: an update that Telegram
/// delays (`TAKEOUT_INIT_DELAY`) leaves the export where it was.
pub fn prepare_update(root: &Path, asked: &Recorded) -> Result<PathBuf, UpdateError> {
    check_update(root, asked)?;
    let disk = |path: &Path| {
        let path = path.to_owned();
        move |source| UpdateError::Disk { path, source }
    };
    let work = root.join(WORK_DIR);
    let prev = work.join(PREV);
    let partial = work.join(PREV_PARTIAL);
    if prev.is_dir() {
        return Ok(prev);
    }
    std::fs::create_dir_all(&partial).map_err(disk(&partial))?;
    // Everything but the work folder moves (a rerun after a kill moves the
    // rest), then the move is marked done by the rename.
    for entry in std::fs::read_dir(root).map_err(disk(root))? {
        let entry = entry.map_err(disk(root))?;
        if entry.file_name() == WORK_DIR {
            continue;
        }
        let to = partial.join(entry.file_name());
        std::fs::rename(entry.path(), &to).map_err(disk(&to))?;
    }
    std::fs::rename(&partial, &prev).map_err(disk(&prev))?;
    Ok(prev)
}

/// The new state's folder in the work folder `work`.
pub fn new_state(work: &Path) -> PathBuf {
    work.join(NEW_STATE)
}

/// The pages file of the chat `peer` in the pages folder `chats`.
pub fn pages_path(chats: &Path, peer: &PeerId) -> PathBuf {
    chats.join(format!("{peer}.pages"))
}

/// Where the history fetchers keep pages: the new state's pages folder,
/// and the previous export's (an update without `--full-refresh`).
#[derive(Clone, Debug)]
pub struct Pages {
    /// Where this export's pages go.
    pub new: PathBuf,
    /// Where the previous export's pages are replayed from.
    pub prev: Option<PathBuf>,
}

/// Which split a page belongs to: the range's ids and whether it is the
/// pre-migration history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitKey {
    /// The range's first id.
    pub min_id: i32,
    /// The range's last id.
    pub max_id: i32,
    /// Pre-migration history.
    pub migrated: bool,
}

impl SplitKey {
    /// The key of `range` (`migrated` for the pre-migration history).
    pub fn new(range: &enums::MessageRange, migrated: bool) -> Self {
        let enums::MessageRange::MessageRange(r) = range;
        Self {
            min_id: r.min_id,
            max_id: r.max_id,
            migrated,
        }
    }

    fn to_bytes(self) -> [u8; 9] {
        let mut b = [0; 9];
        b[0] = u8::from(self.migrated);
        b[1..5].copy_from_slice(&self.min_id.to_le_bytes());
        b[5..9].copy_from_slice(&self.max_id.to_le_bytes());
        b
    }
}

/// Appends a chat's pages to its pages file: per page the split key, the
/// length and the TL bytes of the answer.
pub struct PageLog {
    path: PathBuf,
    out: BufWriter<File>,
}

impl PageLog {
    /// Starts the pages file at `path` (emptied).
    pub fn create(path: PathBuf) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let out = BufWriter::new(File::create(&path)?);
        Ok(Self { path, out })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one page of the split `key`.
    pub fn append(&mut self, key: SplitKey, page: &enums::messages::Messages) -> io::Result<()> {
        self.append_bytes(key, &page.to_bytes())
    }

    /// Appends one page of the split `key` as its TL bytes (as the server
    /// sent them).
    pub fn append_bytes(&mut self, key: SplitKey, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        self.out.write_all(&key.to_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(bytes)
    }

    /// Writes everything out.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The split key of a page record's head.
fn split_key(head: &[u8; 13]) -> SplitKey {
    let int = |at: usize| i32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    SplitKey {
        migrated: head[0] != 0,
        min_id: int(1),
        max_id: int(5),
    }
}

/// Reads a chat's pages back in order, one at a time.
pub struct PageReader {
    path: PathBuf,
    input: BufReader<File>,
    next: Option<(SplitKey, enums::messages::Messages)>,
    index: usize,
}

impl PageReader {
    /// Opens the pages file at `path`; `None` when there is none.
    pub fn open(path: PathBuf) -> io::Result<Option<Self>> {
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut reader = Self {
            path,
            input: BufReader::new(file),
            next: None,
            index: 0,
        };
        reader.next = reader.read()?;
        Ok(Some(reader))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn bad(&self, what: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} page {}: {what}", self.path.display(), self.index),
        )
    }

    fn read(&mut self) -> io::Result<Option<(SplitKey, enums::messages::Messages)>> {
        let mut head = [0u8; 13];
        match self.input.read_exact(&mut head[..1]) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        self.input
            .read_exact(&mut head[1..])
            .map_err(|e| self.bad(e))?;
        let key = split_key(&head);
        let len = u32::from_le_bytes([head[9], head[10], head[11], head[12]]);
        if len > MAX_RECORD {
            return Err(self.bad(format!("length {len}")));
        }
        let mut bytes = vec![0; len as usize];
        self.input.read_exact(&mut bytes).map_err(|e| self.bad(e))?;
        let page = enums::messages::Messages::from_bytes(&bytes).map_err(|e| self.bad(e))?;
        self.index += 1;
        Ok(Some((key, page)))
    }

    /// The splits the file has pages of (reading only the records' heads).
    pub fn keys(&self) -> io::Result<Vec<SplitKey>> {
        use std::io::{Seek, SeekFrom};
        let mut input = BufReader::new(File::open(&self.path)?);
        let mut keys = Vec::new();
        for _ in 0..u32::MAX {
            let mut head = [0u8; 13];
            match input.read_exact(&mut head) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                other => other?,
            }
            let key = split_key(&head);
            if keys.last() != Some(&key) {
                keys.push(key);
            }
            let len = u32::from_le_bytes([head[9], head[10], head[11], head[12]]);
            input.seek(SeekFrom::Current(i64::from(len)))?;
        }
        Ok(keys)
    }

    /// The next page if it belongs to the split `key`. Pages of splits
    /// before it (no longer asked for) are passed over.
    pub fn take(&mut self, key: SplitKey) -> io::Result<Option<enums::messages::Messages>> {
        loop {
            match &self.next {
                Some((k, _)) if *k == key => {
                    let page = self.next.take().map(|(_, p)| p);
                    self.next = self.read()?;
                    return Ok(page);
                }
                Some((k, _)) if k.migrated == key.migrated && k.max_id < key.min_id => {
                    self.next = self.read()?;
                }
                _ => return Ok(None),
            }
        }
    }
}

/// One line of the file index (and of the journal): dc, kind, id, thumb,
/// size, path.
pub type FileLine = (i32, String, i64, String, u64, String);

/// Completes the new state in `work`: `settings.json`, the sorted file
/// index (from the journal), then moves it into `root` as [`STATE_DIR`].
pub fn complete(root: &Path, work: &Path, recorded: &Recorded) -> io::Result<()> {
    let state = new_state(work);
    std::fs::create_dir_all(state.join(CHATS))?;
    let mut settings = serde_json::to_string_pretty(recorded).map_err(io::Error::other)?;
    settings.push('\n');
    std::fs::write(state.join(SETTINGS), settings)?;
    let mut files = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string(work.join(JOURNAL)) {
        for line in text.lines() {
            if let Ok(l) = serde_json::from_str::<FileLine>(line) {
                files.insert((l.0, l.1.clone(), l.2, l.3.clone()), l);
            }
        }
    }
    let mut out = BufWriter::new(File::create(state.join(FILES))?);
    for line in files.values() {
        serde_json::to_writer(&mut out, line).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    let target = root.join(STATE_DIR);
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    std::fs::rename(&state, &target)
}

#[cfg(test)]
mod tests;
