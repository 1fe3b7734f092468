//! Where the writers put their files: the [`OutputDir`] abstraction, a real
//! directory that writes to temporary names and renames on finish
//! ([`FsDir`]), and an in-memory one for tests ([`MemoryDir`]).
//!
//! Writers never touch the file system themselves: they ask the directory
//! for a file by its path relative to the export root (takeout.md C), write
//! it as a stream, and [`OutputFile::finish`] it. A file that is dropped
//! without finishing never appears under its final name.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

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
/// suffix of [`FsDir::with_temp_suffix`]) next to its final place and
/// renamed over it by [`OutputFile::finish`].
#[derive(Clone, Debug)]
pub struct FsDir {
    root: PathBuf,
    temp_suffix: String,
    made: Arc<Folders>,
}

/// Folders made (or found) so far: one `mkdir` per folder, not one per file
/// written into it.
#[derive(Debug, Default)]
pub struct Folders(Mutex<HashSet<PathBuf>>);

impl Folders {
    /// Whether `dir` was made already.
    pub fn known(&self, dir: &Path) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(dir)
    }

    /// Creates `dir` and its parents unless made already.
    pub fn make(&self, dir: &Path) -> io::Result<()> {
        if !self.known(dir) {
            fs::create_dir_all(dir)?;
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(dir.to_owned());
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
        }))
    }
}

/// A file of [`FsDir`].
struct FsFile {
    out: Option<BufWriter<fs::File>>,
    temp: PathBuf,
    target: PathBuf,
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
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_data()?;
        }
        fs::rename(&self.temp, &self.target)
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
        self.files.lock().unwrap_or_else(|e| e.into_inner())
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
        assert_eq!(fs::read(tmp.path().join("a/b.txt")).unwrap(), b"hello");
        assert!(!tmp.path().join("a/b.txt.part").exists());

        let mut dropped = dir.create("a/c.txt").unwrap();
        dropped.write_all(b"partial").unwrap();
        drop(dropped);
        assert!(!tmp.path().join("a/c.txt").exists());
        assert!(!tmp.path().join("a/c.txt.part").exists());
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
