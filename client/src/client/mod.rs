//! The client: connections to every DC the account needs, the session
//! file, and the invoke stack (initConnection on new connections, the retry
//! policy, `*_MIGRATE_X`, authorization export/import).
//!
//! ```text
//! Client::invoke(req) ─ retry policy ─┬─ home DC pool ── sender ── socket
//!                                     └─ DC x pool (imported authorization)
//! ```

mod downloads;
mod events;
mod login;
mod pool;
mod rekey;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

pub use events::ClientEvent;
pub use login::{LoginError, LoginToken, PasswordToken, QrLogin, SignIn};
pub use rekey::retired_path;

use crate::auth::KeySet;
use crate::dc::{DEFAULT_DC, DcSession, DcTable, Network, Session, SessionError};
use crate::invoke::RetryPolicy;
use crate::locked::lock;
use crate::net::Socks5Proxy;
use crate::rpc::InvocationError;
use crate::sender::SenderConfig;
use crate::transport::TransportConfig;
use pool::{FilePool, Pool};
use tl::{RemoteCall, functions};

/// Download connections per DC unless configured (`--connections`).
pub const DEFAULT_CONNECTIONS: usize = 8;

/// Bytes of file parts in flight unless configured (64 MiB).
pub const DEFAULT_DOWNLOAD_BUDGET: u64 = 64 * 1024 * 1024;

/// Who the client says it is in `initConnection`.
#[derive(Clone, Debug)]
pub struct AppInfo {
    /// The api_id from my.telegram.org.
    pub api_id: i32,
    /// The api_hash from my.telegram.org. Never logged.
    pub api_hash: String,
    /// `device_model`.
    pub device_model: String,
    /// `system_version`.
    pub system_version: String,
    /// `app_version`.
    pub app_version: String,
    /// `system_lang_code` and `lang_code`.
    pub lang_code: String,
}

impl AppInfo {
    /// This program's identity with the given api credentials.
    pub fn new(api_id: i32, api_hash: impl Into<String>) -> Self {
        Self {
            api_id,
            api_hash: api_hash.into(),
            device_model: "tg-takeout".into(),
            system_version: std::env::consts::OS.into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            lang_code: "en".into(),
        }
    }
}

/// How the client connects.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Production, test, or a custom server.
    pub network: Network,
    /// Identity for `initConnection` and login.
    pub app: AppInfo,
    /// Framing and obfuscation.
    pub transport: TransportConfig,
    /// A SOCKS5 proxy for every connection.
    pub proxy: Option<Socks5Proxy>,
    /// Connect every DC through this address (an MTProxy, which routes by
    /// the DC number in the obfuscated header) instead of the DC's own.
    pub connect_via: Option<std::net::SocketAddr>,
    /// The server RSA keys accepted (Telegram's by default).
    pub keys: KeySet,
    /// Where the session is stored; `None` keeps it in memory.
    pub session_path: Option<PathBuf>,
    /// When to retry failed calls.
    pub retry: RetryPolicy,
    /// Download connections per DC at most ([`Client::invoke_download`]),
    /// besides the one that carries every other call.
    pub connections_per_dc: usize,
    /// Bytes of file parts in flight at most, over every DC (parts are
    /// 1 MiB; `--download-memory`).
    pub download_budget: u64,
    /// Time allowed to connect and create a key.
    pub connect_timeout: Duration,
    /// Records every call and its answer into a transcript (`--record`).
    pub recorder: Option<crate::record::Recorder>,
}

impl ClientConfig {
    /// Defaults for `network` and `app`.
    pub fn new(network: Network, app: AppInfo) -> Self {
        Self {
            network,
            app,
            transport: TransportConfig::default(),
            proxy: None,
            connect_via: None,
            keys: KeySet::telegram(),
            session_path: None,
            retry: RetryPolicy::default(),
            connections_per_dc: DEFAULT_CONNECTIONS,
            download_budget: DEFAULT_DOWNLOAD_BUDGET,
            connect_timeout: Duration::from_secs(15),
            recorder: None,
        }
    }
}

/// Why the client could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The session file could not be read or written.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The session file belongs to another server.
    #[error(
        "the session file is for {found}, but this run connects to {wanted}; use another --session"
    )]
    WrongServer {
        /// The server in the file.
        found: String,
        /// The server asked for.
        wanted: String,
    },
}

/// A connected client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    table: Mutex<DcTable>,
    session: Mutex<Session>,
    /// Per DC, its pool once connected; the lock is held only to find the
    /// cell, so connecting one DC never holds up calls to another.
    pools: Mutex<HashMap<i32, Arc<tokio::sync::OnceCell<Arc<Pool>>>>>,
    /// Per DC, its download connections ([`Client::invoke_download`]).
    downloads: Mutex<HashMap<i32, Arc<FilePool>>>,
    /// Every subscriber of [`Client::events`]; closed ones are dropped on
    /// the next event.
    events: Mutex<Vec<mpsc::UnboundedSender<ClientEvent>>>,
    /// Where the session file went when the home DC forgot its key.
    retired: Mutex<Option<PathBuf>>,
    /// When each DC's and method class's next call may go (`invoke/pace`).
    pacer: crate::invoke::Pacer,
    /// Counts the `updateLoginToken`s of every connection
    /// ([`Client::login_token_updates`]).
    login_token: crate::sender::LoginTokenSignal,
}

/// The session file's name for a network.
fn server_name(network: &Network) -> String {
    match network {
        Network::Production => "production".into(),
        Network::Test => "test".into(),
        Network::Custom(addr) => addr.to_string(),
    }
}

impl Client {
    /// Opens (or creates) the session and prepares connections; nothing is
    /// sent until the first call.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let wanted = server_name(&config.network);
        let session = match &config.session_path {
            Some(path) => Session::load(path)?,
            None => None,
        };
        let session = match session {
            Some(s) if s.server != wanted => {
                return Err(ClientError::WrongServer {
                    found: s.server,
                    wanted,
                });
            }
            Some(s) => s,
            None => Session::new(wanted, DEFAULT_DC),
        };
        let table = DcTable::builtin(&config.network);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                table: Mutex::new(table),
                session: Mutex::new(session),
                pools: Mutex::new(HashMap::new()),
                downloads: Mutex::new(HashMap::new()),
                events: Mutex::new(Vec::new()),
                retired: Mutex::new(None),
                pacer: crate::invoke::Pacer::new(),
                login_token: Arc::new(tokio::sync::watch::Sender::new(0)),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// A copy of the session as it stands.
    pub fn session(&self) -> Session {
        lock(&self.inner.session).clone()
    }

    /// The account's home DC.
    pub fn home_dc(&self) -> i32 {
        lock(&self.inner.session).home_dc
    }

    /// Whether a user is logged in.
    pub fn is_authorized(&self) -> bool {
        lock(&self.inner.session).user.is_some()
    }

    fn update_session(&self, f: impl FnOnce(&mut Session)) -> Result<(), InvocationError> {
        let mut s = lock(&self.inner.session);
        f(&mut s);
        if let Some(path) = &self.inner.config.session_path {
            s.save(path)
                .map_err(|e| InvocationError::Io(e.to_string()))?;
        }
        Ok(())
    }

    /// The pool of DC `dc`, connecting it (and creating its key) if needed.
    /// Callers for the same DC wait for one connect; other DCs do not wait.
    async fn pool(&self, dc: i32) -> Result<Arc<Pool>, InvocationError> {
        let cell = lock(&self.inner.pools).entry(dc).or_default().clone();
        let connect = || Box::pin(self.connect_pool(dc));
        let pool = cell.get_or_try_init(connect).await?;
        Ok(pool.clone())
    }

    /// How connections to DC `dc` are made.
    fn sender_config(
        &self,
        dc: i32,
    ) -> Result<(SenderConfig, std::net::SocketAddr), InvocationError> {
        let addr = match self.inner.config.connect_via {
            Some(via) => via,
            None => lock(&self.inner.table)
                .address(dc)
                .ok_or(InvocationError::InvalidDc(dc))?,
        };
        let cfg = &self.inner.config;
        let mut sender_config = SenderConfig::new(dc);
        sender_config.test_servers = cfg.network == Network::Test;
        sender_config.transport = cfg.transport.clone();
        sender_config.keys = cfg.keys.clone();
        sender_config.connect_timeout = cfg.connect_timeout;
        sender_config.recorder = cfg.recorder.clone();
        sender_config.login_token = Some(self.inner.login_token.clone());
        Ok((sender_config, addr))
    }

    /// Connects the pool of DC `dc` and stores the key it created.
    async fn connect_pool(&self, dc: i32) -> Result<Arc<Pool>, InvocationError> {
        let (sender_config, addr) = self.sender_config(dc)?;
        let key = lock(&self.inner.session).dcs.get(&dc).map(|d| d.auth_key.0);
        let cfg = &self.inner.config;
        let pool = Pool::connect(sender_config, addr, cfg.proxy.clone(), key, 1).await?;
        if let Some(new_key) = pool.created_key {
            self.update_session(|s| {
                s.dcs.insert(
                    dc,
                    DcSession {
                        auth_key: crate::dc::AuthKey(new_key),
                        authorized: false,
                    },
                );
            })?;
        }
        Ok(Arc::new(pool))
    }

    /// The `initConnection` wrapper for the first call of a connection.
    fn init_connection<R: RemoteCall>(
        &self,
        query: R,
    ) -> functions::InvokeWithLayer<functions::InitConnection<R>> {
        let app = &self.inner.config.app;
        functions::InvokeWithLayer {
            layer: tl::LAYER,
            query: functions::InitConnection {
                api_id: app.api_id,
                device_model: app.device_model.clone(),
                system_version: app.system_version.clone(),
                app_version: app.app_version.clone(),
                system_lang_code: app.lang_code.clone(),
                lang_pack: String::new(),
                lang_code: app.lang_code.clone(),
                proxy: None,
                params: None,
                query,
            },
        }
    }

    /// One attempt on DC `dc`, when the pacer lets its method class go
    /// (`rekey.rs` tells the pacer the answer).
    async fn attempt<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let class = crate::invoke::MethodClass::of_request(request);
        let sent_at = self.inner.pacer.acquire(dc, class).await;
        let result = self.send_once(dc, request).await;
        self.paced(dc, class, sent_at, &result);
        result
    }

    /// One send on DC `dc`: the first call of each connection is wrapped
    /// in `invokeWithLayer(initConnection(..))`.
    async fn send_once<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let pool = self.pool(dc).await?;
        let (handle, first) = pool.next();
        if first {
            let init = self.init_connection(request.clone());
            let result = Box::pin(pool::first_call(&handle, &init)).await;
            if result.is_err() {
                pool.reset_init(&handle);
            }
            result
        } else {
            handle.invoke(request).await
        }
    }

    /// Calls `request` on the home DC, following `*_MIGRATE_X` and retrying
    /// as the policy says.
    pub async fn invoke<R: RemoteCall + Clone>(
        &self,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dc = self.home_dc();
            match self.attempt(dc, request).await {
                Ok(v) => return Ok(v),
                Err(e)
                    if e.is("PHONE_MIGRATE") || e.is("USER_MIGRATE") || e.is("NETWORK_MIGRATE") =>
                {
                    let to = e
                        .rpc()
                        .and_then(|r| r.value)
                        .and_then(|v| i32::try_from(v).ok())
                        .unwrap_or(dc);
                    if to == dc || attempt > 3 {
                        return Err(e);
                    }
                    tracing::info!("home DC moves from {dc} to {to}");
                    let known = lock(&self.inner.table).address(to).is_some();
                    if !known {
                        // A custom server starts with one address: ask for the rest.
                        Box::pin(self.refresh_dc_table()).await?;
                    }
                    self.update_session(|s| s.home_dc = to)?;
                }
                Err(e) if crate::invoke::key_forgotten(&e) => {
                    return Err(Box::pin(self.home_key_forgotten(e)).await);
                }
                // A custom server starts with DC 2's address only.
                Err(InvocationError::InvalidDc(d)) if d == dc && attempt == 1 => {
                    Box::pin(self.learn_dcs_from_default()).await?;
                }
                Err(e) => Box::pin(self.backoff_or_fail(e, attempt)).await?,
            }
        }
    }

    /// Calls `request` on DC `dc`, importing the account's authorization
    /// there first if needed (file downloads from another DC).
    pub async fn invoke_in_dc<R: RemoteCall + Clone>(
        &self,
        dc: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        if dc == self.home_dc() {
            return self.invoke(request).await;
        }
        self.ensure_known(dc).await?;
        self.ensure_authorized(dc).await?;
        let mut attempt = 0;
        let mut rekeyed = false;
        loop {
            attempt += 1;
            match self.attempt(dc, request).await {
                Ok(v) => return Ok(v),
                Err(e) if e.is("AUTH_KEY_UNREGISTERED") && attempt == 1 => {
                    self.update_session(|s| {
                        if let Some(d) = s.dcs.get_mut(&dc) {
                            d.authorized = false;
                        }
                    })?;
                    self.ensure_authorized(dc).await?;
                }
                // Once: a DC that forgets every new key is not worth a loop.
                Err(e) if crate::invoke::key_forgotten(&e) && !rekeyed => {
                    rekeyed = true;
                    self.rekey(dc).await?;
                }
                Err(e) => self.backoff_or_fail(e, attempt).await?,
            }
        }
    }

    /// Asks `help.getConfig` for the DC table when `dc` is not in it (a
    /// custom server starts with one address).
    async fn ensure_known(&self, dc: i32) -> Result<(), InvocationError> {
        let known = self.inner.config.connect_via.is_some()
            || lock(&self.inner.table).address(dc).is_some();
        if !known {
            self.refresh_dc_table().await?;
            if lock(&self.inner.table).address(dc).is_none() {
                return Err(InvocationError::InvalidDc(dc));
            }
        }
        Ok(())
    }

    /// Exports the authorization from the home DC and imports it on `dc`.
    async fn ensure_authorized(&self, dc: i32) -> Result<(), InvocationError> {
        let done = lock(&self.inner.session)
            .dcs
            .get(&dc)
            .is_some_and(|d| d.authorized);
        if done {
            return Ok(());
        }
        let tl::enums::auth::ExportedAuthorization::ExportedAuthorization(exported) = self
            .invoke(&functions::auth::ExportAuthorization { dc_id: dc })
            .await?;
        let import = functions::auth::ImportAuthorization {
            id: exported.id,
            bytes: exported.bytes,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(dc, &import).await {
                Ok(_) => break,
                Err(e) => self.backoff_or_fail(e, attempt).await?,
            }
        }
        self.update_session(|s| {
            if let Some(d) = s.dcs.get_mut(&dc) {
                d.authorized = true;
            }
        })
    }

    /// Replaces the DC table with what `help.getConfig` says.
    pub async fn refresh_dc_table(&self) -> Result<(), InvocationError> {
        let config = self.invoke(&functions::help::GetConfig {}).await?;
        lock(&self.inner.table).update_from_config(&config);
        Ok(())
    }

    /// Closes every connection.
    pub async fn disconnect(&self) {
        let pools: Vec<_> = lock(&self.inner.pools).drain().collect();
        for (_, cell) in pools {
            if let Some(pool) = cell.get() {
                pool.shutdown();
            }
        }
        let downloads: Vec<_> = lock(&self.inner.downloads).drain().collect();
        for (_, pool) in downloads {
            pool.shutdown();
        }
    }
}
