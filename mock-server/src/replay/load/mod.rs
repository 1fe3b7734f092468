//! Reading a transcript: the JSON Lines form (a header line, then one
//! exchange a line) and the older single-object form (`{"exchanges": [..]}`),
//! each exchange checked against the schema.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use tl::json::{JsonError, MethodJson};

use super::synth::{self, Synth};

/// The `format` tag of a transcript file.
pub const FORMAT: &str = "tg-mock-replay/1";

/// What is wrong with one exchange of a transcript.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeProblem {
    /// The line is not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// The exchange is not an object of the expected keys and kinds.
    #[error("{0}")]
    Shape(String),
    /// `request` names no method of the schema.
    #[error("method {0:?} is not a method of layer {layer}", layer = tl::LAYER)]
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
    /// `synth` on something else than an `upload.file` answer, or not a
    /// valid `{len, sha256}`.
    #[error("synth: {0}")]
    Synth(String),
    /// An earlier exchange with `repeat` answers every call this one would.
    #[error("never served: {0} has the same request and repeats")]
    Shadowed(String),
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
    /// The file is not JSON, or not a transcript.
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
    /// One exchange of the single-object form is wrong.
    #[error("{}: exchange {index}: {problem}", path.display())]
    Exchange {
        /// The file.
        path: PathBuf,
        /// The exchange's index in `exchanges`, from 0.
        index: usize,
        /// What is wrong.
        problem: ExchangeProblem,
    },
    /// One line of the JSON Lines form is wrong.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        problem: ExchangeProblem,
    },
}

/// Where an exchange is in its file, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Index in the single-object form's `exchanges`.
    Index(usize),
    /// Line of the JSON Lines form, from 1.
    Line(usize),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index(i) => write!(f, "exchange {i}"),
            Self::Line(l) => write!(f, "line {l}"),
        }
    }
}

/// `takeout`: a bool or a takeout id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(super) enum TakeoutPin {
    Present(bool),
    Id(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Bounds {
    pub min_id: i32,
    pub max_id: i32,
}

/// `range`: `false` or the bounds (`true` is accepted as "any range").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(super) enum RangePin {
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
    dc: Option<i32>,
    #[serde(default)]
    synth: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
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

/// A transcript's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    Result(Vec<u8>),
    /// An `upload.file` whose bytes are filled in when served.
    Synth(Vec<u8>, Synth),
    Error(i32, String),
}

/// One exchange, checked.
pub(super) struct Exchange {
    pub method: &'static MethodJson,
    pub place: Place,
    pub takeout: Option<TakeoutPin>,
    pub range: Option<RangePin>,
    pub dc: Option<i32>,
    pub repeat: bool,
    pub answer: Answer,
}

impl Exchange {
    /// Whether the wrappers and DC of a call are the ones pinned.
    pub fn pins_match(&self, takeout: Option<i64>, range: Option<(i32, i32)>, dc: i32) -> bool {
        let takeout_ok = match self.takeout {
            None => true,
            Some(TakeoutPin::Present(p)) => takeout.is_some() == p,
            Some(TakeoutPin::Id(id)) => takeout == Some(id),
        };
        let range_ok = match self.range {
            None => true,
            Some(RangePin::Present(p)) => range.is_some() == p,
            Some(RangePin::Bounds(b)) => range == Some((b.min_id, b.max_id)),
        };
        takeout_ok && range_ok && self.dc.is_none_or(|d| d == dc)
    }

    /// Whether `self` (earlier, same method, request and ignore set)
    /// answers every call `later` would.
    fn shadows(&self, later: &Exchange) -> bool {
        self.repeat
            && self.takeout == later.takeout
            && self.range == later.range
            && (self.dc.is_none() || self.dc == later.dc)
    }
}

/// A checked transcript.
#[derive(Default)]
pub(super) struct Loaded {
    pub exchanges: Vec<Exchange>,
    /// The distinct `ignore` lists, split into segments.
    pub ignore_sets: Vec<Vec<Vec<String>>>,
    /// Per method id: the ignore sets its exchanges use.
    pub sets_of_method: HashMap<u32, Vec<usize>>,
    /// Per (method id, ignore set, key): the exchanges, in file order.
    pub index: HashMap<(u32, usize, String), Vec<usize>>,
    /// The DCs exchanges are pinned to.
    pub dcs: BTreeSet<i32>,
}

impl Loaded {
    fn push(&mut self, value: Value, place: Place) -> Result<(), ExchangeProblem> {
        let raw: RawExchange =
            serde_json::from_value(value).map_err(|e| ExchangeProblem::Shape(e.to_string()))?;
        let name = tl::json::tag(&raw.request).map_err(ExchangeProblem::Request)?;
        let method = match tl::json::method_named(name) {
            Some(m) => m,
            None if tl::peel::is_wrapper(name) => {
                return Err(ExchangeProblem::Wrapper(name.to_owned()));
            }
            None => return Err(ExchangeProblem::UnsupportedMethod(name.to_owned())),
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
        let request = method
            .canonical_call(&raw.request)
            .map_err(ExchangeProblem::Request)?;
        let response = |value: &Value| {
            method
                .result_from_json(value)
                .map_err(|error| ExchangeProblem::Response {
                    method: method.name,
                    error,
                })
        };
        let answer = match (raw.response, raw.error, raw.synth) {
            (Some(r), None, None) => Answer::Result(response(&r)?),
            (Some(r), None, Some(s)) => {
                let synth = synth::parse(method.name, &r, &s).map_err(ExchangeProblem::Synth)?;
                Answer::Synth(response(&r)?, synth)
            }
            (None, Some(_), Some(_)) => {
                return Err(ExchangeProblem::Synth("only with a `response`".into()));
            }
            (None, Some((code, message)), None) => Answer::Error(code, message),
            _ => return Err(ExchangeProblem::Answer),
        };
        let ignore_set = match self.ignore_sets.iter().position(|s| *s == ignore) {
            Some(i) => i,
            None => {
                self.ignore_sets.push(ignore);
                self.ignore_sets.len() - 1
            }
        };
        let key = stripped(&request, &self.ignore_sets[ignore_set]).to_string();
        let exchange = Exchange {
            method,
            place,
            takeout: raw.takeout,
            range: raw.range,
            dc: raw.dc,
            repeat: raw.repeat,
            answer,
        };
        let sets = self.sets_of_method.entry(method.id).or_default();
        if !sets.contains(&ignore_set) {
            sets.push(ignore_set);
        }
        let same = self.index.entry((method.id, ignore_set, key)).or_default();
        if let Some(&earlier) = same.iter().find(|&&i| self.exchanges[i].shadows(&exchange)) {
            return Err(ExchangeProblem::Shadowed(
                self.exchanges[earlier].place.to_string(),
            ));
        }
        same.push(self.exchanges.len());
        self.dcs.extend(exchange.dc);
        self.exchanges.push(exchange);
        Ok(())
    }
}

/// Removes the field at `path` (a `.`-separated path; numbers index arrays).
pub(super) fn remove_path(value: &mut Value, path: &[String]) {
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

/// `value` without the fields at the paths of `ignore`.
pub(super) fn stripped(value: &Value, ignore: &[Vec<String>]) -> Value {
    if ignore.is_empty() {
        return value.clone();
    }
    let mut v = value.clone();
    for path in ignore {
        remove_path(&mut v, path);
    }
    v
}

mod read;
pub(super) use read::read;
