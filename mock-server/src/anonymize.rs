//! `tg-mock-server anonymize`: rewrites a recorded transcript so that no
//! personal data is left while it still replays with the exporter.
//!
//! The transcript is streamed one JSON line at a time (see [`crate::jsonl`]);
//! memory holds one line plus, per file seen, its location, size and kind
//! (so that the parts of a file are rewritten as one valid file).
//!
//! Every TL object is rewritten field by field, the rule picked by the
//! object's constructor (`_`) and the field name; a rule for `*` applies to
//! every constructor that has no rule of its own for that field. Fields
//! without a rule are kept (after their own objects are rewritten).
//!
//! | constructor | field | rule |
//! |---|---|---|
//! | `*` | `first_name` `last_name` `username` `title` `about` `message` `caption` `description` `address` `vcard` `post_author` `from_name` `quote_text` `hint` `email_unconfirmed_pattern` `device_model` `platform` `system_version` `app_name` `app_version` `country` `region` `browser` `domain` `performer` `site_name` `author` `provider` `venue_id` `prize_description` `private_forward_name` `bot_inline_placeholder` `placeholder` `rank` `text` `short_name` `name` `reason` `api_hash` `phone_code_hash` `email` | text |
//! | `*` | `phone`, `phone_number` | phone |
//! | `*` | `phone_code` | login code |
//! | `*` | `file_name` | file name |
//! | `*` | `url` `display_url` `embed_url` | URL |
//! | `*` | `ip` | IP address |
//! | `*` | `access_hash` `srp_id` | 64-bit remap |
//! | `*` | `file_reference` `salt1` `salt2` `salt` `secure_random` `A` `M1` `token` `future_auth_token` `waveform` `logout_tokens` | bytes |
//! | `*` | `stripped_thumb` | stripped thumbnail |
//! | `*` | `srp_B` | SRP `B` |
//! | `geoPoint` `inputGeoPoint` | `lat` / `long` | latitude / longitude |
//! | `birthday` | `day` `month` `year` | birthday |
//! | `photoStrippedSize` | `bytes` | stripped thumbnail |
//! | `photoCachedSize` | `bytes` | image (JPEG) |
//! | `photoPathSize` `auth.exportedAuthorization` `auth.importAuthorization` `keyboardButtonCallback` | `bytes` / `data` | bytes |
//! | `messages.search` | `q` | kept (the export's own query) |
//! | `upload.getFile` exchanges | `response.bytes` | file bytes; other data |
//! | `upload.getFile` exchanges | `synth.sha256` | bytes |
//! | exchange | `note` | text |
//!
//! The rules:
//!
//! - **text**: same length in UTF-16 code units (so entity offsets stay
//!   valid) and in UTF-8 bytes: each letter becomes a letter of the same
//!   Unicode block (128 code points: the same script) and case, each digit a
//!   digit, each emoji an emoji of the same UTF-16 length; whitespace, line
//!   breaks, punctuation, symbols, joiners and variation selectors stay.
//! - **phone** / **login code**: every digit replaced, the rest kept; the
//!   mapping depends on the digits only, so `+1 555 0100` and `15550100` map
//!   alike.
//! - **file name**: the stem as text, an extension of 1 to 8 ASCII letters
//!   or digits kept.
//! - **URL**: a `scheme://` prefix kept, the rest as text.
//! - **IP address**: `10.a.b.c` (IPv4) or `fd00::a:b` (IPv6).
//! - **64-bit remap**: a keyed hash of the value (0 stays 0).
//! - **bytes**: keyed random bytes of the same length.
//! - **stripped thumbnail**: its 3-byte header kept, the rest bytes.
//! - **SRP `B`**: bytes below the 2048-bit prime (top bits cleared).
//! - **latitude / longitude**: a point anywhere on Earth.
//! - **birthday**: day 1 to 28, month 1 to 12, year 1950 to 2004.
//! - **image**: a JPEG of the same length ([`crate::synth`]).
//! - **file bytes**: the part `offset..offset + len` of a file synthesized
//!   from the seed with the size of the original: a valid picture
//!   ([`crate::synth`]) where the original was a JPEG, PNG or WebP (told by
//!   the photo, or the document's MIME type, seen earlier in the
//!   transcript; by its magic bytes otherwise) up to [`PICTURE_MAX`],
//!   keyed bytes otherwise. The takeout's other-data JSON keeps its keys and has every
//!   string value rewritten as text (same byte length); a part that is not
//!   JSON has every letter and digit rewritten.
//!
//! Every rule is a pure function of `(seed, original value)`, so the same
//! value maps to the same value everywhere, requests included: the access
//! hashes, file references, `phone_code_hash` and exported authorization
//! bytes the exporter sends back still match. Ids, dates, counts, entity
//! kinds and offsets, media kinds, MIME types, sizes and the paging
//! structure are kept.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::jsonl::{Lines, TranscriptError, method_of};
use crate::rng::mix64;
use crate::synth::{self, Kind, Spec};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Keep,
    Text,
    Phone,
    Code,
    FileName,
    Url,
    Ip,
    Remap64,
    Bytes,
    Stripped,
    SrpB,
    Lat,
    Long,
    Day,
    Month,
    Year,
    Image,
}

const TEXT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "username",
    "title",
    "about",
    "message",
    "caption",
    "description",
    "address",
    "vcard",
    "post_author",
    "from_name",
    "quote_text",
    "hint",
    "email_unconfirmed_pattern",
    "device_model",
    "platform",
    "system_version",
    "app_name",
    "app_version",
    "country",
    "region",
    "browser",
    "domain",
    "performer",
    "site_name",
    "author",
    "provider",
    "venue_id",
    "prize_description",
    "private_forward_name",
    "bot_inline_placeholder",
    "placeholder",
    "rank",
    "text",
    "short_name",
    "name",
    "reason",
    "api_hash",
    "phone_code_hash",
    "email",
];

const BYTES_FIELDS: &[&str] = &[
    "file_reference",
    "salt1",
    "salt2",
    "salt",
    "secure_random",
    "A",
    "M1",
    "token",
    "future_auth_token",
    "waveform",
    "logout_tokens",
];

/// The rules of the table in the module documentation.
fn rules() -> Vec<(&'static str, &'static str, Rule)> {
    let mut rules: Vec<(&str, &str, Rule)> = Vec::new();
    rules.extend(TEXT_FIELDS.iter().map(|f| ("*", *f, Rule::Text)));
    rules.extend(BYTES_FIELDS.iter().map(|f| ("*", *f, Rule::Bytes)));
    rules.extend([
        ("*", "phone", Rule::Phone),
        ("*", "phone_number", Rule::Phone),
        ("*", "phone_code", Rule::Code),
        ("*", "file_name", Rule::FileName),
        ("*", "url", Rule::Url),
        ("*", "display_url", Rule::Url),
        ("*", "embed_url", Rule::Url),
        ("*", "ip", Rule::Ip),
        ("*", "access_hash", Rule::Remap64),
        ("*", "srp_id", Rule::Remap64),
        ("*", "stripped_thumb", Rule::Stripped),
        ("*", "srp_B", Rule::SrpB),
        ("geoPoint", "lat", Rule::Lat),
        ("geoPoint", "long", Rule::Long),
        ("inputGeoPoint", "lat", Rule::Lat),
        ("inputGeoPoint", "long", Rule::Long),
        ("birthday", "day", Rule::Day),
        ("birthday", "month", Rule::Month),
        ("birthday", "year", Rule::Year),
        ("photoStrippedSize", "bytes", Rule::Stripped),
        ("photoCachedSize", "bytes", Rule::Image),
        ("photoPathSize", "bytes", Rule::Bytes),
        ("auth.exportedAuthorization", "bytes", Rule::Bytes),
        ("auth.importAuthorization", "bytes", Rule::Bytes),
        ("keyboardButtonCallback", "data", Rule::Bytes),
        ("messages.search", "q", Rule::Keep),
    ]);
    rules
}

/// Files up to this size are synthesized whole as valid pictures by
/// [`crate::synth`] (and their parts cut from them); bigger ones and
/// non-pictures are keyed bytes computed part by part.
pub const PICTURE_MAX: u64 = 8 * 1024 * 1024;

/// Whole synthesized pictures kept for their next parts.
const CACHED_FILES: usize = 4;

/// What the transcript told about a file before its parts came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileInfo {
    size: u64,
    kind: Kind,
    width: u32,
    height: u32,
}

/// The picture kind of a document's MIME type.
fn kind_of_mime(mime: &str) -> Kind {
    Kind::from_mime(mime)
}

/// `w` and `h` of an object, if it has them.
fn dims(v: &Value) -> Option<(u32, u32)> {
    let w = u32::try_from(v.get("w")?.as_u64()?).ok()?;
    let h = u32::try_from(v.get("h")?.as_u64()?).ok()?;
    Some((w, h))
}

/// Where a file part comes from: `upload.getFile`'s location, access
/// hash and file reference left out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Location {
    Photo(i64, String),
    Document(i64, String),
    PeerPhoto(i64, bool),
    Takeout,
    Other(String),
}

impl Location {
    fn of(location: &Value) -> Self {
        let tag = location.get("_").and_then(Value::as_str).unwrap_or("");
        let id = |key: &str| location.get(key).and_then(long).unwrap_or(0);
        let thumb = || {
            location
                .get("thumb_size")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match tag {
            "inputPhotoFileLocation" => Self::Photo(id("id"), thumb()),
            "inputDocumentFileLocation" => Self::Document(id("id"), thumb()),
            "inputPeerPhotoFileLocation" => Self::PeerPhoto(
                id("photo_id"),
                location
                    .get("big")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
            "inputTakeoutFileLocation" => Self::Takeout,
            _ => Self::Other(location.to_string()),
        }
    }

    fn key_words(&self) -> (u64, u64, String) {
        match self {
            Self::Photo(id, t) => (1, *id as u64, t.clone()),
            Self::Document(id, t) => (2, *id as u64, t.clone()),
            Self::PeerPhoto(id, big) => (3, *id as u64, big.to_string()),
            Self::Takeout => (4, 0, String::new()),
            Self::Other(s) => (5, 0, s.clone()),
        }
    }
}

/// A `long` in the tl crate's JSON form: a number or a decimal string.
fn long(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        _ => v.as_i64(),
    }
}

/// What an anonymization did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Exchanges written.
    pub exchanges: u64,
    /// `upload.getFile` parts whose bytes were replaced.
    pub file_parts: u64,
    /// The number of a dropped, cut final line.
    pub dropped_line: Option<usize>,
    /// The phone number of the transcript's `auth.sendCode`, anonymized:
    /// the one to log in with against the replay.
    pub phone: Option<String>,
}

/// The rewriting state: the seed's key, the rule table and the files seen.
pub struct Anonymizer {
    key: [u8; 32],
    rules: HashMap<&'static str, Vec<(&'static str, Rule)>>,
    files: HashMap<Location, FileInfo>,
    cache: std::collections::VecDeque<(Location, std::sync::Arc<Vec<u8>>)>,
    stats: Stats,
}

impl Anonymizer {
    /// An anonymizer whose every mapping is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut key = [0u8; 32];
        key.copy_from_slice(&Sha256::digest(
            [b"tg-mock anonymize ".as_slice(), &seed.to_le_bytes()].concat(),
        ));
        let mut map: HashMap<&str, Vec<(&str, Rule)>> = HashMap::new();
        for (ctor, field, rule) in rules() {
            let list = map.entry(field).or_default();
            // Constructor rules before the `*` rule.
            if ctor == "*" {
                list.push((ctor, rule));
            } else {
                list.insert(0, (ctor, rule));
            }
        }
        Self {
            key,
            rules: map,
            files: HashMap::new(),
            cache: std::collections::VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// A 64-bit key of `(seed, domain, data)`.
    fn word(&self, domain: &str, data: &[u8]) -> u64 {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(domain.as_bytes());
        h.update([0]);
        h.update(data);
        let d = h.finalize();
        u64::from_le_bytes(d[..8].try_into().unwrap_or_default())
    }

    fn rule(&self, ctor: &str, field: &str) -> Rule {
        self.rules
            .get(field)
            .and_then(|list| {
                list.iter()
                    .find(|(c, _)| *c == ctor || *c == "*")
                    .map(|(_, r)| *r)
            })
            .unwrap_or(Rule::Keep)
    }

    /// Text of the same length in UTF-16 units and UTF-8 bytes, letters of
    /// the same script and case, digits, emoji of the same length.
    pub fn text(&self, s: &str) -> String {
        let key = self.word("text", s.as_bytes());
        s.chars()
            .enumerate()
            .map(|(i, c)| map_char(c, mix64(key ^ mix64(i as u64 + 1))))
            .collect()
    }

    fn digits(&self, domain: &str, s: &str) -> String {
        let only: String = s.chars().filter(char::is_ascii_digit).collect();
        let key = self.word(domain, only.as_bytes());
        let mut n = 0u64;
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    n += 1;
                    char::from(b'0' + (mix64(key ^ n) % 10) as u8)
                } else {
                    c
                }
            })
            .collect()
    }

    fn file_name(&self, s: &str) -> String {
        match s.rsplit_once('.') {
            Some((stem, ext))
                if !stem.is_empty()
                    && (1..=8).contains(&ext.len())
                    && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                format!("{}.{ext}", self.text(stem))
            }
            _ => self.text(s),
        }
    }

    fn url(&self, s: &str) -> String {
        match s.split_once("://") {
            Some((scheme, rest))
                if (1..=10).contains(&scheme.len())
                    && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                format!("{scheme}://{}", self.text(rest))
            }
            _ => self.text(s),
        }
    }

    fn ip(&self, s: &str) -> String {
        if s.is_empty() {
            return String::new();
        }
        let k = self.word("ip", s.as_bytes());
        if s.contains(':') {
            format!("fd00::{:x}:{:x}", k & 0xffff, (k >> 16) & 0xffff)
        } else {
            format!("10.{}.{}.{}", k & 0xff, (k >> 8) & 0xff, (k >> 16) & 0xff)
        }
    }

    fn remap64(&self, v: i64) -> i64 {
        if v == 0 {
            0
        } else {
            self.word("long", &v.to_le_bytes()) as i64
        }
    }

    /// Keyed random bytes as long as `data`.
    fn bytes(&self, domain: &str, data: &[u8]) -> Vec<u8> {
        crate::blobs::synth_bytes(self.word(domain, data), 0, data.len())
    }

    fn stripped(&self, data: &[u8]) -> Vec<u8> {
        let mut out = self.bytes("stripped", data);
        let keep = if data.first() == Some(&1) { 3 } else { 0 };
        let keep = keep.min(data.len());
        out[..keep].copy_from_slice(&data[..keep]);
        out
    }

    fn srp_b(&self, data: &[u8]) -> Vec<u8> {
        let mut out = self.bytes("srp_B", data);
        if let Some(first) = out.first_mut() {
            // Below Telegram's prime (0xC71C...), far above 1.
            *first = 0x40 | (*first & 0x3f);
        }
        out
    }

    fn number(&self, rule: Rule, v: &Value) -> Option<Value> {
        let k = self.word("number", v.to_string().as_bytes());
        let unit = (k >> 11) as f64 / (1u64 << 53) as f64;
        let round = |x: f64| (x * 1e6).round() / 1e6;
        Some(match rule {
            Rule::Lat => Value::from(round(-80.0 + 160.0 * unit)),
            Rule::Long => Value::from(round(-180.0 + 360.0 * unit)),
            Rule::Day => Value::from(1 + k % 28),
            Rule::Month => Value::from(1 + k % 12),
            Rule::Year => Value::from(1950 + k % 55),
            Rule::Remap64 => Value::from(self.remap64(long(v)?)),
            _ => return None,
        })
    }

    fn base64(&self, s: &str, f: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
        match tl::json::bytes_from_json(&Value::String(s.to_owned())) {
            Ok(data) => match tl::json::bytes_to_json(&f(&data)) {
                Value::String(s) => s,
                _ => String::new(),
            },
            // Not base64: rewrite it as text rather than keep it.
            Err(_) => self.text(s),
        }
    }

    fn apply(&mut self, rule: Rule, v: &mut Value) {
        match v {
            Value::Object(_) => return self.walk(v),
            Value::Array(items) => {
                for item in items {
                    self.apply(rule, item);
                }
                return;
            }
            _ => {}
        }
        if let Value::String(s) = v {
            let new = match rule {
                Rule::Keep => return,
                Rule::Text => self.text(s),
                Rule::Phone => self.digits("phone", s),
                Rule::Code => self.digits("code", s),
                Rule::FileName => self.file_name(s),
                Rule::Url => self.url(s),
                Rule::Ip => self.ip(s),
                Rule::Bytes => self.base64(s, |d| self.bytes("bytes", d)),
                Rule::Stripped => self.base64(s, |d| self.stripped(d)),
                Rule::SrpB => self.base64(s, |d| self.srp_b(d)),
                Rule::Image => self.base64(s, |d| {
                    synth::synthesize(&Spec {
                        kind: Kind::Jpeg,
                        size: d.len(),
                        seed: self.word("image", d),
                        width: 40,
                        height: 40,
                        label: "",
                    })
                    .bytes
                }),
                Rule::Remap64 => match s.parse::<i64>() {
                    Ok(n) => {
                        *v = Value::from(self.remap64(n));
                        return;
                    }
                    Err(_) => self.text(s),
                },
                Rule::Lat | Rule::Long | Rule::Day | Rule::Month | Rule::Year => return,
            };
            *s = new;
        } else if matches!(v, Value::Number(_))
            && let Some(new) = self.number(rule, v)
        {
            *v = new;
        }
    }

    /// Rewrites every TL object in `v`.
    fn walk(&mut self, v: &mut Value) {
        match v {
            Value::Object(obj) => {
                let ctor = obj
                    .get("_")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                self.note_file(&ctor, obj);
                for (field, value) in obj.iter_mut() {
                    if field == "_" {
                        continue;
                    }
                    let rule = self.rule(&ctor, field);
                    self.apply(rule, value);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item);
                }
            }
            _ => {}
        }
    }

    /// Remembers the size, kind and dimensions of the files of a photo or
    /// document.
    fn note_file(&mut self, ctor: &str, obj: &Map<String, Value>) {
        let id = obj.get("id").and_then(long).unwrap_or(0);
        let sizes = |list: Option<&Value>| -> Vec<(String, u64, (u32, u32))> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let ty = s.get("type")?.as_str()?.to_owned();
                    let size = match s.get("_")?.as_str()? {
                        "photoSize" => s.get("size")?.as_u64()?,
                        "photoSizeProgressive" => s.get("sizes")?.as_array()?.last()?.as_u64()?,
                        _ => return None,
                    };
                    Some((ty, size, dims(s).unwrap_or((320, 240))))
                })
                .collect()
        };
        let info = |size, kind, (width, height)| FileInfo {
            size,
            kind,
            width,
            height,
        };
        match ctor {
            "photo" => {
                for (ty, size, wh) in sizes(obj.get("sizes")) {
                    self.files
                        .insert(Location::Photo(id, ty), info(size, Kind::Jpeg, wh));
                }
            }
            "document" => {
                let mime = obj.get("mime_type").and_then(Value::as_str).unwrap_or("");
                let wh = obj
                    .get("attributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find_map(dims)
                    .unwrap_or((320, 240));
                if let Some(size) = obj.get("size").and_then(long) {
                    self.files.insert(
                        Location::Document(id, String::new()),
                        info(size.max(0) as u64, kind_of_mime(mime), wh),
                    );
                }
                for (ty, size, wh) in sizes(obj.get("thumbs")) {
                    self.files
                        .insert(Location::Document(id, ty), info(size, Kind::Jpeg, wh));
                }
            }
            _ => {}
        }
    }

    /// Bytes `offset..offset + len` of the synthesized stand-in of the file
    /// at `location`.
    fn file_bytes(
        &mut self,
        location: &Location,
        info: FileInfo,
        offset: u64,
        len: usize,
    ) -> Vec<u8> {
        let (kind_word, id, thumb) = location.key_words();
        let key = self.word(
            "file",
            &[
                &kind_word.to_le_bytes()[..],
                &id.to_le_bytes(),
                thumb.as_bytes(),
            ]
            .concat(),
        );
        if info.kind == Kind::Other || info.size > PICTURE_MAX {
            return crate::blobs::synth_bytes(key, offset, len);
        }
        let whole = match self.cache.iter().find(|(l, _)| l == location) {
            Some((_, whole)) => whole.clone(),
            None => {
                let whole = std::sync::Arc::new(
                    synth::synthesize(&Spec {
                        kind: info.kind,
                        size: info.size as usize,
                        seed: key,
                        width: info.width,
                        height: info.height,
                        label: "",
                    })
                    .bytes,
                );
                if self.cache.len() == CACHED_FILES {
                    self.cache.pop_front();
                }
                self.cache.push_back((location.clone(), whole.clone()));
                whole
            }
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(whole.len());
        let end = start.saturating_add(len).min(whole.len());
        let mut out = whole[start..end].to_vec();
        // A part past the announced size (the transcript disagrees with
        // itself): keyed bytes for the rest.
        if out.len() < len {
            let more = crate::blobs::synth_bytes(key, offset + out.len() as u64, len - out.len());
            out.extend(more);
        }
        out
    }

    /// Rewrites the bytes of an `upload.getFile` exchange (before the
    /// request is rewritten: the location's ids are kept anyway).
    fn file_part(&mut self, obj: &mut Map<String, Value>) {
        let Some(request) = obj.get("request") else {
            return;
        };
        let location = Location::of(request.get("location").unwrap_or(&Value::Null));
        let offset = request.get("offset").and_then(long).unwrap_or(0).max(0) as u64;
        let limit = request.get("limit").and_then(long).unwrap_or(0).max(0) as u64;
        if let Some(Value::String(sha)) = obj.get_mut("synth").and_then(|s| s.get_mut("sha256")) {
            let raw: Vec<u8> = (0..sha.len() / 2)
                .filter_map(|i| u8::from_str_radix(sha.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            let new = self.bytes("sha256", &raw);
            *sha = new.iter().map(|b| format!("{b:02x}")).collect();
        }
        let Some(Value::Object(response)) = obj.get_mut("response") else {
            return;
        };
        if response.get("_").and_then(Value::as_str) != Some("upload.file") {
            return;
        }
        let Some(Value::String(b64)) = response.get("bytes") else {
            return;
        };
        let Ok(data) = tl::json::bytes_from_json(&Value::String(b64.clone())) else {
            return;
        };
        if data.is_empty() {
            return;
        }
        let new = if location == Location::Takeout {
            self.other_data(&data, offset)
        } else {
            let info = match self.files.get(&location) {
                Some(known) => *known,
                None if offset == 0 && (data.len() as u64) < limit => FileInfo {
                    size: data.len() as u64,
                    kind: Kind::of(&data),
                    width: 320,
                    height: 240,
                },
                None => FileInfo {
                    size: offset + data.len() as u64,
                    kind: Kind::Other,
                    width: 0,
                    height: 0,
                },
            };
            self.file_bytes(&location, info, offset, data.len())
        };
        response.insert("bytes".into(), tl::json::bytes_to_json(&new));
        self.stats.file_parts += 1;
    }

    /// The takeout's other-data file: JSON with its string values rewritten
    /// (same length), or every letter and digit rewritten.
    fn other_data(&self, data: &[u8], offset: u64) -> Vec<u8> {
        if offset == 0
            && let Ok(mut json) = serde_json::from_slice::<Value>(data)
        {
            self.json_strings(&mut json);
            if let Ok(text) = serde_json::to_vec_pretty(&json)
                && text.len() == data.len()
            {
                return text;
            }
        }
        match std::str::from_utf8(data) {
            Ok(s) => self.text(s).into_bytes(),
            Err(_) => self.bytes("other", data),
        }
    }

    fn json_strings(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.json_strings(i)),
            Value::Object(m) => m.values_mut().for_each(|i| self.json_strings(i)),
            _ => {}
        }
    }

    /// Rewrites one exchange (line `line` of the transcript).
    pub fn exchange(&mut self, mut exchange: Value, line: usize) -> Result<Value, TranscriptError> {
        let method = method_of(&exchange, line)?;
        let Value::Object(obj) = &mut exchange else {
            return Err(TranscriptError::Exchange {
                line,
                message: "an exchange must be a JSON object".into(),
            });
        };
        if method == "upload.getFile" {
            self.file_part(obj);
        }
        for key in ["request", "response"] {
            if let Some(v) = obj.get_mut(key) {
                self.walk(v);
            }
        }
        if method == "auth.sendCode"
            && let Some(Value::String(phone)) =
                obj.get("request").and_then(|r| r.get("phone_number"))
        {
            self.stats.phone = Some(phone.clone());
        }
        if let Some(Value::String(note)) = obj.get_mut("note") {
            *note = self.text(note);
        }
        self.stats.exchanges += 1;
        Ok(exchange)
    }
}

/// Keeps the informational header keys that carry nothing personal.
fn header_out(header: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["format", "layer", "recorded_by", "record_files"] {
        if let Some(v) = header.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("anonymized".into(), Value::Bool(true));
    out
}

/// Anonymizes the JSON-Lines transcript `input` into `output` with `seed`.
pub fn anonymize<R: BufRead, W: Write>(
    input: R,
    mut output: W,
    seed: u64,
) -> Result<Stats, TranscriptError> {
    let mut lines = Lines::new(input)?;
    let mut anon = Anonymizer::new(seed);
    let write = |out: &mut W, v: &Value| -> Result<(), TranscriptError> {
        serde_json::to_writer(&mut *out, v).map_err(|e| TranscriptError::Write(e.into()))?;
        out.write_all(b"\n").map_err(TranscriptError::Write)
    };
    write(&mut output, &Value::Object(header_out(&lines.header)))?;
    while let Some((line, exchange)) = lines.next_exchange()? {
        let out = anon.exchange(exchange, line)?;
        write(&mut output, &out)?;
    }
    output.flush().map_err(TranscriptError::Write)?;
    anon.stats.dropped_line = lines.dropped;
    Ok(anon.stats)
}

/// One character of rewritten text, chosen by the random word `r`.
fn map_char(c: char, r: u64) -> char {
    let code = u32::from(c);
    if c.is_ascii_digit() {
        return char::from(b'0' + (r % 10) as u8);
    }
    if c.is_alphabetic() || (c.is_numeric() && !c.is_ascii()) {
        return same_block(c, r);
    }
    match code {
        // Skin tones stay (they only modify the emoji before them).
        0x1F3FB..=0x1F3FF => c,
        // Regional indicators (flags): another indicator.
        0x1F1E6..=0x1F1FF => char::from_u32(0x1F1E6 + (r % 26) as u32).unwrap_or(c),
        // Emoji outside the BMP (two UTF-16 units): an emoticon.
        0x1F000..=0x1FAFF => char::from_u32(0x1F600 + (r % 80) as u32).unwrap_or(c),
        // Emoji in the BMP (one unit): a miscellaneous symbol.
        0x2600..=0x27BF => char::from_u32(0x2600 + (r % 0x54) as u32).unwrap_or(c),
        _ => c,
    }
}

/// A letter (or numeral) of the same 128-code-point block, of the same
/// case, chosen by `r`: same script, same UTF-8 and UTF-16 length.
fn same_block(c: char, r: u64) -> char {
    let class = |x: char| {
        (
            x.is_alphabetic(),
            x.is_numeric(),
            x.is_lowercase(),
            x.is_uppercase(),
        )
    };
    let want = class(c);
    let base = u32::from(c) & !0x7F;
    let start = (r % 128) as u32;
    (0..128)
        .filter_map(|j| char::from_u32(base + (start + j) % 128))
        .find(|&x| class(x) == want && !x.is_ascii_digit())
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn text_keeps_lengths_classes_and_layout() {
        let a = Anonymizer::new(7);
        for s in [
            "Hello, World 2024!\nSecond line",
            "Привет, мир",
            "你好世界 🙂👍🏽 ok",
            "🇩🇪 ☕ שלום مرحبا",
            "",
        ] {
            let t = a.text(s);
            assert_eq!(utf16(&t), utf16(s), "{s} -> {t}");
            assert_eq!(t.len(), s.len(), "{s} -> {t}");
            for (x, y) in s.chars().zip(t.chars()) {
                assert_eq!(x.is_whitespace(), y.is_whitespace(), "{s} -> {t}");
                assert_eq!(x.is_ascii_digit(), y.is_ascii_digit(), "{s} -> {t}");
                assert_eq!(x.is_alphabetic(), y.is_alphabetic(), "{s} -> {t}");
                assert_eq!(x.is_uppercase(), y.is_uppercase(), "{s} -> {t}");
                if x.is_alphabetic() {
                    assert_eq!(u32::from(x) >> 7, u32::from(y) >> 7, "{s} -> {t}");
                }
                assert_eq!(x.len_utf16(), y.len_utf16(), "{s} -> {t}");
                if x.is_ascii_punctuation() {
                    assert_eq!(x, y);
                }
            }
            assert_eq!(a.text(s), t, "deterministic");
        }
        assert_ne!(a.text("Hello World"), "Hello World");
        assert_ne!(
            Anonymizer::new(8).text("Hello World"),
            a.text("Hello World")
        );
    }

    #[test]
    fn phones_codes_and_names() {
        let a = Anonymizer::new(1);
        let p = a.digits("phone", "+1 555 0100");
        assert_eq!(p.len(), 11);
        assert!(p.starts_with('+') && p.as_bytes()[2] == b' ');
        // Formatting does not change the mapping of the digits.
        assert_eq!(
            a.digits("phone", "15550100"),
            p.chars().filter(char::is_ascii_digit).collect::<String>()
        );
        assert_ne!(a.digits("code", "15550100"), a.digits("phone", "15550100"));
        let f = a.file_name("holiday photos.jpeg");
        assert!(f.ends_with(".jpeg") && f.len() == 19 && f != "holiday photos.jpeg");
        assert_eq!(a.url("https://example.org/x").len(), 21);
        assert!(a.url("https://example.org/x").starts_with("https://"));
        assert!(a.ip("192.168.1.20").starts_with("10."));
        assert!(a.ip("2001:db8::1").starts_with("fd00::"));
        assert_eq!(a.remap64(0), 0);
        assert_eq!(a.remap64(5), a.remap64(5));
        assert_ne!(a.remap64(5), 5);
    }

    #[test]
    fn objects_follow_the_table() {
        let mut a = Anonymizer::new(3);
        let mut v = json!({
            "_": "user", "id": 5, "first_name": "Grace", "phone": "15551234",
            "access_hash": "123456789", "usernames": [{"_": "username", "username": "grace_h"}],
            "photo": {"_": "userProfilePhoto", "photo_id": 9, "dc_id": 2,
                      "stripped_thumb": tl::json::bytes_to_json(&[1, 40, 40, 9, 9, 9, 9])},
        });
        a.walk(&mut v);
        assert_eq!(v["id"], 5);
        assert_eq!(v["_"], "user");
        assert_ne!(v["first_name"], "Grace");
        assert_eq!(v["first_name"].as_str().unwrap().len(), 5);
        assert_eq!(v["access_hash"], a.remap64(123_456_789));
        assert_ne!(v["usernames"][0]["username"], "grace_h");
        assert_eq!(v["photo"]["photo_id"], 9);
        let thumb = tl::json::bytes_from_json(&v["photo"]["stripped_thumb"]).unwrap();
        assert_eq!(&thumb[..3], &[1, 40, 40]);
        assert_ne!(&thumb[3..], &[9, 9, 9, 9]);

        let mut geo = json!({"_": "geoPoint", "long": 13.4, "lat": 52.5, "access_hash": 1});
        a.walk(&mut geo);
        assert!(geo["lat"].as_f64().unwrap().abs() <= 80.0);
        assert_ne!(geo["lat"], 52.5);
        // The same query is kept: the exporter sends it again on replay.
        let mut q = json!({"_": "messages.search", "q": "hello"});
        a.walk(&mut q);
        assert_eq!(q["q"], "hello");
    }

    fn image_decodes(bytes: &[u8]) {
        image::load_from_memory(bytes).expect("a valid picture");
    }

    fn line(v: Value) -> String {
        format!("{v}\n")
    }

    #[test]
    fn file_parts_are_synthesized_consistently() {
        let header = json!({"format": crate::replay::FORMAT, "layer": tl::LAYER, "secret": "x"});
        let doc = json!({"_": "document", "id": 77, "access_hash": 5, "file_reference": "AQI=",
            "date": 1, "mime_type": "image/png", "size": 6000, "dc_id": 2, "attributes": [
                {"_": "documentAttributeFilename", "file_name": "secret plans.png"}]});
        let history = json!({"request": {"_": "messages.getHistory", "peer": {"_": "inputPeerSelf"},
            "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10, "max_id": 0, "min_id": 0, "hash": 0},
            "response": {"_": "messages.messages", "messages": [{"_": "message", "id": 1, "date": 1,
              "peer_id": {"_": "peerUser", "user_id": 2}, "message": "top secret",
              "media": {"_": "messageMediaDocument", "document": doc}}],
              "topics": [], "chats": [], "users": []}});
        let part = |offset: u64, len: usize| {
            json!({"request": {"_": "upload.getFile", "location": {"_": "inputDocumentFileLocation",
                "id": 77, "access_hash": 5, "file_reference": "AQI=", "thumb_size": ""},
                "offset": offset, "limit": 4096},
              "response": {"_": "upload.file", "type": {"_": "storage.filePartial"}, "mtime": 1,
                "bytes": tl::json::bytes_to_json(&vec![0xAB; len])}})
        };
        let text = [
            line(header),
            line(history),
            line(part(4096, 1904)),
            line(part(0, 4096)),
        ]
        .concat();
        let mut out = Vec::new();
        let stats = anonymize(text.as_bytes(), &mut out, 9).unwrap();
        assert_eq!(stats.exchanges, 3);
        assert_eq!(stats.file_parts, 2);
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("secret"), "{out}");
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["anonymized"], true);
        let doc = &lines[1]["response"]["messages"][0]["media"]["document"];
        let (hash, reference) = (&doc["access_hash"], &doc["file_reference"]);
        let bytes = |l: &Value| tl::json::bytes_from_json(&l["response"]["bytes"]).unwrap();
        for l in &lines[2..] {
            assert_eq!(&l["request"]["location"]["access_hash"], hash);
            assert_eq!(&l["request"]["location"]["file_reference"], reference);
        }
        let whole = [bytes(&lines[3]), bytes(&lines[2])].concat();
        assert_eq!(whole.len(), 6000);
        assert_eq!(Kind::of(&whole), Kind::Png);
        image_decodes(&whole);
        // Deterministic: the same input and seed give the same bytes.
        let mut again = Vec::new();
        anonymize(text.as_bytes(), &mut again, 9).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), out);
        let mut other = Vec::new();
        anonymize(text.as_bytes(), &mut other, 10).unwrap();
        assert_ne!(String::from_utf8(other).unwrap(), out);
    }

    #[test]
    fn other_data_keeps_its_keys_and_length() {
        let a = Anonymizer::new(2);
        let data =
            serde_json::to_vec_pretty(&json!({"name": "Ada Lovelace", "n": [1, "two"]})).unwrap();
        let out = a.other_data(&data, 0);
        assert_eq!(out.len(), data.len());
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_ne!(v["name"], "Ada Lovelace");
        assert_eq!(v["n"][0], 1);
    }

    #[test]
    fn bad_lines_are_errors_naming_the_line() {
        let header = format!(
            "{{\"format\":\"{}\",\"layer\":{}}}\n",
            crate::replay::FORMAT,
            tl::LAYER
        );
        let run = |body: &str| anonymize(format!("{header}{body}").as_bytes(), Vec::new(), 1);
        let e = run("{\"request\":{\"_\":\"help.getConfig\"},\"error\":[1,\"X\"]}\n{oops\n")
            .unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        let e = run("{\"request\":{\"_\":\"phone.bogusCall\"},\"error\":[1,\"X\"]}\n").unwrap_err();
        assert!(
            matches!(e, TranscriptError::UnknownMethod { line: 2, .. }),
            "{e}"
        );
        let e = anonymize(
            "{\"format\":\"tg-mock-replay/1\",\"layer\":3}\n".as_bytes(),
            Vec::new(),
            1,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                TranscriptError::Layer {
                    line: 1,
                    found: 3,
                    ..
                }
            ),
            "{e}"
        );
        // A cut last line is dropped.
        let stats =
            run("{\"request\":{\"_\":\"help.getConfig\"},\"error\":[1,\"X\"]}\n{\"requ").unwrap();
        assert_eq!((stats.exchanges, stats.dropped_line), (1, Some(3)));
    }
}
