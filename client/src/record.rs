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
//! Secrets are never written in clear ([`scrub`]): the login code, the 2FA
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

/// Methods recorded with `repeat: true` (and once): idempotent calls that
/// another run may make more or fewer times (the DC table is asked for
/// again after a migration or a new DC). They are pinned to no DC.
pub const REPEATED: &[&str] = &["help.getConfig", "help.getNearestDc"];

/// Writes the JSON line of one exchange into `line`; `Some(true)` when its
/// file bytes were replaced by `synth`, `None` when it is left out.
fn exchange_line(
    entry: &Entry,
    files: RecordFiles,
    repeats: &mut HashSet<String>,
    line: &mut String,
) -> Option<bool> {
    let peeled = match tl::peel::peel(&entry.request) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("record: a request that does not peel ({e}) is left out");
            return None;
        }
    };
    let Some(method) = tl::json::method(peeled.method_id) else {
        tracing::warn!(
            "record: request {:#010x} is not a schema method; left out",
            peeled.method_id
        );
        return None;
    };
    let mut request = match method.call_to_json(peeled.query) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("record: a {} request does not decode ({e})", method.name);
            return None;
        }
    };
    let mut response = match &entry.answer {
        OwnedAnswer::Result(bytes) => match method.result_to_json(bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!("record: a {} answer does not decode ({e})", method.name);
                return None;
            }
        },
        OwnedAnswer::Error(..) => None,
    };
    let ignore = scrub(method.name, &mut request, response.as_mut());
    let repeat = REPEATED.contains(&method.name) && response.is_some();
    if repeat && !repeats.insert(format!("{request} {:?} {:?}", peeled.takeout, peeled.range)) {
        return None;
    }
    let synth = match (&mut response, method.name) {
        (Some(r), "upload.getFile") => synthesize(&request, r, files),
        _ => None,
    };

    let json = |v: &Value| v.to_string();
    line.push_str("{\"request\":");
    line.push_str(&json(&request));
    line.push_str(",\"takeout\":");
    match peeled.takeout {
        Some(id) => line.push_str(&id.to_string()),
        None => line.push_str("false"),
    }
    line.push_str(",\"range\":");
    match peeled.range {
        Some((min_id, max_id)) => {
            line.push_str(&format!("{{\"min_id\":{min_id},\"max_id\":{max_id}}}"));
        }
        None => line.push_str("false"),
    }
    if repeat {
        line.push_str(",\"repeat\":true");
    } else {
        line.push_str(&format!(",\"dc\":{}", entry.dc));
    }
    if !ignore.is_empty() {
        line.push_str(",\"ignore\":");
        line.push_str(&json(&Value::from(ignore)));
    }
    if let Some(s) = &synth {
        line.push_str(",\"synth\":");
        line.push_str(&json(s));
    }
    match (&response, &entry.answer) {
        (Some(r), _) => {
            line.push_str(",\"response\":");
            line.push_str(&json(r));
        }
        (None, OwnedAnswer::Error(code, message)) => {
            line.push_str(",\"error\":");
            line.push_str(&json(&serde_json::json!([code, message])));
        }
        (None, OwnedAnswer::Result(_)) => return None,
    }
    line.push('}');
    Some(synth.is_some())
}

/// Replaces the bytes of an `upload.file` answer by `""` and returns the
/// `synth` object (`len`, `sha256` of the real bytes), unless `files`
/// keeps this part.
fn synthesize(request: &Value, response: &mut Value, files: RecordFiles) -> Option<Value> {
    let offset = request.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let slot = response.get_mut("bytes")?;
    let bytes = tl::json::bytes_from_json(slot).ok()?;
    if files.keeps(offset, bytes.len()) {
        return None;
    }
    *slot = Value::String(String::new());
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(serde_json::json!({"len": bytes.len(), "sha256": sha}))
}

/// The secret fields of each method: in the request (written as the
/// placeholder and listed in `ignore`) and in the response (written as the
/// placeholder). Placeholders are `""` (an empty string or empty bytes).
pub const SECRETS: &[(&str, &[&str], &[&str])] = &[
    // The api_hash is the app's credential; a replaying client has its own.
    ("auth.sendCode", &["api_hash", "api_id"], &[]),
    // The login code changes on every login.
    ("auth.signIn", &["phone_code", "email_verification"], &[]),
    // The SRP proof (A and M1 change on every run; M1 would let anyone
    // test password guesses offline).
    ("auth.checkPassword", &["password.A", "password.M1"], &[]),
    // Authorization bytes log the account in on another DC.
    ("auth.exportAuthorization", &[], &["bytes"]),
    ("auth.importAuthorization", &["bytes"], &[]),
    // QR login tokens.
    (
        "auth.exportLoginToken",
        &["api_hash", "api_id", "except_ids"],
        &["token"],
    ),
    ("auth.importLoginToken", &["token"], &[]),
];

/// Blanks the secrets of `method` (see [`SECRETS`]); returns the request
/// paths to write as `ignore`.
fn scrub(method: &str, request: &mut Value, response: Option<&mut Value>) -> Vec<String> {
    let Some((_, in_request, in_response)) = SECRETS.iter().find(|(m, _, _)| *m == method) else {
        return Vec::new();
    };
    let mut ignore = Vec::new();
    for path in *in_request {
        if let Some(slot) = at_path(request, path) {
            blank(slot);
        }
        ignore.push((*path).to_owned());
    }
    if let Some(response) = response {
        for path in *in_response {
            if let Some(slot) = at_path(response, path) {
                blank(slot);
            }
        }
    }
    ignore
}

/// The placeholder keeps the kind of the value, so the object still reads.
fn blank(slot: &mut Value) {
    *slot = match slot {
        Value::Number(_) => Value::from(0),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(m) => {
            // An object (email verification): keep only its constructor.
            let mut kept = serde_json::Map::new();
            if let Some(tag) = m.get("_") {
                kept.insert("_".into(), tag.clone());
            }
            Value::Object(kept)
        }
        _ => Value::String(String::new()),
    };
}

fn at_path<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut at = value;
    for segment in path.split('.') {
        at = at.as_object_mut()?.get_mut(segment)?;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use tl::functions;
    use tl::{Serializable, types};

    use super::*;

    fn lines(path: &Path) -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn requests_are_peeled_and_pinned_and_answers_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let r = Recorder::open(&path, RecordFiles::Small).unwrap();
        let history = functions::messages::GetHistory {
            peer: tl::enums::InputPeer::InputPeerSelf,
            limit: 10,
            ..Default::default()
        };
        let wrapped = functions::InvokeWithTakeout {
            takeout_id: 77,
            query: functions::InvokeWithMessagesRange {
                range: types::MessageRange {
                    min_id: 1,
                    max_id: 9,
                }
                .into(),
                query: history.clone(),
            },
        };
        let empty: tl::enums::messages::Messages = types::messages::Messages {
            messages: vec![],
            topics: vec![],
            chats: vec![],
            users: vec![],
        }
        .into();
        r.record(4, &wrapped.to_bytes(), Answer::Error(420, "FLOOD_WAIT_1"));
        r.record(4, &wrapped.to_bytes(), Answer::Result(&empty.to_bytes()));
        for _ in 0..2 {
            r.record(
                2,
                &functions::help::GetConfig {}.to_bytes(),
                Answer::Result(&tl::enums::Config::from(types::Config::default()).to_bytes()),
            );
        }
        // Not a schema method: left out.
        r.record(2, &[1, 2, 3, 4], Answer::Error(400, "X"));
        let stats = r.finish().unwrap();
        assert_eq!(
            stats,
            RecordStats {
                exchanges: 3,
                synthesized: 0,
                skipped: 2
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let l = lines(&path);
        assert_eq!(l[0]["format"], FORMAT);
        assert_eq!(l[0]["layer"], tl::LAYER);
        assert_eq!(l[1]["request"]["_"], "messages.getHistory");
        assert_eq!(l[1]["takeout"], 77);
        assert_eq!(l[1]["range"], serde_json::json!({"min_id": 1, "max_id": 9}));
        assert_eq!(l[1]["dc"], 4);
        assert_eq!(l[1]["error"], serde_json::json!([420, "FLOOD_WAIT_1"]));
        assert_eq!(l[2]["response"]["_"], "messages.messages");
        assert_eq!(l[3]["repeat"], true);
        assert_eq!(l[3]["takeout"], false);
        assert!(l[3].get("dc").is_none());
        assert_eq!(l.len(), 4);
        // Appending keeps one header.
        let r = Recorder::open(&path, RecordFiles::Small).unwrap();
        r.record(2, &history.to_bytes(), Answer::Result(&empty.to_bytes()));
        r.finish().unwrap();
        let l = lines(&path);
        assert_eq!(l.len(), 5);
        assert_eq!(l[4]["range"], false);
    }

    #[test]
    fn appending_after_a_crash_drops_the_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let header = format!("{{\"format\":\"{FORMAT}\",\"layer\":{}}}\n", tl::LAYER);
        std::fs::write(
            &path,
            format!("{header}{{\"request\":{{\"_\":\"help.getNea"),
        )
        .unwrap();
        let r = Recorder::open(&path, RecordFiles::Small).unwrap();
        r.record(
            2,
            &functions::help::GetNearestDc {}.to_bytes(),
            Answer::Error(400, "X"),
        );
        r.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&header));
        assert_eq!(text.lines().count(), 2, "{text}");
        assert_eq!(lines(&path)[1]["error"], serde_json::json!([400, "X"]));
    }

    #[test]
    fn lines_reach_the_file_as_they_come_not_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let r = Recorder::open(&path, RecordFiles::Small).unwrap();
        let call = functions::help::GetNearestDc {}.to_bytes();
        for _ in 0..2 * FLUSH_EVERY {
            r.record(2, &call, Answer::Error(420, "FLOOD_WAIT_1"));
        }
        let mut seen = 0;
        for _ in 0..500 {
            seen = std::fs::read_to_string(&path).unwrap().lines().count();
            if seen > 2 * FLUSH_EVERY as usize {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(seen, 1 + 2 * FLUSH_EVERY as usize, "flushed before finish");
        r.finish().unwrap();
    }

    #[test]
    fn appending_to_another_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "hello\n").unwrap();
        let e = Recorder::open(&path, RecordFiles::Small).unwrap_err();
        assert!(matches!(e, RecordError::NotATranscript { .. }), "{e}");
        std::fs::write(&path, "{\"format\":\"tg-mock-replay/1\",\"layer\":1}\n").unwrap();
        let e = Recorder::open(&path, RecordFiles::Small).unwrap_err();
        assert!(e.to_string().contains("layer 1"), "{e}");
    }

    #[test]
    fn secrets_become_placeholders_and_ignored_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let r = Recorder::open(&path, RecordFiles::Small).unwrap();
        let sign_in = functions::auth::SignIn {
            phone_number: "+999".into(),
            phone_code_hash: "h".into(),
            phone_code: Some("12345".into()),
            email_verification: None,
        };
        let user: tl::enums::auth::Authorization = types::auth::Authorization::default().into();
        r.record(2, &sign_in.to_bytes(), Answer::Result(&user.to_bytes()));
        let check = functions::auth::CheckPassword {
            password: types::InputCheckPasswordSrp {
                srp_id: 5,
                a: vec![7; 256],
                m1: vec![8; 32],
            }
            .into(),
        };
        r.record(2, &check.to_bytes(), Answer::Result(&user.to_bytes()));
        let export = functions::auth::ExportAuthorization { dc_id: 4 };
        let exported: tl::enums::auth::ExportedAuthorization = types::auth::ExportedAuthorization {
            id: 1,
            bytes: vec![9; 64],
        }
        .into();
        r.record(2, &export.to_bytes(), Answer::Result(&exported.to_bytes()));
        let import = functions::auth::ImportAuthorization {
            id: 1,
            bytes: vec![9; 64],
        };
        r.record(4, &import.to_bytes(), Answer::Result(&user.to_bytes()));
        let send_code = functions::auth::SendCode {
            phone_number: "+999".into(),
            api_id: 5,
            api_hash: "0123abcd".into(),
            settings: types::CodeSettings::default().into(),
        };
        r.record(2, &send_code.to_bytes(), Answer::Error(400, "X"));
        r.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("12345"));
        assert!(!text.contains("0123abcd"));
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        for secret in [b64(&[7; 256]), b64(&[8; 32]), b64(&[9; 64])] {
            assert!(!text.contains(&secret), "{secret}");
        }
        let l = lines(&path);
        assert_eq!(
            l[1]["ignore"],
            serde_json::json!(["phone_code", "email_verification"])
        );
        assert_eq!(l[1]["request"]["phone_code"], "");
        assert_eq!(
            l[2]["ignore"],
            serde_json::json!(["password.A", "password.M1"])
        );
        assert_eq!(l[2]["request"]["password"]["srp_id"], 5);
        assert_eq!(l[3]["response"]["bytes"], "");
        assert_eq!(l[4]["ignore"], serde_json::json!(["bytes"]));
        assert_eq!(l[4]["dc"], 4);
        assert_eq!(l[5]["request"]["api_hash"], "");
    }

    #[test]
    fn file_parts_are_kept_or_synthesized_by_size() {
        let part = |offset: i64, len: usize| {
            let request = functions::upload::GetFile {
                location: tl::enums::InputFileLocation::InputPeerPhotoFileLocation(
                    types::InputPeerPhotoFileLocation {
                        big: true,
                        peer: tl::enums::InputPeer::InputPeerSelf,
                        photo_id: 3,
                    },
                ),
                offset,
                limit: 1 << 20,
                ..Default::default()
            };
            let answer: tl::enums::upload::File = types::upload::File {
                r#type: tl::enums::storage::FileType::FileJpeg,
                mtime: 0,
                bytes: vec![0xab; len],
            }
            .into();
            (request.to_bytes(), answer.to_bytes())
        };
        for (files, offset, len, kept) in [
            (RecordFiles::Small, 0, 1000, true),
            (RecordFiles::Small, 0, SMALL_FILE, false),
            (RecordFiles::Small, 1 << 20, 10, false),
            (RecordFiles::None, 0, 10, false),
            (RecordFiles::All, 1 << 20, SMALL_FILE, true),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.jsonl");
            let r = Recorder::open(&path, files).unwrap();
            let (request, answer) = part(offset, len);
            r.record(1, &request, Answer::Result(&answer));
            let stats = r.finish().unwrap();
            let l = lines(&path);
            let bytes = l[1]["response"]["bytes"].as_str().unwrap();
            if kept {
                assert_eq!(bytes.len(), len.div_ceil(3) * 4);
                assert!(l[1].get("synth").is_none());
                assert_eq!(stats.synthesized, 0);
            } else {
                assert_eq!(bytes, "");
                assert_eq!(l[1]["synth"]["len"], len);
                let sha: String = Sha256::digest(vec![0xab; len])
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(l[1]["synth"]["sha256"], sha);
                assert_eq!(stats.synthesized, 1);
            }
        }
    }
}
