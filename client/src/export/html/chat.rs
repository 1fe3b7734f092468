//! A chat's HTML history, paged like tdesktop: `messages.html`,
//! `messages2.html`, ... with 1000 messages per file and links between the
//! pages (docs/export-format.md#html). Messages are written as they come; only the first
//! id of every page is kept, to link replies to the right page.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::export::html::message::{
    push_buttons_html, push_media_html, push_photo_html, push_reactions_html,
};
use crate::export::html::service::service_text;
use crate::export::html::text::push_text_html;
use crate::export::html::util::{
    push_esc, push_int, push_userpic, write_page_end, write_page_start,
};
use crate::export::layout::{OutputDir, OutputFile};
use crate::export::model::media::Media;
use crate::export::model::{ChatInfo, Message, MessageKind, PeerId};
use crate::export::time::{DateTime, TimeZone, Tz, local_day, push_display_date_time};

/// Messages per HTML file, as tdesktop.
pub const MESSAGES_PER_PAGE: usize = 1000;

/// Consecutive messages from one sender within this many seconds are
/// joined (no repeated name and picture).
const JOIN_SECONDS: i64 = 15 * 60;

/// The file name of page `index` (1-based).
pub fn page_name(index: usize) -> String {
    if index <= 1 {
        "messages.html".to_owned()
    } else {
        format!("messages{index}.html")
    }
}

/// The previous message, for joining and day separators.
#[derive(Clone, Copy)]
struct Previous {
    from: Option<PeerId>,
    date: i64,
    day: i64,
    joinable: bool,
}

/// A chat's pages being written.
pub struct ChatPages<'a> {
    dir: &'a dyn OutputDir,
    tz: Tz,
    chat: ChatInfo,
    prefix: String,
    back: String,
    file: Option<Box<dyn OutputFile>>,
    page: usize,
    in_page: usize,
    /// How many messages were written.
    pub count: usize,
    page_first_ids: Vec<i64>,
    previous: Option<Previous>,
    /// The rendered messages not written yet (kept for its capacity).
    html: String,
}

impl<'a> ChatPages<'a> {
    /// Pages of `chat` in its folder; `back` is the link of the header's
    /// back button (the chats list), empty for none.
    pub fn new(dir: &'a dyn OutputDir, tz: Tz, chat: ChatInfo, back: &str) -> Self {
        let depth = chat.folder.matches('/').count();
        Self {
            dir,
            tz,
            prefix: "../".repeat(depth),
            back: back.to_owned(),
            chat,
            file: None,
            page: 0,
            in_page: 0,
            count: 0,
            page_first_ids: Vec::new(),
            previous: None,
            html: String::new(),
        }
    }

    /// The chat.
    pub fn chat(&self) -> &ChatInfo {
        &self.chat
    }

    /// The path of the first page, relative to the export root.
    pub fn first_page(&self) -> String {
        format!("{}{}", self.chat.folder, page_name(1))
    }

    fn open_page(&mut self, first_id: Option<i64>) -> io::Result<()> {
        self.page += 1;
        self.in_page = 0;
        self.previous = None;
        if let Some(id) = first_id {
            self.page_first_ids.push(id);
        }
        let path = format!("{}{}", self.chat.folder, page_name(self.page));
        let mut file = self.dir.create(&path)?;
        let title = self.chat.display_name();
        let title = if title.is_empty() {
            "Deleted Account".to_owned()
        } else {
            title
        };
        let back = (!self.back.is_empty()).then(|| format!("{}{}", self.prefix, self.back));
        write_page_start(
            &mut file,
            &self.prefix,
            &title,
            back.as_deref(),
            "chat_page",
        )?;
        writeln!(file, "<div class=\"history\">")?;
        if self.page > 1 {
            writeln!(
                file,
                "<a class=\"pagination block_link\" href=\"{}\">Previous messages</a>",
                page_name(self.page - 1)
            )?;
        }
        self.file = Some(file);
        Ok(())
    }

    fn close_page(&mut self, has_next: bool) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        if has_next {
            writeln!(
                file,
                "<a class=\"pagination block_link\" href=\"{}\">Next messages</a>",
                page_name(self.page + 1)
            )?;
        } else if self.count == 0 {
            writeln!(
                file,
                "<div class=\"message service\"><div class=\"body details\">No messages here yet</div></div>"
            )?;
        }
        writeln!(file, "</div>")?;
        write_page_end(&mut file)?;
        file.finish()
    }

    /// Appends messages (ascending).
    ///
    /// The messages of one page are rendered into one reused buffer and
    /// written at once.
    pub fn write_messages(&mut self, messages: &[Message]) -> io::Result<()> {
        let mut html = std::mem::take(&mut self.html);
        html.clear();
        for m in messages {
            if self.file.is_some() && self.in_page >= MESSAGES_PER_PAGE {
                self.write_html(&mut html)?;
                self.close_page(true)?;
            }
            if self.file.is_none() {
                self.open_page(Some(m.id))?;
            }
            self.push_message(&mut html, m);
            self.in_page += 1;
            self.count += 1;
        }
        self.write_html(&mut html)?;
        self.html = html;
        Ok(())
    }

    /// Writes the rendered `html` to the open page and empties it.
    fn write_html(&mut self, html: &mut String) -> io::Result<()> {
        if let Some(file) = self.file.as_mut() {
            file.write_all(html.as_bytes())?;
        }
        html.clear();
        Ok(())
    }

    /// Finishes the last page (writes an empty page for an empty chat).
    pub fn finish(mut self) -> io::Result<usize> {
        if self.file.is_none() && self.page == 0 {
            self.open_page(None)?;
        }
        self.close_page(false)?;
        Ok(self.count)
    }

    /// Appends the link to message `id`: on this page, or on the page whose
    /// first message is the last one not after `id`. It holds only a page
    /// name and digits, so needs no escape.
    fn push_message_link(&self, out: &mut String, id: i64) {
        let index = self.page_first_ids.partition_point(|&first| first <= id);
        let page = index.max(1);
        if page != self.page && index != 0 {
            push_page_name(out, page);
        }
        out.push_str("#go_to_message");
        push_int(out, id);
    }

    /// Appends the HTML of message `m`.
    fn push_message(&mut self, out: &mut String, m: &Message) {
        let tz = self.tz.as_ref();
        let day = local_day(m.date, tz);
        let local = DateTime::local(m.date, tz);
        if m.kind != MessageKind::Empty && self.previous.is_none_or(|p| p.day != day) {
            out.push_str("<div class=\"message service\" id=\"message-day");
            push_int(out, day);
            out.push_str("\"><div class=\"body details\">");
            local.push_day(out);
            out.push_str("</div></div>\n");
            self.previous = None;
        }
        let from = m.from.as_ref().map(|p| p.id);
        let current = Previous {
            from,
            date: m.date,
            day,
            joinable: m.kind == MessageKind::Regular && m.forwarded.is_none(),
        };
        if let MessageKind::Service(action) = &m.kind {
            push_service_open(out, m.id);
            out.push_str(&service_text(m, action, &self.prefix, tz));
            out.push_str("</div>");
            if let Some(photo) = action.photo() {
                out.push_str("<div class=\"userpic_wrap\">");
                push_photo_html(out, photo, &self.prefix);
                out.push_str("</div>");
            }
            out.push_str("</div>\n");
            self.previous = Some(current);
            return;
        }
        if m.kind == MessageKind::Empty {
            push_service_open(out, m.id);
            out.push_str("Deleted message</div></div>\n");
            return;
        }
        let joined = self.previous.is_some_and(|p| {
            p.joinable
                && p.from == from
                && m.forwarded.is_none()
                && m.via_bot.is_empty()
                && m.signature.is_empty()
                && m.date - p.date < JOIN_SECONDS
        });
        self.previous = Some(current);
        let sender = m.from.as_ref().map_or("", |p| p.name.as_str());
        let sender_name = if sender.is_empty() {
            "Deleted Account"
        } else {
            sender
        };
        out.push_str(if joined {
            "<div class=\"message default clearfix joined\" id=\"message"
        } else {
            "<div class=\"message default clearfix\" id=\"message"
        });
        push_int(out, m.id);
        out.push_str("\">\n");
        if !joined {
            out.push_str("<div class=\"pull_left userpic_wrap\">");
            push_userpic(out, sender_name, from.map_or(0, PeerId::bare), 42);
            out.push_str("</div>\n");
        }
        out.push_str("<div class=\"body\">\n");
        push_date(out, &local, m.edited, tz);
        if !joined {
            push_from_name(out, sender_name, m);
        }
        if let Some(fwd) = &m.forwarded {
            let name = if fwd.name().is_empty() {
                "Unknown"
            } else {
                fwd.name()
            };
            out.push_str(
                "<div class=\"forwarded details\">Forwarded from <span class=\"from_name\">",
            );
            push_esc(out, name, false);
            out.push_str("</span> ");
            push_display_date_time(out, fwd.date, tz);
            out.push_str("</div>\n");
        }
        if let Some(reply) = &m.reply_to {
            out.push_str("<div class=\"reply_to details\">");
            match reply.peer {
                Some(peer) => {
                    let _ = write!(out, "In reply to a message in another chat ({peer})");
                }
                None => {
                    out.push_str("In reply to <a href=\"");
                    self.push_message_link(out, reply.message_id);
                    out.push_str("\" onclick=\"return GoToMessage(");
                    push_int(out, reply.message_id);
                    out.push_str(")\">this message</a>");
                }
            }
            out.push_str("</div>\n");
        }
        if !matches!(m.media, Media::None) {
            out.push_str("<div class=\"media_wrap clearfix\">");
            push_media_html(out, m, &self.prefix, tz);
            out.push_str("</div>\n");
        }
        if !m.text.is_empty() {
            out.push_str("<div class=\"text\">");
            push_text_html(out, &m.text, &self.prefix);
            out.push_str("</div>\n");
        }
        push_buttons_html(out, m);
        push_reactions_html(out, m);
        out.push_str("</div>\n</div>\n");
    }
}

/// Appends the file name of page `index`, as [`page_name`].
fn push_page_name(out: &mut String, index: usize) {
    out.push_str("messages");
    if index > 1 {
        push_int(out, index);
    }
    out.push_str(".html");
}

/// Opens a service message's frame and body.
fn push_service_open(out: &mut String, id: i64) {
    out.push_str("<div class=\"message service\" id=\"message");
    push_int(out, id);
    out.push_str("\"><div class=\"body details\">");
}

/// Appends a message's time, with its full date (and the edit's) as the
/// title. Our own digits: nothing to escape.
fn push_date(out: &mut String, local: &DateTime, edited: i64, tz: &dyn TimeZone) {
    out.push_str("<div class=\"pull_right date details\" title=\"");
    local.push_date_time(out);
    if edited != 0 {
        out.push_str(" (edited ");
        push_display_date_time(out, edited, tz);
        out.push(')');
    }
    out.push_str("\">");
    local.push_time(out);
    out.push_str("</div>\n");
}

/// Appends the sender's name line, with the signature and the inline bot.
fn push_from_name(out: &mut String, sender_name: &str, m: &Message) {
    out.push_str("<div class=\"from_name\">");
    push_esc(out, sender_name, false);
    if !m.signature.is_empty() {
        out.push_str(" <span class=\"details\">");
        push_esc(out, &m.signature, false);
        out.push_str("</span>");
    }
    if !m.via_bot.is_empty() {
        out.push_str(" <span class=\"details\">via @");
        push_esc(out, &m.via_bot, false);
        out.push_str("</span>");
    }
    out.push_str("</div>\n");
}
