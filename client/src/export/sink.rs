//! One sink per output format: [`ExportSink`] has one method per export
//! step, in the order the engine takes them
//! (docs/takeout.md#step-order); the JSON writer
//! ([`crate::export::json::JsonWriter`]) and the HTML writer
//! ([`crate::export::html::HtmlWriter`]) implement it. A new section is a new
//! method here, which the compiler then asks every writer for.
//!
//! [`Format`] picks the sinks ([`crate::export::open_sink`]): `Both` is the
//! JSON and the HTML sink side by side, each fed every step (the engine
//! runs each on its own thread).

use std::io;

use crate::export::layout::OutputFile;
use crate::export::model::sections::{ContactsList, PersonalInfo, SessionsList, Story, Userpic};
use crate::export::model::{ChatInfo, Message};

/// The writer of one output format, fed the steps of an export in order:
/// `write_personal_info`, `write_userpics`* and `end_list`,
/// `write_stories`* and `end_list`, `write_contacts`, `write_sessions`,
/// `write_other_data`, then per chat `start_chat`, `write_messages`*,
/// `end_chat`, and `finish`. Every step is optional except `finish`.
pub trait ExportSink {
    /// `personal_information`.
    fn write_personal_info(&mut self, info: &PersonalInfo) -> io::Result<()>;

    /// A page of profile pictures (an empty page still opens the section).
    fn write_userpics(&mut self, page: &[Userpic]) -> io::Result<()>;

    /// A page of stories (an empty page still opens the section).
    fn write_stories(&mut self, page: &[Story]) -> io::Result<()>;

    /// Ends the profile pictures or stories section.
    fn end_list(&mut self) -> io::Result<()>;

    /// Contacts and frequent contacts.
    fn write_contacts(&mut self, list: &ContactsList) -> io::Result<()>;

    /// Sessions and web sessions.
    fn write_sessions(&mut self, list: &SessionsList) -> io::Result<()>;

    /// Other data: `raw` is the downloaded `lists/other_data.json` (the
    /// engine writes that file itself); never called with blank `raw`.
    fn write_other_data(&mut self, raw: &[u8]) -> io::Result<()>;

    /// Starts a chat.
    fn start_chat(&mut self, chat: &ChatInfo) -> io::Result<()>;

    /// A page of the open chat's messages, ascending, files settled.
    fn write_messages(&mut self, messages: &[Message]) -> io::Result<()>;

    /// Ends the open chat.
    fn end_chat(&mut self) -> io::Result<()>;

    /// Ends every document and commits it.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// A file the JSON writer streams into, committed when the document ends.
pub trait Document: io::Write {
    /// Makes the finished file visible (a no-op in memory).
    fn commit(self) -> io::Result<()>;
}

impl Document for Box<dyn OutputFile> {
    fn commit(self) -> io::Result<()> {
        self.finish()
    }
}

impl<T: OutputFile> Document for T {
    fn commit(self) -> io::Result<()> {
        Box::new(self).finish()
    }
}

impl Document for Vec<u8> {
    fn commit(self) -> io::Result<()> {
        Ok(())
    }
}

/// The output format (tdesktop's `Settings::Format`): the one format type
/// of the workspace, from the command line to the sinks.
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

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 3] = [Format::Json, Format::Html, Format::Both];

    /// The name on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
            Format::Both => "both",
        }
    }

    /// What the format writes, for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Json => "result.json",
            Format::Html => "HTML pages",
            Format::Both => "Both",
        }
    }

    /// The format named `name` ([`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether `result.json` is written.
    pub fn json(self) -> bool {
        self != Format::Html
    }

    /// Whether the HTML pages are written.
    pub fn html(self) -> bool {
        self != Format::Json
    }

    /// The single formats written, one sink each: `Both` is `Json` and
    /// `Html`.
    pub fn sinks(self) -> &'static [Format] {
        match self {
            Format::Json => &[Format::Json],
            Format::Html => &[Format::Html],
            Format::Both => &[Format::Json, Format::Html],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("pdf"), None);
        assert_eq!(Format::Both.sinks(), [Format::Json, Format::Html]);
        assert!(Format::Both.json() && Format::Both.html());
        assert!(!Format::Json.html() && !Format::Html.json());
    }
}
