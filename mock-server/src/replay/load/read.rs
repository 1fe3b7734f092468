//! Reading a transcript: the JSON Lines form and the old single object.

use super::*;

#[derive(Deserialize)]
struct Header {
    format: String,
    #[serde(default)]
    layer: Option<i32>,
}

/// Reads a transcript from `reader`; `path` names it in errors.
pub(in crate::replay) fn read(
    mut reader: impl BufRead,
    path: &Path,
) -> Result<Loaded, ReplayError> {
    let read_error = |source| ReplayError::Read {
        path: path.to_owned(),
        source,
    };
    let mut first = Vec::new();
    reader.read_until(b'\n', &mut first).map_err(read_error)?;
    let header = std::str::from_utf8(&first)
        .ok()
        .and_then(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .filter(|v| v.is_object() && v.get("exchanges").is_none());
    match header {
        Some(header) => read_lines(header, reader, path),
        None => {
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).map_err(read_error)?;
            first.extend(rest);
            let text = String::from_utf8(first).map_err(|e| ReplayError::Syntax {
                path: path.to_owned(),
                message: format!("not UTF-8 text: {e}"),
            })?;
            read_object(&text, path)
        }
    }
}

fn check_layer(layer: Option<i32>, path: &Path) -> Result<(), ReplayError> {
    match layer.filter(|l| *l != tl::LAYER) {
        Some(found) => Err(ReplayError::Layer {
            path: path.to_owned(),
            found,
            expected: tl::LAYER,
        }),
        None => Ok(()),
    }
}

/// The JSON Lines form, after its header line.
fn read_lines(header: Value, mut reader: impl BufRead, path: &Path) -> Result<Loaded, ReplayError> {
    let syntax = |message: String| ReplayError::Syntax {
        path: path.to_owned(),
        message,
    };
    let header: Header =
        serde_json::from_value(header).map_err(|e| syntax(format!("line 1: header: {e}")))?;
    if header.format != FORMAT {
        return Err(syntax(format!(
            "line 1: format {:?}, expected {FORMAT:?}",
            header.format
        )));
    }
    check_layer(header.layer, path)?;
    let mut loaded = Loaded::default();
    let mut buf = Vec::new();
    let mut line = 1;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ReplayError::Read {
                path: path.to_owned(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line += 1;
        let terminated = buf.last() == Some(&b'\n');
        let at = |problem| ReplayError::Line {
            path: path.to_owned(),
            line,
            problem,
        };
        let parsed = std::str::from_utf8(&buf)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                let text = text.trim();
                if text.is_empty() {
                    Ok(None)
                } else {
                    serde_json::from_str::<Value>(text)
                        .map(Some)
                        .map_err(|e| e.to_string())
                }
            });
        match parsed {
            Ok(None) => {}
            Ok(Some(value)) => loaded.push(value, Place::Line(line)).map_err(at)?,
            Err(message) if !terminated => {
                tracing::warn!(
                    transcript = %path.display(),
                    "line {line} is cut short (a crash while recording?) and left out: {message}"
                );
            }
            Err(message) => return Err(at(ExchangeProblem::Json(message))),
        }
    }
    Ok(loaded)
}

/// The single-object form.
fn read_object(text: &str, path: &Path) -> Result<Loaded, ReplayError> {
    let syntax = |message: String| ReplayError::Syntax {
        path: path.to_owned(),
        message,
    };
    let raw: RawFile = serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?;
    if let Some(format) = raw.format.filter(|f| f != FORMAT) {
        return Err(syntax(format!("format {format:?}, expected {FORMAT:?}")));
    }
    check_layer(raw.layer, path)?;
    let mut loaded = Loaded::default();
    for (index, value) in raw.exchanges.into_iter().enumerate() {
        loaded
            .push(value, Place::Index(index))
            .map_err(|problem| ReplayError::Exchange {
                path: path.to_owned(),
                index,
                problem,
            })?;
    }
    Ok(loaded)
}
