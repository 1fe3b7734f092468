//! The resume journal: every file completely downloaded into the export is
//! recorded (one JSON line per file in the work folder), so a rerun into
//! the same folder after an interruption keeps those files instead of
//! downloading them again.
//!
//! File paths are decided in a fixed order from the account's data, so a
//! rerun gives each file the same path, and the finished export is
//! byte-identical to one that was never interrupted. A file is kept only
//! when the same remote file was written at the same path with the same
//! length; messages and pages are fetched again (they are small).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::export::model::{FileKey, FileKind};

/// The journal's file name in the work folder.
pub const JOURNAL: &str = "downloaded.jsonl";

/// One journal line: dc, kind (`photo`/`document`), id, thumb, size, path.
type Line = super::state::FileLine;

/// Files by key: path and size.
type Done = HashMap<FileKey, (String, u64)>;

/// The files of the lines of `path` (none if it is missing); whether its
/// last line was cut.
fn load(path: &Path) -> io::Result<(Done, bool)> {
    let mut done = HashMap::new();
    let mut torn = false;
    if let Ok(file) = File::open(path) {
        for line in BufReader::new(file).split(b'\n') {
            let line = String::from_utf8(line?).unwrap_or_default();
            torn = !line.is_empty();
            // A line cut by a crash is ignored.
            let Ok((dc_id, kind, id, thumb_size, size, file)) = serde_json::from_str::<Line>(&line)
            else {
                continue;
            };
            let kind = match kind.as_str() {
                "photo" => FileKind::Photo,
                _ => FileKind::Document,
            };
            let key = FileKey {
                dc_id,
                kind,
                id,
                thumb_size,
            };
            done.insert(key, (file, size));
        }
    }
    Ok((done, torn))
}

/// The previous export of an update: its folder and its file index.
#[derive(Debug)]
struct Prev {
    root: PathBuf,
    files: Done,
}

/// Files finished by this export or an interrupted run of it.
#[derive(Debug)]
pub struct Journal {
    root: PathBuf,
    done: Done,
    prev: Option<Prev>,
    out: Mutex<File>,
}

impl Journal {
    /// Opens the journal in `work` (created if missing) for the export
    /// `root`; for an update, `prev` is the previous export's folder,
    /// whose files are reused by key and size.
    pub fn open(root: &Path, work: &Path, prev: Option<&Path>) -> io::Result<Self> {
        let path = work.join(JOURNAL);
        let (done, torn) = load(&path)?;
        let prev = match prev {
            Some(prev) => {
                let index = prev.join(super::state::STATE_DIR).join(super::state::FILES);
                Some(Prev {
                    root: prev.to_owned(),
                    files: load(&index)?.0,
                })
            }
            None => None,
        };
        let mut out = OpenOptions::new().create(true).append(true).open(&path)?;
        if torn {
            // The last line was cut by a crash: end it, so new lines stay
            // whole.
            out.write_all(b"\n")?;
        }
        Ok(Self {
            root: root.to_owned(),
            done,
            prev,
            out: Mutex::new(out),
        })
    }

    /// The length of `key` if an earlier run finished it at `path` and it
    /// is still there, whole; or, in an update, if the previous export
    /// holds it whole (it is then linked, or copied, to `path`).
    pub fn finished(&self, key: &FileKey, path: &str) -> Option<u64> {
        let len = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
        if let Some((at, size)) = self.done.get(key) {
            if at == path && len(&self.root.join(path)) == Some(*size) {
                return Some(*size);
            }
        }
        let prev = self.prev.as_ref()?;
        let (at, size) = prev.files.get(key)?;
        let from = prev.root.join(at);
        if len(&from) != Some(*size) {
            return None;
        }
        let to = self.root.join(path);
        let linked = (|| {
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir)?;
            }
            match std::fs::remove_file(&to) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)?;
            }
            self.record(key, path, *size)
        })();
        linked.ok().map(|()| *size)
    }

    /// Records that `key` was written at `path` with `size` bytes.
    pub fn record(&self, key: &FileKey, path: &str, size: u64) -> io::Result<()> {
        let kind = match key.kind {
            FileKind::Photo => "photo",
            FileKind::Document => "document",
        };
        let line: Line = (
            key.dc_id,
            kind.into(),
            key.id,
            key.thumb_size.clone(),
            size,
            path.into(),
        );
        let mut text = serde_json::to_string(&line).map_err(io::Error::other)?;
        text.push('\n');
        let mut out = crate::locked::lock(&self.out);
        out.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: i64, thumb: &str) -> FileKey {
        FileKey {
            dc_id: 2,
            kind: FileKind::Photo,
            id,
            thumb_size: thumb.into(),
        }
    }

    #[test]
    fn finished_files_survive_a_reopen_when_still_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, work) = (tmp.path(), tmp.path().join("work"));
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(root.join("photos")).unwrap();
        std::fs::write(root.join("photos/a.jpg"), b"12345").unwrap();
        std::fs::write(root.join("photos/b.jpg"), b"12").unwrap();
        let journal = Journal::open(root, &work, None).unwrap();
        assert_eq!(journal.finished(&key(1, "x"), "photos/a.jpg"), None);
        journal.record(&key(1, "x"), "photos/a.jpg", 5).unwrap();
        journal.record(&key(2, "\t\"y"), "photos/b.jpg", 9).unwrap();
        drop(journal);
        // A torn last line is ignored.
        let mut f = OpenOptions::new()
            .append(true)
            .open(work.join(JOURNAL))
            .unwrap();
        f.write_all(b"[2,\"photo\",3").unwrap();
        let journal = Journal::open(root, &work, None).unwrap();
        std::fs::write(root.join("photos/c.jpg"), b"123").unwrap();
        journal.record(&key(3, ""), "photos/c.jpg", 3).unwrap();
        drop(journal);
        let journal = Journal::open(root, &work, None).unwrap();
        assert_eq!(journal.finished(&key(3, ""), "photos/c.jpg"), Some(3));
        assert_eq!(journal.finished(&key(1, "x"), "photos/a.jpg"), Some(5));
        assert_eq!(journal.finished(&key(1, "x"), "photos/other.jpg"), None);
        assert_eq!(journal.finished(&key(1, "y"), "photos/a.jpg"), None);
        // Recorded as 9 bytes, but 2 on disk: downloaded again.
        assert_eq!(journal.finished(&key(2, "\t\"y"), "photos/b.jpg"), None);
    }

    #[test]
    fn an_update_links_the_previous_exports_files_by_key_and_size() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("export");
        let work = root.join(".tg-takeout");
        let prev = work.join("prev");
        let state = prev.join(crate::takeout::state::STATE_DIR);
        std::fs::create_dir_all(&state).unwrap();
        std::fs::create_dir_all(prev.join("chats/chat_1/photos")).unwrap();
        std::fs::write(prev.join("chats/chat_1/photos/a.jpg"), b"12345").unwrap();
        std::fs::write(prev.join("b.jpg"), b"12").unwrap();
        std::fs::write(
            state.join(crate::takeout::state::FILES),
            "[2,\"photo\",1,\"x\",5,\"chats/chat_1/photos/a.jpg\"]\n\
             [2,\"photo\",2,\"x\",9,\"b.jpg\"]\n",
        )
        .unwrap();
        let journal = Journal::open(&root, &work, Some(&prev)).unwrap();
        // Renumbered chat folder: linked to the new place.
        let at = "chats/chat_2/photos/a.jpg";
        assert_eq!(journal.finished(&key(1, "x"), at), Some(5));
        assert_eq!(std::fs::read(root.join(at)).unwrap(), b"12345");
        // Another size on disk than recorded, or unknown: downloaded.
        assert_eq!(journal.finished(&key(2, "x"), "b.jpg"), None);
        assert_eq!(journal.finished(&key(3, "x"), "c.jpg"), None);
        drop(journal);
        // Recorded in this export's journal: kept on a rerun.
        let journal = Journal::open(&root, &work, None).unwrap();
        assert_eq!(journal.finished(&key(1, "x"), at), Some(5));
    }
}
