//! The HTML of one message's content: text with entities, media blocks,
//! inline buttons and reactions. Service message texts are in
//! [`crate::export::html::service`]; paging and the message frame in
//! [`crate::export::html::chat`].
//!
//! Each piece is appended to the caller's string (`push_*`), so a message
//! is built in one buffer without temporary strings.

use crate::export::html::util::{
    push_duration, push_esc, push_href_path, push_int, push_missing_file_text, push_size,
    safe_url_parts,
};
use crate::export::model::file::FileRef;
use crate::export::model::media::{Document, DocumentType, Media, Photo};
use crate::export::model::{ButtonData, Message, ReactionKind};
use crate::export::time::{TimeZone, push_display_date_time};

/// Appends the media block of a message (nothing if it has none).
pub fn push_media_html(out: &mut String, m: &Message, prefix: &str, tz: &dyn TimeZone) {
    match &m.media {
        Media::None => {}
        Media::Photo(photo) => push_photo_html(out, photo, prefix),
        Media::Document(doc) => push_document_html(out, doc, prefix),
        Media::Contact(c) => {
            let name = crate::export::model::join_name(&c.first_name, &c.last_name);
            let vcard = c.vcard.as_ref().and_then(FileRef::written_path);
            push_block(out, "media_contact", Link::None)
                .title(|out| push_esc(out, &name, false))
                .status(|out| {
                    push_esc(out, &c.phone, false);
                    if let Some(vcard) = vcard {
                        out.push_str(" <a href=\"");
                        push_href_path(out, prefix, vcard);
                        out.push_str("\">vCard</a>");
                    }
                });
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
            push_block(out, "media_location", Link::url(href.as_deref()))
                .title(|out| push_esc(out, &title, false))
                .status(|out| {
                    if geo.live_period > 0 {
                        out.push_str("Live location, ");
                        push_duration(out, i64::from(geo.live_period));
                    } else {
                        out.push_str("Location");
                    }
                });
        }
        Media::Venue(v) => {
            let href = v.point.map(|p| {
                format!(
                    "https://maps.google.com/maps?q={:.6},{:.6}",
                    p.latitude, p.longitude
                )
            });
            push_block(out, "media_venue", Link::url(href.as_deref()))
                .title(|out| push_esc(out, &v.title, false))
                .status(|out| push_esc(out, &v.address, false));
        }
        Media::Game(g) => {
            push_block(out, "media_game", Link::None)
                .title(|out| push_esc(out, &g.title, false))
                .status(|out| push_esc(out, &g.description, true));
        }
        Media::Invoice(i) => {
            let price = crate::export::format::format_money(i.amount, &i.currency);
            push_block(out, "media_invoice", Link::None)
                .title(|out| push_esc(out, &i.title, false))
                .status(|out| {
                    push_esc(out, &i.description, true);
                    out.push_str("<br>");
                    push_esc(out, &price, false);
                });
        }
        Media::Poll(p) => {
            out.push_str("<div class=\"media_poll\"><div class=\"question bold\">");
            push_esc(out, &p.question, false);
            out.push_str("</div><div class=\"details\">");
            out.push_str(if p.closed { "Final results" } else { "Poll" });
            out.push_str("</div>");
            for a in &p.answers {
                out.push_str(if a.chosen {
                    "<div class=\"answer chosen\">- "
                } else {
                    "<div class=\"answer\">- "
                });
                push_esc(out, &a.text, false);
                out.push_str(" <span class=\"details\">");
                push_int(out, a.voters);
                out.push_str(" votes</span></div>");
            }
            out.push_str("<div class=\"total details\">");
            push_int(out, p.total_voters);
            out.push_str(" votes</div></div>");
        }
        Media::TodoList(t) => {
            out.push_str("<div class=\"media_poll\"><div class=\"question bold\">");
            push_esc(out, &t.title, false);
            out.push_str("</div>");
            for item in &t.items {
                out.push_str("<div class=\"answer\">☐ ");
                push_esc(out, &item.text, false);
                out.push_str("</div>");
            }
            out.push_str("</div>");
        }
        Media::Giveaway(g) => {
            // Digits and our own date: nothing to escape.
            push_block(out, "media_giveaway", Link::None)
                .title(|out| out.push_str("Giveaway"))
                .status(|out| {
                    push_int(out, g.quantity);
                    out.push_str(" winners, until ");
                    push_display_date_time(out, g.until_date, tz);
                });
        }
        Media::GiveawayResults(g) => {
            push_block(out, "media_giveaway", Link::None)
                .title(|out| out.push_str("Giveaway results"))
                .status(|out| {
                    push_int(out, g.winners_count);
                    out.push_str(" winners, ");
                    push_int(out, g.unclaimed_count);
                    out.push_str(" unclaimed");
                });
        }
        Media::PaidMedia { stars } => {
            push_block(out, "media_invoice", Link::None)
                .title(|out| out.push_str("Paid media"))
                .status(|out| {
                    push_int(out, *stars);
                    out.push_str(" stars");
                });
        }
        Media::Unsupported => {
            push_block(out, "media_file", Link::None)
                .title(|out| out.push_str("Unsupported message"))
                .status(|out| out.push_str("This message is not supported by the export."));
        }
    }
}

/// Where a media block links to.
#[derive(Clone, Copy)]
enum Link<'a> {
    /// Nowhere.
    None,
    /// A url, not escaped yet.
    Url(&'a str),
    /// A written file: the way back to the export root and its path.
    File(&'a str, &'a str),
}

impl<'a> Link<'a> {
    /// A link to `url`, if any.
    fn url(url: Option<&'a str>) -> Self {
        url.map_or(Self::None, Self::Url)
    }
}

/// A generic media block being appended: icon, bold title, grey status,
/// optional link. [`push_block`] opens it, [`Block::title`] and
/// [`Block::status`] append the rest.
#[must_use = "a block is finished by its title and status"]
struct Block<'o> {
    out: &'o mut String,
    link: bool,
}

/// Opens a generic media block of `class`.
fn push_block<'o>(out: &'o mut String, class: &str, link: Link<'_>) -> Block<'o> {
    let link = match link {
        Link::None => {
            out.push_str("<div class=\"media clearfix pull_left ");
            out.push_str(class);
            false
        }
        Link::Url(url) => {
            open_block_link(out, class);
            push_esc(out, url, false);
            true
        }
        Link::File(prefix, path) => {
            open_block_link(out, class);
            push_href_path(out, prefix, path);
            true
        }
    };
    out.push_str(
        "\"><div class=\"fill pull_left\"></div><div class=\"body\"><div class=\"title bold\">",
    );
    Block { out, link }
}

/// Opens a linked block up to its `href` value.
fn open_block_link(out: &mut String, class: &str) {
    out.push_str("<a class=\"media clearfix pull_left block_link ");
    out.push_str(class);
    out.push_str("\" href=\"");
}

impl<'o> Block<'o> {
    /// Appends the title (HTML) with `push`.
    fn title(self, push: impl FnOnce(&mut String)) -> Self {
        push(self.out);
        self.out.push_str("</div><div class=\"status details\">");
        self
    }

    /// Appends the status (HTML) with `push` and closes the block.
    fn status(self, push: impl FnOnce(&mut String)) {
        push(self.out);
        self.out.push_str("</div></div>");
        self.out.push_str(if self.link { "</a>" } else { "</div>" });
    }
}

/// A photo: the image if written, else a block saying why not.
pub fn photo_html(photo: &Photo, prefix: &str) -> String {
    let mut out = String::new();
    push_photo_html(&mut out, photo, prefix);
    out
}

/// Appends [`photo_html`] of `photo`.
pub fn push_photo_html(out: &mut String, photo: &Photo, prefix: &str) {
    match photo.file.written_path() {
        Some(path) => {
            let (w, h) = fit(photo.width, photo.height, 260);
            out.push_str(if photo.spoiler {
                "<a class=\"photo_wrap clearfix pull_left spoiler_media\" href=\""
            } else {
                "<a class=\"photo_wrap clearfix pull_left\" href=\""
            });
            push_href_path(out, prefix, path);
            out.push_str("\"><img class=\"photo\" src=\"");
            push_href_path(out, prefix, path);
            out.push_str("\" style=\"width: ");
            push_int(out, w);
            out.push_str("px; height: ");
            push_int(out, h);
            out.push_str("px\"/></a>");
        }
        None => push_block(out, "media_photo", Link::None)
            .title(|out| out.push_str("Photo"))
            .status(|out| {
                push_missing_file_text(out, &photo.file, true);
            }),
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

/// Appends a document block by media type (or a sticker's image).
fn push_document_html(out: &mut String, d: &Document, prefix: &str) {
    let path = d.file.written_path();
    if d.media_type == Some(DocumentType::Sticker) {
        if let Some(path) = path.filter(|p| p.ends_with(".webp") || p.ends_with(".png")) {
            out.push_str("<a class=\"sticker_wrap clearfix pull_left\" href=\"");
            push_href_path(out, prefix, path);
            out.push_str("\"><img class=\"sticker\" src=\"");
            push_href_path(out, prefix, path);
            out.push_str("\" alt=\"");
            push_esc(out, &d.sticker_emoji, false);
            out.push_str("\"/></a>");
            return;
        }
    }
    let class = match d.media_type {
        Some(DocumentType::Sticker) => "media_photo",
        Some(DocumentType::VideoMessage | DocumentType::Animation | DocumentType::VideoFile) => {
            "media_video"
        }
        Some(DocumentType::VoiceMessage) => "media_voice_message",
        Some(DocumentType::AudioFile) => "media_audio_file",
        None => "media_file",
    };
    let link = path.map_or(Link::None, |path| Link::File(prefix, path));
    push_block(out, class, link)
        .title(|out| push_document_title(out, d))
        .status(|out| {
            if !push_missing_file_text(out, &d.file, true) {
                if d.duration > 0 {
                    push_duration(out, d.duration);
                } else {
                    push_size(out, d.file.size);
                }
            }
            if d.ttl > 0 {
                out.push_str(" (self-destructs after ");
                push_int(out, d.ttl);
                out.push_str(" s)");
            }
        });
}

/// Appends a document's title, escaped: its kind, an audio file's
/// performer and title, or its name ("File" when there is none).
fn push_document_title(out: &mut String, d: &Document) {
    let name = match d.media_type {
        Some(DocumentType::Sticker) => {
            out.push_str("Sticker ");
            return push_esc(out, &d.sticker_emoji, false);
        }
        Some(DocumentType::VideoMessage) => return out.push_str("Video message"),
        Some(DocumentType::VoiceMessage) => return out.push_str("Voice message"),
        Some(DocumentType::Animation) => return out.push_str("Animation"),
        Some(DocumentType::VideoFile) => return out.push_str("Video file"),
        Some(DocumentType::AudioFile) => match (d.performer.is_empty(), d.title.is_empty()) {
            (false, false) => {
                push_esc(out, &d.performer, false);
                out.push_str(" – ");
                return push_esc(out, &d.title, false);
            }
            (true, false) => &d.title,
            (false, true) => &d.performer,
            (true, true) => &d.name,
        },
        None => &d.name,
    };
    if name.is_empty() {
        out.push_str("File");
    } else {
        push_esc(out, name, false);
    }
}

/// Appends the inline keyboard rows of `m` (nothing if none).
pub fn push_buttons_html(out: &mut String, m: &Message) {
    if m.buttons.is_empty() {
        return;
    }
    out.push_str("<table class=\"bot_buttons_table\"><tbody>");
    for row in &m.buttons {
        out.push_str("<tr><td class=\"bot_buttons_row\">");
        for b in row {
            let url = match &b.data {
                ButtonData::Text(data) if matches!(b.kind, "url" | "auth" | "web_view") => {
                    safe_url_parts(data)
                }
                _ => None,
            };
            let close = match url {
                Some((scheme, url)) => {
                    out.push_str("<a class=\"bot_button\" href=\"");
                    push_esc(out, scheme, false);
                    push_esc(out, url, false);
                    out.push_str("\">");
                    "</a>"
                }
                None => {
                    out.push_str("<div class=\"bot_button\">");
                    "</div>"
                }
            };
            push_esc(out, &b.text, false);
            out.push_str(close);
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table>");
}

/// Appends the reactions of `m` with counts (nothing if none).
pub fn push_reactions_html(out: &mut String, m: &Message) {
    if m.reactions.is_empty() {
        return;
    }
    out.push_str("<span class=\"reactions\">");
    for r in &m.reactions {
        out.push_str("<span class=\"reaction\" title=\"");
        for (i, recent) in r.recent.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_esc(out, &recent.from.name, false);
        }
        out.push_str("\"><span class=\"emoji\">");
        match &r.kind {
            ReactionKind::Emoji(e) => push_esc(out, e, false),
            ReactionKind::CustomEmoji { .. } => out.push('✨'),
            ReactionKind::Paid => out.push('⭐'),
            ReactionKind::Empty => {}
        }
        out.push_str("</span><span class=\"count\">");
        push_int(out, r.count);
        out.push_str("</span></span>");
    }
    out.push_str("</span>");
}
