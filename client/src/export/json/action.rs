//! The keys of a service message's action in `result.json` (docs/export-format.md#service-messages), after `actor`/`actor_id` and `action`.

use crate::export::json::media::{write_photo, write_todo_items};
use crate::export::json::out::JsonOut;
use crate::export::json::parts::{write_peer, write_reply, write_text};
use crate::export::model::Message;
use crate::export::model::action::{Action, Amount, BotAllowed};

/// The keys of a service action (docs/export-format.md#service-messages).
pub(in crate::export) fn write_action(o: &mut JsonOut, m: &Message, action: &Action) {
    if has_actor(action) {
        write_peer(o, "actor", m.from.as_ref());
    }
    if let Some(name) = action_name(action) {
        o.field_str("action", name);
    }
    match action {
        Action::CreateGroup { title, members } => {
            o.field_str_opt("title", title);
            o.key("members");
            o.strings(members, true);
        }
        Action::EditGroupTitle { title }
        | Action::CreateChannel { title }
        | Action::MigrateFromGroup { title }
        | Action::TopicCreated { title } => o.field_str_opt("title", title),
        Action::EditGroupPhoto { photo } | Action::SuggestProfilePhoto { photo } => {
            write_photo(o, photo);
        }
        Action::InviteMembers { members }
        | Action::RemoveMembers { members }
        | Action::InviteToGroupCall { members } => {
            o.key("members");
            o.strings(members, true);
        }
        Action::JoinGroupByLink { inviter } => o.field_str_or_null("inviter", inviter),
        Action::PinMessage | Action::SetChatWallpaper { .. } => {
            write_reply(o, m, "message_id");
        }
        Action::ScoreInGame { score } => {
            write_reply(o, m, "game_message_id");
            o.field_num("score", *score);
        }
        Action::SendPayment {
            amount,
            currency,
            recurring,
        } => {
            o.field_num("amount", *amount);
            o.field_str_opt("currency", currency);
            write_reply(o, m, "invoice_message_id");
            o.field_str_opt("recurring", recurring);
        }
        Action::PhoneCall {
            duration,
            discard_reason,
        } => {
            o.field_num_opt("duration_seconds", *duration);
            o.field_str_opt("discard_reason", discard_reason);
        }
        Action::ConferenceCall {
            duration,
            active,
            missed,
        } => {
            o.field_num_opt("duration_seconds", *duration);
            o.field_bool("is_active", *active);
            o.field_bool("is_missed", *missed);
        }
        Action::CustomAction { text } => o.field_str_opt("information_text", text),
        Action::BotAllowed(BotAllowed::App { id, name }) => {
            o.field_num("reason_app_id", *id);
            o.field_str_opt("reason_app_name", name);
        }
        Action::BotAllowed(BotAllowed::Domain(domain)) => {
            o.field_str_opt("reason_domain", domain);
        }
        Action::SendPassportValues { values } => {
            let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
            o.key("values");
            o.strings(&values, false);
        }
        Action::ProximityReached { from, to, distance } => {
            write_peer(o, "from", Some(from));
            write_peer(o, "to", Some(to));
            o.field_num("distance", *distance);
        }
        Action::GroupCall { duration } => o.field_num_opt("duration", *duration),
        Action::SetMessagesTtl { period } => o.field_num("period", *period),
        Action::GroupCallScheduled { schedule_date } => {
            o.field_num("schedule_date", *schedule_date);
        }
        Action::EditChatTheme { emoticon } => o.field_str_opt("emoticon", emoticon),
        Action::SendWebviewData { text } => o.field_str_opt("text", text),
        Action::SendPremiumGift { cost, months } => {
            o.field_str_opt("cost", cost);
            o.field_num_opt("months", *months);
        }
        Action::TopicEdit {
            new_title,
            new_icon_emoji_id,
        } => {
            o.field_str_opt("new_title", new_title);
            if let Some(id) = new_icon_emoji_id {
                o.field_num("new_icon_emoji_id", *id);
            }
        }
        Action::RequestedPeer { button_id, peers } => {
            o.field_num("button_id", *button_id);
            // tdesktop embeds the serialized array as a string (a Telegram Desktop quirk).
            let ids: Vec<i64> = peers.iter().map(|p| p.internal()).collect();
            let mut inner = o.embedded();
            inner.numbers(&ids);
            let text = String::from_utf8(inner.into_bytes()).unwrap_or_default();
            o.field_str("peers", &text);
        }
        Action::GiftCodePrize {
            gift_code,
            boost_peer,
            months,
            unclaimed,
            via_giveaway,
        } => {
            o.field_str_opt("gift_code", gift_code);
            if let Some(peer) = boost_peer {
                o.field_peer_id("boost_peer_id", *peer);
            }
            o.field_num("months", *months);
            o.field_bool("unclaimed", *unclaimed);
            o.field_bool("via_giveaway", *via_giveaway);
        }
        Action::GiveawayResults {
            winners,
            unclaimed,
            stars,
        } => {
            o.field_num("winners", *winners);
            o.field_num("unclaimed", *unclaimed);
            o.field_bool("stars", *stars);
        }
        Action::BoostApply { boosts } => o.field_num("boosts", *boosts),
        Action::RefundedPayment {
            amount,
            currency,
            peer,
            charge_id,
        } => {
            o.field_num("amount", *amount);
            o.field_str_opt("currency", currency);
            o.field_str_or_null("peer_name", &peer.name);
            o.field_peer_id("peer_id", peer.id);
            o.field_str_opt("charge_id", charge_id);
        }
        Action::SendCurrencyGift { cost, amount, .. } => {
            o.field_str_opt("cost", cost);
            o.field_num("amount_whole", amount.whole);
            o.field_num("amount_nano", amount.nano);
        }
        Action::StarsPrize {
            boost_peer,
            stars,
            unclaimed,
            giveaway_msg_id,
            transaction_id,
        } => {
            o.field_peer_id("boost_peer_id", boost_peer.id);
            o.field_str_or_null("boost_peer_name", &boost_peer.name);
            o.field_num("stars", *stars);
            o.field_bool("is_unclaimed", *unclaimed);
            o.field_num("giveaway_msg_id", *giveaway_msg_id);
            o.field_str_opt("transaction_id", transaction_id);
        }
        Action::SendStarGift {
            gift_id,
            stars,
            limited,
            anonymous,
            text,
        } => {
            o.field_num("gift_id", *gift_id);
            o.field_num("stars", *stars);
            o.field_bool("is_limited", *limited);
            o.field_bool("is_anonymous", *anonymous);
            o.key("gift_text");
            write_text(o, text, false);
        }
        Action::PaidMessagesRefund {
            messages_count,
            stars_count,
        } => {
            o.field_num("messages_count", *messages_count);
            o.field_num("stars_count", *stars_count);
        }
        Action::PaidMessagesPriceChange {
            price_stars,
            broadcast_messages_allowed,
        } => {
            o.field_num("price_stars", *price_stars);
            o.field_bool("is_broadcast_messages_allowed", *broadcast_messages_allowed);
        }
        Action::TodoCompletions {
            completed,
            incompleted,
        } => {
            o.key("completed");
            o.numbers(completed);
            o.key("incompleted");
            o.numbers(incompleted);
        }
        Action::TodoAppendTasks { items } => {
            o.key("items");
            write_todo_items(o, items);
        }
        Action::ProcessSuggestedPost {
            rejected,
            comment,
            price,
            scheduled_date,
        } => {
            if *rejected {
                o.field_bool("rejected", true);
                o.field_str_opt("comment", comment);
            } else {
                write_price(o, price.as_ref());
                o.field_num_opt("scheduled_date", *scheduled_date);
            }
        }
        Action::SuggestedPostSuccess { price } => write_price(o, price.as_ref()),
        Action::SuggestedPostRefund { user_initiated } => {
            o.field_bool("user_initiated", *user_initiated);
        }
        Action::DeleteGroupPhoto
        | Action::MigrateToSupergroup
        | Action::ClearHistory
        | Action::TakeScreenshot
        | Action::BotAllowed(BotAllowed::AttachMenu | BotAllowed::WebApp)
        | Action::JoinedTelegram
        | Action::JoinGroupByRequest
        | Action::GiveawayLaunch
        | Action::Other { .. } => {}
    }
}

/// `price_amount_whole`, `price_amount_nano`, `price_currency`.
fn write_price(o: &mut JsonOut, price: Option<&Amount>) {
    if let Some(price) = price {
        o.field_num("price_amount_whole", price.whole);
        o.field_num("price_amount_nano", price.nano);
        o.field_str("price_currency", price.currency);
    }
}

/// The JSON `action` value; `None` for a custom action.
fn action_name(action: &Action) -> Option<&'static str> {
    Some(match action {
        Action::CreateGroup { .. } => "create_group",
        Action::EditGroupTitle { .. } => "edit_group_title",
        Action::EditGroupPhoto { .. } => "edit_group_photo",
        Action::DeleteGroupPhoto => "delete_group_photo",
        Action::InviteMembers { .. } => "invite_members",
        Action::RemoveMembers { .. } => "remove_members",
        Action::JoinGroupByLink { .. } => "join_group_by_link",
        Action::CreateChannel { .. } => "create_channel",
        Action::MigrateToSupergroup => "migrate_to_supergroup",
        Action::MigrateFromGroup { .. } => "migrate_from_group",
        Action::PinMessage => "pin_message",
        Action::ClearHistory => "clear_history",
        Action::ScoreInGame { .. } => "score_in_game",
        Action::SendPayment { .. } => "send_payment",
        Action::PhoneCall { .. } => "phone_call",
        Action::ConferenceCall { .. } => "conference_call",
        Action::TakeScreenshot => "take_screenshot",
        Action::CustomAction { .. } => return None,
        Action::BotAllowed(BotAllowed::AttachMenu) => "attach_menu_bot_allowed",
        Action::BotAllowed(BotAllowed::WebApp) => "web_app_bot_allowed",
        Action::BotAllowed(_) => "allow_sending_messages",
        Action::SendPassportValues { .. } => "send_passport_values",
        Action::JoinedTelegram => "joined_telegram",
        Action::ProximityReached { .. } => "proximity_reached",
        Action::GroupCall { .. } => "group_call",
        Action::InviteToGroupCall { .. } => "invite_to_group_call",
        Action::SetMessagesTtl { .. } => "set_messages_ttl",
        Action::GroupCallScheduled { .. } => "group_call_scheduled",
        Action::EditChatTheme { .. } => "edit_chat_theme",
        Action::JoinGroupByRequest => "join_group_by_request",
        Action::SendWebviewData { .. } => "send_webview_data",
        Action::SendPremiumGift { .. } => "send_premium_gift",
        Action::TopicCreated { .. } => "topic_created",
        Action::TopicEdit { .. } => "topic_edit",
        Action::SuggestProfilePhoto { .. } => "suggest_profile_photo",
        Action::RequestedPeer { .. } => "requested_peer",
        Action::SetChatWallpaper { same: false } => "set_chat_wallpaper",
        Action::SetChatWallpaper { same: true } => "set_same_chat_wallpaper",
        Action::GiftCodePrize { .. } => "gift_code_prize",
        Action::GiveawayLaunch => "giveaway_launch",
        Action::GiveawayResults { .. } => "giveaway_results",
        Action::BoostApply { .. } => "boost_apply",
        Action::RefundedPayment { .. } => "refunded_payment",
        Action::SendCurrencyGift { ton: false, .. } => "send_stars_gift",
        Action::SendCurrencyGift { ton: true, .. } => "send_ton_gift",
        Action::StarsPrize { .. } => "stars_prize",
        Action::SendStarGift { .. } => "send_star_gift",
        Action::PaidMessagesRefund { .. } => "paid_messages_refund",
        Action::PaidMessagesPriceChange { .. } => "paid_messages_price_change",
        Action::TodoCompletions { .. } => "todo_completions",
        Action::TodoAppendTasks { .. } => "todo_append_tasks",
        Action::ProcessSuggestedPost { .. } => "process_suggested_post",
        Action::SuggestedPostSuccess { .. } => "suggested_post_success",
        Action::SuggestedPostRefund { .. } => "suggested_post_refund",
        Action::Other { name } => name,
    })
}

/// Whether JSON starts the action with `actor` / `actor_id` (docs/export-format.md#service-messages: all
/// but payments, passport values, proximity, gift codes, giveaways,
/// refunds and web view data).
fn has_actor(action: &Action) -> bool {
    !matches!(
        action,
        Action::SendPayment { .. }
            | Action::BotAllowed(_)
            | Action::SendPassportValues { .. }
            | Action::ProximityReached { .. }
            | Action::GiftCodePrize { .. }
            | Action::GiveawayLaunch
            | Action::GiveawayResults { .. }
            | Action::RefundedPayment { .. }
            | Action::SendWebviewData { .. }
    )
}
