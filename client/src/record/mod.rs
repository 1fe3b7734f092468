//! The recorder: every call of a run and its answer, written as they
//! happen to a `tg-mock-replay/1` transcript in JSON Lines, which
//! `tg-mock-server serve --replay` serves back (README "Recording a real
//! export as a test fixture").
//!
//! Set [`ClientConfig::recorder`](crate::ClientConfig::recorder); every
//! connection's sender hands the recorder each request it sent (wrappers
//! included) with the answer it got, rpc errors and retries included, and
//! the DC it was sent to. A writer thread turns them into lines:
//!
//! ```text
//! {"format":"tg-mock-replay/1","layer":230,"recorded_by":"tg-takeout 0.1.0","record_files":"small"}
//! {"request":{"_":"help.getConfig"},"takeout":false,"range":false,"repeat":true,"response":{..}}
//! {"request":{"_":"messages.getHistory",..},"takeout":123,"range":{"min_id":1,"max_id":9},"dc":2,"response":{..}}
//! ```
//!
//! Memory stays bounded: the senders hand over at most [`QUEUE`] exchanges
//! before they wait for the writer, and the writer flushes every
//! [`FLUSH_EVERY`] lines and at the end, so a crash leaves a transcript
//! that is valid except perhaps its last line. The file is created with
//! mode 0600 (it holds the account's data).
//!
//! Secrets are never written in clear (`line::scrub`): the login code, the 2FA
//! SRP proof, the api_hash, authorization and login-token bytes are
//! written as placeholders, and the request fields among them are listed
//! in the exchange's `ignore`, so that replay still matches a client that
//! sends other values.

use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::locked::lock;

/// The transcript format this recorder writes.
pub const FORMAT: &str = "tg-mock-replay/1";

/// Exchanges the senders may hand over before they wait for the writer.
pub const QUEUE: usize = 256;

/// The writer flushes its buffer after this many lines.
pub const FLUSH_EVERY: u64 = 64;

/// A file part is recorded in clear under [`RecordFiles::Small`] when it is
/// a whole file shorter than this (the exporter asks for 1 MiB parts).
pub const SMALL_FILE: usize = 1024 * 1024;

/// Which file bytes (`upload.getFile` answers) the transcript keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecordFiles {
    /// None: every part is written as its length and SHA-256 (`synth`).
    None,
    /// Parts that are a whole file under 1 MiB (offset 0, shorter than
    /// [`SMALL_FILE`]); the parts of bigger files as `synth`.
    #[default]
    Small,
    /// Every part as it came.
    All,
}

impl RecordFiles {
    /// The name on the command line and in the header.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Small => "small",
            Self::All => "all",
        }
    }

    fn keeps(self, offset: i64, len: usize) -> bool {
        match self {
            Self::None => false,
            Self::Small => offset == 0 && len < SMALL_FILE,
            Self::All => true,
        }
    }
}

impl std::str::FromStr for RecordFiles {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "small" => Ok(Self::Small),
            "all" => Ok(Self::All),
            _ => Err(format!("{s:?} is not one of none, small, all")),
        }
    }
}

/// Why a transcript could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be created, read or written.
    #[error("transcript {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file exists but is not a transcript this recorder can append to.
    #[error("transcript {}: {message}; choose another file", path.display())]
    NotATranscript {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What a transcript got, counted at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Exchanges written.
    pub exchanges: u64,
    /// File parts written as `synth`.
    pub synthesized: u64,
    /// Exchanges left out: requests that are not schema methods, answers
    /// that do not decode, repeats of a `repeat` exchange.
    pub skipped: u64,
}

/// The answer a sender got.
#[derive(Debug)]
pub enum Answer<'a> {
    /// The result's bytes (`gzip_packed` already inflated).
    Result(&'a [u8]),
    /// An rpc error.
    Error(i32, &'a str),
}

enum OwnedAnswer {
    Result(Vec<u8>),
    Error(i32, String),
}

struct Entry {
    dc: i32,
    request: Vec<u8>,
    answer: OwnedAnswer,
}

struct Shared {
    path: PathBuf,
    tx: Mutex<Option<SyncSender<Entry>>>,
    thread: Mutex<Option<JoinHandle<Result<RecordStats, io::Error>>>>,
}

impl Shared {
    fn close(&self) -> Result<RecordStats, RecordError> {
        drop(lock(&self.tx).take());
        let thread = lock(&self.thread).take();
        let Some(thread) = thread else {
            return Ok(RecordStats::default());
        };
        let io = |source| RecordError::Io {
            path: self.path.clone(),
            source,
        };
        match thread.join() {
            Ok(result) => result.map_err(io),
            Err(_) => Err(io(io::Error::other("the transcript writer panicked"))),
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::error!("{e}");
        }
    }
}

/// Records the calls of a run into a transcript. Cheap to clone; the
/// transcript is complete when [`Recorder::finish`] returns (or when the
/// last clone is dropped).
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records into `path`: a new transcript, or, when `path` already is a
    /// transcript of this format and layer, after its last line (so that
    /// `login --record T` then `export --record T` make one transcript
    /// that replays both).
    pub fn open(path: &Path, files: RecordFiles) -> Result<Self, RecordError> {
        let io = |source| RecordError::Io {
            path: path.to_owned(),
            source,
        };
        let append = match File::open(path) {
            Ok(f) => {
                check_header(path, f)?;
                drop_cut_line(path).map_err(io)?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(e)),
        };
        let mut options = OpenOptions::new();
        if append {
            options.append(true);
        } else {
            options.write(true).create_new(true);
        }
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(io)?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        if !append {
            let header = serde_json::json!({
                "format": FORMAT,
                "layer": tl::LAYER,
                "recorded_by": concat!("tg-takeout ", env!("CARGO_PKG_VERSION")),
                "record_files": files.name(),
            });
            writeln!(out, "{header}").map_err(io)?;
        }
        out.flush().map_err(io)?;
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("tg-takeout-record".into())
            .spawn(move || write_loop(rx, out, files))
            .map_err(io)?;
        Ok(Self {
            shared: Arc::new(Shared {
                path: path.to_owned(),
                tx: Mutex::new(Some(tx)),
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// The transcript's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Records one request (as sent, wrappers included) and its answer on
    /// DC `dc`. Waits while the writer is [`QUEUE`] exchanges behind.
    pub fn record(&self, dc: i32, request: &[u8], answer: Answer<'_>) {
        let entry = Entry {
            dc,
            request: request.to_vec(),
            answer: match answer {
                Answer::Result(b) => OwnedAnswer::Result(b.to_vec()),
                Answer::Error(code, m) => OwnedAnswer::Error(code, m.to_owned()),
            },
        };
        if let Some(tx) = lock(&self.shared.tx).as_ref() {
            // The writer is gone only after an IO error, which finish reports.
            let _ = tx.send(entry);
        }
    }

    /// Writes what is queued, flushes and closes the transcript; later
    /// calls to [`Recorder::record`] are ignored.
    pub fn finish(&self) -> Result<RecordStats, RecordError> {
        self.shared.close()
    }
}

/// Cuts a last line without a newline (what a crash while recording
/// leaves) off the transcript at `path`, so that lines appended after it
/// start on a line of their own.
fn drop_cut_line(path: &Path) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = file.metadata()?.len();
    let mut end = len;
    let mut chunk = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(chunk.len() as u64);
        let n = usize::try_from(end - start).unwrap_or(chunk.len());
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk[..n])?;
        if let Some(i) = chunk[..n].iter().rposition(|b| *b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep < len {
                tracing::warn!(
                    "{}: the last line was cut (a crash while recording?); it is dropped",
                    path.display()
                );
                file.set_len(keep)?;
            }
            return Ok(());
        }
        end = start;
    }
    Ok(())
}

/// Refuses to append to a file that is not a JSON Lines transcript of this
/// format and layer.
fn check_header(path: &Path, file: File) -> Result<(), RecordError> {
    let bad = |message: String| RecordError::NotATranscript {
        path: path.to_owned(),
        message,
    };
    let mut first = String::new();
    io::BufReader::new(file)
        .take(64 * 1024)
        .read_line(&mut first)
        .map_err(|source| RecordError::Io {
            path: path.to_owned(),
            source,
        })?;
    let header: Value = serde_json::from_str(first.trim())
        .map_err(|_| bad("it exists and its first line is not a transcript header".into()))?;
    if header.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(bad(format!("its first line is not a {FORMAT} header")));
    }
    match header.get("layer").and_then(Value::as_i64) {
        Some(l) if l == i64::from(tl::LAYER) => Ok(()),
        other => Err(bad(format!(
            "it was recorded at layer {}, this program speaks {}",
            other.map_or_else(|| "?".into(), |l| l.to_string()),
            tl::LAYER
        ))),
    }
}

fn write_loop(
    rx: Receiver<Entry>,
    mut out: BufWriter<File>,
    files: RecordFiles,
) -> Result<RecordStats, io::Error> {
    let mut stats = RecordStats::default();
    let mut repeats: HashSet<String> = HashSet::new();
    let mut line = String::new();
    while let Ok(entry) = rx.recv() {
        line.clear();
        match exchange_line(&entry, files, &mut repeats, &mut line) {
            Some(synth) => {
                stats.exchanges += 1;
                stats.synthesized += u64::from(synth);
                line.push('\n');
                out.write_all(line.as_bytes())?;
                if stats.exchanges % FLUSH_EVERY == 0 {
                    out.flush()?;
                }
            }
            None => stats.skipped += 1,
        }
    }
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(stats)
}

mod line;
#[cfg(test)]
mod tests;

use line::exchange_line;
pub use line::{REPEATED, SECRETS};
