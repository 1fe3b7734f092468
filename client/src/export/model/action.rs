//! Service message actions in the export model (docs/export-format.md#service-messages).
//!
//! One variant per `action` value of the table of docs/export-format.md#service-messages, carrying what its extra
//! keys need. Names of peers are resolved by the converter. Actions newer
//! than the spec are kept as [`Action::Other`] with a snake_case name.

use crate::export::model::media::{Photo, RichText, TodoItem};
use crate::export::model::peer::{Peer, PeerId};

/// A service message's action.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `create_group`.
    CreateGroup {
        /// Group title.
        title: String,
        /// Member names.
        members: Vec<String>,
    },
    /// `edit_group_title`.
    EditGroupTitle {
        /// New title.
        title: String,
    },
    /// `edit_group_photo`.
    EditGroupPhoto {
        /// The new photo.
        photo: Photo,
    },
    /// `delete_group_photo`.
    DeleteGroupPhoto,
    /// `invite_members`.
    InviteMembers {
        /// Member names.
        members: Vec<String>,
    },
    /// `remove_members`.
    RemoveMembers {
        /// Member names.
        members: Vec<String>,
    },
    /// `join_group_by_link`.
    JoinGroupByLink {
        /// The inviter's name.
        inviter: String,
    },
    /// `create_channel`.
    CreateChannel {
        /// Channel title.
        title: String,
    },
    /// `migrate_to_supergroup`.
    MigrateToSupergroup,
    /// `migrate_from_group`.
    MigrateFromGroup {
        /// The old group's title.
        title: String,
    },
    /// `pin_message` (the pinned id is the reply id).
    PinMessage,
    /// `clear_history`.
    ClearHistory,
    /// `score_in_game` (the game message is the reply id).
    ScoreInGame {
        /// The score.
        score: i64,
    },
    /// `send_payment` (the invoice is the reply id).
    SendPayment {
        /// Amount in smallest units.
        amount: i64,
        /// Currency code.
        currency: String,
        /// `init`, `used` or empty.
        recurring: &'static str,
    },
    /// `phone_call`.
    PhoneCall {
        /// Duration in seconds, 0 if none.
        duration: i64,
        /// `busy`, `disconnect`, `hangup`, `missed`,
        /// `migrate_conference_all` or empty.
        discard_reason: &'static str,
    },
    /// `conference_call`.
    ConferenceCall {
        /// Duration in seconds, 0 if none.
        duration: i64,
        /// Still going.
        active: bool,
        /// Missed.
        missed: bool,
    },
    /// `take_screenshot`.
    TakeScreenshot,
    /// A custom action: `information_text`, no `action` key.
    CustomAction {
        /// The text.
        text: String,
    },
    /// `attach_menu_bot_allowed`, `web_app_bot_allowed` or
    /// `allow_sending_messages`.
    BotAllowed(BotAllowed),
    /// `send_passport_values`.
    SendPassportValues {
        /// Value type names (`personal_details`, `passport`, ...).
        values: Vec<&'static str>,
    },
    /// `joined_telegram`.
    JoinedTelegram,
    /// `proximity_reached`.
    ProximityReached {
        /// Who came close.
        from: Peer,
        /// To whom.
        to: Peer,
        /// Distance in meters.
        distance: i64,
    },
    /// `group_call`.
    GroupCall {
        /// Duration in seconds, 0 if none.
        duration: i64,
    },
    /// `invite_to_group_call`.
    InviteToGroupCall {
        /// Member names.
        members: Vec<String>,
    },
    /// `set_messages_ttl`.
    SetMessagesTtl {
        /// Auto-delete period in seconds.
        period: i64,
    },
    /// `group_call_scheduled`.
    GroupCallScheduled {
        /// When (unix).
        schedule_date: i64,
    },
    /// `edit_chat_theme`.
    EditChatTheme {
        /// The theme emoji, empty if none.
        emoticon: String,
    },
    /// `join_group_by_request`.
    JoinGroupByRequest,
    /// `send_webview_data`.
    SendWebviewData {
        /// The button text.
        text: String,
    },
    /// `send_premium_gift`.
    SendPremiumGift {
        /// The formatted price, empty if none.
        cost: String,
        /// Months of Premium.
        months: i64,
    },
    /// `topic_created`.
    TopicCreated {
        /// Topic title.
        title: String,
    },
    /// `topic_edit`.
    TopicEdit {
        /// New title, empty if unchanged.
        new_title: String,
        /// New icon emoji, if changed.
        new_icon_emoji_id: Option<i64>,
    },
    /// `suggest_profile_photo`.
    SuggestProfilePhoto {
        /// The suggested photo.
        photo: Photo,
    },
    /// `requested_peer`.
    RequestedPeer {
        /// The keyboard button.
        button_id: i64,
        /// The shared peers.
        peers: Vec<PeerId>,
    },
    /// `set_chat_wallpaper` or `set_same_chat_wallpaper` (the wallpaper
    /// message is the reply id).
    SetChatWallpaper {
        /// The same wallpaper as another chat.
        same: bool,
    },
    /// `gift_code_prize`.
    GiftCodePrize {
        /// The gift code.
        gift_code: String,
        /// The boosted channel, if any.
        boost_peer: Option<PeerId>,
        /// Months of Premium.
        months: i64,
        /// Not claimed.
        unclaimed: bool,
        /// From a giveaway.
        via_giveaway: bool,
    },
    /// `giveaway_launch`.
    GiveawayLaunch,
    /// `giveaway_results`.
    GiveawayResults {
        /// Winners count.
        winners: i64,
        /// Unclaimed prizes.
        unclaimed: i64,
        /// A stars giveaway.
        stars: bool,
    },
    /// `boost_apply`.
    BoostApply {
        /// Boosts applied.
        boosts: i64,
    },
    /// `refunded_payment`.
    RefundedPayment {
        /// Amount in smallest units.
        amount: i64,
        /// Currency code.
        currency: String,
        /// Who refunded.
        peer: Peer,
        /// The charge id.
        charge_id: String,
    },
    /// `send_stars_gift` or `send_ton_gift`.
    SendCurrencyGift {
        /// `true` for TON, `false` for stars.
        ton: bool,
        /// The formatted price, empty if none.
        cost: String,
        /// The gift amount.
        amount: Amount,
    },
    /// `stars_prize`.
    StarsPrize {
        /// The boosted channel.
        boost_peer: Peer,
        /// Stars won.
        stars: i64,
        /// Not claimed.
        unclaimed: bool,
        /// The giveaway message.
        giveaway_msg_id: i64,
        /// The transaction.
        transaction_id: String,
    },
    /// `send_star_gift` (also unique gifts).
    SendStarGift {
        /// The gift id.
        gift_id: i64,
        /// Its price in stars.
        stars: i64,
        /// A limited gift.
        limited: bool,
        /// Sent anonymously.
        anonymous: bool,
        /// The attached note.
        text: RichText,
    },
    /// `paid_messages_refund`.
    PaidMessagesRefund {
        /// Messages refunded.
        messages_count: i64,
        /// Stars refunded.
        stars_count: i64,
    },
    /// `paid_messages_price_change`.
    PaidMessagesPriceChange {
        /// New price per message in stars.
        price_stars: i64,
        /// Whether channel broadcast messages are allowed.
        broadcast_messages_allowed: bool,
    },
    /// `todo_completions`.
    TodoCompletions {
        /// Items marked done.
        completed: Vec<i64>,
        /// Items marked not done.
        incompleted: Vec<i64>,
    },
    /// `todo_append_tasks`.
    TodoAppendTasks {
        /// The added items.
        items: Vec<TodoItem>,
    },
    /// `process_suggested_post`.
    ProcessSuggestedPost {
        /// Rejected (then `comment`), else approved.
        rejected: bool,
        /// The rejection comment.
        comment: String,
        /// The agreed price.
        price: Option<Amount>,
        /// When it is scheduled (unix), 0 if none.
        scheduled_date: i64,
    },
    /// `suggested_post_success`.
    SuggestedPostSuccess {
        /// The price paid.
        price: Option<Amount>,
    },
    /// `suggested_post_refund`.
    SuggestedPostRefund {
        /// The payer asked for it.
        user_initiated: bool,
    },
    /// An action newer than the spec: the actor and this `action` name.
    Other {
        /// snake_case name derived from the TL constructor.
        name: &'static str,
    },
}

/// How a bot got permission to message the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BotAllowed {
    /// `attach_menu_bot_allowed`.
    AttachMenu,
    /// `web_app_bot_allowed`.
    WebApp,
    /// `allow_sending_messages` through a mini app.
    App {
        /// The app id.
        id: i64,
        /// The app title.
        name: String,
    },
    /// `allow_sending_messages` through a login on a website.
    Domain(String),
}

/// An amount of stars or TON: whole units and nano units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    /// Whole units.
    pub whole: i64,
    /// Billionths.
    pub nano: i64,
    /// `TON` or `Stars`.
    pub currency: &'static str,
}

impl Action {
    /// The photo of a photo action, for the engine to download.
    pub fn photo_mut(&mut self) -> Option<&mut Photo> {
        match self {
            Self::EditGroupPhoto { photo } | Self::SuggestProfilePhoto { photo } => Some(photo),
            _ => None,
        }
    }

    /// The photo of a photo action.
    pub fn photo(&self) -> Option<&Photo> {
        match self {
            Self::EditGroupPhoto { photo } | Self::SuggestProfilePhoto { photo } => Some(photo),
            _ => None,
        }
    }
}
