//! The list of chats to export (docs/takeout.md#dialogs): split ranges,
//! the dialogs of every range (a few ranges paged at once) merged newest
//! range first as they arrive into one compact record per chat (its
//! peer, name, kind and the ranges it has messages in), migrated basic
//! groups merged into their supergroups as negative split indices, the
//! left channels, the type filter and the chat folders. No page of a
//! dialog list is kept once merged, so the memory is per chat, not per
//! range.

use std::collections::HashMap;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesOrdered;
use tl::{enums, functions, types};

use super::error::{TakeoutError, fatal};
use super::plan::{ExportPlan, Section};
use super::session::TakeoutInvoker;
use crate::export::convert::{Peers, peer_id};
use crate::export::model::{ChatInfo, DialogType, PeerId};
use crate::export::naming::chat_folder;

mod page;
use page::GetDialogsPage;

/// Pages of one dialog list or left-channel list we are willing to read.
const MAX_PAGES: usize = 100_000;
/// Split lists read at once per unit of `parallel`. A list's first page is
/// one small request, and a server answers a batch of them at once: with
/// few in flight, the server and the exporter wait on each other batch by
/// batch (on loopback, 16 lists in flight listed issue 16's 1,994-range
/// world in 1.8 s, 128 in 1.4 s).
const LISTS_PER_PARALLEL: usize = 32;
/// The most split lists read at once (each holds its chats until merged:
/// some hundred small records).
const MAX_LISTS: usize = 128;

/// How many split lists are read at once.
fn lists_in_flight(parallel: usize) -> usize {
    (parallel.max(1) * LISTS_PER_PARALLEL).min(MAX_LISTS)
}

/// One chat of the export.
#[derive(Clone, Debug)]
pub struct Dialog {
    /// Name, kind, folder.
    pub chat: ChatInfo,
    /// How to ask for its history.
    pub input: enums::InputPeer,
    /// The split ranges it has messages in, ascending; negative indices are
    /// the pre-migration history of `migrated_from` (`index + splits.len()`).
    pub splits: Vec<i32>,
    /// The basic group this supergroup was migrated from.
    pub migrated_from: Option<enums::InputPeer>,
    /// Only the account's own messages are exported.
    pub only_my: bool,
}

/// The chats of the export and the split ranges.
#[derive(Clone, Debug)]
pub struct DialogList {
    /// `messages.getSplitRanges` (one range `[1, i32::MAX]` if empty).
    pub splits: Vec<enums::MessageRange>,
    /// Chats first, then left channels, numbered in this order.
    pub dialogs: Vec<Dialog>,
}

/// A chat as listed, before the filter: one per peer, its splits merged.
struct Entry {
    peer: PeerId,
    input: enums::InputPeer,
    chat: ChatInfo,
    splits: Vec<i32>,
    migrated_to: Option<PeerId>,
}

/// One dialog of one split's list.
struct Listed {
    peer: PeerId,
    input: enums::InputPeer,
    chat: ChatInfo,
    migrated_to: Option<PeerId>,
}

/// The chats of the split lists merged so far, in first-seen order.
#[derive(Default)]
struct Merged {
    entries: Vec<Entry>,
    seen: HashMap<PeerId, usize>,
}

impl Merged {
    /// Adds the dialogs of split `index` (merged newest split first):
    /// a known peer gains the split, a new one is appended.
    fn add(&mut self, index: i32, listed: Vec<Listed>) {
        for l in listed {
            match self.seen.get(&l.peer) {
                Some(&at) => {
                    let splits = &mut self.entries[at].splits;
                    if !splits.contains(&index) {
                        splits.push(index);
                    }
                }
                None => {
                    self.seen.insert(l.peer, self.entries.len());
                    self.entries.push(Entry {
                        peer: l.peer,
                        input: l.input,
                        chat: l.chat,
                        splits: vec![index],
                        migrated_to: l.migrated_to,
                    });
                }
            }
        }
    }
}

/// Lists the chats `plan` exports.
pub async fn list(inv: &TakeoutInvoker, plan: &ExportPlan) -> Result<DialogList, TakeoutError> {
    let mut splits = inv
        .invoke(&functions::messages::GetSplitRanges {})
        .await
        .map_err(fatal)?;
    if splits.is_empty() {
        splits.push(
            types::MessageRange {
                min_id: 1,
                max_id: i32::MAX,
            }
            .into(),
        );
    }
    let n = splits.len();
    let only_last = [
        Section::PersonalChats,
        Section::BotChats,
        Section::PrivateGroups,
    ]
    .iter()
    .all(|s| !plan.has(*s));
    let first = if only_last { n - 1 } else { 0 };

    // The lists of a few splits at once (each split pages on its own),
    // merged newest split first as they arrive.
    let at_once = lists_in_flight(plan.settings.parallel);
    let mut merged = Merged::default();
    {
        let mut in_flight = FuturesOrdered::new();
        for index in (first..n).rev() {
            if in_flight.len() >= at_once {
                if let Some((index, listed)) = in_flight.next().await {
                    merged.add(index, listed?);
                }
            }
            in_flight.push_back(list_split(inv, &splits, index));
        }
        while let Some((index, listed)) = in_flight.next().await {
            merged.add(index, listed?);
        }
    }
    let Merged { entries, seen } = merged;
    let mut dialogs = filter_and_merge(entries, plan, n);

    let left = left_channels(inv).await?;
    let peers = Peers::from_tl(&[], &left);
    for chat in &left {
        let Some(id) = channel_id(chat) else { continue };
        let mut info = peers.chat_info(id, "", true);
        info.is_left = true;
        if seen.contains_key(&id) || !passes(plan, info.dialog_type) {
            continue;
        }
        dialogs.push(Dialog {
            chat: info,
            input: input_peer(id, &[], &left),
            splits: vec![n as i32 - 1],
            migrated_from: None,
            only_my: true,
        });
    }

    if let Some(wanted) = plan.settings.single_chat {
        let found = dialogs
            .into_iter()
            .find(|d| matches_id(d.chat.id, wanted))
            .ok_or(TakeoutError::ChatNotFound { id: wanted })?;
        dialogs = vec![found];
        dialogs[0].chat.folder = String::new();
    } else {
        let total = dialogs.len();
        for (i, d) in dialogs.iter_mut().enumerate() {
            d.chat.folder = chat_folder(i + 1, total);
        }
    }
    Ok(DialogList { splits, dialogs })
}

/// Whether the single-chat id `wanted` names `id`: a bare id, or the Bot
/// API forms `-<chat>` and `-100<channel>`.
fn matches_id(id: PeerId, wanted: i64) -> bool {
    const CHANNEL_SHIFT: i64 = 1_000_000_000_000;
    match id {
        PeerId::User(u) => u == wanted,
        PeerId::Chat(c) => c == wanted || c == wanted.saturating_neg(),
        PeerId::Channel(c) => c == wanted || c == wanted.saturating_neg() - CHANNEL_SHIFT,
    }
}

fn get_dialogs(
    offset_date: i32,
    offset_id: i32,
    offset_peer: enums::InputPeer,
    limit: i32,
) -> functions::messages::GetDialogs {
    functions::messages::GetDialogs {
        exclude_pinned: false,
        folder_id: None,
        offset_date,
        offset_id,
        offset_peer,
        limit,
        hash: 0,
    }
}

fn not_modified() -> TakeoutError {
    TakeoutError::Api(crate::rpc::InvocationError::Protocol(
        "unexpected messages.dialogsNotModified".into(),
    ))
}

/// Pages through the dialogs of one split (docs/takeout.md#dialogs "Paging
/// within a split"), keeping of each page only what the merge needs.
async fn list_split(
    inv: &TakeoutInvoker,
    splits: &[enums::MessageRange],
    index: usize,
) -> (i32, Result<Vec<Listed>, TakeoutError>) {
    let result = list_range(inv, &splits[index]).await;
    (i32::try_from(index).unwrap_or(i32::MAX), result)
}

/// [`list_split`] of one range.
async fn list_range(
    inv: &TakeoutInvoker,
    range: &enums::MessageRange,
) -> Result<Vec<Listed>, TakeoutError> {
    let mut listed = Vec::new();
    let (mut date, mut id, mut peer) = (0, 0, enums::InputPeer::Empty);
    for _ in 0..MAX_PAGES {
        let request = GetDialogsPage(get_dialogs(date, id, peer.clone(), 100));
        let page = inv.invoke_in_range(range, &request).await.map_err(fatal)?;
        if page.not_modified {
            return Err(not_modified());
        }
        let next = page
            .last
            .filter(|_| !page.complete)
            .map(|(last_peer, top, top_date)| {
                (
                    top_date,
                    top,
                    input_peer(last_peer, &page.users, &page.chats),
                )
            });
        listed.extend(page_dialogs(&page.dialogs, &page.users, &page.chats));
        let Some(next) = next else {
            return Ok(listed);
        };
        if next.0 == 0 || (next.0, next.1) == (date, id) && next.2 == peer {
            return Ok(listed);
        }
        (date, id, peer) = next;
    }
    Ok(listed)
}

/// The dialogs of one page with their names, kinds and input peers (dialog
/// folders skipped).
fn page_dialogs(
    list: &[enums::Dialog],
    users: &[enums::User],
    chats: &[enums::Chat],
) -> Vec<Listed> {
    let peers = Peers::from_tl(users, chats);
    list.iter()
        .filter_map(|dialog| {
            let enums::Dialog::Dialog(d) = dialog else {
                tracing::debug!("skipping a dialog folder");
                return None;
            };
            let id = peer_id(&d.peer);
            Some(Listed {
                peer: id,
                input: input_peer(id, users, chats),
                chat: peers.chat_info(id, "", false),
                migrated_to: migrated_to(id, chats),
            })
        })
        .collect()
}

/// The section a dialog type belongs to (docs/takeout.md#dialogs "Filtering").
fn section_of(kind: DialogType) -> Option<Section> {
    Some(match kind {
        DialogType::SavedMessages
        | DialogType::Replies
        | DialogType::VerificationCodes
        | DialogType::Personal => Section::PersonalChats,
        DialogType::Bot => Section::BotChats,
        DialogType::PrivateGroup | DialogType::PrivateSupergroup => Section::PrivateGroups,
        DialogType::PublicSupergroup => Section::PublicGroups,
        DialogType::PrivateChannel => Section::PrivateChannels,
        DialogType::PublicChannel => Section::PublicChannels,
        DialogType::Unknown => return None,
    })
}

fn passes(plan: &ExportPlan, kind: DialogType) -> bool {
    section_of(kind).is_some_and(|s| plan.has(s))
}

/// The type filter and the migration merge (docs/takeout.md#dialogs), then `onlyMyMessages`
/// and the ascending split order (FinalizeDialogsInfo).
fn filter_and_merge(entries: Vec<Entry>, plan: &ExportPlan, n: usize) -> Vec<Dialog> {
    let any_group = plan.has(Section::PrivateGroups) || plan.has(Section::PublicGroups);
    let kept: Vec<Entry> = entries
        .into_iter()
        .filter(|e| passes(plan, e.chat.dialog_type) || (e.migrated_to.is_some() && any_group))
        .collect();
    let position: HashMap<PeerId, usize> =
        kept.iter().enumerate().map(|(i, e)| (e.peer, i)).collect();
    // (migrated to, whether it passes the filter itself) of every kept entry.
    let links: Vec<(Option<PeerId>, bool)> = kept
        .iter()
        .map(|e| (e.migrated_to, passes(plan, e.chat.dialog_type)))
        .collect();
    let mut merged: Vec<Option<Dialog>> = kept
        .into_iter()
        .map(|e| {
            let full = section_of(e.chat.dialog_type)
                .is_some_and(|s| plan.settings.full_chats.contains(&s));
            Some(Dialog {
                chat: e.chat,
                input: e.input,
                splits: e.splits,
                migrated_from: None,
                only_my: !full,
            })
        })
        .collect();
    for (i, &(to, passes)) in links.iter().enumerate() {
        let Some(target) = to.and_then(|t| position.get(&t).copied()) else {
            if to.is_some() && !passes {
                merged[i] = None;
            }
            continue;
        };
        if let Some(basic) = merged[i].take() {
            if let Some(Some(group)) = merged.get_mut(target) {
                group
                    .splits
                    .extend(basic.splits.iter().map(|s| s - n as i32));
                group.migrated_from = Some(basic.input);
            }
        }
    }
    let mut dialogs: Vec<Dialog> = merged.into_iter().flatten().collect();
    for d in &mut dialogs {
        d.splits.sort_unstable();
        d.splits.dedup();
        d.splits.shrink_to_fit();
    }
    dialogs
}

/// Every page of `channels.getLeftChannels` (docs/takeout.md#dialogs "Left channels").
async fn left_channels(inv: &TakeoutInvoker) -> Result<Vec<enums::Chat>, TakeoutError> {
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let offset = i32::try_from(all.len()).unwrap_or(i32::MAX);
        let page = inv
            .invoke(&functions::channels::GetLeftChannels { offset })
            .await
            .map_err(fatal)?;
        match page {
            enums::messages::Chats::Chats(c) => {
                all.extend(c.chats);
                break;
            }
            enums::messages::Chats::Slice(c) if c.chats.is_empty() => break,
            enums::messages::Chats::Slice(c) => all.extend(c.chats),
        }
    }
    Ok(all)
}

fn channel_id(chat: &enums::Chat) -> Option<PeerId> {
    match chat {
        enums::Chat::Channel(c) => Some(PeerId::Channel(c.id)),
        enums::Chat::ChannelForbidden(c) => Some(PeerId::Channel(c.id)),
        _ => None,
    }
}

/// The supergroup a basic group migrated to.
fn migrated_to(id: PeerId, chats: &[enums::Chat]) -> Option<PeerId> {
    chats.iter().find_map(|c| match c {
        enums::Chat::Chat(c) if PeerId::Chat(c.id) == id => match c.migrated_to.as_ref()? {
            enums::InputChannel::InputChannel(to) => Some(PeerId::Channel(to.channel_id)),
            enums::InputChannel::FromMessage(to) => Some(PeerId::Channel(to.channel_id)),
            enums::InputChannel::Empty => None,
        },
        _ => None,
    })
}

/// The input peer of `id` with the access hash the response gave.
pub fn input_peer(id: PeerId, users: &[enums::User], chats: &[enums::Chat]) -> enums::InputPeer {
    match id {
        PeerId::User(user_id) => {
            let hash = users.iter().find_map(|u| match u {
                enums::User::User(u) if u.id == user_id => Some(u.access_hash.unwrap_or(0)),
                _ => None,
            });
            types::InputPeerUser {
                user_id,
                access_hash: hash.unwrap_or(0),
            }
            .into()
        }
        PeerId::Chat(chat_id) => types::InputPeerChat { chat_id }.into(),
        PeerId::Channel(channel_id) => {
            let hash = chats.iter().find_map(|c| match c {
                enums::Chat::Channel(c) if c.id == channel_id => Some(c.access_hash.unwrap_or(0)),
                enums::Chat::ChannelForbidden(c) if c.id == channel_id => Some(c.access_hash),
                _ => None,
            });
            types::InputPeerChannel {
                channel_id,
                access_hash: hash.unwrap_or(0),
            }
            .into()
        }
    }
}

#[cfg(test)]
mod tests;
