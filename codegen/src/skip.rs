//! `Deserializable::skip` for every constructor, function and boxed type:
//! it walks an encoded value (flag words, conditional fields, vectors,
//! strings, boxed dispatch) without building it, failing wherever
//! `deserialize` fails and consuming the same bytes.
//!
//! ```text
//! fn skip(buf: &mut crate::Cursor<'_>) -> Result<(), crate::DeserializeError> {
//!     let f_flags = buf.read_u32()?;
//!     <i32 as crate::Deserializable>::skip(buf)?;
//!     if f_flags & (1 << 2) != 0 { crate::de::skip_bytes(buf)?; }
//!     Ok(())
//! }
//! ```

use std::fmt::{self, Write as _};

use crate::metadata::{Field, Meta, Ty};
use crate::rust;

/// Statement skipping one value of the field's type (without `Option`).
fn skip_stmt(meta: &Meta, f: &Field, t: &Ty) -> String {
    match rust::bytes_helper(t) {
        Some(h) => format!("crate::de::skip_{h}(buf)?;"),
        None => format!(
            "<{} as crate::Deserializable>::skip(buf)?;",
            rust::value_ty(meta, f, t)
        ),
    }
}

/// Whether a field that skip reads (not a `true` flag) depends on `word`.
fn word_needed(meta: &Meta, i: usize, word: &str) -> bool {
    crate::structs::word_used_by(meta, i, word, |f| f.ty != Some(Ty::True))
}

/// Writes the `skip` method of definition `i` (inside its
/// `impl Deserializable`); a function starts with its constructor id.
pub fn write_struct_skip(out: &mut String, meta: &Meta, i: usize, is_fn: bool) -> fmt::Result {
    let d = meta.def(i);
    let mut body = String::new();
    if is_fn {
        writeln!(
            body,
            "        buf.expect_id({:#010x}, {:?})?;",
            d.id,
            d.full_name()
        )?;
    }
    for f in &meta.fields[i] {
        match (&f.ty, &f.flag) {
            (None, _) if !word_needed(meta, i, &f.tl_name) => {
                body.push_str("        buf.read_u32()?;\n");
            }
            (None, _) => {
                writeln!(body, "        let f_{} = buf.read_u32()?;", f.tl_name)?;
            }
            (Some(Ty::True), _) => {}
            (Some(t), Some((w, bit))) => {
                writeln!(
                    body,
                    "        if f_{w} & (1 << {bit}) != 0 {{ {} }}",
                    skip_stmt(meta, f, t)
                )?;
            }
            (Some(t), None) => {
                writeln!(body, "        {}", skip_stmt(meta, f, t))?;
            }
        }
    }
    let buf = if body.is_empty() { "_buf" } else { "buf" };
    writeln!(
        out,
        "    fn skip({buf}: &mut crate::Cursor<'_>) -> Result<(), crate::DeserializeError> {{"
    )?;
    out.push_str(&body);
    out.push_str("        Ok(())\n    }\n");
    Ok(())
}

/// Writes the `skip` method of a boxed type: its constructor id, then the
/// constructor's fields (`variants` are (id, struct path if it has fields)).
pub fn write_enum_skip(
    out: &mut String,
    full: &str,
    variants: &[(u32, Option<&str>)],
) -> fmt::Result {
    out.push_str(
        "    fn skip(buf: &mut crate::Cursor<'_>) -> Result<(), crate::DeserializeError> {\n",
    );
    out.push_str("        let id = buf.read_u32()?;\n        match id {\n");
    for (id, ty) in variants {
        match ty {
            Some(t) => writeln!(
                out,
                "            {id:#010x} => <{t} as crate::Deserializable>::skip(buf),"
            ),
            None => writeln!(out, "            {id:#010x} => Ok(()),"),
        }?;
    }
    writeln!(
        out,
        "            _ => Err(crate::DeserializeError::UnexpectedConstructor {{ id, expected: {full:?} }}),"
    )?;
    out.push_str("        }\n    }\n");
    Ok(())
}
