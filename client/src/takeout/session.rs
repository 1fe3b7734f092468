//! The takeout session (docs/takeout.md#session), gotd-style: a
//! [`TakeoutInvoker`] that wraps every call in `invokeWithTakeout` (and in
//! `invokeWithMessagesRange` for split-range calls), and [`run`], which
//! opens the session, runs the export and always closes it with
//! `account.finishTakeoutSession`, `success` only when the export completed.
//!
//! Stopping (README "Stopping and resuming"): once the [`Start::stop`] token
//! is cancelled the invoker starts no new request (it answers
//! [`InvocationError::Dropped`], which every step treats as fatal, so the
//! export ends and drops the requests in flight), and [`run`] closes the session with
//! `success = false` and returns [`TakeoutError::Interrupted`].

use std::future::Future;
use std::time::Duration;

use tl::{RemoteCall, enums, functions};
use tokio_util::sync::CancellationToken;

use super::error::{TakeoutError, fatal};
use crate::Client;
use crate::rpc::InvocationError;
pub use wait::{DelayWait, RECHECK_EVERY};

mod wait;

/// Calls inside one takeout session. Cheap to clone.
#[derive(Clone)]
pub struct TakeoutInvoker {
    client: Client,
    id: i64,
    stop: CancellationToken,
}

impl std::fmt::Debug for TakeoutInvoker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TakeoutInvoker")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl TakeoutInvoker {
    /// Calls inside the takeout session `id` of `client`.
    pub fn new(client: Client, id: i64) -> Self {
        Self::stopped_by(client, id, CancellationToken::new())
    }

    /// [`TakeoutInvoker::new`] that starts no new request once `stop` is
    /// cancelled.
    pub fn stopped_by(client: Client, id: i64, stop: CancellationToken) -> Self {
        Self { client, id, stop }
    }

    /// Whether the export was told to stop.
    pub fn stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// `Err(Dropped)` once stopping: no new request starts then.
    fn may_start(&self) -> Result<(), InvocationError> {
        if self.stopping() {
            return Err(InvocationError::Dropped);
        }
        Ok(())
    }

    /// The takeout id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `invokeWithTakeout(id, request)` on the home DC.
    pub async fn invoke<R: RemoteCall + Clone>(
        &self,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        self.may_start()?;
        self.client.invoke(&self.wrap(request.clone())).await
    }

    /// `invokeWithTakeout(id, invokeWithMessagesRange(range, request))`.
    pub async fn invoke_in_range<R: RemoteCall + Clone>(
        &self,
        range: &enums::MessageRange,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        self.may_start()?;
        let ranged = functions::InvokeWithMessagesRange {
            range: range.clone(),
            query: request.clone(),
        };
        self.client.invoke(&self.wrap(ranged)).await
    }

    /// `invokeWithTakeout(id, request)` on DC `dc` (file downloads).
    pub async fn invoke_in_dc<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        self.may_start()?;
        self.client
            .invoke_in_dc(dc, &self.wrap(request.clone()))
            .await
    }

    /// `request` inside `invokeWithTakeout` (taken by value, so that a
    /// wrapped request is cloned once in all).
    fn wrap<R: RemoteCall>(&self, request: R) -> functions::InvokeWithTakeout<R> {
        functions::InvokeWithTakeout {
            takeout_id: self.id,
            query: request,
        }
    }
}

/// How [`run`] opens the session.
pub struct Start<'a> {
    /// `account.initTakeoutSession` with the plan's flags.
    pub init: functions::account::InitTakeoutSession,
    /// On `TAKEOUT_INIT_DELAY_X`: wait until then and carry on, instead of
    /// failing with [`TakeoutError::Delayed`].
    pub wait_for_delay: bool,
    /// The clock, for the time the delay ends.
    pub now_unix: fn() -> i64,
    /// Formats that time for the error message (local date and time).
    pub format_time: &'a (dyn Fn(i64) -> String + Sync),
    /// Told how long the wait is, when waiting.
    pub on_wait: &'a (dyn Fn(u64) + Sync),
    /// While waiting out a delay: how often to ask again.
    pub recheck_every: Duration,
    /// Cancelled to stop: no new request starts, the session is closed.
    pub stop: CancellationToken,
}

/// Opens the takeout session: on `TAKEOUT_INIT_DELAY_X` with
/// [`Start::wait_for_delay`], asks again every [`Start::recheck_every`]
/// (the user may approve the export on another device before the delay
/// ends), as [`DelayWait`] decides.
async fn init(client: &Client, start: &Start<'_>) -> Result<i64, TakeoutError> {
    let mut wait = DelayWait::new(start.recheck_every);
    loop {
        if start.stop.is_cancelled() {
            return Err(TakeoutError::Interrupted);
        }
        match client.invoke(&start.init).await {
            Ok(enums::account::Takeout::Takeout(t)) => return Ok(t.id),
            Err(e) if e.is("TAKEOUT_INIT_DELAY") => {
                let seconds = e.rpc().and_then(|r| r.value).unwrap_or(0);
                let until_unix = (start.now_unix)() + i64::from(seconds);
                let next = if start.wait_for_delay {
                    wait.on_delay(seconds)
                } else {
                    None
                };
                let Some(next) = next else {
                    return Err(TakeoutError::Delayed {
                        until_unix,
                        at: (start.format_time)(until_unix),
                    });
                };
                (start.on_wait)(u64::from(seconds));
                tokio::select! {
                    () = tokio::time::sleep(next) => {}
                    () = start.stop.cancelled() => return Err(TakeoutError::Interrupted),
                }
            }
            Err(e) => return Err(fatal(e)),
        }
    }
}

/// Runs `export` inside a takeout session: `account.initTakeoutSession`,
/// then `export`, then `account.finishTakeoutSession` (wrapped in the
/// session) whatever happened, with `success` only when `export` succeeded.
/// An error of `export` wins over an error of finishing.
pub async fn run<T, F, Fut>(client: &Client, start: Start<'_>, export: F) -> Result<T, TakeoutError>
where
    F: FnOnce(TakeoutInvoker) -> Fut,
    Fut: Future<Output = Result<T, TakeoutError>>,
{
    let id = init(client, &start).await?;
    let invoker = TakeoutInvoker::stopped_by(client.clone(), id, start.stop.clone());
    let mut guard = FinishGuard(Some(invoker.clone()));
    let mut result = export(invoker.clone()).await;
    guard.0 = None;
    if result.is_err() && invoker.stopping() {
        // Whatever failed first, it failed because no request may start.
        result = Err(TakeoutError::Interrupted);
    }
    let finish = functions::account::FinishTakeoutSession {
        success: result.is_ok(),
    };
    // Sent even when stopping: the one request after the stop.
    if let Err(e) = client.invoke(&invoker.wrap(finish)).await {
        // The export's own outcome stands: its files are complete (or its
        // error says why not) whether or not the server heard the end.
        tracing::warn!("account.finishTakeoutSession failed: {e}");
    }
    result
}

/// Sends `account.finishTakeoutSession` without `success` when the export
/// is dropped half-way (the user cancelled), as Telegram Desktop does.
struct FinishGuard(Option<TakeoutInvoker>);

impl Drop for FinishGuard {
    fn drop(&mut self) {
        let Some(invoker) = self.0.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let finish = functions::account::FinishTakeoutSession { success: false };
                let _ = invoker.client.invoke(&invoker.wrap(finish)).await;
            });
        }
    }
}
