//! The world the mock server serves: one Telegram account and everything a
//! takeout export can read from it.
//!
//! TL objects are stored as the `tl` crate's types, but for the messages
//! (most of a large world): those are kept in a compact [`MessageStore`]
//! (TL bytes in one arena, filled one message at a time by the generator
//! and the `world.json` reader) and answers copy their bytes. Messages
//! live in one list: those whose `peer_id` is a
//! user or a basic group form the account's **common message box** (one id
//! sequence shared by all private chats and basic groups, as on Telegram);
//! those whose `peer_id` is a channel form that channel's own id sequence.
//!
//! [`Index`] is the derived, validated view the services query.

mod index;
mod json;
mod json_read;
mod server;
mod store;

pub use index::{Index, PeerEntry};
pub use json::FORMAT as WORLD_FORMAT;
pub use json_read::ReadError;
pub use server::ServerSettings;
pub use store::{Iter as MessageIter, MessageStore};

use std::fmt;

use tl::enums;

/// Where a peer lives: a user, a basic group, or a channel/supergroup.
/// Ordered (users, then basic groups, then channels, each by id) so it can
/// break ties deterministically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerKey {
    /// A user (private chat).
    User(i64),
    /// A basic group.
    Chat(i64),
    /// A channel or supergroup (its own message id sequence).
    Channel(i64),
}

impl PeerKey {
    /// The key of a TL `Peer`.
    pub fn from_peer(peer: &enums::Peer) -> Self {
        match peer {
            enums::Peer::User(p) => Self::User(p.user_id),
            enums::Peer::Chat(p) => Self::Chat(p.chat_id),
            enums::Peer::Channel(p) => Self::Channel(p.channel_id),
        }
    }

    /// The TL `Peer` of this key.
    pub fn to_peer(self) -> enums::Peer {
        use tl::types::{PeerChannel, PeerChat, PeerUser};
        match self {
            Self::User(user_id) => PeerUser { user_id }.into(),
            Self::Chat(chat_id) => PeerChat { chat_id }.into(),
            Self::Channel(channel_id) => PeerChannel { channel_id }.into(),
        }
    }

    /// Whether the peer's messages are in the common message box.
    pub fn in_common_box(self) -> bool {
        !matches!(self, Self::Channel(_))
    }
}

impl fmt::Display for PeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user {id}"),
            Self::Chat(id) => write!(f, "chat {id}"),
            Self::Channel(id) => write!(f, "channel {id}"),
        }
    }
}

/// How the account logs in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Login {
    /// The phone number, digits only (as clients send it).
    pub phone: String,
    /// The code `auth.signIn` accepts.
    pub code: String,
    /// The 2FA password (cleartext: this is a test fixture), if one is set.
    pub password: Option<String>,
    /// The password hint shown by `account.getPassword`.
    pub hint: Option<String>,
    /// SRP salt1 of the current password algorithm.
    pub salt1: Vec<u8>,
    /// SRP salt2 of the current password algorithm.
    pub salt2: Vec<u8>,
    /// How `auth.sendCode` delivers the code (see [`LoginSettings`]).
    pub settings: LoginSettings,
}

/// How the login behaves beyond the code and password: each path a real
/// account meets (all off by default). In `world.json` these are keys of
/// `login` beside `phone` and `code`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoginSettings {
    /// How `auth.sendCode` delivers the code: `app` (empty: the default),
    /// `sms`, `call`, `email`, `setup_email`, `fragment`, `firebase`,
    /// `missed_call`, `flash_call`.
    pub delivery: String,
    /// What `auth.resendCode` switches to (its `next_type`), one of the
    /// above; empty: there is no other way (`SEND_CODE_UNAVAILABLE`).
    pub next_delivery: String,
    /// The masked address of an `email` delivery (`a***@example.com`).
    pub email_pattern: String,
    /// `banned` or `unoccupied`: `auth.sendCode` answers
    /// `PHONE_NUMBER_BANNED`, or the account does not exist
    /// (`PHONE_NUMBER_UNOCCUPIED` at `auth.signIn`).
    pub phone_state: String,
    /// The first this many right codes (per auth key) answer
    /// `PHONE_CODE_EXPIRED`, as if entered too late.
    pub expired_codes: u32,
    /// The first this many `auth.checkPassword` calls (per auth key) answer
    /// `SRP_ID_INVALID`, as if the SRP session had expired.
    pub srp_id_invalid: u32,
    /// QR login: the token of this many `auth.exportLoginToken` calls is
    /// shown before the next call finds it scanned (0 counts as 1).
    pub qr_scan_after: u32,
    /// QR login: seconds each token lives (0 counts as 30).
    pub qr_expires_secs: u32,
    /// QR login modeled in time instead of polls (when not 0): a logged-in
    /// device scans the code this many milliseconds after the first
    /// `auth.exportLoginToken` on a key; the server then pushes
    /// `updateLoginToken` to that key's connections, and the next call
    /// finds the code scanned. Until then each call hands out a new token.
    pub qr_scan_after_ms: u32,
}

/// One downloadable file of the world: a photo size or a document (its main
/// file when `thumb` is empty, else one of its thumbnails).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKey {
    /// `inputPhotoFileLocation`: photo id and size type ("y", "x", ...).
    Photo {
        /// The photo id.
        id: i64,
        /// The `PhotoSize` type.
        thumb: String,
    },
    /// `inputDocumentFileLocation`: document id and thumb type ("" = main).
    Document {
        /// The document id.
        id: i64,
        /// The thumbnail type, empty for the document itself.
        thumb: String,
    },
}

/// File contents given as bytes (a blob file of a fixture) instead of being
/// synthesized from the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Blob {
    /// Which file this is.
    pub key: FileKey,
    /// The blob's file name inside the fixture directory.
    pub file: String,
    /// The contents (read by the fixture loader).
    pub data: Vec<u8>,
}

/// Everything the mock server knows about one account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct World {
    /// Seed of synthesized file contents and of the server's own randomness.
    pub seed: u64,
    /// The account's user id (a user in `users` with `self` set).
    pub self_id: i64,
    /// The account's home DC.
    pub home_dc: i32,
    /// Login credentials.
    pub login: Login,
    /// All users, the account itself included.
    pub users: Vec<enums::User>,
    /// Basic groups, supergroups and channels, left ones included.
    pub chats: Vec<enums::Chat>,
    /// The account's `userFull` (about, profile photo...), if any.
    pub self_full: Option<enums::UserFull>,
    /// The dialog list (top messages are recomputed per split range).
    pub dialogs: Vec<enums::Dialog>,
    /// Every message: the common box and every channel's, in
    /// `world.json` order.
    pub messages: MessageStore,
    /// `messages.getSplitRanges`, ascending, over the common box.
    pub split_ranges: Vec<enums::MessageRange>,
    /// `contacts.getSaved`.
    pub contacts: Vec<enums::SavedContact>,
    /// Whether top peers are disabled (`contacts.topPeersDisabled`).
    pub top_peers_disabled: bool,
    /// Top peers per category (`count` is recomputed from `peers`).
    pub top_peers: Vec<enums::TopPeerCategoryPeers>,
    /// `authorization_ttl_days` of `account.authorizations`.
    pub authorization_ttl_days: i32,
    /// Active sessions.
    pub authorizations: Vec<enums::Authorization>,
    /// Web sessions (their bots must be in `users`).
    pub web_authorizations: Vec<enums::WebAuthorization>,
    /// The account's profile photos.
    pub profile_photos: Vec<enums::Photo>,
    /// The account's story archive.
    pub stories: Vec<enums::StoryItem>,
    /// Custom emoji documents (`messages.getCustomEmojiDocuments`).
    pub custom_emoji: Vec<enums::Document>,
    /// The takeout "other data" JSON (`inputTakeoutFileLocation`); `None`
    /// answers `TAKEOUT_FILE_EMPTY`.
    pub other_data: Option<serde_json::Value>,
    /// Files whose contents are given as bytes; all others are synthesized.
    pub blobs: Vec<Blob>,
    /// How the server misbehaves (`server` in `world.json`; all off by
    /// default).
    pub server: ServerSettings,
}

/// A world that is not consistent, with the JSON path of the culprit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct WorldError {
    /// JSON path in `world.json`, e.g. `messages.12.peer_id`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl WorldError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The id of a message (0 for none).
pub fn message_id(m: &enums::Message) -> i32 {
    match m {
        enums::Message::Empty(m) => m.id,
        enums::Message::Message(m) => m.id,
        enums::Message::Service(m) => m.id,
    }
}

/// The date of a message (0 for `messageEmpty`).
pub fn message_date(m: &enums::Message) -> i32 {
    match m {
        enums::Message::Empty(_) => 0,
        enums::Message::Message(m) => m.date,
        enums::Message::Service(m) => m.date,
    }
}

/// The chat a message belongs to.
pub fn message_peer(m: &enums::Message) -> Option<PeerKey> {
    match m {
        enums::Message::Empty(m) => m.peer_id.as_ref().map(PeerKey::from_peer),
        enums::Message::Message(m) => Some(PeerKey::from_peer(&m.peer_id)),
        enums::Message::Service(m) => Some(PeerKey::from_peer(&m.peer_id)),
    }
}

/// Whether the account itself sent the message (`out`, or `from_id` is the
/// account).
pub fn message_is_from(m: &enums::Message, self_id: i64) -> bool {
    let (out, from) = match m {
        enums::Message::Empty(_) => return false,
        enums::Message::Message(m) => (m.out, m.from_id.as_ref()),
        enums::Message::Service(m) => (m.out, m.from_id.as_ref()),
    };
    out || from.map(PeerKey::from_peer) == Some(PeerKey::User(self_id))
}

/// The text of a message (empty for service messages).
pub fn message_text(m: &enums::Message) -> &str {
    match m {
        enums::Message::Message(m) => &m.message,
        _ => "",
    }
}

/// The id of a user.
pub fn user_id(u: &enums::User) -> i64 {
    match u {
        enums::User::Empty(u) => u.id,
        enums::User::User(u) => u.id,
    }
}

/// The key of a chat (`None` for kinds the mock does not model).
pub fn chat_key(c: &enums::Chat) -> Option<PeerKey> {
    match c {
        enums::Chat::Empty(c) => Some(PeerKey::Chat(c.id)),
        enums::Chat::Chat(c) => Some(PeerKey::Chat(c.id)),
        enums::Chat::Forbidden(c) => Some(PeerKey::Chat(c.id)),
        enums::Chat::Channel(c) => Some(PeerKey::Channel(c.id)),
        enums::Chat::ChannelForbidden(c) => Some(PeerKey::Channel(c.id)),
        _ => None,
    }
}

/// The peer of a dialog (`None` for folders and other non-chat entries).
pub fn dialog_peer(d: &enums::Dialog) -> Option<PeerKey> {
    match d {
        enums::Dialog::Dialog(d) => Some(PeerKey::from_peer(&d.peer)),
        _ => None,
    }
}

/// The `(min_id, max_id)` of a range.
pub fn range_bounds(r: &enums::MessageRange) -> (i32, i32) {
    let enums::MessageRange::MessageRange(r) = r;
    (r.min_id, r.max_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_keys_round_trip_and_order() {
        for key in [PeerKey::User(5), PeerKey::Chat(6), PeerKey::Channel(7)] {
            assert_eq!(PeerKey::from_peer(&key.to_peer()), key);
        }
        assert!(PeerKey::User(9) < PeerKey::Chat(1));
        assert!(PeerKey::Chat(9) < PeerKey::Channel(1));
        assert!(PeerKey::Chat(1).in_common_box());
        assert!(!PeerKey::Channel(1).in_common_box());
        assert_eq!(PeerKey::Channel(3).to_string(), "channel 3");
    }

    #[test]
    fn message_accessors() {
        let m: enums::Message = tl::types::Message {
            id: 4,
            date: 100,
            out: true,
            peer_id: PeerKey::User(2).to_peer(),
            message: "hi".into(),
            ..Default::default()
        }
        .into();
        assert_eq!(message_id(&m), 4);
        assert_eq!(message_date(&m), 100);
        assert_eq!(message_peer(&m), Some(PeerKey::User(2)));
        assert!(message_is_from(&m, 1));
        assert_eq!(message_text(&m), "hi");
    }
}
