//! The JSON codec of each method, found by id or name: what the client's
//! recorder and the mock server's replay use for calls they meet as bytes.

use std::fmt;

use super::{FromJson, JsonError, Result, ToJson, Value, tag};
use crate::{Deserializable, DeserializeError, Identifiable, RemoteCall, Serializable};

/// How to read and write one method's calls and results as JSON, for
/// tools that meet a method only by its id or name (the client's recorder,
/// the mock server's replay): [`method`], [`method_named`],
/// [`call_to_json`], [`call_from_json`], [`result_to_json`],
/// [`result_from_json`]. Every method of the schema has one except the
/// generic wrappers (`invokeWithLayer` and the like, see [`crate::peel`]).
#[derive(Clone, Copy)]
pub struct MethodJson {
    /// The constructor id.
    pub id: u32,
    /// The TL name (`messages.getHistory`).
    pub name: &'static str,
    call_to_json: fn(&[u8]) -> std::result::Result<Value, DeserializeError>,
    call_from_json: fn(&Value) -> Result<Vec<u8>>,
    result_to_json: fn(&[u8]) -> std::result::Result<Value, DeserializeError>,
    result_from_json: fn(&Value) -> Result<Vec<u8>>,
}

impl fmt::Debug for MethodJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MethodJson({:#010x} {})", self.id, self.name)
    }
}

fn de_to_json<T: Deserializable + ToJson>(
    bytes: &[u8],
) -> std::result::Result<Value, DeserializeError> {
    T::from_bytes(bytes).map(|v| v.to_json())
}

fn json_to_bytes<T: FromJson + Serializable>(value: &Value) -> Result<Vec<u8>> {
    T::from_json(value).map(|v| v.to_bytes())
}

impl MethodJson {
    /// The codec of method `F` named `name` (used by the generated table).
    #[doc(hidden)]
    pub const fn of<F>(name: &'static str) -> Self
    where
        F: RemoteCall + Identifiable + Deserializable + ToJson + FromJson,
        F::Return: ToJson + FromJson + Serializable,
    {
        Self {
            id: F::CONSTRUCTOR_ID,
            name,
            call_to_json: de_to_json::<F>,
            call_from_json: json_to_bytes::<F>,
            result_to_json: de_to_json::<F::Return>,
            result_from_json: json_to_bytes::<F::Return>,
        }
    }

    /// The JSON of a serialized call of this method (constructor id first).
    pub fn call_to_json(&self, bytes: &[u8]) -> std::result::Result<Value, DeserializeError> {
        (self.call_to_json)(bytes)
    }

    /// A call of this method from its JSON, serialized.
    pub fn call_from_json(&self, value: &Value) -> Result<Vec<u8>> {
        (self.call_from_json)(value)
    }

    /// The call's JSON read and written back: the form two equal calls
    /// share (`"5"` and `5` for a `long` become `5`, absent flags dropped).
    pub fn canonical_call(&self, value: &Value) -> Result<Value> {
        let bytes = self.call_from_json(value)?;
        self.call_to_json(&bytes)
            .map_err(|e| JsonError::new(format!("does not read back: {e}")))
    }

    /// The JSON of a serialized answer of this method.
    pub fn result_to_json(&self, bytes: &[u8]) -> std::result::Result<Value, DeserializeError> {
        (self.result_to_json)(bytes)
    }

    /// An answer of this method from its JSON, serialized.
    pub fn result_from_json(&self, value: &Value) -> Result<Vec<u8>> {
        (self.result_from_json)(value)
    }
}

/// Every method's codec, sorted by id.
pub fn methods() -> &'static [MethodJson] {
    crate::METHOD_JSON
}

/// The codec of the method with constructor id `id`.
pub fn method(id: u32) -> Option<&'static MethodJson> {
    let all = methods();
    all.binary_search_by_key(&id, |m| m.id)
        .ok()
        .map(|i| &all[i])
}

/// The codec of the method named `name` (`messages.getHistory`).
pub fn method_named(name: &str) -> Option<&'static MethodJson> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::OnceLock::new();
    let index = BY_NAME.get_or_init(|| {
        methods()
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name, i))
            .collect()
    });
    index.get(name).map(|&i| &methods()[i])
}

/// Why a call or result could not be turned to or from JSON by method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MethodJsonError {
    /// No method has this id or name (or it is a generic wrapper).
    UnknownMethod(String),
    /// The bytes do not decode as the method's call or result.
    Decode(DeserializeError),
    /// The JSON is not the method's call or result.
    Json(JsonError),
}

impl fmt::Display for MethodJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownMethod(m) => write!(f, "unknown method {m}"),
            Self::Decode(e) => write!(f, "{e}"),
            Self::Json(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for MethodJsonError {}

fn known(id: u32) -> std::result::Result<&'static MethodJson, MethodJsonError> {
    method(id).ok_or_else(|| {
        MethodJsonError::UnknownMethod(
            crate::name_for_id(id).map_or_else(|| format!("{id:#010x}"), str::to_owned),
        )
    })
}

/// The JSON of a serialized call (constructor id first, no wrappers).
pub fn call_to_json(bytes: &[u8]) -> std::result::Result<Value, MethodJsonError> {
    let id = crate::Cursor::new(bytes)
        .peek_u32()
        .map_err(MethodJsonError::Decode)?;
    known(id)?
        .call_to_json(bytes)
        .map_err(MethodJsonError::Decode)
}

/// A call from its JSON (`{"_": "messages.getHistory", ...}`), serialized.
pub fn call_from_json(value: &Value) -> std::result::Result<Vec<u8>, MethodJsonError> {
    let name = tag(value).map_err(MethodJsonError::Json)?;
    method_named(name)
        .ok_or_else(|| MethodJsonError::UnknownMethod(name.to_owned()))?
        .call_from_json(value)
        .map_err(MethodJsonError::Json)
}

/// The JSON of a serialized answer to method `method_id`.
pub fn result_to_json(method_id: u32, bytes: &[u8]) -> std::result::Result<Value, MethodJsonError> {
    known(method_id)?
        .result_to_json(bytes)
        .map_err(MethodJsonError::Decode)
}

/// An answer to method `method_id` from its JSON, serialized.
pub fn result_from_json(
    method_id: u32,
    value: &Value,
) -> std::result::Result<Vec<u8>, MethodJsonError> {
    known(method_id)?
        .result_from_json(value)
        .map_err(MethodJsonError::Json)
}
