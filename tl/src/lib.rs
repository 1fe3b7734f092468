//! Telegram's Type Language schema as Rust types.
//!
//! `build.rs` runs `tl-codegen` over `schema/api.tl` and `schema/mtproto.tl`
//! and writes the result into `OUT_DIR`:
//!
//! - [`types`]: one struct per constructor (bare: encoded without its id);
//! - [`enums`]: one enum per boxed type (encoded with the constructor id);
//! - [`functions`]: one struct per method, implementing [`RemoteCall`];
//! - [`LAYER`] and [`name_for_id`];
//! - [`peel`]: the `invokeWith*` wrappers and the call inside them.
//!
//! TL types map to Rust as `int` → `i32`, `long` → `i64`, `double` → `f64`,
//! `string` → `String`, `bytes` → `Vec<u8>`, `int128`/`int256` → byte arrays,
//! `Bool` and `flags.N?true` → `bool`, `flags.N?T` → `Option<T>`,
//! `Vector<T>` → `Vec<T>`, bare `vector<T>` → [`RawVec`], and the generic
//! `!X` query of the `invokeWith*` wrappers → any `X: RemoteCall` (use
//! [`Raw`] to decode one without knowing its type).

pub mod de;
#[cfg(feature = "serde")]
pub mod json;
pub mod peel;
#[cfg(feature = "proptest")]
pub mod random;
pub mod ser;
pub mod splitmix;

pub use de::{Cursor, Deserializable, DeserializeError};
pub use ser::Serializable;

/// A TL constructor or function with a known 32-bit id.
pub trait Identifiable {
    /// The constructor id from the schema.
    const CONSTRUCTOR_ID: u32;
}

/// A TL function: something that is sent and answered with `Return`.
pub trait RemoteCall: Serializable {
    /// The type of the answer.
    type Return: Deserializable;
}

/// A bare `vector<T>`: the count and items, without the `Vector` id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawVec<T>(pub Vec<T>);

/// Bytes that are already TL-encoded: written as they are, and read as all
/// the bytes that remain. The mock server decodes `invokeWithLayer<Raw>` to
/// look inside a wrapper without knowing the wrapped query's type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Raw(pub Vec<u8>);

impl RemoteCall for Raw {
    type Return = Raw;
}

include!(concat!(env!("OUT_DIR"), "/generated_common.rs"));

/// One struct per TL constructor, grouped by namespace.
#[allow(
    clippy::all,
    clippy::pedantic,
    non_camel_case_types,
    missing_docs,
    rustdoc::bare_urls
)]
pub mod types {
    include!(concat!(env!("OUT_DIR"), "/generated_types.rs"));
}

/// One enum per boxed TL type, grouped by namespace.
#[allow(
    clippy::all,
    clippy::pedantic,
    non_camel_case_types,
    missing_docs,
    rustdoc::bare_urls
)]
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/generated_enums.rs"));
}

/// One struct per TL method, grouped by namespace.
#[allow(
    clippy::all,
    clippy::pedantic,
    non_camel_case_types,
    missing_docs,
    rustdoc::bare_urls
)]
pub mod functions {
    include!(concat!(env!("OUT_DIR"), "/generated_functions.rs"));
}
