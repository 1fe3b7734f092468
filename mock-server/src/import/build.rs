//! What each answer of a transcript adds to the world being built.

use super::*;

impl Importer {
    pub(super) fn peers(&mut self, v: &Value) {
        for u in items(v.get("users")) {
            self.user(u);
        }
        for c in items(v.get("chats")) {
            self.chats.add(chat_key(c), c);
        }
    }

    pub(super) fn user(&mut self, u: &Value) {
        if let Some(id) = long(u.get("id")) {
            self.users.add(id, u);
        }
    }

    pub(super) fn messages(&mut self, v: &Value) {
        for m in items(v.get("messages")) {
            if let Some(key) = message_key(m) {
                self.messages.add(key, m);
            }
        }
    }

    pub(super) fn exchange(&mut self, method: &str, ex: &Value) {
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

    pub(super) fn file_part(&mut self, request: &Value, ex: &Value, r: &Value) {
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

    pub(super) fn world(self, options: &ImportOptions) -> Result<World, ImportError> {
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
        Index::check(&world).map_err(|e| ImportError::World {
            path: e.path,
            message: e.message,
        })?;
        Ok(world)
    }
}
