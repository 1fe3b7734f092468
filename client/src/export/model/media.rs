//! Message media in the export model (docs/export-format.md#media).

use crate::export::model::file::FileRef;
use crate::export::model::text::TextPart;

/// What a message carries besides text.
// Messages live one page at a time; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Media {
    /// Nothing (or media tdesktop ignores: web pages, dice, stories).
    None,
    /// A photo.
    Photo(Photo),
    /// A document: file, video, voice, sticker, animation, audio.
    Document(Document),
    /// A shared contact.
    Contact(Contact),
    /// A location, possibly live.
    Geo(Geo),
    /// A venue.
    Venue(Venue),
    /// A game.
    Game(Game),
    /// An invoice.
    Invoice(Invoice),
    /// A poll.
    Poll(Poll),
    /// A to-do list.
    TodoList(TodoList),
    /// A giveaway announcement.
    Giveaway(Giveaway),
    /// Giveaway results.
    GiveawayResults(GiveawayResults),
    /// Paid media: only the price is exported.
    PaidMedia {
        /// The price in stars.
        stars: i64,
    },
    /// `messageMediaUnsupported`: JSON writes only `{id, type:
    /// "unsupported"}`.
    Unsupported,
}

impl Media {
    /// The files of the media in download order (file, then thumbnail).
    pub fn files_mut(&mut self) -> Vec<&mut FileRef> {
        match self {
            Self::Photo(photo) => vec![&mut photo.file],
            Self::Document(doc) => {
                let mut files = vec![&mut doc.file];
                if let Some(thumb) = &mut doc.thumb {
                    files.push(&mut thumb.file);
                }
                files
            }
            Self::Contact(contact) => contact.vcard.iter_mut().collect(),
            _ => Vec::new(),
        }
    }
}

/// A photo (also the photo of group-photo service actions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Photo {
    /// The largest size's file.
    pub file: FileRef,
    /// Its width (0 if unknown).
    pub width: i32,
    /// Its height (0 if unknown).
    pub height: i32,
    /// Hidden under a spoiler.
    pub spoiler: bool,
    /// Self-destruct period in seconds, 0 if none.
    pub ttl: i32,
}

/// The media type of a document, in tdesktop's first-match order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// `sticker`.
    Sticker,
    /// `video_message` (round video).
    VideoMessage,
    /// `voice_message`.
    VoiceMessage,
    /// `animation` (GIF).
    Animation,
    /// `video_file`.
    VideoFile,
    /// `audio_file` (music).
    AudioFile,
}

impl DocumentType {
    /// The JSON `media_type`.
    pub fn json_name(self) -> &'static str {
        match self {
            Self::Sticker => "sticker",
            Self::VideoMessage => "video_message",
            Self::VoiceMessage => "voice_message",
            Self::Animation => "animation",
            Self::VideoFile => "video_file",
            Self::AudioFile => "audio_file",
        }
    }
}

/// A document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The file.
    pub file: FileRef,
    /// The largest thumbnail, if any.
    pub thumb: Option<Thumb>,
    /// The file name attribute (`file_name`), empty if none.
    pub name: String,
    /// The MIME type.
    pub mime: String,
    /// The media type; `None` for plain files.
    pub media_type: Option<DocumentType>,
    /// The sticker's emoji.
    pub sticker_emoji: String,
    /// The audio file's performer.
    pub performer: String,
    /// The audio file's title.
    pub title: String,
    /// Duration in seconds, 0 if none.
    pub duration: i64,
    /// Width, 0 if none.
    pub width: i32,
    /// Height, 0 if none.
    pub height: i32,
    /// Hidden under a spoiler.
    pub spoiler: bool,
    /// Self-destruct period in seconds, 0 if none.
    pub ttl: i32,
}

/// A document's thumbnail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumb {
    /// The thumbnail file (`<document path>_thumb.jpg`).
    pub file: FileRef,
    /// Its width.
    pub width: i32,
    /// Its height.
    pub height: i32,
}

/// A shared contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The phone number, formatted for display.
    pub phone: String,
    /// The vCard file (`contacts/contact_<n>.vcard`), if the contact has one.
    pub vcard: Option<FileRef>,
    /// The user, 0 if not a Telegram user.
    pub user_id: i64,
}

/// A point on the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
}

/// A location, possibly live.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geo {
    /// The point, `None` for `geoPointEmpty` (JSON `null`).
    pub point: Option<GeoPoint>,
    /// Live location period in seconds, 0 for a static location.
    pub live_period: i32,
}

/// A venue.
#[derive(Clone, Debug, PartialEq)]
pub struct Venue {
    /// The place name.
    pub title: String,
    /// The address.
    pub address: String,
    /// Where it is.
    pub point: Option<GeoPoint>,
}

/// A game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Game {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The game's short name.
    pub short_name: String,
    /// The bot's username (empty if unknown or not a bot), for `game_link`.
    pub bot_username: String,
}

/// An invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Amount in the currency's smallest units.
    pub amount: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The receipt message, 0 if none.
    pub receipt_message_id: i64,
}

/// A poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poll {
    /// The question.
    pub question: String,
    /// Whether it is closed.
    pub closed: bool,
    /// How many voted.
    pub total_voters: i64,
    /// The options.
    pub answers: Vec<PollAnswer>,
}

/// A poll option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollAnswer {
    /// The option text.
    pub text: String,
    /// Votes for it.
    pub voters: i64,
    /// Whether the user chose it.
    pub chosen: bool,
}

/// A to-do list (docs/export-format.md#messages, items under `answers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TodoList {
    /// The title.
    pub title: String,
    /// Others may add items.
    pub others_can_append: bool,
    /// Others may mark items done.
    pub others_can_complete: bool,
    /// The items.
    pub items: Vec<TodoItem>,
}

/// A to-do item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TodoItem {
    /// The item text.
    pub text: String,
    /// Its id.
    pub id: i64,
}

/// A giveaway announcement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Giveaway {
    /// Number of winners.
    pub quantity: i64,
    /// Premium months per winner.
    pub months: i64,
    /// When it ends.
    pub until_date: i64,
    /// Channels whose subscribers take part (bare ids).
    pub channels: Vec<i64>,
    /// Countries (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// An extra prize description.
    pub additional_prize: String,
    /// Stars prize.
    pub stars: i64,
    /// Only new subscribers take part.
    pub only_new_subscribers: bool,
}

/// Giveaway results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GiveawayResults {
    /// The channel (bare id).
    pub channel: i64,
    /// The winners, as tdesktop's internal peer ids of users.
    pub winners: Vec<i64>,
    /// An extra prize description.
    pub additional_prize: String,
    /// When it ended.
    pub until_date: i64,
    /// The launch message.
    pub launch_message_id: i64,
    /// Other channels that took part.
    pub additional_peers_count: i64,
    /// How many won.
    pub winners_count: i64,
    /// Prizes nobody claimed.
    pub unclaimed_count: i64,
    /// Premium months per winner.
    pub months: i64,
    /// Stars prize.
    pub stars: i64,
    /// Refunded.
    pub refunded: bool,
    /// Only new subscribers took part.
    pub only_new_subscribers: bool,
}

/// Text with entities outside the message text (gift notes), kept as parts.
pub type RichText = Vec<TextPart>;
