//! Helpers over the JSON values of a transcript: keyed collections, ids,
//! file parts.

use super::*;

/// Objects kept by a key, in first-seen order.
pub(super) struct Keyed<K> {
    pub(super) seen: HashMap<K, usize>,
    pub(super) items: Vec<Value>,
}

impl<K: std::hash::Hash + Eq> Default for Keyed<K> {
    fn default() -> Self {
        Self {
            seen: HashMap::new(),
            items: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq> Keyed<K> {
    /// Adds `v` unless `key` is there; a `min` object is replaced by the
    /// first full one.
    pub(super) fn add(&mut self, key: K, v: &Value) {
        match self.seen.get(&key) {
            Some(&i) => {
                let stored_min = self.items[i].get("min") == Some(&Value::Bool(true));
                let new_min = v.get("min") == Some(&Value::Bool(true));
                if stored_min && !new_min {
                    self.items[i] = v.clone();
                }
            }
            None => {
                self.seen.insert(key, self.items.len());
                self.items.push(v.clone());
            }
        }
    }
}

pub(super) fn long(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        v => v.as_i64(),
    }
}

pub(super) fn tag(v: &Value) -> &str {
    v.get("_").and_then(Value::as_str).unwrap_or("")
}

pub(super) fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The message box and id of a message (`None` for `messageEmpty`).
pub(super) fn message_key(m: &Value) -> Option<(Option<i64>, i64)> {
    if tag(m) == "messageEmpty" {
        return None;
    }
    let id = long(m.get("id"))?;
    let peer = m.get("peer_id")?;
    let channel = (tag(peer) == "peerChannel").then(|| long(peer.get("channel_id")).unwrap_or(0));
    Some((channel, id))
}

pub(super) fn peer_key(p: &Value) -> String {
    format!(
        "{}:{}",
        tag(p),
        long(
            p.get("user_id")
                .or(p.get("chat_id"))
                .or(p.get("channel_id"))
        )
        .unwrap_or(0)
    )
}

pub(super) fn chat_key(c: &Value) -> (bool, i64) {
    let channel = matches!(tag(c), "channel" | "channelForbidden");
    (channel, long(c.get("id")).unwrap_or(0))
}

/// The bytes of one file, by part offset.
#[derive(Default)]
pub(super) struct Parts(pub(super) BTreeMap<u64, Vec<u8>>);

impl Parts {
    /// The parts joined, when they are contiguous from offset 0.
    pub(super) fn joined(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for (&offset, data) in &self.0 {
            if offset != out.len() as u64 {
                return None;
            }
            out.extend_from_slice(data);
        }
        Some(out)
    }
}
