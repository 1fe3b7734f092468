//! Where the export goes: the root folder (docs/export-format.md#root-folder), the
//! writers on their own threads, one per format (so disk IO never blocks the
//! network side, JSON and HTML are written at once, and the engine's future
//! stays `Send`), and `missing.json`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::error::TakeoutError;
use crate::export::layout::{FsDir, OutputDir as _};
use crate::export::model::sections::{ContactsList, PersonalInfo, SessionsList, Story, Userpic};
use crate::export::model::{ChatInfo, Message};
use crate::export::open_sink;
use crate::export::sink::{ExportSink, Format};
use crate::export::time::{DateTime, Tz};

/// The engine's own folder inside the export root (temporary downloads);
/// removed when the export finishes.
pub const WORK_DIR: &str = ".tg-takeout";

/// The root folder of an export into `out` (docs/export-format.md#layout): `out` itself
/// when it does not exist, is empty or holds an unfinished export of ours;
/// otherwise `out/DataExport_YYYY-MM-DD` (`ChatExport_` for one chat) in
/// local time, with ` (1)`, ` (2)`... when taken.
pub fn choose_root(out: &Path, now_unix: i64, tz: &Tz, single_chat: bool) -> io::Result<PathBuf> {
    let usable = |dir: &Path| -> io::Result<bool> {
        match std::fs::read_dir(dir) {
            Ok(mut entries) => Ok(entries.next().is_none() || dir.join(WORK_DIR).is_dir()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(e),
        }
    };
    if usable(out)? {
        return Ok(out.to_owned());
    }
    let t = DateTime::local(now_unix, tz.as_ref());
    let prefix = if single_chat {
        "ChatExport"
    } else {
        "DataExport"
    };
    let base = format!("{prefix}_{:04}-{:02}-{:02}", t.year, t.month, t.day);
    for n in 0..10_000 {
        let name = match n {
            0 => base.clone(),
            n => format!("{base} ({n})"),
        };
        let candidate = out.join(name);
        if usable(&candidate)? {
            return Ok(candidate);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free DataExport folder name",
    ))
}

/// Whether `name` is a temporary file of our writers: `<name>.<run>.part`,
/// `<run>` the takeout id of the run that wrote it (digits, maybe after a
/// `-`).
pub fn is_writer_temp(name: &str) -> bool {
    let Some(rest) = name.strip_suffix(".part") else {
        return false;
    };
    let Some((base, run)) = rest.rsplit_once('.') else {
        return false;
    };
    let digits = run.strip_prefix('-').unwrap_or(run);
    !base.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Removes the writers' temporary files ([`is_writer_temp`]) that runs
/// other than `run` left in `root` and its subfolders (a run killed with
/// `kill -9` cannot remove its own), except inside the work folder; the
/// number removed. Only regular files are removed; links are not followed.
pub fn remove_stale_temps(root: &Path, run: i64) -> io::Result<usize> {
    let own = format!(".{run}.part");
    let mut removed = 0;
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if kind.is_dir() {
                if !(dir == root && name == WORK_DIR) {
                    stack.push(entry.path());
                }
            } else if kind.is_file() && is_writer_temp(name) && !name.ends_with(&own) {
                match std::fs::remove_file(entry.path()) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => removed += 1,
                }
            }
        }
    }
    Ok(removed)
}

/// One step for the sinks ([`ExportSink`], in its order).
#[derive(Debug)]
pub enum Command {
    /// `personal_information`.
    PersonalInfo(PersonalInfo),
    /// A page of profile pictures.
    Userpics(Vec<Userpic>),
    /// A page of stories.
    Stories(Vec<Story>),
    /// Ends profile pictures or stories.
    EndList,
    /// Contacts and frequent contacts.
    Contacts(ContactsList),
    /// Sessions and web sessions.
    Sessions(SessionsList),
    /// The other-data JSON.
    OtherData(Vec<u8>),
    /// Starts a chat.
    StartChat(ChatInfo),
    /// Messages of the open chat, files settled.
    Messages(Vec<Message>),
    /// Ends the open chat.
    EndChat,
}

/// The sinks, each format on its own thread (JSON and HTML are written at
/// the same time; each sees every command in order).
///
/// Pages of messages are handed over in batches of up to [`BATCH`]
/// messages: an account of many small chats or split ranges reads a page of
/// one or two messages per request, and waking both writer threads for
/// each cost more CPU than writing the page. A writer's output does not
/// depend on how the messages are cut into pages (the export tests compare
/// exports read with different page sizes byte for byte), and a batch is
/// handed over before any other command, so the order stays the same.
pub struct Output {
    root: PathBuf,
    writers: Vec<Writer>,
    /// Messages of the open chat not handed to the writers yet.
    batch: Vec<Message>,
}

/// The most messages held back for one hand-over (a constant, whatever the
/// account: a few pages' worth).
pub const BATCH: usize = 256;

/// One writer thread.
struct Writer {
    tx: Option<mpsc::Sender<Option<Arc<Command>>>>,
    done: Option<oneshot::Receiver<io::Result<()>>>,
}

impl Writer {
    /// Starts the sink of `format` (a single format) into `root`.
    fn start(root: &Path, format: Format, tz: Tz, single_chat: bool, run: i64) -> Self {
        let (tx, mut rx) = mpsc::channel::<Option<Arc<Command>>>(4);
        let (done_tx, done) = oneshot::channel();
        let dir = FsDir::new(root).with_temp_suffix(format!(".{run}.part"));
        std::thread::spawn(move || {
            let result = (|| {
                let mut sink = open_sink(&dir, format, tz, single_chat)?;
                // `None` is the end; a closed channel without it is an
                // abandoned export, whose documents are not committed.
                while let Some(command) = rx.blocking_recv() {
                    match command {
                        Some(command) => apply(sink.as_mut(), &command)?,
                        None => {
                            sink.finish()?;
                            return dir.settle();
                        }
                    }
                }
                Err(io::Error::other("export abandoned"))
            })();
            let _ = done_tx.send(result);
        });
        Self {
            tx: Some(tx),
            done: Some(done),
        }
    }

    /// The thread's result once it stopped.
    async fn result(&mut self) -> io::Result<()> {
        self.tx = None;
        match self.done.take() {
            Some(done) => done
                .await
                .unwrap_or_else(|_| Err(io::Error::other("the writer stopped"))),
            None => Err(io::Error::other("the writer stopped")),
        }
    }
}

impl Output {
    /// Starts the writers of `format` into `root`; `run` (the takeout id)
    /// names their temporary files, so an abandoned run's writer never
    /// touches this one's.
    pub fn start(root: &Path, format: Format, tz: Tz, single_chat: bool, run: i64) -> Self {
        let writers = format
            .sinks()
            .iter()
            .map(|&f| Writer::start(root, f, tz.clone(), single_chat, run))
            .collect();
        Self {
            root: root.to_owned(),
            writers,
            batch: Vec::new(),
        }
    }

    /// Hands `command` to the writers; pages of messages may wait in the
    /// batch until it is full or another command comes.
    pub async fn send(&mut self, command: Command) -> Result<(), TakeoutError> {
        let Command::Messages(page) = command else {
            self.flush().await?;
            return self.hand(command).await;
        };
        if self.batch.is_empty() && page.len() >= BATCH {
            return self.hand(Command::Messages(page)).await;
        }
        self.batch.extend(page);
        if self.batch.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands the batched messages over, if any.
    async fn flush(&mut self) -> Result<(), TakeoutError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let page = std::mem::take(&mut self.batch);
        self.hand(Command::Messages(page)).await
    }

    /// Hands `command` to every writer.
    async fn hand(&mut self, command: Command) -> Result<(), TakeoutError> {
        let command = Arc::new(command);
        for at in 0..self.writers.len() {
            let sent = match &self.writers[at].tx {
                Some(tx) => tx.send(Some(command.clone())).await.is_ok(),
                None => false,
            };
            if !sent {
                return Err(self.failure(at).await);
            }
        }
        Ok(())
    }

    /// Finishes every document.
    pub async fn finish(mut self) -> Result<(), TakeoutError> {
        self.flush().await?;
        for writer in &mut self.writers {
            if let Some(tx) = &writer.tx {
                // A writer that stopped tells why below.
                let _ = tx.send(None).await;
            }
        }
        let mut first = None;
        for writer in &mut self.writers {
            if let Err(e) = writer.result().await {
                first.get_or_insert(e);
            }
        }
        match first {
            None => Ok(()),
            Some(e) => Err(TakeoutError::disk(&self.root, e)),
        }
    }

    /// The error of writer `at`, which stopped.
    async fn failure(&mut self, at: usize) -> TakeoutError {
        let error = match self.writers[at].result().await {
            Err(e) => e,
            Ok(()) => io::Error::other("the writer stopped"),
        };
        TakeoutError::disk(&self.root, error)
    }
}

/// Hands one command to a sink: the one place that maps the steps of an
/// export onto [`ExportSink`].
fn apply(sink: &mut dyn ExportSink, command: &Command) -> io::Result<()> {
    match command {
        Command::PersonalInfo(info) => sink.write_personal_info(info),
        Command::Userpics(page) => sink.write_userpics(page),
        Command::Stories(page) => sink.write_stories(page),
        Command::EndList => sink.end_list(),
        Command::Contacts(list) => sink.write_contacts(list),
        Command::Sessions(list) => sink.write_sessions(list),
        // Nothing is written for an empty other-data file.
        Command::OtherData(raw) if raw.iter().all(u8::is_ascii_whitespace) => Ok(()),
        Command::OtherData(raw) => sink.write_other_data(raw),
        Command::StartChat(chat) => sink.start_chat(chat),
        Command::Messages(page) => sink.write_messages(page),
        Command::EndChat => sink.end_chat(),
    }
}

/// One item `missing.json` lists: a file, chat or section that could not be
/// exported, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingItem {
    /// `chats`, `left_chats`, `profile_pictures`, `stories`, `contacts`,
    /// `sessions`, `personal_information` or `other_data`.
    pub section: String,
    /// The chat's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    /// The chat's peer (`user123`, `chat123`, `channel123`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// The message id (negative for migrated group history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// Where the file would have been, relative to the export root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The error.
    pub reason: String,
}

/// Writes `missing.json` into `root` (or removes a stale one when nothing is
/// missing), atomically.
pub fn write_missing(root: &Path, items: &[MissingItem]) -> Result<(), TakeoutError> {
    let path = root.join("missing.json");
    if items.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(TakeoutError::disk(path, e)),
            _ => Ok(()),
        };
    }
    let mut text = serde_json::to_vec_pretty(items).map_err(io::Error::other);
    if let Ok(text) = &mut text {
        text.push(b'\n');
    }
    let temp = root.join(WORK_DIR).join("missing.json");
    text.and_then(|text| {
        std::fs::create_dir_all(root.join(WORK_DIR))?;
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &path)
    })
    .map_err(|e| TakeoutError::disk(path, e))
}

#[cfg(test)]
mod tests;
