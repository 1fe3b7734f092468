//! Conversations and the message timeline of generated worlds.

use tl::enums;

use super::Gen;
use super::people::ChannelSpec;
use super::text;
use crate::world::PeerKey;

/// What kind of chat a conversation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// "Saved Messages" (the account's chat with itself).
    Saved,
    /// A private chat.
    Private,
    /// A chat with a bot.
    Bot,
    /// A basic group.
    Group,
    /// A basic group that migrates to a supergroup mid-way.
    Migrated,
    /// A supergroup.
    Supergroup,
    /// A broadcast channel.
    Broadcast,
}

/// One conversation being generated.
pub struct Conv {
    /// Its kind.
    pub kind: Kind,
    /// Where new messages go (the supergroup after a migration).
    pub peer: PeerKey,
    /// The supergroup a `Migrated` group becomes.
    pub later: Option<PeerKey>,
    /// Users other than the account who write here.
    pub members: Vec<i64>,
    /// Whether the account posts in it (broadcasts: it is the creator).
    pub self_writes: bool,
    /// Whether it is in the dialog list (false for left channels).
    pub in_dialogs: bool,
    /// Relative message frequency.
    pub weight: u64,
    /// Message ids so far in the current peer (for replies).
    pub ids: Vec<i32>,
    /// `(peer, top message id)` of every peer it used.
    pub tops: Vec<(PeerKey, i32)>,
}

impl Conv {
    fn new(kind: Kind, peer: PeerKey, members: Vec<i64>, weight: u64) -> Self {
        Self {
            kind,
            peer,
            later: None,
            members,
            self_writes: true,
            in_dialogs: true,
            weight,
            ids: Vec::new(),
            tops: Vec::new(),
        }
    }
}

/// The longest step before a conversation's first message (seconds).
const FIRST_STEP: i32 = 3_600;
/// The longest step between two messages (seconds).
const MAX_STEP: i32 = 5 * 86_400;
/// Room kept after the last message for dates derived from it (edits are
/// at most an hour later).
const DATE_MARGIN: i64 = 2 * 86_400;

/// The time between messages: the natural steps when the whole timeline
/// fits in `i32` dates even if every step were the longest, else every step
/// scaled down (at least 1 s) so that it does. Deterministic: the random
/// draws are the same either way, only the dates shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pace {
    /// The longest step allowed, in seconds (`None`: unscaled).
    longest: Option<i64>,
}

impl Pace {
    /// The pace of `messages` messages in `convs` conversations from
    /// `start`.
    pub(super) fn new(start: i32, convs: usize, messages: usize) -> Self {
        let room = i64::from(i32::MAX) - i64::from(start) - DATE_MARGIN;
        let convs = i64::try_from(convs).unwrap_or(i64::MAX);
        let messages = i64::try_from(messages).unwrap_or(i64::MAX);
        let worst = convs
            .saturating_mul(FIRST_STEP.into())
            .saturating_add(messages.saturating_mul(MAX_STEP.into()));
        if worst <= room {
            return Self { longest: None };
        }
        let steps = convs.saturating_add(messages).max(1);
        Self {
            longest: Some((room / steps).max(1)),
        }
    }

    /// A natural step of `raw` seconds (at most [`MAX_STEP`]) at this pace.
    pub(super) fn step(self, raw: i32) -> i32 {
        match self.longest {
            None => raw,
            Some(longest) => {
                let scaled = i64::from(raw) * longest / i64::from(MAX_STEP);
                i32::try_from(scaled.clamp(1, longest)).unwrap_or(1)
            }
        }
    }
}

impl Gen {
    /// Creates the users and chats and the list of conversations.
    pub(super) fn plan(&mut self) -> Vec<Conv> {
        let d = self.cfg.dialogs;
        let people: Vec<i64> = (0..d + 4).map(|i| self.user(i % 3 != 2, false)).collect();
        let bots: Vec<i64> = (0..2).map(|_| self.user(false, true)).collect();
        let date = self.cfg.start_date;
        for _ in 0..4 {
            let doc = self.custom_emoji_document(date);
            if let enums::Document::Document(doc) = &doc {
                self.custom_emoji_ids.push(doc.id);
            }
            self.world.custom_emoji.push(doc);
        }
        let mut convs = Vec::new();
        let mut slots = d;
        let reserve = d.div_ceil(3);
        let specials = [
            Kind::Migrated,
            Kind::Broadcast,
            Kind::Group,
            Kind::Saved,
            Kind::Bot,
            Kind::Broadcast,
            Kind::Supergroup,
        ];
        for (i, kind) in specials.into_iter().enumerate() {
            let need = if kind == Kind::Migrated { 2 } else { 1 };
            if slots < need + reserve {
                break;
            }
            slots -= need;
            let members: Vec<i64> = (0..4).map(|_| *self.rng.pick(&people)).collect();
            let title = text::title(&mut self.rng);
            let conv = match kind {
                Kind::Saved => Conv::new(kind, PeerKey::User(self.world.self_id), vec![], 3),
                Kind::Bot => Conv::new(kind, PeerKey::User(bots[0]), vec![bots[0]], 2),
                Kind::Group => Conv::new(
                    kind,
                    PeerKey::Chat(self.basic_group(title, 4, date)),
                    members,
                    6,
                ),
                Kind::Migrated => {
                    let chat = self.basic_group(title.clone(), 4, date);
                    let spec = ChannelSpec {
                        title,
                        username: None,
                        broadcast: false,
                        creator: true,
                        left: false,
                    };
                    let channel = self.channel(spec, date);
                    self.mark_migrated(chat, channel);
                    let mut c = Conv::new(kind, PeerKey::Chat(chat), members, 8);
                    c.later = Some(PeerKey::Channel(channel));
                    c
                }
                Kind::Supergroup | Kind::Broadcast => {
                    let public = i < 2 || kind == Kind::Supergroup;
                    let username =
                        public.then(|| format!("{}_{}", title.to_lowercase().replace(' ', "_"), i));
                    let spec = ChannelSpec {
                        title,
                        username,
                        broadcast: kind == Kind::Broadcast,
                        creator: !public,
                        left: false,
                    };
                    let mut c =
                        Conv::new(kind, PeerKey::Channel(self.channel(spec, date)), members, 4);
                    c.self_writes = kind == Kind::Supergroup || !public;
                    c
                }
                Kind::Private => Conv::new(kind, PeerKey::User(people[0]), vec![people[0]], 10),
            };
            convs.push(conv);
        }
        for i in 0..slots {
            let user = people[i % people.len()];
            convs.push(Conv::new(
                Kind::Private,
                PeerKey::User(user),
                vec![user],
                10,
            ));
        }
        for i in 0..self.cfg.left_channels {
            let title = text::title(&mut self.rng);
            if i == 2 {
                self.forbidden_channel(title);
                continue;
            }
            let username = (i % 2 == 1)
                .then(|| format!("left_{}_{i}", title.to_lowercase().replace(' ', "_")));
            let spec = ChannelSpec {
                title,
                username,
                broadcast: false,
                creator: false,
                left: true,
            };
            let members = (0..3).map(|_| *self.rng.pick(&people)).collect();
            let mut c = Conv::new(
                Kind::Supergroup,
                PeerKey::Channel(self.channel(spec, date)),
                members,
                1,
            );
            c.in_dialogs = false;
            convs.push(c);
        }
        self.top_peers(&people[..people.len().min(8)], &bots);
        convs
    }

    /// Generates every message; returns the date of the last one.
    pub(super) fn timeline(&mut self, mut convs: Vec<Conv>) -> i32 {
        let total = self.cfg.messages;
        let mut date = self.cfg.start_date;
        let pace = Pace::new(self.cfg.start_date, convs.len(), total);
        let migrate_at = total * 2 / 5;
        for c in &mut convs {
            if self.world.messages.len() >= total {
                break;
            }
            date = date.saturating_add(pace.step(self.rng.range_i32(60, FIRST_STEP)));
            self.first_message(c, date);
        }
        let weights: u64 = convs.iter().map(|c| c.weight).sum();
        while self.world.messages.len() < total && weights > 0 {
            let step = if self.rng.chance(3) {
                self.rng.range_i32(86_400, MAX_STEP)
            } else {
                self.rng.range_i32(20, 4 * 3_600)
            };
            date = date.saturating_add(pace.step(step));
            if self.world.messages.len() >= migrate_at && total - self.world.messages.len() >= 2 {
                if let Some(c) = convs.iter_mut().find(|c| c.later.is_some()) {
                    self.migrate(c, date);
                    continue;
                }
            }
            let mut pick = self.rng.below(weights);
            let i = convs.iter().position(|c| {
                let hit = pick < c.weight;
                pick = pick.saturating_sub(c.weight);
                hit
            });
            let Some(i) = i else { break };
            let left = total - self.world.messages.len();
            self.regular_message(&mut convs[i], date, left);
        }
        let bots: Vec<i64> = convs
            .iter()
            .filter(|c| c.kind == Kind::Bot)
            .map(|c| c.members[0])
            .collect();
        self.sessions(&bots, date);
        self.dialogs(&convs);
        date
    }
}
