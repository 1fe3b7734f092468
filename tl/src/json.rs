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

use crate::{
    Deserializable, DeserializeError, Identifiable, Raw, RawVec, RemoteCall, Serializable,
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
mod tests {
    use super::*;

    #[test]
    fn long_accepts_numbers_and_decimal_strings() {
        assert_eq!(i64::from_json(&Value::from(-5)), Ok(-5));
        assert_eq!(
            i64::from_json(&Value::from("9007199254740993")),
            Ok(9007199254740993)
        );
        assert!(i32::from_json(&Value::from(1i64 << 40)).is_err());
    }

    #[test]
    fn errors_carry_their_path() {
        let v: Value = serde_json::json!([{"a": 1}, "x"]);
        let err = Vec::<Vec<i32>>::from_json(&v).unwrap_err();
        assert_eq!(err.to_string(), "at 0: expected an array, found an object");
    }

    #[test]
    fn calls_and_results_by_method_id() {
        use crate::{functions, types};
        let call = functions::messages::GetHistory {
            peer: crate::enums::InputPeer::InputPeerSelf,
            offset_id: 5,
            limit: 10,
            ..Default::default()
        };
        let json = call_to_json(&call.to_bytes()).unwrap();
        assert_eq!(json["_"], "messages.getHistory");
        assert_eq!(json["offset_id"], 5);
        assert_eq!(call_from_json(&json).unwrap(), call.to_bytes());
        let id = functions::messages::GetHistory::CONSTRUCTOR_ID;
        let m = method(id).unwrap();
        assert_eq!(m.name, "messages.getHistory");
        assert_eq!(method_named("messages.getHistory").unwrap().id, id);
        let mut long_as_text = json.clone();
        long_as_text["hash"] = Value::from("0");
        assert_eq!(m.canonical_call(&long_as_text).unwrap(), json);

        let answer: crate::enums::messages::Messages = types::messages::Messages {
            messages: vec![],
            topics: vec![],
            chats: vec![],
            users: vec![],
        }
        .into();
        let rjson = result_to_json(id, &answer.to_bytes()).unwrap();
        assert_eq!(result_from_json(id, &rjson).unwrap(), answer.to_bytes());
        // Bool and vectors of the return type.
        let finish = functions::account::FinishTakeoutSession::CONSTRUCTOR_ID;
        assert_eq!(
            result_to_json(finish, &true.to_bytes()).unwrap(),
            Value::Bool(true)
        );
        assert!(matches!(
            result_from_json(finish, &serde_json::json!({"_": "config"})),
            Err(MethodJsonError::Json(_))
        ));
        // Wrappers and unknown ids have no codec.
        assert!(method(functions::InvokeWithLayer::<Raw>::CONSTRUCTOR_ID).is_none());
        assert!(method_named("invokeWithTakeout").is_none());
        assert!(matches!(
            call_to_json(&[1, 2, 3, 4]),
            Err(MethodJsonError::UnknownMethod(_))
        ));
        assert!(matches!(
            call_to_json(&[1]),
            Err(MethodJsonError::Decode(_))
        ));
        assert!(matches!(
            call_from_json(&serde_json::json!({"_": "nope"})),
            Err(MethodJsonError::UnknownMethod(_))
        ));
        // The table is sorted and complete for the project's methods.
        assert!(methods().windows(2).all(|w| w[0].id < w[1].id));
        assert!(methods().len() > 600, "{}", methods().len());
    }

    #[test]
    fn bytes_are_base64() {
        assert_eq!(bytes_to_json(b"hi"), Value::from("aGk="));
        assert_eq!(bytes_from_json(&Value::from("aGk=")).unwrap(), b"hi");
        assert!(<[u8; 16]>::from_json(&Value::from("aGk=")).is_err());
    }
}
