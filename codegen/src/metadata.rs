//! What the emitters need to know about the schema as a whole: how every
//! parameter type maps to Rust, which fields must be boxed to break
//! recursion, and which constructor of each type ends a random value soonest.

use std::collections::{BTreeMap, HashMap};

use grammers_tl_parser::tl::{Category, Definition, ParameterType, Type};

use crate::names;
use crate::schema::Def;

/// A TL type reference resolved against the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Long,
    Double,
    String,
    Bytes,
    Int128,
    Int256,
    /// The boxed `Bool`.
    Bool,
    /// `true`, only meaningful behind a flag.
    True,
    /// Boxed `Vector<T>`.
    Vector(Box<Ty>),
    /// Bare `vector<T>`.
    RawVector(Box<Ty>),
    /// A boxed type: index into [`Meta::enums`].
    Enum(usize),
    /// A bare constructor: index into the definitions.
    Bare(usize),
    /// A generic parameter such as `X` in `{X:Type}`.
    Generic(String),
}

/// A boxed TL type and its constructors.
#[derive(Debug)]
pub struct EnumInfo {
    pub namespace: Vec<String>,
    pub name: String,
    /// Indices into the definitions, in schema order.
    pub ctors: Vec<usize>,
    /// The constructor a depth-0 random value uses.
    pub shallowest: usize,
}

/// A parameter of a definition, resolved.
#[derive(Debug)]
pub struct Field {
    /// The TL name.
    pub tl_name: String,
    /// The Rust field name.
    pub name: String,
    /// `None` for a flag word (`#`).
    pub ty: Option<Ty>,
    /// The flag word and bit it depends on.
    pub flag: Option<(String, usize)>,
    /// Whether the value is boxed to break a recursive type.
    pub boxed: bool,
}

impl Field {
    pub fn is_flag_word(&self) -> bool {
        self.ty.is_none()
    }
}

/// The whole schema, resolved.
pub struct Meta<'a> {
    pub defs: &'a [Def],
    pub enums: Vec<EnumInfo>,
    /// Per definition, its fields.
    pub fields: Vec<Vec<Field>>,
    /// Per function definition, what it returns.
    pub returns: Vec<Option<Ty>>,
}

/// An error in a schema's meaning (it parsed, but cannot be generated).
pub type MetaError = String;

fn key(namespace: &[String], name: &str) -> String {
    let mut k = namespace.join(".");
    if !k.is_empty() {
        k.push('.');
    }
    k.push_str(name);
    k
}

impl<'a> Meta<'a> {
    pub fn new(defs: &'a [Def]) -> Result<Self, MetaError> {
        let mut enums: Vec<EnumInfo> = Vec::new();
        let mut enum_index: HashMap<String, usize> = HashMap::new();
        let mut ctor_index: HashMap<String, usize> = HashMap::new();
        let mut seen_ids: HashMap<u32, usize> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            let def = &d.def;
            if let Some(prev) = seen_ids.insert(def.id, i) {
                if defs[prev].def.full_name() != def.full_name() {
                    return Err(format!(
                        "line {}: id {:08x} of {} is already used by {} (line {})",
                        d.line,
                        def.id,
                        def.full_name(),
                        defs[prev].def.full_name(),
                        defs[prev].line
                    ));
                }
                return Err(format!(
                    "line {}: {} is defined twice",
                    d.line,
                    def.full_name()
                ));
            }
            if def.category == Category::Functions {
                continue;
            }
            ctor_index.insert(key(&def.namespace, &def.name), i);
            let tk = key(&def.ty.namespace, &def.ty.name);
            let e = *enum_index.entry(tk).or_insert_with(|| {
                enums.push(EnumInfo {
                    namespace: def.ty.namespace.clone(),
                    name: def.ty.name.clone(),
                    ctors: Vec::new(),
                    shallowest: i,
                });
                enums.len() - 1
            });
            enums[e].ctors.push(i);
        }
        for e in &enums {
            let mut seen = HashMap::new();
            for &c in &e.ctors {
                let v = names::variant(&e.name, &defs[c].def.name);
                if let Some(other) = seen.insert(v.clone(), c) {
                    return Err(format!(
                        "line {}: {} and {} both become variant {v} of {}",
                        defs[c].line,
                        defs[other].def.full_name(),
                        defs[c].def.full_name(),
                        e.name
                    ));
                }
            }
        }

        let resolver = Resolver {
            enum_index: &enum_index,
            ctor_index: &ctor_index,
        };
        let mut fields = Vec::with_capacity(defs.len());
        let mut returns = Vec::with_capacity(defs.len());
        for d in defs {
            returns.push(if d.def.category == Category::Functions {
                Some(
                    resolver.resolve(&d.def.ty).map_err(|e| {
                        format!("line {}: {} returns {e}", d.line, d.def.full_name())
                    })?,
                )
            } else {
                None
            });
            let mut fs = Vec::new();
            for p in &d.def.params {
                let (ty, flag) = match &p.ty {
                    ParameterType::Flags => (None, None),
                    ParameterType::Normal { ty, flag } => {
                        let t = resolver
                            .resolve(ty)
                            .map_err(|e| format!("line {}: {}: {e}", d.line, d.def.full_name()))?;
                        if t == Ty::True && flag.is_none() {
                            return Err(format!(
                                "line {}: {}: `{}:true` without a flag carries no data",
                                d.line,
                                d.def.full_name(),
                                p.name
                            ));
                        }
                        (Some(t), flag.as_ref().map(|f| (f.name.clone(), f.index)))
                    }
                };
                if let Some((word, bit)) = &flag {
                    let declared = d
                        .def
                        .params
                        .iter()
                        .any(|q| q.name == *word && matches!(q.ty, ParameterType::Flags));
                    if !declared || *bit > 31 {
                        return Err(format!(
                            "line {}: {}: flag {word}.{bit} has no `{word}:#` parameter before it",
                            d.line,
                            d.def.full_name()
                        ));
                    }
                }
                fs.push(Field {
                    tl_name: p.name.clone(),
                    name: names::field(&p.name),
                    ty,
                    flag,
                    boxed: false,
                });
            }
            fields.push(fs);
        }
        let mut meta = Meta {
            defs,
            enums,
            fields,
            returns,
        };
        meta.mark_boxed();
        meta.pick_shallowest()?;
        Ok(meta)
    }

    pub fn def(&self, i: usize) -> &Definition {
        &self.defs[i].def
    }

    /// Edges of the by-value containment graph. Nodes: definitions
    /// `0..defs.len()`, then enums.
    fn edges(&self, node: usize) -> Vec<(usize, Option<usize>)> {
        let n = self.defs.len();
        if node >= n {
            return self.enums[node - n]
                .ctors
                .iter()
                .map(|&c| (c, None))
                .collect();
        }
        let mut out = Vec::new();
        for (fi, f) in self.fields[node].iter().enumerate() {
            match &f.ty {
                Some(Ty::Enum(e)) => out.push((n + e, Some(fi))),
                Some(Ty::Bare(c)) => out.push((*c, Some(fi))),
                _ => {}
            }
        }
        out
    }

    /// Boxes every field whose type can contain the field's own struct
    /// (the two are in one strongly connected component). Every cycle of
    /// by-value containment passes through such a field, so this makes all
    /// types finite.
    fn mark_boxed(&mut self) {
        let total = self.defs.len() + self.enums.len();
        let comp = tarjan(total, |v| {
            self.edges(v).into_iter().map(|(t, _)| t).collect()
        });
        for s in 0..self.defs.len() {
            for (target, field) in self.edges(s) {
                if let Some(fi) = field {
                    if comp[target] == comp[s] {
                        self.fields[s][fi].boxed = true;
                    }
                }
            }
        }
    }

    /// Ranks every type by how deep its shallowest value is, and records
    /// each enum's shallowest constructor.
    fn pick_shallowest(&mut self) -> Result<(), MetaError> {
        const INF: u32 = u32::MAX;
        let mut rank_def = vec![INF; self.defs.len()];
        let mut rank_enum = vec![INF; self.enums.len()];
        loop {
            let mut changed = false;
            for d in 0..self.defs.len() {
                let mut r = 1u32;
                for f in &self.fields[d] {
                    if f.flag.is_some() {
                        continue;
                    }
                    let sub = match &f.ty {
                        Some(Ty::Enum(e)) => rank_enum[*e],
                        Some(Ty::Bare(c)) => rank_def[*c],
                        _ => 0,
                    };
                    r = r.max(sub.saturating_add(1));
                }
                if r < rank_def[d] {
                    rank_def[d] = r;
                    changed = true;
                }
            }
            for (e, info) in self.enums.iter_mut().enumerate() {
                if let Some(&best) = info.ctors.iter().min_by_key(|&&c| rank_def[c]) {
                    if rank_def[best] < rank_enum[e] {
                        rank_enum[e] = rank_def[best];
                        info.shallowest = best;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if let Some(e) = rank_enum.iter().position(|&r| r == INF) {
            return Err(format!(
                "type {} has no finite value: every constructor contains it again",
                self.enums[e].name
            ));
        }
        Ok(())
    }
}

struct Resolver<'m> {
    enum_index: &'m HashMap<String, usize>,
    ctor_index: &'m HashMap<String, usize>,
}

impl Resolver<'_> {
    fn resolve(&self, ty: &Type) -> Result<Ty, String> {
        if ty.generic_ref {
            return Ok(Ty::Generic(ty.name.clone()));
        }
        let arg = || -> Result<Box<Ty>, String> {
            match &ty.generic_arg {
                Some(a) => Ok(Box::new(self.resolve(a)?)),
                None => Err(format!("`{}` needs a type argument", ty.name)),
            }
        };
        let t = match (ty.namespace.is_empty(), ty.name.as_str()) {
            (true, "int") => Ty::Int,
            (true, "long") => Ty::Long,
            (true, "double") => Ty::Double,
            (true, "string") => Ty::String,
            (true, "bytes") => Ty::Bytes,
            (true, "int128") => Ty::Int128,
            (true, "int256") => Ty::Int256,
            (true, "Bool") => Ty::Bool,
            (true, "true") => Ty::True,
            (true, "Vector") => Ty::Vector(arg()?),
            (true, "vector") => Ty::RawVector(arg()?),
            _ => {
                let k = key(&ty.namespace, &ty.name);
                if ty.bare {
                    match self.ctor_index.get(&k) {
                        Some(&c) => Ty::Bare(c),
                        None => return Err(format!("unknown bare constructor `{k}`")),
                    }
                } else {
                    match self.enum_index.get(&k) {
                        Some(&e) => Ty::Enum(e),
                        None => return Err(format!("unknown type `{k}`")),
                    }
                }
            }
        };
        if let Ty::Vector(inner) | Ty::RawVector(inner) = &t {
            if matches!(**inner, Ty::True) {
                return Err("a vector of `true` carries no data".to_owned());
            }
        }
        Ok(t)
    }
}

/// Strongly connected components (Tarjan), iteratively; returns the
/// component of every node.
fn tarjan(n: usize, succ: impl Fn(usize) -> Vec<usize>) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut ncomp = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>, usize)> = vec![(root, succ(root), 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((v, children, pos)) = work.last_mut() {
            let v = *v;
            if *pos < children.len() {
                let w = children[*pos];
                *pos += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, succ(w), 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some((parent, _, _)) = work.last() {
                    low[*parent] = low[*parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = ncomp;
                        if w == v {
                            break;
                        }
                    }
                    ncomp += 1;
                }
            }
        }
    }
    comp
}

/// Groups item indices by namespace, root namespace first, then
/// alphabetically; items keep schema order.
pub fn by_namespace<'x>(
    items: impl Iterator<Item = (usize, &'x [String])>,
) -> BTreeMap<String, Vec<usize>> {
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, ns) in items {
        out.entry(ns.join(".")).or_default().push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_schema;

    #[test]
    fn recursive_fields_are_boxed_and_vectors_are_not() {
        let defs = parse_schema(
            "textPlain#1 text:string = RichText;\n\
             textBold#2 text:RichText = RichText;\n\
             textConcat#3 texts:Vector<RichText> = RichText;\n\
             page#4 title:RichText = Page;",
            "t.tl",
        )
        .unwrap();
        let meta = Meta::new(&defs).unwrap();
        assert!(meta.fields[1][0].boxed, "textBold.text contains RichText");
        assert!(!meta.fields[2][0].boxed, "a Vec is already indirect");
        assert!(!meta.fields[3][0].boxed, "page is outside the cycle");
        assert_eq!(meta.enums[0].shallowest, 0);
    }

    #[test]
    fn unknown_types_and_stray_flags_are_errors() {
        let defs = parse_schema("a#1 x:Nope = A;", "t.tl").unwrap();
        assert!(
            Meta::new(&defs)
                .err()
                .unwrap()
                .contains("unknown type `Nope`")
        );
        // The parser refuses a flag with no flag word at all; we refuse a
        // bit that does not fit in one.
        assert!(parse_schema("a#1 x:flags.0?int = A;", "t.tl").is_err());
        let defs = parse_schema("a#1 flags:# x:flags.40?int = A;", "t.tl").unwrap();
        assert!(Meta::new(&defs).err().unwrap().contains("flags.40"));
    }

    #[test]
    fn a_type_with_no_finite_value_is_an_error() {
        let defs = parse_schema("a#1 x:A = A;", "t.tl").unwrap();
        assert!(Meta::new(&defs).err().unwrap().contains("no finite value"));
    }
}
