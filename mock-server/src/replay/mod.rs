//! Replay of a recorded transcript: request/response pairs in the `tl`
//! crate's JSON form, served by matching each incoming request on its
//! content (wrappers peeled, envelope ignored) instead of computing answers
//! over a [`World`](crate::World).
//!
//! A transcript is JSON Lines (what `tg-takeout --record` writes; a
//! transcript cut by a crash stays readable): a header line, then one
//! exchange a line.
//!
//! ```json
//! {"format": "tg-mock-replay/1", "layer": 230}
//! {"request": {"_": "help.getConfig"}, "response": {"_": "config", ...}, "repeat": true}
//! {"request": {"_": "messages.getHistory", "peer": {"_": "inputPeerSelf"}, ...}, "takeout": true, "range": {"min_id": 1, "max_id": 10}, "error": [420, "FLOOD_WAIT_3"]}
//! {"request": {"_": "upload.getFile", ...}, "dc": 4, "synth": {"len": 1048576, "sha256": "..."}, "response": {"_": "upload.file", ..., "bytes": ""}}
//! ```
//!
//! The older single-object form, `{"format": .., "layer": .., "exchanges":
//! [..]}` with the same exchange objects, is read too.
//!
//! - `request`: the innermost call (any method of the schema), the
//!   wrappers of [`tl::peel`] peeled off. It is compared with the incoming
//!   call as canonical JSON (the transcript's object is read and written
//!   back, so `"5"` and `5` for a `long` are the same), every field
//!   counting, except the dot-separated paths listed in `ignore` (for
//!   values that differ on every run, such as SRP's `password.A`).
//! - `response` (an object of the method's return type; `Bool` is `true` /
//!   `false`, vectors are arrays) or `error` (`[code, "MESSAGE"]`): exactly
//!   one of them.
//! - `takeout`: `true` (the call must come in `invokeWithTakeout`), `false`
//!   (it must not) or a takeout id; absent: either way.
//! - `range`: `{"min_id", "max_id"}` (the call must come in that
//!   `invokeWithMessagesRange`) or `false` (in none); absent: either way.
//! - `dc`: the exchange is served only on that DC's listener; absent: on
//!   any. [`start`] listens on every DC a transcript names.
//! - `synth`: `{"len", "sha256"}` on an `upload.getFile` exchange whose
//!   `upload.file` bytes were not recorded (written `""`); they are filled
//!   with `len` bytes derived from the hash ([`synth::fill`]).
//! - `repeat`: `true` keeps the exchange for every later matching call;
//!   otherwise it is served once.
//! - `note`: free text, ignored.
//!
//! A request is answered by the first exchange in file order that is not
//! used up and matches it. Requests of different methods need not come in
//! file order (clients pipeline). A request that matches only used-up
//! exchanges, coming on another connection than the one the first of them
//! was served on, is a resend after a lost answer (a connection that broke
//! before its answers arrived): it gets that answer again, as a real server
//! answers a repeated read, and is counted in [`Replay::resent`] (and
//! `GET /stats`), not as unexpected. A request no exchange answers gets the
//! rpc error `400 REPLAY_UNEXPECTED_<method>`, is logged at error level
//! with its JSON, and is kept for [`Replay::unexpected`] (and the control
//! plane's `GET /stats`). A fault script ([`Faulty`]) applies on top, as
//! over a world: a call it answers with a fault uses up no exchange.
//!
//! `help.getConfig` answers keep what the transcript says except their
//! `dc_options` and `this_dc`, which name the replay server's own listeners,
//! so that a client stays on the mock.

mod load;
pub mod synth;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tl::{Deserializable, Identifiable, Serializable};

use crate::control::{self, Control};
use crate::dispatch::DcAddr;
use crate::net::{self, Bound, FaultScript, Faulty, ListenConfig, MockServer};

use load::{Answer, Loaded, stripped};
pub use load::{ExchangeProblem, FORMAT, Place, ReplayError};

/// The TL names of the methods a transcript can hold: every method of the
/// schema but the wrappers.
pub fn methods() -> Vec<&'static str> {
    tl::json::methods().iter().map(|m| m.name).collect()
}

#[derive(Default)]
struct State {
    used: Vec<bool>,
    served: Vec<u32>,
    /// The connection (DC, number) each exchange was first served on.
    served_on: Vec<Option<(i32, u64)>>,
    /// Requests answered again on another connection.
    resent: u64,
    unexpected: Vec<String>,
    total: u64,
}

/// A transcript being served. Share it with `Arc`; it is a
/// [`net::Handler`].
pub struct Replay {
    path: PathBuf,
    loaded: Loaded,
    dc_options: Vec<DcAddr>,
    state: Mutex<State>,
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replay")
            .field("path", &self.path)
            .field("exchanges", &self.loaded.exchanges.len())
            .finish_non_exhaustive()
    }
}

impl Replay {
    /// Reads and checks the transcript at `path` (streamed line by line in
    /// the JSON Lines form).
    pub fn load(path: &Path) -> Result<Self, ReplayError> {
        let file = std::fs::File::open(path).map_err(|source| ReplayError::Read {
            path: path.to_owned(),
            source,
        })?;
        let reader = io::BufReader::with_capacity(256 * 1024, file);
        Ok(Self::new(load::read(reader, path)?, path))
    }

    /// Checks a transcript; `path` only names it in errors and logs.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ReplayError> {
        Ok(Self::new(load::read(text.as_bytes(), path)?, path))
    }

    fn new(loaded: Loaded, path: &Path) -> Self {
        let n = loaded.exchanges.len();
        Self {
            path: path.to_owned(),
            loaded,
            dc_options: Vec::new(),
            state: Mutex::new(State {
                used: vec![false; n],
                served: vec![0; n],
                served_on: vec![None; n],
                ..State::default()
            }),
        }
    }

    /// Makes `help.getConfig` answers list these listeners (and the
    /// connection's DC as `this_dc`) instead of the recorded ones.
    pub fn with_dc_options(mut self, dc_options: Vec<DcAddr>) -> Self {
        self.dc_options = dc_options;
        self
    }

    /// The DCs the exchanges are pinned to (`dc`).
    pub fn dcs(&self) -> &BTreeSet<i32> {
        &self.loaded.dcs
    }

    /// How many exchanges the transcript has.
    pub fn len(&self) -> usize {
        self.loaded.exchanges.len()
    }

    /// Whether the transcript has no exchanges.
    pub fn is_empty(&self) -> bool {
        self.loaded.exchanges.is_empty()
    }

    /// Where exchange `i` is in the file.
    pub fn place(&self, i: usize) -> Option<Place> {
        self.loaded.exchanges.get(i).map(|e| e.place)
    }

    /// Every request no exchange answered, in arrival order: the method
    /// name, a space, and the request's JSON (wrappers peeled).
    pub fn unexpected(&self) -> Vec<String> {
        self.lock().unexpected.clone()
    }

    /// How many requests were resends after a lost answer: answered again
    /// by an exchange first served on another connection.
    pub fn resent(&self) -> u64 {
        self.lock().resent
    }

    /// The indices of the exchanges without `repeat` that were not served
    /// yet.
    pub fn unused(&self) -> Vec<usize> {
        let state = self.lock();
        (0..self.len())
            .filter(|&i| !self.loaded.exchanges[i].repeat && !state.used[i])
            .collect()
    }

    /// Serves the transcript from its start again and forgets the
    /// unexpected requests.
    pub fn rewind(&self) {
        let mut state = self.lock();
        state.used.iter_mut().for_each(|u| *u = false);
        state.served.iter_mut().for_each(|s| *s = 0);
        state.served_on.iter_mut().for_each(|s| *s = None);
        state.unexpected.clear();
        state.total = 0;
        state.resent = 0;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer of exchange `i` to a call on `dc_id`.
    fn answer(&self, i: usize, dc_id: i32) -> net::Reply {
        let ex = &self.loaded.exchanges[i];
        match &ex.answer {
            Answer::Error(code, message) => net::Reply::Error {
                code: *code,
                message: message.clone(),
            },
            Answer::Synth(bytes, s) => net::Reply::Result(synth::answer(bytes, s)),
            Answer::Result(bytes)
                if ex.method.id == tl::functions::help::GetConfig::CONSTRUCTOR_ID
                    && !self.dc_options.is_empty() =>
            {
                net::Reply::Result(self.own_config(bytes, dc_id))
            }
            Answer::Result(bytes) => net::Reply::Result(bytes.clone()),
        }
    }

    /// A recorded `config` with this server's DC options.
    fn own_config(&self, recorded: &[u8], dc_id: i32) -> Vec<u8> {
        let Ok(tl::enums::Config::Config(mut config)) = tl::enums::Config::from_bytes(recorded)
        else {
            return recorded.to_vec();
        };
        config.this_dc = dc_id;
        config.dc_options = self.dc_options.iter().map(DcAddr::to_tl).collect();
        tl::enums::Config::Config(config).to_bytes()
    }

    /// The first exchange in file order that answers `call` and that
    /// `usable` accepts.
    fn find(
        &self,
        call: &tl::peel::Peeled<'_>,
        json: &Value,
        dc: i32,
        usable: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let l = &self.loaded;
        let sets = l.sets_of_method.get(&call.method_id)?;
        let mut best: Option<usize> = None;
        for &set in sets {
            let key = stripped(json, &l.ignore_sets[set]).to_string();
            let Some(list) = l.index.get(&(call.method_id, set, key)) else {
                continue;
            };
            let found = list
                .iter()
                .copied()
                .find(|&i| usable(i) && l.exchanges[i].pins_match(call.takeout, call.range, dc));
            if let Some(i) = found {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        best
    }

    fn unexpected_call(
        &self,
        state: &mut State,
        call: &tl::peel::Peeled<'_>,
        name: &str,
        json: &Value,
        dc: i32,
    ) -> net::Reply {
        let candidates: Vec<String> = self
            .loaded
            .exchanges
            .iter()
            .enumerate()
            .filter(|(_, e)| e.method.id == call.method_id)
            .take(20)
            .map(|(i, e)| {
                if state.used[i] {
                    format!("{} (used)", e.place)
                } else {
                    e.place.to_string()
                }
            })
            .collect();
        tracing::error!(
            transcript = %self.path.display(),
            method = %name,
            wrappers = ?call.wrappers,
            dc,
            exchanges_of_method = ?candidates,
            "replay: unexpected request {json}"
        );
        state.unexpected.push(format!("{name} {json}"));
        net::Reply::Error {
            code: 400,
            message: format!("REPLAY_UNEXPECTED_{name}"),
        }
    }
}

impl net::Handler for Replay {
    type KeyState = ();

    fn handle(&self, request: net::Request<'_>, _: &mut ()) -> net::Reply {
        let call = match tl::peel::peel(request.body) {
            Ok(call) => call,
            Err(e) => {
                let mut state = self.lock();
                state.total += 1;
                let json = tl::json::bytes_to_json(request.body);
                tracing::error!(
                    transcript = %self.path.display(),
                    "replay: undecodable request {json}: {e}"
                );
                state.unexpected.push(format!("(undecodable) {json}"));
                let message = match e {
                    tl::peel::PeelError::TooDeep => "INPUT_REQUEST_TOO_DEEP",
                    _ => "INPUT_REQUEST_INVALID",
                };
                return net::Reply::Error {
                    code: 400,
                    message: message.into(),
                };
            }
        };
        let name = crate::dispatch::method_name(call.method_id);
        let json = tl::json::method(call.method_id).and_then(|m| m.call_to_json(call.query).ok());
        let mut state = self.lock();
        state.total += 1;
        let Some(json) = json else {
            let mut m = serde_json::Map::new();
            m.insert("_".into(), name.clone().into());
            m.insert("bytes".into(), tl::json::bytes_to_json(call.query));
            return self.unexpected_call(
                &mut state,
                &call,
                &name,
                &Value::Object(m),
                request.dc_id,
            );
        };
        let conn = (request.dc_id, request.conn_id);
        if let Some(i) = self.find(&call, &json, request.dc_id, |i| !state.used[i]) {
            if !self.loaded.exchanges[i].repeat {
                state.used[i] = true;
            }
            state.served[i] += 1;
            state.served_on[i].get_or_insert(conn);
            drop(state);
            tracing::debug!(method = %name, exchange = i, "replay: served");
            return self.answer(i, request.dc_id);
        }
        let resent = self.find(&call, &json, request.dc_id, |i| {
            state.served_on[i].is_some_and(|on| on != conn)
        });
        match resent {
            Some(i) => {
                state.served[i] += 1;
                state.resent += 1;
                drop(state);
                tracing::debug!(method = %name, exchange = i, "replay: served again (a resend)");
                self.answer(i, request.dc_id)
            }
            None => self.unexpected_call(&mut state, &call, &name, &json, request.dc_id),
        }
    }
}

impl Control for Faulty<Replay> {
    fn stats(&self) -> Value {
        let replay = self.inner();
        let state = replay.lock();
        let exchanges: Vec<Value> = replay
            .loaded
            .exchanges
            .iter()
            .enumerate()
            .map(|(i, ex)| {
                serde_json::json!({
                    "index": i, "place": ex.place.to_string(), "method": ex.method.name,
                    "served": state.served[i], "repeat": ex.repeat,
                })
            })
            .collect();
        serde_json::json!({
            "transcript": replay.path.display().to_string(),
            "total": state.total,
            "resent": state.resent,
            "exchanges": exchanges,
            "unexpected": state.unexpected,
        })
    }

    fn reset_stats(&self) {
        let mut state = self.inner().lock();
        state.served.iter_mut().for_each(|s| *s = 0);
        state.unexpected.clear();
        state.total = 0;
        state.resent = 0;
    }

    fn faults(&self) -> FaultScript {
        self.script()
    }

    fn set_faults(&self, script: FaultScript) -> Result<(), String> {
        self.set_script(script)
    }

    fn load_world(&self, _: &Path) -> Result<(), String> {
        Err("this server replays a transcript; it has no world to replace".into())
    }
}

/// A running replay server.
pub struct ReplayServer {
    /// The listeners and their connections.
    pub net: MockServer,
    /// The transcript with its fault script.
    pub replay: Arc<Faulty<Replay>>,
    /// Where the control plane listens, if it was asked for.
    pub control: Option<SocketAddr>,
    control_task: Option<tokio::task::JoinHandle<()>>,
}

impl ReplayServer {
    /// The address of DC `dc`.
    pub fn address(&self, dc: i32) -> Option<SocketAddr> {
        self.net.address(dc)
    }

    /// The transcript being served.
    pub fn transcript(&self) -> &Replay {
        self.replay.inner()
    }

    /// Stops everything.
    pub async fn shutdown(self) {
        if let Some(t) = self.control_task {
            t.abort();
        }
        self.net.shutdown().await;
    }
}

/// Serves `replay` on the DCs of `listen` and every DC the transcript pins
/// an exchange to (on a free port; its `help.getConfig` answers advertise
/// them all); with `control_port`, also the control plane on the same host
/// (`Some(0)`: any free port).
pub async fn start(
    replay: Replay,
    mut listen: ListenConfig,
    control_port: Option<u16>,
) -> io::Result<ReplayServer> {
    for &dc in replay.dcs() {
        if !listen.dcs.iter().any(|(d, _)| *d == dc) {
            listen.dcs.push((dc, 0));
        }
    }
    let host = listen.host;
    let bound = Bound::bind(listen).await?;
    let replay = Arc::new(Faulty::new(
        replay.with_dc_options(crate::server::dc_options(&bound)),
    ));
    let net = bound.serve(replay.clone());
    let (control, control_task) = match control_port {
        Some(port) => {
            let listener = tokio::net::TcpListener::bind((host, port)).await?;
            let addr = listener.local_addr()?;
            let control: Arc<dyn Control> = replay.clone();
            (
                Some(addr),
                Some(tokio::spawn(control::serve(listener, control))),
            )
        }
        None => (None, None),
    };
    Ok(ReplayServer {
        net,
        replay,
        control,
        control_task,
    })
}
