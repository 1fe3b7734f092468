//! TL → export model: the only module that knows both (docs/architecture.md#layers).
//!
//! Follows tdesktop's parsing (docs/takeout.md#history for migrated ids,
//! docs/export-format.md#file-names, docs/export-format.md#messages for message fields and text entities). Media, service actions and the
//! non-chat sections are in `media`, `action` and [`sections`]; the
//! per-chat state in `context`.
//!
//! Nothing here panics on any TL input: unknown peers get empty names,
//! out-of-range entities are dropped, ids are widened to `i64` before the
//! migrated-history shift.

mod action;
mod context;
mod document;
mod media;
mod peers;
pub mod sections;
mod text;

use tl::enums;

use crate::export::convert::action::action;
use crate::export::convert::media::media;
use crate::export::convert::text::{buttons, reactions};
use crate::export::model::{Forwarded, Message, MessageKind, PeerId, ReplyTo};

pub use crate::export::convert::context::ChatContext;
pub use crate::export::convert::peers::{PeerData, Peers, peer_id};
pub use crate::export::convert::text::text_parts;

/// Message ids of pre-migration history are shifted by this (docs/takeout.md#history).
pub const MIGRATED_ID_SHIFT: i64 = -1_000_000_000;

/// Converts one page of `messages.getHistory` / `messages.search`: the
/// messages in ascending order (the API answers newest first, docs/takeout.md#history), with
/// ids shifted when the page comes from pre-migration history.
pub fn messages_page(
    ctx: &mut ChatContext,
    page: &enums::messages::Messages,
    migrated: bool,
) -> Vec<Message> {
    messages_page_with(ctx, page, &Peers::from_messages(page), migrated)
}

/// [`messages_page`] with the page's peers given (they may come from an
/// earlier page with the same `chats` and `users`).
pub fn messages_page_with(
    ctx: &mut ChatContext,
    page: &enums::messages::Messages,
    peers: &Peers,
    migrated: bool,
) -> Vec<Message> {
    let list: &[enums::Message] = match page {
        enums::messages::Messages::Messages(m) => &m.messages,
        enums::messages::Messages::Slice(m) => &m.messages,
        enums::messages::Messages::ChannelMessages(m) => &m.messages,
        enums::messages::Messages::NotModified(_) => &[],
    };
    list.iter()
        .rev()
        .map(|m| message(ctx, peers, m, migrated))
        .collect()
}

/// Converts one message; `migrated` shifts its id (and a same-chat reply
/// id) by [`MIGRATED_ID_SHIFT`].
pub fn message(
    ctx: &mut ChatContext,
    peers: &Peers,
    tl: &enums::Message,
    migrated: bool,
) -> Message {
    let shift = if migrated { MIGRATED_ID_SHIFT } else { 0 };
    let mut result = match tl {
        enums::Message::Empty(m) => {
            let mut result = Message::new(i64::from(m.id) + shift, 0);
            result.kind = MessageKind::Empty;
            return result;
        }
        enums::Message::Message(m) => {
            let mut result = common(peers, m.id, m.date, m.out, &m.peer_id, &m.from_id);
            result.reply_to = reply_to(&m.reply_to, &m.peer_id);
            regular(ctx, peers, m, &mut result);
            result
        }
        enums::Message::Service(m) => {
            let mut result = common(peers, m.id, m.date, m.out, &m.peer_id, &m.from_id);
            result.reply_to = reply_to(&m.reply_to, &m.peer_id);
            if let Some(action) = action(ctx, peers, &m.action, i64::from(m.date)) {
                result.kind = MessageKind::Service(action);
            }
            result.reactions = reactions(peers, m.reactions.as_ref());
            result
        }
    };
    result.id += shift;
    if let Some(reply) = &mut result.reply_to {
        if reply.peer.is_none() {
            reply.message_id += shift;
        }
    }
    result
}

/// The fields every non-empty message has.
fn common(
    peers: &Peers,
    id: i32,
    date: i32,
    out: bool,
    peer: &enums::Peer,
    from: &Option<enums::Peer>,
) -> Message {
    let mut result = Message::new(i64::from(id), i64::from(date));
    result.out = out;
    let from = from.as_ref().map_or_else(|| peer_id(peer), peer_id);
    result.from = Some(peers.peer(from));
    result
}

/// The replied message, dropping the peer when it is this chat.
fn reply_to(header: &Option<enums::MessageReplyHeader>, chat: &enums::Peer) -> Option<ReplyTo> {
    let Some(enums::MessageReplyHeader::MessageReplyHeader(h)) = header else {
        return None;
    };
    let message_id = i64::from(h.reply_to_msg_id.filter(|&id| id != 0)?);
    let chat = peer_id(chat);
    let peer = h
        .reply_to_peer_id
        .as_ref()
        .map(peer_id)
        .filter(|&p| p != chat);
    Some(ReplyTo { message_id, peer })
}

/// The fields of a regular message.
fn regular(ctx: &mut ChatContext, peers: &Peers, m: &tl::types::Message, result: &mut Message) {
    result.edited = m.edit_date.map_or(0, i64::from);
    if let Some(enums::MessageFwdHeader::MessageFwdHeader(fwd)) = &m.fwd_from {
        let from = fwd.from_id.as_ref().map(|p| peers.peer(peer_id(p)));
        let from_name = fwd.from_name.clone().unwrap_or_default();
        if from.is_some() || !from_name.is_empty() {
            result.forwarded = Some(Forwarded {
                from,
                from_name,
                date: i64::from(fwd.date),
            });
        }
        result.saved_from = fwd.saved_from_peer.as_ref().map(|p| peers.peer(peer_id(p)));
    }
    result.signature = m.post_author.clone().unwrap_or_default();
    if let Some(bot) = m.via_bot_id {
        result.via_bot = peers.username(PeerId::User(bot));
    }
    if let Some(tl_media) = &m.media {
        // The game's bot: the inline bot, else a forwarded user, else the
        // sender (tdesktop's `context.botId`).
        let bot = m
            .via_bot_id
            .map(PeerId::User)
            .or_else(|| match result.forwarded.as_ref()?.from.as_ref()?.id {
                id @ PeerId::User(_) => Some(id),
                _ => None,
            })
            .or_else(|| result.from.as_ref().map(|p| p.id));
        result.media = media(ctx, peers, tl_media, result.date, bot, m.out);
    }
    let entities = m.entities.as_deref().unwrap_or_default();
    result.text = text_parts(&m.message, entities);
    result.buttons = buttons(m.reply_markup.as_ref());
    result.reactions = reactions(peers, m.reactions.as_ref());
}
