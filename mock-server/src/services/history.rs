//! Message history: `messages.getHistory`, `messages.search`,
//! `messages.getMessages` and `messages.getCustomEmojiDocuments`.
//!
//! Paging follows Telegram: the list is newest first; `offset_id` (and/or
//! `offset_date`) selects the position of the first message older than it,
//! `add_offset` shifts that position (negative = towards newer messages) and
//! `limit` (at most 100) messages are returned from there. `max_id`/`min_id`
//! are exclusive id bounds. Inside `invokeWithMessagesRange` the common box
//! (private chats and basic groups) only shows ids within the range;
//! channels have their own ids and ignore it (see `dialogs`).
//!
//! The answer is `messages.messages` when it holds every matching message,
//! else `messages.messagesSlice` with the total `count`; channels always get
//! `messages.channelMessages`.

use std::borrow::Cow;
use std::ops::Range;

use tl::{enums, functions, types};

use super::{Call, Mentions, RpcError, RpcResult, clamp_limit, resolve_peer};
use crate::world::{Index, MessageStore, PeerKey, WorldError, message_is_from, message_text};

/// The most messages one page holds.
pub const MAX_PAGE: usize = 100;

/// The window `[pos + add_offset, pos + add_offset + limit)` of a list of
/// `len` items, clamped to the list.
pub fn window(len: usize, pos: usize, add_offset: i32, limit: usize) -> Range<usize> {
    let start = pos as i64 + i64::from(add_offset);
    let end = start + limit as i64;
    let clamp = |v: i64| v.clamp(0, len as i64) as usize;
    clamp(start)..clamp(end)
}

/// The id bounds `(lo, hi)` (inclusive) a request may see of `peer`.
fn id_bounds(call: &Call<'_, '_>, peer: PeerKey, max_id: i32, min_id: i32) -> (i32, i32) {
    let (mut lo, mut hi) = (1, i32::MAX);
    if let (true, Some((rmin, rmax))) = (peer.in_common_box(), call.range) {
        lo = lo.max(rmin);
        hi = hi.min(rmax);
    }
    if min_id > 0 {
        lo = lo.max(min_id.saturating_add(1));
    }
    if max_id > 0 {
        hi = hi.min(max_id - 1);
    }
    (lo, hi)
}

/// Positions in the message store of `peer`'s messages within `(lo, hi)`,
/// ascending by id.
fn visible<'a>(call: &Call<'a, '_>, peer: PeerKey, (lo, hi): (i32, i32)) -> &'a [usize] {
    let db = call.db;
    let h = db.history(peer);
    let msgs = db.messages();
    let start = h.partition_point(|&i| msgs.id(i) < lo);
    let end = h.partition_point(|&i| msgs.id(i) <= hi);
    h.get(start..end.max(start)).unwrap_or_default()
}

/// One page of `list` (positions ascending by id), newest first, and the
/// total.
fn page(
    call: &Call<'_, '_>,
    list: &[usize],
    offset_id: i32,
    offset_date: i32,
    add_offset: i32,
    limit: i32,
) -> Vec<usize> {
    let msgs = call.db.messages();
    let n = list.len();
    // Position (in newest-first order) of the first message older than the offset.
    let pos = if offset_date == 0 {
        if offset_id == 0 {
            0
        } else {
            n - list.partition_point(|&i| msgs.id(i) < offset_id)
        }
    } else {
        let older =
            |&i: &usize| (offset_id == 0 || msgs.id(i) < offset_id) && msgs.date(i) < offset_date;
        list.iter().rev().position(older).unwrap_or(n)
    };
    window(n, pos, add_offset, clamp_limit(limit, MAX_PAGE))
        .map(|j| list[n - 1 - j])
        .collect()
}

/// Builds a `messages.Messages` answer for a page of `peer`.
pub(crate) fn answer(
    call: &Call<'_, '_>,
    peer: Option<PeerKey>,
    page: Vec<enums::Message>,
    total: usize,
) -> enums::messages::Messages {
    let mut shell = shell(call, peer, page.iter(), page.len(), total);
    if let Some(lists) = lists_mut(&mut shell) {
        *lists.messages = page;
    }
    shell
}

/// The last four fields of `messages.messages`, `messages.messagesSlice`
/// and `messages.channelMessages` (api.tl), in their order.
struct Lists<'s> {
    messages: &'s mut Vec<enums::Message>,
    topics: &'s mut Vec<enums::ForumTopic>,
    chats: &'s mut Vec<enums::Chat>,
    users: &'s mut Vec<enums::User>,
}

/// The lists of `answer` (none in `messages.messagesNotModified`).
fn lists_mut(answer: &mut enums::messages::Messages) -> Option<Lists<'_>> {
    use enums::messages::Messages as M;
    macro_rules! lists {
        ($m:ident) => {
            Some(Lists {
                messages: &mut $m.messages,
                topics: &mut $m.topics,
                chats: &mut $m.chats,
                users: &mut $m.users,
            })
        };
    }
    match answer {
        M::Messages(m) => lists!(m),
        M::Slice(m) => lists!(m),
        M::ChannelMessages(m) => lists!(m),
        M::NotModified(_) => None,
    }
}

/// A `messages.Messages` answer whose messages are the TL bytes of the
/// message store (a page of history is answered without decoding or
/// copying TL objects): it serializes exactly as the owned answer
/// (`answer`) would.
pub struct PageAnswer<'a> {
    /// The answer with its four lists emptied: its encoding ends with four
    /// empty vectors.
    head: enums::messages::Messages,
    /// The messages' encodings (a corrupt message's is its own).
    messages: Vec<Cow<'a, [u8]>>,
    topics: Vec<enums::ForumTopic>,
    /// The world's own chats and users (or, from [`PageAnswer::from_shell`],
    /// the shell's), encoded without being copied.
    chats: Vec<Cow<'a, enums::Chat>>,
    users: Vec<Cow<'a, enums::User>>,
}

impl<'a> PageAnswer<'a> {
    /// The answer for the messages at `positions` of `store` (a page of
    /// `peer`), of `total` messages in all.
    pub(crate) fn new(
        call: &Call<'a, '_>,
        peer: Option<PeerKey>,
        store: &'a MessageStore,
        positions: &[usize],
        total: usize,
    ) -> RpcResult<Self> {
        // Decoded only to learn whom they mention.
        let decoded = positions
            .iter()
            .map(|&i| store.get(i).ok_or_else(damaged))
            .collect::<RpcResult<Vec<_>>>()?;
        // The shell without its lists: the peers are borrowed from the world.
        let mut mentions = Mentions::default();
        decoded.iter().for_each(|m| mentions.message(m));
        let (users, chats) = mentions.resolve_borrowed(call.db);
        let head = shell(call, peer, std::iter::empty(), decoded.len(), total);
        let corrupt = &call.db.world().server.corrupt_messages;
        let raw = positions
            .iter()
            .map(|&i| {
                let raw = store.raw(i);
                match peer {
                    Some(p) if corrupt.contains(&(p, store.id(i))) => Cow::Owned(corrupted(raw)),
                    _ => Cow::Borrowed(raw),
                }
            })
            .collect();
        let mut answer = Self::from_shell(head, raw);
        answer.chats = chats.into_iter().map(Cow::Borrowed).collect();
        answer.users = users.into_iter().map(Cow::Borrowed).collect();
        Ok(answer)
    }

    /// `head` (whose `messages` are ignored) holding the encoded `messages`.
    fn from_shell(mut head: enums::messages::Messages, messages: Vec<Cow<'a, [u8]>>) -> Self {
        let (mut topics, mut chats, mut users) = Default::default();
        if let Some(lists) = lists_mut(&mut head) {
            lists.messages.clear();
            topics = std::mem::take(lists.topics);
            chats = std::mem::take(lists.chats);
            users = std::mem::take(lists.users);
        }
        Self {
            head,
            messages,
            topics,
            chats: chats.into_iter().map(Cow::Owned).collect(),
            users: users.into_iter().map(Cow::Owned).collect(),
        }
    }
}

impl tl::Serializable for PageAnswer<'_> {
    fn to_bytes(&self) -> Vec<u8> {
        // A page of 100 messages is some tens of KiB.
        let mut buf = Vec::with_capacity(64 * 1024);
        self.serialize(&mut buf);
        buf
    }

    fn serialize(&self, buf: &mut Vec<u8>) {
        self.head.serialize(buf);
        if matches!(self.head, enums::messages::Messages::NotModified(_)) {
            return;
        }
        // The head ends with the four lists, empty (constructor id and
        // count, 8 bytes each): the lists go in their place.
        buf.truncate(buf.len() - 4 * 8);
        super::serialize_encoded_vector(&self.messages, buf);
        self.topics.serialize(buf);
        super::serialize_vector(self.chats.iter().map(|c| &**c), buf);
        super::serialize_vector(self.users.iter().map(|u| &**u), buf);
    }
}

/// A `messages.Messages` answer for a page of `len` messages of `peer`
/// with an empty `messages` vector: everything else (counts, and the chats
/// and users that `page` mentions).
fn shell<'m>(
    call: &Call<'_, '_>,
    peer: Option<PeerKey>,
    page: impl Iterator<Item = &'m enums::Message>,
    len: usize,
    total: usize,
) -> enums::messages::Messages {
    let mut mentions = Mentions::default();
    page.for_each(|m| mentions.message(m));
    let (users, chats) = mentions.resolve(call.db);
    let count = i32::try_from(total).unwrap_or(i32::MAX);
    if let Some(key @ PeerKey::Channel(_)) = peer {
        let pts = call.db.history(key).len() as i32 + 1;
        return types::messages::ChannelMessages {
            pts,
            count,
            chats,
            users,
            ..Default::default()
        }
        .into();
    }
    if len == total {
        types::messages::Messages {
            messages: Vec::new(),
            topics: Vec::new(),
            chats,
            users,
        }
        .into()
    } else {
        types::messages::MessagesSlice {
            count,
            chats,
            users,
            ..Default::default()
        }
        .into()
    }
}

/// The constructor id a corrupt message is sent with: in no layer of ours
/// (checked by a test), as an object of a newer layer would be.
pub const CORRUPT_ID: u32 = 0x0bad_c0de;

/// `message` (TL bytes) as an object of a layer the client does not know:
/// [`CORRUPT_ID`] in place of its constructor, its fields after.
fn corrupted(message: &[u8]) -> Vec<u8> {
    let mut bytes = CORRUPT_ID.to_le_bytes().to_vec();
    bytes.extend_from_slice(message.get(4..).unwrap_or_default());
    bytes
}

/// Every corrupt message of the world's `server` settings is a message of
/// the world.
pub(crate) fn check_corrupt(db: &Index) -> Result<(), WorldError> {
    for (i, &(peer, id)) in db.world().server.corrupt_messages.iter().enumerate() {
        if db.position(peer, id).is_none() {
            return Err(WorldError::new(
                format!("server.corrupt_messages.{i}"),
                format!("{peer} has no message {id}"),
            ));
        }
    }
    Ok(())
}

/// A stored message that does not decode (the index checked every one).
pub(crate) fn damaged() -> RpcError {
    RpcError::new(500, "INTERNAL_STORE_DAMAGED")
}

/// Left private channels refuse their history (tdesktop then searches).
fn check_readable(call: &Call<'_, '_>, peer: PeerKey) -> RpcResult<()> {
    match call.db.chat(peer) {
        Some(enums::Chat::ChannelForbidden(_)) => Err(RpcError::bad("CHANNEL_PRIVATE")),
        Some(enums::Chat::Channel(c)) if c.left && c.username.is_none() => {
            Err(RpcError::bad("CHANNEL_PRIVATE"))
        }
        _ => Ok(()),
    }
}

/// `messages.getHistory`.
pub fn get_history<'a>(
    call: &mut Call<'a, '_>,
    req: functions::messages::GetHistory,
) -> RpcResult<PageAnswer<'a>> {
    let peer = resolve_peer(call, &req.peer)?;
    check_readable(call, peer)?;
    let list = visible(call, peer, id_bounds(call, peer, req.max_id, req.min_id));
    let positions = page(
        call,
        list,
        req.offset_id,
        req.offset_date,
        req.add_offset,
        req.limit,
    );
    PageAnswer::new(call, Some(peer), call.db.messages(), &positions, list.len())
}

/// `messages.search` in one chat: by text (case-insensitive substring),
/// sender (`from_id`, e.g. `inputPeerSelf` for "only my messages") and date;
/// only `inputMessagesFilterEmpty` is supported.
pub fn search<'a>(
    call: &mut Call<'a, '_>,
    req: functions::messages::Search,
) -> RpcResult<PageAnswer<'a>> {
    let peer = resolve_peer(call, &req.peer)?;
    if !matches!(req.filter, enums::MessagesFilter::InputMessagesFilterEmpty) {
        return Err(RpcError::bad("SEARCH_FILTER_NOT_SUPPORTED"));
    }
    let from = match &req.from_id {
        Some(p) => Some(resolve_peer(call, p)?),
        None => None,
    };
    let me = call.me();
    let q = req.q.to_lowercase();
    let msgs = call.db.messages();
    let matches = |&i: &usize| {
        let Some(m) = msgs.get(i) else {
            return false;
        };
        let m = &m;
        let sender_ok = match from {
            None => true,
            Some(PeerKey::User(u)) if u == me => message_is_from(m, me),
            Some(key) => sender(m, me) == Some(key),
        };
        let date = msgs.date(i);
        sender_ok
            && (q.is_empty() || message_text(m).to_lowercase().contains(&q))
            && (req.min_date <= 0 || date >= req.min_date)
            && (req.max_date <= 0 || date <= req.max_date)
    };
    let list: Vec<usize> = visible(call, peer, id_bounds(call, peer, req.max_id, req.min_id))
        .iter()
        .copied()
        .filter(matches)
        .collect();
    let positions = page(call, &list, req.offset_id, 0, req.add_offset, req.limit);
    PageAnswer::new(call, Some(peer), msgs, &positions, list.len())
}

/// Who sent a message: `from_id`, or for private chats without one, the
/// account (outgoing) or the other user.
fn sender(m: &enums::Message, me: i64) -> Option<PeerKey> {
    let (out, from, peer) = match m {
        enums::Message::Message(m) => (m.out, m.from_id.as_ref(), &m.peer_id),
        enums::Message::Service(m) => (m.out, m.from_id.as_ref(), &m.peer_id),
        enums::Message::Empty(_) => return None,
    };
    match (from, PeerKey::from_peer(peer)) {
        (Some(f), _) => Some(PeerKey::from_peer(f)),
        (None, _) if out => Some(PeerKey::User(me)),
        (None, key @ PeerKey::User(_)) => Some(key),
        (None, key) => Some(key),
    }
}

/// `messages.getMessages`: messages of the common box by id (inside a range
/// only the range's); unknown ids give `messageEmpty`.
pub fn get_messages(
    call: &mut Call<'_, '_>,
    req: functions::messages::GetMessages,
) -> RpcResult<enums::messages::Messages> {
    let (lo, hi) = call.range.unwrap_or((1, i32::MAX));
    let msgs: Vec<enums::Message> = req
        .id
        .iter()
        .map(|input| {
            let id = match input {
                enums::InputMessage::Id(m) => m.id,
                _ => 0,
            };
            (lo..=hi)
                .contains(&id)
                .then(|| call.db.common_message(id))
                .flatten()
                .unwrap_or_else(|| types::MessageEmpty { id, peer_id: None }.into())
        })
        .collect();
    let total = msgs.len();
    Ok(answer(call, None, msgs, total))
}

/// `messages.getCustomEmojiDocuments`: the known documents, in request
/// order; unknown ids are left out.
pub fn get_custom_emoji(
    call: &mut Call<'_, '_>,
    req: functions::messages::GetCustomEmojiDocuments,
) -> RpcResult<Vec<enums::Document>> {
    Ok(req
        .document_id
        .iter()
        .filter_map(|&id| call.db.custom_emoji(id).cloned())
        .collect())
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
