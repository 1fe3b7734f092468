//! One part of a file: `upload.getFile` on the file's DC, following
//! `FILE_MIGRATE_X` and refreshing the file reference on `FILE_REFERENCE_*`
//! (once per reference, shared by every part of the file), then asking the
//! same offset again. Parts go over the DC's download connections, as the
//! DC's gate allows (`download/gate.rs`); flood waits and transport floods
//! pause the DC and the same offset is asked again, so a dropped
//! connection costs one part, never the file.

use std::sync::Arc;

use tl::{enums, functions};

use super::download::gate::Lease;
use super::download::{Downloader, Fail, Located, Origin, PART, PartState};
use super::error::classify;
use super::refresh::refresh;
use crate::invoke::Decision;
use crate::rpc::InvocationError;
use crate::transport::TransportError;

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
    ) -> Result<(Vec<u8>, Option<Lease>), Fail> {
        for _ in 0..MAX_ATTEMPTS {
            let location = state.lock().await.location.clone();
            let request = get_file(location.input(), offset);
            let error = match self.call_in_dc(location.dc(), &request).await {
                Ok((enums::upload::File::File(f), lease)) => return Ok((f.bytes, lease)),
                Ok((enums::upload::File::CdnRedirect(_), _)) => {
                    return Err(Fail::Skip("CDN redirect".into()));
                }
                Err(e) => e,
            };
            let message = error.rpc().map(|r| r.message()).unwrap_or_default();
            if error.is("TAKEOUT_FILE_EMPTY") && matches!(location, Located::Takeout(_)) {
                return Ok((Vec::new(), None));
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
    ) -> Result<(enums::upload::File, Option<Lease>), InvocationError> {
        if dc == self.inv.client().home_dc() || self.ready.lock().await.contains(&dc) {
            return self.download(dc, request).await;
        }
        let mut ready = self.ready.lock().await;
        let result = self.download(dc, request).await;
        if !matches!(&result, Err(e) if e.rpc().is_none()) {
            ready.insert(dc);
        }
        result
    }

    /// `request` on one of DC `dc`'s download connections, as its gate
    /// allows: flood waits pause the DC and the part is asked again, and
    /// failures the retry policy retries are retried. A lost login on a
    /// file DC goes the client's way (import again, or a new key).
    async fn download(
        &self,
        dc: i32,
        request: &functions::upload::GetFile,
    ) -> Result<(enums::upload::File, Option<Lease>), InvocationError> {
        let client = self.inv.client();
        let wrapped = functions::InvokeWithTakeout {
            takeout_id: self.inv.id(),
            query: request.clone(),
        };
        let (mut attempt, mut floods) = (0, 0);
        loop {
            attempt += 1;
            let lease = self.gates.acquire(dc).await?;
            let error = match client.invoke_download(dc, lease.lane, &wrapped).await {
                Ok(file) => {
                    let bytes = match &file {
                        enums::upload::File::File(f) => f.bytes.len() as u64,
                        enums::upload::File::CdnRedirect(_) => 0,
                    };
                    lease.done(bytes);
                    self.arrived(bytes);
                    return Ok((file, Some(lease)));
                }
                Err(e) => e,
            };
            let relogin = error.is("AUTH_KEY_UNREGISTERED") || crate::invoke::key_forgotten(&error);
            if relogin && dc != client.home_dc() {
                drop(lease);
                let file = self.inv.invoke_in_dc(dc, request).await?;
                return Ok((file, None));
            }
            let decision = match &error {
                // The sender closed under the call (an idle close racing
                // it): ask again.
                InvocationError::Dropped => client
                    .config()
                    .retry
                    .decide(&InvocationError::Io("connection closed".into()), attempt),
                e => client.config().retry.decide(e, attempt),
            };
            match decision {
                Decision::Retry { after, .. } => {
                    if error.is("FLOOD_WAIT") || error.is("FLOOD_PREMIUM_WAIT") {
                        tracing::info!("upload.getFile on DC {dc}: {error}; pausing the DC");
                        lease.flood_wait(after);
                        attempt -= 1; // waits are not failures...
                        floods += 1;
                        if floods > MAX_FLOODS {
                            return Err(error); // ...unless they never end
                        }
                    } else if matches!(
                        error,
                        InvocationError::Transport(TransportError::Status(-429))
                    ) {
                        lease.transport_flood();
                    } else {
                        drop(lease);
                        tracing::info!("upload.getFile on DC {dc}: {error}; retrying in {after:?}");
                        tokio::time::sleep(after).await;
                    }
                }
                Decision::Fail => return Err(error),
            }
        }
    }
}

/// Flood waits waited out for one part.
const MAX_FLOODS: u32 = 64;

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
