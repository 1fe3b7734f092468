//! A whole mock server in one call: the world's [`Dispatcher`] behind a
//! fault script, served on one port per DC, with the optional HTTP control
//! plane. The world can be replaced while it runs (logins survive).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use crate::control::{self, Control};
use crate::dispatch::{self, AuthState, DcAddr, Dispatcher, RequestCtx};
use crate::net::{self, Bound, FaultScript, Faulty, ListenConfig, MockServer};
use crate::stats::{CallRecord, Origin};
use crate::world::{World, WorldError};

/// The API side: the current world's dispatcher.
pub struct Api {
    dispatcher: RwLock<Arc<Dispatcher>>,
    config: dispatch::ServerConfig,
    /// The network side serving it, once it serves (forgets keys).
    net: std::sync::OnceLock<net::NetHandle>,
}

impl Api {
    /// Serves `world`, advertising `dc_options` in `help.getConfig`.
    pub fn new(world: World, dc_options: Vec<DcAddr>) -> Result<Self, WorldError> {
        let config = dispatch::ServerConfig {
            dc_options,
            ..Default::default()
        };
        let dispatcher = Dispatcher::new(Arc::new(world), config.clone())?;
        Ok(Self {
            dispatcher: RwLock::new(Arc::new(dispatcher)),
            config,
            net: std::sync::OnceLock::new(),
        })
    }

    /// The network side serving this API, for the control plane; set once.
    pub fn attach(&self, net: net::NetHandle) {
        let _ = self.net.set(net);
    }

    /// The dispatcher serving now.
    pub fn dispatcher(&self) -> Arc<Dispatcher> {
        // A poisoned lock still holds a whole `Arc` (writers only swap it).
        self.dispatcher
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `world` from now on.
    pub fn replace_world(&self, world: World) -> Result<(), WorldError> {
        let fresh = Dispatcher::new(Arc::new(world), self.config.clone())?;
        *self
            .dispatcher
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }
}

impl net::Handler for Api {
    type KeyState = AuthState;

    fn handle(&self, request: net::Request<'_>, state: &mut AuthState) -> net::Reply {
        let dispatcher = self.dispatcher();
        let mut ctx = RequestCtx {
            dc_id: request.dc_id,
            now_unix: request.now_unix,
            auth: state,
        };
        dispatcher.handle_from(&mut ctx, origin(&request), request.body)
    }

    fn take_pushes(&self, state: &mut AuthState) -> Vec<net::Push> {
        std::mem::take(&mut state.pushes)
    }

    fn on_fault(&self, request: &net::Request<'_>, state: &mut AuthState, fault: &net::Reply) {
        let (name, error) = match fault {
            net::Reply::Error { code, message } => ("rpc_error", Some((*code, message.clone()))),
            net::Reply::Disconnect => ("disconnect", None),
            net::Reply::BadServerSalt => ("bad_server_salt", None),
            net::Reply::DisconnectMidFrame(_) => ("disconnect_mid_frame", None),
            net::Reply::TransportError(code) => ("transport_error", Some((*code, String::new()))),
            net::Reply::ForgetKey => ("forget_key", None),
            net::Reply::QuickAck(_) => ("quick_ack", None),
            net::Reply::Result(_) | net::Reply::Delayed { .. } => ("other", None),
        };
        let ctx = RequestCtx {
            dc_id: request.dc_id,
            now_unix: request.now_unix,
            auth: state,
        };
        self.dispatcher()
            .record_fault(&ctx, origin(request), request.body, name, error);
    }
}

/// Where a request came from, for the log.
fn origin(request: &net::Request<'_>) -> Origin {
    Origin {
        conn_id: Some(request.conn_id),
        auth_key_id: Some(request.auth_key_id),
    }
}

impl Control for Faulty<Api> {
    fn stats(&self) -> serde_json::Value {
        let stats = self.inner().dispatcher().stats();
        let methods: serde_json::Map<String, serde_json::Value> = stats
            .methods
            .iter()
            .map(|(m, s)| {
                (
                    m.clone(),
                    serde_json::json!({"calls": s.calls, "errors": s.errors, "faults": s.faults}),
                )
            })
            .collect();
        let log: Vec<serde_json::Value> = stats.log.iter().map(CallRecord::to_json).collect();
        let header_dcs: serde_json::Map<String, serde_json::Value> = self
            .inner()
            .net
            .get()
            .map(net::NetHandle::header_dcs)
            .unwrap_or_default()
            .into_iter()
            .map(|(dc, n)| (dc.to_string(), n.into()))
            .collect();
        serde_json::json!({
            "total": stats.total,
            "methods": methods,
            "log": log,
            "header_dcs": header_dcs,
        })
    }

    fn reset_stats(&self) {
        self.inner().dispatcher().reset_stats();
    }

    fn faults(&self) -> FaultScript {
        self.script()
    }

    fn set_faults(&self, script: FaultScript) -> Result<(), String> {
        self.set_script(script)
    }

    fn load_world(&self, fixture: &Path) -> Result<(), String> {
        let world = crate::fixture::load(fixture).map_err(|e| e.to_string())?;
        self.inner().replace_world(world).map_err(|e| e.to_string())
    }

    fn set_takeout_delay(&self, seconds: Option<u32>) -> Result<(), String> {
        self.inner().dispatcher().set_takeout_delay(seconds);
        Ok(())
    }

    fn forget_keys(&self, dc: i32) -> Result<usize, String> {
        let net = self
            .inner()
            .net
            .get()
            .ok_or("the server is not serving yet")?;
        let n = net.forget_keys(dc)?;
        tracing::info!(dc, keys = n, "control plane: forgot the auth keys");
        Ok(n)
    }
}

/// A running mock server.
pub struct Running {
    /// The listeners and their connections.
    pub net: MockServer,
    /// The API with its fault script.
    pub api: Arc<Faulty<Api>>,
    /// Where the control plane listens, if it was asked for.
    pub control: Option<SocketAddr>,
    control_task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The address of DC `dc`.
    pub fn address(&self, dc: i32) -> Option<SocketAddr> {
        self.net.address(dc)
    }

    /// Stops everything.
    pub async fn shutdown(self) {
        if let Some(t) = self.control_task {
            t.abort();
        }
        self.net.shutdown().await;
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A port could not be bound.
    #[error("cannot listen: {0}")]
    Bind(#[from] std::io::Error),
    /// The world is inconsistent.
    #[error("the world is not usable: {0}")]
    World(#[from] WorldError),
}

/// The bound listeners as `help.getConfig` advertises them.
pub fn dc_options(bound: &Bound) -> Vec<DcAddr> {
    bound
        .addresses()
        .into_iter()
        .map(|(id, addr)| DcAddr {
            id,
            ip: addr.ip().to_string(),
            port: addr.port(),
        })
        .collect()
}

/// Starts serving `world`; with `control_port`, also the control plane on
/// the same host (`Some(0)`: any free port).
pub async fn start(
    world: World,
    listen: ListenConfig,
    control_port: Option<u16>,
) -> Result<Running, StartError> {
    let host = listen.host;
    let bound = Bound::bind(listen).await?;
    let api = Arc::new(Faulty::new(Api::new(world, dc_options(&bound))?));
    let net = bound.serve(api.clone());
    api.inner().attach(net.handle());
    let (control, control_task) = match control_port {
        Some(port) => {
            let listener = tokio::net::TcpListener::bind((host, port)).await?;
            let addr = listener.local_addr()?;
            let control: Arc<dyn Control> = api.clone();
            (
                Some(addr),
                Some(tokio::spawn(control::serve(listener, control))),
            )
        }
        None => (None, None),
    };
    Ok(Running {
        net,
        api,
        control,
        control_task,
    })
}
