//! Growing a world: the same account a while later, with new messages
//! (some with photos) in its chats and new private chats, for testing
//! `export --update` (README "Keeping an export up to date"). Nothing that
//! was there changes but the dialogs' top messages and order; the new
//! messages have new ids and dates after every earlier message. The same
//! world and [`GrowConfig`] always give the same grown world.

use std::collections::HashMap;

use tl::{enums, types};

use super::{Gen, GenerateConfig};
use crate::rng::Rng;
use crate::world::{PeerKey, World};

/// What to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrowConfig {
    /// The seed of what is added.
    pub seed: u64,
    /// New messages in all (the new chats' included).
    pub messages: usize,
    /// How many of them carry a new photo.
    pub files: usize,
    /// New private chats (each gets at least one of the new messages).
    pub chats: usize,
}

/// The peers new messages may go to: the dialogs' users, basic groups
/// that were not migrated, and channels (broadcast or not).
fn targets(world: &World) -> Vec<(PeerKey, bool)> {
    let migrated: Vec<i64> = world
        .chats
        .iter()
        .filter_map(|c| match c {
            enums::Chat::Chat(c) if c.migrated_to.is_some() || c.deactivated => Some(c.id),
            _ => None,
        })
        .collect();
    let broadcast = |id: i64| {
        world
            .chats
            .iter()
            .any(|c| matches!(c, enums::Chat::Channel(c) if c.id == id && c.broadcast))
    };
    world
        .dialogs
        .iter()
        .filter_map(|d| match d {
            enums::Dialog::Dialog(d) => Some(PeerKey::from_peer(&d.peer)),
            _ => None,
        })
        .filter(|p| !matches!(p, PeerKey::Chat(id) if migrated.contains(id)))
        .map(|p| {
            let b = matches!(p, PeerKey::Channel(id) if broadcast(id));
            (p, b)
        })
        .collect()
}

/// `world` grown by `cfg`.
pub fn grow(world: &World, cfg: &GrowConfig) -> World {
    let mut rng = Rng::new(cfg.seed ^ 0x6772_6f77);
    let mut next_common = 1;
    let mut next_channel: HashMap<i64, i32> = HashMap::new();
    let mut last_date = 0;
    let msgs = &world.messages;
    for i in 0..msgs.len() {
        last_date = last_date.max(msgs.date(i));
        let id = msgs.id(i);
        match msgs.peer(i) {
            Some(PeerKey::Channel(c)) => {
                let n = next_channel.entry(c).or_insert(1);
                *n = (*n).max(id + 1);
            }
            Some(_) => next_common = next_common.max(id + 1),
            None => {}
        }
    }
    let max_peer = world
        .users
        .iter()
        .map(|u| match u {
            enums::User::User(u) => u.id,
            enums::User::Empty(u) => u.id,
        })
        .max()
        .unwrap_or(0);
    let mut g = Gen {
        next_id: 7_000_000_000_000_000 + rng.range_i64(0, 1 << 40),
        next_peer: max_peer.max(200_000_000) + rng.range_i64(1, 1 << 20),
        rng,
        cfg: GenerateConfig {
            seed: cfg.seed,
            home_dc: world.home_dc,
            file_dcs: vec![world.home_dc],
            start_date: last_date,
            ..GenerateConfig::default()
        },
        world: world.clone(),
        users_ctx: Vec::new(),
        usernames: Vec::new(),
        custom_emoji_ids: Vec::new(),
        next_common,
        next_channel,
        files_left: cfg.files,
    };
    let mut peers = targets(world);
    let mut new_chats = Vec::new();
    for _ in 0..cfg.chats {
        let id = g.user(false, false);
        new_chats.push(PeerKey::User(id));
        peers.push((PeerKey::User(id), false));
    }
    let mut date = last_date;
    let mut tops: HashMap<PeerKey, i32> = HashMap::new();
    for n in 0..cfg.messages {
        // The new chats first get one message each, then any chat.
        let (peer, broadcast) = match new_chats.get(n) {
            Some(p) => (*p, false),
            None if peers.is_empty() => break,
            None => peers[g.rng.index(peers.len())],
        };
        date = date.saturating_add(g.rng.range_i32(30, 4_000));
        let id = g.next_msg_id(peer);
        let photo = (g.files_left > 0
            && g.rng.below(100) < ((g.files_left * 100) / (cfg.messages - n).max(1)) as u64)
            .then(|| {
                g.files_left -= 1;
                g.photo(date)
            });
        let me = g.world.self_id;
        let text = format!("update {} number {n}", cfg.seed);
        let m = types::Message {
            out: !broadcast,
            post: broadcast,
            id,
            from_id: (!broadcast).then(|| PeerKey::User(me).to_peer()),
            peer_id: peer.to_peer(),
            date,
            message: text,
            media: photo.map(|p| {
                types::MessageMediaPhoto {
                    photo: Some(p),
                    ..Default::default()
                }
                .into()
            }),
            ..Default::default()
        };
        g.world.messages.push(&m.into());
        tops.insert(peer, id);
    }
    for peer in &new_chats {
        let Some(top) = tops.get(peer) else { continue };
        let d = types::Dialog {
            peer: peer.to_peer(),
            top_message: *top,
            read_inbox_max_id: *top,
            read_outbox_max_id: *top,
            notify_settings: types::PeerNotifySettings::default().into(),
            ..Default::default()
        };
        g.world.dialogs.push(d.into());
    }
    for d in &mut g.world.dialogs {
        if let enums::Dialog::Dialog(d) = d {
            if let Some(top) = tops.get(&PeerKey::from_peer(&d.peer)) {
                d.top_message = *top;
                d.read_outbox_max_id = *top;
                d.read_inbox_max_id = *top;
                if d.pts.is_some() {
                    d.pts = Some(top + 1);
                }
            }
        }
    }
    // Newest first, as the generator orders them (ties keep their order).
    let dates = super::top_dates(&g.world);
    let date_of = |d: &enums::Dialog| match d {
        enums::Dialog::Dialog(d) => dates
            .get(&(PeerKey::from_peer(&d.peer), d.top_message))
            .copied()
            .unwrap_or(0),
        _ => 0,
    };
    g.world
        .dialogs
        .sort_by_key(|d| std::cmp::Reverse(date_of(d)));
    g.world
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{Index, message_date};
    use std::sync::Arc;

    #[test]
    fn grown_worlds_keep_what_was_there_and_are_deterministic() {
        let base = super::super::generate(&GenerateConfig {
            seed: 5,
            messages: 300,
            files: 10,
            range_size: 60,
            ..GenerateConfig::default()
        });
        let cfg = GrowConfig {
            seed: 9,
            messages: 40,
            files: 6,
            chats: 2,
        };
        let grown = grow(&base, &cfg);
        assert_eq!(grown.to_json_string(), grow(&base, &cfg).to_json_string());
        assert_eq!(grown.messages.len(), 340);
        let (all, before) = (grown.messages.to_vec(), base.messages.to_vec());
        assert_eq!(all[..300], before[..]);
        assert_eq!(grown.dialogs.len(), base.dialogs.len() + 2);
        assert_eq!(grown.users.len(), base.users.len() + 2);
        let photos = all[300..]
            .iter()
            .filter(|m| matches!(m, enums::Message::Message(m) if m.media.is_some()))
            .count();
        assert_eq!(photos, 6);
        let last = before.iter().map(message_date).max().unwrap();
        assert!(all[300..].iter().all(|m| message_date(m) > last));
        Index::build(Arc::new(grown)).unwrap();
        // Nothing added: the same world.
        let none = GrowConfig {
            messages: 0,
            files: 0,
            chats: 0,
            ..cfg
        };
        assert_eq!(grow(&base, &none), base);
    }
}
