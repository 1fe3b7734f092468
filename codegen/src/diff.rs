//! What changed between two versions of the schema: constructors and
//! functions added, removed, and changed (id, parameters or result type).
//! This is what a maintainer reads when Telegram publishes a new layer.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use grammers_tl_parser::tl::{Category, ParameterType};

use crate::schema::Def;

/// A definition reduced to what the diff compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The full TL name (`messages.getHistory`).
    pub name: String,
    /// The constructor id.
    pub id: u32,
    /// `name:type` of every parameter, in order.
    pub params: Vec<(String, String)>,
    /// The result type (`messages.Messages`).
    pub result: String,
    /// The definition as written in the schema, without the `;`.
    pub source: String,
}

/// The differences in one category (constructors or functions).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Names only in the new schema.
    pub added: Vec<Entry>,
    /// Names only in the old schema.
    pub removed: Vec<Entry>,
    /// Names in both whose definition differs: (old, new).
    pub changed: Vec<(Entry, Entry)>,
}

impl Changes {
    /// Whether nothing was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The differences between two schemas.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Changes among the constructors (types).
    pub constructors: Changes,
    /// Changes among the functions (methods).
    pub functions: Changes,
}

fn entries(defs: &[Def], category: Category) -> BTreeMap<String, Entry> {
    defs.iter()
        .filter(|d| d.def.category == category)
        .map(|d| {
            let params = d
                .def
                .params
                .iter()
                .map(|p| {
                    let ty = match &p.ty {
                        ParameterType::Flags => "#".to_owned(),
                        other => other.to_string(),
                    };
                    (p.name.clone(), ty)
                })
                .collect();
            let name = d.def.full_name();
            let entry = Entry {
                name: name.clone(),
                id: d.def.id,
                params,
                result: d.def.ty.to_string(),
                source: d.source.clone(),
            };
            (name, entry)
        })
        .collect()
}

fn compare(old: &[Def], new: &[Def], category: Category) -> Changes {
    let old = entries(old, category);
    let mut new = entries(new, category);
    let mut changes = Changes::default();
    for (name, o) in old {
        match new.remove(&name) {
            None => changes.removed.push(o),
            Some(n) if n.id != o.id || n.params != o.params || n.result != o.result => {
                changes.changed.push((o, n))
            }
            Some(_) => {}
        }
    }
    changes.added = new.into_values().collect();
    changes
}

/// Compares two parsed schemas.
pub fn diff(old: &[Def], new: &[Def]) -> Diff {
    Diff {
        constructors: compare(old, new, Category::Types),
        functions: compare(old, new, Category::Functions),
    }
}

fn describe_change(o: &Entry, n: &Entry) -> Vec<String> {
    let mut notes = Vec::new();
    if o.id != n.id {
        notes.push(format!("id {:08x} -> {:08x}", o.id, n.id));
    }
    for (name, ty) in &n.params {
        match o.params.iter().find(|(p, _)| p == name) {
            None => notes.push(format!("added {name}:{ty}")),
            Some((_, old_ty)) if old_ty != ty => notes.push(format!("{name}: {old_ty} -> {ty}")),
            Some(_) => {}
        }
    }
    for (name, ty) in &o.params {
        if !n.params.iter().any(|(p, _)| p == name) {
            notes.push(format!("removed {name}:{ty}"));
        }
    }
    let order = |e: &Entry| e.params.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    let (mut a, mut b) = (order(o), order(n));
    a.retain(|p| b.contains(p));
    b.retain(|p| a.contains(p));
    if a != b {
        notes.push("parameters reordered".to_owned());
    }
    if o.result != n.result {
        notes.push(format!("result {} -> {}", o.result, n.result));
    }
    notes
}

fn render_changes(out: &mut String, what: &str, c: &Changes) -> fmt::Result {
    if !c.added.is_empty() {
        writeln!(out, "{what} added ({}):", c.added.len())?;
        for e in &c.added {
            writeln!(out, "  + {};", e.source)?;
        }
    }
    if !c.removed.is_empty() {
        writeln!(out, "{what} removed ({}):", c.removed.len())?;
        for e in &c.removed {
            writeln!(out, "  - {};", e.source)?;
        }
    }
    if !c.changed.is_empty() {
        writeln!(out, "{what} changed ({}):", c.changed.len())?;
        for (o, n) in &c.changed {
            writeln!(out, "  ~ {}: {}", n.name, describe_change(o, n).join("; "))?;
            writeln!(out, "      old: {};", o.source)?;
            writeln!(out, "      new: {};", n.source)?;
        }
    }
    Ok(())
}

/// The diff as text for a terminal (the error is that of a `Display` impl;
/// formatting into a `String` does not fail otherwise).
pub fn render(
    d: &Diff,
    old_layer: Option<i32>,
    new_layer: Option<i32>,
) -> Result<String, fmt::Error> {
    let layer = |l: Option<i32>| l.map_or("?".to_owned(), |l| l.to_string());
    let mut out = format!("layer {} -> {}\n", layer(old_layer), layer(new_layer));
    if d.constructors.is_empty() && d.functions.is_empty() {
        out.push_str("no differences\n");
        return Ok(out);
    }
    render_changes(&mut out, "constructors", &d.constructors)?;
    render_changes(&mut out, "functions", &d.functions)?;
    writeln!(
        out,
        "summary: constructors +{} -{} ~{}, functions +{} -{} ~{}",
        d.constructors.added.len(),
        d.constructors.removed.len(),
        d.constructors.changed.len(),
        d.functions.added.len(),
        d.functions.removed.len(),
        d.functions.changed.len()
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_schema;

    #[test]
    fn added_removed_and_changed() {
        let old = parse_schema(
            "a#1 x:int = A;\nb#2 = A;\n---functions---\nf#10 q:int = A;",
            "old.tl",
        )
        .unwrap();
        let new = parse_schema(
            "a#5 x:long y:string = A;\nc#3 = A;\n---functions---\nf#10 q:int = A;",
            "new.tl",
        )
        .unwrap();
        let d = diff(&old, &new);
        assert_eq!(d.constructors.added[0].name, "c");
        assert_eq!(d.constructors.removed[0].name, "b");
        let (o, n) = &d.constructors.changed[0];
        assert_eq!(
            describe_change(o, n),
            [
                "id 00000001 -> 00000005",
                "x: int -> long",
                "added y:string"
            ]
        );
        assert!(d.functions.is_empty());
        let text = render(&d, Some(1), Some(2)).unwrap();
        assert!(text.starts_with("layer 1 -> 2\n"));
        assert!(text.contains("summary: constructors +1 -1 ~1, functions +0 -0 ~0"));
    }

    #[test]
    fn identical_schemas() {
        let s = parse_schema("a#1 = A;", "s.tl").unwrap();
        assert!(
            render(&diff(&s, &s), None, None)
                .unwrap()
                .contains("no differences")
        );
    }
}
