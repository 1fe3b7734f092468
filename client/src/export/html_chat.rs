//! A chat's HTML history, paged like tdesktop: `messages.html`,
//! `messages2.html`, ... with 1000 messages per file and links between the
//! pages (takeout.md C). Messages are written as they come; only the first
//! id of every page is kept, to link replies to the right page.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::html_message::{buttons_html, media_html, reactions_html, text_html};
use super::html_service::service_text;
use super::html_util::{esc, userpic, write_page_end, write_page_start};
use super::layout::{OutputDir, OutputFile};
use super::model::{ChatInfo, Message, MessageKind, PeerId};
use super::time::{Tz, display_date_time, display_day, display_time, local_day};

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
    pub fn write_messages(&mut self, messages: &[Message]) -> io::Result<()> {
        for m in messages {
            if self.file.is_some() && self.in_page >= MESSAGES_PER_PAGE {
                self.close_page(true)?;
            }
            if self.file.is_none() {
                self.open_page(Some(m.id))?;
            }
            let html = self.message_html(m);
            if let Some(file) = self.file.as_mut() {
                file.write_all(html.as_bytes())?;
            }
            self.in_page += 1;
            self.count += 1;
        }
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

    /// The link to message `id`: on this page, or on the page whose first
    /// message is the last one not after `id`.
    fn message_link(&self, id: i64) -> String {
        let index = self.page_first_ids.partition_point(|&first| first <= id);
        let page = index.max(1);
        if page == self.page || index == 0 {
            format!("#go_to_message{id}")
        } else {
            format!("{}#go_to_message{id}", page_name(page))
        }
    }

    fn message_html(&mut self, m: &Message) -> String {
        let tz = self.tz.as_ref();
        let mut html = String::with_capacity(1024);
        let day = local_day(m.date, tz);
        if m.kind != MessageKind::Empty && self.previous.is_none_or(|p| p.day != day) {
            let _ = writeln!(
                html,
                "<div class=\"message service\" id=\"message-day{day}\"><div class=\"body details\">{}</div></div>",
                esc(&display_day(m.date, tz))
            );
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
            let _ = write!(
                html,
                "<div class=\"message service\" id=\"message{}\"><div class=\"body details\">{}</div>",
                m.id,
                service_text(m, action, &self.prefix, tz)
            );
            if let Some(photo) = action.photo() {
                let _ = write!(
                    html,
                    "<div class=\"userpic_wrap\">{}</div>",
                    super::html_message::photo_html(photo, &self.prefix)
                );
            }
            html.push_str("</div>\n");
            self.previous = Some(current);
            return html;
        }
        if m.kind == MessageKind::Empty {
            let _ = writeln!(
                html,
                "<div class=\"message service\" id=\"message{}\"><div class=\"body details\">Deleted message</div></div>",
                m.id
            );
            return html;
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
        let _ = writeln!(
            html,
            "<div class=\"message default clearfix{}\" id=\"message{}\">",
            if joined { " joined" } else { "" },
            m.id
        );
        if !joined {
            let bare = from.map_or(0, PeerId::bare);
            let _ = writeln!(
                html,
                "<div class=\"pull_left userpic_wrap\">{}</div>",
                userpic(sender_name, bare, 42)
            );
        }
        html.push_str("<div class=\"body\">\n");
        let mut title = display_date_time(m.date, tz);
        if m.edited != 0 {
            let _ = write!(title, " (edited {})", display_date_time(m.edited, tz));
        }
        let _ = writeln!(
            html,
            "<div class=\"pull_right date details\" title=\"{}\">{}</div>",
            esc(&title),
            esc(&display_time(m.date, tz))
        );
        if !joined {
            let mut name = esc(sender_name);
            if !m.signature.is_empty() {
                let _ = write!(
                    name,
                    " <span class=\"details\">{}</span>",
                    esc(&m.signature)
                );
            }
            if !m.via_bot.is_empty() {
                let _ = write!(
                    name,
                    " <span class=\"details\">via @{}</span>",
                    esc(&m.via_bot)
                );
            }
            let _ = writeln!(html, "<div class=\"from_name\">{name}</div>");
        }
        if let Some(fwd) = &m.forwarded {
            let name = if fwd.name().is_empty() {
                "Unknown"
            } else {
                fwd.name()
            };
            let _ = writeln!(
                html,
                "<div class=\"forwarded details\">Forwarded from <span class=\"from_name\">{}</span> {}</div>",
                esc(name),
                esc(&display_date_time(fwd.date, tz))
            );
        }
        if let Some(reply) = &m.reply_to {
            let text = match reply.peer {
                Some(peer) => format!("In reply to a message in another chat ({peer})"),
                None => format!(
                    "In reply to <a href=\"{}\" onclick=\"return GoToMessage({})\">this message</a>",
                    esc(&self.message_link(reply.message_id)),
                    reply.message_id
                ),
            };
            let _ = writeln!(html, "<div class=\"reply_to details\">{text}</div>");
        }
        let media = media_html(m, &self.prefix, tz);
        if !media.is_empty() {
            let _ = writeln!(html, "<div class=\"media_wrap clearfix\">{media}</div>");
        }
        if !m.text.is_empty() {
            let _ = writeln!(
                html,
                "<div class=\"text\">{}</div>",
                text_html(&m.text, &self.prefix)
            );
        }
        html.push_str(&buttons_html(m));
        html.push_str(&reactions_html(m));
        html.push_str("</div>\n</div>\n");
        html
    }
}
