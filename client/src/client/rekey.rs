//! Recovering from a failed call: the retry policy applied
//! ([`Client::backoff_or_fail`]) and the pacer told of each answer
//! ([`Client::paced`]), and a key the server forgot (transport error `-404` on a stored key,
//! <https://core.telegram.org/mtproto/mtproto-transports#transport-errors>):
//! on a file DC the client drops that key, creates a new one and imports
//! the authorization again; on the home DC the login is gone, so the
//! session file is set aside (renamed, for inspection) and the user must
//! log in again.

use std::path::PathBuf;

use super::{Client, ClientEvent};
use crate::invoke::{Decision, MethodClass, RetryReason};
use crate::rpc::InvocationError;
use crate::transport::TransportError;

/// The name a session file is renamed to when its home DC forgot its key:
/// `session.json` → `session.json.key-forgotten` (an older one of that name
/// is replaced).
pub fn retired_path(path: &std::path::Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".key-forgotten");
    PathBuf::from(name)
}

impl Client {
    /// Tells the pacer if the call of `class` sent at `sent_at` to DC `dc`
    /// was answered with a flood wait (or cut by a transport flood, `-429`). One the policy waits out pauses the whole
    /// class (`invoke/pace`); the user is told once per pause, not once per
    /// call that waits in it.
    pub(super) fn paced<T>(
        &self,
        dc: i32,
        class: MethodClass,
        sent_at: std::time::Instant,
        result: &Result<T, InvocationError>,
    ) {
        let Err(error) = result else { return };
        let retry = &self.inner.config.retry;
        if matches!(
            error,
            InvocationError::Transport(TransportError::Status(-429))
        ) {
            let pacer = &self.inner.pacer;
            if let Some(after) = pacer.on_transport_flood(dc, class, sent_at, retry.flood_margin) {
                tracing::info!("{error}; {} calls of DC {dc} wait {after:?}", class.name());
            }
            return;
        }
        let Some(rpc) = error.rpc() else { return };
        let Decision::Retry {
            reason: reason @ RetryReason::FloodWait { seconds },
            ..
        } = retry.decide(error, 1)
        else {
            return;
        };
        let margin = retry.flood_margin;
        let pacer = &self.inner.pacer;
        if let Some(after) = pacer.on_flood_wait(dc, class, sent_at, seconds, margin) {
            let request = rpc.caused_by.unwrap_or("request");
            tracing::info!("{request}: {error}; {} calls wait {after:?}", class.name());
            self.emit(ClientEvent::Retrying {
                request,
                reason,
                after,
            });
        }
    }

    /// Sleeps as the retry policy says after `attempt` failed with `error`,
    /// or gives `error` back when the policy gives up. A flood wait is not
    /// slept here: the pacer holds the next attempt (see [`Self::paced`]).
    pub(super) async fn backoff_or_fail(
        &self,
        error: InvocationError,
        attempt: u32,
    ) -> Result<(), InvocationError> {
        match self.inner.config.retry.decide(&error, attempt) {
            Decision::Retry {
                reason: RetryReason::FloodWait { .. },
                ..
            } => Ok(()),
            Decision::Retry { after, reason } => {
                let request = error.rpc().and_then(|r| r.caused_by).unwrap_or("request");
                tracing::info!("{request}: {error}; retrying in {after:?}");
                self.emit(ClientEvent::Retrying {
                    request,
                    reason,
                    after,
                });
                tokio::time::sleep(after).await;
                Ok(())
            }
            Decision::Fail => Err(error),
        }
    }

    /// Asks the first DC (the one address a custom server starts with) for
    /// the DC table: the account's home DC is elsewhere and unknown yet.
    pub(super) async fn learn_dcs_from_default(&self) -> Result<(), InvocationError> {
        let request = tl::functions::help::GetConfig {};
        let config = self.attempt(crate::dc::DEFAULT_DC, &request).await?;
        self.inner
            .table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .update_from_config(&config);
        Ok(())
    }

    /// Closes the connections of `dc` (its download connections too).
    async fn drop_pool(&self, dc: i32) {
        let cell = crate::locked::lock(&self.inner.pools).remove(&dc);
        if let Some(pool) = cell.as_ref().and_then(|c| c.get()) {
            pool.shutdown();
        }
        let downloads = crate::locked::lock(&self.inner.downloads).remove(&dc);
        if let Some(pool) = downloads {
            pool.shutdown();
        }
    }

    /// DC `dc` (not the home DC) forgot our key: drops it, creates a new one
    /// and imports the authorization there again.
    pub(super) async fn rekey(&self, dc: i32) -> Result<(), InvocationError> {
        tracing::warn!("DC {dc} no longer knows this session's key; creating a new one");
        self.drop_pool(dc).await;
        self.update_session(|s| {
            s.dcs.remove(&dc);
        })?;
        self.ensure_authorized(dc).await
    }

    /// The home DC forgot our key: the login is gone. The session file is
    /// renamed (see [`retired_path`]), the in-memory session forgets the
    /// login, and `error` is given back for the caller to report.
    pub(super) async fn home_key_forgotten(&self, error: InvocationError) -> InvocationError {
        let home = self.home_dc();
        tracing::warn!("the home DC {home} no longer knows this session's key");
        self.drop_pool(home).await;
        if let Some(path) = &self.inner.config.session_path {
            let to = retired_path(path);
            match std::fs::rename(path, &to) {
                Ok(()) => *self.lock_retired() = Some(to),
                Err(e) => tracing::warn!("cannot rename {}: {e}", path.display()),
            }
        }
        if let Ok(mut s) = self.inner.session.lock() {
            s.user = None;
            s.dcs.clear();
        }
        error
    }

    fn lock_retired(&self) -> std::sync::MutexGuard<'_, Option<PathBuf>> {
        self.inner.retired.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the session file was moved after the home DC forgot its key,
    /// if it was.
    pub fn retired_session(&self) -> Option<PathBuf> {
        self.lock_retired().clone()
    }
}
