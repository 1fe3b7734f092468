//! One enum per boxed type, in `enums`. Encoding writes the constructor id
//! and then the bare constructor; decoding reads the id and dispatches.
//! Constructors without parameters are unit variants.
//!
//! ```text
//! pub enum InputPeer { Empty, InputPeerSelf, User(types::InputPeerUser), .. }
//! ```

use std::fmt::{self, Write as _};

use crate::Config;
use crate::metadata::Meta;
use crate::names;
use crate::rust::{self, doc};

struct Variant {
    name: String,
    id: u32,
    full: String,
    /// The struct path; `None` for a unit variant.
    ty: Option<String>,
}

fn variants(meta: &Meta, e: usize) -> Vec<Variant> {
    let info = &meta.enums[e];
    info.ctors
        .iter()
        .map(|&c| {
            let d = meta.def(c);
            Variant {
                name: names::variant(&info.name, &d.name),
                id: d.id,
                full: d.full_name(),
                ty: (!meta.fields[c].is_empty()).then(|| rust::struct_path(meta, c, "types")),
            }
        })
        .collect()
}

/// Writes the enum for boxed type `e`.
pub fn write_enum(out: &mut String, meta: &Meta, e: usize, config: &Config) -> fmt::Result {
    let info = &meta.enums[e];
    let name = names::upper_camel(&info.name);
    let mut full = info.namespace.join(".");
    if !full.is_empty() {
        full.push('.');
    }
    full.push_str(&info.name);
    let vs = variants(meta, e);
    let sources: Vec<&str> = info
        .ctors
        .iter()
        .map(|&c| meta.defs[c].source.as_str())
        .collect();

    doc(out, "", "type", &full, &sources);
    out.push_str("#[derive(Clone, Debug, PartialEq)]\n");
    writeln!(out, "pub enum {name} {{")?;
    for v in &vs {
        match &v.ty {
            Some(t) => writeln!(out, "    {}({t}),", v.name),
            None => writeln!(out, "    {},", v.name),
        }?;
    }
    out.push_str("}\n\n");

    let info_shallow = info
        .ctors
        .iter()
        .position(|&c| c == info.shallowest)
        .unwrap_or(0);
    let sv = &vs[info_shallow];
    out.push_str("/// The shallowest constructor, with default fields.\n");
    writeln!(
        out,
        "impl Default for {name} {{\n    fn default() -> Self {{"
    )?;
    match sv.ty {
        Some(_) => writeln!(out, "        Self::{}(Default::default())", sv.name),
        None => writeln!(out, "        Self::{}", sv.name),
    }?;
    out.push_str("    }\n}\n\n");

    let pat = |v: &Variant| match v.ty {
        Some(_) => format!("Self::{}(_)", v.name),
        None => format!("Self::{}", v.name),
    };
    writeln!(out, "impl {name} {{")?;
    out.push_str("    /// The constructor id of this value.\n");
    out.push_str("    pub fn constructor_id(&self) -> u32 {\n        match self {\n");
    for v in &vs {
        writeln!(out, "            {} => {:#010x},", pat(v), v.id)?;
    }
    out.push_str("        }\n    }\n\n");
    out.push_str("    /// The TL name of this value's constructor.\n");
    out.push_str("    pub fn constructor_name(&self) -> &'static str {\n        match self {\n");
    for v in &vs {
        writeln!(out, "            {} => {:?},", pat(v), v.full)?;
    }
    out.push_str("        }\n    }\n}\n\n");

    writeln!(out, "impl crate::Serializable for {name} {{")?;
    out.push_str("    fn serialize(&self, buf: &mut Vec<u8>) {\n");
    out.push_str("        crate::Serializable::serialize(&self.constructor_id(), buf);\n");
    if vs.iter().any(|v| v.ty.is_some()) {
        out.push_str("        match self {\n");
        for v in &vs {
            if v.ty.is_some() {
                writeln!(
                    out,
                    "            Self::{}(x) => crate::Serializable::serialize(x, buf),",
                    v.name
                )?;
            }
        }
        if vs.iter().any(|v| v.ty.is_none()) {
            out.push_str("            _ => {}\n");
        }
        out.push_str("        }\n");
    }
    out.push_str("    }\n}\n\n");

    writeln!(out, "impl crate::Deserializable for {name} {{")?;
    out.push_str("    const MIN_SIZE: usize = 4;\n");
    out.push_str(
        "    fn deserialize(buf: &mut crate::Cursor<'_>) -> Result<Self, crate::DeserializeError> {\n",
    );
    out.push_str("        let id = buf.read_u32()?;\n        Ok(match id {\n");
    for v in &vs {
        match &v.ty {
            Some(t) => writeln!(
                out,
                "            {:#010x} => Self::{}(<{t} as crate::Deserializable>::deserialize(buf)?),",
                v.id, v.name
            ),
            None => writeln!(out, "            {:#010x} => Self::{},", v.id, v.name),
        }?;
    }
    writeln!(
        out,
        "            _ => return Err(crate::DeserializeError::UnexpectedConstructor {{ id, expected: {full:?} }}),"
    )?;
    out.push_str("        })\n    }\n");
    let skips: Vec<(u32, Option<&str>)> = vs.iter().map(|v| (v.id, v.ty.as_deref())).collect();
    crate::skip::write_enum_skip(out, &full, &skips)?;
    out.push_str("}\n\n");

    for (v, &c) in vs.iter().zip(&info.ctors) {
        let path = rust::struct_path(meta, c, "types");
        let (arg, value) = match v.ty {
            Some(_) => ("x", format!("Self::{}(x)", v.name)),
            None => ("_", format!("Self::{}", v.name)),
        };
        writeln!(out, "impl From<{path}> for {name} {{")?;
        writeln!(
            out,
            "    fn from({arg}: {path}) -> Self {{\n        {value}\n    }}\n}}\n"
        )?;
    }

    if config.json {
        write_json(out, &name, &full, &vs)?;
    }
    if config.generate {
        write_generate(out, meta, e, &name, &vs)?;
    }
    Ok(())
}

fn write_json(out: &mut String, name: &str, full: &str, vs: &[Variant]) -> fmt::Result {
    out.push_str("#[cfg(feature = \"serde\")]\n");
    writeln!(out, "impl crate::json::ToJson for {name} {{")?;
    out.push_str("    fn to_json(&self) -> crate::json::Value {\n        match self {\n");
    for v in vs {
        match v.ty {
            Some(_) => writeln!(
                out,
                "            Self::{}(x) => crate::json::ToJson::to_json(x),",
                v.name
            ),
            None => writeln!(
                out,
                "            Self::{} => crate::json::Value::Object(crate::json::Map::from_iter([(\"_\".to_owned(), {:?}.into())])),",
                v.name, v.full
            ),
        }?;
    }
    out.push_str("        }\n    }\n}\n\n");

    out.push_str("#[cfg(feature = \"serde\")]\n");
    writeln!(out, "impl crate::json::FromJson for {name} {{")?;
    out.push_str("    fn from_json(v: &crate::json::Value) -> crate::json::Result<Self> {\n");
    out.push_str("        Ok(match crate::json::tag(v)? {\n");
    for v in vs {
        match v.ty {
            Some(_) => writeln!(
                out,
                "            {:?} => Self::{}(crate::json::FromJson::from_json(v)?),",
                v.full, v.name
            ),
            None => writeln!(
                out,
                "            {:?} => {{ crate::json::object(v, {:?}, &[])?; Self::{} }}",
                v.full, v.full, v.name
            ),
        }?;
    }
    writeln!(
        out,
        "            other => return Err(crate::json::unknown_constructor(other, {full:?})),"
    )?;
    out.push_str("        })\n    }\n}\n\n");
    writeln!(
        out,
        "#[cfg(feature = \"serde\")]\ncrate::__impl_serde!({name});\n"
    )?;
    Ok(())
}

fn write_generate(
    out: &mut String,
    meta: &Meta,
    e: usize,
    name: &str,
    vs: &[Variant],
) -> fmt::Result {
    let info = &meta.enums[e];
    let make = |v: &Variant| match v.ty {
        Some(_) => format!(
            "Self::{}(crate::random::Generate::generate(g, depth))",
            v.name
        ),
        None => format!("Self::{}", v.name),
    };
    let shallow = info
        .ctors
        .iter()
        .position(|&c| c == info.shallowest)
        .unwrap_or(0);
    out.push_str("#[cfg(feature = \"proptest\")]\n");
    writeln!(out, "impl crate::random::Generate for {name} {{")?;
    if vs.len() == 1 && vs[0].ty.is_none() {
        out.push_str("    fn generate(_g: &mut crate::random::Gen, _depth: u32) -> Self {\n");
    } else {
        out.push_str("    fn generate(g: &mut crate::random::Gen, depth: u32) -> Self {\n");
    }
    if vs.len() == 1 {
        writeln!(out, "        {}", make(&vs[0]))?;
    } else {
        writeln!(
            out,
            "        if depth == 0 {{\n            return {};\n        }}",
            make(&vs[shallow])
        )?;
        writeln!(out, "        match g.below({}) {{", vs.len())?;
        for (k, v) in vs.iter().enumerate() {
            if k + 1 == vs.len() {
                writeln!(out, "            _ => {},", make(v))?;
            } else {
                writeln!(out, "            {k} => {},", make(v))?;
            }
        }
        out.push_str("        }\n");
    }
    out.push_str("    }\n}\n\n");
    Ok(())
}
