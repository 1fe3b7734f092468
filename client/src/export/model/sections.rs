//! The non-chat sections of an export (docs/takeout.md#sections, docs/export-format.md#sections): personal
//! information, profile pictures, stories, contacts and frequent contacts,
//! sessions and web sessions, and the texts that introduce them.

use crate::export::model::file::FileRef;
use crate::export::model::peer::DialogType;
use crate::export::model::text::TextPart;

/// `personal_information` (docs/export-format.md#sections).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonalInfo {
    /// The user's id.
    pub user_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number, formatted for display (`+1 234 567 8900`).
    pub phone: String,
    /// Username without `@`, empty if none.
    pub username: String,
    /// The bio (`about`).
    pub bio: String,
}

/// One profile picture (docs/export-format.md#sections `profile_pictures`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Userpic {
    /// When it was set, 0 if unknown.
    pub date: i64,
    /// The photo file (`profile_pictures/photo_<n>@<date>.jpg`).
    pub file: FileRef,
    /// Width of the saved size.
    pub width: i32,
    /// Height of the saved size.
    pub height: i32,
}

/// One story from the archive (docs/export-format.md#sections `stories`).
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    /// The story id.
    pub id: i64,
    /// When it was posted.
    pub date: i64,
    /// When it expired.
    pub expires: i64,
    /// Pinned to the profile.
    pub pinned: bool,
    /// The photo or video (`stories/story_<n>@<date>.<ext>`).
    pub file: FileRef,
    /// The video's thumbnail, if any.
    pub thumb: Option<FileRef>,
    /// Whether the media is a video.
    pub is_video: bool,
    /// The caption (not written to JSON, shown in HTML).
    pub caption: Vec<TextPart>,
}

/// A saved phone contact (docs/export-format.md#sections `contacts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The Telegram user, 0 if not resolved.
    pub user_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number, formatted for display.
    pub phone: String,
    /// When it was saved.
    pub date: i64,
}

/// A frequent-contacts category (docs/export-format.md#sections), in tdesktop's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TopPeerCategory {
    /// `people`.
    People,
    /// `inline_bots`.
    InlineBots,
    /// `calls`.
    Calls,
}

impl TopPeerCategory {
    /// The JSON `category`.
    pub fn json_name(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::InlineBots => "inline_bots",
            Self::Calls => "calls",
        }
    }
}

/// One frequent contact.
#[derive(Clone, Debug, PartialEq)]
pub struct TopPeer {
    /// The bare peer id.
    pub id: i64,
    /// Its category.
    pub category: TopPeerCategory,
    /// User or chat kind (`user` for every user).
    pub dialog_type: DialogType,
    /// Whether the peer is a user.
    pub is_user: bool,
    /// Its name.
    pub name: String,
    /// The rating.
    pub rating: f64,
}

impl TopPeer {
    /// The JSON `type`: `user` or a chat kind.
    pub fn json_type(&self) -> &'static str {
        if self.is_user {
            "user"
        } else {
            self.dialog_type.json_name().unwrap_or("private_group")
        }
    }
}

/// Saved contacts and frequent contacts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContactsList {
    /// Saved phone contacts, in server order (writers sort them).
    pub contacts: Vec<Contact>,
    /// Frequent contacts, in category order.
    pub frequent: Vec<TopPeer>,
}

impl ContactsList {
    /// Indices of `contacts` sorted by lowercased "first last", as
    /// tdesktop's `SortedContactsIndices` (stable for equal names).
    pub fn sorted_indices(&self) -> Vec<usize> {
        let keys: Vec<String> = self
            .contacts
            .iter()
            .map(|c| format!("{} {}", c.first_name, c.last_name).to_lowercase())
            .collect();
        let mut indices: Vec<usize> = (0..keys.len()).collect();
        indices.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        indices
    }
}

/// An active session (docs/export-format.md#sections `sessions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// Last activity.
    pub last_active: i64,
    /// Last IP address.
    pub ip: String,
    /// Last country.
    pub country: String,
    /// Last region.
    pub region: String,
    /// Application name.
    pub app_name: String,
    /// Application version.
    pub app_version: String,
    /// Device model.
    pub device_model: String,
    /// Platform.
    pub platform: String,
    /// System version.
    pub system_version: String,
    /// When it was created.
    pub created: i64,
}

/// A website logged in with Telegram (docs/export-format.md#sections `web_sessions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebSession {
    /// Last activity.
    pub last_active: i64,
    /// Last IP address.
    pub ip: String,
    /// Last region.
    pub region: String,
    /// The bot's username without `@`, empty if unknown.
    pub bot_username: String,
    /// The website's domain.
    pub domain: String,
    /// Browser.
    pub browser: String,
    /// Platform.
    pub platform: String,
    /// When it was created.
    pub created: i64,
}

/// Sessions and web sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionsList {
    /// App sessions.
    pub sessions: Vec<Session>,
    /// Web sessions.
    pub web: Vec<WebSession>,
}

/// The explanatory `about` texts of the sections (tdesktop takes them from
/// the UI language, docs/export-format.md#values). [`ABOUT`] is English (the only language written); the main,
/// chats and left-chats texts are tdesktop's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AboutTexts {
    /// The top-level `about`.
    pub telegram: &'static str,
    /// `contacts.about`.
    pub contacts: &'static str,
    /// `frequent_contacts.about`.
    pub frequent: &'static str,
    /// `sessions.about`.
    pub sessions: &'static str,
    /// `web_sessions.about`.
    pub web_sessions: &'static str,
    /// `chats.about`.
    pub chats: &'static str,
    /// `left_chats.about`.
    pub left_chats: &'static str,
    /// Base of `game_link` (`https://t.me/`).
    pub internal_links_domain: &'static str,
}

/// The `about` texts every export writes.
pub const ABOUT: AboutTexts = AboutTexts {
    telegram: "Here is the data you requested. Remember: Telegram is ad free, it \
                doesn't use your data for ad targeting and doesn't sell it to others. \
                Telegram only keeps the information it needs to function as a secure and \
                feature-rich cloud service.\n\nCheck out Settings > Privacy & Security on \
                Telegram's mobile apps for the relevant settings.",
    contacts: "If you allow access, contacts are continuously synced with \
                Telegram. You can adjust this in Settings > Privacy & Security on mobile \
                devices.",
    frequent: "This rating shows which people you are likely to message \
                frequently. Telegram uses this data to populate the 'People' box at the top \
                of the Search section. The rating is also calculated for inline bots so \
                that the app can suggest the bots you are most likely to use. To delete \
                this data, go to Settings > Privacy & Security and disable 'Suggest \
                Frequent Contacts'.",
    sessions: "We store this to display your connected devices in Settings > \
                Privacy & Security > Active Sessions. Terminating a session removes this \
                data from Telegram servers.",
    web_sessions: "We store this to display the websites where you logged in \
                with Telegram in Settings > Privacy & Security > Active Sessions. Logging \
                out removes this data from Telegram servers.",
    chats: "This page lists all chats from this export.",
    left_chats: "Below are the supergroups and channels from this export that \
                you've left or where you were banned.\n\nNote that when you leave a channel \
                or supergroup you've created, you have the option to either delete it, or \
                simply leave (in case you want to rejoin later, or keep the community alive \
                despite not being a member).",
    internal_links_domain: "https://t.me/",
};
