//! End-to-end tests of the export module: realistic TL objects from
//! [`super::fixtures`] converted, settled as the engine would, written as
//! JSON and HTML, and snapshotted (UTC); property tests over random TL
//! messages; paging and a 100k-message streaming run.

use std::io::{self, Write};

use proptest::prelude::*;
use tl::{enums, types};

use super::fixtures::*;
use super::layout::{MemoryDir, OutputDir, OutputFile};
use super::naming::{PathSet, chat_folder};
use super::sink::ExportSink as _;
use super::time::{Tz, utc};
use crate::export::convert::sections;
use crate::export::convert::{ChatContext, Peers, message, messages_page};
use crate::export::html::HtmlWriter;
use crate::export::json::JsonWriter;
use crate::export::model::file::FileStatus;
use crate::export::model::sections::{ContactsList, SessionsList};
use crate::export::model::{ChatInfo, DialogType, Message, PeerId};

/// The converted group chat: pre-migration page, then the group page, with
/// the custom emoji resolved and files settled.
fn group_chat(tz: &Tz, folder: &str) -> (ChatInfo, Vec<Message>) {
    let mut ctx = ChatContext::new(folder, tz.clone());
    let mut messages = messages_page(&mut ctx, &page(old_group_messages()), true);
    messages.extend(messages_page(&mut ctx, &page(group_messages()), false));
    let emoji = document(
        777,
        "application/x-tgsticker",
        3_000,
        vec![enums::DocumentAttribute::CustomEmoji(
            types::DocumentAttributeCustomEmoji {
                alt: "😀".into(),
                ..Default::default()
            },
        )],
        false,
    );
    let (id, mut file) = sections::custom_emoji_file(&mut ctx, &emoji);
    settle(&mut file);
    for m in &mut messages {
        m.set_custom_emoji(id, &file);
    }
    settle_files(&mut messages);
    let peers = Peers::from_tl(&users(), &chats());
    (
        peers.chat_info(PeerId::Channel(GROUP), folder, false),
        messages,
    )
}

/// The converted personal chat with Alice.
fn personal_chat(tz: &Tz, folder: &str) -> (ChatInfo, Vec<Message>) {
    let mut ctx = ChatContext::new(folder, tz.clone());
    let mut messages = messages_page(&mut ctx, &page(personal_messages()), false);
    settle_files(&mut messages);
    let peers = Peers::from_tl(&users(), &chats());
    (
        peers.chat_info(PeerId::User(ALICE), folder, false),
        messages,
    )
}

fn full_user() -> enums::users::UserFull {
    enums::users::UserFull::UserFull(types::users::UserFull {
        full_user: enums::UserFull::UserFull(types::UserFull {
            id: SELF_ID,
            about: Some("Rustacean <3".into()),
            ..Default::default()
        }),
        chats: Vec::new(),
        users: users(),
    })
}

fn stories() -> Vec<enums::StoryItem> {
    let story = |id, media| {
        enums::StoryItem::StoryItem(types::StoryItem {
            id,
            date: DATE + id,
            expire_date: DATE + id + 86_400,
            pinned: id == 1,
            caption: Some("Sunset <3".into()),
            media: Box::new(media),
            ..Default::default()
        })
    };
    vec![
        story(
            1,
            enums::MessageMedia::Photo(types::MessageMediaPhoto {
                photo: Some(photo(501)),
                ..Default::default()
            }),
        ),
        story(
            2,
            enums::MessageMedia::Document(types::MessageMediaDocument {
                document: Some(document(502, "video/mp4", 900_000, Vec::new(), true)),
                ..Default::default()
            }),
        ),
        story(3, enums::MessageMedia::Geo(Default::default())),
    ]
}

fn contacts() -> ContactsList {
    let saved = |first: &str, last: &str, phone: &str| {
        enums::SavedContact::SavedPhoneContact(types::SavedPhoneContact {
            phone: phone.into(),
            first_name: first.into(),
            last_name: last.into(),
            date: DATE,
        })
    };
    let top = |category, id| {
        enums::TopPeerCategoryPeers::TopPeerCategoryPeers(types::TopPeerCategoryPeers {
            category,
            count: 1,
            peers: vec![enums::TopPeer::TopPeer(types::TopPeer {
                peer: peer_user(id),
                rating: 0.5,
            })],
        })
    };
    let top_peers = enums::contacts::TopPeers::TopPeers(types::contacts::TopPeers {
        categories: vec![
            top(enums::TopPeerCategory::PhoneCalls, BOB),
            top(enums::TopPeerCategory::Correspondents, ALICE),
            top(enums::TopPeerCategory::BotsInline, BOT),
            enums::TopPeerCategoryPeers::TopPeerCategoryPeers(types::TopPeerCategoryPeers {
                category: enums::TopPeerCategory::Correspondents,
                count: 1,
                peers: vec![enums::TopPeer::TopPeer(types::TopPeer {
                    peer: peer_channel(OTHER_CHANNEL),
                    rating: 1.25,
                })],
            }),
        ],
        chats: chats(),
        users: users(),
    });
    ContactsList {
        contacts: sections::contacts(&[
            saved("zed", "", "447700900123"),
            saved("Anna", "Bell", "12025550123"),
            saved("", "", ""),
        ]),
        frequent: sections::top_peers(&top_peers),
    }
}

fn sessions() -> SessionsList {
    let auths = enums::account::Authorizations::Authorizations(types::account::Authorizations {
        authorization_ttl_days: 180,
        authorizations: vec![enums::Authorization::Authorization(types::Authorization {
            device_model: "Desktop".into(),
            platform: "Linux".into(),
            system_version: "6.1".into(),
            app_name: "tg-takeout".into(),
            date_created: DATE - 5000,
            date_active: DATE,
            ip: "192.0.2.1".into(),
            country: "Germany".into(),
            region: "Berlin".into(),
            ..Default::default()
        })],
    });
    let web =
        enums::account::WebAuthorizations::WebAuthorizations(types::account::WebAuthorizations {
            authorizations: vec![enums::WebAuthorization::WebAuthorization(
                types::WebAuthorization {
                    bot_id: BOT,
                    domain: "example.org".into(),
                    browser: "Firefox".into(),
                    platform: "Linux".into(),
                    date_created: DATE - 100,
                    date_active: DATE,
                    ip: "198.51.100.7".into(),
                    region: "Paris".into(),
                    ..Default::default()
                },
            )],
            users: users(),
        });
    SessionsList {
        sessions: sections::sessions(&auths),
        web: sections::web_sessions(&web),
    }
}

/// Writes the whole fixture export into `dir`; returns `result.json`.
fn full_export(dir: &dyn OutputDir) -> io::Result<Vec<u8>> {
    let tz = utc();
    let mut json = JsonWriter::new(Vec::new(), tz.clone(), false);
    let mut html = HtmlWriter::new(dir, tz.clone(), false);
    json.start()?;
    let personal = sections::personal_info(&full_user());
    json.write_personal_info(&personal)?;
    html.write_personal_info(&personal)?;

    let mut paths = PathSet::new();
    let empty = enums::Photo::Empty(types::PhotoEmpty { id: 1 });
    let mut pics = sections::userpics(&[photo(401), photo(402)], 0, &tz, &mut paths);
    pics.extend(sections::userpics(&[empty], 2, &tz, &mut paths));
    for pic in &mut pics {
        settle(&mut pic.file);
    }
    json.write_userpics(&pics)?;
    html.write_userpics(&pics)?;
    let mut stories = sections::stories(&stories(), 0, &tz, &mut paths);
    for story in &mut stories {
        settle(&mut story.file);
    }
    json.write_stories(&stories)?;
    html.write_stories(&stories)?;
    let contacts = contacts();
    json.write_contacts(&contacts)?;
    html.write_contacts(&contacts)?;
    let sessions = sessions();
    json.write_sessions(&sessions)?;
    html.write_sessions(&sessions)?;
    json.write_other_data(
        br#"{"b": [1, 2.5, "x\u0001"], "a": {"z": null, "y": true}, "\u00e9": {}}"#,
    )?;
    html.write_other_data(b"")?;

    let (group, group_messages) = group_chat(&tz, &chat_folder(1, 3));
    let (alice, alice_messages) = personal_chat(&tz, &chat_folder(2, 3));
    let left = ChatInfo {
        id: PeerId::Channel(OTHER_CHANNEL),
        name: "News".into(),
        last_name: String::new(),
        dialog_type: DialogType::PublicChannel,
        is_left: true,
        folder: chat_folder(3, 3),
    };
    for (chat, messages) in [
        (group, group_messages),
        (alice, alice_messages),
        (left, Vec::new()),
    ] {
        json.start_chat(&chat)?;
        html.start_chat(&chat)?;
        // Pages of 7, as the engine hands them over.
        for page in messages.chunks(7) {
            json.write_messages(page)?;
            html.write_messages(page)?;
        }
        json.end_chat()?;
        html.end_chat()?;
    }
    html.finish()?;
    dir.settle()?;
    json.finish()
}

/// All HTML files of `dir` (assets by name only) as one text.
fn html_listing(dir: &MemoryDir) -> String {
    let mut out = String::new();
    for (path, bytes) in dir.files() {
        if path.ends_with(".css") || path.ends_with(".js") {
            out.push_str(&format!("=== {path} ({} bytes)\n", bytes.len()));
        } else {
            out.push_str(&format!(
                "=== {path}\n{}\n",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    out
}

#[test]
fn full_export_json_snapshot() {
    let json = full_export(&MemoryDir::new()).unwrap();
    let text = String::from_utf8(json).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
    insta::assert_snapshot!("result_json", text);
}

#[test]
fn full_export_html_snapshot() {
    let dir = MemoryDir::new();
    full_export(&dir).unwrap();
    for (path, bytes) in dir.files() {
        if path.ends_with(".html") {
            check_html(&String::from_utf8(bytes).unwrap())
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    insta::assert_snapshot!("html_pages", html_listing(&dir));
}

#[test]
fn the_same_model_gives_the_same_bytes() {
    let (dir1, dir2) = (MemoryDir::new(), MemoryDir::new());
    assert_eq!(full_export(&dir1).unwrap(), full_export(&dir2).unwrap());
    assert_eq!(dir1.files(), dir2.files());
}

#[test]
fn a_real_directory_gets_the_same_files() {
    let memory = MemoryDir::new();
    full_export(&memory).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    full_export(&super::layout::FsDir::new(tmp.path())).unwrap();
    for (path, bytes) in memory.files() {
        assert_eq!(
            std::fs::read(tmp.path().join(&path)).unwrap(),
            bytes,
            "{path}"
        );
    }
    let leftovers: Vec<_> = walk(tmp.path())
        .into_iter()
        .filter(|p| p.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Every file under `root`, as strings.
fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn other_data_edge_cases() {
    let mut json = JsonWriter::new(Vec::new(), utc(), false);
    json.start().unwrap();
    json.write_other_data(b"  \n").unwrap();
    assert!(json.write_other_data(b"{not json").is_err());
    assert!(json.write_other_data(b"42").is_err());
    json.write_other_data(b"[1e400, -0.5, 18446744073709551615]")
        .unwrap_err();
    json.write_other_data(b"[-0.5, 18446744073709551615]")
        .unwrap();
    let text = String::from_utf8(json.finish().unwrap()).unwrap();
    assert!(
        text.ends_with("\"other_data\": [\n  -0.500000,\n  18446744073709551615.000000\n ]\n}"),
        "{text}"
    );
}

#[test]
fn single_chat_export() {
    let tz = utc();
    let dir = MemoryDir::new();
    let (chat, messages) = personal_chat(&tz, "");
    let mut json = JsonWriter::new(Vec::new(), tz.clone(), true);
    let mut html = HtmlWriter::new(&dir, tz, true);
    json.start().unwrap();
    json.start_chat(&chat).unwrap();
    html.start_chat(&chat).unwrap();
    json.write_messages(&messages).unwrap();
    html.write_messages(&messages).unwrap();
    json.end_chat().unwrap();
    html.end_chat().unwrap();
    html.finish().unwrap();
    let text = String::from_utf8(json.finish().unwrap()).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
    let files: Vec<String> = dir.files().into_keys().collect();
    assert_eq!(files, ["css/style.css", "js/script.js", "messages.html"]);
    insta::assert_snapshot!("single_chat_json", text);
}

#[test]
fn migrated_history_gets_negative_ids() {
    let (_, messages) = group_chat(&utc(), "chats/chat_1/");
    let ids: Vec<i64> = messages.iter().take(4).map(|m| m.id).collect();
    assert_eq!(
        ids,
        [-999_999_999, -999_999_998, -999_999_997, -999_999_996]
    );
    let replies: Vec<_> = messages[2..4]
        .iter()
        .map(|m| m.reply_to.clone().unwrap())
        .collect();
    assert_eq!(replies[0].message_id, -999_999_998);
    assert_eq!(
        (replies[1].message_id, replies[1].peer),
        (4, Some(PeerId::Channel(GROUP)))
    );
}

#[test]
fn document_names_collide_deterministically() {
    let (_, messages) = group_chat(&utc(), "chats/chat_1/");
    let paths: Vec<String> = messages
        .iter()
        .filter_map(|m| match &m.media {
            crate::export::model::media::Media::Document(d) => Some(d.file.path.clone()),
            _ => None,
        })
        .collect();
    assert!(paths.contains(&"chats/chat_1/files/report.pdf".to_owned()));
    assert!(paths.contains(&"chats/chat_1/files/report (1).pdf".to_owned()));
    assert!(paths.contains(&"chats/chat_1/video_files/video_1@10-03-2024_14-18-09.mp4".to_owned()));
    assert!(
        paths.contains(&"chats/chat_1/voice_messages/audio_1@10-03-2024_14-19-09.ogg".to_owned())
    );
}

#[test]
fn html_paging_splits_at_1000_and_links_replies() {
    let tz = utc();
    let dir = MemoryDir::new();
    let chat = ChatInfo {
        id: PeerId::User(ALICE),
        name: "Alice".into(),
        last_name: String::new(),
        dialog_type: DialogType::Personal,
        is_left: false,
        folder: "chats/chat_1/".into(),
    };
    let mut html = HtmlWriter::new(&dir, tz.clone(), false);
    html.start_chat(&chat).unwrap();
    let mut ctx = ChatContext::new(&chat.folder, tz);
    let peers = Peers::from_tl(&users(), &chats());
    for chunk in (1..=2500).collect::<Vec<i32>>().chunks(100) {
        let page: Vec<Message> = chunk
            .iter()
            .map(|&id| {
                let reply = (id == 2100).then(|| {
                    enums::MessageReplyHeader::MessageReplyHeader(types::MessageReplyHeader {
                        reply_to_msg_id: Some(5),
                        ..Default::default()
                    })
                });
                let tl = enums::Message::Message(types::Message {
                    reply_to: reply,
                    ..msg(id, ALICE, "x")
                });
                message(&mut ctx, &peers, &tl, false)
            })
            .collect();
        html.write_messages(&page).unwrap();
    }
    html.end_chat().unwrap();
    html.finish().unwrap();
    let page =
        |name: &str| String::from_utf8(dir.get(&format!("chats/chat_1/{name}")).unwrap()).unwrap();
    let (p1, p2, p3) = (
        page("messages.html"),
        page("messages2.html"),
        page("messages3.html"),
    );
    assert!(dir.get("chats/chat_1/messages4.html").is_none());
    assert_eq!(p1.matches("class=\"message default").count(), 1000);
    assert_eq!(p3.matches("class=\"message default").count(), 500);
    assert!(
        p1.contains("href=\"messages2.html\">Next messages") && !p1.contains("Previous messages")
    );
    assert!(
        p2.contains("href=\"messages.html\">Previous")
            && p2.contains("href=\"messages3.html\">Next")
    );
    assert!(!p3.contains("Next messages"));
    assert!(p3.contains("href=\"messages.html#go_to_message5\""));
    assert!(
        String::from_utf8(dir.get("lists/chats.html").unwrap())
            .unwrap()
            .contains("2500 messages")
    );
}

/// Counts bytes without keeping them.
#[derive(Clone, Default)]
struct Counter(std::rc::Rc<std::cell::Cell<u64>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len() as u64);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl OutputFile for Counter {
    fn finish(self: Box<Self>) -> io::Result<()> {
        Ok(())
    }
}

/// An output directory that only counts.
struct CountingDir(Counter, std::cell::Cell<usize>);

impl OutputDir for CountingDir {
    fn create(&self, _relative: &str) -> io::Result<Box<dyn OutputFile>> {
        self.1.set(self.1.get() + 1);
        Ok(Box::new(self.0.clone()))
    }
}

#[test]
fn streams_100k_messages_page_by_page() {
    let tz = utc();
    let json_bytes = Counter::default();
    let dir = CountingDir(Counter::default(), std::cell::Cell::new(0));
    let mut json = JsonWriter::new(json_bytes.clone(), tz.clone(), false);
    let mut html = HtmlWriter::new(&dir, tz.clone(), false);
    let peers = Peers::from_tl(&users(), &chats());
    let (chat, _) = personal_chat(&tz, "chats/chat_1/");
    let mut ctx = ChatContext::new(&chat.folder, tz);
    json.start().unwrap();
    json.start_chat(&chat).unwrap();
    html.start_chat(&chat).unwrap();
    for start in (1..=100_000).step_by(100) {
        // Generated on the fly: only one page is alive at a time.
        let page: Vec<Message> = (start..start + 100)
            .map(|id| {
                message(
                    &mut ctx,
                    &peers,
                    &enums::Message::Message(msg(id, ALICE, "small")),
                    false,
                )
            })
            .collect();
        json.write_messages(&page).unwrap();
        html.write_messages(&page).unwrap();
    }
    json.end_chat().unwrap();
    html.end_chat().unwrap();
    html.finish().unwrap();
    json.finish().unwrap();
    assert!(json_bytes.0.get() > 100_000 * 100);
    // 100 message pages, the chats list, the index, css and js.
    assert_eq!(dir.1.get(), 104);
}

/// A strict check of our HTML: known tags only, balanced, quoted attributes,
/// no raw `<`, `>` or stray `&` in text or attribute values.
fn check_html(text: &str) -> Result<(), String> {
    const TAGS: &[&str] = &[
        "html",
        "head",
        "meta",
        "title",
        "link",
        "script",
        "body",
        "div",
        "a",
        "span",
        "img",
        "strong",
        "em",
        "u",
        "s",
        "code",
        "pre",
        "blockquote",
        "br",
        "table",
        "tbody",
        "tr",
        "td",
    ];
    const VOID: &[&str] = &["meta", "link", "img", "br"];
    let mut rest = text.strip_prefix("<!DOCTYPE html>\n").ok_or("no doctype")?;
    let mut stack: Vec<&str> = Vec::new();
    let check_text = |t: &str| -> Result<(), String> {
        if t.contains('>') {
            return Err(format!("raw > in {t:?}"));
        }
        for (i, _) in t.match_indices('&') {
            let tail = &t[i..];
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| tail.starts_with(e))
            {
                return Err(format!("stray & in {t:?}"));
            }
        }
        Ok(())
    };
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt])?;
        rest = &rest[lt + 1..];
        let closing = rest.starts_with('/');
        if closing {
            rest = &rest[1..];
        }
        let name_end = rest
            .find(|c: char| !c.is_ascii_lowercase())
            .ok_or("eof in tag")?;
        let name = &rest[..name_end];
        if !TAGS.contains(&name) {
            return Err(format!(
                "unknown tag {name:?} before {:?}",
                &rest[..rest.len().min(40)]
            ));
        }
        rest = &rest[name_end..];
        loop {
            rest = rest.trim_start_matches(' ');
            if let Some(r) = rest.strip_prefix("/>").or_else(|| rest.strip_prefix('>')) {
                rest = r;
                break;
            }
            let eq = rest.find("=\"").ok_or("bad attribute")?;
            let attr = &rest[..eq];
            if attr.is_empty() || !attr.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                return Err(format!("bad attribute name {attr:?}"));
            }
            rest = &rest[eq + 2..];
            let end = rest.find('"').ok_or("unterminated attribute")?;
            let value = &rest[..end];
            if value.contains('<') {
                return Err(format!("raw < in attribute {value:?}"));
            }
            check_text(value)?;
            rest = &rest[end + 1..];
        }
        if closing {
            if stack.pop() != Some(name) {
                return Err(format!("unbalanced </{name}>"));
            }
        } else if !VOID.contains(&name) {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

/// An entity of kind `kind` (mod 12) over `offset..offset + length`.
fn entity(kind: u8, offset: i32, length: i32, extra: &str) -> enums::MessageEntity {
    use enums::MessageEntity as E;
    let (o, l) = (offset, length);
    match kind % 12 {
        0 => E::Bold(types::MessageEntityBold {
            offset: o,
            length: l,
        }),
        1 => E::Italic(types::MessageEntityItalic {
            offset: o,
            length: l,
        }),
        2 => E::TextUrl(types::MessageEntityTextUrl {
            offset: o,
            length: l,
            url: extra.into(),
        }),
        3 => E::Pre(types::MessageEntityPre {
            offset: o,
            length: l,
            language: extra.into(),
        }),
        4 => E::CustomEmoji(types::MessageEntityCustomEmoji {
            offset: o,
            length: l,
            document_id: 5,
        }),
        5 => E::MentionName(types::MessageEntityMentionName {
            offset: o,
            length: l,
            user_id: ALICE,
        }),
        6 => E::Blockquote(types::MessageEntityBlockquote {
            collapsed: true,
            offset: o,
            length: l,
        }),
        7 => E::Url(types::MessageEntityUrl {
            offset: o,
            length: l,
        }),
        8 => E::Spoiler(types::MessageEntitySpoiler {
            offset: o,
            length: l,
        }),
        9 => E::Mention(types::MessageEntityMention {
            offset: o,
            length: l,
        }),
        10 => E::Email(types::MessageEntityEmail {
            offset: o,
            length: l,
        }),
        _ => E::Code(types::MessageEntityCode {
            offset: o,
            length: l,
        }),
    }
}

proptest! {
    #[test]
    fn text_parts_keep_every_utf16_unit(
        text in tl::random::strategy::<String>(1),
        spans in proptest::collection::vec((any::<u8>(), 0u16..40, 0u16..40), 0..8),
    ) {
        let len = text.encode_utf16().count() as i32;
        let entities: Vec<_> = spans
            .iter()
            .map(|&(kind, o, l)| entity(kind, i32::from(o) % (len + 1), i32::from(l), "x"))
            .collect();
        let parts = crate::export::convert::text_parts(&text, &entities);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        prop_assert_eq!(joined.encode_utf16().count() as i32, len);
        prop_assert!(parts.iter().all(|p| !p.text.is_empty()));
    }

    #[test]
    fn random_messages_write_valid_json_and_escaped_html(
        tl_messages in proptest::collection::vec(tl::random::strategy::<enums::Message>(4), 1..6),
        texts in proptest::collection::vec(tl::random::strategy::<String>(1), 6),
        spans in proptest::collection::vec((any::<u8>(), 0u16..30, 1u16..30), 0..6),
        migrated in any::<bool>(),
    ) {
        let tz = utc();
        let peers = Peers::from_tl(&users(), &chats());
        let mut ctx = ChatContext::new("chats/chat_1/", tz.clone());
        // Random text with entities that fall inside it, so entity kinds,
        // links and escaping are exercised (random offsets rarely fit).
        let tl_messages: Vec<enums::Message> = tl_messages
            .into_iter()
            .zip(&texts)
            .map(|(m, text)| match m {
                enums::Message::Message(mut m) => {
                    m.message = text.clone();
                    m.entities = Some(
                        spans.iter().map(|&(k, o, l)| entity(k, i32::from(o), i32::from(l), text)).collect(),
                    );
                    enums::Message::Message(m)
                }
                other => other,
            })
            .collect();
        let mut messages: Vec<Message> = tl_messages
            .iter()
            .map(|m| message(&mut ctx, &peers, m, migrated))
            .collect();
        settle_files(&mut messages);
        for m in &messages {
            for part in &m.text {
                prop_assert!(!part.text.is_empty());
            }
        }
        let chat = peers.chat_info(PeerId::Channel(GROUP), "chats/chat_1/", false);
        let write = || -> (Vec<u8>, MemoryDir) {
            let dir = MemoryDir::new();
            let mut json = JsonWriter::new(Vec::new(), tz.clone(), false);
            let mut html = HtmlWriter::new(&dir, tz.clone(), false);
            json.start().unwrap();
            json.start_chat(&chat).unwrap();
            html.start_chat(&chat).unwrap();
            json.write_messages(&messages).unwrap();
            html.write_messages(&messages).unwrap();
            json.end_chat().unwrap();
            html.end_chat().unwrap();
            html.finish().unwrap();
            (json.finish().unwrap(), dir)
        };
        let (json1, dir1) = write();
        let (json2, dir2) = write();
        prop_assert_eq!(&json1, &json2);
        prop_assert_eq!(dir1.files(), dir2.files());
        let value: serde_json::Value = serde_json::from_slice(&json1)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&json1))))?;
        let written = value["chats"]["list"][0]["messages"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(written, messages.len());
        for (path, bytes) in dir1.files() {
            if path.ends_with(".html") {
                let text = String::from_utf8(bytes).unwrap();
                prop_assert!(check_html(&text).is_ok(), "{}: {:?}", path, check_html(&text));
            }
        }
        for m in &mut messages {
            for file in m.files_mut() {
                prop_assert!(!matches!(file.status, FileStatus::Pending));
            }
        }
    }
}
