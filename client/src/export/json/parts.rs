//! The keys a message and a service message share: a peer with its name,
//! the reply, the text (docs/export-format.md#messages).

use crate::export::json::out::JsonOut;
use crate::export::model::file::{FileRef, FileStatus, SkipReason};
use crate::export::model::{Message, Peer, TextKind, TextPart};

/// `<key>` with the peer's name (or `null`) and `<key>_id`.
pub fn write_peer(o: &mut JsonOut, key: &str, peer: Option<&Peer>) {
    if let Some(peer) = peer {
        o.field_str_or_null(key, &peer.name);
        o.key_suffixed(key, "_id");
        o.peer_id(peer.id);
    }
}

/// The reply id under `key`, and `reply_to_peer_id` for cross-chat replies.
pub fn write_reply(o: &mut JsonOut, m: &Message, key: &str) {
    if let Some(reply) = &m.reply_to {
        o.field_num(key, reply.message_id);
        if let Some(peer) = reply.peer {
            o.field_peer_id("reply_to_peer_id", peer);
        }
    }
}

/// `text` (`objects == false`: a string when it is one plain run or empty,
/// else an array mixing strings and entity objects) or `text_entities`
/// (`objects == true`: always an array of objects, `[]` when empty).
pub fn write_text(o: &mut JsonOut, parts: &[TextPart], objects: bool) {
    if parts.is_empty() {
        if objects {
            o.raw("[]");
        } else {
            o.string("");
        }
        return;
    }
    if !objects && parts.len() == 1 && parts[0].kind == TextKind::Plain {
        o.string(&parts[0].text);
        return;
    }
    o.open_array();
    for part in parts {
        o.item();
        if !objects && part.kind == TextKind::Plain {
            o.string(&part.text);
            continue;
        }
        o.open_object();
        o.field_plain("type", part.kind.json_name());
        o.field_str("text", &part.text);
        match &part.kind {
            TextKind::Pre { language } => o.field_str("language", language),
            TextKind::TextLink { href } => o.field_str("href", href),
            TextKind::MentionName { user_id } => o.field_num("user_id", *user_id),
            TextKind::CustomEmoji { document_id, file } => {
                o.field_str("document_id", &emoji_value(*document_id, file.as_ref()));
            }
            TextKind::Blockquote { collapsed } => o.field_bool("collapsed", *collapsed),
            _ => {}
        }
        o.close();
    }
    o.close();
}

/// A custom emoji's `document_id` value (docs/takeout.md#custom-emoji): the id until resolved, then
/// the path, `""` when skipped for type or size, or `(unavailable)`.
pub fn emoji_value(document_id: i64, file: Option<&FileRef>) -> String {
    match file.map(|f| &f.status) {
        None => document_id.to_string(),
        Some(FileStatus::Downloaded { path }) => path.clone(),
        Some(FileStatus::Skipped(SkipReason::FileSize | SkipReason::FileType)) => String::new(),
        Some(_) => "(unavailable)".to_owned(),
    }
}
