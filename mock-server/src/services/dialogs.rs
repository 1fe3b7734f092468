//! `messages.getSplitRanges` and `messages.getDialogs`, and the model of
//! dialogs per split range.
//!
//! # Split ranges
//!
//! The ranges divide the ids of the **common message box** (private chats
//! and basic groups share one id sequence), ascending, the newest one open
//! up to `i32::MAX`. Inside `invokeWithMessagesRange(r, ...)`:
//!
//! - a private chat or basic group is a dialog of `r` when it has at least
//!   one message with an id in `r`; its top message is its newest message in
//!   `r`. A chat with messages in three ranges is listed in all three, which
//!   is how tdesktop learns which ranges to fetch its history from (a model
//!   where a chat only appears in the range of its overall top message would
//!   make its older messages unreachable);
//! - channels and supergroups have their own id sequences that the ranges do
//!   not divide: they are listed only in ranges reaching the end of the newest
//!   range (`max_id >= last range's max_id`, which is `i32::MAX` in practice),
//!   with their newest message, and their history ignores the range. This is
//!   why tdesktop can use "only the last split" when exporting channels only;
//! - a basic group that migrated to a supergroup keeps its own (common box)
//!   messages and dialog, listed in the ranges holding them; the supergroup
//!   is listed in the newest range.
//!
//! Without a range every dialog with a message is listed, with its newest
//! message. Dialogs without any message in the range are never listed.
//!
//! # Order and paging
//!
//! Dialogs are ordered newest first by their top message's `(date, id)`,
//! then by peer, a total order (pinned dialogs keep their flag but are not
//! moved up, so paging stays exact). Offsets all zero start at the top;
//! otherwise the page starts after `(offset_date, offset_id, offset_peer)`.
//! `folder_id`, when given, keeps only that folder (0 = the main list); when
//! omitted, every folder is listed (the takeout wants archived chats too).
//! The answer is `messages.dialogs` when the first page holds every dialog,
//! else `messages.dialogsSlice` with the range's total `count`.

use std::borrow::Cow;
use std::cmp::Reverse;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tl::{enums, functions, types};

use super::{Call, Mentions, RpcResult, clamp_limit, resolve_peer};
use crate::world::PeerKey;

/// The most dialogs one page holds.
pub const MAX_PAGE: usize = 100;

/// `messages.getSplitRanges`.
pub fn get_split_ranges(
    call: &mut Call<'_, '_>,
    _: functions::messages::GetSplitRanges,
) -> RpcResult<Vec<enums::MessageRange>> {
    Ok(call.db.world().split_ranges.clone())
}

/// One listed dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry {
    date: i32,
    top_id: i32,
    key: PeerKey,
    dialog: usize,
    top: usize,
}

/// The newest message of `peer` visible in the call's range (position in
/// the message store); `tops` is [`Index::range_tops`] of the range (a
/// common-box chat's top in it).
///
/// [`Index::range_tops`]: crate::world::Index::range_tops
fn top_message(
    call: &Call<'_, '_>,
    tops: Option<&HashMap<PeerKey, usize>>,
    key: PeerKey,
) -> Option<usize> {
    let db = call.db;
    match (key.in_common_box(), call.range) {
        (_, None) => db.history(key).last().copied(),
        (true, Some(_)) => tops?.get(&key).copied(),
        (false, Some((_, hi))) => (hi >= db.newest_range_end())
            .then(|| db.history(key).last().copied())
            .flatten(),
    }
}

/// Which list a call pages through: its range and folder.
type ListKey = (Option<(i32, i32)>, Option<i32>);

/// Dialog lists made lately, most recent last.
const CACHED_LISTS: usize = 32;

/// The dialog lists served lately, by range and folder: a client pages
/// through a list call after call (several lists at once, one per split
/// range), and making a list looks at every dialog of the world (most of
/// the mock's work while an account of hundreds of dialogs and thousands
/// of split ranges is listed). The world does not change while served, so
/// a kept list is the list.
#[derive(Default)]
pub(crate) struct ListCache(VecDeque<(ListKey, Arc<Vec<Entry>>)>);

impl ListCache {
    fn get(&self, key: ListKey) -> Option<Arc<Vec<Entry>>> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| l.clone())
    }

    fn put(&mut self, key: ListKey, list: Arc<Vec<Entry>>) {
        if self.0.len() >= CACHED_LISTS {
            self.0.pop_front();
        }
        self.0.push_back((key, list));
    }
}

/// [`listed`], from the [`ListCache`] when it was made lately.
fn listed_cached(call: &Call<'_, '_>, folder: Option<i32>) -> Arc<Vec<Entry>> {
    let key = (call.range, folder);
    if let Some(list) = call.shared().dialog_lists.get(key) {
        return list;
    }
    let list = Arc::new(listed(call, folder));
    call.shared().dialog_lists.put(key, list.clone());
    list
}

/// The dialogs listed for this call, newest first.
fn listed(call: &Call<'_, '_>, folder: Option<i32>) -> Vec<Entry> {
    let world = call.db.world();
    let msgs = call.db.messages();
    let tops = call.range.map(|(lo, hi)| call.db.range_tops(lo, hi));
    // A range short of the newest end lists only the common-box chats with
    // messages in it: those of its tops, not every dialog of the world.
    let only_tops = match (&tops, call.range) {
        (Some(tops), Some((_, hi))) if hi < call.db.newest_range_end() => Some(tops),
        _ => None,
    };
    let candidates: Cow<'_, [(PeerKey, usize)]> = match only_tops {
        Some(tops) => tops.keys().filter_map(|&k| call.db.dialog_of(k)).collect(),
        None => Cow::Borrowed(&call.db.dialogs),
    };
    let mut entries: Vec<Entry> = candidates
        .iter()
        .filter(|&&(_, d)| match (&world.dialogs[d], folder) {
            (enums::Dialog::Dialog(d), Some(f)) => d.folder_id.unwrap_or(0) == f,
            _ => true,
        })
        .filter_map(|&(key, dialog)| {
            let top = top_message(call, tops.as_ref(), key)?;
            Some(Entry {
                date: msgs.date(top),
                top_id: msgs.id(top),
                key,
                dialog,
                top,
            })
        })
        .collect();
    entries.sort_by_key(|&e| Reverse(e));
    entries
}

/// The input peer of a dialog, as a client would build it.
fn cursor_peer(call: &Call<'_, '_>, peer: &enums::InputPeer) -> RpcResult<Option<PeerKey>> {
    match peer {
        enums::InputPeer::Empty => Ok(None),
        p => resolve_peer(call, p).map(Some),
    }
}

/// A `messages.Dialogs` answer whose top messages are the message store's
/// TL bytes and whose chats and users are the world's own, encoded without
/// being copied: it serializes exactly as the owned answer would (a split's
/// list of a world with many ranges is some hundred dialogs, and every
/// split is listed).
pub struct DialogsAnswer<'a> {
    /// The total of a `messages.dialogsSlice`; `None` for `messages.dialogs`.
    count: Option<i32>,
    dialogs: Vec<enums::Dialog>,
    messages: Vec<&'a [u8]>,
    chats: Vec<&'a enums::Chat>,
    users: Vec<&'a enums::User>,
}

impl tl::Serializable for DialogsAnswer<'_> {
    fn serialize(&self, buf: &mut Vec<u8>) {
        use tl::Identifiable as _;
        match self.count {
            None => types::messages::Dialogs::CONSTRUCTOR_ID.serialize(buf),
            Some(count) => {
                types::messages::DialogsSlice::CONSTRUCTOR_ID.serialize(buf);
                count.serialize(buf);
            }
        }
        self.dialogs.serialize(buf);
        super::serialize_encoded_vector(&self.messages, buf);
        super::serialize_vector(self.chats.iter().copied(), buf);
        super::serialize_vector(self.users.iter().copied(), buf);
    }
}

/// `messages.getDialogs` (see the module docs for the model).
pub fn get_dialogs<'a>(
    call: &mut Call<'a, '_>,
    req: functions::messages::GetDialogs,
) -> RpcResult<DialogsAnswer<'a>> {
    let all = listed_cached(call, req.folder_id);
    let offset_peer = cursor_peer(call, &req.offset_peer)?;
    let first_page = req.offset_date == 0 && req.offset_id == 0 && offset_peer.is_none();
    let start = if first_page {
        0
    } else {
        let or_max = |v: i32| if v == 0 { i32::MAX } else { v };
        let cursor = (or_max(req.offset_date), or_max(req.offset_id), offset_peer);
        all.iter()
            .position(|e| (e.date, e.top_id, Some(e.key)) < cursor)
            .unwrap_or(all.len())
    };
    let limit = clamp_limit(req.limit, MAX_PAGE);
    let page = &all[start..(start + limit).min(all.len())];

    let db: &'a super::Index = call.db;
    let world = db.world();
    let store = db.messages();
    let mut mentions = Mentions::default();
    let mut dialogs = Vec::with_capacity(page.len());
    let mut messages = Vec::with_capacity(page.len());
    for e in page {
        let mut dialog = world.dialogs[e.dialog].clone();
        if let enums::Dialog::Dialog(d) = &mut dialog {
            d.top_message = e.top_id;
        }
        dialogs.push(dialog);
        // Decoded only to learn whom it mentions.
        let m = store.get(e.top).ok_or_else(super::history::damaged)?;
        mentions.add(e.key);
        mentions.message(&m);
        messages.push(store.raw(e.top));
    }
    let (users, chats) = mentions.resolve_borrowed(db);
    let whole = first_page && page.len() == all.len();
    Ok(DialogsAnswer {
        count: (!whole).then(|| i32::try_from(all.len()).unwrap_or(i32::MAX)),
        dialogs,
        messages,
        chats,
        users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_cache_keeps_the_latest_lists() {
        let list = |n: i32| {
            Arc::new(vec![Entry {
                date: n,
                top_id: n,
                key: PeerKey::User(1),
                dialog: 0,
                top: 0,
            }])
        };
        let mut cache = ListCache::default();
        for n in 0..CACHED_LISTS as i32 + 2 {
            cache.put((Some((n, n + 10)), None), list(n));
        }
        assert_eq!(cache.0.len(), CACHED_LISTS);
        // The two oldest went; the others are found by range and folder.
        assert!(cache.get((Some((0, 10)), None)).is_none());
        assert!(cache.get((Some((1, 11)), None)).is_none());
        assert_eq!(cache.get((Some((2, 12)), None)), Some(list(2)));
        assert!(cache.get((Some((2, 12)), Some(1))).is_none());
        assert!(cache.get((None, None)).is_none());
    }
}
