//! Reading a `tg-mock-replay/1` transcript in its JSON-Lines form one line
//! at a time (bounded memory), for the anonymizer and the importer.
//!
//! Line 1 is the header (`{"format": "tg-mock-replay/1", "layer": 230, ...}`,
//! unknown keys ignored); every following non-empty line is one exchange
//! object. A final line without a trailing newline that does not parse is
//! what a crash of the recorder leaves: it is dropped with a warning. Any
//! other malformed line is a [`TranscriptError`] naming its 1-based line.

use std::io::{self, BufRead};

use serde_json::Value;

use crate::replay::FORMAT;

/// Why a transcript could not be read (or written).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    /// The input could not be read.
    #[error("cannot read the transcript: {0}")]
    Read(io::Error),
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Write(io::Error),
    /// The file is empty.
    #[error("the transcript is empty (line 1 must be the header)")]
    Empty,
    /// A line is not JSON (or not UTF-8).
    #[error("line {line}: not JSON: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// Line 1 is not a `tg-mock-replay/1` header.
    #[error("line {line}: not a transcript header: {message}")]
    Header {
        /// 1-based line (always 1).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The transcript was recorded at another layer.
    #[error(
        "line {line}: the transcript is for layer {found}, this server speaks layer {expected}"
    )]
    Layer {
        /// 1-based line (always 1).
        line: usize,
        /// The transcript's layer.
        found: i64,
        /// [`tl::LAYER`].
        expected: i32,
    },
    /// An exchange names a method replay does not know.
    #[error("line {line}: method {method:?} cannot be replayed (see replay::methods())")]
    UnknownMethod {
        /// 1-based line.
        line: usize,
        /// The method's name.
        method: String,
    },
    /// An exchange is not of the expected shape, or a TL object in it is not
    /// valid.
    #[error("line {line}: {message}")]
    Exchange {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl TranscriptError {
    /// The 1-based line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. }
            | Self::Header { line, .. }
            | Self::Layer { line, .. }
            | Self::UnknownMethod { line, .. }
            | Self::Exchange { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// The exchanges of a JSON-Lines transcript, read one line at a time.
pub struct Lines<R> {
    reader: R,
    line: usize,
    buf: Vec<u8>,
    /// The header object (line 1).
    pub header: serde_json::Map<String, Value>,
    /// The 1-based number of a dropped final line (a cut transcript).
    pub dropped: Option<usize>,
}

impl<R: BufRead> Lines<R> {
    /// Reads and checks the header.
    pub fn new(mut reader: R) -> Result<Self, TranscriptError> {
        let mut buf = Vec::new();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(TranscriptError::Read)?;
        if n == 0 {
            return Err(TranscriptError::Empty);
        }
        let header = |message: String| TranscriptError::Header { line: 1, message };
        let value: Value = serde_json::from_slice(&buf).map_err(|e| header(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(header("expected an object".into()));
        };
        if map.contains_key("exchanges") {
            return Err(header(
                "this is the single-object form; the anonymizer and the importer read JSON Lines"
                    .into(),
            ));
        }
        match map.get("format") {
            Some(Value::String(f)) if f == FORMAT => {}
            other => {
                return Err(header(format!(
                    "format is {}, expected {FORMAT:?}",
                    other.map_or("missing".to_owned(), Value::to_string)
                )));
            }
        }
        match map.get("layer").map(Value::as_i64) {
            Some(Some(l)) if l == i64::from(tl::LAYER) => {}
            Some(Some(found)) => {
                return Err(TranscriptError::Layer {
                    line: 1,
                    found,
                    expected: tl::LAYER,
                });
            }
            _ => return Err(header("\"layer\" must be a number".into())),
        }
        Ok(Self {
            reader,
            line: 1,
            buf,
            header: map,
            dropped: None,
        })
    }

    /// The next exchange with its 1-based line number; `None` at the end.
    pub fn next_exchange(&mut self) -> Result<Option<(usize, Value)>, TranscriptError> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(TranscriptError::Read)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let complete = self.buf.ends_with(b"\n");
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Value>(&self.buf) {
                Ok(v @ Value::Object(_)) => return Ok(Some((self.line, v))),
                Ok(_) => {
                    return Err(TranscriptError::Exchange {
                        line: self.line,
                        message: "an exchange must be a JSON object".into(),
                    });
                }
                Err(_) if !complete => {
                    tracing::warn!(
                        line = self.line,
                        "the transcript's last line is cut (no newline, not JSON): dropped"
                    );
                    self.dropped = Some(self.line);
                    return Ok(None);
                }
                Err(e) => {
                    return Err(TranscriptError::Syntax {
                        line: self.line,
                        message: e.to_string(),
                    });
                }
            }
        }
    }
}

/// The method name of an exchange, checked: a method replay can serve
/// (see [`crate::replay::methods`]), a `request` that is a call of it, and
/// exactly one of `response` (of the method's return type) and `error`.
pub fn method_of(exchange: &Value, line: usize) -> Result<&'static str, TranscriptError> {
    let shape = |message: String| TranscriptError::Exchange { line, message };
    let request = exchange
        .get("request")
        .ok_or_else(|| shape("missing \"request\"".into()))?;
    let name = request
        .get("_")
        .and_then(Value::as_str)
        .ok_or_else(|| shape("\"request\" has no \"_\" constructor name".into()))?;
    let Some(method) = tl::json::method_named(name) else {
        return Err(TranscriptError::UnknownMethod {
            line,
            method: name.to_owned(),
        });
    };
    method
        .call_from_json(request)
        .map_err(|e| shape(format!("request: {e}")))?;
    match (exchange.get("response"), exchange.get("error")) {
        (Some(response), None) => {
            method
                .result_from_json(response)
                .map_err(|e| shape(format!("response of {name}: {e}")))?;
        }
        (None, Some(_)) => {}
        _ => {
            return Err(shape(
                "needs exactly one of \"response\" and \"error\"".into(),
            ));
        }
    }
    Ok(method.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        format!("{{\"format\":\"{FORMAT}\",\"layer\":{}}}\n", tl::LAYER)
    }

    fn all(text: &str) -> Result<Vec<usize>, TranscriptError> {
        let mut lines = Lines::new(text.as_bytes())?;
        let mut out = Vec::new();
        while let Some((n, _)) = lines.next_exchange()? {
            out.push(n);
        }
        Ok(out)
    }

    #[test]
    fn reads_lines_and_drops_a_cut_last_line() {
        let text = format!("{}{{\"a\":1}}\n\n{{\"b\":2}}\n{{\"c\":", header());
        assert_eq!(all(&text).unwrap(), vec![2, 4]);
        let text = format!("{}{{\"a\":1}}\n{{\"c\":\n{{\"d\":1}}\n", header());
        let e = all(&text).unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().starts_with("line 3: not JSON"), "{e}");
    }

    #[test]
    fn header_errors() {
        assert!(matches!(all(""), Err(TranscriptError::Empty)));
        let e = all("{\"format\":\"tg-mock-replay/1\",\"layer\":1}\n").unwrap_err();
        assert!(matches!(e, TranscriptError::Layer { found: 1, .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("line 1: the transcript is for layer 1")
        );
        let e = all("{\"format\":\"x\",\"layer\":1}\n").unwrap_err();
        assert!(e.to_string().contains("format is \"x\""), "{e}");
        let e = all("nope\n").unwrap_err();
        assert_eq!(e.line(), Some(1));
        let e = all(&format!("{}[1]\n", header())).unwrap_err();
        assert_eq!(e.line(), Some(2));
    }

    #[test]
    fn methods_are_checked() {
        let ok = serde_json::json!({"request": {"_": "help.getNearestDc"}, "error": [1, "X"]});
        assert_eq!(method_of(&ok, 2).unwrap(), "help.getNearestDc");
        let bad = serde_json::json!({"request": {"_": "help.getBogus"}, "error": [1, "X"]});
        let e = method_of(&bad, 7).unwrap_err();
        assert!(
            matches!(e, TranscriptError::UnknownMethod { line: 7, .. }),
            "{e}"
        );
        let none = serde_json::json!({"request": {"_": "help.getNearestDc"}});
        assert!(
            method_of(&none, 3)
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let wrong = serde_json::json!({"request": {"_": "help.getNearestDc"},
            "response": {"_": "config"}});
        let e = method_of(&wrong, 4).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 4: response of help.getNearestDc"),
            "{e}"
        );
        let field =
            serde_json::json!({"request": {"_": "help.getNearestDc", "x": 1}, "error": [1, "X"]});
        assert!(
            method_of(&field, 5)
                .unwrap_err()
                .to_string()
                .starts_with("line 5: request:")
        );
    }
}
