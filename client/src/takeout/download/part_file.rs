//! The temporary file of a download, written part by part at offsets on
//! the blocking pool.

use std::path::Path;
use std::sync::Arc;

/// The temporary file of a download. Each part is written at its offset on
/// the blocking pool straight from the part's own buffer (`tokio::fs::File`
/// would copy every part once more).
pub(super) struct PartFile(Arc<std::fs::File>);

impl PartFile {
    pub(super) async fn create(path: &Path) -> std::io::Result<Self> {
        let path = path.to_owned();
        let file = blocking(move || std::fs::File::create(path)).await?;
        Ok(Self(Arc::new(file)))
    }

    /// Writes all of `bytes` at `offset`.
    pub(super) async fn write_at(&self, offset: u64, bytes: Vec<u8>) -> std::io::Result<()> {
        let file = self.0.clone();
        blocking(move || write_all_at(&file, &bytes, offset)).await
    }
}

/// `f` on tokio's blocking pool.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

#[cfg(unix)]
fn write_all_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    file.seek(std::io::SeekFrom::Start(offset))?;
    file.write_all(bytes)
}
