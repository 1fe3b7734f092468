//! TL service actions → model actions (docs/export-format.md#service-messages).
//!
//! `None` means tdesktop parses the action to nothing and writes a regular
//! message instead: `messageActionEmpty`, `paymentSentMe`,
//! `secureValuesSentMe`, `webViewDataSentMe`, `requestedPeerSentMe`.

use tl::enums;

use crate::export::convert::context::ChatContext;
use crate::export::convert::document::message_photo;
use crate::export::convert::media::todo_item;
use crate::export::convert::peers::{Peers, peer_id};
use crate::export::convert::text::text_parts;
use crate::export::format::format_money;
use crate::export::model::PeerId;
use crate::export::model::action::{Action, Amount, BotAllowed};

/// Converts a service action; `date` names the files of photo actions.
pub(in crate::export) fn action(
    ctx: &mut ChatContext,
    peers: &Peers,
    tl: &enums::MessageAction,
    date: i64,
) -> Option<Action> {
    use enums::MessageAction as A;
    let names = |ids: &[i64]| -> Vec<String> {
        ids.iter().map(|&id| peers.name(PeerId::User(id))).collect()
    };
    Some(match tl {
        A::Empty
        | A::PaymentSentMe(_)
        | A::SecureValuesSentMe(_)
        | A::WebViewDataSentMe(_)
        | A::RequestedPeerSentMe(_) => return None,
        A::ChatCreate(a) => Action::CreateGroup {
            title: a.title.clone(),
            members: names(&a.users),
        },
        A::ChatEditTitle(a) => Action::EditGroupTitle {
            title: a.title.clone(),
        },
        A::ChatEditPhoto(a) => Action::EditGroupPhoto {
            photo: message_photo(ctx, &a.photo, date),
        },
        A::ChatDeletePhoto => Action::DeleteGroupPhoto,
        A::ChatAddUser(a) => Action::InviteMembers {
            members: names(&a.users),
        },
        A::ChatDeleteUser(a) => Action::RemoveMembers {
            members: names(&[a.user_id]),
        },
        A::ChatJoinedByLink(a) => Action::JoinGroupByLink {
            inviter: peers.name(PeerId::User(a.inviter_id)),
        },
        A::ChannelCreate(a) => Action::CreateChannel {
            title: a.title.clone(),
        },
        A::ChatMigrateTo(_) => Action::MigrateToSupergroup,
        A::ChannelMigrateFrom(a) => Action::MigrateFromGroup {
            title: a.title.clone(),
        },
        A::PinMessage => Action::PinMessage,
        A::HistoryClear => Action::ClearHistory,
        A::GameScore(a) => Action::ScoreInGame {
            score: i64::from(a.score),
        },
        A::PaymentSent(a) => Action::SendPayment {
            amount: a.total_amount,
            currency: a.currency.clone(),
            recurring: if a.recurring_used {
                "used"
            } else if a.recurring_init {
                "init"
            } else {
                ""
            },
        },
        A::PhoneCall(a) => Action::PhoneCall {
            duration: a.duration.map_or(0, i64::from),
            discard_reason: match &a.reason {
                Some(enums::PhoneCallDiscardReason::Busy) => "busy",
                Some(enums::PhoneCallDiscardReason::Disconnect) => "disconnect",
                Some(enums::PhoneCallDiscardReason::Hangup) => "hangup",
                Some(enums::PhoneCallDiscardReason::Missed) => "missed",
                Some(enums::PhoneCallDiscardReason::MigrateConferenceCall(_)) => {
                    "migrate_conference_all"
                }
                None => "",
            },
        },
        A::ConferenceCall(a) => Action::ConferenceCall {
            duration: a.duration.map_or(0, i64::from),
            active: a.active,
            missed: a.missed,
        },
        A::ScreenshotTaken => Action::TakeScreenshot,
        A::CustomAction(a) => Action::CustomAction {
            text: a.message.clone(),
        },
        A::BotAllowed(a) => Action::BotAllowed(if a.attach_menu {
            BotAllowed::AttachMenu
        } else if a.from_request {
            BotAllowed::WebApp
        } else if let Some(enums::BotApp::BotApp(app)) = &a.app {
            BotAllowed::App {
                id: app.id,
                name: app.title.clone(),
            }
        } else {
            BotAllowed::Domain(a.domain.clone().unwrap_or_default())
        }),
        A::SecureValuesSent(a) => Action::SendPassportValues {
            values: a.types.iter().map(secure_value_name).collect(),
        },
        A::ContactSignUp => Action::JoinedTelegram,
        A::GeoProximityReached(a) => Action::ProximityReached {
            from: peers.peer(peer_id(&a.from_id)),
            to: peers.peer(peer_id(&a.to_id)),
            distance: i64::from(a.distance),
        },
        A::GroupCall(a) => Action::GroupCall {
            duration: a.duration.map_or(0, i64::from),
        },
        A::InviteToGroupCall(a) => Action::InviteToGroupCall {
            members: names(&a.users),
        },
        A::SetMessagesTtl(a) => Action::SetMessagesTtl {
            period: i64::from(a.period),
        },
        A::GroupCallScheduled(a) => Action::GroupCallScheduled {
            schedule_date: i64::from(a.schedule_date),
        },
        A::SetChatTheme(a) => Action::EditChatTheme {
            emoticon: match &a.theme {
                enums::ChatTheme::ChatTheme(t) => t.emoticon.clone(),
                enums::ChatTheme::UniqueGift(_) => String::new(),
            },
        },
        A::ChatJoinedByRequest => Action::JoinGroupByRequest,
        A::WebViewDataSent(a) => Action::SendWebviewData {
            text: a.text.clone(),
        },
        A::GiftPremium(a) => Action::SendPremiumGift {
            cost: format_money(a.amount, &a.currency),
            months: i64::from(a.days) / 30,
        },
        A::TopicCreate(a) => Action::TopicCreated {
            title: a.title.clone(),
        },
        A::TopicEdit(a) => Action::TopicEdit {
            new_title: a.title.clone().unwrap_or_default(),
            new_icon_emoji_id: a.icon_emoji_id,
        },
        A::SuggestProfilePhoto(a) => Action::SuggestProfilePhoto {
            photo: message_photo(ctx, &a.photo, date),
        },
        A::RequestedPeer(a) => Action::RequestedPeer {
            button_id: i64::from(a.button_id),
            peers: a.peers.iter().map(peer_id).collect(),
        },
        A::SetChatWallPaper(a) => Action::SetChatWallpaper { same: a.same },
        A::GiftCode(a) => Action::GiftCodePrize {
            gift_code: a.slug.clone(),
            boost_peer: a.boost_peer.as_ref().map(peer_id),
            months: i64::from(a.days) / 30,
            unclaimed: a.unclaimed,
            via_giveaway: a.via_giveaway,
        },
        A::GiveawayLaunch(_) => Action::GiveawayLaunch,
        A::GiveawayResults(a) => Action::GiveawayResults {
            winners: i64::from(a.winners_count),
            unclaimed: i64::from(a.unclaimed_count),
            stars: a.stars,
        },
        A::BoostApply(a) => Action::BoostApply {
            boosts: i64::from(a.boosts),
        },
        A::PaymentRefunded(a) => {
            let enums::PaymentCharge::PaymentCharge(charge) = &a.charge;
            Action::RefundedPayment {
                amount: a.total_amount,
                currency: a.currency.clone(),
                peer: peers.peer(peer_id(&a.peer)),
                charge_id: charge.id.clone(),
            }
        }
        A::GiftStars(a) => Action::SendCurrencyGift {
            ton: false,
            cost: format_money(a.amount, &a.currency),
            amount: Amount {
                whole: a.stars,
                nano: 0,
                currency: "Stars",
            },
        },
        A::GiftTon(a) => Action::SendCurrencyGift {
            ton: true,
            cost: format_money(a.amount, &a.currency),
            amount: ton_amount(a.crypto_amount),
        },
        A::PrizeStars(a) => Action::StarsPrize {
            boost_peer: peers.peer(peer_id(&a.boost_peer)),
            stars: a.stars,
            unclaimed: a.unclaimed,
            giveaway_msg_id: i64::from(a.giveaway_msg_id),
            transaction_id: a.transaction_id.clone(),
        },
        A::StarGift(a) => {
            let (gift_id, stars, limited) = match &a.gift {
                enums::StarGift::StarGift(g) => (g.id, g.stars, g.limited),
                enums::StarGift::Unique(g) => (g.gift_id, 0, true),
            };
            Action::SendStarGift {
                gift_id,
                stars,
                limited,
                anonymous: a.name_hidden,
                text: rich(a.message.as_ref()),
            }
        }
        A::StarGiftUnique(a) => {
            let gift_id = match &a.gift {
                enums::StarGift::StarGift(g) => g.id,
                enums::StarGift::Unique(g) => g.gift_id,
            };
            Action::SendStarGift {
                gift_id,
                stars: 0,
                limited: true,
                anonymous: a.name_hidden,
                text: rich(a.message.as_ref()),
            }
        }
        A::PaidMessagesRefunded(a) => Action::PaidMessagesRefund {
            messages_count: i64::from(a.count),
            stars_count: a.stars,
        },
        A::PaidMessagesPrice(a) => Action::PaidMessagesPriceChange {
            price_stars: a.stars,
            broadcast_messages_allowed: a.broadcast_messages_allowed,
        },
        A::TodoCompletions(a) => Action::TodoCompletions {
            completed: a.completed.iter().map(|&i| i64::from(i)).collect(),
            incompleted: a.incompleted.iter().map(|&i| i64::from(i)).collect(),
        },
        A::TodoAppendTasks(a) => Action::TodoAppendTasks {
            items: a.list.iter().map(todo_item).collect(),
        },
        A::SuggestedPostApproval(a) => Action::ProcessSuggestedPost {
            rejected: a.rejected,
            comment: a.reject_comment.clone().unwrap_or_default(),
            price: a.price.as_ref().map(stars_amount),
            scheduled_date: a.schedule_date.map_or(0, i64::from),
        },
        A::SuggestedPostSuccess(a) => Action::SuggestedPostSuccess {
            price: Some(stars_amount(&a.price)),
        },
        A::SuggestedPostRefund(a) => Action::SuggestedPostRefund {
            user_initiated: a.payer_initiated,
        },
        A::SuggestBirthday(_) => other("suggest_birthday"),
        A::StarGiftPurchaseOffer(_) => other("star_gift_purchase_offer"),
        A::StarGiftPurchaseOfferDeclined(_) => other("star_gift_purchase_offer_declined"),
        A::NewCreatorPending(_) => other("new_creator_pending"),
        A::ChangeCreator(_) => other("change_creator"),
        A::NoForwardsToggle(_) => other("no_forwards_toggle"),
        A::NoForwardsRequest(_) => other("no_forwards_request"),
        A::PollAppendAnswer(_) => other("poll_append_answer"),
        A::PollDeleteAnswer(_) => other("poll_delete_answer"),
        A::ManagedBotCreated(_) => other("managed_bot_created"),
        A::ChangeCommunity(_) => other("change_community"),
        A::ChatJoinedViaCommunity(_) => other("chat_joined_via_community"),
        A::GramTransfer(_) => other("gram_transfer"),
        A::WalletTonConnectRequest(_) => other("wallet_ton_connect_request"),
    })
}

/// An action newer than the spec.
fn other(name: &'static str) -> Action {
    Action::Other { name }
}

/// Text with entities as parts (gift notes).
fn rich(text: Option<&enums::TextWithEntities>) -> Vec<crate::export::model::TextPart> {
    match text {
        Some(enums::TextWithEntities::TextWithEntities(t)) => text_parts(&t.text, &t.entities),
        None => Vec::new(),
    }
}

/// Nanotons as whole and nano units.
fn ton_amount(nanotons: i64) -> Amount {
    Amount {
        whole: nanotons.div_euclid(1_000_000_000),
        nano: nanotons.rem_euclid(1_000_000_000),
        currency: "TON",
    }
}

/// A `StarsAmount` in stars or TON.
fn stars_amount(amount: &enums::StarsAmount) -> Amount {
    match amount {
        enums::StarsAmount::StarsAmount(a) => Amount {
            whole: a.amount,
            nano: i64::from(a.nanos),
            currency: "Stars",
        },
        enums::StarsAmount::StarsTonAmount(a) => ton_amount(a.amount),
    }
}

/// The JSON name of a passport value type (docs/export-format.md#service-messages `send_passport_values`).
fn secure_value_name(value: &enums::SecureValueType) -> &'static str {
    use enums::SecureValueType as S;
    match value {
        S::PersonalDetails => "personal_details",
        S::Passport => "passport",
        S::DriverLicense => "driver_license",
        S::IdentityCard => "identity_card",
        S::InternalPassport => "internal_passport",
        S::Address => "address_information",
        S::UtilityBill => "utility_bill",
        S::BankStatement => "bank_statement",
        S::RentalAgreement => "rental_agreement",
        S::PassportRegistration => "passport_registration",
        S::TemporaryRegistration => "temporary_registration",
        S::Phone => "phone_number",
        S::Email => "email",
    }
}
