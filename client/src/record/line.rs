//! One exchange as a transcript line: the request and answer in JSON,
//! file parts kept or replaced by `synth`, secrets blanked.

use super::*;

/// Methods recorded with `repeat: true` (and once): idempotent calls that
/// another run may make more or fewer times (the DC table is asked for
/// again after a migration or a new DC). They are pinned to no DC.
pub const REPEATED: &[&str] = &["help.getConfig", "help.getNearestDc"];

/// Writes the JSON line of one exchange into `line`; `Some(true)` when its
/// file bytes were replaced by `synth`, `None` when it is left out.
pub(super) fn exchange_line(
    entry: &Entry,
    files: RecordFiles,
    repeats: &mut HashSet<String>,
    line: &mut String,
) -> Option<bool> {
    let peeled = match tl::peel::peel(&entry.request) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("record: a request that does not peel ({e}) is left out");
            return None;
        }
    };
    let Some(method) = tl::json::method(peeled.method_id) else {
        tracing::warn!(
            "record: request {:#010x} is not a schema method; left out",
            peeled.method_id
        );
        return None;
    };
    let mut request = match method.call_to_json(peeled.query) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("record: a {} request does not decode ({e})", method.name);
            return None;
        }
    };
    let mut response = match &entry.answer {
        OwnedAnswer::Result(bytes) => match method.result_to_json(bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!("record: a {} answer does not decode ({e})", method.name);
                return None;
            }
        },
        OwnedAnswer::Error(..) => None,
    };
    let ignore = scrub(method.name, &mut request, response.as_mut());
    let repeat = REPEATED.contains(&method.name) && response.is_some();
    if repeat && !repeats.insert(format!("{request} {:?} {:?}", peeled.takeout, peeled.range)) {
        return None;
    }
    let synth = match (&mut response, method.name) {
        (Some(r), "upload.getFile") => synthesize(&request, r, files),
        _ => None,
    };

    let json = |v: &Value| v.to_string();
    line.push_str("{\"request\":");
    line.push_str(&json(&request));
    line.push_str(",\"takeout\":");
    match peeled.takeout {
        Some(id) => line.push_str(&id.to_string()),
        None => line.push_str("false"),
    }
    line.push_str(",\"range\":");
    match peeled.range {
        Some((min_id, max_id)) => {
            line.push_str(&format!("{{\"min_id\":{min_id},\"max_id\":{max_id}}}"));
        }
        None => line.push_str("false"),
    }
    if repeat {
        line.push_str(",\"repeat\":true");
    } else {
        line.push_str(&format!(",\"dc\":{}", entry.dc));
    }
    if !ignore.is_empty() {
        line.push_str(",\"ignore\":");
        line.push_str(&json(&Value::from(ignore)));
    }
    if let Some(s) = &synth {
        line.push_str(",\"synth\":");
        line.push_str(&json(s));
    }
    match (&response, &entry.answer) {
        (Some(r), _) => {
            line.push_str(",\"response\":");
            line.push_str(&json(r));
        }
        (None, OwnedAnswer::Error(code, message)) => {
            line.push_str(",\"error\":");
            line.push_str(&json(&serde_json::json!([code, message])));
        }
        (None, OwnedAnswer::Result(_)) => return None,
    }
    line.push('}');
    Some(synth.is_some())
}

/// Replaces the bytes of an `upload.file` answer by `""` and returns the
/// `synth` object (`len`, `sha256` of the real bytes), unless `files`
/// keeps this part.
pub(super) fn synthesize(
    request: &Value,
    response: &mut Value,
    files: RecordFiles,
) -> Option<Value> {
    let offset = request.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let slot = response.get_mut("bytes")?;
    let bytes = tl::json::bytes_from_json(slot).ok()?;
    if files.keeps(offset, bytes.len()) {
        return None;
    }
    *slot = Value::String(String::new());
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(serde_json::json!({"len": bytes.len(), "sha256": sha}))
}

/// The secret fields of each method: in the request (written as the
/// placeholder and listed in `ignore`) and in the response (written as the
/// placeholder). Placeholders are `""` (an empty string or empty bytes).
pub const SECRETS: &[(&str, &[&str], &[&str])] = &[
    // The api_hash is the app's credential; a replaying client has its own.
    ("auth.sendCode", &["api_hash", "api_id"], &[]),
    // The login code changes on every login.
    ("auth.signIn", &["phone_code", "email_verification"], &[]),
    // The SRP proof (A and M1 change on every run; M1 would let anyone
    // test password guesses offline).
    ("auth.checkPassword", &["password.A", "password.M1"], &[]),
    // Authorization bytes log the account in on another DC.
    ("auth.exportAuthorization", &[], &["bytes"]),
    ("auth.importAuthorization", &["bytes"], &[]),
    // QR login tokens.
    (
        "auth.exportLoginToken",
        &["api_hash", "api_id", "except_ids"],
        &["token"],
    ),
    ("auth.importLoginToken", &["token"], &[]),
];

/// Blanks the secrets of `method` (see [`SECRETS`]); returns the request
/// paths to write as `ignore`.
pub(super) fn scrub(
    method: &str,
    request: &mut Value,
    response: Option<&mut Value>,
) -> Vec<String> {
    let Some((_, in_request, in_response)) = SECRETS.iter().find(|(m, _, _)| *m == method) else {
        return Vec::new();
    };
    let mut ignore = Vec::new();
    for path in *in_request {
        if let Some(slot) = at_path(request, path) {
            blank(slot);
        }
        ignore.push((*path).to_owned());
    }
    if let Some(response) = response {
        for path in *in_response {
            if let Some(slot) = at_path(response, path) {
                blank(slot);
            }
        }
    }
    ignore
}

/// The placeholder keeps the kind of the value, so the object still reads.
pub(super) fn blank(slot: &mut Value) {
    *slot = match slot {
        Value::Number(_) => Value::from(0),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(m) => {
            // An object (email verification): keep only its constructor.
            let mut kept = serde_json::Map::new();
            if let Some(tag) = m.get("_") {
                kept.insert("_".into(), tag.clone());
            }
            Value::Object(kept)
        }
        _ => Value::String(String::new()),
    };
}

pub(super) fn at_path<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut at = value;
    for segment in path.split('.') {
        at = at.as_object_mut()?.get_mut(segment)?;
    }
    Some(at)
}
