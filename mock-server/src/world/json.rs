//! `world.json`: the [`World`] as JSON, TL objects in the `tl` crate's
//! tagged form (`{"_": "message", ...}`).
//!
//! Reading reports the JSON path of any error (`messages.3.media.photo: ...`)
//! and rejects unknown fields. Writing is deterministic: top-level keys in a
//! fixed order, one array item per line, so fixtures diff well.

use std::io::{self, Write};

use serde_json::{Map, Value};
use tl::json::{FromJson, JsonError, ToJson};

use super::server::{server_from_json, server_to_json};
use super::{Blob, FileKey, Login, LoginSettings, ServerSettings, World};

/// The `format` tag of `world.json`.
pub const FORMAT: &str = "tg-mock-world/1";

const FIELDS: &[&str] = &[
    "format",
    "seed",
    "self_id",
    "home_dc",
    "login",
    "users",
    "chats",
    "self_full",
    "dialogs",
    "messages",
    "split_ranges",
    "contacts",
    "top_peers_disabled",
    "top_peers",
    "authorization_ttl_days",
    "authorizations",
    "web_authorizations",
    "profile_photos",
    "stories",
    "custom_emoji",
    "other_data",
    "blobs",
    "server",
];

type Result<T> = std::result::Result<T, JsonError>;

pub(super) fn object<'a>(
    value: &'a Value,
    what: &str,
    fields: &[&str],
) -> Result<&'a Map<String, Value>> {
    let obj = value
        .as_object()
        .ok_or_else(|| JsonError::new(format!("expected {what} object")))?;
    if let Some(key) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(JsonError::new(format!("{what} has no field {key:?}")));
    }
    Ok(obj)
}

fn required<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a Value> {
    obj.get(key)
        .ok_or_else(|| JsonError::new(format!("missing field {key:?}")))
}

/// A list field; absent means empty.
fn list<T: FromJson>(obj: &Map<String, Value>, key: &str) -> Result<Vec<T>> {
    Ok(tl::json::opt_field(obj, key)?.unwrap_or_default())
}

fn string(obj: &Map<String, Value>, key: &str) -> Result<String> {
    tl::json::field(obj, key)
}

fn u64_field(obj: &Map<String, Value>, key: &str) -> Result<u64> {
    let v = required(obj, key)?;
    v.as_u64()
        .ok_or_else(|| JsonError::new("expected an unsigned 64-bit integer").at(key))
}

fn login_from_json(value: &Value) -> Result<Login> {
    let fields = [
        "phone",
        "code",
        "password",
        "hint",
        "salt1",
        "salt2",
        "delivery",
        "next_delivery",
        "email_pattern",
        "phone_state",
        "expired_codes",
        "srp_id_invalid",
        "qr_scan_after",
        "qr_expires_secs",
        "qr_scan_after_ms",
    ];
    let obj = object(value, "a login", &fields)?;
    let text = |key| -> Result<String> { Ok(tl::json::opt_field(obj, key)?.unwrap_or_default()) };
    let count = |key| -> Result<u32> {
        let n: i64 = tl::json::opt_field(obj, key)?.unwrap_or_default();
        u32::try_from(n).map_err(|_| JsonError::new("expected a count from 0").at(key))
    };
    let settings = LoginSettings {
        delivery: text("delivery")?,
        next_delivery: text("next_delivery")?,
        email_pattern: text("email_pattern")?,
        phone_state: text("phone_state")?,
        expired_codes: count("expired_codes")?,
        srp_id_invalid: count("srp_id_invalid")?,
        qr_scan_after: count("qr_scan_after")?,
        qr_expires_secs: count("qr_expires_secs")?,
        qr_scan_after_ms: count("qr_scan_after_ms")?,
    };
    const DELIVERIES: [&str; 10] = [
        "",
        "app",
        "sms",
        "call",
        "email",
        "setup_email",
        "fragment",
        "firebase",
        "missed_call",
        "flash_call",
    ];
    for (key, value) in [
        ("delivery", &settings.delivery),
        ("next_delivery", &settings.next_delivery),
    ] {
        if !DELIVERIES.contains(&value.as_str()) {
            return Err(JsonError::new(format!(
                "unknown delivery {value:?} (app, sms, call, email, setup_email, fragment, firebase, missed_call, flash_call)"
            ))
            .at(key));
        }
    }
    if !["", "banned", "unoccupied"].contains(&settings.phone_state.as_str()) {
        return Err(JsonError::new("`phone_state` is `banned` or `unoccupied`").at("phone_state"));
    }
    Ok(Login {
        phone: string(obj, "phone")?,
        code: string(obj, "code")?,
        password: tl::json::opt_field(obj, "password")?,
        hint: tl::json::opt_field(obj, "hint")?,
        salt1: tl::json::opt_bytes_field(obj, "salt1")?.unwrap_or_default(),
        salt2: tl::json::opt_bytes_field(obj, "salt2")?.unwrap_or_default(),
        settings,
    })
}

fn login_to_json(login: &Login) -> Value {
    let mut m = Map::new();
    m.insert("phone".into(), login.phone.clone().into());
    m.insert("code".into(), login.code.clone().into());
    if let Some(p) = &login.password {
        m.insert("password".into(), p.clone().into());
    }
    if let Some(h) = &login.hint {
        m.insert("hint".into(), h.clone().into());
    }
    m.insert("salt1".into(), tl::json::bytes_to_json(&login.salt1));
    m.insert("salt2".into(), tl::json::bytes_to_json(&login.salt2));
    let s = &login.settings;
    for (key, v) in [
        ("delivery", &s.delivery),
        ("next_delivery", &s.next_delivery),
        ("email_pattern", &s.email_pattern),
        ("phone_state", &s.phone_state),
    ] {
        if !v.is_empty() {
            m.insert(key.into(), v.clone().into());
        }
    }
    for (key, v) in [
        ("expired_codes", s.expired_codes),
        ("srp_id_invalid", s.srp_id_invalid),
        ("qr_scan_after", s.qr_scan_after),
        ("qr_expires_secs", s.qr_expires_secs),
        ("qr_scan_after_ms", s.qr_scan_after_ms),
    ] {
        if v != 0 {
            m.insert(key.into(), v.into());
        }
    }
    Value::Object(m)
}

fn blob_from_json(value: &Value) -> Result<Blob> {
    let obj = object(value, "a blob", &["photo", "document", "thumb", "file"])?;
    let thumb = tl::json::opt_field(obj, "thumb")?.unwrap_or_default();
    let key = match (obj.get("photo"), obj.get("document")) {
        (Some(_), None) => FileKey::Photo {
            id: tl::json::field(obj, "photo")?,
            thumb,
        },
        (None, Some(_)) => FileKey::Document {
            id: tl::json::field(obj, "document")?,
            thumb,
        },
        _ => {
            return Err(JsonError::new(
                "a blob names exactly one of \"photo\" or \"document\"",
            ));
        }
    };
    Ok(Blob {
        key,
        file: string(obj, "file")?,
        data: Vec::new(),
    })
}

fn blob_to_json(blob: &Blob) -> Value {
    let mut m = Map::new();
    let (kind, id, thumb) = match &blob.key {
        FileKey::Photo { id, thumb } => ("photo", id, thumb),
        FileKey::Document { id, thumb } => ("document", id, thumb),
    };
    m.insert(kind.into(), (*id).into());
    if !thumb.is_empty() {
        m.insert("thumb".into(), thumb.clone().into());
    }
    m.insert("file".into(), blob.file.clone().into());
    Value::Object(m)
}

impl World {
    /// Reads a world from its `world.json` form.
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = object(value, "the world", FIELDS)?;
        match obj.get("format") {
            Some(Value::String(s)) if s == FORMAT => {}
            Some(other) => {
                return Err(
                    JsonError::new(format!("expected {FORMAT:?}, found {other}")).at("format"),
                );
            }
            None => return Err(JsonError::new("missing field \"format\"")),
        }
        let blobs = match obj.get("blobs") {
            None => Vec::new(),
            Some(v) => {
                let items = v
                    .as_array()
                    .ok_or_else(|| JsonError::new("expected an array").at("blobs"))?;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, b)| blob_from_json(b).map_err(|e| e.at(i.to_string()).at("blobs")))
                    .collect::<Result<_>>()?
            }
        };
        Ok(Self {
            seed: u64_field(obj, "seed")?,
            self_id: tl::json::field(obj, "self_id")?,
            home_dc: tl::json::field(obj, "home_dc")?,
            login: login_from_json(required(obj, "login")?).map_err(|e| e.at("login"))?,
            users: list(obj, "users")?,
            chats: list(obj, "chats")?,
            self_full: tl::json::opt_field(obj, "self_full")?,
            dialogs: list(obj, "dialogs")?,
            messages: list::<tl::enums::Message>(obj, "messages")?.into(),
            split_ranges: list(obj, "split_ranges")?,
            contacts: list(obj, "contacts")?,
            top_peers_disabled: tl::json::flag(obj, "top_peers_disabled")?,
            top_peers: list(obj, "top_peers")?,
            authorization_ttl_days: tl::json::opt_field(obj, "authorization_ttl_days")?
                .unwrap_or(180),
            authorizations: list(obj, "authorizations")?,
            web_authorizations: list(obj, "web_authorizations")?,
            profile_photos: list(obj, "profile_photos")?,
            stories: list(obj, "stories")?,
            custom_emoji: list(obj, "custom_emoji")?,
            other_data: obj.get("other_data").filter(|v| !v.is_null()).cloned(),
            blobs,
            server: match obj.get("server") {
                Some(v) => server_from_json(v).map_err(|e| e.at("server"))?,
                None => ServerSettings::default(),
            },
        })
    }

    /// The world as `(key, value)` pairs in `world.json` order; `messages`
    /// is `null` unless `with_messages` (the writer streams them).
    fn json_fields(&self, with_messages: bool) -> Vec<(&'static str, Value)> {
        fn items<T: ToJson>(v: &[T]) -> Value {
            Value::Array(v.iter().map(ToJson::to_json).collect())
        }
        let messages = if with_messages {
            Value::Array(self.messages.iter().map(|m| m.to_json()).collect())
        } else {
            Value::Null
        };
        let mut fields = vec![
            ("format", Value::from(FORMAT)),
            ("seed", Value::from(self.seed)),
            ("self_id", Value::from(self.self_id)),
            ("home_dc", Value::from(self.home_dc)),
            ("login", login_to_json(&self.login)),
            ("users", items(&self.users)),
            ("chats", items(&self.chats)),
        ];
        if let Some(full) = &self.self_full {
            fields.push(("self_full", full.to_json()));
        }
        fields.extend([
            ("dialogs", items(&self.dialogs)),
            ("messages", messages),
            ("split_ranges", items(&self.split_ranges)),
            ("contacts", items(&self.contacts)),
            ("top_peers_disabled", Value::from(self.top_peers_disabled)),
            ("top_peers", items(&self.top_peers)),
            (
                "authorization_ttl_days",
                Value::from(self.authorization_ttl_days),
            ),
            ("authorizations", items(&self.authorizations)),
            ("web_authorizations", items(&self.web_authorizations)),
            ("profile_photos", items(&self.profile_photos)),
            ("stories", items(&self.stories)),
            ("custom_emoji", items(&self.custom_emoji)),
        ]);
        if let Some(data) = &self.other_data {
            fields.push(("other_data", data.clone()));
        }
        let blobs = self.blobs.iter().map(blob_to_json).collect();
        fields.push(("blobs", Value::Array(blobs)));
        if let Some(server) = server_to_json(&self.server) {
            fields.push(("server", server));
        }
        fields
    }

    /// The world as a JSON value (blob contents are not included).
    pub fn to_json(&self) -> Value {
        let map = self
            .json_fields(true)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        Value::Object(map)
    }

    /// The text of `world.json`: top-level keys in a fixed order, each array
    /// item compact on its own line. Deterministic.
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::new();
        // Writing to memory cannot fail, and JSON text is UTF-8.
        let _ = self.write_json(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the text of `world.json` (as [`World::to_json_string`]) to
    /// `out`, one message at a time: the messages are never all held as
    /// JSON (or as TL objects) at once.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"{\n")?;
        let fields = self.json_fields(false);
        let last = fields.len().saturating_sub(1);
        for (i, (key, value)) in fields.into_iter().enumerate() {
            write!(out, "  {}: ", Value::from(key))?;
            if key == "messages" {
                write_items(out, self.messages.iter().map(|m| m.to_json()))?;
            } else {
                match value {
                    Value::Array(items) => write_items(out, items.into_iter())?,
                    other => write!(out, "{other}")?,
                }
            }
            out.write_all(if i < last { b",\n" } else { b"\n" })?;
        }
        out.write_all(b"}\n")
    }
}

/// A JSON array, each item compact on its own line (`[]` when empty).
fn write_items(out: &mut impl Write, items: impl Iterator<Item = Value>) -> io::Result<()> {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[\n")?;
    for (j, item) in items.enumerate() {
        if j > 0 {
            out.write_all(b",\n")?;
        }
        write!(out, "    {item}")?;
    }
    out.write_all(b"\n  ]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Value {
        serde_json::json!({
            "format": FORMAT,
            "seed": 1,
            "self_id": 10,
            "home_dc": 2,
            "login": {"phone": "123", "code": "11111"},
            "users": [{"_": "user", "self": true, "id": 10}],
        })
    }

    #[test]
    fn minimal_world_reads_and_round_trips() {
        let world = World::from_json(&minimal()).unwrap();
        assert_eq!(world.self_id, 10);
        assert_eq!(world.users.len(), 1);
        assert_eq!(world.authorization_ttl_days, 180);
        let text = world.to_json_string();
        let again: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(World::from_json(&again).unwrap(), world);
        assert_eq!(again, world.to_json());
    }

    #[test]
    fn errors_name_the_path() {
        let mut v = minimal();
        v["users"][0]["bogus"] = 1.into();
        let e = World::from_json(&v).unwrap_err();
        assert_eq!(e.path, ["users", "0"]);
        assert!(e.message.contains("bogus"), "{e}");

        let mut v = minimal();
        v["login"]["salt1"] = "%%%".into();
        let e = World::from_json(&v).unwrap_err();
        assert_eq!(e.path, ["login", "salt1"]);

        let mut v = minimal();
        v["extra"] = 1.into();
        assert!(World::from_json(&v).unwrap_err().message.contains("extra"));

        let mut v = minimal();
        v["format"] = "other".into();
        assert_eq!(World::from_json(&v).unwrap_err().path, ["format"]);
    }

    #[test]
    fn login_settings_read_round_trip_and_are_checked() {
        let mut v = minimal();
        v["login"]["delivery"] = "email".into();
        v["login"]["email_pattern"] = "a***@example.com".into();
        v["login"]["next_delivery"] = "sms".into();
        v["login"]["expired_codes"] = 2.into();
        v["login"]["qr_scan_after"] = 3.into();
        v["login"]["qr_scan_after_ms"] = 1500.into();
        let world = World::from_json(&v).unwrap();
        let s = &world.login.settings;
        assert_eq!(
            (s.delivery.as_str(), s.next_delivery.as_str()),
            ("email", "sms")
        );
        assert_eq!(
            (s.expired_codes, s.qr_scan_after, s.srp_id_invalid),
            (2, 3, 0)
        );
        assert_eq!(s.qr_scan_after_ms, 1500);
        let again = World::from_json(&world.to_json()).unwrap();
        assert_eq!(again, world);
        assert!(
            world.to_json()["login"].get("srp_id_invalid").is_none(),
            "defaults unwritten"
        );
        v["login"]["delivery"] = "pigeon".into();
        let e = World::from_json(&v).unwrap_err();
        assert_eq!(e.path, ["login", "delivery"]);
        let mut v = minimal();
        v["login"]["phone_state"] = "lost".into();
        assert_eq!(
            World::from_json(&v).unwrap_err().path,
            ["login", "phone_state"]
        );
    }

    #[test]
    fn blobs_read_both_kinds() {
        let mut v = minimal();
        v["blobs"] = serde_json::json!([
            {"photo": 5, "thumb": "y", "file": "a.jpg"},
            {"document": 6, "file": "b.txt"},
        ]);
        let world = World::from_json(&v).unwrap();
        assert_eq!(
            world.blobs[1].key,
            FileKey::Document {
                id: 6,
                thumb: String::new()
            }
        );
        v["blobs"][0]["document"] = 1.into();
        let e = World::from_json(&v).unwrap_err();
        assert_eq!(e.path, ["blobs", "0"]);
    }
}
