//! Both writers behind one door: the engine picks the format (takeout.md B:
//! HTML, JSON or both) and makes one call per step; [`Writers`] forwards it
//! to [`JsonWriter`] (into `result.json` of the [`OutputDir`]) and
//! [`HtmlWriter`] as selected. The call order is the one documented in
//! [`super::json`].

use std::io;

use super::html::HtmlWriter;
use super::json::JsonWriter;
use super::layout::{OutputDir, OutputFile};
use super::model::{ChatInfo, Message};
use super::sections::{AboutTexts, ContactsList, PersonalInfo, SessionsList, Story, Userpic};
use super::time::Tz;

/// The output format (tdesktop's `Settings::Format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// HTML pages only (tdesktop's default).
    #[default]
    Html,
    /// `result.json` only.
    Json,
    /// Both.
    Both,
}

/// The selected writers of one export.
pub struct Writers<'a> {
    /// `result.json` (the JSON writer gathers its text and writes it in
    /// large pieces).
    json: Option<JsonWriter<Box<dyn OutputFile>>>,
    html: Option<HtmlWriter<'a>>,
    dir: &'a dyn OutputDir,
}

/// Calls `$method` on every selected writer.
macro_rules! both {
    ($self:ident, $method:ident $(, $arg:expr)*) => {{
        if let Some(json) = $self.json.as_mut() {
            json.$method($($arg),*)?;
        }
        if let Some(html) = $self.html.as_mut() {
            html.$method($($arg),*)?;
        }
        Ok(())
    }};
}

impl<'a> Writers<'a> {
    /// Opens the writers of `format` in `dir` and starts the documents.
    pub fn new(
        dir: &'a dyn OutputDir,
        format: Format,
        tz: Tz,
        about: AboutTexts,
        single_chat: bool,
    ) -> io::Result<Self> {
        let json = match format {
            Format::Json | Format::Both => {
                let file = dir.create("result.json")?;
                let mut json = JsonWriter::new(file, tz.clone(), about.clone(), single_chat);
                json.start()?;
                Some(json)
            }
            Format::Html => None,
        };
        let html = match format {
            Format::Html | Format::Both => Some(HtmlWriter::new(dir, tz, about, single_chat)),
            Format::Json => None,
        };
        Ok(Self { json, html, dir })
    }

    /// `personal_information`.
    pub fn write_personal_info(&mut self, info: &PersonalInfo) -> io::Result<()> {
        both!(self, write_personal_info, info)
    }

    /// A page of profile pictures (an empty page still opens the section).
    pub fn write_userpics(&mut self, page: &[Userpic]) -> io::Result<()> {
        both!(self, write_userpics, page)
    }

    /// A page of stories (an empty page still opens the section).
    pub fn write_stories(&mut self, page: &[Story]) -> io::Result<()> {
        both!(self, write_stories, page)
    }

    /// Ends the profile pictures or stories section.
    pub fn end_list(&mut self) -> io::Result<()> {
        both!(self, end_list)
    }

    /// Contacts and frequent contacts.
    pub fn write_contacts(&mut self, list: &ContactsList) -> io::Result<()> {
        both!(self, write_contacts, list)
    }

    /// Sessions and web sessions.
    pub fn write_sessions(&mut self, list: &SessionsList) -> io::Result<()> {
        both!(self, write_sessions, list)
    }

    /// Other data: `raw` is the downloaded `lists/other_data.json` (the
    /// engine writes that file itself); nothing is written when it is empty.
    pub fn write_other_data(&mut self, raw: &[u8]) -> io::Result<()> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if let Some(json) = self.json.as_mut() {
            json.write_other_data(raw)?;
        }
        if let Some(html) = self.html.as_mut() {
            html.write_other_data()?;
        }
        Ok(())
    }

    /// Starts a chat.
    pub fn start_chat(&mut self, chat: &ChatInfo) -> io::Result<()> {
        both!(self, start_chat, chat)
    }

    /// A page of the open chat's messages, ascending, files settled.
    pub fn write_messages(&mut self, messages: &[Message]) -> io::Result<()> {
        both!(self, write_messages, messages)
    }

    /// Ends the open chat.
    pub fn end_chat(&mut self) -> io::Result<()> {
        both!(self, end_chat)
    }

    /// Finishes every document and commits `result.json`; returns once
    /// every file is in place.
    pub fn finish(self) -> io::Result<()> {
        if let Some(json) = self.json {
            json.finish()?.finish()?;
        }
        if let Some(html) = self.html {
            html.finish()?;
        }
        self.dir.settle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::layout::MemoryDir;
    use crate::export::time::utc;

    #[test]
    fn formats_select_the_files() {
        for (format, json, html) in [
            (Format::Html, false, true),
            (Format::Json, true, false),
            (Format::Both, true, true),
        ] {
            let dir = MemoryDir::new();
            let mut writers =
                Writers::new(&dir, format, utc(), AboutTexts::default(), false).unwrap();
            writers.write_other_data(b"{\"a\": 1}").unwrap();
            writers.finish().unwrap();
            assert_eq!(dir.get("result.json").is_some(), json, "{format:?}");
            assert_eq!(dir.get("export_results.html").is_some(), html, "{format:?}");
            if json {
                let value: serde_json::Value =
                    serde_json::from_slice(&dir.get("result.json").unwrap()).unwrap();
                assert_eq!(value["other_data"]["a"], 1.0);
            }
        }
    }
}
