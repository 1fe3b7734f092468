//! The validated, indexed view of a [`World`] that the services query.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tl::{Deserializable, Serializable, enums};

use super::store::MessageStore;
use super::{PeerKey, World, WorldError, chat_key, dialog_peer, range_bounds, user_id};
use crate::blobs::FileStore;

/// What the index knows about one chat's history.
#[derive(Clone, Debug, Default)]
pub struct PeerEntry {
    /// Positions in `world.messages` ([`Index::messages`]), ascending by
    /// message id.
    pub history: Vec<usize>,
}

/// A world plus the lookups the services need. Building it validates the
/// world: every error names the JSON path of the offending object.
///
/// The messages stay in the world's compact [`MessageStore`]: the index
/// keeps positions in it, never copies of the messages.
#[derive(Debug)]
pub struct Index {
    world: Arc<World>,
    users: HashMap<i64, usize>,
    chats: HashMap<PeerKey, usize>,
    peers: HashMap<PeerKey, PeerEntry>,
    /// Every common-box message as `(id, position)`, ascending by id: the
    /// messages of one split range are a slice ([`Index::range_tops`]).
    common: Vec<(i32, usize)>,
    /// Positions in `world.dialogs` of real dialogs, with their peers.
    pub dialogs: Vec<(PeerKey, usize)>,
    /// The entry of [`Index::dialogs`] of each peer.
    dialog_of: HashMap<PeerKey, usize>,
    /// Positions in `world.chats` of channels the account has left.
    pub left_channels: Vec<usize>,
    /// Positions in `world.profile_photos`, newest (highest id) first.
    pub profile_photos: Vec<usize>,
    /// Positions in `world.stories`, newest (highest id) first.
    pub stories: Vec<usize>,
    custom_emoji: HashMap<i64, usize>,
    /// Every downloadable file.
    pub files: FileStore,
}

const EMPTY: &[usize] = &[];

impl Index {
    /// Validates and indexes `world`.
    pub fn build(world: Arc<World>) -> Result<Self, WorldError> {
        let mut index = Self::parts(&world)?;
        index.world = world;
        Ok(index)
    }

    /// Validates `world` as [`Index::build`] would, without keeping it.
    pub fn check(world: &World) -> Result<(), WorldError> {
        Self::parts(world).map(drop)
    }

    /// Everything but the world itself (left default).
    fn parts(w: &World) -> Result<Self, WorldError> {
        let users = index_users(w)?;
        let chats = index_chats(w)?;
        let known = |k: PeerKey| match k {
            PeerKey::User(id) => users.contains_key(&id),
            _ => chats.contains_key(&k),
        };
        let peers = index_messages(&w.messages, &known)?;
        let mut common: Vec<(i32, usize)> = peers
            .iter()
            .filter(|(k, _)| k.in_common_box())
            .flat_map(|(_, p)| p.history.iter().map(|&i| (w.messages.id(i), i)))
            .collect();
        common.sort_unstable();
        let dialogs = index_dialogs(w, &known)?;
        let dialog_of = dialogs
            .iter()
            .enumerate()
            .map(|(i, &(k, _))| (k, i))
            .collect();
        check_ranges(w)?;
        let in_dialogs: HashSet<PeerKey> = dialogs.iter().map(|(k, _)| *k).collect();
        let left_channels = w
            .chats
            .iter()
            .enumerate()
            .filter(|(_, c)| match c {
                enums::Chat::Channel(c) => c.left && !in_dialogs.contains(&PeerKey::Channel(c.id)),
                enums::Chat::ChannelForbidden(c) => !in_dialogs.contains(&PeerKey::Channel(c.id)),
                _ => false,
            })
            .map(|(i, _)| i)
            .collect();
        let profile_photos = sorted_desc(&w.profile_photos, "profile_photos", |p| match p {
            enums::Photo::Photo(p) => Some(p.id),
            enums::Photo::Empty(_) => None,
        })?;
        let stories = sorted_desc(&w.stories, "stories", |s| match s {
            enums::StoryItem::StoryItem(s) => Some(s.id.into()),
            _ => None,
        })?;
        let mut custom_emoji = HashMap::new();
        for (i, d) in w.custom_emoji.iter().enumerate() {
            let enums::Document::Document(d) = d else {
                return Err(WorldError::new(
                    format!("custom_emoji.{i}"),
                    "expected a document",
                ));
            };
            custom_emoji.insert(d.id, i);
        }
        check_wire(w)?;
        let files = FileStore::build(w)?;
        Ok(Self {
            world: Arc::new(World::default()),
            users,
            chats,
            peers,
            common,
            dialogs,
            dialog_of,
            left_channels,
            profile_photos,
            stories,
            custom_emoji,
            files,
        })
    }

    /// The world this index is over.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The shared world.
    pub fn world_arc(&self) -> &Arc<World> {
        &self.world
    }

    /// A user by id.
    pub fn user(&self, id: i64) -> Option<&enums::User> {
        self.users.get(&id).map(|&i| &self.world.users[i])
    }

    /// The account's own user.
    pub fn self_user(&self) -> &enums::User {
        &self.world.users[self.users[&self.world.self_id]]
    }

    /// A basic group or channel by key (`None` for users).
    pub fn chat(&self, key: PeerKey) -> Option<&enums::Chat> {
        self.chats.get(&key).map(|&i| &self.world.chats[i])
    }

    /// Whether a peer exists.
    pub fn knows(&self, key: PeerKey) -> bool {
        match key {
            PeerKey::User(id) => self.users.contains_key(&id),
            _ => self.chats.contains_key(&key),
        }
    }

    /// Every message, by position (`world.messages`).
    pub fn messages(&self) -> &MessageStore {
        &self.world.messages
    }

    /// Positions in [`Index::messages`] of a peer's history, ascending by
    /// id.
    pub fn history(&self, key: PeerKey) -> &[usize] {
        self.peers.get(&key).map_or(EMPTY, |p| &p.history)
    }

    /// The newest message (position) of every common-box chat with
    /// messages whose ids are in `lo..=hi`: one walk over the range's
    /// messages, not a search per chat (an account of hundreds of chats
    /// and thousands of split ranges is listed range by range).
    pub fn range_tops(&self, lo: i32, hi: i32) -> HashMap<PeerKey, usize> {
        let start = self.common.partition_point(|&(id, _)| id < lo);
        let end = self.common.partition_point(|&(id, _)| id <= hi);
        let mut tops = HashMap::new();
        // Ascending ids: the last one seen of a chat is its newest.
        for &(_, i) in self.common.get(start..end).unwrap_or_default() {
            if let Some(peer) = self.messages().peer(i) {
                tops.insert(peer, i);
            }
        }
        tops
    }

    /// The entry of [`Index::dialogs`] of `peer`'s dialog, if it has one.
    pub fn dialog_of(&self, peer: PeerKey) -> Option<(PeerKey, usize)> {
        self.dialog_of
            .get(&peer)
            .and_then(|&i| self.dialogs.get(i))
            .copied()
    }

    /// The position of message `id` of a peer's history.
    pub fn position(&self, key: PeerKey, id: i32) -> Option<usize> {
        let h = self.history(key);
        h.binary_search_by_key(&id, |&i| self.messages().id(i))
            .ok()
            .map(|p| h[p])
    }

    /// The message `id` of a peer's history, decoded.
    pub fn message(&self, key: PeerKey, id: i32) -> Option<enums::Message> {
        self.messages().get(self.position(key, id)?)
    }

    /// The message `id` of the common box, whatever its chat, decoded.
    pub fn common_message(&self, id: i32) -> Option<enums::Message> {
        let at = self.common.binary_search_by_key(&id, |&(id, _)| id).ok()?;
        self.messages().get(self.common.get(at)?.1)
    }

    /// A custom emoji document by id.
    pub fn custom_emoji(&self, id: i64) -> Option<&enums::Document> {
        self.custom_emoji
            .get(&id)
            .map(|&i| &self.world.custom_emoji[i])
    }

    /// The last split range's `max_id`, or `i32::MAX` without ranges: a
    /// range reaching it also lists the channels (see `services::dialogs`).
    pub fn newest_range_end(&self) -> i32 {
        self.world
            .split_ranges
            .last()
            .map_or(i32::MAX, |r| range_bounds(r).1)
    }
}

const NOT_WIRE: &str = "does not survive TL encoding (fields sharing a flag must be set together)";

/// Checks every message (from the store's columns: nothing is decoded)
/// and lists each chat's history, ascending by id.
fn index_messages(
    messages: &MessageStore,
    known: &dyn Fn(PeerKey) -> bool,
) -> Result<HashMap<PeerKey, PeerEntry>, WorldError> {
    let mut peers: HashMap<PeerKey, PeerEntry> = HashMap::new();
    let mut seen: HashSet<(Option<i64>, i32)> = HashSet::with_capacity(messages.len());
    for i in 0..messages.len() {
        let path = || format!("messages.{i}");
        if messages.is_empty_message(i) {
            return Err(WorldError::new(path(), "messageEmpty cannot be stored"));
        }
        let Some(peer) = messages.peer(i) else {
            return Err(WorldError::new(path(), "a message needs a peer_id"));
        };
        if !known(peer) {
            return Err(WorldError::new(
                format!("{}.peer_id", path()),
                format!("unknown {peer}"),
            ));
        }
        let id = messages.id(i);
        if id <= 0 {
            return Err(WorldError::new(
                format!("{}.id", path()),
                "message ids are positive",
            ));
        }
        let box_id = match peer {
            PeerKey::Channel(c) => Some(c),
            _ => None,
        };
        if !seen.insert((box_id, id)) {
            let which = box_id.map_or("the common box".to_owned(), |c| format!("channel {c}"));
            return Err(WorldError::new(
                format!("{}.id", path()),
                format!("id {id} is used twice in {which}"),
            ));
        }
        if !messages.reads_back(i) {
            return Err(WorldError::new(path(), NOT_WIRE));
        }
        peers.entry(peer).or_default().history.push(i);
    }
    for entry in peers.values_mut() {
        entry.history.sort_by_key(|&i| messages.id(i));
        entry.history.shrink_to_fit();
    }
    Ok(peers)
}

/// Every stored TL object must survive a binary round trip: the answers
/// are built from them, and a client must be able to read the answers.
/// (Fields that share a flag bit must be set together, for example.)
fn check_wire(w: &World) -> Result<(), WorldError> {
    fn each<T: Serializable + Deserializable + PartialEq>(
        items: &[T],
        name: &str,
    ) -> Result<(), WorldError> {
        for (i, item) in items.iter().enumerate() {
            if T::from_bytes(&item.to_bytes()).as_ref() != Ok(item) {
                return Err(WorldError::new(format!("{name}.{i}"), NOT_WIRE));
            }
        }
        Ok(())
    }
    each(&w.users, "users")?;
    each(&w.chats, "chats")?;
    each(&w.dialogs, "dialogs")?;
    each(&w.split_ranges, "split_ranges")?;
    each(&w.contacts, "contacts")?;
    each(&w.top_peers, "top_peers")?;
    each(&w.authorizations, "authorizations")?;
    each(&w.web_authorizations, "web_authorizations")?;
    each(&w.profile_photos, "profile_photos")?;
    each(&w.stories, "stories")?;
    each(&w.custom_emoji, "custom_emoji")?;
    if let Some(full) = &w.self_full {
        each(std::slice::from_ref(full), "self_full")
            .map_err(|e| WorldError::new("self_full", e.message))?;
    }
    Ok(())
}

fn index_users(w: &World) -> Result<HashMap<i64, usize>, WorldError> {
    let mut users = HashMap::new();
    for (i, u) in w.users.iter().enumerate() {
        if users.insert(user_id(u), i).is_some() {
            return Err(WorldError::new(
                format!("users.{i}.id"),
                "duplicate user id",
            ));
        }
    }
    match users.get(&w.self_id).map(|&i| (i, &w.users[i])) {
        Some((_, enums::User::User(u))) if u.is_self => Ok(users),
        Some((i, _)) => Err(WorldError::new(
            format!("users.{i}"),
            "the account's user must be a user with \"self\": true",
        )),
        None => Err(WorldError::new(
            "self_id",
            format!("no user has id {}", w.self_id),
        )),
    }
}

fn index_chats(w: &World) -> Result<HashMap<PeerKey, usize>, WorldError> {
    let mut chats = HashMap::new();
    for (i, c) in w.chats.iter().enumerate() {
        let Some(key) = chat_key(c) else {
            return Err(WorldError::new(
                format!("chats.{i}"),
                "unsupported chat kind",
            ));
        };
        if chats.insert(key, i).is_some() {
            return Err(WorldError::new(
                format!("chats.{i}.id"),
                format!("duplicate {key}"),
            ));
        }
    }
    Ok(chats)
}

fn index_dialogs(
    w: &World,
    known: &dyn Fn(PeerKey) -> bool,
) -> Result<Vec<(PeerKey, usize)>, WorldError> {
    let mut dialogs = Vec::new();
    let mut seen = HashSet::new();
    for (i, d) in w.dialogs.iter().enumerate() {
        let Some(peer) = dialog_peer(d) else { continue };
        if !known(peer) {
            return Err(WorldError::new(
                format!("dialogs.{i}.peer"),
                format!("unknown {peer}"),
            ));
        }
        if !seen.insert(peer) {
            return Err(WorldError::new(
                format!("dialogs.{i}.peer"),
                format!("second dialog with {peer}"),
            ));
        }
        dialogs.push((peer, i));
    }
    Ok(dialogs)
}

fn check_ranges(w: &World) -> Result<(), WorldError> {
    let mut prev_max: Option<i32> = None;
    for (i, r) in w.split_ranges.iter().enumerate() {
        let (min, max) = range_bounds(r);
        if min > max || min < 0 {
            return Err(WorldError::new(
                format!("split_ranges.{i}"),
                "min_id must be <= max_id",
            ));
        }
        if prev_max.is_some_and(|p| min <= p) {
            return Err(WorldError::new(
                format!("split_ranges.{i}"),
                "ranges must be ascending and must not overlap",
            ));
        }
        prev_max = Some(max);
    }
    Ok(())
}

fn sorted_desc<T>(
    items: &[T],
    name: &str,
    id: impl Fn(&T) -> Option<i64>,
) -> Result<Vec<usize>, WorldError> {
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = id(item).ok_or_else(|| {
            WorldError::new(
                format!("{name}.{i}"),
                "empty or deleted items cannot be stored",
            )
        })?;
        ids.push((id, i));
    }
    ids.sort_by(|a, b| b.cmp(a));
    Ok(ids.into_iter().map(|(_, i)| i).collect())
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
