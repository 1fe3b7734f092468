//! The dispatcher: unwraps the `invokeWith*` wrappers recursively, checks
//! the layer, login and takeout, routes the inner method by constructor id
//! (gotd `tgtest` `Dispatcher`), and logs every call.
//!
//! It is pure: the network side hands it a decrypted request body, the
//! connection's DC, the current unix time and the auth key's [`AuthState`],
//! and sends back the [`Reply`] inside an `rpc_result`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tl::json::ToJson;
use tl::{Deserializable, Identifiable};

use crate::net::Reply;
use crate::rng::Rng;
use crate::services::{self, Access, Call, Route, RpcError, srp};
use crate::stats::{CallRecord, Logged, MethodStats, Origin, Stats};
use crate::world::{Index, World, WorldError};

/// The oldest layer whose takeout-path objects equal the served layer's.
pub const MIN_LAYER: i32 = 229;

/// One of the mock's own listeners, advertised by `help.getConfig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcAddr {
    /// The DC id.
    pub id: i32,
    /// The address clients should connect to.
    pub ip: String,
    /// The port.
    pub port: u16,
}

impl DcAddr {
    /// The `dcOption` `help.getConfig` advertises for this listener.
    pub fn to_tl(&self) -> tl::enums::DcOption {
        tl::types::DcOption {
            ipv6: self.ip.contains(':'),
            id: self.id,
            ip_address: self.ip.clone(),
            port: self.port.into(),
            ..Default::default()
        }
        .into()
    }
}

/// What the network side configures.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The mock's listeners, one or more per DC.
    pub dc_options: Vec<DcAddr>,
    /// Page size of `channels.getLeftChannels` (Telegram's is 100... a small
    /// one lets tests exercise paging).
    pub left_channels_page: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            dc_options: Vec::new(),
            left_channels_page: 100,
        }
    }
}

/// Where a login on one auth key stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLogin {
    /// The phone `auth.sendCode` was called with.
    pub phone: String,
    /// The hash `auth.sentCode` gave out.
    pub phone_code_hash: String,
    /// The code was right and the account has 2FA: `auth.checkPassword` next.
    pub password_needed: bool,
    /// The code went by email: `auth.signIn` takes it as
    /// `emailVerificationCode`.
    pub email: bool,
}

/// The per-auth-key state the network side keeps (one per auth key, shared
/// by every connection and session using the key).
#[derive(Clone, Debug, Default)]
pub struct AuthState {
    /// The logged-in user, if any.
    pub user_id: Option<i64>,
    /// The layer named by the last `invokeWithLayer`.
    pub layer: Option<i32>,
    /// Whether `initConnection` was seen.
    pub connection_inited: bool,
    /// A login in progress.
    pub login: Option<PendingLogin>,
    /// The SRP session of the last `account.getPassword`.
    pub srp: Option<srp::Session>,
    /// Takeout ids issued through this key.
    pub takeouts: Vec<i64>,
    /// The QR login token shown, until a "scan" (the next poll).
    pub qr_token: Option<Vec<u8>>,
    /// `auth.exportLoginToken` calls so far (the scan comes after
    /// `qr_scan_after` of them).
    pub qr_polls: u32,
    /// With `qr_scan_after_ms`: when the QR code shown is scanned.
    pub qr_scan_at: Option<std::time::Instant>,
    /// Messages to push to this key's connections later
    /// ([`crate::net::Handler::take_pushes`]).
    pub pushes: Vec<crate::net::Push>,
    /// Right codes answered `PHONE_CODE_EXPIRED` so far.
    pub codes_expired: u32,
    /// `auth.checkPassword` calls answered `SRP_ID_INVALID` so far.
    pub srp_refused: u32,
}

/// One request's context.
#[derive(Debug)]
pub struct RequestCtx<'a> {
    /// The DC of the connection the request came on.
    pub dc_id: i32,
    /// Now, as unix seconds.
    pub now_unix: i32,
    /// The auth key's state.
    pub auth: &'a mut AuthState,
}

/// A request with its wrappers peeled off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peeled {
    /// The inner method's constructor id.
    pub method_id: u32,
    /// The inner method's TL name (`messages.getHistory`), or its id in hex.
    pub method: String,
    /// The wrappers, outermost first (`invokeWithLayer`, ...).
    pub wrappers: Vec<&'static str>,
    /// `invokeWithLayer`'s layer.
    pub layer: Option<i32>,
    /// Whether `initConnection` was among the wrappers.
    pub init_connection: bool,
    /// `invokeWithTakeout`'s id.
    pub takeout: Option<i64>,
    /// `invokeWithMessagesRange`'s `(min_id, max_id)`.
    pub range: Option<(i32, i32)>,
    /// The inner method's bytes.
    pub query: Vec<u8>,
}

/// The name of a constructor id, or its id in hex.
pub fn method_name(id: u32) -> String {
    tl::name_for_id(id).map_or_else(|| format!("{id:08x}"), str::to_owned)
}

/// Peels every `invokeWith*`/`initConnection`/`invokeAfterMsg(s)` wrapper
/// off a request ([`tl::peel`]; pure, the network side can use it to name a
/// call for its fault script).
pub fn peel(request: &[u8]) -> Result<Peeled, RpcError> {
    let p = tl::peel::peel(request).map_err(|e| match e {
        tl::peel::PeelError::TooDeep => RpcError::bad("INPUT_REQUEST_TOO_DEEP"),
        _ => RpcError::undecodable(),
    })?;
    Ok(Peeled {
        method_id: p.method_id,
        method: method_name(p.method_id),
        wrappers: p.wrappers,
        layer: p.layer,
        init_connection: p.init_connection,
        takeout: p.takeout,
        range: p.range,
        query: p.query.to_vec(),
    })
}

/// What the log keeps of a call: method, wrappers, and the query, whose
/// parameters [`logged_params`] makes when the log is read.
fn logged_name(p: &Peeled) -> Logged {
    (
        p.method.clone(),
        p.wrappers.clone(),
        Some((p.method_id, p.query.clone())),
    )
}

/// What the log shows of a call's parameters (secrets redacted, see
/// [`redact`]).
fn logged_params(method_id: u32, query: &[u8]) -> Option<serde_json::Value> {
    let mut params = params_json(method_id, query);
    if let Some(params) = &mut params {
        redact(params);
    }
    params
}

/// What stands in the log for a secret parameter.
pub const REDACTED: &str = "(redacted)";

/// Blanks the parameters that are secrets (login codes, the SRP proof,
/// authorization and login-token bytes), so the request log, which the
/// control plane serves to anyone on loopback, never holds one.
fn redact(params: &mut serde_json::Value) {
    const SECRETS: &[(&str, &[&str])] = &[
        ("auth.signIn", &["phone_code", "email_verification"]),
        ("auth.checkPassword", &["password"]),
        ("auth.importAuthorization", &["bytes"]),
        ("auth.importLoginToken", &["token"]),
    ];
    let Some(method) = params.get("_").and_then(|m| m.as_str()).map(str::to_owned) else {
        return;
    };
    let Some((_, keys)) = SECRETS.iter().find(|(m, _)| *m == method) else {
        return;
    };
    for key in *keys {
        if let Some(value) = params.get_mut(*key) {
            if !value.is_null() {
                *value = serde_json::Value::String(REDACTED.to_owned());
            }
        }
    }
}

fn undecodable() -> Logged {
    ("(undecodable)".to_owned(), Vec::new(), None)
}

/// `$f`'s id, and its query decoded as TL JSON, for each method listed.
macro_rules! params_table {
    ($($f:ty),* $(,)?) => {
        /// The methods whose parameters the log shows (every served one).
        #[cfg(test)]
        const PARAMS_METHODS: &[u32] = &[$(<$f as Identifiable>::CONSTRUCTOR_ID),*];

        /// A query of a method the mock serves as TL JSON, if it decodes.
        pub fn params_json(id: u32, query: &[u8]) -> Option<serde_json::Value> {
            match id {
                $(<$f as Identifiable>::CONSTRUCTOR_ID => {
                    <$f as Deserializable>::from_bytes(query).ok().map(|q| q.to_json())
                })*
                _ => None,
            }
        }
    };
}

params_table!(
    tl::functions::help::GetConfig,
    tl::functions::help::GetNearestDc,
    tl::functions::auth::SendCode,
    tl::functions::auth::SignIn,
    tl::functions::auth::CheckPassword,
    tl::functions::auth::LogOut,
    tl::functions::auth::ExportLoginToken,
    tl::functions::auth::ResendCode,
    tl::functions::auth::ImportLoginToken,
    tl::functions::auth::ExportAuthorization,
    tl::functions::auth::ImportAuthorization,
    tl::functions::account::GetPassword,
    tl::functions::account::InitTakeoutSession,
    tl::functions::account::FinishTakeoutSession,
    tl::functions::account::GetAuthorizations,
    tl::functions::account::GetWebAuthorizations,
    tl::functions::users::GetUsers,
    tl::functions::users::GetFullUser,
    tl::functions::updates::GetState,
    tl::functions::updates::GetDifference,
    tl::functions::messages::GetSplitRanges,
    tl::functions::messages::GetDialogs,
    tl::functions::messages::GetHistory,
    tl::functions::messages::Search,
    tl::functions::messages::GetMessages,
    tl::functions::channels::GetMessages,
    tl::functions::channels::GetLeftChannels,
    tl::functions::messages::GetCustomEmojiDocuments,
    tl::functions::contacts::GetSaved,
    tl::functions::contacts::GetTopPeers,
    tl::functions::photos::GetUserPhotos,
    tl::functions::stories::GetStoriesArchive,
    tl::functions::stories::GetStoriesById,
    tl::functions::upload::GetFile,
);

/// The per-dispatcher state shared by every connection.
pub(crate) struct Shared {
    pub rng: Rng,
    /// user id → its current takeout id (a new one cancels the old one).
    pub takeouts: HashMap<i64, i64>,
    /// Exported authorization bytes → (user id, target DC).
    pub exported: HashMap<Vec<u8>, (i64, i32)>,
    pub stats: Stats,
    /// Dialog lists made lately (`services/dialogs.rs`).
    pub dialog_lists: services::dialogs::ListCache,
    /// When a takeout may start again (`TAKEOUT_INIT_DELAY_X` until then),
    /// set by the control plane.
    pub takeout_delay: Option<std::time::Instant>,
}

/// Serves API requests over one world. `Send + Sync`: share it with `Arc`.
pub struct Dispatcher {
    db: Index,
    config: ServerConfig,
    routes: HashMap<u32, Route>,
    shared: Mutex<Shared>,
    verifier: Option<srp::Verifier>,
}

impl Dispatcher {
    /// A dispatcher over `world` (validated here) advertising `config`.
    pub fn new(world: Arc<World>, config: ServerConfig) -> Result<Self, WorldError> {
        let verifier = world
            .login
            .password
            .as_ref()
            .map(|pw| srp::Verifier::new(pw, &world.login.salt1, &world.login.salt2));
        let seed = world.seed;
        let db = Index::build(world)?;
        services::history::check_corrupt(&db)?;
        let routes = services::routes().into_iter().map(|r| (r.id, r)).collect();
        Ok(Self {
            db,
            config,
            routes,
            shared: Mutex::new(Shared {
                rng: Rng::new(seed ^ 0x5eed_d15b_a7c4_e000),
                takeouts: HashMap::new(),
                exported: HashMap::new(),
                stats: Stats::default(),
                dialog_lists: Default::default(),
                takeout_delay: None,
            }),
            verifier,
        })
    }

    /// The indexed world.
    pub fn index(&self) -> &Index {
        &self.db
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Answers one request (a decrypted `msg.body`).
    pub fn handle(&self, ctx: &mut RequestCtx<'_>, request: &[u8]) -> Reply {
        self.handle_from(ctx, Origin::default(), request)
    }

    /// [`Self::handle`] for a request from `origin` (logged with it).
    pub fn handle_from(&self, ctx: &mut RequestCtx<'_>, origin: Origin, request: &[u8]) -> Reply {
        let (name, result) = match peel(request) {
            Ok(p) => (logged_name(&p), self.serve(ctx, p)),
            Err(e) => (undecodable(), Err(e)),
        };
        let error = result.as_ref().err().map(|e| (e.code, e.message.clone()));
        self.lock()
            .stats
            .record(CallRecord::new(ctx, origin, name, error));
        result.into()
    }

    /// Logs a call a scripted fault answered instead of the dispatcher:
    /// `fault` names it (`rpc_error`, `disconnect`, `bad_server_salt`),
    /// `error` is the rpc_error it answered, if any.
    pub fn record_fault(
        &self,
        ctx: &RequestCtx<'_>,
        origin: Origin,
        request: &[u8],
        fault: &'static str,
        error: Option<(i32, String)>,
    ) {
        let name = peel(request).map_or_else(|_| undecodable(), |p| logged_name(&p));
        let mut record = CallRecord::new(ctx, origin, name, error);
        record.fault = Some(fault);
        self.lock().stats.record(record);
    }

    fn serve(&self, ctx: &mut RequestCtx<'_>, p: Peeled) -> Result<Vec<u8>, RpcError> {
        if let Some(layer) = p.layer {
            // A world's `server.layer` serves that layer only.
            let (min, max) = match self.db.world().server.layer {
                Some(only) => (only, only),
                None => (MIN_LAYER, tl::LAYER),
            };
            if !(min..=max).contains(&layer) {
                return Err(RpcError::bad(format!(
                    "LAYER_NOT_SUPPORTED_SERVED_{min}_{max}"
                )));
            }
            ctx.auth.layer = Some(layer);
        }
        ctx.auth.connection_inited |= p.init_connection;
        let Some(route) = self.routes.get(&p.method_id) else {
            return Err(match tl::name_for_id(p.method_id) {
                Some(name) => RpcError::bad(format!("METHOD_NOT_IMPLEMENTED_{name}")),
                None => RpcError::bad(format!("INPUT_METHOD_INVALID_{:08x}", p.method_id)),
            });
        };
        let user = ctx.auth.user_id;
        if route.access != Access::Public && user.is_none() {
            return Err(RpcError::unregistered());
        }
        if let Some(id) = p.takeout {
            let current = user.and_then(|u| self.lock().takeouts.get(&u).copied());
            if user.is_none() || current != Some(id) {
                return Err(RpcError::bad("TAKEOUT_INVALID"));
            }
        } else if route.access == Access::Takeout {
            return Err(RpcError::new(403, "TAKEOUT_REQUIRED"));
        }
        let mut call = Call {
            db: &self.db,
            config: &self.config,
            ctx,
            takeout: p.takeout,
            range: p.range,
            shared: &self.shared,
            verifier: self.verifier.as_ref(),
        };
        (route.run)(&mut call, &p.query)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Per-method counters since the start (or the last [`Self::reset_stats`]),
    /// and the call log with every call's parameters made.
    pub fn stats(&self) -> Stats {
        let stats = self.lock().stats.clone();
        stats.read(logged_params)
    }

    /// The counters of `method` alone: no copy of the log, none of its
    /// parameters made (see [`Self::stats`]).
    pub fn method_stats(&self, method: &str) -> MethodStats {
        self.lock()
            .stats
            .methods
            .get(method)
            .copied()
            .unwrap_or_default()
    }

    /// Calls seen so far (served or faulted), without a copy of the log.
    pub fn total_calls(&self) -> u64 {
        self.lock().stats.total
    }

    /// From now on `account.initTakeoutSession` answers
    /// `420 TAKEOUT_INIT_DELAY_X` with the seconds left of `seconds`
    /// (counting down); `None` lifts the delay, as a user confirming the
    /// export on another device does.
    pub fn set_takeout_delay(&self, seconds: Option<u32>) {
        self.lock().takeout_delay = seconds
            .map(|s| std::time::Instant::now() + std::time::Duration::from_secs(u64::from(s)));
    }

    /// Clears the counters and the call log.
    pub fn reset_stats(&self) {
        self.lock().stats = Stats::default();
    }

    /// Answers `request` as the world's own user, logged in on DC 2 (for
    /// unit tests of the services).
    #[cfg(test)]
    pub(crate) fn call_as_self<R: tl::RemoteCall>(&self, request: &R) -> R::Return {
        let mut auth = AuthState {
            user_id: Some(self.db.world().self_id),
            ..AuthState::default()
        };
        let mut ctx = RequestCtx {
            dc_id: 2,
            now_unix: 1_700_000_000,
            auth: &mut auth,
        };
        let Reply::Result(bytes) = self.handle(&mut ctx, &request.to_bytes()) else {
            panic!("an answer, not an error")
        };
        R::Return::from_bytes(&bytes).expect("the answer decodes")
    }
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
