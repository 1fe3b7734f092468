//! Users, basic groups and channels of generated worlds.

use tl::{enums, types};

use super::Gen;
use super::text::{FIRST_NAMES, LAST_NAMES};

/// What kind of channel to make.
pub struct ChannelSpec {
    /// Its title.
    pub title: String,
    /// A public username, if any.
    pub username: Option<String>,
    /// Broadcast channel (else supergroup).
    pub broadcast: bool,
    /// The account created it.
    pub creator: bool,
    /// The account left it.
    pub left: bool,
}

impl Gen {
    fn new_peer_id(&mut self) -> i64 {
        self.next_peer += self.rng.range_i64(1, 5_000);
        self.next_peer
    }

    /// A user photo (its `photo_id` only exists as a peer photo).
    fn user_photo(&mut self) -> Option<enums::UserProfilePhoto> {
        self.rng.chance(70).then(|| {
            types::UserProfilePhoto {
                photo_id: self.new_id(),
                dc_id: self.cfg.home_dc,
                ..Default::default()
            }
            .into()
        })
    }

    /// A chat photo (its `photo_id` only exists as a peer photo).
    pub(super) fn chat_photo(&mut self) -> enums::ChatPhoto {
        if self.rng.chance(75) {
            types::ChatPhoto {
                photo_id: self.new_id(),
                dc_id: self.cfg.home_dc,
                ..Default::default()
            }
            .into()
        } else {
            enums::ChatPhoto::Empty
        }
    }

    /// A new user; `bot` gives it a bot username and `bot_info_version`.
    pub(super) fn user(&mut self, contact: bool, bot: bool) -> i64 {
        let id = self.new_peer_id();
        let first = (*self.rng.pick(FIRST_NAMES)).to_owned();
        let last = (*self.rng.pick(LAST_NAMES)).to_owned();
        let (first, last, username) = if bot {
            let name = format!(
                "{}{}",
                super::text::title(&mut self.rng).replace(' ', ""),
                "Bot"
            );
            (
                name.clone(),
                String::new(),
                Some(format!("{}_{}", name.to_lowercase(), id % 1000)),
            )
        } else {
            let username = self
                .rng
                .chance(50)
                .then(|| format!("{}_{}", first.to_lowercase(), id % 10_000))
                .filter(|u| u.is_ascii());
            (first, last, username)
        };
        let phone = (contact && !bot).then(|| format!("1555{:07}", self.rng.below(10_000_000)));
        let status: enums::UserStatus = types::UserStatusOffline {
            was_online: self.cfg.start_date,
        }
        .into();
        let user = types::User {
            contact,
            mutual_contact: contact && self.rng.chance(70),
            bot,
            id,
            access_hash: Some(self.rng.positive_i64()),
            first_name: Some(first.clone()),
            last_name: (!last.is_empty()).then_some(last),
            username: username.clone(),
            phone,
            photo: self.user_photo(),
            status: (!bot).then_some(status),
            bot_info_version: bot.then_some(1),
            ..Default::default()
        };
        self.world.users.push(user.into());
        if !bot {
            self.users_ctx.push((id, first));
        }
        self.usernames.extend(username);
        id
    }

    /// The account's own user.
    pub(super) fn self_user(&mut self, phone: &str) -> i64 {
        let id = self.new_peer_id();
        let first = (*self.rng.pick(FIRST_NAMES)).to_owned();
        let user = types::User {
            is_self: true,
            id,
            access_hash: Some(self.rng.positive_i64()),
            first_name: Some(first),
            last_name: Some((*self.rng.pick(LAST_NAMES)).to_owned()).filter(|l| !l.is_empty()),
            username: Some(format!("me_{}", id % 10_000)),
            phone: Some(phone.to_owned()),
            status: Some(types::UserStatusOnline { expires: i32::MAX }.into()),
            ..Default::default()
        };
        self.world.users.push(user.into());
        id
    }

    /// A basic group.
    pub(super) fn basic_group(&mut self, title: String, members: usize, date: i32) -> i64 {
        let id = self.new_peer_id();
        let chat = types::Chat {
            creator: self.rng.chance(50),
            id,
            title,
            photo: self.chat_photo(),
            participants_count: members as i32 + 1,
            date,
            version: 1,
            ..Default::default()
        };
        self.world.chats.push(chat.into());
        id
    }

    /// A channel or supergroup.
    pub(super) fn channel(&mut self, spec: ChannelSpec, date: i32) -> i64 {
        let id = self.new_peer_id();
        let channel = types::Channel {
            creator: spec.creator,
            left: spec.left,
            broadcast: spec.broadcast,
            megagroup: !spec.broadcast,
            id,
            access_hash: Some(self.rng.positive_i64()),
            title: spec.title,
            username: spec.username,
            photo: self.chat_photo(),
            date,
            participants_count: Some(self.rng.range_i32(3, 5_000)),
            ..Default::default()
        };
        self.world.chats.push(channel.into());
        id
    }

    /// A channel the account was banned from.
    pub(super) fn forbidden_channel(&mut self, title: String) -> i64 {
        let id = self.new_peer_id();
        let channel = types::ChannelForbidden {
            megagroup: true,
            id,
            access_hash: self.rng.positive_i64(),
            title,
            ..Default::default()
        };
        self.world.chats.push(channel.into());
        id
    }

    /// Marks basic group `chat` as migrated to supergroup `channel`.
    pub(super) fn mark_migrated(&mut self, chat: i64, channel: i64) {
        let hash = self.channel_hash(channel);
        for c in &mut self.world.chats {
            if let enums::Chat::Chat(c) = c
                && c.id == chat
            {
                c.deactivated = true;
                c.migrated_to = Some(
                    types::InputChannel {
                        channel_id: channel,
                        access_hash: hash,
                    }
                    .into(),
                );
            }
        }
    }

    fn channel_hash(&self, channel: i64) -> i64 {
        self.world
            .chats
            .iter()
            .find_map(|c| match c {
                enums::Chat::Channel(c) if c.id == channel => c.access_hash,
                _ => None,
            })
            .unwrap_or(0)
    }
}
