//! One message object of `result.json` (docs/export-format.md#messages), keys in
//! tdesktop's order: `id`, `type`, dates, the action's keys (service) or the
//! sender and forward keys (regular), the media keys, `text`,
//! `text_entities`, `inline_bot_buttons`, `reactions`.

use base64::Engine as _;

use crate::export::json::action::write_action;
use crate::export::json::media::write_media;
use crate::export::json::out::JsonOut;
use crate::export::json::parts::{emoji_value, write_peer, write_reply, write_text};
use crate::export::model::media::Media;
use crate::export::model::{ButtonData, Message, MessageKind, ReactionKind};
use crate::export::time::TimeZone;

/// Writes `m` as the current value of `o`.
pub fn write_message(o: &mut JsonOut, m: &Message, tz: &dyn TimeZone) {
    o.open_object();
    o.field_num("id", m.id);
    if matches!(m.media, Media::Unsupported) {
        o.field_plain("type", "unsupported");
        o.close();
        return;
    }
    let action = m.action();
    o.field_plain(
        "type",
        if action.is_some() {
            "service"
        } else {
            "message"
        },
    );
    o.field_date("date", m.date, tz);
    if m.edited != 0 {
        o.field_date("edited", m.edited, tz);
    }
    match action {
        Some(action) => write_action(o, m, action),
        None if m.kind == MessageKind::Empty => {}
        None => write_origin(o, m),
    }
    write_media(o, &m.media, tz);
    o.key("text");
    write_text(o, &m.text, false);
    o.key("text_entities");
    write_text(o, &m.text, true);
    write_buttons(o, m);
    write_reactions(o, m, tz);
    o.close();
}

/// `from`, `author`, `forwarded_from`, `saved_from`, reply and `via_bot`.
fn write_origin(o: &mut JsonOut, m: &Message) {
    write_peer(o, "from", m.from.as_ref());
    o.field_str_opt("author", &m.signature);
    if let Some(fwd) = &m.forwarded {
        o.field_str_or_null("forwarded_from", fwd.name());
    }
    if let Some(saved) = &m.saved_from {
        o.field_str_or_null("saved_from", &saved.name);
    }
    write_reply(o, m, "reply_to_message_id");
    if !m.via_bot.is_empty() {
        o.field_str("via_bot", &format!("@{}", m.via_bot));
    }
}

/// `inline_bot_buttons`, if any.
fn write_buttons(o: &mut JsonOut, m: &Message) {
    if m.buttons.is_empty() {
        return;
    }
    o.key("inline_bot_buttons");
    o.open_array();
    for row in &m.buttons {
        o.item();
        o.open_array();
        for b in row {
            o.item();
            o.open_object();
            o.field_str("type", b.kind);
            o.field_str_opt("text", &b.text);
            match &b.data {
                ButtonData::None => {}
                ButtonData::Text(text) => o.field_str("data", text),
                ButtonData::Bytes(bytes) => {
                    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
                    o.field_str("dataBase64", &encoded);
                    o.field_str("data", "");
                }
            }
            o.field_str_opt("forward_text", &b.forward_text);
            o.field_num_opt("button_id", b.button_id);
            o.close();
        }
        o.close();
    }
    o.close();
}

/// `reactions`, if any (indented one level deeper, as tdesktop does).
fn write_reactions(o: &mut JsonOut, m: &Message, tz: &dyn TimeZone) {
    if m.reactions.is_empty() {
        return;
    }
    o.key("reactions");
    o.open_array_shifted();
    for r in &m.reactions {
        o.item();
        o.open_object();
        o.field_plain("type", r.kind.json_name());
        o.field_num("count", r.count);
        match &r.kind {
            ReactionKind::Emoji(emoji) => o.field_str("emoji", emoji),
            ReactionKind::CustomEmoji { document_id, file } => {
                o.field_str("document_id", &emoji_value(*document_id, file.as_ref()));
            }
            ReactionKind::Paid | ReactionKind::Empty => {}
        }
        if !r.recent.is_empty() {
            o.key("recent");
            o.open_array();
            for recent in &r.recent {
                o.item();
                o.open_object();
                o.field_str_or_null("from", &recent.from.name);
                o.field_peer_id("from_id", recent.from.id);
                o.key("date");
                o.date(recent.date, tz);
                o.close();
            }
            o.close();
        }
        o.close();
    }
    o.close();
}
