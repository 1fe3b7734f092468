//! One part of a file: `upload.getFile` on the file's DC, following
//! `FILE_MIGRATE_X` and refreshing the file reference on `FILE_REFERENCE_*`
//! (once per reference, shared by every part of the file), then asking the
//! same offset again.

use std::sync::Arc;

use tl::{enums, functions};

use super::download::{Downloader, Fail, Located, Origin, PART, PartState, cancelled};
use super::error::classify;
use super::refresh::refresh;
use crate::rpc::InvocationError;

/// Attempts of one part (migrations and reference refreshes).
const MAX_ATTEMPTS: u32 = 6;

impl Downloader {
    /// One part at `offset`, following migrations and refreshing the file
    /// reference (once per reference, shared by the file's parts).
    pub(super) async fn part(
        self: Arc<Self>,
        state: Arc<tokio::sync::Mutex<PartState>>,
        origin: Origin,
        offset: i64,
    ) -> Result<Vec<u8>, Fail> {
        let _permit = self.requests.acquire().await.map_err(|_| cancelled())?;
        for _ in 0..MAX_ATTEMPTS {
            let location = state.lock().await.location.clone();
            let request = get_file(location.input(), offset);
            let error = match self.call_in_dc(location.dc(), &request).await {
                Ok(enums::upload::File::File(f)) => return Ok(f.bytes),
                Ok(enums::upload::File::CdnRedirect(_)) => {
                    return Err(Fail::Skip("CDN redirect".into()));
                }
                Err(e) => e,
            };
            let message = error.rpc().map(|r| r.message()).unwrap_or_default();
            if error.is("TAKEOUT_FILE_EMPTY") && matches!(location, Located::Takeout(_)) {
                return Ok(Vec::new());
            } else if error.is("FILE_MIGRATE") {
                let dc = error
                    .rpc()
                    .and_then(|r| r.value)
                    .and_then(|v| i32::try_from(v).ok());
                let Some(dc) = dc else {
                    return Err(Fail::Skip(message));
                };
                state.lock().await.location.set_dc(dc);
            } else if error.is("FILE_REFERENCE_*") {
                let mut s = state.lock().await;
                if s.location != location {
                    continue; // another part refreshed it already
                }
                s.refreshes += 1;
                if s.refreshes > MAX_REFRESHES {
                    return Err(Fail::Skip(message));
                }
                let Located::File(file) = &mut s.location else {
                    continue; // nothing to refresh: ask again
                };
                match refresh(&self.inv, &origin, &file.key()).await {
                    Ok(Some(reference)) => file.file_reference = reference,
                    Ok(None) => {
                        return Err(Fail::Skip(format!(
                            "{message}; the file is gone from its message"
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
            } else {
                return Err(classify(error).into());
            }
        }
        Err(Fail::Skip("too many migrations or refreshes".into()))
    }

    /// A call on DC `dc`; the first call to each other DC goes alone, so
    /// the authorization is imported there once.
    async fn call_in_dc(
        &self,
        dc: i32,
        request: &functions::upload::GetFile,
    ) -> Result<enums::upload::File, InvocationError> {
        if dc == self.inv.client().home_dc() {
            return self.inv.invoke_in_dc(dc, request).await;
        }
        if self.ready.lock().await.contains(&dc) {
            return self.inv.invoke_in_dc(dc, request).await;
        }
        let mut ready = self.ready.lock().await;
        let result = self.inv.invoke_in_dc(dc, request).await;
        if !matches!(&result, Err(e) if e.rpc().is_none()) {
            ready.insert(dc);
        }
        result
    }
}

/// Reference refreshes per file.
const MAX_REFRESHES: u32 = 2;

/// `upload.getFile` for one part.
fn get_file(location: enums::InputFileLocation, offset: i64) -> functions::upload::GetFile {
    functions::upload::GetFile {
        precise: false,
        cdn_supported: false,
        location,
        offset,
        limit: PART as i32,
    }
}
