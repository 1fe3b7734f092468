//! File parts a transcript holds only as a length and a SHA-256 (`synth`:
//! the recorder's `--record-files none|small`), filled in when served.
//!
//! The bytes are a function of the recorded hash alone, so every replay of
//! a transcript serves the same file:
//!
//! ```text
//! fill(len, sha) = SHA-256(sha ‖ 0u64 LE) ‖ SHA-256(sha ‖ 1u64 LE) ‖ …, cut at len bytes
//! ```
//!
//! where `sha` is the 32-byte hash written in the transcript (not the hash
//! of the filled bytes, which differ from the recorded file).

use serde_json::Value;
use sha2::{Digest, Sha256};
use tl::{Deserializable, Serializable};

/// The largest part a `synth` may describe (Telegram's largest `limit`).
pub const MAX_LEN: usize = 1024 * 1024;

/// A part to fill: its length and the recorded hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synth {
    /// Bytes of the part.
    pub len: usize,
    /// SHA-256 of the recorded part.
    pub sha256: [u8; 32],
}

/// `len` bytes derived from `sha256` (see the module documentation).
pub fn fill(len: usize, sha256: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = 0u64;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(sha256);
        h.update(block.to_le_bytes());
        out.extend_from_slice(&h.finalize());
        block += 1;
    }
    out.truncate(len);
    out
}

/// Checks the `synth` object of an exchange of `method` answered with
/// `response`.
pub(super) fn parse(method: &str, response: &Value, synth: &Value) -> Result<Synth, String> {
    if method != "upload.getFile" {
        return Err(format!("only on upload.getFile exchanges, not {method}"));
    }
    if response.get("_").and_then(Value::as_str) != Some("upload.file") {
        return Err("only with an upload.file response".into());
    }
    if response.get("bytes").and_then(Value::as_str) != Some("") {
        return Err("the response's bytes must be \"\" (they are synthesized)".into());
    }
    let obj = synth
        .as_object()
        .ok_or("expected {\"len\": .., \"sha256\": \"..\"}")?;
    if let Some(key) = obj.keys().find(|k| *k != "len" && *k != "sha256") {
        return Err(format!("unknown field {key:?}"));
    }
    let len = obj
        .get("len")
        .and_then(Value::as_u64)
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l <= MAX_LEN)
        .ok_or(format!("len must be a number of bytes up to {MAX_LEN}"))?;
    let hex = obj
        .get("sha256")
        .and_then(Value::as_str)
        .ok_or("sha256 must be a string of 64 hex digits")?;
    let mut sha256 = [0u8; 32];
    if hex.len() != 64 || !hex.is_ascii() {
        return Err("sha256 must be a string of 64 hex digits".into());
    }
    for (i, byte) in sha256.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| "sha256 must be a string of 64 hex digits".to_owned())?;
    }
    Ok(Synth { len, sha256 })
}

/// The serialized `upload.file` `recorded` (bytes empty) with its bytes
/// filled in.
pub(super) fn answer(recorded: &[u8], synth: &Synth) -> Vec<u8> {
    match tl::enums::upload::File::from_bytes(recorded) {
        Ok(tl::enums::upload::File::File(mut file)) => {
            file.bytes = fill(synth.len, &synth.sha256);
            tl::enums::upload::File::File(file).to_bytes()
        }
        // Checked at load: never reached.
        _ => recorded.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_is_deterministic_and_of_the_length_asked() {
        let sha = [7u8; 32];
        let a = fill(100, &sha);
        assert_eq!(a.len(), 100);
        assert_eq!(a, fill(100, &sha));
        assert_eq!(&fill(40, &sha)[..], &a[..40]);
        assert_ne!(fill(100, &[8u8; 32]), a);
        assert!(fill(0, &sha).is_empty());
        let mut h = Sha256::new();
        h.update(sha);
        h.update(0u64.to_le_bytes());
        assert_eq!(&a[..32], &h.finalize()[..]);
    }

    #[test]
    fn synth_objects_are_checked() {
        let file = serde_json::json!({"_": "upload.file", "type": {"_": "storage.fileJpeg"}, "mtime": 0, "bytes": ""});
        let ok = serde_json::json!({"len": 5, "sha256": "ab".repeat(32)});
        let s = parse("upload.getFile", &file, &ok).unwrap();
        assert_eq!(s.len, 5);
        assert_eq!(s.sha256, [0xab; 32]);
        let err = |m: &str, r: &Value, s: Value| parse(m, r, &s).unwrap_err();
        assert!(err("help.getConfig", &file, ok.clone()).contains("only on upload.getFile"));
        let mut full = file.clone();
        full["bytes"] = "AAAA".into();
        assert!(err("upload.getFile", &full, ok.clone()).contains("must be \"\""));
        assert!(
            err(
                "upload.getFile",
                &file,
                serde_json::json!({"len": 5, "sha256": "xy"})
            )
            .contains("64 hex")
        );
        assert!(
            err(
                "upload.getFile",
                &file,
                serde_json::json!({"len": MAX_LEN + 1, "sha256": "ab".repeat(32)})
            )
            .contains("up to")
        );
        assert!(
            err(
                "upload.getFile",
                &file,
                serde_json::json!({"len": 1, "sha256": "ab".repeat(32), "x": 1})
            )
            .contains("unknown field")
        );
    }
}
