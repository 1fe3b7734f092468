//! Reading a `.tl` file into definitions that remember where they came from.
//!
//! `grammers-tl-parser` parses one definition at a time but does not say on
//! which line a bad one stands. We split the file ourselves (comments out,
//! `---functions---`/`---types---` sections, `;`-terminated definitions),
//! keep each definition's first line and source text, and hand each one to
//! the parser.

use std::fmt;

use grammers_tl_parser::tl::{Category, Definition};

/// Definitions of TL's built-in types: the schema files declare them, but
/// they have no constructor to generate (they map to Rust primitives).
const BUILTINS: &[&str] = &[
    "int",
    "long",
    "double",
    "string",
    "bytes",
    "vector",
    "int128",
    "int256",
    "boolFalse",
    "boolTrue",
    "true",
];

/// One definition with its position in the schema file.
#[derive(Debug)]
pub struct Def {
    /// The parsed definition.
    pub def: Definition,
    /// 1-based line of the definition's first character.
    pub line: usize,
    /// The definition as written (whitespace folded, without the `;`).
    pub source: String,
}

/// A schema file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file, as named by the caller.
    pub file: String,
    /// 1-based line, or 0 when the error is about the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for SchemaError {}

/// The layer from a `// LAYER N` comment, if the text has one.
pub fn find_layer(text: &str) -> Option<i32> {
    text.lines().find_map(|line| {
        line.trim()
            .strip_prefix("//")?
            .trim()
            .strip_prefix("LAYER")?
            .trim()
            .parse()
            .ok()
    })
}

/// Replaces `//` comments with spaces, keeping every byte offset and line.
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find("//") {
            Some(at) => {
                out.push_str(&line[..at]);
                for c in line[at..].chars() {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Parses every definition of a schema file. `file` names it in errors.
pub fn parse_schema(text: &str, file: &str) -> Result<Vec<Def>, SchemaError> {
    let text = blank_comments(text);
    let mut defs = Vec::new();
    let mut category = Category::Types;
    let mut offset = 0;
    let line_at = |at: usize| text[..at].matches('\n').count() + 1;
    for chunk in text.split_inclusive(';') {
        let chunk_start = offset;
        offset += chunk.len();
        let mut body = chunk.trim().trim_end_matches(';').trim();
        // `body` is a subslice of `chunk`: its offset gives its line.
        let body_line = |body: &str| {
            let inside = body.as_ptr() as usize - chunk.as_ptr() as usize;
            line_at(chunk_start + inside)
        };
        let line = body_line(body);
        let error = |message: String| SchemaError {
            file: file.to_owned(),
            line,
            message,
        };
        while let Some(rest) = body.strip_prefix("---") {
            let (sep, rest) = rest
                .split_once("---")
                .ok_or_else(|| error(format!("unterminated section separator in `{body}`")))?;
            category = match sep.trim() {
                "functions" => Category::Functions,
                "types" => Category::Types,
                other => return Err(error(format!("unknown section `---{other}---`"))),
            };
            body = rest.trim();
        }
        let line = body_line(body);
        let error = |message: String| SchemaError {
            file: file.to_owned(),
            line,
            message,
        };
        if body.is_empty() {
            if !chunk.ends_with(';') || chunk.trim() == ";" {
                continue;
            }
            return Err(error("empty definition".to_owned()));
        }
        if !chunk.ends_with(';') {
            return Err(error(format!("definition without a closing `;`: `{body}`")));
        }
        let source = body.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = source.split(['#', ' ']).next().unwrap_or_default();
        if BUILTINS.contains(&name) {
            continue;
        }
        let mut def: Definition = source
            .parse()
            .map_err(|e| error(format!("cannot parse `{source}`: {e:?}")))?;
        def.category = category;
        defs.push(Def { def, line, source });
    }
    Ok(defs)
}

/// Reads a schema that must declare its layer: the layer and definitions.
pub fn parse_layered_schema(text: &str, file: &str) -> Result<(i32, Vec<Def>), SchemaError> {
    let layer = find_layer(text).ok_or_else(|| SchemaError {
        file: file.to_owned(),
        line: 0,
        message: "no `// LAYER N` line: the schema must say which layer it is".to_owned(),
    })?;
    Ok((layer, parse_schema(text, file)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_past_comments_and_sections() {
        let text = "// LAYER 7\n\nfoo#1 a:int = Foo;\n// note;\n---functions---\n\nbar#2 = Foo;\n";
        let defs = parse_schema(text, "x.tl").unwrap();
        assert_eq!(find_layer(text), Some(7));
        assert_eq!(defs.len(), 2);
        assert_eq!(
            (defs[0].line, defs[0].source.as_str()),
            (3, "foo#1 a:int = Foo")
        );
        assert_eq!(defs[1].line, 7);
        assert_eq!(defs[1].def.category, Category::Functions);
    }

    #[test]
    fn a_bad_definition_names_its_line() {
        let text = "a#1 = A;\n\nb#zz x:int = B;\n";
        let err = parse_schema(text, "x.tl").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.to_string()
                .starts_with("x.tl:3: cannot parse `b#zz x:int = B`")
        );
    }

    #[test]
    fn a_missing_semicolon_or_layer_is_an_error() {
        assert_eq!(
            parse_schema("a#1 = A;\nb#2 = B", "x.tl").unwrap_err().line,
            2
        );
        let err = parse_layered_schema("a#1 = A;", "x.tl").unwrap_err();
        assert!(err.to_string().contains("LAYER"));
    }

    #[test]
    fn builtins_are_skipped() {
        let text =
            "int ? = Int;\nvector {t:Type} # [ t ] = Vector t;\ntrue#3fedd339 = True;\nx#1 = X;";
        assert_eq!(parse_schema(text, "x.tl").unwrap().len(), 1);
    }
}
