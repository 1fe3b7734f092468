//! Our own stable export model: what an export contains, independent of the
//! TL layer (docs/architecture.md#layers). [`crate::export::convert`] fills it from TL
//! objects; the writers ([`crate::export::json`], [`crate::export::html`]) stream it out.
//!
//! The sections follow docs/takeout.md (what data each section has) and docs/export-format.md (what
//! the JSON shows of it). The model keeps a little more than tdesktop's JSON
//! prints (full names, the error of a failed file) so the HTML pages and later
//! formats lose nothing. Media and service actions live in [`crate::export::model::media`]
//! and [`crate::export::model::action`].

pub mod action;
pub mod file;
pub mod media;
pub mod peer;
pub mod sections;
pub mod text;

pub use crate::export::model::action::Action;
pub use crate::export::model::file::{
    FileKey, FileKind, FileLocation, FileRef, FileStatus, SkipReason,
};
pub use crate::export::model::media::Media;
pub use crate::export::model::peer::{DialogType, Peer, PeerId};
pub use crate::export::model::sections::*;
pub use crate::export::model::text::{
    Button, ButtonData, Reaction, ReactionKind, RecentReaction, TextKind, TextPart,
};

/// One exported chat, without its messages (those are streamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatInfo {
    /// The chat's peer.
    pub id: PeerId,
    /// For users the first name only (tdesktop's JSON quirk, docs/export-format.md#chats), for
    /// chats the title.
    pub name: String,
    /// The user's last name (empty for chats); the HTML pages show it.
    pub last_name: String,
    /// What kind of chat it is.
    pub dialog_type: DialogType,
    /// A channel or supergroup the user has left (`left_chats`).
    pub is_left: bool,
    /// The chat's folder relative to the export root, ending in `/`
    /// (`chats/chat_001/`), or empty for a single-chat export.
    pub folder: String,
}

impl ChatInfo {
    /// The full name shown in the HTML pages.
    pub fn display_name(&self) -> String {
        join_name(&self.name, &self.last_name)
    }
}

/// "First Last", "First", "Last" or "" as tdesktop's `ContactInfo::name`.
pub fn join_name(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (false, false) => {
            let mut name = String::with_capacity(first.len() + 1 + last.len());
            name.push_str(first);
            name.push(' ');
            name.push_str(last);
            name
        }
        (false, true) => first.to_owned(),
        (true, _) => last.to_owned(),
    }
}

/// The kind of a message object (docs/export-format.md#messages `type`).
#[derive(Clone, Debug, PartialEq)]
pub enum MessageKind {
    /// A regular message (`type: "message"`), also used for service
    /// actions tdesktop parses to nothing (docs/export-format.md#service-messages).
    Regular,
    /// A service message (`type: "service"`) with its action.
    Service(Action),
    /// A `messageEmpty` (written as a regular message with date 0, E).
    Empty,
}

/// Where a message replies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    /// The replied message id (shifted like the message for migrated
    /// history when it has no peer, docs/takeout.md#history).
    pub message_id: i64,
    /// The other chat, only for cross-chat replies.
    pub peer: Option<PeerId>,
}

/// The forward header of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forwarded {
    /// The original sender if known, with its resolved name.
    pub from: Option<Peer>,
    /// The sender's name when hidden (`from_name`).
    pub from_name: String,
    /// When the original was sent.
    pub date: i64,
}

impl Forwarded {
    /// The `forwarded_from` value: the peer's name, else the hidden name.
    pub fn name(&self) -> &str {
        match &self.from {
            Some(peer) => &peer.name,
            None => &self.from_name,
        }
    }
}

/// One message of a chat (docs/export-format.md#messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The id; negative for migrated basic-group history (docs/takeout.md#history).
    pub id: i64,
    /// Regular, service or empty.
    pub kind: MessageKind,
    /// Unix date.
    pub date: i64,
    /// Unix date of the last edit, 0 if never edited.
    pub edited: i64,
    /// Whether the user sent it.
    pub out: bool,
    /// The sender (or the chat itself for channel posts), with its name.
    pub from: Option<Peer>,
    /// The post signature (`author`).
    pub signature: String,
    /// The forward header.
    pub forwarded: Option<Forwarded>,
    /// The chat a Saved Messages entry was saved from (`saved_from`).
    pub saved_from: Option<Peer>,
    /// The replied message.
    pub reply_to: Option<ReplyTo>,
    /// The inline bot's username without `@`, empty if none or unknown.
    pub via_bot: String,
    /// The attached media.
    pub media: Media,
    /// The text as tdesktop's flat, non-overlapping parts (docs/export-format.md#messages).
    pub text: Vec<TextPart>,
    /// Inline keyboard rows.
    pub buttons: Vec<Vec<Button>>,
    /// Reactions with counts.
    pub reactions: Vec<Reaction>,
}

impl Message {
    /// An empty regular message with this id and date.
    pub fn new(id: i64, date: i64) -> Self {
        Self {
            id,
            kind: MessageKind::Regular,
            date,
            edited: 0,
            out: false,
            from: None,
            signature: String::new(),
            forwarded: None,
            saved_from: None,
            reply_to: None,
            via_bot: String::new(),
            media: Media::None,
            text: Vec::new(),
            buttons: Vec::new(),
            reactions: Vec::new(),
        }
    }

    /// The service action, if this is a service message.
    pub fn action(&self) -> Option<&Action> {
        match &self.kind {
            MessageKind::Service(action) => Some(action),
            _ => None,
        }
    }

    /// Every file of the message in download order (docs/takeout.md#history: file, then
    /// thumbnail, then custom emoji, then reaction emoji), for the engine to
    /// fill in statuses.
    pub fn files_mut(&mut self) -> Vec<&mut FileRef> {
        let mut files = Vec::new();
        if let MessageKind::Service(action) = &mut self.kind {
            if let Some(photo) = action.photo_mut() {
                files.push(&mut photo.file);
            }
        }
        files.extend(self.media.files_mut());
        for part in &mut self.text {
            if let TextKind::CustomEmoji {
                file: Some(file), ..
            } = &mut part.kind
            {
                files.push(file);
            }
        }
        for reaction in &mut self.reactions {
            if let ReactionKind::CustomEmoji {
                file: Some(file), ..
            } = &mut reaction.kind
            {
                files.push(file);
            }
        }
        files
    }

    /// Custom emoji document ids of the text and reactions that have no file
    /// yet (docs/takeout.md#custom-emoji "collect").
    pub fn unresolved_custom_emoji(&self) -> Vec<i64> {
        let text = self.text.iter().filter_map(|part| match &part.kind {
            TextKind::CustomEmoji {
                document_id,
                file: None,
            } => Some(*document_id),
            _ => None,
        });
        let reactions = self.reactions.iter().filter_map(|r| match &r.kind {
            ReactionKind::CustomEmoji {
                document_id,
                file: None,
            } => Some(*document_id),
            _ => None,
        });
        text.chain(reactions).collect()
    }

    /// Attaches the resolved file of custom emoji `document_id` wherever the
    /// text or the reactions use it (docs/takeout.md#custom-emoji "output").
    pub fn set_custom_emoji(&mut self, document_id: i64, file: &FileRef) {
        for part in &mut self.text {
            if let TextKind::CustomEmoji {
                document_id: id,
                file: slot,
            } = &mut part.kind
            {
                if *id == document_id {
                    *slot = Some(file.clone());
                }
            }
        }
        for reaction in &mut self.reactions {
            if let ReactionKind::CustomEmoji {
                document_id: id,
                file: slot,
            } = &mut reaction.kind
            {
                if *id == document_id {
                    *slot = Some(file.clone());
                }
            }
        }
    }
}
