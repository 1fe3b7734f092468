//! The rewriting rules applied to values, objects and exchanges.

use super::*;

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
    pub(super) fn word(&self, domain: &str, data: &[u8]) -> u64 {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(domain.as_bytes());
        h.update([0]);
        h.update(data);
        let d = h.finalize();
        u64::from_le_bytes(d[..8].try_into().unwrap_or_default())
    }

    pub(super) fn rule(&self, ctor: &str, field: &str) -> Rule {
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

    pub(super) fn digits(&self, domain: &str, s: &str) -> String {
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

    pub(super) fn file_name(&self, s: &str) -> String {
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

    pub(super) fn url(&self, s: &str) -> String {
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

    pub(super) fn ip(&self, s: &str) -> String {
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

    pub(super) fn remap64(&self, v: i64) -> i64 {
        if v == 0 {
            0
        } else {
            self.word("long", &v.to_le_bytes()) as i64
        }
    }

    /// Keyed random bytes as long as `data`.
    pub(super) fn bytes(&self, domain: &str, data: &[u8]) -> Vec<u8> {
        crate::blobs::synth_bytes(self.word(domain, data), 0, data.len())
    }

    pub(super) fn stripped(&self, data: &[u8]) -> Vec<u8> {
        let mut out = self.bytes("stripped", data);
        let keep = if data.first() == Some(&1) { 3 } else { 0 };
        let keep = keep.min(data.len());
        out[..keep].copy_from_slice(&data[..keep]);
        out
    }

    pub(super) fn srp_b(&self, data: &[u8]) -> Vec<u8> {
        let mut out = self.bytes("srp_B", data);
        if let Some(first) = out.first_mut() {
            // Below Telegram's prime (0xC71C...), far above 1.
            *first = 0x40 | (*first & 0x3f);
        }
        out
    }

    pub(super) fn number(&self, rule: Rule, v: &Value) -> Option<Value> {
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

    pub(super) fn base64(&self, s: &str, f: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
        match tl::json::bytes_from_json(&Value::String(s.to_owned())) {
            Ok(data) => match tl::json::bytes_to_json(&f(&data)) {
                Value::String(s) => s,
                _ => String::new(),
            },
            // Not base64: rewrite it as text rather than keep it.
            Err(_) => self.text(s),
        }
    }

    pub(super) fn apply(&mut self, rule: Rule, v: &mut Value) {
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
    pub(super) fn walk(&mut self, v: &mut Value) {
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
    pub(super) fn note_file(&mut self, ctor: &str, obj: &Map<String, Value>) {
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
    pub(super) fn file_bytes(
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
    pub(super) fn file_part(&mut self, obj: &mut Map<String, Value>) {
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
    pub(super) fn other_data(&self, data: &[u8], offset: u64) -> Vec<u8> {
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

    pub(super) fn json_strings(&self, v: &mut Value) {
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
