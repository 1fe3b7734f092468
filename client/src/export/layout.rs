//! Where the writers put their files: the [`OutputDir`] abstraction, a real
//! directory that writes to temporary names and renames on finish
//! ([`FsDir`]), and an in-memory one for tests ([`MemoryDir`]).
//!
//! Writers never touch the file system themselves: they ask the directory
//! for a file by its path relative to the export root (docs/export-format.md#layout), write
//! it as a stream, and [`OutputFile::finish`] it. A file that is dropped
//! without finishing never appears under its final name.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, mpsc};

/// A file being written.
pub trait OutputFile: Write {
    /// Flushes the file and makes it visible under its final name.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// The export root as the writers see it.
pub trait OutputDir {
    /// Starts writing the file at `relative` (`/`-separated, e.g.
    /// `chats/chat_01/messages.html`), replacing any earlier one on finish.
    fn create(&self, relative: &str) -> io::Result<Box<dyn OutputFile>>;

    /// Waits until every finished file is in place (on disk and under its
    /// final name) and returns the first error met doing so.
    fn settle(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Rejects absolute paths, `..` and empty components, so that untrusted
/// names can never write outside the export root.
pub fn check_relative(relative: &str) -> io::Result<&Path> {
    let path = Path::new(relative);
    let ok = !relative.is_empty()
        && !relative.contains('\\')
        && !relative.contains("//")
        && !relative.ends_with('/')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(path)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a relative export path: {relative:?}"),
        ))
    }
}

/// A directory on disk. Each file is written as `<name>.part` (or with the
/// suffix of [`FsDir::with_temp_suffix`]) next to its final place. Once
/// [`OutputFile::finish`]ed, it is synced to disk and renamed over its
/// final name by a thread of the directory's own ([`Commits`]), so writers
/// never wait for the disk; [`OutputDir::settle`] waits for that.
#[derive(Clone, Debug)]
pub struct FsDir {
    root: PathBuf,
    temp_suffix: String,
    made: Arc<Folders>,
    commits: Arc<Commits>,
}

/// A finished file on its way into place.
enum Job {
    Commit {
        file: fs::File,
        temp: PathBuf,
        target: PathBuf,
    },
    /// Answered once every job before it is done.
    Barrier(mpsc::Sender<()>),
}

/// Files finished but maybe not yet in place: synced (`fdatasync`) and
/// renamed, in the order they were finished, on a thread started with the
/// first one. An fdatasync takes some milliseconds, at times a quarter of a
/// second on a busy disk; a writer that waited for each would hold up the
/// whole export.
#[derive(Debug, Default)]
pub struct Commits {
    jobs: OnceLock<mpsc::SyncSender<Job>>,
    /// The first failure, reported by every later call.
    failed: Arc<Mutex<Option<(io::ErrorKind, String)>>>,
}

/// Files waiting to be synced (each holds an open descriptor).
const COMMITS_QUEUED: usize = 64;

impl Commits {
    /// The first failure so far, as an error.
    fn failure(&self) -> io::Result<()> {
        match &*crate::locked::lock(&self.failed) {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// The queue, its thread started on first use.
    fn queue(&self) -> &mpsc::SyncSender<Job> {
        self.jobs.get_or_init(|| {
            let (tx, rx) = mpsc::sync_channel::<Job>(COMMITS_QUEUED);
            let failed = self.failed.clone();
            std::thread::spawn(move || {
                // Ends when the directory and its clones are gone.
                while let Ok(job) = rx.recv() {
                    match job {
                        Job::Commit { file, temp, target } => {
                            let done = file.sync_data().and_then(|()| fs::rename(&temp, &target));
                            if let Err(e) = done {
                                let _ = fs::remove_file(&temp);
                                let mut failed = crate::locked::lock(&failed);
                                failed.get_or_insert((
                                    e.kind(),
                                    format!("{}: {e}", target.display()),
                                ));
                            }
                        }
                        Job::Barrier(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
            tx
        })
    }

    /// Queues `file` to be synced and renamed from `temp` to `target`;
    /// fails when an earlier file could not be.
    fn commit(&self, file: fs::File, temp: PathBuf, target: PathBuf) -> io::Result<()> {
        self.failure()?;
        self.queue()
            .send(Job::Commit { file, temp, target })
            .map_err(|_| io::Error::other("the file committer stopped"))
    }

    /// Waits for every queued file.
    fn settle(&self) -> io::Result<()> {
        if let Some(queue) = self.jobs.get() {
            let (tx, rx) = mpsc::channel();
            queue
                .send(Job::Barrier(tx))
                .map_err(|_| io::Error::other("the file committer stopped"))?;
            rx.recv()
                .map_err(|_| io::Error::other("the file committer stopped"))?;
        }
        self.failure()
    }
}

/// Folders made (or found) so far: one `mkdir` per folder, not one per file
/// written into it.
#[derive(Debug, Default)]
pub struct Folders(Mutex<HashSet<PathBuf>>);

impl Folders {
    /// Whether `dir` was made already.
    pub fn known(&self, dir: &Path) -> bool {
        crate::locked::lock(&self.0).contains(dir)
    }

    /// Creates `dir` and its parents unless made already.
    pub fn make(&self, dir: &Path) -> io::Result<()> {
        if !self.known(dir) {
            fs::create_dir_all(dir)?;
            crate::locked::lock(&self.0).insert(dir.to_owned());
        }
        Ok(())
    }
}

impl FsDir {
    /// The export root at `root` (created on demand).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            temp_suffix: ".part".into(),
            made: Arc::default(),
            commits: Arc::default(),
        }
    }

    /// Temporary files end in `suffix` instead of `.part`: writers of two
    /// runs into the same root (an abandoned one still unwinding) never
    /// touch each other's files.
    pub fn with_temp_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.temp_suffix = suffix.into();
        self
    }

    /// The export root.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl OutputDir for FsDir {
    fn create(&self, relative: &str) -> io::Result<Box<dyn OutputFile>> {
        let target = self.root.join(check_relative(relative)?);
        if let Some(parent) = target.parent() {
            self.made.make(parent)?;
        }
        let mut temp = target.clone().into_os_string();
        temp.push(&self.temp_suffix);
        let temp = PathBuf::from(temp);
        let file = fs::File::create(&temp)?;
        Ok(Box::new(FsFile {
            out: Some(BufWriter::with_capacity(64 * 1024, file)),
            temp,
            target,
            commits: self.commits.clone(),
        }))
    }

    fn settle(&self) -> io::Result<()> {
        self.commits.settle()
    }
}

/// A file of [`FsDir`].
struct FsFile {
    out: Option<BufWriter<fs::File>>,
    temp: PathBuf,
    target: PathBuf,
    commits: Arc<Commits>,
}

impl Write for FsFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("file already finished"))?
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl OutputFile for FsFile {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let file = match out.into_inner() {
            Ok(file) => file,
            Err(e) => {
                let _ = fs::remove_file(&self.temp);
                return Err(e.into_error());
            }
        };
        let temp = std::mem::take(&mut self.temp);
        let target = std::mem::take(&mut self.target);
        self.commits.commit(file, temp, target)
    }
}

impl Drop for FsFile {
    fn drop(&mut self) {
        // Not finished: leave no half-written file behind.
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// An in-memory export root for tests: finished files by relative path.
#[derive(Clone, Debug, Default)]
pub struct MemoryDir {
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl MemoryDir {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The finished files, by relative path.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        self.lock().clone()
    }

    /// One finished file's contents.
    pub fn get(&self, relative: &str) -> Option<Vec<u8>> {
        self.lock().get(relative).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        crate::locked::lock(&self.files)
    }
}

impl OutputDir for MemoryDir {
    fn create(&self, relative: &str) -> io::Result<Box<dyn OutputFile>> {
        check_relative(relative)?;
        Ok(Box::new(MemoryFile {
            dir: self.clone(),
            path: relative.to_owned(),
            data: Vec::new(),
        }))
    }
}

/// A file of [`MemoryDir`].
struct MemoryFile {
    dir: MemoryDir,
    path: String,
    data: Vec<u8>,
}

impl Write for MemoryFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl OutputFile for MemoryFile {
    fn finish(self: Box<Self>) -> io::Result<()> {
        let MemoryFile { dir, path, data } = *self;
        dir.lock().insert(path, data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_checked() {
        assert!(check_relative("chats/chat_1/messages.html").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/",
            "a\\b",
            "./a",
        ] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fs_files_appear_only_when_finished() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = FsDir::new(tmp.path());
        let mut file = dir.create("a/b.txt").unwrap();
        file.write_all(b"hello").unwrap();
        assert!(!tmp.path().join("a/b.txt").exists());
        file.finish().unwrap();
        dir.settle().unwrap();
        assert_eq!(fs::read(tmp.path().join("a/b.txt")).unwrap(), b"hello");
        assert!(!tmp.path().join("a/b.txt.part").exists());

        let mut dropped = dir.create("a/c.txt").unwrap();
        dropped.write_all(b"partial").unwrap();
        drop(dropped);
        assert!(!tmp.path().join("a/c.txt").exists());
        assert!(!tmp.path().join("a/c.txt.part").exists());
    }

    #[test]
    fn a_file_that_cannot_be_put_in_place_fails_settle_and_later_files() {
        let tmp = tempfile::tempdir().unwrap();
        // A non-empty folder where the file should go: the rename fails.
        fs::create_dir_all(tmp.path().join("taken/inside")).unwrap();
        let dir = FsDir::new(tmp.path());
        let mut file = dir.create("taken").unwrap();
        file.write_all(b"x").unwrap();
        // Queued (nothing failed yet); the failure shows when settling.
        file.finish().unwrap();
        let settled = dir.settle().unwrap_err();
        assert!(settled.to_string().contains("taken"), "{settled}");
        let later = dir.create("later.txt").unwrap();
        assert!(later.finish().is_err());
        assert!(dir.settle().is_err());
        assert!(!tmp.path().join("taken.part").exists());
        assert!(tmp.path().join("taken/inside").is_dir());
    }

    #[test]
    fn settle_waits_for_every_finished_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = FsDir::new(tmp.path());
        dir.settle().unwrap(); // nothing finished yet
        for i in 0..200 {
            let mut file = dir.create(&format!("f/{i}.txt")).unwrap();
            write!(file, "{i}").unwrap();
            file.finish().unwrap();
        }
        dir.settle().unwrap();
        for i in 0..200 {
            let path = tmp.path().join(format!("f/{i}.txt"));
            assert_eq!(fs::read_to_string(path).unwrap(), i.to_string());
        }
        assert_eq!(fs::read_dir(tmp.path().join("f")).unwrap().count(), 200);
    }

    #[test]
    fn memory_dir_keeps_finished_files() {
        let dir = MemoryDir::new();
        let mut file = dir.create("x.json").unwrap();
        file.write_all(b"{}").unwrap();
        assert!(dir.get("x.json").is_none());
        file.finish().unwrap();
        assert_eq!(dir.get("x.json").unwrap(), b"{}");
    }
}
