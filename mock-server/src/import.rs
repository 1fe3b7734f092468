//! `tg-mock-server import`: a [`World`] from a recorded (or anonymized)
//! export transcript, so that the export can be run against it with any
//! settings, faults and parallelism, which a rigid transcript cannot serve.
//!
//! What the world gets, from which answers (errors are skipped):
//!
//! | world | from |
//! |---|---|
//! | `users`, `chats` | every `users` and `chats` vector of every answer (first full version of each id), `users.getUsers`, `auth.authorization.user` |
//! | `self_id` | the user with `"self": true` |
//! | `home_dc` | the `dc` of the first exchange that names one (else 2) |
//! | `self_full` | `users.getFullUser` of the account |
//! | `dialogs` | `messages.getDialogs` / `getPeerDialogs` (`dialog`s, first of each peer) |
//! | `messages` | every `messages` vector of `messages.getHistory`, `search`, `getMessages`, `channels.getMessages`, `getDialogs`, `getPeerDialogs` (first of each id per box; `messageEmpty` skipped) |
//! | `split_ranges` | `messages.getSplitRanges` |
//! | `contacts` | `contacts.getSaved` |
//! | `top_peers`, `top_peers_disabled` | `contacts.getTopPeers` |
//! | `authorization_ttl_days`, `authorizations` | `account.getAuthorizations` |
//! | `web_authorizations` | `account.getWebAuthorizations` |
//! | `profile_photos` | `photos.getUserPhotos` of `inputUserSelf` or the account |
//! | `stories` | `stories.getStoriesArchive`, `stories.getStoriesById` (the account's) |
//! | `custom_emoji` | `messages.getCustomEmojiDocuments` |
//! | `other_data` | `upload.getFile` of `inputTakeoutFileLocation`, parts joined, as JSON |
//! | `blobs` | `upload.getFile` parts of a photo size or document, when they cover the whole file from offset 0; `synth` parts are materialized with [`crate::replay`]'s function |
//! | `login` | `auth.sendCode`'s phone (else the account's), `auth.signIn`'s code (the recorder blanks it: else `12345`), `account.getPassword`'s hint and salts; the 2FA password is not in a transcript: it is `--password` (none: no 2FA) |
//!
//! Files whose bytes the transcript does not hold in full are synthesized
//! from the world's seed like any generated world's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::jsonl::{Lines, TranscriptError, method_of};
use crate::world::{Blob, FileKey, Index, World};

/// Why a world could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The transcript is bad.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The transcript never shows the account (`"self": true`).
    #[error("the transcript never shows the account's own user (a user with \"self\": true)")]
    NoSelf,
    /// The transcript's objects do not make a consistent world.
    #[error("the imported world is not consistent: at {path}: {message}")]
    World {
        /// JSON path in the world.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Options of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The world's seed (files the transcript does not hold are
    /// synthesized from it).
    pub seed: u64,
    /// The 2FA password to set (`None`: the imported account has none).
    pub password: Option<String>,
}

/// Objects kept by a key, in first-seen order.
struct Keyed<K> {
    seen: HashMap<K, usize>,
    items: Vec<Value>,
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
    fn add(&mut self, key: K, v: &Value) {
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

fn long(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        v => v.as_i64(),
    }
}

fn tag(v: &Value) -> &str {
    v.get("_").and_then(Value::as_str).unwrap_or("")
}

fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The message box and id of a message (`None` for `messageEmpty`).
fn message_key(m: &Value) -> Option<(Option<i64>, i64)> {
    if tag(m) == "messageEmpty" {
        return None;
    }
    let id = long(m.get("id"))?;
    let peer = m.get("peer_id")?;
    let channel = (tag(peer) == "peerChannel").then(|| long(peer.get("channel_id")).unwrap_or(0));
    Some((channel, id))
}

fn peer_key(p: &Value) -> String {
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

fn chat_key(c: &Value) -> (bool, i64) {
    let channel = matches!(tag(c), "channel" | "channelForbidden");
    (channel, long(c.get("id")).unwrap_or(0))
}

/// The bytes of one file, by part offset.
#[derive(Default)]
struct Parts(BTreeMap<u64, Vec<u8>>);

impl Parts {
    /// The parts joined, when they are contiguous from offset 0.
    fn joined(&self) -> Option<Vec<u8>> {
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

#[derive(Default)]
struct Importer {
    users: Keyed<i64>,
    chats: Keyed<(bool, i64)>,
    dialogs: Keyed<String>,
    messages: Keyed<(Option<i64>, i64)>,
    profile_photos: Keyed<i64>,
    stories: Keyed<i64>,
    custom_emoji: Keyed<i64>,
    split_ranges: Option<Value>,
    contacts: Option<Value>,
    top_peers: Option<Value>,
    top_peers_disabled: bool,
    authorizations: Option<(Value, Value)>,
    web_authorizations: Option<Value>,
    self_full: Option<Value>,
    self_full_user: Option<Value>,
    other_data: Parts,
    other_data_empty: bool,
    files: HashMap<FileKey, Parts>,
    home_dc: Option<i64>,
    phone: Option<String>,
    code: Option<String>,
    password: Option<Value>,
}

impl Importer {
    fn peers(&mut self, v: &Value) {
        for u in items(v.get("users")) {
            self.user(u);
        }
        for c in items(v.get("chats")) {
            self.chats.add(chat_key(c), c);
        }
    }

    fn user(&mut self, u: &Value) {
        if let Some(id) = long(u.get("id")) {
            self.users.add(id, u);
        }
    }

    fn messages(&mut self, v: &Value) {
        for m in items(v.get("messages")) {
            if let Some(key) = message_key(m) {
                self.messages.add(key, m);
            }
        }
    }

    fn exchange(&mut self, method: &str, ex: &Value) {
        let request = ex.get("request").unwrap_or(&Value::Null);
        if self.home_dc.is_none() {
            self.home_dc = long(ex.get("dc"));
        }
        match method {
            "auth.sendCode" => {
                self.phone = request
                    .get("phone_number")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            "auth.signIn" => {
                // The recorder blanks the code: "" is no code.
                self.code = request
                    .get("phone_code")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
            }
            _ => {}
        }
        if method == "upload.getFile" && ex.get("error").is_some() {
            let takeout_empty = ex
                .get("error")
                .and_then(|e| e.get(1))
                .and_then(Value::as_str)
                == Some("TAKEOUT_FILE_EMPTY");
            self.other_data_empty |= takeout_empty;
        }
        let Some(r) = ex.get("response") else {
            return;
        };
        self.peers(r);
        match method {
            "users.getUsers" => {
                for u in items(Some(r)) {
                    self.user(u);
                }
            }
            "auth.signIn" | "auth.checkPassword" | "auth.importAuthorization" => {
                if let Some(u) = r.get("user") {
                    self.user(u);
                }
            }
            "users.getFullUser" => {
                if let Some(full) = r.get("full_user") {
                    let is_self = tag(request.get("id").unwrap_or(&Value::Null)) == "inputUserSelf";
                    if is_self {
                        self.self_full = Some(full.clone());
                    } else if self.self_full_user.is_none() {
                        // Kept in case it turns out to be the account's.
                        self.self_full_user = Some(full.clone());
                    }
                }
            }
            "messages.getHistory"
            | "messages.search"
            | "messages.getMessages"
            | "channels.getMessages" => self.messages(r),
            "messages.getDialogs" | "messages.getPeerDialogs" => {
                self.messages(r);
                for d in items(r.get("dialogs")) {
                    if tag(d) == "dialog"
                        && let Some(p) = d.get("peer")
                    {
                        self.dialogs.add(peer_key(p), d);
                    }
                }
            }
            "messages.getSplitRanges" => {
                self.split_ranges.get_or_insert_with(|| r.clone());
            }
            "contacts.getSaved" => {
                self.contacts.get_or_insert_with(|| r.clone());
            }
            "contacts.getTopPeers" => match tag(r) {
                "contacts.topPeers" => {
                    self.top_peers
                        .get_or_insert_with(|| r.get("categories").cloned().unwrap_or_default());
                }
                "contacts.topPeersDisabled" => self.top_peers_disabled = true,
                _ => {}
            },
            "account.getAuthorizations" => {
                self.authorizations.get_or_insert_with(|| {
                    (
                        r.get("authorization_ttl_days")
                            .cloned()
                            .unwrap_or(180.into()),
                        r.get("authorizations").cloned().unwrap_or_default(),
                    )
                });
            }
            "account.getWebAuthorizations" => {
                self.web_authorizations
                    .get_or_insert_with(|| r.get("authorizations").cloned().unwrap_or_default());
            }
            "photos.getUserPhotos" => {
                let user = request.get("user_id").unwrap_or(&Value::Null);
                if tag(user) == "inputUserSelf" {
                    for p in items(r.get("photos")) {
                        if let Some(id) = long(p.get("id")) {
                            self.profile_photos.add(id, p);
                        }
                    }
                }
            }
            "stories.getStoriesArchive" | "stories.getStoriesById" => {
                for s in items(r.get("stories")) {
                    if tag(s) == "storyItem"
                        && let Some(id) = long(s.get("id"))
                    {
                        self.stories.add(id, s);
                    }
                }
            }
            "messages.getCustomEmojiDocuments" => {
                for d in items(Some(r)) {
                    if let Some(id) = long(d.get("id")) {
                        self.custom_emoji.add(id, d);
                    }
                }
            }
            "account.getPassword" => self.password = Some(r.clone()),
            "upload.getFile" => self.file_part(request, ex, r),
            _ => {}
        }
    }

    fn file_part(&mut self, request: &Value, ex: &Value, r: &Value) {
        let Some(offset) = long(request.get("offset")).and_then(|o| u64::try_from(o).ok()) else {
            return;
        };
        let data = match ex.get("synth") {
            Some(synth) => match synth_recorded(synth) {
                Some(data) => data,
                None => return,
            },
            None => match r
                .get("bytes")
                .map(tl::json::bytes_from_json)
                .and_then(Result::ok)
            {
                Some(data) => data,
                None => return,
            },
        };
        let location = request.get("location").unwrap_or(&Value::Null);
        let thumb = location
            .get("thumb_size")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let id = long(location.get("id")).unwrap_or(0);
        let key = match tag(location) {
            "inputTakeoutFileLocation" => {
                self.other_data.0.entry(offset).or_insert(data);
                return;
            }
            "inputPhotoFileLocation" => FileKey::Photo { id, thumb },
            "inputDocumentFileLocation" => FileKey::Document { id, thumb },
            _ => return,
        };
        if !data.is_empty() {
            self.files
                .entry(key)
                .or_default()
                .0
                .entry(offset)
                .or_insert(data);
        }
    }

    fn world(self, options: &ImportOptions) -> Result<World, ImportError> {
        let self_id = self
            .users
            .items
            .iter()
            .find(|u| u.get("self") == Some(&Value::Bool(true)))
            .and_then(|u| long(u.get("id")))
            .ok_or(ImportError::NoSelf)?;
        let self_phone = self
            .users
            .items
            .iter()
            .find(|u| long(u.get("id")) == Some(self_id))
            .and_then(|u| u.get("phone"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let self_full = self.self_full.or_else(|| {
            self.self_full_user
                .filter(|f| long(f.get("id")) == Some(self_id))
        });
        let mut login = Map::new();
        login.insert(
            "phone".into(),
            self.phone.or(self_phone).unwrap_or_default().into(),
        );
        login.insert(
            "code".into(),
            self.code.unwrap_or_else(|| "12345".into()).into(),
        );
        if let Some(p) = &options.password {
            login.insert("password".into(), p.clone().into());
        }
        if let Some(pw) = &self.password {
            if let Some(hint) = pw.get("hint") {
                login.insert("hint".into(), hint.clone());
            }
            if let Some(algo) = pw.get("current_algo").or(pw.get("new_algo")) {
                for salt in ["salt1", "salt2"] {
                    if let Some(s) = algo.get(salt) {
                        login.insert(salt.into(), s.clone());
                    }
                }
            }
        }
        let mut messages = self.messages.items;
        messages.sort_by_key(|m| message_key(m).unwrap_or((None, 0)));
        let mut w = Map::new();
        w.insert("format".into(), crate::world::WORLD_FORMAT.into());
        w.insert("seed".into(), options.seed.into());
        w.insert("self_id".into(), self_id.into());
        w.insert("home_dc".into(), self.home_dc.unwrap_or(2).into());
        w.insert("login".into(), Value::Object(login));
        w.insert("users".into(), Value::Array(self.users.items));
        w.insert("chats".into(), Value::Array(self.chats.items));
        if let Some(full) = self_full {
            w.insert("self_full".into(), full);
        }
        w.insert("dialogs".into(), Value::Array(self.dialogs.items));
        w.insert("messages".into(), Value::Array(messages));
        if let Some(r) = self.split_ranges {
            w.insert("split_ranges".into(), r);
        }
        if let Some(c) = self.contacts {
            w.insert("contacts".into(), c);
        }
        w.insert("top_peers_disabled".into(), self.top_peers_disabled.into());
        if let Some(t) = self.top_peers {
            w.insert("top_peers".into(), t);
        }
        if let Some((ttl, auths)) = self.authorizations {
            w.insert("authorization_ttl_days".into(), ttl);
            w.insert("authorizations".into(), auths);
        }
        if let Some(web) = self.web_authorizations {
            w.insert("web_authorizations".into(), web);
        }
        w.insert(
            "profile_photos".into(),
            Value::Array(self.profile_photos.items),
        );
        w.insert("stories".into(), Value::Array(self.stories.items));
        w.insert("custom_emoji".into(), Value::Array(self.custom_emoji.items));
        if !self.other_data_empty
            && let Some(data) = self.other_data.joined().filter(|d| !d.is_empty())
        {
            match serde_json::from_slice::<Value>(&data) {
                Ok(v) => {
                    w.insert("other_data".into(), v);
                }
                Err(e) => tracing::warn!("the other-data file is not JSON ({e}): left out"),
            }
        }
        let value = Value::Object(w);
        let mut world = World::from_json(&value).map_err(|e| ImportError::World {
            path: e.path.join("."),
            message: e.message,
        })?;
        attach_blobs(&mut world, self.files)?;
        Index::build(Arc::new(world.clone())).map_err(|e| ImportError::World {
            path: e.path,
            message: e.message,
        })?;
        Ok(world)
    }
}

/// The bytes of a `synth` part, as replay serves them.
fn synth_recorded(synth: &Value) -> Option<Vec<u8>> {
    let len = synth.get("len")?.as_u64()?;
    let sha = synth.get("sha256")?.as_str()?;
    let mut hash = [0u8; 32];
    if sha.len() != 64 {
        return None;
    }
    for (i, b) in hash.iter_mut().enumerate() {
        *b = u8::from_str_radix(sha.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(crate::replay::synth::fill(
        usize::try_from(len).ok()?,
        &hash,
    ))
}

/// Turns complete downloads into blobs (the rest is synthesized).
fn attach_blobs(world: &mut World, files: HashMap<FileKey, Parts>) -> Result<(), ImportError> {
    let store = crate::blobs::FileStore::build(world).map_err(|e| ImportError::World {
        path: e.path,
        message: e.message,
    })?;
    let mut keys: Vec<&FileKey> = files.keys().collect();
    keys.sort();
    let mut names = HashSet::new();
    for key in keys {
        let Some(entry) = store.get(key) else {
            continue;
        };
        let Some(data) = files[key].joined() else {
            continue;
        };
        if data.len() as u64 != entry.size {
            continue;
        }
        let file = match key {
            FileKey::Photo { id, thumb } => format!("photo-{id}-{thumb}.bin"),
            FileKey::Document { id, thumb } if thumb.is_empty() => format!("document-{id}.bin"),
            FileKey::Document { id, thumb } => format!("document-{id}-{thumb}.bin"),
        };
        if !names.insert(file.clone()) {
            continue;
        }
        world.blobs.push(Blob {
            key: key.clone(),
            file,
            data,
        });
    }
    Ok(())
}

/// Builds a world from the JSON-Lines transcript `input`.
pub fn import<R: BufRead>(input: R, options: &ImportOptions) -> Result<World, ImportError> {
    let mut lines = Lines::new(input)?;
    let mut importer = Importer::default();
    while let Some((line, exchange)) = lines.next_exchange()? {
        let method = method_of(&exchange, line)?;
        importer.exchange(method, &exchange);
    }
    importer.world(options)
}
