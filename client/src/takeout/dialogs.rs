//! The list of chats to export (docs/takeout.md#dialogs): split
//! ranges, the `limit=1` probes for the total, the dialogs of every range
//! newest range first, deduplicated by peer, migrated basic groups merged
//! into their supergroups as negative split indices, the left channels, the
//! type filter and the chat folders.

use std::collections::HashMap;

use futures_util::future::join_all;
use tl::{enums, functions, types};

use super::error::{TakeoutError, fatal};
use super::plan::{ExportPlan, Section};
use super::session::TakeoutInvoker;
use crate::export::convert::{Peers, peer_id};
use crate::export::model::{ChatInfo, DialogType, PeerId};
use crate::export::naming::chat_folder;

/// Pages of one dialog list or left-channel list we are willing to read.
const MAX_PAGES: usize = 100_000;

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
    /// The `limit=1` probes' total (every dialog and left channel, before
    /// the type filter), for progress.
    pub probed: u64,
}

/// A dialog as listed, before the filter.
struct Entry {
    peer: PeerId,
    input: enums::InputPeer,
    chat: ChatInfo,
    splits: Vec<i32>,
    migrated_to: Option<PeerId>,
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

    // The probes of every split at once, then every split's list at once
    // (each split pages on its own), merged newest split first.
    let probe = |range| {
        let request = get_dialogs(0, 0, enums::InputPeer::Empty, 1);
        async move { inv.invoke_in_range(range, &request).await }
    };
    let mut probed = 0;
    for page in join_all(splits[first..].iter().map(probe)).await {
        probed += match &page.map_err(fatal)? {
            enums::messages::Dialogs::Dialogs(d) => d.dialogs.len() as u64,
            enums::messages::Dialogs::Slice(d) => u64::try_from(d.count).unwrap_or(0),
            enums::messages::Dialogs::NotModified(_) => return Err(not_modified()),
        };
    }

    let lists = (first..n).map(|index| list_split(inv, &splits[index]));
    let lists = join_all(lists).await;
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<PeerId, usize> = HashMap::new();
    for (index, pages) in (first..n).zip(lists).rev() {
        merge_split(pages?, index as i32, &mut entries, &mut seen);
    }
    let mut dialogs = filter_and_merge(entries, plan, n);

    let left = left_channels(inv).await?;
    probed += left.len() as u64;
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
    Ok(DialogList {
        splits,
        dialogs,
        probed,
    })
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

/// One page of a dialog list: dialogs, messages, chats, users.
type DialogPage = (
    Vec<enums::Dialog>,
    Vec<enums::Message>,
    Vec<enums::Chat>,
    Vec<enums::User>,
);

/// Pages through the dialogs of one split (docs/takeout.md#dialogs "Paging within a split").
async fn list_split(
    inv: &TakeoutInvoker,
    range: &enums::MessageRange,
) -> Result<Vec<DialogPage>, TakeoutError> {
    let mut pages = Vec::new();
    let (mut date, mut id, mut peer) = (0, 0, enums::InputPeer::Empty);
    for _ in 0..MAX_PAGES {
        let page = inv
            .invoke_in_range(range, &get_dialogs(date, id, peer.clone(), 100))
            .await
            .map_err(fatal)?;
        let (list, messages, chats, users, complete) = match page {
            enums::messages::Dialogs::Dialogs(d) => (d.dialogs, d.messages, d.chats, d.users, true),
            enums::messages::Dialogs::Slice(d) => (d.dialogs, d.messages, d.chats, d.users, false),
            enums::messages::Dialogs::NotModified(_) => return Err(not_modified()),
        };
        let last = list.iter().rev().find_map(|dialog| match dialog {
            enums::Dialog::Dialog(d) => Some((peer_id(&d.peer), d.top_message)),
            _ => None,
        });
        let next = last.filter(|_| !complete).map(|(last_peer, top)| {
            let top_date = messages
                .iter()
                .find_map(|m| match m {
                    enums::Message::Message(m)
                        if m.id == top && peer_id(&m.peer_id) == last_peer =>
                    {
                        Some(m.date)
                    }
                    enums::Message::Service(m)
                        if m.id == top && peer_id(&m.peer_id) == last_peer =>
                    {
                        Some(m.date)
                    }
                    _ => None,
                })
                .unwrap_or(0);
            (top_date, top, input_peer(last_peer, &users, &chats))
        });
        pages.push((list, messages, chats, users));
        let Some(next) = next else {
            return Ok(pages);
        };
        if next.0 == 0 || (next.0, next.1) == (date, id) && next.2 == peer {
            return Ok(pages);
        }
        (date, id, peer) = next;
    }
    Ok(pages)
}

/// Adds the dialogs of split `index` to `entries`, deduplicated by peer.
fn merge_split(
    pages: Vec<DialogPage>,
    index: i32,
    entries: &mut Vec<Entry>,
    seen: &mut HashMap<PeerId, usize>,
) {
    for (list, _, chats, users) in pages {
        let peers = Peers::from_tl(&users, &chats);
        for dialog in &list {
            let enums::Dialog::Dialog(d) = dialog else {
                tracing::debug!("skipping a dialog folder");
                continue;
            };
            let id = peer_id(&d.peer);
            match seen.get(&id) {
                Some(&at) => {
                    if !entries[at].splits.contains(&index) {
                        entries[at].splits.push(index);
                    }
                }
                None => {
                    seen.insert(id, entries.len());
                    entries.push(Entry {
                        peer: id,
                        input: input_peer(id, &users, &chats),
                        chat: peers.chat_info(id, "", false),
                        splits: vec![index],
                        migrated_to: migrated_to(id, &chats),
                    });
                }
            }
        }
    }
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
    let mut merged: Vec<Option<Dialog>> = kept
        .iter()
        .map(|e| {
            let full = section_of(e.chat.dialog_type)
                .is_some_and(|s| plan.settings.full_chats.contains(&s));
            Some(Dialog {
                chat: e.chat.clone(),
                input: e.input.clone(),
                splits: e.splits.clone(),
                migrated_from: None,
                only_my: !full,
            })
        })
        .collect();
    for (i, e) in kept.iter().enumerate() {
        let Some(target) = e.migrated_to.and_then(|t| position.get(&t).copied()) else {
            if e.migrated_to.is_some() && !passes(plan, e.chat.dialog_type) {
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
mod tests {
    use super::*;
    use crate::takeout::plan::Settings;

    fn entry(peer: PeerId, kind: DialogType, splits: Vec<i32>, to: Option<PeerId>) -> Entry {
        Entry {
            peer,
            input: enums::InputPeer::Empty,
            chat: ChatInfo {
                id: peer,
                name: String::new(),
                last_name: String::new(),
                dialog_type: kind,
                is_left: false,
                folder: String::new(),
            },
            splits,
            migrated_to: to,
        }
    }

    #[test]
    fn migrated_groups_merge_with_negative_splits() {
        let plan = Settings::default().validate().unwrap();
        let group = PeerId::Channel(40);
        let entries = vec![
            entry(group, DialogType::PrivateSupergroup, vec![1], None),
            entry(
                PeerId::Chat(30),
                DialogType::PrivateGroup,
                vec![1, 0],
                Some(group),
            ),
            entry(PeerId::User(2), DialogType::Personal, vec![1, 0], None),
            entry(
                PeerId::Channel(50),
                DialogType::PublicChannel,
                vec![1],
                None,
            ),
        ];
        let dialogs = filter_and_merge(entries, &plan, 2);
        assert_eq!(dialogs.len(), 2, "channel filtered, basic group merged");
        assert_eq!(dialogs[0].chat.id, group);
        assert_eq!(dialogs[0].splits, vec![-2, -1, 1]);
        assert!(dialogs[0].migrated_from.is_some());
        assert!(dialogs[0].only_my, "private groups are not full by default");
        assert_eq!(dialogs[1].splits, vec![0, 1]);
        assert!(!dialogs[1].only_my);
    }

    #[test]
    fn unmerged_migrated_group_needs_its_own_type() {
        let settings = Settings {
            sections: vec![Section::PublicGroups],
            full_chats: vec![],
            ..Settings::default()
        };
        let plan = settings.validate().unwrap();
        let entries = vec![entry(
            PeerId::Chat(30),
            DialogType::PrivateGroup,
            vec![0],
            Some(PeerId::Channel(99)),
        )];
        assert!(filter_and_merge(entries, &plan, 1).is_empty());
    }

    #[test]
    fn single_chat_ids() {
        assert!(matches_id(PeerId::User(5), 5));
        assert!(matches_id(PeerId::Chat(5), -5));
        assert!(matches_id(PeerId::Channel(5), -1_000_000_000_005));
        assert!(matches_id(PeerId::Channel(5), 5));
        assert!(!matches_id(PeerId::User(5), -5));
    }
}
