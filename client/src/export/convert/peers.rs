//! The users and chats of a TL response, for resolving names and chat
//! kinds (docs/takeout.md#dialogs for dialog types, docs/export-format.md#messages for names from the same slice).

use std::collections::HashMap;

use tl::enums;

use crate::export::model::{ChatInfo, DialogType, Peer, PeerId};

/// The "Verification Codes" service user (docs/takeout.md#dialogs).
const VERIFY_CODES_USER_ID: i64 = 489_000;
/// The "Replies" service user (docs/takeout.md#dialogs).
const REPLIES_USER_ID: i64 = 1_271_266_957;
/// What the converter knows about one peer of a response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerData {
    /// First name (users) or title (chats).
    pub first_name: String,
    /// Last name (users).
    pub last_name: String,
    /// Username without `@`, empty if none.
    pub username: String,
    /// A bot user.
    pub is_bot: bool,
    /// The chat kind this peer's dialog has.
    pub dialog_type: DialogType,
}

/// The users and chats that came with a TL response, for resolving names
/// (tdesktop resolves names from the same slice, docs/export-format.md#messages).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Peers {
    map: HashMap<PeerId, PeerData>,
}

impl Peers {
    /// The peers of `users` and `chats`.
    pub fn from_tl(users: &[enums::User], chats: &[enums::Chat]) -> Self {
        let mut peers = Self::default();
        peers.extend(users, chats);
        peers
    }

    /// Adds more users and chats (later ones win).
    pub fn extend(&mut self, users: &[enums::User], chats: &[enums::Chat]) {
        for user in users {
            let (id, data) = user_data(user);
            self.map.insert(PeerId::User(id), data);
        }
        for chat in chats {
            if let Some((id, data)) = chat_data(chat) {
                self.map.insert(id, data);
            }
        }
    }

    /// The peers of a `messages.Messages` answer.
    pub fn from_messages(page: &enums::messages::Messages) -> Self {
        match page {
            enums::messages::Messages::Messages(m) => Self::from_tl(&m.users, &m.chats),
            enums::messages::Messages::Slice(m) => Self::from_tl(&m.users, &m.chats),
            enums::messages::Messages::ChannelMessages(m) => Self::from_tl(&m.users, &m.chats),
            enums::messages::Messages::NotModified(_) => Self::default(),
        }
    }

    /// What is known about `id`.
    pub fn get(&self, id: PeerId) -> Option<&PeerData> {
        self.map.get(&id)
    }

    /// The display name of `id` ("First Last" or title), empty if unknown.
    pub fn name(&self, id: PeerId) -> String {
        self.get(id)
            .map(|p| crate::export::model::join_name(&p.first_name, &p.last_name))
            .unwrap_or_default()
    }

    /// `id` with its name.
    pub fn peer(&self, id: PeerId) -> Peer {
        Peer {
            id,
            name: self.name(id),
        }
    }

    /// The username of user `id` if the user is known, empty otherwise.
    pub fn username(&self, id: PeerId) -> String {
        self.get(id).map(|p| p.username.clone()).unwrap_or_default()
    }

    /// The chat entry for a dialog with `id` (docs/takeout.md#dialogs, docs/export-format.md#chats): users are named by
    /// first name only, as tdesktop's JSON does.
    pub fn chat_info(&self, id: PeerId, folder: &str, is_left: bool) -> ChatInfo {
        let data = self.get(id).cloned().unwrap_or_default();
        ChatInfo {
            id,
            name: data.first_name,
            last_name: data.last_name,
            dialog_type: data.dialog_type,
            is_left,
            folder: folder.to_owned(),
        }
    }
}

/// The id and data of a user.
fn user_data(user: &enums::User) -> (i64, PeerData) {
    match user {
        enums::User::Empty(u) => (u.id, PeerData::default()),
        enums::User::User(u) => {
            let username = username_of(u);
            let is_bot = u.bot_info_version.is_some() || u.bot;
            let dialog_type = if u.is_self {
                DialogType::SavedMessages
            } else if u.id == REPLIES_USER_ID {
                DialogType::Replies
            } else if u.id == VERIFY_CODES_USER_ID {
                DialogType::VerificationCodes
            } else if u.bot_info_version.is_some() {
                DialogType::Bot
            } else {
                DialogType::Personal
            };
            let data = PeerData {
                first_name: u.first_name.clone().unwrap_or_default(),
                last_name: u.last_name.clone().unwrap_or_default(),
                username,
                is_bot,
                dialog_type,
            };
            (u.id, data)
        }
    }
}

/// A user's username: `username`, else the first active of `usernames`.
pub(in crate::export) fn username_of(u: &tl::types::User) -> String {
    u.username.clone().unwrap_or_else(|| {
        u.usernames
            .iter()
            .flatten()
            .map(|enums::Username::Username(n)| n)
            .find(|n| n.active)
            .map(|n| n.username.clone())
            .unwrap_or_default()
    })
}

/// The peer id and data of a chat; communities have no peer id.
fn chat_data(chat: &enums::Chat) -> Option<(PeerId, PeerData)> {
    let titled = |title: &str, dialog_type| PeerData {
        first_name: title.to_owned(),
        dialog_type,
        ..PeerData::default()
    };
    Some(match chat {
        enums::Chat::Empty(c) => (PeerId::Chat(c.id), titled("", DialogType::PrivateGroup)),
        enums::Chat::Chat(c) => (
            PeerId::Chat(c.id),
            titled(&c.title, DialogType::PrivateGroup),
        ),
        enums::Chat::Forbidden(c) => (
            PeerId::Chat(c.id),
            titled(&c.title, DialogType::PrivateGroup),
        ),
        enums::Chat::Channel(c) => {
            let public = c.username.as_deref().is_some_and(|u| !u.is_empty());
            let mut data = titled(&c.title, channel_type(c.broadcast, c.megagroup, public));
            data.username = c.username.clone().unwrap_or_default();
            (PeerId::Channel(c.id), data)
        }
        enums::Chat::ChannelForbidden(c) => (
            PeerId::Channel(c.id),
            titled(&c.title, channel_type(c.broadcast, c.megagroup, false)),
        ),
        enums::Chat::Community(_) | enums::Chat::CommunityForbidden(_) => return None,
    })
}

/// A channel's dialog type (docs/takeout.md#dialogs `DialogTypeFromChat`).
fn channel_type(broadcast: bool, megagroup: bool, public: bool) -> DialogType {
    match (public, broadcast, megagroup) {
        (false, true, _) => DialogType::PrivateChannel,
        (false, false, true) => DialogType::PrivateSupergroup,
        (false, false, false) => DialogType::PrivateGroup,
        (true, true, _) => DialogType::PublicChannel,
        (true, false, _) => DialogType::PublicSupergroup,
    }
}

/// The model's peer id of a TL peer.
pub fn peer_id(peer: &enums::Peer) -> PeerId {
    match peer {
        enums::Peer::User(p) => PeerId::User(p.user_id),
        enums::Peer::Chat(p) => PeerId::Chat(p.chat_id),
        enums::Peer::Channel(p) => PeerId::Channel(p.channel_id),
    }
}
