//! Message text as tdesktop's flat parts, inline buttons and reactions
//! (docs/export-format.md#messages: `text`, `text_entities`, `inline_bot_buttons`,
//! `reactions`; docs/takeout.md#custom-emoji).

use crate::export::model::file::FileRef;
use crate::export::model::peer::Peer;

/// One run of text (docs/export-format.md#messages "Entity types").
#[derive(Clone, Debug, PartialEq)]
pub struct TextPart {
    /// Plain text or the entity kind with its extra data.
    pub kind: TextKind,
    /// The covered text.
    pub text: String,
}

impl TextPart {
    /// A plain run.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            kind: TextKind::Plain,
            text: text.into(),
        }
    }
}

/// Entity kinds, named as in the JSON `type` (docs/export-format.md#messages).
#[derive(Clone, Debug, PartialEq)]
pub enum TextKind {
    /// `plain`.
    Plain,
    /// `unknown`.
    Unknown,
    /// `mention` (`@name`).
    Mention,
    /// `hashtag`.
    Hashtag,
    /// `bot_command`.
    BotCommand,
    /// `link` (a URL in the text).
    Link,
    /// `email`.
    Email,
    /// `bold`.
    Bold,
    /// `italic`.
    Italic,
    /// `code`.
    Code,
    /// `pre` with its `language` (may be empty).
    Pre {
        /// The code block language.
        language: String,
    },
    /// `text_link` with its `href`.
    TextLink {
        /// The link target.
        href: String,
    },
    /// `mention_name` with its `user_id`.
    MentionName {
        /// The mentioned user.
        user_id: i64,
    },
    /// `phone`.
    Phone,
    /// `cashtag`.
    Cashtag,
    /// `underline`.
    Underline,
    /// `strikethrough`.
    Strikethrough,
    /// `blockquote`, possibly `collapsed`.
    Blockquote {
        /// Whether the quote is collapsed.
        collapsed: bool,
    },
    /// `bank_card`.
    BankCard,
    /// `spoiler`.
    Spoiler,
    /// `custom_emoji`: its document, and the file once resolved (docs/takeout.md#custom-emoji).
    CustomEmoji {
        /// The emoji's document id.
        document_id: i64,
        /// The resolved file; `None` until the engine resolves it.
        file: Option<FileRef>,
    },
}

impl TextKind {
    /// The JSON `type` string.
    pub fn json_name(&self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Unknown => "unknown",
            Self::Mention => "mention",
            Self::Hashtag => "hashtag",
            Self::BotCommand => "bot_command",
            Self::Link => "link",
            Self::Email => "email",
            Self::Bold => "bold",
            Self::Italic => "italic",
            Self::Code => "code",
            Self::Pre { .. } => "pre",
            Self::TextLink { .. } => "text_link",
            Self::MentionName { .. } => "mention_name",
            Self::Phone => "phone",
            Self::Cashtag => "cashtag",
            Self::Underline => "underline",
            Self::Strikethrough => "strikethrough",
            Self::Blockquote { .. } => "blockquote",
            Self::BankCard => "bank_card",
            Self::Spoiler => "spoiler",
            Self::CustomEmoji { .. } => "custom_emoji",
        }
    }
}

/// An inline keyboard button (docs/export-format.md#messages `inline_bot_buttons`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    /// The JSON `type`: `url`, `callback`, `switch_inline`, ...
    pub kind: &'static str,
    /// The label.
    pub text: String,
    /// The url, query, user id or copied text.
    pub data: ButtonData,
    /// The login button's forward text.
    pub forward_text: String,
    /// The login button's id (0 if none).
    pub button_id: i64,
}

/// A button's payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ButtonData {
    /// Nothing.
    None,
    /// Text data (`data`).
    Text(String),
    /// Callback bytes (`dataBase64`, base64url without padding, and
    /// `data: ""`).
    Bytes(Vec<u8>),
}

/// One reaction with its count (docs/export-format.md#messages `reactions`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reaction {
    /// Which reaction.
    pub kind: ReactionKind,
    /// How many chose it.
    pub count: i64,
    /// Recent reactors.
    pub recent: Vec<RecentReaction>,
}

/// A reaction's kind.
#[derive(Clone, Debug, PartialEq)]
pub enum ReactionKind {
    /// `emoji` with the emoji.
    Emoji(String),
    /// `custom_emoji` with its document and resolved file (docs/takeout.md#custom-emoji).
    CustomEmoji {
        /// The emoji's document id.
        document_id: i64,
        /// The resolved file; `None` until the engine resolves it.
        file: Option<FileRef>,
    },
    /// `paid` (stars).
    Paid,
    /// `empty`.
    Empty,
}

impl ReactionKind {
    /// The JSON `type`.
    pub fn json_name(&self) -> &'static str {
        match self {
            Self::Emoji(_) => "emoji",
            Self::CustomEmoji { .. } => "custom_emoji",
            Self::Paid => "paid",
            Self::Empty => "empty",
        }
    }
}

/// Someone who reacted recently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentReaction {
    /// Who.
    pub from: Peer,
    /// When.
    pub date: i64,
}
