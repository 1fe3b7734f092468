//! The HTML of one message's content: text with entities, media blocks,
//! inline buttons and reactions. Service message texts are in
//! [`super::html_service`]; paging and the message frame in
//! [`super::html_chat`].

use std::fmt::Write as _;

use super::file::FileRef;
use super::html_util::{
    esc, esc_multiline, format_duration, format_size, href_path, missing_file_text, push_esc,
    safe_url,
};
use super::media::{Document, DocumentType, Media, Photo};
use super::model::{ButtonData, Message, ReactionKind, TextKind, TextPart};
use super::time::{TimeZone, display_date_time};

/// Renders text parts (D.4 entities) as HTML.
pub fn text_html(parts: &[TextPart], prefix: &str) -> String {
    let mut out = String::new();
    for part in parts {
        // Each part is its text, escaped, between an opening and a closing
        // tag (none for plain text).
        let link = |href: Option<String>| match href {
            Some(href) => (format!("<a href=\"{}\">", esc(&href)), "</a>"),
            None => (String::new(), ""),
        };
        let (open, close) = match &part.kind {
            TextKind::Plain | TextKind::Unknown | TextKind::Hashtag | TextKind::Cashtag => {
                (String::new(), "")
            }
            TextKind::BotCommand | TextKind::BankCard => ("<span>".into(), "</span>"),
            TextKind::Mention => {
                let name = part.text.trim_start_matches('@');
                link(safe_url(&format!("https://t.me/{name}")))
            }
            TextKind::Link => link(safe_url(&part.text)),
            TextKind::TextLink { href } => link(safe_url(href)),
            TextKind::Email => link(Some(format!("mailto:{}", part.text))),
            TextKind::Phone => link(Some(format!("tel:{}", part.text))),
            TextKind::MentionName { user_id } => (
                format!("<span class=\"mention\" title=\"user{user_id}\">"),
                "</span>",
            ),
            TextKind::Bold => ("<strong>".into(), "</strong>"),
            TextKind::Italic => ("<em>".into(), "</em>"),
            TextKind::Underline => ("<u>".into(), "</u>"),
            TextKind::Strikethrough => ("<s>".into(), "</s>"),
            TextKind::Code => ("<code>".into(), "</code>"),
            TextKind::Pre { language } => {
                // Not multiline: newlines stay newlines inside <pre>.
                let _ = write!(out, "<pre data-language=\"{}\">", esc(language));
                push_esc(&mut out, &part.text, false);
                out.push_str("</pre>");
                continue;
            }
            TextKind::Blockquote { collapsed } => {
                let class = if *collapsed { " collapsed" } else { "" };
                (
                    format!("<blockquote class=\"quote{class}\">"),
                    "</blockquote>",
                )
            }
            TextKind::Spoiler => (
                "<span class=\"spoiler hidden\" onclick=\"ShowSpoiler(this)\"><span>".into(),
                "</span></span>",
            ),
            TextKind::CustomEmoji { file, .. } => {
                match file.as_ref().and_then(FileRef::written_path) {
                    Some(path) => (
                        format!(
                            "<span class=\"emoji\" title=\"{}\" data-file=\"{}\">",
                            esc(&part.text),
                            esc(&href_path(prefix, path))
                        ),
                        "</span>",
                    ),
                    None => (String::new(), ""),
                }
            }
        };
        out.push_str(&open);
        push_esc(&mut out, &part.text, true);
        out.push_str(close);
    }
    out
}

/// The media block of a message, empty if it has none.
pub fn media_html(m: &Message, prefix: &str, tz: &dyn TimeZone) -> String {
    match &m.media {
        Media::None => String::new(),
        Media::Photo(photo) => photo_html(photo, prefix),
        Media::Document(doc) => document_html(doc, prefix),
        Media::Contact(c) => {
            let name = super::model::join_name(&c.first_name, &c.last_name);
            let mut status = esc(&c.phone);
            if let Some(vcard) = c.vcard.as_ref().and_then(FileRef::written_path) {
                let _ = write!(
                    status,
                    " <a href=\"{}\">vCard</a>",
                    esc(&href_path(prefix, vcard))
                );
            }
            block("media_contact", &esc(&name), &status, None)
        }
        Media::Geo(geo) => {
            let (title, href) = match geo.point {
                Some(p) if p.latitude.is_finite() && p.longitude.is_finite() => (
                    format!("{:.6}, {:.6}", p.latitude, p.longitude),
                    Some(format!(
                        "https://maps.google.com/maps?q={:.6},{:.6}",
                        p.latitude, p.longitude
                    )),
                ),
                _ => ("Location unavailable".to_owned(), None),
            };
            let status = if geo.live_period > 0 {
                format!(
                    "Live location, {}",
                    format_duration(i64::from(geo.live_period))
                )
            } else {
                "Location".to_owned()
            };
            block("media_location", &esc(&title), &status, href.as_deref())
        }
        Media::Venue(v) => {
            let href = v.point.map(|p| {
                format!(
                    "https://maps.google.com/maps?q={:.6},{:.6}",
                    p.latitude, p.longitude
                )
            });
            block(
                "media_venue",
                &esc(&v.title),
                &esc(&v.address),
                href.as_deref(),
            )
        }
        Media::Game(g) => block(
            "media_game",
            &esc(&g.title),
            &esc_multiline(&g.description),
            None,
        ),
        Media::Invoice(i) => {
            let price = super::format::format_money(i.amount, &i.currency);
            let status = format!("{}<br>{}", esc_multiline(&i.description), esc(&price));
            block("media_invoice", &esc(&i.title), &status, None)
        }
        Media::Poll(p) => {
            let mut html = format!(
                "<div class=\"media_poll\"><div class=\"question bold\">{}</div>\
                 <div class=\"details\">{}</div>",
                esc(&p.question),
                if p.closed { "Final results" } else { "Poll" }
            );
            for a in &p.answers {
                let chosen = if a.chosen { " chosen" } else { "" };
                let _ = write!(
                    html,
                    "<div class=\"answer{chosen}\">- {} <span class=\"details\">{} votes</span></div>",
                    esc(&a.text),
                    a.voters
                );
            }
            let _ = write!(
                html,
                "<div class=\"total details\">{} votes</div></div>",
                p.total_voters
            );
            html
        }
        Media::TodoList(t) => {
            let mut html = format!(
                "<div class=\"media_poll\"><div class=\"question bold\">{}</div>",
                esc(&t.title)
            );
            for item in &t.items {
                let _ = write!(html, "<div class=\"answer\">☐ {}</div>", esc(&item.text));
            }
            html.push_str("</div>");
            html
        }
        Media::Giveaway(g) => {
            let status = format!(
                "{} winners, until {}",
                g.quantity,
                display_date_time(g.until_date, tz)
            );
            block("media_giveaway", "Giveaway", &esc(&status), None)
        }
        Media::GiveawayResults(g) => {
            let status = format!(
                "{} winners, {} unclaimed",
                g.winners_count, g.unclaimed_count
            );
            block("media_giveaway", "Giveaway results", &esc(&status), None)
        }
        Media::PaidMedia { stars } => block(
            "media_invoice",
            "Paid media",
            &format!("{stars} stars"),
            None,
        ),
        Media::Unsupported => block(
            "media_file",
            "Unsupported message",
            "This message is not supported by the export.",
            None,
        ),
    }
}

/// A generic media block: icon, bold title, grey status, optional link.
fn block(class: &str, title: &str, status: &str, href: Option<&str>) -> String {
    let inner = format!(
        "<div class=\"fill pull_left\"></div><div class=\"body\"><div class=\"title bold\">{title}</div>\
         <div class=\"status details\">{status}</div></div>"
    );
    match href {
        Some(href) => format!(
            "<a class=\"media clearfix pull_left block_link {class}\" href=\"{}\">{inner}</a>",
            esc(href)
        ),
        None => format!("<div class=\"media clearfix pull_left {class}\">{inner}</div>"),
    }
}

/// A photo: the image if written, else a block saying why not.
pub fn photo_html(photo: &Photo, prefix: &str) -> String {
    let spoiler = if photo.spoiler { " spoiler_media" } else { "" };
    match photo.file.written_path() {
        Some(path) => {
            let href = esc(&href_path(prefix, path));
            let (w, h) = fit(photo.width, photo.height, 260);
            format!(
                "<a class=\"photo_wrap clearfix pull_left{spoiler}\" href=\"{href}\">\
                 <img class=\"photo\" src=\"{href}\" style=\"width: {w}px; height: {h}px\"/></a>"
            )
        }
        None => block(
            "media_photo",
            "Photo",
            &esc(&missing_file_text(&photo.file).unwrap_or_default()),
            None,
        ),
    }
}

/// Scales `w`×`h` to fit a `max`-pixel square (unknown sizes become square).
fn fit(w: i32, h: i32, max: i64) -> (i64, i64) {
    let (w, h) = (i64::from(w.max(0)), i64::from(h.max(0)));
    if w == 0 || h == 0 {
        return (max, max);
    }
    if w >= h {
        (max, (h * max / w).max(1))
    } else {
        ((w * max / h).max(1), max)
    }
}

/// A document block by media type.
fn document_html(d: &Document, prefix: &str) -> String {
    let path = d.file.written_path();
    if d.media_type == Some(DocumentType::Sticker) {
        if let Some(path) = path.filter(|p| p.ends_with(".webp") || p.ends_with(".png")) {
            let href = esc(&href_path(prefix, path));
            return format!(
                "<a class=\"sticker_wrap clearfix pull_left\" href=\"{href}\">\
                 <img class=\"sticker\" src=\"{href}\" alt=\"{}\"/></a>",
                esc(&d.sticker_emoji)
            );
        }
    }
    let (class, title) = match d.media_type {
        Some(DocumentType::Sticker) => ("media_photo", format!("Sticker {}", d.sticker_emoji)),
        Some(DocumentType::VideoMessage) => ("media_video", "Video message".to_owned()),
        Some(DocumentType::VoiceMessage) => ("media_voice_message", "Voice message".to_owned()),
        Some(DocumentType::Animation) => ("media_video", "Animation".to_owned()),
        Some(DocumentType::VideoFile) => ("media_video", "Video file".to_owned()),
        Some(DocumentType::AudioFile) => {
            let title = match (d.performer.is_empty(), d.title.is_empty()) {
                (false, false) => format!("{} – {}", d.performer, d.title),
                (true, false) => d.title.clone(),
                (false, true) => d.performer.clone(),
                (true, true) => d.name.clone(),
            };
            ("media_audio_file", title)
        }
        None => ("media_file", d.name.clone()),
    };
    let title = if title.is_empty() {
        "File".to_owned()
    } else {
        title
    };
    let mut status = match missing_file_text(&d.file) {
        Some(reason) => reason,
        None if d.duration > 0 => format_duration(d.duration),
        None => format_size(d.file.size),
    };
    if d.ttl > 0 {
        status.push_str(&format!(" (self-destructs after {} s)", d.ttl));
    }
    let href = path.map(|p| href_path(prefix, p));
    block(class, &esc(&title), &esc(&status), href.as_deref())
}

/// Inline keyboard rows, empty if none.
pub fn buttons_html(m: &Message) -> String {
    if m.buttons.is_empty() {
        return String::new();
    }
    let mut html = String::from("<table class=\"bot_buttons_table\"><tbody>");
    for row in &m.buttons {
        html.push_str("<tr><td class=\"bot_buttons_row\">");
        for b in row {
            let url = match &b.data {
                ButtonData::Text(data) if matches!(b.kind, "url" | "auth" | "web_view") => {
                    safe_url(data)
                }
                _ => None,
            };
            let label = esc(&b.text);
            match url {
                Some(url) => {
                    let _ = write!(
                        html,
                        "<a class=\"bot_button\" href=\"{}\">{label}</a>",
                        esc(&url)
                    );
                }
                None => {
                    let _ = write!(html, "<div class=\"bot_button\">{label}</div>");
                }
            }
        }
        html.push_str("</td></tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// Reactions with counts, empty if none.
pub fn reactions_html(m: &Message) -> String {
    if m.reactions.is_empty() {
        return String::new();
    }
    let mut html = String::from("<span class=\"reactions\">");
    for r in &m.reactions {
        let emoji = match &r.kind {
            ReactionKind::Emoji(e) => esc(e),
            ReactionKind::CustomEmoji { .. } => "✨".to_owned(),
            ReactionKind::Paid => "⭐".to_owned(),
            ReactionKind::Empty => String::new(),
        };
        let names: Vec<String> = r.recent.iter().map(|p| p.from.name.clone()).collect();
        let _ = write!(
            html,
            "<span class=\"reaction\" title=\"{}\"><span class=\"emoji\">{emoji}</span>\
             <span class=\"count\">{}</span></span>",
            esc(&names.join(", ")),
            r.count
        );
    }
    html.push_str("</span>");
    html
}
