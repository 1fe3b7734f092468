//! Static HTML pages of an export, like tdesktop's (docs/export-format.md#html):
//! `export_results.html` with the sections index, `lists/*.html`, and each
//! chat's `messages.html`, `messages2.html`, ... (1000 messages per file),
//! plus our own `css/style.css` and `js/script.js`.
//!
//! The layout is ours, not pixel-identical to tdesktop, but every section
//! and message is there, everything from the account is escaped, and links
//! only ever point at export files or at http(s)/mailto/tel/tg links.
//! Pages are streamed through an [`OutputDir`]; a chat's pages hold one
//! message at a time in memory. The call order is the JSON writer's (see
//! [`crate::export::json`]), so the engine can drive both side by side.

mod assets;
mod chat;
mod lists;
mod message;
mod service;
mod text;
mod util;

use std::io::{self, Write};

use crate::export::html::assets::write_assets;
use crate::export::html::chat::ChatPages;
use crate::export::html::lists::{
    chat_entry, contact_entries, frequent_entries, personal_block, session_entries, story_entry,
    userpic_entry, web_session_entries,
};
use crate::export::html::util::{esc_multiline, write_page_end, write_page_start};
use crate::export::layout::{OutputDir, OutputFile};
use crate::export::model::sections::{
    ABOUT, ContactsList, PersonalInfo, SessionsList, Story, Userpic,
};
use crate::export::model::{ChatInfo, Message};
use crate::export::sink::ExportSink;
use crate::export::time::Tz;

/// Sections shown on the index page, with their entry counts.
#[derive(Debug, Default)]
struct Index {
    personal: Option<PersonalInfo>,
    sections: Vec<(&'static str, &'static str, usize)>,
}

/// A list page being streamed.
struct ListPage {
    file: Box<dyn OutputFile>,
    key: &'static str,
    count: usize,
}

/// A streaming writer of the HTML pages.
pub struct HtmlWriter<'a> {
    dir: &'a dyn OutputDir,
    tz: Tz,
    single_chat: bool,
    index: Index,
    list: Option<ListPage>,
    chats: Option<ListPage>,
    left_started: bool,
    chat: Option<ChatPages<'a>>,
}

impl<'a> HtmlWriter<'a> {
    /// A writer into `dir`; with `single_chat` only the chat's pages (in the
    /// root) and the assets are written.
    pub fn new(dir: &'a dyn OutputDir, tz: Tz, single_chat: bool) -> Self {
        Self {
            dir,
            tz,
            single_chat,
            index: Index::default(),
            list: None,
            chats: None,
            left_started: false,
            chat: None,
        }
    }

    /// Opens a streamed list page unless it is the open one.
    fn list_page(&mut self, key: &'static str, title: &str) -> io::Result<&mut ListPage> {
        if self.list.as_ref().is_none_or(|l| l.key != key) {
            self.end_list()?;
            let mut file = self.dir.create(&format!("lists/{key}.html"))?;
            write_page_start(
                &mut file,
                "../",
                title,
                Some("../export_results.html"),
                "list_page",
            )?;
            writeln!(file, "<div class=\"entry_list\">")?;
            self.list = Some(ListPage {
                file,
                key,
                count: 0,
            });
        }
        self.list
            .as_mut()
            .ok_or_else(|| io::Error::other("list page not open"))
    }

    /// Writes a complete list page of `entries` (already HTML).
    fn simple_list(
        &mut self,
        key: &'static str,
        title: &'static str,
        about: &str,
        entries: &[String],
    ) -> io::Result<()> {
        let mut file = self.dir.create(&format!("lists/{key}.html"))?;
        write_page_start(
            &mut file,
            "../",
            title,
            Some("../export_results.html"),
            "list_page",
        )?;
        writeln!(
            file,
            "<div class=\"page_about details\">{}</div>",
            esc_multiline(about)
        )?;
        writeln!(file, "<div class=\"entry_list\">")?;
        for entry in entries {
            writeln!(file, "<div class=\"entry clearfix\">{entry}</div>")?;
        }
        writeln!(file, "</div>")?;
        write_page_end(&mut file)?;
        file.finish()?;
        self.index.sections.push((key, title, entries.len()));
        Ok(())
    }

    /// Closes the chats list, writes the index page (full export) and the
    /// stylesheet and script.
    pub fn finish(mut self) -> io::Result<()> {
        self.end_list()?;
        if let Some(mut list) = self.chats.take() {
            writeln!(list.file, "</div>")?;
            write_page_end(&mut list.file)?;
            list.file.finish()?;
            self.index
                .sections
                .insert(0, ("chats", "Chats", list.count));
        }
        write_assets(self.dir, "")?;
        if self.single_chat {
            return Ok(());
        }
        self.write_index()
    }

    /// `export_results.html`.
    fn write_index(&self) -> io::Result<()> {
        let mut file = self.dir.create("export_results.html")?;
        write_page_start(&mut file, "", "Exported Data", None, "export_page")?;
        if let Some(p) = &self.index.personal {
            file.write_all(personal_block(p).as_bytes())?;
        }
        writeln!(file, "<div class=\"sections with_divider\">")?;
        for (key, title, count) in &self.index.sections {
            let (href, counter) = if *key == "other_data" {
                ("lists/other_data.json".to_owned(), String::new())
            } else {
                (format!("lists/{key}.html"), count.to_string())
            };
            writeln!(
                file,
                "<a class=\"section block_link\" href=\"{href}\"><span class=\"counter\">{counter}</span>{title}</a>"
            )?;
        }
        writeln!(file, "</div>")?;
        writeln!(
            file,
            "<div class=\"page_about details with_divider\">{}</div>",
            esc_multiline(ABOUT.telegram)
        )?;
        write_page_end(&mut file)?;
        file.finish()
    }
}

impl ExportSink for HtmlWriter<'_> {
    /// The personal information block of the index page.
    fn write_personal_info(&mut self, info: &PersonalInfo) -> io::Result<()> {
        self.index.personal = Some(info.clone());
        Ok(())
    }

    /// Appends profile pictures to `lists/profile_pictures.html`.
    fn write_userpics(&mut self, page: &[Userpic]) -> io::Result<()> {
        let tz = self.tz.clone();
        let list = self.list_page("profile_pictures", "Profile pictures")?;
        for pic in page {
            let entry = userpic_entry(pic, tz.as_ref());
            writeln!(list.file, "<div class=\"entry clearfix\">{entry}</div>")?;
            list.count += 1;
        }
        Ok(())
    }

    /// Appends stories to `lists/stories.html`, with their captions.
    fn write_stories(&mut self, page: &[Story]) -> io::Result<()> {
        let tz = self.tz.clone();
        let list = self.list_page("stories", "Stories archive")?;
        for story in page {
            let entry = story_entry(story, tz.as_ref());
            writeln!(list.file, "<div class=\"entry clearfix\">{entry}</div>")?;
            list.count += 1;
        }
        Ok(())
    }

    /// Closes the open profile pictures or stories page.
    fn end_list(&mut self) -> io::Result<()> {
        let Some(mut list) = self.list.take() else {
            return Ok(());
        };
        writeln!(list.file, "</div>")?;
        write_page_end(&mut list.file)?;
        list.file.finish()?;
        let title = match list.key {
            "profile_pictures" => "Profile pictures",
            _ => "Stories archive",
        };
        self.index.sections.push((list.key, title, list.count));
        Ok(())
    }

    /// `lists/contacts.html` and `lists/frequent.html`.
    fn write_contacts(&mut self, list: &ContactsList) -> io::Result<()> {
        self.end_list()?;
        let (contacts, frequent) = (ABOUT.contacts, ABOUT.frequent);
        let entries = contact_entries(list, self.tz.as_ref());
        self.simple_list("contacts", "Contacts", contacts, &entries)?;
        self.simple_list(
            "frequent",
            "Frequent contacts",
            frequent,
            &frequent_entries(list),
        )
    }

    /// `lists/sessions.html` and `lists/web_sessions.html`.
    fn write_sessions(&mut self, list: &SessionsList) -> io::Result<()> {
        self.end_list()?;
        let (sessions, web) = (ABOUT.sessions, ABOUT.web_sessions);
        let entries = session_entries(list, self.tz.as_ref());
        self.simple_list("sessions", "Active sessions", sessions, &entries)?;
        let entries = web_session_entries(list, self.tz.as_ref());
        self.simple_list("web_sessions", "Web sessions", web, &entries)
    }

    /// Links `lists/other_data.json` from the index (the engine writes the
    /// file itself, in every format, so `raw` is not needed here).
    fn write_other_data(&mut self, _raw: &[u8]) -> io::Result<()> {
        self.end_list()?;
        self.index.sections.push(("other_data", "Other data", 0));
        Ok(())
    }

    /// Starts a chat's pages and, in a full export, its entry in
    /// `lists/chats.html`.
    fn start_chat(&mut self, chat: &ChatInfo) -> io::Result<()> {
        self.end_list()?;
        if !self.single_chat && self.chats.is_none() {
            let mut file = self.dir.create("lists/chats.html")?;
            write_page_start(
                &mut file,
                "../",
                "Chats",
                Some("../export_results.html"),
                "list_page",
            )?;
            writeln!(
                file,
                "<div class=\"page_about details\">{}</div>",
                esc_multiline(ABOUT.chats)
            )?;
            writeln!(file, "<div class=\"entry_list\">")?;
            self.chats = Some(ListPage {
                file,
                key: "chats",
                count: 0,
            });
        }
        if chat.is_left && !self.left_started {
            if let Some(list) = self.chats.as_mut() {
                writeln!(
                    list.file,
                    "</div><div class=\"page_about details with_divider\">{}</div><div class=\"entry_list\">",
                    esc_multiline(ABOUT.left_chats)
                )?;
            }
            self.left_started = true;
        }
        let back = if self.single_chat {
            ""
        } else {
            "lists/chats.html"
        };
        self.chat = Some(ChatPages::new(
            self.dir,
            self.tz.clone(),
            chat.clone(),
            back,
        ));
        Ok(())
    }

    /// Appends messages (ascending) to the open chat.
    fn write_messages(&mut self, messages: &[Message]) -> io::Result<()> {
        match self.chat.as_mut() {
            Some(chat) => chat.write_messages(messages),
            None => Err(io::Error::other("no chat started")),
        }
    }

    /// Finishes the chat's pages and its `lists/chats.html` entry.
    fn end_chat(&mut self) -> io::Result<()> {
        let Some(pages) = self.chat.take() else {
            return Ok(());
        };
        let chat = pages.chat().clone();
        let first_page = pages.first_page();
        let count = pages.finish()?;
        if let Some(list) = self.chats.as_mut() {
            writeln!(list.file, "{}", chat_entry(&chat, &first_page, count))?;
            list.count += 1;
        }
        Ok(())
    }

    /// Ends every page.
    fn finish(self: Box<Self>) -> io::Result<()> {
        HtmlWriter::finish(*self)
    }
}
