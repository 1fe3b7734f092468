//! Helpers shared by the integration tests: an in-process "client" that
//! talks to a `Dispatcher` with TL structs.
#![allow(dead_code)]

use std::sync::Arc;

use tg_mock_server::{
    AuthState, DcAddr, Dispatcher, GenerateConfig, Reply, RequestCtx, ServerConfig, World,
};
use tl::{Deserializable, RemoteCall, enums, functions, types};

/// The mock's DCs in these tests.
pub fn dcs() -> Vec<DcAddr> {
    (1..=5)
        .map(|id| DcAddr {
            id,
            ip: "127.0.0.1".into(),
            port: 10_000 + id as u16,
        })
        .collect()
}

/// A dispatcher over `world` with [`dcs`] and a left-channel page of `page`.
pub fn dispatcher(world: World, page: usize) -> Arc<Dispatcher> {
    let config = ServerConfig {
        dc_options: dcs(),
        left_channels_page: page,
    };
    Arc::new(Dispatcher::new(Arc::new(world), config).expect("valid world"))
}

/// A generated world's dispatcher.
pub fn generated(cfg: &GenerateConfig) -> Arc<Dispatcher> {
    dispatcher(tg_mock_server::generate(cfg), 100)
}

/// One auth key talking to a dispatcher.
pub struct Client {
    pub d: Arc<Dispatcher>,
    pub auth: AuthState,
    pub dc: i32,
    pub now: i32,
    pub takeout: Option<i64>,
}

/// An rpc_error as `(code, message)`.
pub type Err = (i32, String);

impl Client {
    pub fn new(d: &Arc<Dispatcher>, dc: i32) -> Self {
        Self {
            d: d.clone(),
            auth: AuthState::default(),
            dc,
            now: 1_700_000_000,
            takeout: None,
        }
    }

    pub fn raw(&mut self, bytes: &[u8]) -> Reply {
        let mut ctx = RequestCtx {
            dc_id: self.dc,
            now_unix: self.now,
            auth: &mut self.auth,
        };
        self.d.handle(&mut ctx, bytes)
    }

    /// Calls `req` as is.
    pub fn call<R: RemoteCall>(&mut self, req: &R) -> Result<R::Return, Err> {
        match self.raw(&req.to_bytes()) {
            Reply::Result(bytes) => {
                Ok(R::Return::from_bytes(&bytes).expect("answer decodes as the method's type"))
            }
            Reply::Error { code, message } => Err((code, message)),
            other => panic!("the dispatcher answers a result or an rpc_error, not {other:?}"),
        }
    }

    /// Calls `req` inside `invokeWithTakeout` (and the range, if any).
    pub fn tcall<R: RemoteCall>(
        &mut self,
        range: Option<(i32, i32)>,
        req: R,
    ) -> Result<R::Return, Err> {
        let takeout_id = self.takeout.expect("takeout started");
        match range {
            None => self.call(&functions::InvokeWithTakeout {
                takeout_id,
                query: req,
            }),
            Some((min_id, max_id)) => {
                let range = types::MessageRange { min_id, max_id }.into();
                let query = functions::InvokeWithMessagesRange { range, query: req };
                self.call(&functions::InvokeWithTakeout { takeout_id, query })
            }
        }
    }

    /// Logs in as the world's account through sendCode/signIn (no 2FA).
    pub fn login(&mut self) {
        let login = self.d.index().world().login.clone();
        let sent = self
            .call(&functions::auth::SendCode {
                phone_number: login.phone.clone(),
                api_id: 1,
                api_hash: "x".into(),
                settings: types::CodeSettings::default().into(),
            })
            .expect("sendCode");
        let enums::auth::SentCode::SentCode(sent) = sent else {
            panic!("unexpected {sent:?}")
        };
        self.call(&functions::auth::SignIn {
            phone_number: login.phone,
            phone_code_hash: sent.phone_code_hash,
            phone_code: Some(login.code),
            email_verification: None,
        })
        .expect("signIn");
    }

    /// Logs in and starts a takeout session.
    pub fn start_takeout(&mut self) {
        self.login();
        let enums::account::Takeout::Takeout(t) = self
            .call(&functions::account::InitTakeoutSession::default())
            .expect("init takeout");
        self.takeout = Some(t.id);
    }
}
