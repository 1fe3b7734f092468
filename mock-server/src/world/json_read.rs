//! Reading `world.json` text without holding the whole document as a JSON
//! tree: the `messages` array (most of a large world) is read one message
//! at a time, each converted to its TL type and appended to the world's
//! [`MessageStore`] (as TL bytes) before the next is read.
//! Everything else goes through [`World::from_json`], so the format, the
//! checks and the error paths are those of the tree reader.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use tl::enums;
use tl::json::{FromJson, JsonError};

use super::{MessageStore, World};

/// Why the text is not a world: bad JSON syntax (with its position) or
/// bad content (with its JSON path).
#[derive(Debug)]
pub enum ReadError {
    /// Not JSON.
    Syntax(serde_json::Error),
    /// JSON, but not a world.
    Content(JsonError),
}

/// Top-level keys read before `messages` (in the tree reader's order): an
/// error in one of them is reported before an error in a message.
const BEFORE_MESSAGES: [&str; 10] = [
    "format",
    "blobs",
    "seed",
    "self_id",
    "home_dc",
    "login",
    "users",
    "chats",
    "self_full",
    "dialogs",
];

impl World {
    /// Reads a world from the text of its `world.json` (as
    /// [`World::from_json`] reads the parsed tree).
    pub fn from_json_text(text: &str) -> Result<Self, ReadError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let top = de.deserialize_map(TopVisitor).map_err(ReadError::Syntax)?;
        de.end().map_err(ReadError::Syntax)?;
        let rest = World::from_json(&Value::Object(top.fields));
        match (rest, top.message_error) {
            (Err(e), Some(m)) => {
                let early = e
                    .path
                    .first()
                    .is_none_or(|k| BEFORE_MESSAGES.contains(&k.as_str()));
                Err(ReadError::Content(if early { e } else { m }))
            }
            (Err(e), None) => Err(ReadError::Content(e)),
            (Ok(_), Some(m)) => Err(ReadError::Content(m)),
            (Ok(mut world), None) => {
                world.messages = top.messages;
                world.messages.shrink();
                Ok(world)
            }
        }
    }
}

/// The top-level object: every field but `messages` as JSON, the
/// messages converted, the first message error.
struct Top {
    fields: Map<String, Value>,
    messages: MessageStore,
    message_error: Option<JsonError>,
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the world object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut top = Top {
            fields: Map::new(),
            messages: MessageStore::new(),
            message_error: None,
        };
        let mut seen_messages = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                if seen_messages {
                    return Err(serde::de::Error::custom("duplicate field `messages`"));
                }
                seen_messages = true;
                map.next_value_seed(Messages(&mut top))?;
            } else {
                let value: Value = map.next_value()?;
                top.fields.insert(key, value);
            }
        }
        Ok(top)
    }
}

/// The `messages` array, read item by item into [`Top`].
struct Messages<'t>(&'t mut Top);

impl<'de> DeserializeSeed<'de> for Messages<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let top = self.0;
        let mut i = 0usize;
        while let Some(value) = seq.next_element::<Value>()? {
            if top.message_error.is_none() {
                match enums::Message::from_json(&value) {
                    Ok(m) => top.messages.push(&m),
                    Err(e) => top.message_error = Some(e.at(i.to_string()).at("messages")),
                }
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        // `"messages": null` reads as no messages, as in the tree reader.
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<Value, Value>()?.is_some() {}
        self.0.message_error = Some(JsonError::new("expected an array").at("messages"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> World {
        crate::generate(&crate::GenerateConfig {
            messages: 120,
            files: 10,
            ..crate::GenerateConfig::default()
        })
    }

    #[test]
    fn text_reads_as_the_tree_does() {
        let world = small();
        let text = world.to_json_string();
        let tree: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(World::from_json(&tree).unwrap(), world);
        assert_eq!(World::from_json_text(&text).unwrap(), world);
    }

    #[test]
    fn errors_name_the_message_or_the_position() {
        let mut value = small().to_json();
        value["messages"][3]["peer_id"] = Value::from("nobody");
        let text = value.to_string();
        let Err(ReadError::Content(e)) = World::from_json_text(&text) else {
            panic!("a content error expected");
        };
        assert_eq!(e.path[..2], ["messages".to_owned(), "3".to_owned()]);
        // An earlier field's error comes first, as in the tree reader.
        value["self_id"] = Value::from("me");
        let Err(ReadError::Content(e)) = World::from_json_text(&value.to_string()) else {
            panic!("a content error expected");
        };
        assert_eq!(e.path, ["self_id"]);

        let cut = &text[..text.len() / 2];
        let Err(ReadError::Syntax(e)) = World::from_json_text(cut) else {
            panic!("a syntax error expected");
        };
        assert!(e.line() > 0);
        let twice = r#"{"messages": [], "messages": []}"#;
        assert!(matches!(
            World::from_json_text(twice),
            Err(ReadError::Syntax(_))
        ));
        let mut not_array = small().to_json();
        not_array["messages"] = serde_json::json!({});
        let Err(ReadError::Content(e)) = World::from_json_text(&not_array.to_string()) else {
            panic!("a content error expected");
        };
        assert_eq!(e.path, ["messages"]);
    }
}
