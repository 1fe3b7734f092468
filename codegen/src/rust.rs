//! Rust paths, types and the per-field code snippets every emitter shares.

use crate::metadata::{Field, Meta, Ty};
use crate::names;

/// `crate::types::messages::MessagesSlice` for a constructor.
pub fn struct_path(meta: &Meta, def: usize, root: &str) -> String {
    let d = meta.def(def);
    let mut p = format!("crate::{root}::");
    for ns in &d.namespace {
        p.push_str(&names::module(ns));
        p.push_str("::");
    }
    p.push_str(&names::upper_camel(&d.name));
    p
}

/// `crate::enums::messages::Messages` for a boxed type.
pub fn enum_path(meta: &Meta, e: usize) -> String {
    let info = &meta.enums[e];
    let mut p = "crate::enums::".to_owned();
    for ns in &info.namespace {
        p.push_str(&names::module(ns));
        p.push_str("::");
    }
    p.push_str(&names::upper_camel(&info.name));
    p
}

/// The Rust type of a TL type (without the `Option`/`Box` of the field).
pub fn ty(meta: &Meta, t: &Ty) -> String {
    match t {
        Ty::Int => "i32".into(),
        Ty::Long => "i64".into(),
        Ty::Double => "f64".into(),
        Ty::String => "String".into(),
        Ty::Bytes => "Vec<u8>".into(),
        Ty::Int128 => "[u8; 16]".into(),
        Ty::Int256 => "[u8; 32]".into(),
        Ty::Bool | Ty::True => "bool".into(),
        Ty::Vector(inner) => format!("Vec<{}>", ty(meta, inner)),
        Ty::RawVector(inner) => format!("crate::RawVec<{}>", ty(meta, inner)),
        Ty::Enum(e) => enum_path(meta, *e),
        Ty::Bare(c) => struct_path(meta, *c, "types"),
        Ty::Generic(x) => x.clone(),
    }
}

/// The field's type as declared in the struct.
pub fn field_ty(meta: &Meta, f: &Field, t: &Ty) -> String {
    let s = value_ty(meta, f, t);
    match (t, &f.flag) {
        (Ty::True, _) | (_, None) => s,
        (_, Some(_)) => format!("Option<{s}>"),
    }
}

/// Types whose encoding is not a trait impl (`Vec<u8>` is `bytes`, not a
/// vector of bytes): the helper-module function suffix for them.
pub fn bytes_helper(t: &Ty) -> Option<&'static str> {
    match t {
        Ty::Bytes => Some("bytes"),
        Ty::Vector(inner) if **inner == Ty::Bytes => Some("bytes_vec"),
        Ty::RawVector(inner) if **inner == Ty::Bytes => Some("bytes_raw_vec"),
        _ => None,
    }
}

/// Bytes nested deeper than one vector are not supported (and not used).
pub fn check_supported(t: &Ty) -> Result<(), String> {
    match t {
        Ty::Vector(inner) | Ty::RawVector(inner) => match &**inner {
            Ty::Vector(i2) | Ty::RawVector(i2) if contains_bytes(i2) => {
                Err("vectors of vectors of bytes are not supported".into())
            }
            other => check_supported(other),
        },
        _ => Ok(()),
    }
}

fn contains_bytes(t: &Ty) -> bool {
    match t {
        Ty::Bytes => true,
        Ty::Vector(i) | Ty::RawVector(i) => contains_bytes(i),
        _ => false,
    }
}

/// Statement writing the value at `expr` (a reference) to `buf`.
pub fn ser_stmt(t: &Ty, expr: &str) -> String {
    match bytes_helper(t) {
        Some(h) => format!("crate::ser::{h}({expr}, buf);"),
        None => format!("crate::Serializable::serialize({expr}, buf);"),
    }
}

/// Expression reading a value of the field's type (without `Option`).
pub fn de_expr(meta: &Meta, f: &Field, t: &Ty) -> String {
    match bytes_helper(t) {
        Some(h) => format!("crate::de::{h}(buf)?"),
        None => format!(
            "<{} as crate::Deserializable>::deserialize(buf)?",
            value_ty(meta, f, t)
        ),
    }
}

/// The field's type without its `Option` (boxed fields stay boxed).
pub fn value_ty(meta: &Meta, f: &Field, t: &Ty) -> String {
    let s = ty(meta, t);
    if f.boxed { format!("Box<{s}>") } else { s }
}

/// Expression giving the JSON of the value at `expr` (a reference).
pub fn to_json_expr(t: &Ty, expr: &str) -> String {
    match bytes_helper(t) {
        Some("bytes") => format!("crate::json::bytes_to_json({expr})"),
        Some("bytes_vec") => format!("crate::json::bytes_vec_to_json({expr})"),
        Some(_) => format!("crate::json::bytes_vec_to_json(&({expr}).0)"),
        None => format!("crate::json::ToJson::to_json({expr})"),
    }
}

/// Expression reading the field from the JSON object `m`.
pub fn from_json_expr(f: &Field, t: &Ty) -> String {
    let name = &f.tl_name;
    let optional = f.flag.is_some() && *t != Ty::True;
    match (bytes_helper(t), optional) {
        (_, false) if *t == Ty::True => format!("crate::json::flag(m, {name:?})?"),
        (Some("bytes"), false) => format!("crate::json::bytes_field(m, {name:?})?"),
        (Some("bytes"), true) => format!("crate::json::opt_bytes_field(m, {name:?})?"),
        (Some("bytes_vec"), false) => format!("crate::json::bytes_vec_field(m, {name:?})?"),
        (Some("bytes_vec"), true) => format!("crate::json::opt_bytes_vec_field(m, {name:?})?"),
        (Some(_), false) => format!("crate::RawVec(crate::json::bytes_vec_field(m, {name:?})?)"),
        (Some(_), true) => {
            format!("crate::json::opt_bytes_vec_field(m, {name:?})?.map(crate::RawVec)")
        }
        (None, false) => format!("crate::json::field(m, {name:?})?"),
        (None, true) => format!("crate::json::opt_field(m, {name:?})?"),
    }
}

/// Expression generating a random value of the field's type (no `Option`).
pub fn generate_expr(t: &Ty) -> String {
    match bytes_helper(t) {
        Some(h) => format!("crate::random::{h}(g, d)"),
        None => "crate::random::Generate::generate(g, d)".to_owned(),
    }
}

/// The wire-size lower bound of a required field, as a const expression.
pub fn min_size(meta: &Meta, f: &Field) -> String {
    let Some(t) = &f.ty else { return "4".into() };
    if f.flag.is_some() {
        return "0".into();
    }
    match t {
        Ty::Int | Ty::String | Ty::Bytes | Ty::Bool | Ty::Enum(_) | Ty::RawVector(_) => "4".into(),
        Ty::Long | Ty::Double | Ty::Vector(_) => "8".into(),
        Ty::Int128 => "16".into(),
        Ty::Int256 => "32".into(),
        Ty::True => "0".into(),
        Ty::Bare(_) if f.boxed => "0".into(),
        Ty::Bare(_) | Ty::Generic(_) => {
            format!("<{} as crate::Deserializable>::MIN_SIZE", ty(meta, t))
        }
    }
}

/// A `///` doc block linking the core.telegram.org page and quoting TL.
pub fn doc(out: &mut String, indent: &str, link_kind: &str, full_name: &str, tl: &[&str]) {
    out.push_str(&format!(
        "{indent}/// [Read `{full_name}` docs](https://core.telegram.org/{link_kind}/{full_name}).\n"
    ));
    out.push_str(&format!("{indent}///\n{indent}/// ```tl\n"));
    for line in tl {
        out.push_str(&format!("{indent}/// {line};\n"));
    }
    out.push_str(&format!("{indent}/// ```\n"));
}
