//! The messages of generated conversations: service messages, texts,
//! media, replies, forwards, edits and reactions.

use tl::{enums, types};

use super::Gen;
use super::conv::{Conv, Kind};
use super::media::DOC_KINDS;
use super::text::{self, TextCtx};
use crate::world::PeerKey;

impl Gen {
    fn push(&mut self, c: &mut Conv, message: enums::Message, id: i32) {
        c.ids.push(id);
        match c.tops.last_mut() {
            Some((peer, top)) if *peer == c.peer => *top = id,
            _ => c.tops.push((c.peer, id)),
        }
        self.world.messages.push(&message);
    }

    fn service(
        &mut self,
        c: &mut Conv,
        date: i32,
        from: Option<i64>,
        action: enums::MessageAction,
    ) {
        let id = self.next_msg_id(c.peer);
        let me = self.world.self_id;
        let m = types::MessageService {
            out: from == Some(me),
            id,
            from_id: from.map(|u| PeerKey::User(u).to_peer()),
            peer_id: c.peer.to_peer(),
            date,
            action,
            ..Default::default()
        };
        self.push(c, m.into(), id);
    }

    pub(super) fn first_message(&mut self, c: &mut Conv, date: i32) {
        let me = self.world.self_id;
        let title = match self
            .world
            .chats
            .iter()
            .find(|ch| crate::world::chat_key(ch) == Some(c.peer))
        {
            Some(enums::Chat::Chat(ch)) => ch.title.clone(),
            Some(enums::Chat::Channel(ch)) => ch.title.clone(),
            _ => String::new(),
        };
        match c.kind {
            Kind::Group | Kind::Migrated => {
                let action = types::MessageActionChatCreate {
                    title,
                    users: c.members.clone(),
                };
                self.service(c, date, Some(me), action.into());
            }
            Kind::Broadcast | Kind::Supergroup if c.in_dialogs => {
                let from = c.self_writes.then_some(me);
                self.service(
                    c,
                    date,
                    from,
                    types::MessageActionChannelCreate { title }.into(),
                );
            }
            _ => self.regular_message(c, date, 1),
        }
    }

    pub(super) fn migrate(&mut self, c: &mut Conv, date: i32) {
        let Some(target) = c.later.take() else { return };
        let PeerKey::Channel(channel_id) = target else {
            return;
        };
        let PeerKey::Chat(chat_id) = c.peer else {
            return;
        };
        let me = Some(self.world.self_id);
        self.service(
            c,
            date,
            me,
            types::MessageActionChatMigrateTo { channel_id }.into(),
        );
        let title = text::title(&mut self.rng);
        c.peer = target;
        c.ids.clear();
        self.service(
            c,
            date,
            me,
            types::MessageActionChannelMigrateFrom { title, chat_id }.into(),
        );
    }

    /// One message of `c` (maybe a service message); `left` is how many
    /// messages remain to be generated (to spread the file budget).
    pub(super) fn regular_message(&mut self, c: &mut Conv, date: i32, left: usize) {
        let me = self.world.self_id;
        let group = matches!(c.kind, Kind::Group | Kind::Migrated | Kind::Supergroup);
        let r = self.rng.below(100);
        if c.kind == Kind::Private && r < 3 {
            let reason = if self.rng.chance(30) {
                enums::PhoneCallDiscardReason::Missed
            } else {
                enums::PhoneCallDiscardReason::Hangup
            };
            let missed = reason == enums::PhoneCallDiscardReason::Missed;
            let action = types::MessageActionPhoneCall {
                video: self.rng.chance(20),
                call_id: self.rng.positive_i64(),
                duration: (!missed).then(|| self.rng.range_i32(5, 900)),
                reason: Some(reason),
            };
            let from = if self.rng.chance(50) {
                me
            } else {
                c.members[0]
            };
            return self.service(c, date, Some(from), action.into());
        }
        if group && r < 6 && !c.ids.is_empty() {
            let from = Some(me);
            let action: enums::MessageAction = match r {
                0 | 1 => types::MessageActionChatAddUser {
                    users: vec![*self.rng.pick(&c.members)],
                }
                .into(),
                2 if self.files_left > 0 => {
                    self.files_left -= 1;
                    types::MessageActionChatEditPhoto {
                        photo: self.photo(date),
                    }
                    .into()
                }
                3 => types::MessageActionChatEditTitle {
                    title: text::title(&mut self.rng),
                }
                .into(),
                _ => {
                    let id = self.next_msg_id(c.peer);
                    let pinned = *self.rng.pick(&c.ids);
                    let m = types::MessageService {
                        out: true,
                        id,
                        from_id: Some(PeerKey::User(me).to_peer()),
                        peer_id: c.peer.to_peer(),
                        reply_to: Some(
                            types::MessageReplyHeader {
                                reply_to_msg_id: Some(pinned),
                                ..Default::default()
                            }
                            .into(),
                        ),
                        date,
                        action: enums::MessageAction::PinMessage,
                        ..Default::default()
                    };
                    return self.push(c, m.into(), id);
                }
            };
            return self.service(c, date, from, action);
        }
        let m = self.content_message(c, date, left);
        let id = crate::world::message_id(&m);
        self.push(c, m, id);
    }

    fn content_message(&mut self, c: &mut Conv, date: i32, left: usize) -> enums::Message {
        let me = self.world.self_id;
        let broadcast = c.kind == Kind::Broadcast;
        let out = match c.kind {
            Kind::Saved => true,
            Kind::Broadcast => c.self_writes,
            _ if c.members.is_empty() => true,
            Kind::Private | Kind::Bot => self.rng.chance(50),
            _ => c.self_writes && self.rng.chance(30),
        };
        let from = if out {
            me
        } else {
            c.members
                .get(self.rng.index(c.members.len()))
                .copied()
                .unwrap_or(me)
        };
        let id = self.next_msg_id(c.peer);
        let ctx = TextCtx {
            users: &self.users_ctx,
            usernames: &self.usernames,
            custom_emoji: &self.custom_emoji_ids,
        };
        let body = text::message(&mut self.rng, &ctx);
        let file_chance = (self.files_left * 100)
            .checked_div(left.max(1))
            .unwrap_or(0) as u64;
        let media: Option<enums::MessageMedia> =
            if self.files_left > 0 && self.rng.below(100) < file_chance.max(1) {
                self.files_left -= 1;
                Some(if self.rng.chance(40) {
                    types::MessageMediaPhoto {
                        photo: Some(self.photo(date)),
                        ..Default::default()
                    }
                    .into()
                } else {
                    let kind = *self.rng.pick(DOC_KINDS);
                    self.document(kind, date)
                })
            } else if self.rng.chance(5) {
                Some(self.light_media())
            } else {
                None
            };
        let bare = matches!(
            &media,
            Some(
                enums::MessageMedia::Geo(_)
                    | enums::MessageMedia::Venue(_)
                    | enums::MessageMedia::Contact(_)
                    | enums::MessageMedia::Poll(_)
            )
        );
        let (message, entities) = if bare || (media.is_some() && self.rng.chance(50)) {
            (String::new(), None)
        } else {
            (body.text, Some(body.entities).filter(|e| !e.is_empty()))
        };
        let reply_to = (!c.ids.is_empty() && self.rng.chance(15)).then(|| {
            types::MessageReplyHeader {
                reply_to_msg_id: Some(*self.rng.pick(&c.ids)),
                ..Default::default()
            }
            .into()
        });
        let fwd_from = (self.rng.chance(if c.kind == Kind::Saved { 60 } else { 5 }))
            .then(|| self.forward_header(date));
        types::Message {
            out,
            post: broadcast,
            id,
            from_id: (!broadcast).then(|| PeerKey::User(from).to_peer()),
            peer_id: c.peer.to_peer(),
            fwd_from,
            reply_to,
            date,
            message,
            media,
            entities,
            views: broadcast.then(|| self.rng.range_i32(10, 50_000)),
            forwards: broadcast.then(|| self.rng.range_i32(0, 500)),
            edit_date: self
                .rng
                .chance(8)
                .then(|| date + self.rng.range_i32(10, 3_600)),
            reactions: self.rng.chance(10).then(|| self.reactions()),
            ..Default::default()
        }
        .into()
    }

    fn forward_header(&mut self, date: i32) -> enums::MessageFwdHeader {
        let from = self
            .users_ctx
            .get(self.rng.index(self.users_ctx.len()))
            .map(|u| u.0)
            .unwrap_or(self.world.self_id);
        types::MessageFwdHeader {
            from_id: Some(PeerKey::User(from).to_peer()),
            date: date - self.rng.range_i32(60, 86_400 * 30),
            ..Default::default()
        }
        .into()
    }
}
