//! The export's output as a reader sees it: snapshots of `result.json` and
//! one chat page of the small fixture (fixed clock, UTC), and a checker of
//! the keys every object kind of `result.json` must have (docs/export-format.md), run on the small fixture's and the demo world's exports here
//! and on every case of the settings and hostile-name tests.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use tg_takeout::export::naming::chat_folder;

use crate::harness::{Server, everything, export, options, out_dir, tree};
use crate::util::small_world;

/// The hand-written fixture.
/// The folder of the chat with bare id `id` in a full export's
/// `result.json` (chats are numbered in list order, left chats last).
pub fn folder_of(result: &Value, id: i64) -> String {
    let chats: Vec<&Value> = ["chats", "left_chats"]
        .iter()
        .flat_map(|k| result[k]["list"].as_array().into_iter().flatten())
        .collect();
    let index = chats
        .iter()
        .position(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("chat {id} is exported"));
    chat_folder(index + 1, chats.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_fixture_export_matches_the_snapshots() {
    let server = Server::start(small_world()).await;
    let (_tmp, out) = out_dir();
    let (result, _) = export(&server, everything(&out, 4), &options()).await;
    result.expect("the export succeeds");
    let files = tree(&out);
    let text = String::from_utf8(files["result.json"].clone()).expect("UTF-8");
    let result = check_result_json(&text);
    insta::assert_snapshot!("small_result_json", text);
    // Grace's chat: photo, video, round video, a call, entities, a reply.
    let page = format!("{}messages.html", folder_of(&result, 1002));
    let html = String::from_utf8(files[&page].clone()).expect("UTF-8");
    insta::assert_snapshot!("small_grace_messages_html", html);
    check_html_links(&files);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_world_export_has_every_required_key() {
    let world = tg_mock_server::demo_world().expect("the demo world");
    let server = Server::start(world).await;
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 8);
    settings.format = tg_takeout::takeout::Format::Json;
    let (result, _) = export(&server, settings, &options()).await;
    result.expect("the export succeeds");
    let text = std::fs::read_to_string(out.join("result.json")).expect("result.json");
    let result = check_result_json(&text);
    let messages: usize = result["chats"]["list"]
        .as_array()
        .expect("chats")
        .iter()
        .map(|c| c["messages"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(messages > 100, "{messages} messages");
}

#[test]
fn the_key_checker_finds_missing_and_malformed_keys() {
    let good = r#"{"about": "a", "chats": {"about": "b", "list": [{"name": "X",
        "type": "personal_chat", "id": 5, "messages": [{"id": 1, "type": "message",
        "date": "2024-03-10T14:05:09", "date_unixtime": "1710079509", "from": "X",
        "from_id": "user5", "text": "hi", "text_entities": [{"type": "plain",
        "text": "hi"}]}]}]}}"#;
    check_result_json(good);
    for (from, to) in [
        (r#""from_id": "user5", "#, ""),
        (
            r#""date": "2024-03-10T14:05:09""#,
            r#""date": "10.03.2024""#,
        ),
        (r#""type": "plain""#, r#""type": "shiny""#),
        (r#""id": 5, "#, ""),
        (r#""about": "a", "#, ""),
        (r#""text": "hi", "#, ""),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good);
        let caught = std::panic::catch_unwind(|| check_result_json(&bad));
        assert!(caught.is_err(), "not caught: {from} -> {to}");
    }
}

// ---------------------------------------------------------------------------
// The required-keys checker.

/// Top-level keys of a full export, in their order (docs/export-format.md#top-level).
const TOP_LEVEL: [&str; 11] = [
    "about",
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "sessions",
    "web_sessions",
    "other_data",
    "chats",
    "left_chats",
];

const CHAT_TYPES: [&str; 10] = [
    "saved_messages",
    "replies",
    "verification_codes",
    "personal_chat",
    "bot_chat",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
];

const ENTITY_TYPES: [&str; 21] = [
    "plain",
    "unknown",
    "mention",
    "hashtag",
    "bot_command",
    "link",
    "email",
    "bold",
    "italic",
    "code",
    "pre",
    "text_link",
    "mention_name",
    "phone",
    "cashtag",
    "underline",
    "strikethrough",
    "blockquote",
    "bank_card",
    "spoiler",
    "custom_emoji",
];

const MEDIA_TYPES: [&str; 6] = [
    "sticker",
    "video_message",
    "voice_message",
    "animation",
    "video_file",
    "audio_file",
];

/// Service actions written without `actor`/`actor_id` (docs/export-format.md#service-messages).
const NO_ACTOR: [&str; 9] = [
    "send_payment",
    "allow_sending_messages",
    "send_passport_values",
    "proximity_reached",
    "gift_code_prize",
    "giveaway_launch",
    "giveaway_results",
    "refunded_payment",
    "send_webview_data",
];

/// The docs/export-format.md#file-texts texts a file value may be instead of a path, for `noun`
/// ("File" or "Photo").
pub fn skip_texts(noun: &str) -> [String; 3] {
    [
        format!("({noun} unavailable, please try again later)"),
        format!("({noun} exceeds maximum size. Change data exporting settings to download.)"),
        format!("({noun} not included. Change data exporting settings to download.)"),
    ]
}

/// Parses `text` as JSON (strictly: tdesktop's `\xHH` escapes would fail)
/// and checks the required keys of every object kind of a full export's
/// `result.json`; panics naming the JSON path of the first problem.
pub fn check_result_json(text: &str) -> Value {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("result.json does not parse: {e}"));
    let top = object(&value, "$");
    let keys = top_level_keys(text);
    let mut order = TOP_LEVEL.iter();
    for key in &keys {
        assert!(
            order.any(|k| k == key),
            "top-level keys out of order or unknown: {keys:?}"
        );
    }
    string(top, "$", "about");
    if let Some(info) = top.get("personal_information") {
        personal_information(object(info, "$.personal_information"));
    }
    for (key, media_key) in [("profile_pictures", "photo"), ("stories", "media")] {
        if let Some(list) = top.get(key) {
            for (i, item) in array(list, key).iter().enumerate() {
                let path = format!("$.{key}[{i}]");
                let item = object(item, &path);
                file_value(item, &path, media_key, "Photo");
                dates(item, &path, "date", false);
                if key == "stories" {
                    dates(item, &path, "date", true);
                    dates(item, &path, "expires", true);
                    boolean(item, &path, "pinned");
                }
            }
        }
    }
    for (key, item_check) in [
        ("contacts", contact as fn(&Map<String, Value>, &str)),
        ("frequent_contacts", frequent_contact),
        ("sessions", session),
        ("web_sessions", web_session),
    ] {
        if let Some(section) = top.get(key) {
            let path = format!("$.{key}");
            let section = object(section, &path);
            string(section, &path, "about");
            for (i, item) in array(required(section, &path, "list"), &path)
                .iter()
                .enumerate()
            {
                let path = format!("{path}.list[{i}]");
                item_check(object(item, &path), &path);
            }
        }
    }
    if let Some(other) = top.get("other_data") {
        assert!(other.is_object() || other.is_array(), "$.other_data");
    }
    for key in ["chats", "left_chats"] {
        if let Some(section) = top.get(key) {
            let path = format!("$.{key}");
            let section = object(section, &path);
            string(section, &path, "about");
            let list = array(required(section, &path, "list"), &path);
            assert!(!list.is_empty(), "{path}: written only with chats");
            for (i, c) in list.iter().enumerate() {
                check_chat(c, &format!("{path}.list[{i}]"));
            }
        }
    }
    value
}

/// The keys of the top-level object, in file order (read from the text,
/// as `serde_json::Value` does not keep the order).
fn top_level_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(" \""))
        .filter_map(|l| {
            let rest = &l[2..];
            rest.find("\": ").map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// A chat object (docs/export-format.md#chats): also the whole `result.json` of a single chat.
pub fn check_chat(chat: &Value, path: &str) {
    let chat = object(chat, path);
    let kind = required(chat, path, "type");
    let named = match kind.as_str() {
        Some(t) => {
            assert!(CHAT_TYPES.contains(&t), "{path}.type: {t}");
            !matches!(t, "saved_messages" | "replies" | "verification_codes")
        }
        None => {
            assert!(kind.is_null(), "{path}.type: {kind}");
            true
        }
    };
    if named {
        string_or_null(chat, path, "name");
    } else {
        assert!(!chat.contains_key("name"), "{path}: no name for {kind}");
    }
    integer(chat, path, "id");
    let messages = array(required(chat, path, "messages"), path);
    for (i, m) in messages.iter().enumerate() {
        check_message(m, &format!("{path}.messages[{i}]"));
    }
}

/// A message object (docs/export-format.md#messages).
pub fn check_message(m: &Value, path: &str) {
    let m = object(m, path);
    integer(m, path, "id");
    let kind = string(m, path, "type");
    if kind == "unsupported" {
        assert_eq!(m.len(), 2, "{path}: an unsupported message is {{id, type}}");
        return;
    }
    assert!(
        kind == "message" || kind == "service",
        "{path}.type: {kind}"
    );
    dates(m, path, "date", true);
    assert_eq!(
        m.contains_key("edited"),
        m.contains_key("edited_unixtime"),
        "{path}: edited and edited_unixtime go together"
    );
    dates(m, path, "edited", false);
    if kind == "message" {
        string_or_null(m, path, "from");
        peer_ref(m, path, "from_id");
    } else {
        match (m.get("action"), m.get("information_text")) {
            (Some(action), None) => {
                let action = action
                    .as_str()
                    .unwrap_or_else(|| panic!("{path}.action: {action}"));
                if !NO_ACTOR.contains(&action) {
                    string_or_null(m, path, "actor");
                    peer_ref(m, path, "actor_id");
                }
                service_keys(m, path, action);
            }
            (None, Some(text)) => assert!(text.is_string(), "{path}.information_text"),
            _ => panic!("{path}: a service message has action or information_text"),
        }
    }
    for key in ["reply_to_peer_id"] {
        if m.contains_key(key) {
            peer_ref(m, path, key);
        }
    }
    if m.contains_key("reply_to_peer_id") {
        integer(m, path, "reply_to_message_id");
    }
    media_keys(m, path);
    text_value(required(m, path, "text"), &format!("{path}.text"));
    let entities = array(required(m, path, "text_entities"), path);
    for (i, e) in entities.iter().enumerate() {
        entity(e, &format!("{path}.text_entities[{i}]"));
    }
    if let Some(reactions) = m.get("reactions") {
        for (i, r) in array(reactions, path).iter().enumerate() {
            reaction(r, &format!("{path}.reactions[{i}]"));
        }
    }
    if let Some(rows) = m.get("inline_bot_buttons") {
        for (i, row) in array(rows, path).iter().enumerate() {
            for (j, b) in array(row, path).iter().enumerate() {
                let path = format!("{path}.inline_bot_buttons[{i}][{j}]");
                let b = object(b, &path);
                string(b, &path, "type");
                string(b, &path, "text");
                string(b, &path, "data");
            }
        }
    }
}

/// Keys some service actions always carry (docs/export-format.md#service-messages).
fn service_keys(m: &Map<String, Value>, path: &str, action: &str) {
    match action {
        "create_group" => {
            string(m, path, "title");
            array(required(m, path, "members"), path);
        }
        "edit_group_title" | "create_channel" | "migrate_from_group" | "topic_created" => {
            string(m, path, "title");
        }
        "invite_members" | "remove_members" => {
            array(required(m, path, "members"), path);
        }
        "edit_group_photo" | "suggest_profile_photo" => {
            file_value(m, path, "photo", "File");
            integer(m, path, "photo_file_size");
        }
        "pin_message" => integer(m, path, "message_id"),
        "score_in_game" => {
            integer(m, path, "game_message_id");
            integer(m, path, "score");
        }
        "set_messages_ttl" => integer(m, path, "period"),
        "phone_call" | "conference_call" | "group_call" => {
            for key in ["duration_seconds", "duration"] {
                if m.contains_key(key) {
                    integer(m, path, key);
                }
            }
        }
        _ => {}
    }
}

/// The media keys of a message (docs/export-format.md#media).
fn media_keys(m: &Map<String, Value>, path: &str) {
    if m.contains_key("photo") && m.get("action").is_none() {
        file_value(m, path, "photo", "File");
        integer(m, path, "photo_file_size");
    }
    assert_eq!(
        m.contains_key("width"),
        m.contains_key("height"),
        "{path}: width and height go together"
    );
    if m.contains_key("file") {
        file_value(m, path, "file", "File");
        integer(m, path, "file_size");
        if let Some(kind) = m.get("media_type") {
            let kind = kind.as_str().unwrap_or_default();
            assert!(MEDIA_TYPES.contains(&kind), "{path}.media_type: {kind}");
        }
    }
    assert_eq!(
        m.contains_key("thumbnail"),
        m.contains_key("thumbnail_file_size"),
        "{path}: thumbnail and thumbnail_file_size go together"
    );
    if m.contains_key("thumbnail") {
        assert!(m.contains_key("file"), "{path}: a thumbnail of a file");
        file_value(m, path, "thumbnail", "File");
        integer(m, path, "thumbnail_file_size");
    }
    if let Some(contact) = m.get("contact_information") {
        let p = format!("{path}.contact_information");
        let c = object(contact, &p);
        for key in ["first_name", "last_name", "phone_number"] {
            string(c, &p, key);
        }
    }
    if m.contains_key("contact_vcard") {
        file_value(m, path, "contact_vcard", "File");
        integer(m, path, "contact_vcard_file_size");
    }
    if let Some(location) = m.get("location_information") {
        if !location.is_null() {
            let p = format!("{path}.location_information");
            let l = object(location, &p);
            number(l, &p, "latitude");
            number(l, &p, "longitude");
        }
    }
    if let Some(poll) = m.get("poll") {
        let p = format!("{path}.poll");
        let poll = object(poll, &p);
        string(poll, &p, "question");
        boolean(poll, &p, "closed");
        integer(poll, &p, "total_voters");
        for (i, a) in array(required(poll, &p, "answers"), &p).iter().enumerate() {
            let p = format!("{p}.answers[{i}]");
            let a = object(a, &p);
            string(a, &p, "text");
            integer(a, &p, "voters");
            boolean(a, &p, "chosen");
        }
    }
    if m.contains_key("invoice_information") {
        let text = string(m, path, "invoice_information");
        serde_json::from_str::<Value>(text)
            .unwrap_or_else(|e| panic!("{path}.invoice_information is JSON text: {e}"));
    }
}

/// `text`: one string, or strings and entity objects.
fn text_value(text: &Value, path: &str) {
    match text {
        Value::String(_) => {}
        Value::Array(parts) => {
            for (i, part) in parts.iter().enumerate() {
                if !part.is_string() {
                    entity(part, &format!("{path}[{i}]"));
                }
            }
        }
        other => panic!("{path}: {other}"),
    }
}

/// A text entity `{type, text, ...}` with its type's extra key (docs/export-format.md#messages).
fn entity(e: &Value, path: &str) {
    let e = object(e, path);
    let kind = string(e, path, "type");
    assert!(ENTITY_TYPES.contains(&kind), "{path}.type: {kind}");
    string(e, path, "text");
    match kind {
        "pre" => {
            string(e, path, "language");
        }
        "text_link" => {
            string(e, path, "href");
        }
        "mention_name" => integer(e, path, "user_id"),
        "custom_emoji" => {
            string(e, path, "document_id");
        }
        "blockquote" => boolean(e, path, "collapsed"),
        _ => {}
    }
}

fn reaction(r: &Value, path: &str) {
    let r = object(r, path);
    let kind = string(r, path, "type");
    integer(r, path, "count");
    match kind {
        "emoji" => {
            string(r, path, "emoji");
        }
        "custom_emoji" => {
            string(r, path, "document_id");
        }
        "paid" | "empty" => {}
        other => panic!("{path}.type: {other}"),
    }
    if let Some(recent) = r.get("recent") {
        for (i, item) in array(recent, path).iter().enumerate() {
            let path = format!("{path}.recent[{i}]");
            let item = object(item, &path);
            string_or_null(item, &path, "from");
            peer_ref(item, &path, "from_id");
            dates(item, &path, "date", false);
        }
    }
}

fn personal_information(info: &Map<String, Value>) {
    let path = "$.personal_information";
    integer(info, path, "user_id");
    string(info, path, "first_name");
    string(info, path, "last_name");
    string(info, path, "phone_number");
    if info.contains_key("username") {
        assert!(string(info, path, "username").starts_with('@'));
    }
    if info.contains_key("bio") {
        string(info, path, "bio");
    }
}

fn contact(c: &Map<String, Value>, path: &str) {
    let named = ["first_name", "last_name", "phone_number"];
    let present = named.iter().filter(|k| c.contains_key(**k)).count();
    assert!(present == 0 || present == 3, "{path}: names and phone");
    for key in named.iter().take(present) {
        string(c, path, key);
    }
    dates(c, path, "date", true);
}

fn frequent_contact(c: &Map<String, Value>, path: &str) {
    integer(c, path, "id");
    let category = string(c, path, "category");
    assert!(
        ["people", "inline_bots", "calls"].contains(&category),
        "{path}.category: {category}"
    );
    let kind = string(c, path, "type");
    assert!(
        kind == "user" || CHAT_TYPES[5..].contains(&kind),
        "{path}.type: {kind}"
    );
    string_or_null(c, path, "name");
    number(c, path, "rating");
}

fn session(s: &Map<String, Value>, path: &str) {
    dates(s, path, "last_active", true);
    for key in [
        "last_ip",
        "last_country",
        "last_region",
        "device_model",
        "platform",
        "system_version",
    ] {
        string(s, path, key);
    }
    string_or_null(s, path, "application_name");
    if s.contains_key("application_version") {
        string(s, path, "application_version");
    }
    dates(s, path, "created", true);
}

fn web_session(s: &Map<String, Value>, path: &str) {
    dates(s, path, "last_active", true);
    for key in ["last_ip", "last_region", "browser", "platform"] {
        string(s, path, key);
    }
    string_or_null(s, path, "bot_username");
    string_or_null(s, path, "domain_name");
    dates(s, path, "created", true);
}

// Primitive checks, each naming the path of what it rejects.

fn object<'a>(v: &'a Value, path: &str) -> &'a Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{path}: expected an object, got {v}"))
}

fn array<'a>(v: &'a Value, path: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{path}: expected an array, got {v}"))
}

fn required<'a>(o: &'a Map<String, Value>, path: &str, key: &str) -> &'a Value {
    o.get(key)
        .unwrap_or_else(|| panic!("{path}: missing key {key:?} in {o:?}"))
}

fn string<'a>(o: &'a Map<String, Value>, path: &str, key: &str) -> &'a str {
    let v = required(o, path, key);
    v.as_str()
        .unwrap_or_else(|| panic!("{path}.{key}: expected a string, got {v}"))
}

fn string_or_null(o: &Map<String, Value>, path: &str, key: &str) {
    let v = required(o, path, key);
    assert!(v.is_string() || v.is_null(), "{path}.{key}: {v}");
}

fn integer(o: &Map<String, Value>, path: &str, key: &str) {
    let v = required(o, path, key);
    assert!(
        v.is_i64() || v.is_u64(),
        "{path}.{key}: expected an integer, got {v}"
    );
}

fn number(o: &Map<String, Value>, path: &str, key: &str) {
    let v = required(o, path, key);
    assert!(v.is_number(), "{path}.{key}: expected a number, got {v}");
}

fn boolean(o: &Map<String, Value>, path: &str, key: &str) {
    let v = required(o, path, key);
    assert!(v.is_boolean(), "{path}.{key}: expected a boolean, got {v}");
}

/// `"user<id>"`, `"chat<id>"` or `"channel<id>"` (docs/export-format.md#values).
fn peer_ref(o: &Map<String, Value>, path: &str, key: &str) {
    let v = string(o, path, key);
    let digits = ["user", "chat", "channel"]
        .iter()
        .find_map(|p| v.strip_prefix(p))
        .unwrap_or_else(|| panic!("{path}.{key}: {v:?} is not a peer reference"));
    assert!(
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        "{path}.{key}: {v:?}"
    );
}

/// `<key>` (local ISO date without offset) and `<key>_unixtime` (decimal
/// seconds as a string), both present when `needed`, else both or none.
fn dates(o: &Map<String, Value>, path: &str, key: &str, needed: bool) {
    let unix_key = format!("{key}_unixtime");
    if !needed && !o.contains_key(key) && !o.contains_key(&unix_key) {
        return;
    }
    let date = string(o, path, key);
    let ok = date.len() == 19
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    assert!(ok, "{path}.{key}: {date:?} is not YYYY-MM-DDTHH:MM:SS");
    let unix = string(o, path, &unix_key);
    assert!(
        unix.parse::<i64>().is_ok(),
        "{path}.{unix_key}: {unix:?} is not decimal seconds"
    );
}

/// A file value: a safe relative path or one of the text of docs/export-format.md#file-textss.
fn file_value(o: &Map<String, Value>, path: &str, key: &str, noun: &str) {
    let v = string(o, path, key);
    if v.starts_with('(') {
        assert!(
            skip_texts(noun).iter().any(|t| t == v),
            "{path}.{key}: {v:?} is not a D.6 text"
        );
    } else {
        assert_safe_relative(v, &format!("{path}.{key}"));
    }
}

/// A `/`-separated relative path that stays inside the export root.
pub fn assert_safe_relative(p: &str, what: &str) {
    assert!(
        !p.is_empty()
            && !p.starts_with('/')
            && !p.contains('\\')
            && !p.contains('\0')
            && p.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && c.len() <= 255),
        "{what}: {p:?} is not a safe relative path"
    );
}

/// Every file value of a `result.json` by JSON path (for tests that look
/// for paths and skip texts).
pub fn file_values(value: &Value, path: &str, out: &mut BTreeMap<String, String>) {
    const KEYS: [&str; 6] = [
        "photo",
        "file",
        "thumbnail",
        "media",
        "contact_vcard",
        "document_id",
    ];
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                match v {
                    Value::String(s) if KEYS.contains(&key.as_str()) => {
                        out.insert(here, s.clone());
                    }
                    other => file_values(other, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                file_values(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Checks every local link of every HTML page in `files` (an export by
/// relative path): `href`, `src` and `data-file` values that are not
/// URLs or in-page anchors must, once HTML- and percent-decoded and
/// resolved against the page's folder, name a file of the export.
pub fn check_html_links(files: &BTreeMap<String, Vec<u8>>) {
    for (page, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{page}: {e}"));
        for link in local_links(html) {
            let target = resolve(page, &link)
                .unwrap_or_else(|| panic!("{page}: {link:?} leaves the export folder"));
            assert!(
                files.contains_key(&target),
                "{page}: {link:?} names {target:?}, which is not in the export"
            );
        }
    }
}

/// The decoded local link targets of a page.
fn local_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attr in [" href=\"", " src=\"", " data-file=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attr) {
            rest = &rest[start + attr.len()..];
            let end = rest.find('"').expect("a closed attribute");
            let value = unescape_html(&rest[..end]);
            rest = &rest[end..];
            let scheme = value.find(':').is_some_and(|c| !value[..c].contains('/'));
            if value.is_empty() || value.starts_with('#') || scheme {
                continue;
            }
            let value = value.split(['#', '?']).next().unwrap_or_default();
            links.push(percent_decode(value));
        }
    }
    links
}

pub(crate) fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#039;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `link` resolved against the folder of `page`, both relative to the
/// export root; `None` if it climbs out of the root.
fn resolve(page: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[test]
fn the_link_checker_finds_broken_and_escaping_links() {
    let page = |body: &str| -> BTreeMap<String, Vec<u8>> {
        [
            (
                "chats/chat_1/messages.html".to_owned(),
                body.as_bytes().to_vec(),
            ),
            ("chats/chat_1/files/a b#c.txt".to_owned(), Vec::new()),
        ]
        .into_iter()
        .collect()
    };
    check_html_links(&page(
        r##"<a href="files/a%20b%23c.txt">x</a> <a href="#m1">y</a> <a href="https://x.org/../..">z</a>"##,
    ));
    for bad in [
        r#"<a href="files/a b#c.txt">x</a>"#,
        r#"<img src="../../../outside.jpg"/>"#,
        r#"<a href="files/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fx">x</a>"#,
        r#"<span data-file="../chat_2/x.webp"></span>"#,
    ] {
        let caught = std::panic::catch_unwind(|| check_html_links(&page(bad)));
        assert!(caught.is_err(), "not caught: {bad}");
    }
}
