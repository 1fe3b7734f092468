//! One struct per constructor (in `types`) and per function (in
//! `functions`), with its encoding, decoding, JSON and random values.
//!
//! ```text
//! pub struct InputPeerUser { pub user_id: i64, pub access_hash: i64 }
//! impl Identifiable for InputPeerUser { const CONSTRUCTOR_ID: u32 = 0xdde8a54c; }
//! impl Serializable for InputPeerUser { .. }   // bare: fields only
//! impl Deserializable for InputPeerUser { .. }
//! impl RemoteCall for GetHistory { type Return = enums::messages::Messages; } // functions
//! ```

use std::fmt::{self, Write as _};

use grammers_tl_parser::tl::Category;

use crate::metadata::{Field, Meta, Ty};
use crate::names;
use crate::rust::{self, doc};
use crate::{Config, GenerateError};

/// Generic parameters of a definition (`{X:Type}`), in first-use order.
pub fn generics(meta: &Meta, i: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &meta.fields[i] {
        if let Some(Ty::Generic(x)) = &f.ty {
            if !out.contains(x) {
                out.push(x.clone());
            }
        }
    }
    out
}

fn bounded(generics: &[String], bound: &str) -> String {
    if generics.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = generics.iter().map(|g| format!("{g}: {bound}")).collect();
        format!("<{}>", list.join(", "))
    }
}

fn plain(generics: &[String]) -> String {
    if generics.is_empty() {
        String::new()
    } else {
        format!("<{}>", generics.join(", "))
    }
}

/// Writes the struct for definition `i`.
pub fn write_struct(
    out: &mut String,
    meta: &Meta,
    i: usize,
    config: &Config,
) -> Result<(), GenerateError> {
    let d = meta.def(i);
    let is_fn = d.category == Category::Functions;
    let name = names::upper_camel(&d.name);
    let full = d.full_name();
    let gens = generics(meta, i);
    let g_plain = plain(&gens);
    // The value fields with their types (flag words have none).
    let fields: Vec<(&Field, &Ty)> = meta.fields[i]
        .iter()
        .filter_map(|f| Some((f, f.ty.as_ref()?)))
        .collect();
    for (_, t) in &fields {
        rust::check_supported(t).map_err(|e| {
            GenerateError::Schema(format!("line {}: {full}: {e}", meta.defs[i].line))
        })?;
    }

    doc(
        out,
        "",
        if is_fn { "method" } else { "constructor" },
        &full,
        &[&meta.defs[i].source],
    );
    out.push_str("#[derive(Clone, Debug, Default, PartialEq)]\n");
    writeln!(out, "pub struct {name}{g_plain} {{")?;
    for (f, t) in &fields {
        writeln!(out, "    pub {}: {},", f.name, rust::field_ty(meta, f, t))?;
    }
    out.push_str("}\n\n");

    writeln!(
        out,
        "impl{g_plain} crate::Identifiable for {name}{g_plain} {{"
    )?;
    writeln!(out, "    const CONSTRUCTOR_ID: u32 = {:#010x};\n}}\n", d.id)?;

    write_serialize(out, meta, i, &name, &gens, is_fn)?;
    write_deserialize(out, meta, i, &name, &gens, is_fn)?;

    if is_fn {
        let ret = match &meta.returns[i] {
            Some(Ty::Generic(x)) => format!("{x}::Return"),
            Some(t) => rust::ty(meta, t),
            None => {
                let line = meta.defs[i].line;
                let e = format!("line {line}: {full}: a function without a return type");
                return Err(GenerateError::Schema(e));
            }
        };
        let g_call = bounded(&gens, "crate::RemoteCall");
        writeln!(out, "impl{g_call} crate::RemoteCall for {name}{g_plain} {{")?;
        writeln!(out, "    type Return = {ret};\n}}\n")?;
    }
    if config.json {
        write_json(out, i, meta, &name, &gens, &fields)?;
    }
    if config.generate {
        write_generate(out, meta, i, &name, &gens, &fields)?;
    }
    Ok(())
}

/// Whether any parameter depends on the flag word `word`.
fn word_used(meta: &Meta, i: usize, word: &str) -> bool {
    word_used_by(meta, i, word, |_| true)
}

/// Whether a parameter that `reads` says is read depends on the flag word
/// `word`.
pub(crate) fn word_used_by(
    meta: &Meta,
    i: usize,
    word: &str,
    reads: impl Fn(&Field) -> bool,
) -> bool {
    meta.fields[i]
        .iter()
        .any(|f| reads(f) && f.flag.as_ref().is_some_and(|(w, _)| w == word))
}

fn flag_value(meta: &Meta, i: usize, word: &str) -> String {
    let parts: Vec<String> = meta.fields[i]
        .iter()
        .filter_map(|f| {
            let (w, bit) = f.flag.as_ref()?;
            if w != word {
                return None;
            }
            let test = if f.ty == Some(Ty::True) {
                format!("self.{}", f.name)
            } else {
                format!("self.{}.is_some()", f.name)
            };
            Some(format!("(if {test} {{ 1 << {bit} }} else {{ 0 }})"))
        })
        .collect();
    match parts.len() {
        0 => "0".to_owned(),
        1 => parts[0]
            .trim_start_matches('(')
            .trim_end_matches(')')
            .to_owned(),
        _ => parts.join("\n            | "),
    }
}

fn write_serialize(
    out: &mut String,
    meta: &Meta,
    i: usize,
    name: &str,
    gens: &[String],
    is_fn: bool,
) -> fmt::Result {
    let d = meta.def(i);
    let mut body = String::new();
    if is_fn {
        writeln!(
            body,
            "        crate::Serializable::serialize(&{:#010x}u32, buf);",
            d.id
        )?;
    }
    for f in &meta.fields[i] {
        match (&f.ty, &f.flag) {
            (None, _) => {
                let value = flag_value(meta, i, &f.tl_name);
                writeln!(body, "        let f_{}: u32 = {value};", f.tl_name)?;
                writeln!(
                    body,
                    "        crate::Serializable::serialize(&f_{}, buf);",
                    f.tl_name
                )?;
            }
            (Some(Ty::True), _) => {}
            (Some(t), Some(_)) => {
                writeln!(body, "        if let Some(x) = &self.{} {{", f.name)?;
                writeln!(body, "            {}", rust::ser_stmt(t, "x"))?;
                body.push_str("        }\n");
            }
            (Some(t), None) => {
                writeln!(
                    body,
                    "        {}",
                    rust::ser_stmt(t, &format!("&self.{}", f.name))
                )?;
            }
        }
    }
    let buf = if body.is_empty() { "_buf" } else { "buf" };
    let g = bounded(gens, "crate::Serializable");
    writeln!(
        out,
        "impl{g} crate::Serializable for {name}{} {{",
        plain(gens)
    )?;
    writeln!(out, "    fn serialize(&self, {buf}: &mut Vec<u8>) {{")?;
    out.push_str(&body);
    out.push_str("    }\n}\n\n");
    Ok(())
}

fn write_deserialize(
    out: &mut String,
    meta: &Meta,
    i: usize,
    name: &str,
    gens: &[String],
    is_fn: bool,
) -> fmt::Result {
    let d = meta.def(i);
    let mut body = String::new();
    let mut sizes = vec![if is_fn {
        "4".to_owned()
    } else {
        "0".to_owned()
    }];
    if is_fn {
        writeln!(
            body,
            "        buf.expect_id({:#010x}, {:?})?;",
            d.id,
            d.full_name()
        )?;
    }
    let mut names = Vec::new();
    for f in &meta.fields[i] {
        let size = rust::min_size(meta, f);
        if size != "0" {
            sizes.push(size);
        }
        match (&f.ty, &f.flag) {
            (None, _) if !word_used(meta, i, &f.tl_name) => {
                body.push_str("        buf.read_u32()?;\n");
            }
            (None, _) => {
                writeln!(body, "        let f_{} = buf.read_u32()?;", f.tl_name)?;
            }
            (Some(Ty::True), Some((w, bit))) => {
                writeln!(body, "        let {} = f_{w} & (1 << {bit}) != 0;", f.name)?;
            }
            (Some(t), Some((w, bit))) => {
                writeln!(
                    body,
                    "        let {} = if f_{w} & (1 << {bit}) != 0 {{ Some({}) }} else {{ None }};",
                    f.name,
                    rust::de_expr(meta, f, t)
                )?;
            }
            (Some(t), None) => {
                writeln!(
                    body,
                    "        let {} = {};",
                    f.name,
                    rust::de_expr(meta, f, t)
                )?;
            }
        }
        if !f.is_flag_word() {
            names.push(f.name.clone());
        }
    }
    let buf = if body.is_empty() { "_buf" } else { "buf" };
    let g = bounded(gens, "crate::Deserializable");
    writeln!(
        out,
        "impl{g} crate::Deserializable for {name}{} {{",
        plain(gens)
    )?;
    writeln!(out, "    const MIN_SIZE: usize = {};", sizes.join(" + "))?;
    writeln!(
        out,
        "    fn deserialize({buf}: &mut crate::Cursor<'_>) -> Result<Self, crate::DeserializeError> {{"
    )?;
    out.push_str(&body);
    writeln!(out, "        Ok(Self {{ {} }})", names.join(", "))?;
    out.push_str("    }\n");
    crate::skip::write_struct_skip(out, meta, i, is_fn)?;
    out.push_str("}\n\n");
    Ok(())
}

fn write_json(
    out: &mut String,
    i: usize,
    meta: &Meta,
    name: &str,
    gens: &[String],
    fields: &[(&Field, &Ty)],
) -> fmt::Result {
    let full = meta.def(i).full_name();
    let g_to = bounded(gens, "crate::json::ToJson");
    let g_from = bounded(gens, "crate::json::FromJson");
    let g_plain = plain(gens);
    out.push_str("#[cfg(feature = \"serde\")]\n");
    writeln!(out, "impl{g_to} crate::json::ToJson for {name}{g_plain} {{")?;
    out.push_str("    fn to_json(&self) -> crate::json::Value {\n");
    out.push_str("        let mut m = crate::json::Map::new();\n");
    writeln!(out, "        m.insert(\"_\".into(), {full:?}.into());")?;
    for &(f, t) in fields {
        let key = &f.tl_name;
        match (&f.flag, t) {
            (Some(_), Ty::True) => writeln!(
                out,
                "        if self.{} {{ m.insert({key:?}.into(), true.into()); }}",
                f.name
            ),
            (Some(_), _) => writeln!(
                out,
                "        if let Some(x) = &self.{} {{ m.insert({key:?}.into(), {}); }}",
                f.name,
                rust::to_json_expr(t, "x")
            ),
            (None, _) => writeln!(
                out,
                "        m.insert({key:?}.into(), {});",
                rust::to_json_expr(t, &format!("&self.{}", f.name))
            ),
        }?;
    }
    out.push_str("        crate::json::Value::Object(m)\n    }\n}\n\n");

    out.push_str("#[cfg(feature = \"serde\")]\n");
    writeln!(
        out,
        "impl{g_from} crate::json::FromJson for {name}{g_plain} {{"
    )?;
    out.push_str("    fn from_json(v: &crate::json::Value) -> crate::json::Result<Self> {\n");
    let keys: Vec<String> = fields
        .iter()
        .map(|(f, _)| format!("{:?}", f.tl_name))
        .collect();
    let bind = if fields.is_empty() { "_m" } else { "m" };
    writeln!(
        out,
        "        let {bind} = crate::json::object(v, {full:?}, &[{}])?;",
        keys.join(", ")
    )?;
    out.push_str("        Ok(Self {\n");
    for &(f, t) in fields {
        writeln!(
            out,
            "            {}: {},",
            f.name,
            rust::from_json_expr(f, t)
        )?;
    }
    out.push_str("        })\n    }\n}\n\n");
    if gens.is_empty() {
        writeln!(
            out,
            "#[cfg(feature = \"serde\")]\ncrate::__impl_serde!({name});\n"
        )?;
    }
    Ok(())
}

fn write_generate(
    out: &mut String,
    meta: &Meta,
    i: usize,
    name: &str,
    gens: &[String],
    fields: &[(&Field, &Ty)],
) -> fmt::Result {
    let g = bounded(gens, "crate::random::Generate");
    out.push_str("#[cfg(feature = \"proptest\")]\n");
    writeln!(
        out,
        "impl{g} crate::random::Generate for {name}{} {{",
        plain(gens)
    )?;
    let words: Vec<&Field> = meta.fields[i].iter().filter(|f| f.is_flag_word()).collect();
    let uses_gen = !fields.is_empty();
    let (gv, dv) = if uses_gen {
        ("g", "depth")
    } else {
        ("_g", "_depth")
    };
    writeln!(
        out,
        "    fn generate({gv}: &mut crate::random::Gen, {dv}: u32) -> Self {{"
    )?;
    if fields.iter().any(|&(_, t)| *t != Ty::True) {
        out.push_str("        let d = depth.saturating_sub(1);\n");
    }
    for w in words.iter().filter(|w| word_used(meta, i, &w.tl_name)) {
        writeln!(out, "        let f_{} = g.flags(depth);", w.tl_name)?;
    }
    out.push_str("        Self {\n");
    for &(f, t) in fields {
        let value = match (&f.flag, t) {
            (Some((w, bit)), Ty::True) => format!("f_{w} & (1 << {bit}) != 0"),
            (Some((w, bit)), _) => format!(
                "if f_{w} & (1 << {bit}) != 0 {{ Some({}) }} else {{ None }}",
                rust::generate_expr(t)
            ),
            (None, _) => rust::generate_expr(t),
        };
        writeln!(out, "            {}: {value},", f.name)?;
    }
    out.push_str("        }\n    }\n}\n\n");
    Ok(())
}
