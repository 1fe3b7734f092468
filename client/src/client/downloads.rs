//! Download connections: calls on a DC's own file connections (several
//! per DC, each a session of its own on the DC's key, or on the imported
//! authorization on another DC), apart from the connection that carries
//! listing calls. The caller decides which connection carries a call and
//! how many are in use (`takeout/download/controller.rs`); one attempt
//! each, so the caller sees every flood wait. The calls are paced as the
//! files class of their DC (`invoke/pace`), like calls on other connections.

use std::sync::Arc;

use tl::RemoteCall;

use super::Client;
use super::pool::FilePool;
use crate::locked::lock;
use crate::rpc::InvocationError;

impl Client {
    /// One attempt of `request` on download connection `lane` of DC `dc`
    /// (opened if needed; lanes are numbered from 0 below
    /// `ClientConfig::connections_per_dc`). On another DC than the home
    /// one, the account's authorization is imported there first. No retry:
    /// flood waits and connection errors come back to the caller.
    pub async fn invoke_download<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        lane: usize,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        // Paced like every call (the files class of the DC): a flood wait
        // holds every download connection of the DC until it ends.
        let class = crate::invoke::MethodClass::of_request(request);
        let sent_at = self.inner.pacer.acquire(dc, class).await;
        let result = self.send_download(dc, lane, request).await;
        self.paced(dc, class, sent_at, &result);
        result
    }

    /// One send of `request` on download connection `lane` of DC `dc`.
    async fn send_download<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        lane: usize,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let pool = self.downloads(dc).await?;
        let (handle, first) = pool.lane(lane).await?;
        if first {
            let result = handle.invoke(&self.init_connection(request.clone())).await;
            if result.is_err() {
                pool.reset_init(&handle).await;
            }
            result
        } else {
            handle.invoke(request).await
        }
    }

    /// Closes the download connections of DC `dc` from lane `from` on (all
    /// of them with 0); they open again when asked for.
    pub async fn close_downloads(&self, dc: i32, from: usize) {
        let pool = lock(&self.inner.downloads).get(&dc).cloned();
        if let Some(pool) = pool {
            pool.close_from(from).await;
        }
    }

    /// The download pool of `dc`, made when first needed: the DC's key must
    /// exist (the listing pool creates it) and, off the home DC, carry the
    /// imported authorization.
    async fn downloads(&self, dc: i32) -> Result<Arc<FilePool>, InvocationError> {
        if dc != self.home_dc() {
            self.ensure_known(dc).await?;
            self.ensure_authorized(dc).await?;
        }
        let key = lock(&self.inner.session).dcs.get(&dc).map(|d| d.auth_key.0);
        let key = match key {
            Some(key) => key,
            None => {
                self.pool(dc).await?;
                let key = lock(&self.inner.session).dcs.get(&dc).map(|d| d.auth_key.0);
                key.ok_or(InvocationError::InvalidDc(dc))?
            }
        };
        let mut pools = lock(&self.inner.downloads);
        if let Some(pool) = pools.get(&dc).filter(|p| *p.key() == key) {
            return Ok(pool.clone());
        }
        let (config, addr) = self.sender_config(dc)?;
        let size = self.inner.config.connections_per_dc.max(1);
        let pool = Arc::new(FilePool::new(
            config,
            addr,
            self.inner.config.proxy.clone(),
            key,
            size,
        ));
        if let Some(old) = pools.insert(dc, pool.clone()) {
            old.shutdown(); // the DC's key changed
        }
        Ok(pool)
    }
}
