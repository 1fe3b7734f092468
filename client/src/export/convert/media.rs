//! TL message media → model media (docs/export-format.md#media;
//! docs/export-format.md#file-names; docs/takeout.md#files for which photo size and thumbnail are saved).

use tl::enums;

use crate::export::convert::context::ChatContext;
use crate::export::convert::document::{document, empty_document, message_photo};
use crate::export::convert::peers::Peers;
use crate::export::convert::text::plain_text;
use crate::export::model::PeerId;
use crate::export::model::file::{FileRef, FileStatus};
use crate::export::model::media::{
    Contact, Game, Geo, GeoPoint, Giveaway, GiveawayResults, Invoice, Media, Photo, Poll,
    PollAnswer, TodoItem, TodoList, Venue,
};

/// Converts message media; `bot` is the game's bot, `out` whether the user
/// sent the message (incoming self-destructing media is unavailable).
pub(in crate::export) fn media(
    ctx: &mut ChatContext,
    peers: &Peers,
    tl: &enums::MessageMedia,
    date: i64,
    bot: Option<PeerId>,
    out: bool,
) -> Media {
    use enums::MessageMedia as M;
    match tl {
        M::Photo(m) => {
            let Some(photo) = &m.photo else {
                return Media::Photo(Photo {
                    file: FileRef::unavailable(0),
                    width: 0,
                    height: 0,
                    spoiler: m.spoiler,
                    ttl: m.ttl_seconds.unwrap_or(0),
                });
            };
            let mut result = message_photo(ctx, photo, date);
            result.spoiler = m.spoiler;
            if let Some(ttl) = m.ttl_seconds {
                result.ttl = ttl;
                if !out {
                    result.file = FileRef::unavailable(0);
                }
            }
            Media::Photo(result)
        }
        M::Document(m) => {
            let mut result = match &m.document {
                Some(doc) => document(ctx, doc, date),
                None => empty_document(),
            };
            result.spoiler = m.spoiler;
            if let Some(ttl) = m.ttl_seconds {
                result.ttl = ttl;
                if !out {
                    result.file = FileRef::unavailable(0);
                    result.thumb = None;
                }
            }
            Media::Document(result)
        }
        M::Contact(m) => Media::Contact(contact(ctx, m)),
        M::Geo(m) => Media::Geo(Geo {
            point: geo_point(&m.geo),
            live_period: 0,
        }),
        M::GeoLive(m) => Media::Geo(Geo {
            point: geo_point(&m.geo),
            live_period: m.period,
        }),
        M::Venue(m) => Media::Venue(Venue {
            title: m.title.clone(),
            address: m.address.clone(),
            point: geo_point(&m.geo),
        }),
        M::Game(m) => {
            let enums::Game::Game(game) = &m.game;
            let bot_username = bot
                .and_then(|id| peers.get(id))
                .filter(|p| p.is_bot)
                .map(|p| p.username.clone())
                .unwrap_or_default();
            Media::Game(Game {
                title: game.title.clone(),
                description: game.description.clone(),
                short_name: game.short_name.clone(),
                bot_username,
            })
        }
        M::Invoice(m) => Media::Invoice(Invoice {
            title: m.title.clone(),
            description: m.description.clone(),
            amount: m.total_amount,
            currency: m.currency.clone(),
            receipt_message_id: m.receipt_msg_id.map_or(0, i64::from),
        }),
        M::Poll(m) => Media::Poll(poll(m)),
        M::ToDo(m) => {
            let enums::TodoList::TodoList(list) = &m.todo;
            Media::TodoList(TodoList {
                title: plain_text(&list.title),
                others_can_append: list.others_can_append,
                others_can_complete: list.others_can_complete,
                items: list.list.iter().map(todo_item).collect(),
            })
        }
        M::Giveaway(m) => Media::Giveaway(Giveaway {
            quantity: i64::from(m.quantity),
            months: m.months.map_or(0, i64::from),
            until_date: i64::from(m.until_date),
            channels: m.channels.clone(),
            countries: m.countries_iso2.clone().unwrap_or_default(),
            additional_prize: m.prize_description.clone().unwrap_or_default(),
            stars: m.stars.unwrap_or(0),
            only_new_subscribers: m.only_new_subscribers,
        }),
        M::GiveawayResults(m) => Media::GiveawayResults(GiveawayResults {
            channel: m.channel_id,
            winners: m
                .winners
                .iter()
                .map(|&id| PeerId::User(id).internal())
                .collect(),
            additional_prize: m.prize_description.clone().unwrap_or_default(),
            until_date: i64::from(m.until_date),
            launch_message_id: i64::from(m.launch_msg_id),
            additional_peers_count: m.additional_peers_count.map_or(0, i64::from),
            winners_count: i64::from(m.winners_count),
            unclaimed_count: i64::from(m.unclaimed_count),
            months: m.months.map_or(0, i64::from),
            stars: m.stars.unwrap_or(0),
            refunded: m.refunded,
            only_new_subscribers: m.only_new_subscribers,
        }),
        M::PaidMedia(m) => Media::PaidMedia {
            stars: m.stars_amount,
        },
        M::Unsupported => Media::Unsupported,
        // Ignored as in tdesktop: web pages, dice, stories, streams.
        M::Empty | M::WebPage(_) | M::Dice(_) | M::Story(_) | M::VideoStream(_) => Media::None,
    }
}

/// A to-do item.
pub(in crate::export) fn todo_item(item: &enums::TodoItem) -> TodoItem {
    let enums::TodoItem::TodoItem(item) = item;
    TodoItem {
        text: plain_text(&item.title),
        id: i64::from(item.id),
    }
}

/// A shared contact; its vCard is written from the message bytes.
fn contact(ctx: &mut ChatContext, m: &tl::types::MessageMediaContact) -> Contact {
    let vcard = (!m.vcard.is_empty()).then(|| {
        ctx.contacts += 1;
        let path = ctx.claim(&format!("contacts/contact_{}.vcard", ctx.contacts));
        FileRef {
            location: None,
            inline: Some(m.vcard.as_bytes().to_vec()),
            size: m.vcard.len() as i64,
            path,
            status: FileStatus::Pending,
        }
    });
    Contact {
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        phone: crate::export::format::format_phone(&m.phone_number),
        vcard,
        user_id: m.user_id,
    }
}

/// A point, `None` for `geoPointEmpty`.
fn geo_point(geo: &enums::GeoPoint) -> Option<GeoPoint> {
    match geo {
        enums::GeoPoint::GeoPoint(g) => Some(GeoPoint {
            latitude: g.lat,
            longitude: g.long,
        }),
        enums::GeoPoint::Empty => None,
    }
}

/// A poll with its results matched by option bytes.
fn poll(m: &tl::types::MessageMediaPoll) -> Poll {
    let enums::Poll::Poll(p) = &m.poll;
    let enums::PollResults::PollResults(results) = m.results.as_ref();
    let voters: Vec<&tl::types::PollAnswerVoters> = results
        .results
        .iter()
        .flatten()
        .map(|enums::PollAnswerVoters::PollAnswerVoters(v)| v)
        .collect();
    let answers = p
        .answers
        .iter()
        .map(|answer| {
            let (text, option) = match answer {
                enums::PollAnswer::PollAnswer(a) => (plain_text(&a.text), a.option.as_slice()),
                enums::PollAnswer::InputPollAnswer(a) => (plain_text(&a.text), &[][..]),
            };
            let result = voters.iter().find(|v| v.option == option);
            PollAnswer {
                text,
                voters: result.and_then(|v| v.voters).map_or(0, i64::from),
                chosen: result.is_some_and(|v| v.chosen),
            }
        })
        .collect();
    Poll {
        question: plain_text(&p.question),
        closed: p.closed,
        total_voters: results.total_voters.map_or(0, i64::from),
        answers,
    }
}
