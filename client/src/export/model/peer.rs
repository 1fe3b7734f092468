//! Who: a peer's identity ([`PeerId`]), a peer with its name ([`Peer`]),
//! and the kinds of chats ([`DialogType`]).

/// A peer's identity: docs/export-format.md#values prints it as `"user<id>"`,
/// `"chat<id>"` or `"channel<id>"` with bare ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerId {
    /// A user (bare user id).
    User(i64),
    /// A basic group (bare chat id).
    Chat(i64),
    /// A channel or supergroup (bare channel id, no `-100` prefix).
    Channel(i64),
}

impl PeerId {
    /// The bare id: the chat `id` and the frequent-contact `id` in JSON.
    pub fn bare(self) -> i64 {
        match self {
            Self::User(id) | Self::Chat(id) | Self::Channel(id) => id,
        }
    }

    /// The kind as the prefix of [`PeerId`]'s `Display`: `user`, `chat`
    /// or `channel`.
    pub fn kind_name(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Chat(_) => "chat",
            Self::Channel(_) => "channel",
        }
    }

    /// tdesktop's internal peer id `bare | type << 48` (type 0 user, 1 chat,
    /// 2 channel), used by `requested_peer.peers` and giveaway winners.
    pub fn internal(self) -> i64 {
        let (kind, bare) = match self {
            Self::User(id) => (0, id),
            Self::Chat(id) => (1, id),
            Self::Channel(id) => (2, id),
        };
        bare.wrapping_add(kind << 48)
    }
}

impl std::fmt::Display for PeerId {
    /// `user123`, `chat123`, `channel123`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::User(id) => write!(f, "user{id}"),
            Self::Chat(id) => write!(f, "chat{id}"),
            Self::Channel(id) => write!(f, "channel{id}"),
        }
    }
}

/// A peer with its name as resolved from the same TL response; the name is
/// empty when the response did not include the peer (JSON prints `null`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Who.
    pub id: PeerId,
    /// "First Last" for users, the title for chats, or empty.
    pub name: String,
}

/// Chat kinds as tdesktop's `DialogInfo::Type` (docs/takeout.md#dialogs, docs/export-format.md#chats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DialogType {
    /// The user's own Saved Messages.
    SavedMessages,
    /// The "Replies" service chat (user 1271266957).
    Replies,
    /// The "Verification Codes" service chat (user 489000).
    VerificationCodes,
    /// A one-to-one chat with a user.
    Personal,
    /// A chat with a bot.
    Bot,
    /// A basic group.
    PrivateGroup,
    /// A supergroup without a public username.
    PrivateSupergroup,
    /// A supergroup with a public username.
    PublicSupergroup,
    /// A broadcast channel without a public username.
    PrivateChannel,
    /// A broadcast channel with a public username.
    PublicChannel,
    /// Anything else (JSON `type: null`).
    #[default]
    Unknown,
}

impl DialogType {
    /// The JSON `type` of a chat, `None` for [`DialogType::Unknown`].
    pub fn json_name(self) -> Option<&'static str> {
        Some(match self {
            Self::SavedMessages => "saved_messages",
            Self::Replies => "replies",
            Self::VerificationCodes => "verification_codes",
            Self::Personal => "personal_chat",
            Self::Bot => "bot_chat",
            Self::PrivateGroup => "private_group",
            Self::PrivateSupergroup => "private_supergroup",
            Self::PublicSupergroup => "public_supergroup",
            Self::PrivateChannel => "private_channel",
            Self::PublicChannel => "public_channel",
            Self::Unknown => return None,
        })
    }

    /// Whether JSON omits the chat `name` (docs/export-format.md#chats).
    pub fn hides_name(self) -> bool {
        matches!(
            self,
            Self::SavedMessages | Self::Replies | Self::VerificationCodes
        )
    }
}
