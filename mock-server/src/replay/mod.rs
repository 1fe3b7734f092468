//! Replay of a recorded transcript: request/response pairs in the `tl`
//! crate's JSON form, served by matching each incoming request on its
//! content (wrappers peeled, envelope ignored) instead of computing answers
//! over a [`World`](crate::World).
//!
//! ```json
//! {"format": "tg-mock-replay/1", "layer": 230, "exchanges": [
//!   {"request": {"_": "help.getConfig"}, "response": {"_": "config", ...}, "repeat": true},
//!   {"request": {"_": "messages.getHistory", "peer": {"_": "inputPeerSelf"}, ...},
//!    "takeout": true, "range": {"min_id": 1, "max_id": 10},
//!    "error": [420, "FLOOD_WAIT_3"]},
//!   {"request": {"_": "auth.checkPassword", ...}, "ignore": ["password"], "response": {...}}
//! ]}
//! ```
//!
//! - `request`: the innermost call, `invokeWithLayer`, `initConnection`,
//!   `invokeWithoutUpdates`, `invokeAfterMsg(s)`, `invokeWithTakeout` and
//!   `invokeWithMessagesRange` peeled off. It is compared with the incoming
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
//! - `repeat`: `true` keeps the exchange for every later matching call;
//!   otherwise it is served once.
//! - `note`: free text, ignored.
//!
//! A request is answered by the first exchange in file order that is not
//! used up and matches it. Requests of different methods need not come in
//! file order (clients pipeline). A request no exchange answers gets the
//! rpc error `400 REPLAY_UNEXPECTED_<method>`, is logged at error level
//! with its JSON, and is kept for [`Replay::unexpected`] (and the control
//! plane's `GET /stats`).
//!
//! `help.getConfig` answers keep what the transcript says except their
//! `dc_options` and `this_dc`, which name the replay server's own listeners,
//! so that a client stays on the mock.
//!
//! Only the methods [`methods`] lists can be replayed: the takeout client's
//! and the world server's. A transcript naming another method is refused
//! when it is loaded.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Deserialize;
use serde_json::Value;
use tl::json::{FromJson, JsonError, ToJson};
use tl::{Deserializable, Identifiable, RemoteCall, Serializable};

use crate::control::{self, Control};
use crate::dispatch::{self, DcAddr};
use crate::net::{self, Bound, FaultScript, Faulty, ListenConfig, MockServer};

/// The `format` tag of a transcript file (optional in the file).
pub const FORMAT: &str = "tg-mock-replay/1";

/// How to read, write and answer one method.
struct MethodCodec {
    id: u32,
    name: &'static str,
    /// The canonical JSON of a serialized call (constructor id first).
    decode: fn(&[u8]) -> Result<Value, tl::DeserializeError>,
    /// The canonical JSON of a call written in a transcript.
    normalize: fn(&Value) -> Result<Value, JsonError>,
    /// An answer written in a transcript, serialized as the method's type.
    answer: fn(&Value) -> Result<Vec<u8>, JsonError>,
}

fn codec<F>() -> MethodCodec
where
    F: RemoteCall + Identifiable + Deserializable + ToJson + FromJson,
    F::Return: FromJson + Serializable,
{
    MethodCodec {
        id: F::CONSTRUCTOR_ID,
        name: tl::name_for_id(F::CONSTRUCTOR_ID).unwrap_or("unknown"),
        decode: |bytes| F::from_bytes(bytes).map(|f| f.to_json()),
        normalize: |value| F::from_json(value).map(|f| f.to_json()),
        answer: |value| F::Return::from_json(value).map(|r| r.to_bytes()),
    }
}

macro_rules! methods {
    ($($ty:ty),* $(,)?) => {
        fn codecs() -> Vec<MethodCodec> {
            use tl::functions::*;
            vec![$(codec::<$ty>()),*]
        }
    };
}

/// The TL names of the methods a transcript can hold.
pub fn methods() -> Vec<&'static str> {
    codecs().iter().map(|c| c.name).collect()
}

methods!(
    help::GetConfig,
    help::GetNearestDc,
    auth::SendCode,
    auth::SignIn,
    auth::CheckPassword,
    auth::LogOut,
    auth::ExportLoginToken,
    auth::ImportLoginToken,
    auth::ExportAuthorization,
    auth::ImportAuthorization,
    account::GetPassword,
    account::InitTakeoutSession,
    account::FinishTakeoutSession,
    account::GetAuthorizations,
    account::GetWebAuthorizations,
    users::GetUsers,
    users::GetFullUser,
    updates::GetState,
    updates::GetDifference,
    messages::GetSplitRanges,
    messages::GetDialogs,
    messages::GetPeerDialogs,
    messages::GetHistory,
    messages::Search,
    messages::GetMessages,
    messages::GetFullChat,
    messages::GetCustomEmojiDocuments,
    channels::GetMessages,
    channels::GetLeftChannels,
    channels::GetFullChannel,
    contacts::GetContacts,
    contacts::GetSaved,
    contacts::GetTopPeers,
    photos::GetUserPhotos,
    stories::GetStoriesArchive,
    stories::GetStoriesById,
    upload::GetFile,
);

/// What is wrong with one exchange of a transcript.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeProblem {
    /// The exchange is not an object of the expected keys and kinds.
    #[error("{0}")]
    Shape(String),
    /// `request` names a method replay does not know.
    #[error("method {0:?} cannot be replayed (see replay::methods())")]
    UnsupportedMethod(String),
    /// `request` is a wrapper; the pins say what wrappers must be there.
    #[error("{0:?} is a wrapper: write the inner call as `request` and use `takeout`/`range`")]
    Wrapper(String),
    /// `request` is not a valid call of its method.
    #[error("request: {0}")]
    Request(JsonError),
    /// `response` is not of the method's return type.
    #[error("response of {method}: {error}")]
    Response {
        /// The method.
        method: &'static str,
        /// What is wrong.
        error: JsonError,
    },
    /// Neither or both of `response` and `error`.
    #[error("needs exactly one of `response` and `error`")]
    Answer,
    /// An `ignore` path that is empty or has an empty segment.
    #[error("ignore path {0:?} is not a dot-separated field path")]
    IgnorePath(String),
    /// An earlier exchange with `repeat` answers every call this one would.
    #[error("never served: exchange {0} has the same request and repeats")]
    Shadowed(usize),
}

/// Why a transcript could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not JSON, or not a transcript object.
    #[error("{}: not a transcript: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong (with line and column when the JSON is broken).
        message: String,
    },
    /// The transcript was recorded at another layer.
    #[error("{}: the transcript is for layer {found}, this server speaks layer {expected}", path.display())]
    Layer {
        /// The file.
        path: PathBuf,
        /// The transcript's layer.
        found: i32,
        /// [`tl::LAYER`].
        expected: i32,
    },
    /// One exchange is wrong.
    #[error("{}: exchange {index}: {problem}", path.display())]
    Exchange {
        /// The file.
        path: PathBuf,
        /// The exchange's index in `exchanges`, from 0.
        index: usize,
        /// What is wrong.
        problem: ExchangeProblem,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    layer: Option<i32>,
    exchanges: Vec<Value>,
}

/// `takeout`: a bool or a takeout id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum TakeoutPin {
    Present(bool),
    Id(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bounds {
    min_id: i32,
    max_id: i32,
}

/// `range`: `false` or the bounds (`true` is accepted as "any range").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum RangePin {
    Present(bool),
    Bounds(Bounds),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExchange {
    request: Value,
    #[serde(default)]
    response: Option<Value>,
    #[serde(default)]
    error: Option<(i32, String)>,
    #[serde(default)]
    repeat: bool,
    #[serde(default)]
    takeout: Option<TakeoutPin>,
    #[serde(default)]
    range: Option<RangePin>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// A transcript's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Result(Vec<u8>),
    Error(i32, String),
}

struct Exchange {
    method_id: u32,
    method: &'static str,
    /// The canonical request, `ignore` paths removed.
    request: Value,
    ignore: Vec<Vec<String>>,
    takeout: Option<TakeoutPin>,
    range: Option<RangePin>,
    repeat: bool,
    answer: Answer,
}

/// Removes the field at `path` (a `.`-separated path; numbers index arrays).
fn remove_path(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for segment in parents {
        let next = match at {
            Value::Object(m) => m.get_mut(segment),
            Value::Array(a) => segment.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return,
        }
    }
    match at {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Some(v) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
}

fn stripped(value: &Value, ignore: &[Vec<String>]) -> Value {
    let mut v = value.clone();
    for path in ignore {
        remove_path(&mut v, path);
    }
    v
}

impl Exchange {
    fn parse(value: Value, methods: &HashMap<&str, &MethodCodec>) -> Result<Self, ExchangeProblem> {
        let raw: RawExchange =
            serde_json::from_value(value).map_err(|e| ExchangeProblem::Shape(e.to_string()))?;
        let name = tl::json::tag(&raw.request)
            .map_err(ExchangeProblem::Request)?
            .to_owned();
        let codec = match methods.get(name.as_str()) {
            Some(c) => *c,
            None if WRAPPERS.contains(&name.as_str()) => {
                return Err(ExchangeProblem::Wrapper(name));
            }
            None => return Err(ExchangeProblem::UnsupportedMethod(name)),
        };
        let ignore = raw
            .ignore
            .iter()
            .map(|p| {
                let segments: Vec<String> = p.split('.').map(str::to_owned).collect();
                if segments.iter().any(String::is_empty) {
                    Err(ExchangeProblem::IgnorePath(p.clone()))
                } else {
                    Ok(segments)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let request = (codec.normalize)(&raw.request).map_err(ExchangeProblem::Request)?;
        let answer = match (raw.response, raw.error) {
            (Some(response), None) => {
                Answer::Result((codec.answer)(&response).map_err(|error| {
                    ExchangeProblem::Response {
                        method: codec.name,
                        error,
                    }
                })?)
            }
            (None, Some((code, message))) => Answer::Error(code, message),
            _ => return Err(ExchangeProblem::Answer),
        };
        Ok(Self {
            method_id: codec.id,
            method: codec.name,
            request: stripped(&request, &ignore),
            ignore,
            takeout: raw.takeout,
            range: raw.range,
            repeat: raw.repeat,
            answer,
        })
    }

    /// Whether the wrappers of `call` are the ones pinned.
    fn wrappers_match(&self, call: &dispatch::Peeled) -> bool {
        let takeout = match self.takeout {
            None => true,
            Some(TakeoutPin::Present(p)) => call.takeout.is_some() == p,
            Some(TakeoutPin::Id(id)) => call.takeout == Some(id),
        };
        let range = match self.range {
            None => true,
            Some(RangePin::Present(p)) => call.range.is_some() == p,
            Some(RangePin::Bounds(b)) => call.range == Some((b.min_id, b.max_id)),
        };
        takeout && range
    }

    /// Whether `self` answers every call `later` would.
    fn shadows(&self, later: &Exchange) -> bool {
        self.repeat
            && self.method_id == later.method_id
            && self.request == later.request
            && self.ignore == later.ignore
            && self.takeout == later.takeout
            && self.range == later.range
    }
}

/// The wrappers [`dispatch::peel`] removes.
const WRAPPERS: &[&str] = &[
    "invokeWithLayer",
    "initConnection",
    "invokeWithoutUpdates",
    "invokeAfterMsg",
    "invokeAfterMsgs",
    "invokeWithTakeout",
    "invokeWithMessagesRange",
];

#[derive(Default)]
struct State {
    used: Vec<bool>,
    served: Vec<u32>,
    unexpected: Vec<String>,
    total: u64,
}

/// A transcript being served. Share it with `Arc`; it is a
/// [`net::Handler`].
pub struct Replay {
    path: PathBuf,
    codecs: HashMap<u32, MethodCodec>,
    exchanges: Vec<Exchange>,
    /// Exchange indices per method id, in file order.
    by_method: HashMap<u32, Vec<usize>>,
    dc_options: Vec<DcAddr>,
    state: Mutex<State>,
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replay")
            .field("path", &self.path)
            .field("exchanges", &self.exchanges.len())
            .finish_non_exhaustive()
    }
}

impl Replay {
    /// Reads and checks the transcript at `path`.
    pub fn load(path: &Path) -> Result<Self, ReplayError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks a transcript; `path` only names it in errors and logs.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ReplayError> {
        let syntax = |message: String| ReplayError::Syntax {
            path: path.to_owned(),
            message,
        };
        let raw: RawFile = serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?;
        if let Some(format) = raw.format.filter(|f| f != FORMAT) {
            return Err(syntax(format!("format {format:?}, expected {FORMAT:?}")));
        }
        if let Some(found) = raw.layer.filter(|l| *l != tl::LAYER) {
            return Err(ReplayError::Layer {
                path: path.to_owned(),
                found,
                expected: tl::LAYER,
            });
        }
        let codecs: HashMap<u32, MethodCodec> = codecs().into_iter().map(|c| (c.id, c)).collect();
        let by_name: HashMap<&str, &MethodCodec> = codecs.values().map(|c| (c.name, c)).collect();
        let mut exchanges: Vec<Exchange> = Vec::with_capacity(raw.exchanges.len());
        let mut by_method: HashMap<u32, Vec<usize>> = HashMap::new();
        for (index, value) in raw.exchanges.into_iter().enumerate() {
            let problem = |problem| ReplayError::Exchange {
                path: path.to_owned(),
                index,
                problem,
            };
            let exchange = Exchange::parse(value, &by_name).map_err(problem)?;
            let same = by_method.entry(exchange.method_id).or_default();
            if let Some(&earlier) = same.iter().find(|&&i| exchanges[i].shadows(&exchange)) {
                return Err(problem(ExchangeProblem::Shadowed(earlier)));
            }
            same.push(index);
            exchanges.push(exchange);
        }
        let n = exchanges.len();
        Ok(Self {
            path: path.to_owned(),
            codecs,
            exchanges,
            by_method,
            dc_options: Vec::new(),
            state: Mutex::new(State {
                used: vec![false; n],
                served: vec![0; n],
                ..State::default()
            }),
        })
    }

    /// Makes `help.getConfig` answers list these listeners (and the
    /// connection's DC as `this_dc`) instead of the recorded ones.
    pub fn with_dc_options(mut self, dc_options: Vec<DcAddr>) -> Self {
        self.dc_options = dc_options;
        self
    }

    /// How many exchanges the transcript has.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether the transcript has no exchanges.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// Every request no exchange answered, in arrival order: the method
    /// name, a space, and the request's JSON (wrappers peeled).
    pub fn unexpected(&self) -> Vec<String> {
        self.lock().unexpected.clone()
    }

    /// The indices of the exchanges without `repeat` that were not served
    /// yet.
    pub fn unused(&self) -> Vec<usize> {
        let state = self.lock();
        (0..self.exchanges.len())
            .filter(|&i| !self.exchanges[i].repeat && !state.used[i])
            .collect()
    }

    /// Serves the transcript from its start again and forgets the
    /// unexpected requests.
    pub fn rewind(&self) {
        let mut state = self.lock();
        state.used.iter_mut().for_each(|u| *u = false);
        state.served.iter_mut().for_each(|s| *s = 0);
        state.unexpected.clear();
        state.total = 0;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The JSON form of a peeled call for matching and logs: canonical
    /// when its method is known, otherwise its name and base64 bytes.
    fn call_json(&self, call: &dispatch::Peeled) -> (Value, bool) {
        if let Some(codec) = self.codecs.get(&call.method_id)
            && let Ok(json) = (codec.decode)(&call.query)
        {
            return (json, true);
        }
        let mut m = serde_json::Map::new();
        m.insert("_".into(), call.method.clone().into());
        m.insert("bytes".into(), tl::json::bytes_to_json(&call.query));
        (Value::Object(m), false)
    }

    /// The answer of exchange `i` to a call on `dc_id`.
    fn answer(&self, i: usize, dc_id: i32) -> net::Reply {
        let ex = &self.exchanges[i];
        match &ex.answer {
            Answer::Error(code, message) => net::Reply::Error {
                code: *code,
                message: message.clone(),
            },
            Answer::Result(bytes)
                if ex.method_id == tl::functions::help::GetConfig::CONSTRUCTOR_ID
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

    fn unexpected_call(
        &self,
        state: &mut State,
        call: &dispatch::Peeled,
        json: &Value,
    ) -> net::Reply {
        let candidates: Vec<String> = self
            .by_method
            .get(&call.method_id)
            .into_iter()
            .flatten()
            .map(|&i| {
                if state.used[i] {
                    format!("{i} (used)")
                } else {
                    i.to_string()
                }
            })
            .collect();
        tracing::error!(
            transcript = %self.path.display(),
            method = %call.method,
            wrappers = ?call.wrappers,
            exchanges_of_method = ?candidates,
            "replay: unexpected request {json}"
        );
        state.unexpected.push(format!("{} {json}", call.method));
        net::Reply::Error {
            code: 400,
            message: format!("REPLAY_UNEXPECTED_{}", call.method),
        }
    }
}

impl net::Handler for Replay {
    type KeyState = ();

    fn handle(&self, request: net::Request<'_>, _: &mut ()) -> net::Reply {
        let call = match dispatch::peel(request.body) {
            Ok(call) => call,
            Err(e) => {
                let mut state = self.lock();
                state.total += 1;
                let json = tl::json::bytes_to_json(request.body);
                tracing::error!(
                    transcript = %self.path.display(),
                    "replay: undecodable request {json}: {}", e.message
                );
                state.unexpected.push(format!("(undecodable) {json}"));
                return net::Reply::Error {
                    code: e.code,
                    message: e.message,
                };
            }
        };
        let (json, known) = self.call_json(&call);
        let mut state = self.lock();
        state.total += 1;
        if known {
            let found = self
                .by_method
                .get(&call.method_id)
                .into_iter()
                .flatten()
                .copied()
                .find(|&i| {
                    let ex = &self.exchanges[i];
                    !state.used[i]
                        && ex.wrappers_match(&call)
                        && stripped(&json, &ex.ignore) == ex.request
                });
            if let Some(i) = found {
                if !self.exchanges[i].repeat {
                    state.used[i] = true;
                }
                state.served[i] += 1;
                drop(state);
                tracing::debug!(method = %call.method, exchange = i, "replay: served");
                return self.answer(i, request.dc_id);
            }
        }
        self.unexpected_call(&mut state, &call, &json)
    }
}

impl Control for Faulty<Replay> {
    fn stats(&self) -> Value {
        let replay = self.inner();
        let state = replay.lock();
        let exchanges: Vec<Value> = replay
            .exchanges
            .iter()
            .enumerate()
            .map(|(i, ex)| {
                serde_json::json!({
                    "index": i, "method": ex.method, "served": state.served[i],
                    "repeat": ex.repeat,
                })
            })
            .collect();
        serde_json::json!({
            "transcript": replay.path.display().to_string(),
            "total": state.total,
            "exchanges": exchanges,
            "unexpected": state.unexpected,
        })
    }

    fn reset_stats(&self) {
        let mut state = self.inner().lock();
        state.served.iter_mut().for_each(|s| *s = 0);
        state.unexpected.clear();
        state.total = 0;
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

/// Serves `replay` on the DCs of `listen` (its `help.getConfig` answers
/// advertise them); with `control_port`, also the control plane on the same
/// host (`Some(0)`: any free port).
pub async fn start(
    replay: Replay,
    listen: ListenConfig,
    control_port: Option<u16>,
) -> io::Result<ReplayServer> {
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

#[cfg(test)]
mod tests {
    use net::Handler;
    use tl::{enums, functions, types};

    use super::*;

    fn parse(json: &str) -> Result<Replay, ReplayError> {
        Replay::parse(json, Path::new("t.json"))
    }

    fn call(r: &Replay, body: &[u8]) -> net::Reply {
        r.handle(
            net::Request {
                dc_id: 2,
                auth_key_id: 1,
                conn_id: 1,
                body,
                now_unix: 0,
            },
            &mut (),
        )
    }

    fn ok<T: Serializable>(v: T) -> net::Reply {
        net::Reply::Result(v.to_bytes())
    }

    fn err(code: i32, message: &str) -> net::Reply {
        net::Reply::Error {
            code,
            message: message.into(),
        }
    }

    fn history(offset_id: i32) -> functions::messages::GetHistory {
        functions::messages::GetHistory {
            peer: enums::InputPeer::InputPeerSelf,
            offset_id,
            limit: 10,
            ..Default::default()
        }
    }

    fn wrapped<R: RemoteCall + Default>(query: R) -> Vec<u8> {
        functions::InvokeWithLayer {
            layer: tl::LAYER,
            query: functions::InitConnection {
                query,
                ..Default::default()
            },
        }
        .to_bytes()
    }

    fn in_takeout<R: RemoteCall>(takeout_id: i64, range: Option<(i32, i32)>, query: R) -> Vec<u8> {
        match range {
            None => functions::InvokeWithTakeout { takeout_id, query }.to_bytes(),
            Some((min_id, max_id)) => functions::InvokeWithTakeout {
                takeout_id,
                query: functions::InvokeWithMessagesRange {
                    range: types::MessageRange { min_id, max_id }.into(),
                    query,
                },
            }
            .to_bytes(),
        }
    }

    const NEAREST: &str = r#"{"_": "nearestDc", "country": "ZZ", "this_dc": 2, "nearest_dc": 2}"#;

    fn nearest() -> enums::NearestDc {
        types::NearestDc {
            country: "ZZ".into(),
            this_dc: 2,
            nearest_dc: 2,
        }
        .into()
    }

    #[test]
    fn pairs_are_served_once_in_file_order_and_wrappers_are_peeled() {
        let r = parse(&format!(
            r#"{{"layer": {}, "exchanges": [
                {{"request": {{"_": "help.getNearestDc"}}, "error": [420, "FLOOD_WAIT_1"]}},
                {{"request": {{"_": "help.getNearestDc"}}, "response": {NEAREST}}},
                {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
                  "offset_id": 5, "offset_date": 0, "add_offset": 0, "limit": 10,
                  "max_id": 0, "min_id": 0, "hash": "0"}},
                  "response": {{"_": "messages.messages", "messages": [], "topics": [], "chats": [], "users": []}}}}
            ]}}"#,
            tl::LAYER
        ))
        .unwrap();
        let q = functions::help::GetNearestDc {};
        assert_eq!(call(&r, &wrapped(q.clone())), err(420, "FLOOD_WAIT_1"));
        assert_eq!(call(&r, &q.to_bytes()), ok(nearest()));
        assert_eq!(
            call(&r, &q.to_bytes()),
            err(400, "REPLAY_UNEXPECTED_help.getNearestDc")
        );
        // Another offset is another request.
        assert_eq!(
            call(&r, &history(6).to_bytes()),
            err(400, "REPLAY_UNEXPECTED_messages.getHistory")
        );
        let answer = call(&r, &in_takeout(9, Some((1, 5)), history(5)));
        let empty: enums::messages::Messages = types::messages::Messages {
            messages: vec![],
            topics: vec![],
            chats: vec![],
            users: vec![],
        }
        .into();
        assert_eq!(answer, ok(empty));
        assert!(r.unused().is_empty());
        let unexpected = r.unexpected();
        assert_eq!(unexpected.len(), 2);
        assert!(unexpected[0].starts_with("help.getNearestDc {\"_\":\"help.getNearestDc\"}"));
        assert!(unexpected[1].contains("\"offset_id\":6"), "{unexpected:?}");
        r.rewind();
        assert!(r.unexpected().is_empty());
        assert_eq!(r.unused(), vec![0, 1, 2]);
    }

    #[test]
    fn repeat_pins_and_ignore() {
        let r = parse(&format!(
            r#"{{"exchanges": [
                {{"request": {{"_": "help.getNearestDc"}}, "response": {NEAREST}, "repeat": true}},
                {{"request": {{"_": "account.finishTakeoutSession", "success": true}},
                  "takeout": 7, "response": true}},
                {{"request": {{"_": "users.getUsers", "id": [{{"_": "inputUserSelf"}}]}},
                  "takeout": false, "response": []}},
                {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
                  "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10,
                  "max_id": 0, "min_id": 0, "hash": 0}},
                  "range": {{"min_id": 1, "max_id": 9}}, "ignore": ["offset_id"],
                  "error": [400, "RANGE_OK"]}},
                {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
                  "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10,
                  "max_id": 0, "min_id": 0, "hash": 0}},
                  "range": false, "ignore": ["offset_id"], "repeat": true,
                  "error": [400, "NO_RANGE"]}}
            ]}}"#
        ))
        .unwrap();
        let q = functions::help::GetNearestDc {}.to_bytes();
        for _ in 0..3 {
            assert_eq!(call(&r, &q), ok(nearest()));
        }
        let finish = functions::account::FinishTakeoutSession { success: true };
        assert_eq!(
            call(&r, &finish.to_bytes()),
            err(400, "REPLAY_UNEXPECTED_account.finishTakeoutSession"),
            "not in a takeout"
        );
        assert_eq!(
            call(&r, &in_takeout(8, None, finish.clone())),
            err(400, "REPLAY_UNEXPECTED_account.finishTakeoutSession"),
            "another takeout"
        );
        assert_eq!(call(&r, &in_takeout(7, None, finish)), ok(true));
        let users = functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        };
        assert_eq!(
            call(&r, &in_takeout(7, None, users.clone())),
            err(400, "REPLAY_UNEXPECTED_users.getUsers")
        );
        assert_eq!(call(&r, &users.to_bytes()), ok(Vec::<enums::User>::new()));
        // `ignore`: any offset; `range`: the bounds or none.
        assert_eq!(
            call(&r, &in_takeout(7, Some((1, 8)), history(3))),
            err(400, "REPLAY_UNEXPECTED_messages.getHistory")
        );
        assert_eq!(
            call(&r, &in_takeout(7, Some((1, 9)), history(3))),
            err(400, "RANGE_OK")
        );
        for offset in [4, 5] {
            assert_eq!(call(&r, &history(offset).to_bytes()), err(400, "NO_RANGE"));
        }
        assert!(r.unused().is_empty());
    }

    #[test]
    fn get_config_names_the_replay_servers_listeners() {
        let config = types::Config {
            this_dc: 4,
            dc_options: vec![
                types::DcOption {
                    id: 4,
                    ip_address: "149.154.167.91".into(),
                    port: 443,
                    ..Default::default()
                }
                .into(),
            ],
            dc_txt_domain_name: "recorded".into(),
            ..Default::default()
        };
        let json = format!(
            r#"{{"exchanges": [{{"request": {{"_": "help.getConfig"}}, "response": {}}}]}}"#,
            enums::Config::from(config.clone()).to_json()
        );
        let own = vec![DcAddr {
            id: 2,
            ip: "127.0.0.1".into(),
            port: 4000,
        }];
        let r = parse(&json).unwrap().with_dc_options(own);
        let net::Reply::Result(bytes) = call(&r, &functions::help::GetConfig {}.to_bytes()) else {
            panic!("answered");
        };
        let enums::Config::Config(got) = enums::Config::from_bytes(&bytes).unwrap();
        assert_eq!(got.this_dc, 2);
        assert_eq!(got.dc_txt_domain_name, "recorded");
        assert_eq!(
            got.dc_options,
            vec![
                types::DcOption {
                    id: 2,
                    ip_address: "127.0.0.1".into(),
                    port: 4000,
                    ..Default::default()
                }
                .into()
            ]
        );
    }

    #[test]
    fn unknown_and_undecodable_requests_are_unexpected() {
        let r = parse(r#"{"exchanges": []}"#).unwrap();
        assert!(r.is_empty());
        let contacts = functions::contacts::GetStatuses {}.to_bytes();
        assert_eq!(
            call(&r, &contacts),
            err(400, "REPLAY_UNEXPECTED_contacts.getStatuses")
        );
        let garbage = [1u8, 2, 3];
        assert!(matches!(
            call(&r, &garbage),
            net::Reply::Error { code: 400, .. }
        ));
        let u = r.unexpected();
        assert_eq!(u.len(), 2);
        assert!(
            u[0].starts_with("contacts.getStatuses {\"_\":\"contacts.getStatuses\",\"bytes\":")
        );
        assert!(u[1].starts_with("(undecodable) "));
    }

    #[test]
    fn loading_errors_name_the_exchange_and_the_problem() {
        let msg = |json: &str| parse(json).unwrap_err().to_string();
        assert!(msg("{").starts_with("t.json: not a transcript: "));
        assert!(msg(r#"{"exchanges": [], "extra": 1}"#).contains("unknown field `extra`"));
        assert!(msg(r#"{"format": "x", "exchanges": []}"#).contains("format \"x\""));
        assert_eq!(
            msg(r#"{"layer": 1, "exchanges": []}"#),
            format!(
                "t.json: the transcript is for layer 1, this server speaks layer {}",
                tl::LAYER
            )
        );
        let one = |ex: &str| msg(&format!(r#"{{"exchanges": [{NEAR_OK}, {ex}]}}"#));
        const NEAR_OK: &str = r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"]}"#;
        assert_eq!(
            one(r#"{"request": {"_": "help.getCdnConfig"}, "error": [1, "X"]}"#),
            "t.json: exchange 1: method \"help.getCdnConfig\" cannot be replayed (see replay::methods())"
        );
        assert!(
            one(r#"{"request": {"_": "invokeWithTakeout"}, "error": [1, "X"]}"#)
                .contains("is a wrapper")
        );
        assert_eq!(
            one(r#"{"request": {"_": "help.getNearestDc"}}"#),
            "t.json: exchange 1: needs exactly one of `response` and `error`"
        );
        assert_eq!(
            one(r#"{"request": {"_": "help.getNearestDc", "x": 1}, "error": [1, "X"]}"#),
            "t.json: exchange 1: request: help.getNearestDc has no field \"x\""
        );
        assert!(
            one(r#"{"request": {"_": "help.getNearestDc"}, "response": {"_": "config"}}"#)
                .starts_with("t.json: exchange 1: response of help.getNearestDc: ")
        );
        assert!(
            one(r#"{"request": {}, "error": [1, "X"]}"#)
                .contains("exchange 1: request: missing the \"_\" constructor name")
        );
        assert!(
            one(r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"], "repat": true}"#)
                .contains("unknown field `repat`")
        );
        assert!(
            one(
                r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"], "ignore": ["a..b"]}"#
            )
            .contains("ignore path \"a..b\"")
        );
        assert_eq!(
            msg(&format!(
                r#"{{"exchanges": [{NEAR_OK}, {{"request": {{"_": "help.getNearestDc"}},
                 "error": [1, "X"], "repeat": true}}, {NEAR_OK}]}}"#
            )),
            "t.json: exchange 2: never served: exchange 1 has the same request and repeats"
        );
        let missing = Replay::load(Path::new("/nonexistent/t.json")).unwrap_err();
        assert!(matches!(missing, ReplayError::Read { .. }));
    }

    #[test]
    fn every_listed_method_has_a_codec() {
        let codecs = codecs();
        assert_eq!(methods().len(), codecs.len());
        for c in &codecs {
            assert!(tl::name_for_id(c.id).is_some(), "{}", c.name);
            assert!(!WRAPPERS.contains(&c.name));
        }
    }

    #[test]
    fn ignore_paths_reach_into_objects_and_arrays() {
        let mut v = serde_json::json!({"a": {"b": [1, {"c": 2, "d": 3}]}, "e": 4});
        remove_path(&mut v, &["a".into(), "b".into(), "1".into(), "c".into()]);
        remove_path(&mut v, &["e".into()]);
        remove_path(&mut v, &["zz".into(), "y".into()]);
        remove_path(&mut v, &["a".into(), "b".into(), "0".into()]);
        assert_eq!(v, serde_json::json!({"a": {"b": [null, {"d": 3}]}}));
    }
}
