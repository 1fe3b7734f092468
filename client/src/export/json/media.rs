//! The media keys of a message in `result.json` (docs/export-format.md#media,
//! docs/export-format.md#file-texts for missing files).

use crate::export::json::out::JsonOut;
use crate::export::model::file::file_text;
use crate::export::model::media::{DocumentType, GeoPoint, Media, Photo, TodoItem};
use crate::export::model::sections::ABOUT;
use crate::export::time::TimeZone;

/// `photo`, `photo_file_size`, `width`, `height`, `media_spoiler`.
pub(in crate::export) fn write_photo(o: &mut JsonOut, photo: &Photo) {
    o.field_str("photo", &file_text(&photo.file, "File"));
    o.field_num("photo_file_size", photo.file.size);
    if photo.width != 0 && photo.height != 0 {
        o.field_num("width", i64::from(photo.width));
        o.field_num("height", i64::from(photo.height));
    }
    if photo.spoiler {
        o.field_bool("media_spoiler", true);
    }
}

/// The media keys (docs/export-format.md#media).
pub(in crate::export) fn write_media(o: &mut JsonOut, media: &Media, tz: &dyn TimeZone) {
    match media {
        Media::None | Media::Unsupported => {}
        Media::Photo(photo) => {
            write_photo(o, photo);
            o.field_num_opt("self_destruct_period_seconds", i64::from(photo.ttl));
        }
        Media::Document(d) => {
            o.field_str("file", &file_text(&d.file, "File"));
            o.field_str_opt("file_name", &d.name);
            o.field_num("file_size", d.file.size);
            if let Some(thumb) = d.thumb.as_ref().filter(|t| t.width > 0) {
                o.field_str("thumbnail", &file_text(&thumb.file, "File"));
                o.field_num("thumbnail_file_size", thumb.file.size);
            }
            if let Some(kind) = d.media_type {
                o.field_plain("media_type", kind.json_name());
                match kind {
                    DocumentType::Sticker => {
                        o.field_str_opt("sticker_emoji", &d.sticker_emoji);
                    }
                    DocumentType::AudioFile => {
                        o.field_str_opt("performer", &d.performer);
                        o.field_str_opt("title", &d.title);
                    }
                    _ => {}
                }
            }
            o.field_str_opt("mime_type", &d.mime);
            o.field_num_opt("duration_seconds", d.duration);
            if d.width != 0 && d.height != 0 {
                o.field_num("width", i64::from(d.width));
                o.field_num("height", i64::from(d.height));
            }
            if d.spoiler {
                o.field_bool("media_spoiler", true);
            }
            o.field_num_opt("self_destruct_period_seconds", i64::from(d.ttl));
        }
        Media::Contact(c) => {
            o.key("contact_information");
            o.open_object();
            o.field_str("first_name", &c.first_name);
            o.field_str("last_name", &c.last_name);
            o.field_str("phone_number", &c.phone);
            o.close();
            if let Some(vcard) = &c.vcard {
                o.field_str("contact_vcard", &file_text(vcard, "File"));
                o.field_num("contact_vcard_file_size", vcard.size);
            }
        }
        Media::Geo(geo) => {
            o.key("location_information");
            write_point(o, geo.point.as_ref());
            o.field_num_opt("live_location_period_seconds", i64::from(geo.live_period));
        }
        Media::Venue(v) => {
            o.field_str_opt("place_name", &v.title);
            o.field_str_opt("address", &v.address);
            if let Some(point) = &v.point {
                o.key("location_information");
                write_point(o, Some(point));
            }
        }
        Media::Game(g) => {
            o.field_str_opt("game_title", &g.title);
            o.field_str_opt("game_description", &g.description);
            if !g.bot_username.is_empty() && !g.short_name.is_empty() {
                let link = format!(
                    "{}{}?game={}",
                    ABOUT.internal_links_domain, g.bot_username, g.short_name
                );
                o.field_str("game_link", &link);
            }
        }
        Media::Invoice(i) => {
            // tdesktop pushes the serialized object through the string path.
            let mut inner = o.embedded();
            inner.open_object();
            inner.field_str("title", &i.title);
            inner.field_str("description", &i.description);
            inner.field_num("amount", i.amount);
            inner.field_str("currency", &i.currency);
            inner.field_num_opt("receipt_message_id", i.receipt_message_id);
            inner.close();
            let text = String::from_utf8(inner.into_bytes()).unwrap_or_default();
            o.field_str("invoice_information", &text);
        }
        Media::Poll(p) => {
            o.key("poll");
            o.open_object();
            o.field_str("question", &p.question);
            o.field_bool("closed", p.closed);
            o.field_num("total_voters", p.total_voters);
            o.key("answers");
            o.open_array();
            for answer in &p.answers {
                o.item();
                o.open_object();
                o.field_str("text", &answer.text);
                o.field_num("voters", answer.voters);
                o.field_bool("chosen", answer.chosen);
                o.close();
            }
            o.close();
            o.close();
        }
        Media::TodoList(t) => {
            o.key("todo_list");
            o.open_object();
            o.field_str("title", &t.title);
            o.field_bool("others_can_append", t.others_can_append);
            o.field_bool("others_can_complete", t.others_can_complete);
            o.key("answers");
            write_todo_items(o, &t.items);
            o.close();
        }
        Media::Giveaway(g) => {
            o.key("giveaway_information");
            o.open_object();
            o.field_num("quantity", g.quantity);
            o.field_num("months", g.months);
            o.key("until_date");
            o.date(g.until_date, tz);
            o.key("channels");
            o.numbers(&g.channels);
            o.key("countries");
            o.strings(&g.countries, false);
            o.field_str("additional_prize", &g.additional_prize);
            o.field_num("stars", g.stars);
            o.field_bool("is_only_new_subscribers", g.only_new_subscribers);
            o.close();
        }
        Media::GiveawayResults(g) => {
            o.key("giveaway_results");
            o.open_object();
            o.field_num("channel", g.channel);
            o.key("winners");
            o.numbers(&g.winners);
            o.field_str("additional_prize", &g.additional_prize);
            o.key("until_date");
            o.date(g.until_date, tz);
            o.field_num("launch_message_id", g.launch_message_id);
            o.field_num("additional_peers_count", g.additional_peers_count);
            o.field_num("winners_count", g.winners_count);
            o.field_num("unclaimed_count", g.unclaimed_count);
            o.field_num("months", g.months);
            o.field_num("stars", g.stars);
            o.field_bool("is_refunded", g.refunded);
            o.field_bool("is_only_new_subscribers", g.only_new_subscribers);
            o.close();
        }
        Media::PaidMedia { stars } => o.field_num("paid_stars_amount", *stars),
    }
}

/// `{latitude, longitude}` or `null`.
fn write_point(o: &mut JsonOut, point: Option<&GeoPoint>) {
    let Some(point) = point else {
        o.raw("null");
        return;
    };
    o.open_object();
    o.key("latitude");
    o.float(point.latitude);
    o.key("longitude");
    o.float(point.longitude);
    o.close();
}

/// The tasks of a to-do list (media `answers`, service `items`).
pub(in crate::export) fn write_todo_items(o: &mut JsonOut, items: &[TodoItem]) {
    o.open_array();
    for item in items {
        o.item();
        o.open_object();
        o.field_str("text", &item.text);
        o.field_num("id", item.id);
        o.close();
    }
    o.close();
}
