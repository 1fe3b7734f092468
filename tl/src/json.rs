//! TL objects as JSON, tagged by constructor name: `{"_": "message", "id": 5}`.
//!
//! This is the form of the mock server's fixtures and recorded transcripts.
//! `bytes`, `int128` and `int256` are base64 strings; `long` is a JSON number
//! (a decimal string is accepted too, for tools that lose 64-bit precision).
//! Optional fields that are absent and flags that are false are left out, and
//! reading rejects unknown fields, so a typo in a fixture is an error.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
pub use serde_json::{Map, Value};

use crate::{Raw, RawVec};

mod method;
pub use method::{
    MethodJson, MethodJsonError, call_from_json, call_to_json, method, method_named, methods,
    result_from_json, result_to_json,
};

/// A JSON value that is not the TL object it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Where in the document, outermost first (field names and indices).
    pub path: Vec<String>,
    /// What is wrong there.
    pub message: String,
}

impl JsonError {
    /// An error at the current position.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// The same error, one level further out.
    pub fn at(mut self, segment: impl Into<String>) -> Self {
        self.path.insert(0, segment.into());
        self
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.path.join("."), self.message)
        }
    }
}

impl std::error::Error for JsonError {}

/// Result of reading JSON.
pub type Result<T> = std::result::Result<T, JsonError>;

/// A TL value written as JSON.
pub trait ToJson {
    /// The JSON form of `self`.
    fn to_json(&self) -> Value;
}

/// A TL value read from JSON.
pub trait FromJson: Sized {
    /// Reads the value from its JSON form.
    fn from_json(value: &Value) -> Result<Self>;
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(what: &str, value: &Value) -> JsonError {
    JsonError::new(format!("expected {what}, found {}", kind(value)))
}

impl ToJson for i32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for i32 {
    fn from_json(value: &Value) -> Result<Self> {
        value
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| expected("a 32-bit integer", value))
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for i64 {
    fn from_json(value: &Value) -> Result<Self> {
        match value {
            Value::String(s) => s.parse().map_err(|_| expected("a 64-bit integer", value)),
            _ => value
                .as_i64()
                .ok_or_else(|| expected("a 64-bit integer", value)),
        }
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

impl FromJson for f64 {
    fn from_json(value: &Value) -> Result<Self> {
        value.as_f64().ok_or_else(|| expected("a number", value))
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for bool {
    fn from_json(value: &Value) -> Result<Self> {
        value.as_bool().ok_or_else(|| expected("a boolean", value))
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| expected("a string", value))
    }
}

impl<const N: usize> ToJson for [u8; N] {
    fn to_json(&self) -> Value {
        bytes_to_json(self)
    }
}

impl<const N: usize> FromJson for [u8; N] {
    fn from_json(value: &Value) -> Result<Self> {
        let data = bytes_from_json(value)?;
        data.try_into()
            .map_err(|d: Vec<u8>| JsonError::new(format!("expected {N} bytes, found {}", d.len())))
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(value: &Value) -> Result<Self> {
        T::from_json(value).map(Box::new)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self> {
        let items = value
            .as_array()
            .ok_or_else(|| expected("an array", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_json(item).map_err(|e| e.at(i.to_string())))
            .collect()
    }
}

impl<T: ToJson> ToJson for RawVec<T> {
    fn to_json(&self) -> Value {
        self.0.to_json()
    }
}

impl<T: FromJson> FromJson for RawVec<T> {
    fn from_json(value: &Value) -> Result<Self> {
        Vec::from_json(value).map(RawVec)
    }
}

impl ToJson for Raw {
    fn to_json(&self) -> Value {
        bytes_to_json(&self.0)
    }
}

impl FromJson for Raw {
    fn from_json(value: &Value) -> Result<Self> {
        bytes_from_json(value).map(Raw)
    }
}

/// `bytes` as a base64 string.
pub fn bytes_to_json(data: &[u8]) -> Value {
    Value::String(STANDARD.encode(data))
}

/// `bytes` from a base64 string.
pub fn bytes_from_json(value: &Value) -> Result<Vec<u8>> {
    let s = value
        .as_str()
        .ok_or_else(|| expected("a base64 string", value))?;
    STANDARD
        .decode(s)
        .map_err(|e| JsonError::new(format!("invalid base64: {e}")))
}

/// `Vector<bytes>` as an array of base64 strings.
pub fn bytes_vec_to_json(items: &[Vec<u8>]) -> Value {
    Value::Array(items.iter().map(|b| bytes_to_json(b)).collect())
}

/// `Vector<bytes>` from an array of base64 strings.
pub fn bytes_vec_from_json(value: &Value) -> Result<Vec<Vec<u8>>> {
    let items = value
        .as_array()
        .ok_or_else(|| expected("an array", value))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| bytes_from_json(item).map_err(|e| e.at(i.to_string())))
        .collect()
}

/// The constructor name in the `_` field of an object.
pub fn tag(value: &Value) -> Result<&str> {
    let obj = value
        .as_object()
        .ok_or_else(|| expected("a TL object", value))?;
    match obj.get("_") {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(expected("a constructor name", other).at("_")),
        None => Err(JsonError::new("missing the \"_\" constructor name")),
    }
}

/// The fields of an object that should be the constructor `name`. A missing
/// `_` is accepted (a bare value); a different one, or any field not in
/// `fields`, is an error.
pub fn object<'a>(value: &'a Value, name: &str, fields: &[&str]) -> Result<&'a Map<String, Value>> {
    let obj = value
        .as_object()
        .ok_or_else(|| expected(&format!("a {name} object"), value))?;
    for key in obj.keys() {
        if key == "_" {
            if obj[key].as_str() != Some(name) {
                return Err(JsonError::new(format!(
                    "expected constructor {name}, found {}",
                    obj[key]
                )));
            }
        } else if !fields.contains(&key.as_str()) {
            return Err(JsonError::new(format!("{name} has no field {key:?}")));
        }
    }
    Ok(obj)
}

/// A required field.
pub fn field<T: FromJson>(obj: &Map<String, Value>, name: &str) -> Result<T> {
    match obj.get(name) {
        Some(v) => T::from_json(v).map_err(|e| e.at(name)),
        None => Err(JsonError::new(format!("missing field {name:?}"))),
    }
}

/// An optional field (`flags.N?T`); absent or null is `None`.
pub fn opt_field<T: FromJson>(obj: &Map<String, Value>, name: &str) -> Result<Option<T>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_json(v).map(Some).map_err(|e| e.at(name)),
    }
}

/// A `flags.N?true` field; absent is false.
pub fn flag(obj: &Map<String, Value>, name: &str) -> Result<bool> {
    Ok(opt_field(obj, name)?.unwrap_or(false))
}

/// A required `bytes` field.
pub fn bytes_field(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>> {
    match obj.get(name) {
        Some(v) => bytes_from_json(v).map_err(|e| e.at(name)),
        None => Err(JsonError::new(format!("missing field {name:?}"))),
    }
}

/// An optional `bytes` field.
pub fn opt_bytes_field(obj: &Map<String, Value>, name: &str) -> Result<Option<Vec<u8>>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => bytes_from_json(v).map(Some).map_err(|e| e.at(name)),
    }
}

/// A required `Vector<bytes>` field.
pub fn bytes_vec_field(obj: &Map<String, Value>, name: &str) -> Result<Vec<Vec<u8>>> {
    match obj.get(name) {
        Some(v) => bytes_vec_from_json(v).map_err(|e| e.at(name)),
        None => Err(JsonError::new(format!("missing field {name:?}"))),
    }
}

/// An optional `Vector<bytes>` field.
pub fn opt_bytes_vec_field(obj: &Map<String, Value>, name: &str) -> Result<Option<Vec<Vec<u8>>>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => bytes_vec_from_json(v).map(Some).map_err(|e| e.at(name)),
    }
}

/// Error for a constructor name that the expected type does not have.
pub fn unknown_constructor(name: &str, ty: &str) -> JsonError {
    JsonError::new(format!("{name:?} is not a constructor of {ty}")).at("_")
}

/// Implements serde's `Serialize` and `Deserialize` through [`ToJson`] and
/// [`FromJson`] for non-generic TL types.
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_serde {
    ($($ty:ty),* $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&$crate::json::ToJson::to_json(self), s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                $crate::json::FromJson::from_json(&value).map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    )*};
}

#[cfg(test)]
mod tests;
