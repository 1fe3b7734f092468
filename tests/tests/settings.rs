//! Random settings × random worlds: the export holds exactly what the
//! settings select. A model computed from the world alone (the mock's
//! dialog and history rules and docs/takeout.md#dialogs to #files, never the
//! exporter's code) says which chats are exported, in which order, which
//! messages each holds (ids, in order, once each) and what happens to every
//! file of those messages; the export must agree: downloaded files are
//! byte-equal to the world's bytes, each file is downloaded once, skipped
//! files carry the text of docs/export-format.md#file-textss and are absent from the folder, and nothing
//! else is written. A second export of the same case, through a random
//! script of survivable faults and at the other end of `parallel` (1 or
//! 8), must be byte-identical. With format "both", every chat's HTML pages
//! hold the same messages and every local link leads to a file.
//!
//! Worlds are generated (now and then with a few hundred dialogs, so the
//! dialog list pages, and split ranges down to one id) or, one case in five, the hand-written small fixture;
//! dates fall anywhere or exactly on a message's date.
//!
//! `TG_E2E_EXPORT_CASES` cases (else `TG_E2E_CASES`, else 32; CI runs
//! 100, `.ci/run`), two exports each.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;
use tg_mock_server::World;
use tg_mock_server::blobs::FileStore;
use tg_mock_server::world::{
    FileKey, PeerKey, dialog_peer, message_date, message_id, message_is_from, message_peer,
    range_bounds,
};
use tg_takeout::takeout::plan::NO_SIZE_LIMIT;
use tg_takeout::takeout::{Format, MediaType, Section, Settings};
use tl::enums;

use tg_mock_server::net::{FaultRule, FaultScript};

use crate::harness::{
    Server, assert_same_tree, export, export_cases, options, out_dir, survivable_fault, tree,
};
use crate::output::{assert_safe_relative, check_html_links, check_result_json, skip_texts};

/// Ids of pre-migration messages are shifted by this (docs/takeout.md#history).
const MIGRATED_SHIFT: i64 = 1_000_000_000;

/// What a setting-dependent chat is, in the terms of docs/takeout.md#dialogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Saved,
    Replies,
    VerifyCodes,
    Personal,
    Bot,
    PrivateGroup,
    PrivateSupergroup,
    PublicSupergroup,
    PrivateChannel,
    PublicChannel,
}

impl Kind {
    /// The section that selects it (docs/takeout.md#dialogs "Filtering").
    fn section(self) -> Section {
        match self {
            Self::Saved | Self::Replies | Self::VerifyCodes | Self::Personal => {
                Section::PersonalChats
            }
            Self::Bot => Section::BotChats,
            Self::PrivateGroup | Self::PrivateSupergroup => Section::PrivateGroups,
            Self::PublicSupergroup => Section::PublicGroups,
            Self::PrivateChannel => Section::PrivateChannels,
            Self::PublicChannel => Section::PublicChannels,
        }
    }

    /// Its `type` in `result.json` (docs/export-format.md#chats).
    fn json(self) -> &'static str {
        match self {
            Self::Saved => "saved_messages",
            Self::Replies => "replies",
            Self::VerifyCodes => "verification_codes",
            Self::Personal => "personal_chat",
            Self::Bot => "bot_chat",
            Self::PrivateGroup => "private_group",
            Self::PrivateSupergroup => "private_supergroup",
            Self::PublicSupergroup => "public_supergroup",
            Self::PrivateChannel => "private_channel",
            Self::PublicChannel => "public_channel",
        }
    }
}

/// The dialog type of a peer from its world object (docs/takeout.md#dialogs "Dialog type").
fn kind_of(world: &World, peer: PeerKey) -> Kind {
    match peer {
        PeerKey::User(id) if id == world.self_id => Kind::Saved,
        PeerKey::User(1_271_266_957) => Kind::Replies,
        PeerKey::User(489_000) => Kind::VerifyCodes,
        PeerKey::User(id) => {
            let bot = world.users.iter().any(
                |u| matches!(u, enums::User::User(u) if u.id == id && u.bot_info_version.is_some()),
            );
            if bot { Kind::Bot } else { Kind::Personal }
        }
        PeerKey::Chat(_) => Kind::PrivateGroup,
        PeerKey::Channel(id) => {
            let (public, broadcast) = world
                .chats
                .iter()
                .find_map(|c| match c {
                    enums::Chat::Channel(c) if c.id == id => Some((
                        c.username.as_deref().is_some_and(|u| !u.is_empty()),
                        c.broadcast,
                    )),
                    enums::Chat::ChannelForbidden(c) if c.id == id => Some((false, c.broadcast)),
                    _ => None,
                })
                .expect("a known channel");
            match (public, broadcast) {
                (false, true) => Kind::PrivateChannel,
                (false, false) => Kind::PrivateSupergroup,
                (true, true) => Kind::PublicChannel,
                (true, false) => Kind::PublicSupergroup,
            }
        }
    }
}

/// The bare id `result.json` gives a chat.
fn bare_id(peer: PeerKey) -> i64 {
    match peer {
        PeerKey::User(id) | PeerKey::Chat(id) | PeerKey::Channel(id) => id,
    }
}

/// One chat the export must hold.
#[derive(Debug)]
struct ChatModel {
    peer: PeerKey,
    kind: Kind,
    /// `(id in the output, index in world.messages)`, in output order.
    messages: Vec<(i64, usize)>,
}

/// The chats of an export: listed dialogs, then left channels.
#[derive(Debug, Default)]
struct Model {
    chats: Vec<ChatModel>,
    left: Vec<ChatModel>,
}

/// The settings of one case, in the model's terms.
#[derive(Clone, Debug)]
struct Choice {
    sections: Vec<Section>,
    full: Vec<Section>,
    media: Vec<MediaType>,
    size_limit: u64,
    from: Option<i64>,
    till: Option<i64>,
    format: Format,
    parallel: usize,
}

impl Choice {
    fn has(&self, s: Section) -> bool {
        self.sections.contains(&s)
    }

    fn dates_contain(&self, date: i64) -> bool {
        self.from.is_none_or(|f| date >= f) && self.till.is_none_or(|t| date < t)
    }

    fn settings(&self, out: &Path) -> Settings {
        Settings {
            sections: self.sections.clone(),
            full_chats: self.full.clone(),
            media: self.media.clone(),
            size_limit: self.size_limit,
            from_date: self.from,
            till_date: self.till,
            format: self.format,
            out: out.to_owned(),
            parallel: self.parallel,
            ..Settings::default()
        }
    }
}

/// The split ranges as the client uses them (one `[1, i32::MAX]` when the
/// server has none).
fn splits(world: &World) -> Vec<(i32, i32)> {
    let ranges: Vec<(i32, i32)> = world.split_ranges.iter().map(range_bounds).collect();
    if ranges.is_empty() {
        vec![(1, i32::MAX)]
    } else {
        ranges
    }
}

/// The mock's dialog list of one range (its module docs): a private chat
/// or basic group with a message in the range, by its newest one there; a
/// channel only in the range reaching the newest end, by its newest
/// message; newest first by `(date, id, peer)`.
fn listed_in(world: &World, range: (i32, i32), newest_end: i32) -> Vec<PeerKey> {
    let mut listed: Vec<(i32, i32, PeerKey)> = world
        .dialogs
        .iter()
        .filter_map(dialog_peer)
        .filter_map(|peer| {
            let in_range = |m: &enums::Message| {
                !peer.in_common_box() || (range.0..=range.1).contains(&message_id(m))
            };
            if !peer.in_common_box() && range.1 < newest_end {
                return None;
            }
            let top = world
                .messages
                .iter()
                .filter(|m| message_peer(m) == Some(peer))
                .filter(in_range)
                .max_by_key(message_id)?;
            Some((message_date(&top), message_id(&top), peer))
        })
        .collect();
    listed.sort_by(|a, b| b.cmp(a));
    listed.into_iter().map(|(_, _, p)| p).collect()
}

/// The supergroup a basic group migrated to.
fn migrated_to(world: &World, peer: PeerKey) -> Option<PeerKey> {
    world.chats.iter().find_map(|c| match c {
        enums::Chat::Chat(c) if PeerKey::Chat(c.id) == peer => match c.migrated_to.as_ref()? {
            enums::InputChannel::InputChannel(t) => Some(PeerKey::Channel(t.channel_id)),
            _ => None,
        },
        _ => None,
    })
}

/// The model of what `choice` exports from `world` (docs/takeout.md#dialogs, docs/takeout.md#history).
fn model(world: &World, choice: &Choice) -> Model {
    let ranges = splits(world);
    let n = ranges.len();
    let newest_end = ranges[n - 1].1;
    // docs/takeout.md#dialogs: only the last split when no personal, bot or private
    // group chats are selected.
    let only_last = [
        Section::PersonalChats,
        Section::BotChats,
        Section::PrivateGroups,
    ]
    .iter()
    .all(|s| !choice.has(*s));
    let first = if only_last { n - 1 } else { 0 };
    // Dialogs in order of first appearance, newest split first, with the
    // splits each is listed in.
    let mut order: Vec<PeerKey> = Vec::new();
    let mut in_splits: HashMap<PeerKey, Vec<usize>> = HashMap::new();
    for index in (first..n).rev() {
        for peer in listed_in(world, ranges[index], newest_end) {
            let splits = in_splits.entry(peer).or_default();
            if splits.is_empty() {
                order.push(peer);
            }
            splits.push(index);
        }
    }
    let passes = |peer: PeerKey| choice.has(kind_of(world, peer).section());
    let any_group = choice.has(Section::PrivateGroups) || choice.has(Section::PublicGroups);
    let kept: Vec<PeerKey> = order
        .iter()
        .copied()
        .filter(|&p| passes(p) || (migrated_to(world, p).is_some() && any_group))
        .collect();
    // A migrated basic group merges into its kept supergroup; without one
    // it stays only if its own type is selected.
    let mut merged_into: HashMap<PeerKey, PeerKey> = HashMap::new();
    for &p in &kept {
        if let Some(target) = migrated_to(world, p).filter(|t| kept.contains(t)) {
            merged_into.insert(target, p);
        }
    }
    let merged: BTreeSet<PeerKey> = merged_into.values().copied().collect();
    let messages_of = |peer: PeerKey, only_my: bool, shift: i64| -> Vec<(i64, usize)> {
        let listed = &in_splits[&peer];
        let mut list: Vec<(i64, usize)> = world
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| message_peer(m) == Some(peer))
            .filter(|(_, m)| {
                !peer.in_common_box()
                    || listed.iter().any(|&s| {
                        let (lo, hi) = ranges[s];
                        (lo..=hi).contains(&message_id(m))
                    })
            })
            .filter(|(_, m)| !only_my || message_is_from(m, world.self_id))
            .filter(|(_, m)| choice.dates_contain(i64::from(message_date(m))))
            .map(|(i, m)| (i64::from(message_id(&m)) + shift, i))
            .collect();
        list.sort_unstable();
        list
    };
    let mut model = Model::default();
    for &peer in &kept {
        if merged.contains(&peer) || (migrated_to(world, peer).is_some() && !passes(peer)) {
            continue;
        }
        let kind = kind_of(world, peer);
        let only_my = !choice.full.contains(&kind.section());
        let mut messages = Vec::new();
        if let Some(&basic) = merged_into.get(&peer) {
            messages = messages_of(basic, only_my, -MIGRATED_SHIFT);
        }
        messages.extend(messages_of(peer, only_my, 0));
        model.chats.push(ChatModel {
            peer,
            kind,
            messages,
        });
    }
    // Left channels, in the server's order, always only my messages.
    let in_dialogs: BTreeSet<PeerKey> = world.dialogs.iter().filter_map(dialog_peer).collect();
    for c in &world.chats {
        let peer = match c {
            enums::Chat::Channel(c) if c.left => PeerKey::Channel(c.id),
            enums::Chat::ChannelForbidden(c) => PeerKey::Channel(c.id),
            _ => continue,
        };
        if in_dialogs.contains(&peer) || !passes(peer) {
            continue;
        }
        let mut messages: Vec<(i64, usize)> = world
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| message_peer(m) == Some(peer))
            .filter(|(_, m)| message_is_from(m, world.self_id))
            .filter(|(_, m)| choice.dates_contain(i64::from(message_date(m))))
            .map(|(i, m)| (i64::from(message_id(&m)), i))
            .collect();
        messages.sort_unstable();
        model.left.push(ChatModel {
            peer,
            kind: kind_of(world, peer),
            messages,
        });
    }
    model
}

/// Where a file of a message shows in its JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// `photo`, `file`, `thumbnail` or `contact_vcard`.
    Field(&'static str),
    /// The n-th `custom_emoji` of `text_entities`.
    Entity(usize),
    /// The n-th `custom_emoji` reaction.
    Reaction(usize),
}

/// What must happen to one file (docs/takeout.md#files).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fate {
    /// Written with these bytes; downloads carry their key.
    Written(Option<FileKey>, Vec<u8>),
    /// Not written: docs/export-format.md#file-texts text index (0 unavailable, 1 size, 2 type).
    Skipped(usize),
}

/// The largest-area downloadable size of a photo or a document's thumbs:
/// its type, size in bytes and width.
fn largest(sizes: &[enums::PhotoSize]) -> Option<(String, i64, i32)> {
    let mut best: Option<(i64, String, i64, i32)> = None;
    for s in sizes {
        let (ty, w, h, size) = match s {
            enums::PhotoSize::PhotoSize(s) => (&s.r#type, s.w, s.h, i64::from(s.size)),
            enums::PhotoSize::Progressive(s) => match s.sizes.last() {
                Some(&last) => (&s.r#type, s.w, s.h, i64::from(last)),
                None => continue,
            },
            enums::PhotoSize::PhotoCachedSize(s) => (&s.r#type, s.w, s.h, s.bytes.len() as i64),
            _ => continue,
        };
        let area = i64::from(w) * i64::from(h);
        if best.as_ref().is_none_or(|b| area > b.0) {
            best = Some((area, ty.clone(), size, w));
        }
    }
    best.map(|(_, ty, size, w)| (ty, size, w))
}

/// Decides a remote file by the rules of docs/takeout.md#files (type, then size).
fn fate(
    store: &FileStore,
    world: &World,
    choice: &Choice,
    key: FileKey,
    media: Option<MediaType>,
    size: i64,
) -> Fate {
    if media.is_some_and(|m| !choice.media.contains(&m)) {
        return Fate::Skipped(2);
    }
    if choice.size_limit < NO_SIZE_LIMIT && u64::try_from(size).unwrap_or(0) > choice.size_limit {
        return Fate::Skipped(1);
    }
    let entry = store.get(&key).expect("the mock serves the file");
    let bytes = FileStore::read(world, entry, 0, entry.size as usize);
    Fate::Written(Some(key), bytes)
}

/// The media type of a document for the type filter (docs/takeout.md#files rule 6).
fn document_type(d: &tl::types::Document) -> MediaType {
    use enums::DocumentAttribute as A;
    let has = |f: &dyn Fn(&A) -> bool| d.attributes.iter().any(f);
    if has(&|a| matches!(a, A::Sticker(_) | A::CustomEmoji(_))) {
        MediaType::Sticker
    } else if has(&|a| matches!(a, A::Video(v) if v.round_message)) {
        MediaType::VideoMessage
    } else if has(&|a| matches!(a, A::Audio(v) if v.voice)) {
        MediaType::Voice
    } else if has(&|a| matches!(a, A::Animated)) {
        MediaType::Gif
    } else if has(&|a| matches!(a, A::Video(_))) {
        MediaType::Video
    } else {
        MediaType::File
    }
}

/// Every file of a world message and its fate.
fn message_fates(
    store: &FileStore,
    world: &World,
    choice: &Choice,
    m: &enums::Message,
) -> Vec<(Slot, Fate)> {
    let mut out = Vec::new();
    let photo = |p: &enums::Photo| match p {
        enums::Photo::Photo(p) => match largest(&p.sizes) {
            Some((ty, size, _)) => {
                let key = FileKey::Photo {
                    id: p.id,
                    thumb: ty,
                };
                fate(store, world, choice, key, Some(MediaType::Photo), size)
            }
            None => Fate::Skipped(0),
        },
        enums::Photo::Empty(_) => Fate::Skipped(0),
    };
    let emoji = |id: i64| {
        let doc = world.custom_emoji.iter().find_map(|d| match d {
            enums::Document::Document(d) if d.id == id => Some(d),
            _ => None,
        });
        match doc {
            Some(d) => {
                let key = FileKey::Document {
                    id,
                    thumb: String::new(),
                };
                fate(store, world, choice, key, None, d.size)
            }
            None => Fate::Skipped(0),
        }
    };
    match m {
        enums::Message::Message(m) => {
            match &m.media {
                Some(enums::MessageMedia::Photo(media)) => {
                    assert!(media.ttl_seconds.is_none(), "no self-destructing media");
                    if let Some(p) = &media.photo {
                        out.push((Slot::Field("photo"), photo(p)));
                    }
                }
                Some(enums::MessageMedia::Document(media)) => match &media.document {
                    Some(enums::Document::Document(d)) => {
                        let kind = Some(document_type(d));
                        let key = FileKey::Document {
                            id: d.id,
                            thumb: String::new(),
                        };
                        out.push((
                            Slot::Field("file"),
                            fate(store, world, choice, key, kind, d.size),
                        ));
                        let thumbs = d.thumbs.as_deref().unwrap_or_default();
                        if let Some((ty, _, w)) = largest(thumbs).filter(|t| t.2 > 0) {
                            assert!(w > 0);
                            let key = FileKey::Document {
                                id: d.id,
                                thumb: ty,
                            };
                            out.push((
                                Slot::Field("thumbnail"),
                                fate(store, world, choice, key, kind, d.size),
                            ));
                        }
                    }
                    _ => out.push((Slot::Field("file"), Fate::Skipped(0))),
                },
                Some(enums::MessageMedia::Contact(c)) if !c.vcard.is_empty() => {
                    let bytes = c.vcard.as_bytes().to_vec();
                    out.push((Slot::Field("contact_vcard"), Fate::Written(None, bytes)));
                }
                _ => {}
            }
            let entities = m.entities.as_deref().unwrap_or_default();
            let custom = entities.iter().filter_map(|e| match e {
                enums::MessageEntity::CustomEmoji(e) => Some(e.document_id),
                _ => None,
            });
            for (i, id) in custom.enumerate() {
                out.push((Slot::Entity(i), emoji(id)));
            }
            if let Some(enums::MessageReactions::MessageReactions(r)) = &m.reactions {
                let custom = r.results.iter().filter_map(|r| {
                    let enums::ReactionCount::ReactionCount(r) = r;
                    match &r.reaction {
                        enums::Reaction::CustomEmoji(e) => Some(e.document_id),
                        _ => None,
                    }
                });
                for (i, id) in custom.enumerate() {
                    out.push((Slot::Reaction(i), emoji(id)));
                }
            }
        }
        enums::Message::Service(s) => {
            if let enums::MessageAction::ChatEditPhoto(a) = &s.action {
                out.push((Slot::Field("photo"), photo(&a.photo)));
            }
        }
        enums::Message::Empty(_) => {}
    }
    out
}

/// The `n`-th `custom_emoji` object of `list`.
fn nth_custom(list: &Value, n: usize) -> Option<&Value> {
    list.as_array()?
        .iter()
        .filter(|e| e["type"] == "custom_emoji")
        .nth(n)
        .map(|e| &e["document_id"])
}

/// Files the writers produce (everything else is a download).
fn is_writer_output(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let chat_page = path.starts_with("chats/")
        && path.matches('/').count() == 2
        && name.starts_with("messages")
        && name.ends_with(".html");
    path == "result.json"
        || path == "export_results.html"
        || chat_page
        || ["css/", "js/", "images/"]
            .iter()
            .any(|d| path.starts_with(d))
        || (path.starts_with("lists/") && path.ends_with(".html"))
}

/// Checks an export of `world` with `choice` against the model.
fn check(
    world: &World,
    choice: &Choice,
    report: &tg_takeout::takeout::ExportReport,
    files: &BTreeMap<String, Vec<u8>>,
) {
    let text = std::str::from_utf8(&files["result.json"]).expect("UTF-8");
    let result = check_result_json(text);
    let model = model(world, choice);
    let store = FileStore::build(world).expect("file store");

    // The sections.
    let top = result.as_object().expect("an object");
    let expect_key = |key: &str, present: bool| {
        assert_eq!(top.contains_key(key), present, "top-level {key}");
    };
    expect_key("personal_information", choice.has(Section::PersonalInfo));
    expect_key("profile_pictures", choice.has(Section::Userpics));
    expect_key("stories", choice.has(Section::Stories));
    expect_key("contacts", choice.has(Section::Contacts));
    expect_key("frequent_contacts", choice.has(Section::Contacts));
    expect_key("sessions", choice.has(Section::Sessions));
    expect_key("web_sessions", choice.has(Section::Sessions));
    let other = choice.has(Section::OtherData) && world.other_data.is_some();
    expect_key("other_data", other);
    assert_eq!(files.contains_key("lists/other_data.json"), other);
    expect_key("chats", !model.chats.is_empty());
    expect_key("left_chats", !model.left.is_empty());
    assert_eq!(
        files.contains_key("export_results.html"),
        choice.format == Format::Both
    );
    assert!(!files.contains_key("missing.json"), "nothing failed");
    check_html_links(files);

    // Chats and messages.
    let mut downloads: BTreeMap<String, Option<FileKey>> = BTreeMap::new();
    let mut first_path: HashMap<FileKey, String> = HashMap::new();
    let mut messages = 0;
    for (key, chats) in [("chats", &model.chats), ("left_chats", &model.left)] {
        let listed = result[key]["list"].as_array().cloned().unwrap_or_default();
        let got: Vec<(i64, String)> = listed
            .iter()
            .map(|c| (c["id"].as_i64().unwrap(), c["type"].to_string()))
            .collect();
        let want: Vec<(i64, String)> = chats
            .iter()
            .map(|c| (bare_id(c.peer), format!("\"{}\"", c.kind.json())))
            .collect();
        assert_eq!(got, want, "{key}: the chats, in order");
        for (chat, json) in chats.iter().zip(&listed) {
            let list = json["messages"].as_array().unwrap();
            let ids: Vec<i64> = list.iter().map(|m| m["id"].as_i64().unwrap()).collect();
            let want: Vec<i64> = chat.messages.iter().map(|m| m.0).collect();
            assert_eq!(ids, want, "messages of {:?}", chat.peer);
            messages += ids.len();
            for (&(id, index), m) in chat.messages.iter().zip(list) {
                let at = format!("{:?} message {id}", chat.peer);
                let fates =
                    message_fates(&store, world, choice, &world.messages.get(index).unwrap());
                for field in ["photo", "file", "thumbnail", "contact_vcard"] {
                    let expected = fates.iter().any(|(s, _)| *s == Slot::Field(field));
                    assert_eq!(m.get(field).is_some(), expected, "{at}: {field} in {m}");
                }
                for (slot, fate) in fates {
                    // Custom emoji: the path, "" when skipped for type or
                    // size, "(unavailable)" (docs/takeout.md#custom-emoji).
                    let emoji = || ["(unavailable)".to_owned(), String::new(), String::new()];
                    let (value, texts) = match slot {
                        Slot::Field(f) => (&m[f], skip_texts("File")),
                        Slot::Entity(n) => (
                            nth_custom(&m["text_entities"], n).expect("the entity"),
                            emoji(),
                        ),
                        Slot::Reaction(n) => (
                            nth_custom(&m["reactions"], n).expect("the reaction"),
                            emoji(),
                        ),
                    };
                    let value = value.as_str().unwrap_or_else(|| panic!("{at}: {slot:?}"));
                    match fate {
                        Fate::Skipped(text) => {
                            assert_eq!(value, texts[text], "{at}: {slot:?}");
                        }
                        Fate::Written(key, bytes) => {
                            assert_safe_relative(value, &at);
                            let written = files
                                .get(value)
                                .unwrap_or_else(|| panic!("{at}: {value} is written"));
                            assert!(*written == bytes, "{at}: {value} holds the world's bytes");
                            if let Some(key) = &key {
                                let first = first_path.entry(key.clone()).or_insert(value.into());
                                assert_eq!(first, value, "{key:?} is downloaded once");
                            }
                            let old = downloads.insert(value.to_owned(), key.clone());
                            assert!(
                                old.is_none() || old == Some(key.clone()),
                                "{value}: one file per path"
                            );
                        }
                    }
                }
            }
        }
    }
    if choice.format == Format::Both {
        check_pages(&model, files);
    }
    assert_eq!(report.messages as usize, messages);
    assert_eq!(report.chats as usize, model.chats.len() + model.left.len());
    assert_eq!(report.skipped, 0);

    // Profile pictures (size limit, no type filter) and stories (neither).
    let mut section_files = BTreeSet::new();
    if choice.has(Section::Userpics) {
        let mut photos: Vec<&tl::types::Photo> = world
            .profile_photos
            .iter()
            .filter_map(|p| match p {
                enums::Photo::Photo(p) => Some(p),
                enums::Photo::Empty(_) => None,
            })
            .collect();
        photos.sort_by_key(|p| std::cmp::Reverse(p.id));
        let listed = result["profile_pictures"].as_array().unwrap();
        assert_eq!(listed.len(), photos.len(), "profile pictures");
        for (p, json) in photos.iter().zip(listed) {
            let (ty, size, _) = largest(&p.sizes).expect("a size");
            let key = FileKey::Photo {
                id: p.id,
                thumb: ty,
            };
            let value = json["photo"].as_str().unwrap();
            match fate(&store, world, choice, key, None, size) {
                Fate::Written(_, bytes) => {
                    assert!(files.get(value) == Some(&bytes), "{value}");
                    section_files.insert(value.to_owned());
                }
                Fate::Skipped(i) => assert_eq!(value, skip_texts("Photo")[i]),
            }
        }
    }
    if choice.has(Section::Stories) {
        let mut stories: Vec<&tl::types::StoryItem> = world
            .stories
            .iter()
            .filter_map(|s| match s {
                enums::StoryItem::StoryItem(s) => Some(s),
                _ => None,
            })
            .filter(|s| {
                matches!(
                    *s.media,
                    enums::MessageMedia::Photo(_) | enums::MessageMedia::Document(_)
                )
            })
            .collect();
        stories.sort_by_key(|s| std::cmp::Reverse(s.id));
        let listed = result["stories"].as_array().unwrap();
        assert_eq!(listed.len(), stories.len(), "stories");
        for (s, json) in stories.iter().zip(listed) {
            let value = json["media"].as_str().unwrap();
            let key = match &*s.media {
                enums::MessageMedia::Photo(m) => match m.photo.as_ref().unwrap() {
                    enums::Photo::Photo(p) => FileKey::Photo {
                        id: p.id,
                        thumb: largest(&p.sizes).unwrap().0,
                    },
                    enums::Photo::Empty(_) => unreachable!("generated stories have photos"),
                },
                enums::MessageMedia::Document(m) => match m.document.as_ref().unwrap() {
                    enums::Document::Document(d) => {
                        if let Some((ty, _, _)) = largest(d.thumbs.as_deref().unwrap_or_default()) {
                            let thumb = format!("{value}_thumb.jpg");
                            let entry = store
                                .get(&FileKey::Document {
                                    id: d.id,
                                    thumb: ty,
                                })
                                .unwrap();
                            let bytes = FileStore::read(world, entry, 0, entry.size as usize);
                            assert!(files.get(&thumb) == Some(&bytes), "{thumb}");
                            section_files.insert(thumb);
                        }
                        FileKey::Document {
                            id: d.id,
                            thumb: String::new(),
                        }
                    }
                    enums::Document::Empty(_) => unreachable!("generated stories have files"),
                },
                _ => unreachable!(),
            };
            let entry = store.get(&key).unwrap();
            let bytes = FileStore::read(world, entry, 0, entry.size as usize);
            assert!(files.get(value) == Some(&bytes), "story {value}");
            section_files.insert(value.to_owned());
        }
    }

    // Nothing else was downloaded.
    let written: BTreeSet<&str> = files
        .keys()
        .map(String::as_str)
        .filter(|p| !is_writer_output(p) && *p != "lists/other_data.json")
        .collect();
    let expected: BTreeSet<&str> = downloads
        .keys()
        .chain(&section_files)
        .map(String::as_str)
        .collect();
    assert_eq!(written, expected, "the downloaded files");
    for path in files.keys() {
        assert_safe_relative(path, "a written file");
    }
}

/// The HTML pages hold the same messages as `result.json`: every chat's
/// `messages*.html` (in page order) has exactly the model's message ids.
fn check_pages(model: &Model, files: &BTreeMap<String, Vec<u8>>) {
    let all: Vec<&ChatModel> = model.chats.iter().chain(&model.left).collect();
    for (i, chat) in all.iter().enumerate() {
        let folder = tg_takeout::export::naming::chat_folder(i + 1, all.len());
        let mut ids = Vec::new();
        for page in 1..=10_000 {
            let name = match page {
                1 => format!("{folder}messages.html"),
                n => format!("{folder}messages{n}.html"),
            };
            let Some(bytes) = files.get(&name) else { break };
            let html = std::str::from_utf8(bytes).expect("UTF-8");
            for piece in html.split(" id=\"message").skip(1) {
                let digits: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '-')
                    .collect();
                if piece[digits.len()..].starts_with('"') {
                    ids.push(digits.parse::<i64>().expect("a message id"));
                }
            }
        }
        let want: Vec<i64> = chat.messages.iter().map(|m| m.0).collect();
        assert_eq!(ids, want, "the HTML pages of {:?}", chat.peer);
    }
}

/// A fault every export survives (retried, followed or refreshed), on the
/// `nth` call of a method.
fn fault(method: usize, nth: u32, kind: usize) -> FaultRule {
    const METHODS: [&str; 9] = [
        "upload.getFile",
        "messages.getHistory",
        "messages.search",
        "messages.getDialogs",
        "channels.getLeftChannels",
        "messages.getCustomEmojiDocuments",
        "photos.getUserPhotos",
        "stories.getStoriesArchive",
        "*",
    ];
    survivable_fault(&METHODS, method, nth, kind)
}

/// The settings of bit masks and the world's time span.
#[allow(clippy::too_many_arguments)]
fn choice(
    world: &World,
    sections: u16,
    full: u8,
    media: u8,
    size_limit: u64,
    dates: (Option<u8>, Option<u8>, bool),
    both: bool,
    parallel: usize,
) -> Choice {
    let pick = |mask: u32, all: &[Section]| -> Vec<Section> {
        all.iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect()
    };
    let mut sections = pick(u32::from(sections), &Section::ALL);
    if sections.is_empty() {
        sections.push(Section::PrivateGroups);
    }
    let groups = [
        Section::PrivateGroups,
        Section::PublicGroups,
        Section::PrivateChannels,
        Section::PublicChannels,
    ];
    let mut full = pick(u32::from(full), &groups);
    full.extend([Section::PersonalChats, Section::BotChats]);
    let media = MediaType::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| media & (1 << i) != 0)
        .map(|(_, m)| *m)
        .collect();
    let all_dates: Vec<i64> = world
        .messages
        .iter()
        .map(|m| i64::from(message_date(&m)))
        .collect();
    let (lo, hi) = (
        all_dates.iter().copied().min().unwrap_or(0),
        all_dates.iter().copied().max().unwrap_or(0) + 1,
    );
    // `from` at a point of the timeline, `till` a length after it.
    let from = dates.0.map(|pct| lo + (hi - lo) * i64::from(pct) / 100);
    let till = dates
        .1
        .map(|pct| from.unwrap_or(lo) + ((hi - lo) * i64::from(pct) / 100).max(1));
    // Or exactly on the date of a message, to try both ends' boundaries.
    let snap = |d: i64| match dates.2 {
        true => all_dates
            .iter()
            .copied()
            .filter(|&m| m >= d)
            .min()
            .unwrap_or(d),
        false => d,
    };
    let (from, till) = match (from.map(snap), till.map(snap)) {
        (Some(f), Some(t)) if t <= f => (Some(f), Some(f + 1)),
        other => other,
    };
    Choice {
        sections,
        full,
        media,
        size_limit,
        from,
        till,
        format: if both { Format::Both } else { Format::Json },
        parallel,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: export_cases(32),
        max_shrink_iters: 4,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Any settings select exactly the model's chats, messages and files,
    /// and the output is the same through faults and at another `parallel`.
    #[test]
    fn random_settings_export_exactly_what_they_select(
        world in (
            proptest::prelude::any::<u64>(),
            proptest::prop_oneof![4 => 3usize..12, 1 => 100usize..300],
            10usize..400,
            4usize..40,
            proptest::prop_oneof![
                proptest::strategy::Just(0i32),
                1i32..6,
                5i32..60,
            ],
            0usize..4,
            proptest::bool::weighted(0.2),
        ),
        sections in 0u16..4096,
        full in 0u8..16,
        media in 0u8..128,
        size_limit in proptest::prop_oneof![
            1 => proptest::strategy::Just(0u64),
            1 => proptest::strategy::Just(NO_SIZE_LIMIT),
            4 => 1_000u64..300_000,
        ],
        dates in (
            proptest::option::weighted(0.3, 0u8..=100),
            proptest::option::weighted(0.3, 0u8..=100),
            proptest::prelude::any::<bool>(),
        ),
        both in proptest::prelude::any::<bool>(),
        parallel in 1usize..=8,
        faults in proptest::collection::vec((0usize..9, 1u32..20, 0usize..5), 0..4),
    ) {
        let (seed, dialogs, messages, files, range_size, left, small) = world;
        let config = tg_mock_server::GenerateConfig {
            seed,
            dialogs,
            messages,
            files,
            max_file_size: 64 << 10,
            range_size,
            left_channels: left,
            ..tg_mock_server::GenerateConfig::default()
        };
        // Now and then the hand-written fixture (blob files, bot and saved
        // chats, files on DC 4) instead of a generated world.
        let world = if small {
            crate::util::small_world()
        } else {
            tg_mock_server::generate(&config)
        };
        let choice = choice(&world, sections, full, media, size_limit, dates, both, parallel);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let server = Server::start(world.clone()).await;
            let (_tmp, out) = out_dir();
            let (result, _) = export(&server, choice.settings(&out), &options()).await;
            let report = result.unwrap_or_else(|e| panic!("{e}: {config:?} {small} {choice:?}"));
            let files = tree(&out);
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check(&world, &choice, &report, &files)
            }));
            if let Err(e) = checked {
                eprintln!("failed with {config:?} (small fixture: {small})\n{choice:?}");
                std::panic::resume_unwind(e);
            }
            // The same through faults, at the other end of `parallel`.
            let script = FaultScript {
                seed,
                rules: faults.iter().map(|&(m, n, k)| fault(m, n, k)).collect(),
                ..FaultScript::default()
            };
            server.faults(script.clone());
            let mut again = choice.clone();
            again.parallel = if choice.parallel > 4 { 1 } else { 8 };
            let (_tmp2, out2) = out_dir();
            let (result, _) = export(&server, again.settings(&out2), &options()).await;
            result.unwrap_or_else(|e| panic!("{e} with {script:?}: {config:?} {small} {choice:?}"));
            assert_same_tree(&files, &tree(&out2));
        });
    }
}
