//! The world's `server` settings: answers of a server unlike ours.

use serde_json::{Map, Value};
use tl::json::{JsonError, ToJson};

use super::PeerKey;
use super::json::object;

type Result<T> = std::result::Result<T, JsonError>;

/// Answers of a server unlike ours, each modeled on what a real account
/// can meet (`server` in `world.json`, mock-server/fixtures/README.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerSettings {
    /// The one layer the server serves (`None`: ours and the layers
    /// before it down to [`crate::dispatch::MIN_LAYER`]); a request made in
    /// another layer is refused, naming the layer served.
    pub layer: Option<i32>,
    /// Messages (peer, id) served, wherever a history or search page holds
    /// them, as an object of a layer the client does not know (a
    /// constructor id that is in no layer of ours, then the message's
    /// fields).
    pub corrupt_messages: Vec<(PeerKey, i32)>,
}

/// `server`: `{"layer"?: 200, "corrupt_messages"?: [{"peer": Peer, "id": 12}]}`.
pub(super) fn server_from_json(value: &Value) -> Result<ServerSettings> {
    let obj = object(value, "the server settings", &["layer", "corrupt_messages"])?;
    let layer = tl::json::opt_field(obj, "layer")?;
    if layer.is_some_and(|l: i32| l < 1) {
        return Err(JsonError::new("a layer counts from 1").at("layer"));
    }
    let items = match obj.get("corrupt_messages") {
        None => &[][..],
        Some(v) => v
            .as_array()
            .ok_or_else(|| JsonError::new("expected an array").at("corrupt_messages"))?,
    };
    let corrupt_messages = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = |e: JsonError| e.at(i.to_string()).at("corrupt_messages");
            let obj = object(item, "a corrupt message", &["peer", "id"]).map_err(at)?;
            let peer: tl::enums::Peer = tl::json::field(obj, "peer").map_err(at)?;
            let id = tl::json::field(obj, "id").map_err(at)?;
            Ok((PeerKey::from_peer(&peer), id))
        })
        .collect::<Result<_>>()?;
    Ok(ServerSettings {
        layer,
        corrupt_messages,
    })
}

pub(super) fn server_to_json(s: &ServerSettings) -> Option<Value> {
    if *s == ServerSettings::default() {
        return None;
    }
    let mut m = Map::new();
    if let Some(layer) = s.layer {
        m.insert("layer".into(), layer.into());
    }
    if !s.corrupt_messages.is_empty() {
        let items = s
            .corrupt_messages
            .iter()
            .map(|(peer, id)| serde_json::json!({"peer": peer.to_peer().to_json(), "id": id}))
            .collect();
        m.insert("corrupt_messages".into(), Value::Array(items));
    }
    Some(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_settings_read_round_trip_and_are_checked() {
        let v = serde_json::json!({
            "layer": 200,
            "corrupt_messages": [{"peer": {"_": "peerUser", "user_id": 5}, "id": 12}]
        });
        let s = server_from_json(&v).unwrap();
        assert_eq!(s.layer, Some(200));
        assert_eq!(s.corrupt_messages, vec![(PeerKey::User(5), 12)]);
        assert_eq!(server_to_json(&s), Some(v));
        assert_eq!(server_to_json(&ServerSettings::default()), None);
        let e =
            server_from_json(&serde_json::json!({"corrupt_messages": [{"id": 1}]})).unwrap_err();
        assert_eq!(e.path, ["corrupt_messages", "0"]);
        assert!(e.to_string().contains("peer"), "{e}");
        let e = server_from_json(&serde_json::json!({"layer": 0})).unwrap_err();
        assert_eq!(e.path, ["layer"]);
        assert!(server_from_json(&serde_json::json!({"lag": 1})).is_err());
    }
}
