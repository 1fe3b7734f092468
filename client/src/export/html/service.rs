//! Human-readable texts of service messages in the HTML pages (docs/export-format.md#service-messages). Every name is escaped here; the result is HTML.

use crate::export::format::format_money;
use crate::export::html::text::text_html;
use crate::export::html::util::{esc, format_duration};
use crate::export::model::Message;
use crate::export::model::action::{Action, BotAllowed};
use crate::export::time::{TimeZone, display_date_time};

/// A name for display: escaped, or "Deleted Account" when unknown.
fn name(raw: &str) -> String {
    if raw.is_empty() {
        "Deleted Account".to_owned()
    } else {
        esc(raw)
    }
}

/// A list of names: "A, B and C".
fn names(list: &[String]) -> String {
    let list: Vec<String> = list.iter().map(|n| name(n)).collect();
    match list.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The text of service message `m` with `action`.
pub fn service_text(m: &Message, action: &Action, prefix: &str, tz: &dyn TimeZone) -> String {
    let actor = name(m.from.as_ref().map_or("", |p| p.name.as_str()));
    let reply = m
        .reply_to
        .as_ref()
        .map(|r| format!("message {}", r.message_id))
        .unwrap_or_else(|| "a message".to_owned());
    match action {
        Action::CreateGroup { title, members } => {
            let mut text = format!("{actor} created group «{}»", esc(title));
            if !members.is_empty() {
                text.push_str(&format!(" with members {}", names(members)));
            }
            text
        }
        Action::EditGroupTitle { title } => {
            format!("{actor} changed group title to «{}»", esc(title))
        }
        Action::EditGroupPhoto { .. } => format!("{actor} changed group photo"),
        Action::DeleteGroupPhoto => format!("{actor} removed group photo"),
        Action::InviteMembers { members } => format!("{actor} invited {}", names(members)),
        Action::RemoveMembers { members } => format!("{actor} removed {}", names(members)),
        Action::JoinGroupByLink { inviter } => {
            format!("{actor} joined group by link from {}", name(inviter))
        }
        Action::CreateChannel { title } => format!("Channel «{}» created", esc(title)),
        Action::MigrateToSupergroup => format!("{actor} converted this group to a supergroup"),
        Action::MigrateFromGroup { title } => {
            format!(
                "{actor} converted a basic group to this supergroup «{}»",
                esc(title)
            )
        }
        Action::PinMessage => format!("{actor} pinned {reply}"),
        Action::ClearHistory => "History cleared".to_owned(),
        Action::ScoreInGame { score } => format!("{actor} scored {score} in {reply}"),
        Action::SendPayment {
            amount, currency, ..
        } => format!(
            "You have sent a payment of {}",
            esc(&format_money(*amount, currency))
        ),
        Action::PhoneCall {
            duration,
            discard_reason,
        } => {
            let mut text = format!("{actor} called");
            if *duration > 0 {
                text.push_str(&format!(" ({})", format_duration(*duration)));
            } else if !discard_reason.is_empty() {
                text.push_str(&format!(" ({discard_reason})"));
            }
            text
        }
        Action::ConferenceCall {
            duration, missed, ..
        } => {
            let what = if *missed {
                "Missed group call"
            } else {
                "Group call"
            };
            if *duration > 0 {
                format!("{what} ({})", format_duration(*duration))
            } else {
                what.to_owned()
            }
        }
        Action::TakeScreenshot => format!("{actor} took a screenshot"),
        Action::CustomAction { text } => esc(text),
        Action::BotAllowed(BotAllowed::AttachMenu) => {
            "You allowed this bot to message you when you added it to your attachment menu"
                .to_owned()
        }
        Action::BotAllowed(BotAllowed::WebApp) => {
            "You allowed this bot to message you in its web app".to_owned()
        }
        Action::BotAllowed(BotAllowed::App { name: app, .. }) => {
            format!(
                "You allowed this bot to message you when you opened {}",
                esc(app)
            )
        }
        Action::BotAllowed(BotAllowed::Domain(domain)) => {
            format!(
                "You allowed this bot to message you when you logged in on {}",
                esc(domain)
            )
        }
        Action::SendPassportValues { values } => {
            format!("You sent {}", esc(&values.join(", ").replace('_', " ")))
        }
        Action::JoinedTelegram => format!("{actor} joined Telegram"),
        Action::ProximityReached { from, to, distance } => format!(
            "{} is now within {distance} m from {}",
            name(&from.name),
            name(&to.name)
        ),
        Action::GroupCall { duration } if *duration > 0 => {
            format!(
                "{actor} ended a video chat ({})",
                format_duration(*duration)
            )
        }
        Action::GroupCall { .. } => format!("{actor} started a video chat"),
        Action::InviteToGroupCall { members } => {
            format!("{actor} invited {} to the video chat", names(members))
        }
        Action::SetMessagesTtl { period } if *period > 0 => {
            format!(
                "{actor} set messages to auto-delete in {}",
                format_duration(*period)
            )
        }
        Action::SetMessagesTtl { .. } => format!("{actor} disabled the auto-delete timer"),
        Action::GroupCallScheduled { schedule_date } => format!(
            "{actor} scheduled a video chat for {}",
            display_date_time(*schedule_date, tz)
        ),
        Action::EditChatTheme { emoticon } if emoticon.is_empty() => {
            format!("{actor} disabled the chat theme")
        }
        Action::EditChatTheme { emoticon } => {
            format!("{actor} changed the chat theme to {}", esc(emoticon))
        }
        Action::JoinGroupByRequest => format!("{actor} was accepted to the group"),
        Action::SendWebviewData { text } => {
            format!("Data from the «{}» button was sent", esc(text))
        }
        Action::SendPremiumGift { cost, months } => {
            format!(
                "{actor} sent you a gift for {} ({months} months of Premium)",
                esc(cost)
            )
        }
        Action::TopicCreated { title } => format!("«{}» topic created", esc(title)),
        Action::TopicEdit { new_title, .. } if !new_title.is_empty() => {
            format!("{actor} renamed the topic to «{}»", esc(new_title))
        }
        Action::TopicEdit { .. } => format!("{actor} changed the topic icon"),
        Action::SuggestProfilePhoto { .. } => format!("{actor} suggests a new profile photo"),
        Action::RequestedPeer { peers, .. } => format!("You shared {} chats", peers.len()),
        Action::SetChatWallpaper { .. } => format!("{actor} set a new wallpaper for this chat"),
        Action::GiftCodePrize { months, .. } => {
            format!("You received a gift code for {months} months of Premium")
        }
        Action::GiveawayLaunch => "A giveaway was started".to_owned(),
        Action::GiveawayResults { winners, .. } => {
            format!("{winners} winners of the giveaway were selected")
        }
        Action::BoostApply { boosts } => format!("{actor} boosted the group {boosts} times"),
        Action::RefundedPayment {
            amount,
            currency,
            peer,
            ..
        } => format!(
            "{} refunded {}",
            name(&peer.name),
            esc(&format_money(*amount, currency))
        ),
        Action::SendCurrencyGift { cost, amount, .. } => format!(
            "{actor} sent a gift of {} {} for {}",
            amount.whole,
            amount.currency,
            esc(cost)
        ),
        Action::StarsPrize {
            stars, boost_peer, ..
        } => format!(
            "You won {stars} stars in a giveaway by {}",
            name(&boost_peer.name)
        ),
        Action::SendStarGift { stars, text, .. } => {
            let mut html = format!("{actor} sent a gift worth {stars} stars");
            if !text.is_empty() {
                html.push_str(&format!(": {}", text_html(text, prefix)));
            }
            html
        }
        Action::PaidMessagesRefund {
            messages_count,
            stars_count,
        } => format!("{actor} refunded {stars_count} stars for {messages_count} messages"),
        Action::PaidMessagesPriceChange { price_stars, .. } => {
            format!("The price for messages was changed to {price_stars} stars")
        }
        Action::TodoCompletions {
            completed,
            incompleted,
        } => format!(
            "{actor} marked {} items as done and {} as not done",
            completed.len(),
            incompleted.len()
        ),
        Action::TodoAppendTasks { items } => {
            format!("{actor} added {} items to the list", items.len())
        }
        Action::ProcessSuggestedPost { rejected: true, .. } => {
            format!("{actor} rejected the suggested post")
        }
        Action::ProcessSuggestedPost { .. } => format!("{actor} approved the suggested post"),
        Action::SuggestedPostSuccess { .. } => "The suggested post was published".to_owned(),
        Action::SuggestedPostRefund { .. } => {
            "The payment for the suggested post was refunded".to_owned()
        }
        Action::Other { name: action } => {
            format!("{actor}: {}", esc(&action.replace('_', " ")))
        }
    }
}
