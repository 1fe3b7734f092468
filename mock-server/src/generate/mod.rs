//! The seeded world generator: the same [`GenerateConfig`] always gives the
//! same [`World`] (and byte-identical `world.json`).
//!
//! A generated world has the account, contacts and bots; private chats,
//! "Saved Messages", a bot chat, basic groups, a basic group migrated to a
//! supergroup, a public supergroup, public and private broadcast channels
//! and channels the account left; messages on a timeline with text
//! entities, replies, forwards, edits, reactions, every media kind and
//! service messages; split ranges every `range_size` ids of the common box,
//! the newest open up to `i32::MAX`; and contacts, top peers, sessions,
//! profile photos, stories and other data. File contents are synthesized
//! from the seed (no blobs).

mod extras;
mod grow;
mod media;
mod messages;
mod other_media;
mod people;
mod text;

use std::collections::{HashMap, HashSet};

use tl::{enums, types};

use crate::rng::Rng;
use crate::world::{Login, PeerKey, World};
use conv::{Conv, Kind};
pub use grow::{GrowConfig, grow};

mod conv;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateConfig {
    /// The seed: everything follows from it.
    pub seed: u64,
    /// Dialogs in the dialog list (the migrated group counts twice).
    pub dialogs: usize,
    /// Messages in total, service messages and left channels included.
    pub messages: usize,
    /// Messages carrying a downloadable photo or document (roughly).
    pub files: usize,
    /// The largest document size in bytes.
    pub max_file_size: u64,
    /// Common-box ids per split range (0: no split ranges).
    pub range_size: i32,
    /// Channels and supergroups the account left.
    pub left_channels: usize,
    /// The account's home DC.
    pub home_dc: i32,
    /// Other DCs files may live on.
    pub file_dcs: Vec<i32>,
    /// A 2FA password, if any.
    pub password: Option<String>,
    /// The date of the first message (unix time).
    pub start_date: i32,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            dialogs: 12,
            messages: 600,
            files: 40,
            max_file_size: 4 << 20,
            range_size: 150,
            left_channels: 3,
            home_dc: 2,
            file_dcs: vec![2, 4],
            password: None,
            start_date: 1_600_000_000,
        }
    }
}

/// The generator's state.
pub(crate) struct Gen {
    cfg: GenerateConfig,
    rng: Rng,
    next_id: i64,
    next_peer: i64,
    world: World,
    users_ctx: Vec<(i64, String)>,
    usernames: Vec<String>,
    custom_emoji_ids: Vec<i64>,
    next_common: i32,
    next_channel: HashMap<i64, i32>,
    files_left: usize,
}

/// Generates a world from `cfg`.
pub fn generate(cfg: &GenerateConfig) -> World {
    let mut rng = Rng::new(cfg.seed);
    let mut g = Gen {
        next_id: 5_000_000_000_000_000 + rng.range_i64(0, 1 << 40),
        next_peer: 100_000_000 + rng.range_i64(0, 1 << 20),
        rng,
        cfg: cfg.clone(),
        world: World::default(),
        users_ctx: Vec::new(),
        usernames: Vec::new(),
        custom_emoji_ids: Vec::new(),
        next_common: 1,
        next_channel: HashMap::new(),
        files_left: cfg.files,
    };
    g.login();
    let convs = g.plan();
    let now = g.timeline(convs);
    g.split_ranges();
    g.contacts();
    g.personal(now);
    g.stories();
    g.world
}

impl Gen {
    fn login(&mut self) {
        let dc = self.cfg.home_dc.clamp(1, 9);
        let phone = format!("99966{dc}{:04}", self.rng.below(10_000));
        self.world.seed = self.cfg.seed;
        self.world.home_dc = self.cfg.home_dc;
        self.world.login = Login {
            phone: phone.clone(),
            code: dc.to_string().repeat(5),
            password: self.cfg.password.clone(),
            hint: self.cfg.password.as_ref().map(|_| "the usual".into()),
            salt1: self.rng.bytes(8),
            salt2: self.rng.bytes(16),
            settings: Default::default(),
        };
        self.world.self_id = self.self_user(&phone);
    }

    /// The next id of `peer`'s message box.
    fn next_msg_id(&mut self, peer: PeerKey) -> i32 {
        let counter = match peer {
            PeerKey::Channel(c) => self.next_channel.entry(c).or_insert(1),
            _ => &mut self.next_common,
        };
        let id = *counter;
        *counter += 1;
        id
    }

    /// Split ranges of `range_size` common-box ids, the last one open.
    fn split_ranges(&mut self) {
        let size = self.cfg.range_size;
        let newest = self.next_common - 1;
        if size <= 0 || newest <= 0 {
            return;
        }
        let mut min_id = 1;
        while newest - min_id >= size {
            let max_id = min_id + size - 1;
            self.world
                .split_ranges
                .push(types::MessageRange { min_id, max_id }.into());
            min_id = max_id + 1;
        }
        let last = types::MessageRange {
            min_id,
            max_id: i32::MAX,
        };
        self.world.split_ranges.push(last.into());
    }

    /// The dialog entries for conversations the account is in.
    fn dialogs(&mut self, convs: &[Conv]) {
        let mut pinned = 0;
        for c in convs.iter().filter(|c| c.in_dialogs) {
            for &(peer, top) in &c.tops {
                let unread = if self.rng.chance(30) {
                    self.rng.range_i32(1, 5)
                } else {
                    0
                };
                let pin = pinned < 2 && self.rng.chance(20);
                pinned += i32::from(pin);
                let dialog = types::Dialog {
                    pinned: pin,
                    peer: peer.to_peer(),
                    top_message: top,
                    read_inbox_max_id: (top - unread).max(0),
                    read_outbox_max_id: top,
                    unread_count: unread,
                    notify_settings: types::PeerNotifySettings::default().into(),
                    pts: matches!(peer, PeerKey::Channel(_)).then_some(top + 1),
                    folder_id: (c.kind == Kind::Bot).then_some(1),
                    ..Default::default()
                };
                self.world.dialogs.push(dialog.into());
            }
        }
        let dates = top_dates(&self.world);
        let date_of = |d: &enums::Dialog| match d {
            enums::Dialog::Dialog(d) => dates
                .get(&(PeerKey::from_peer(&d.peer), d.top_message))
                .copied()
                .unwrap_or(0),
            _ => 0,
        };
        let mut keyed: Vec<(i32, enums::Dialog)> = std::mem::take(&mut self.world.dialogs)
            .into_iter()
            .map(|d| (date_of(&d), d))
            .collect();
        keyed.sort_by_key(|k| std::cmp::Reverse(k.0));
        self.world.dialogs = keyed.into_iter().map(|(_, d)| d).collect();
    }
}

/// The dates of the dialogs' top messages, by `(peer, id)`, read from the
/// message store's columns.
fn top_dates(world: &World) -> HashMap<(PeerKey, i32), i32> {
    let tops: HashSet<(PeerKey, i32)> = world
        .dialogs
        .iter()
        .filter_map(|d| match d {
            enums::Dialog::Dialog(d) => Some((PeerKey::from_peer(&d.peer), d.top_message)),
            _ => None,
        })
        .collect();
    let msgs = &world.messages;
    let mut dates = HashMap::with_capacity(tops.len());
    for i in 0..msgs.len() {
        let Some(peer) = msgs.peer(i) else { continue };
        let key = (peer, msgs.id(i));
        if tops.contains(&key) {
            dates.insert(key, msgs.date(i));
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Index;
    use std::sync::Arc;

    fn small() -> GenerateConfig {
        GenerateConfig {
            seed: 3,
            messages: 200,
            files: 20,
            range_size: 40,
            ..GenerateConfig::default()
        }
    }

    #[test]
    fn same_seed_same_world_other_seed_other_world() {
        let a = generate(&small()).to_json_string();
        assert_eq!(a, generate(&small()).to_json_string());
        let other = GenerateConfig { seed: 4, ..small() };
        assert_ne!(a, generate(&other).to_json_string());
    }

    #[test]
    fn generated_worlds_are_valid_and_complete() {
        for seed in 0..8 {
            let cfg = GenerateConfig { seed, ..small() };
            let w = generate(&cfg);
            assert_eq!(w.messages.len(), cfg.messages, "seed {seed}");
            assert_eq!(w.dialogs.len(), cfg.dialogs, "seed {seed}");
            let idx = Index::build(Arc::new(w.clone())).unwrap();
            assert_eq!(idx.left_channels.len(), cfg.left_channels);
            let migrated = w
                .chats
                .iter()
                .any(|c| matches!(c, enums::Chat::Chat(c) if c.migrated_to.is_some()));
            assert!(migrated, "seed {seed}");
            let (_, last) = crate::world::range_bounds(w.split_ranges.last().unwrap());
            assert_eq!(last, i32::MAX);
        }
    }

    /// Every message's date (and edit date) is valid and the dates grow
    /// with the ids in every chat.
    fn assert_dates_valid(w: &World) {
        let mut last: HashMap<PeerKey, (i32, i32)> = HashMap::new();
        for m in &w.messages {
            let m = &m;
            let peer = crate::world::message_peer(m).unwrap();
            let (id, date) = (crate::world::message_id(m), crate::world::message_date(m));
            assert!(date > 0, "message {id} of {peer}: date {date}");
            if let enums::Message::Message(m) = m {
                assert!(m.edit_date.is_none_or(|e| e > date), "edit of {id}");
            }
            if let Some((prev_id, prev_date)) = last.insert(peer, (id, date)) {
                assert!(id > prev_id, "ids of {peer}");
                assert!(date > prev_date, "{peer}: {id} at {date} after {prev_date}");
            }
        }
    }

    #[test]
    fn many_messages_keep_dates_valid_and_increasing() {
        // 40k messages from the default start overflowed i32 dates before
        // the pace was scaled to the count.
        let many = GenerateConfig {
            messages: 40_000,
            files: 10,
            range_size: 10_000,
            ..GenerateConfig::default()
        };
        let w = generate(&many);
        assert_eq!(w.messages.len(), many.messages);
        assert_dates_valid(&w);
        // Little room left (100 days): every step is squeezed, still
        // increasing.
        let late = GenerateConfig {
            messages: 20_000,
            start_date: i32::MAX - 100 * 86_400,
            ..many
        };
        let w = generate(&late);
        assert_dates_valid(&w);
        // Small worlds keep their natural pace (and their exact dates).
        assert_eq!(conv::Pace::new(1_600_000_000, 12, 600).step(7_000), 7_000);
        let squeezed = conv::Pace::new(i32::MAX - 100 * 86_400, 10, 20_000);
        assert!((1..=500).contains(&squeezed.step(5 * 86_400)));
        assert_eq!(squeezed.step(20), 1);
    }

    #[test]
    fn tiny_configs_do_not_panic() {
        for dialogs in 0..6 {
            for messages in [0, 1, 5, 30] {
                let cfg = GenerateConfig {
                    dialogs,
                    messages,
                    files: 3,
                    left_channels: dialogs % 3,
                    ..GenerateConfig::default()
                };
                let w = generate(&cfg);
                Index::build(Arc::new(w)).unwrap();
            }
        }
    }
}
