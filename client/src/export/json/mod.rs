//! A streaming writer of `result.json` (docs/export-format.md#result-json), compatible with
//! tdesktop's "Export Telegram data" but always valid JSON.
//!
//! Sections are written in the order of docs/export-format.md#top-level as the engine hands them over;
//! chats and messages are streamed one page at a time, so memory stays flat
//! however large the account. Key order and layout follow tdesktop's
//! `export_output_json.cpp` (docs/export-format.md#result-json). The only intended byte differences
//! are the escapes of control characters: tdesktop writes `\xHH` (invalid
//! JSON, issue #27571), we write `\u00HH` (see [`crate::export::json::out`]).
//!
//! The same calls with the same model give byte-identical output: the time
//! zone is a parameter, nothing reads the clock or the machine's settings.
//! Call order (each step optional except `start`/`finish`):
//! `start` → `write_personal_info` → `write_userpics*` → `write_stories*` →
//! `write_contacts` → `write_sessions` → `write_other_data` →
//! (`start_chat` → `write_messages`* → `end_chat`)* → `finish`.

mod action;
mod media;
mod message;
pub mod out;
mod parts;

use std::io::{self, Write};

use crate::export::json::message::write_message;
use crate::export::json::out::JsonOut;
use crate::export::model::file::file_text;
use crate::export::model::sections::{
    ABOUT, ContactsList, PersonalInfo, SessionsList, Story, Userpic,
};
use crate::export::model::{ChatInfo, Message};
use crate::export::sink::{Document, ExportSink};
use crate::export::time::Tz;

/// Which chat list is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChatsMode {
    None,
    Chats,
    Left,
}

/// How much text the writer gathers before it writes to the file: one
/// write per page of messages or so, instead of one per token.
const WRITE_AT: usize = 64 * 1024;

/// A streaming `result.json` writer.
#[derive(Debug)]
pub struct JsonWriter<W: Write> {
    /// The file.
    file: W,
    /// The text not yet in the file (below [`WRITE_AT`] between calls).
    out: JsonOut,
    tz: Tz,
    single_chat: bool,
    mode: ChatsMode,
    in_list: Option<&'static str>,
}

impl<W: Write> JsonWriter<W> {
    /// A writer for a full export (one object with sections, docs/export-format.md#top-level) or, with
    /// `single_chat`, a single-chat export (the file is the chat object).
    pub fn new(file: W, tz: Tz, single_chat: bool) -> Self {
        Self {
            file,
            out: JsonOut::new(),
            tz,
            single_chat,
            mode: ChatsMode::None,
            in_list: None,
        }
    }

    /// Opens the document: `{` and the top-level `about` (full export).
    pub fn start(&mut self) -> io::Result<()> {
        if self.single_chat {
            return Ok(());
        }
        self.out.open_object();
        self.out.field_str("about", ABOUT.telegram);
        self.write_if_full()
    }

    /// Moves the gathered text to the file once there is enough of it.
    fn write_if_full(&mut self) -> io::Result<()> {
        if self.out.bytes().len() < WRITE_AT {
            return Ok(());
        }
        self.write_out()
    }

    /// Moves the gathered text to the file.
    fn write_out(&mut self) -> io::Result<()> {
        self.file.write_all(self.out.bytes())?;
        self.out.clear();
        Ok(())
    }

    /// Opens the top-level array `key` unless it is already open.
    fn open_list(&mut self, key: &'static str) {
        if self.in_list == Some(key) {
            return;
        }
        self.close_list();
        self.out.key(key);
        self.out.open_array();
        self.in_list = Some(key);
    }

    /// Closes the `profile_pictures` or `stories` array, if open.
    fn close_list(&mut self) {
        if self.in_list.take().is_some() {
            self.out.close();
        }
    }

    /// Closes everything still open and flushes; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        while self.out.depth() > 0 {
            self.out.close();
        }
        self.write_out()?;
        self.file.flush()?;
        Ok(self.file)
    }
}

impl<W: Document> ExportSink for JsonWriter<W> {
    /// `personal_information` (docs/export-format.md#sections).
    fn write_personal_info(&mut self, info: &PersonalInfo) -> io::Result<()> {
        let o = &mut self.out;
        o.key("personal_information");
        o.open_object();
        o.field_num("user_id", info.user_id);
        o.field_str("first_name", &info.first_name);
        o.field_str("last_name", &info.last_name);
        o.field_str("phone_number", &info.phone);
        if !info.username.is_empty() {
            o.field_str("username", &format!("@{}", info.username));
        }
        o.field_str_opt("bio", &info.bio);
        o.close();
        self.write_if_full()
    }

    /// Opens (on the first call) the `profile_pictures` array and appends
    /// one page of profile pictures; [`Self::end_list`] closes it.
    fn write_userpics(&mut self, page: &[Userpic]) -> io::Result<()> {
        self.open_list("profile_pictures");
        for pic in page {
            let o = &mut self.out;
            o.item();
            o.open_object();
            if pic.date != 0 {
                o.field_date("date", pic.date, self.tz.as_ref());
            }
            o.field_str("photo", &file_text(&pic.file, "Photo"));
            o.close();
        }
        self.write_if_full()
    }

    /// Opens (on the first call) the `stories` array and appends one page;
    /// [`Self::end_list`] closes it. Captions are not written (docs/export-format.md#sections).
    fn write_stories(&mut self, page: &[Story]) -> io::Result<()> {
        self.open_list("stories");
        for story in page {
            let o = &mut self.out;
            o.item();
            o.open_object();
            if story.date != 0 {
                o.field_date("date", story.date, self.tz.as_ref());
            }
            if story.expires != 0 {
                o.field_date("expires", story.expires, self.tz.as_ref());
            }
            o.field_bool("pinned", story.pinned);
            o.field_str("media", &file_text(&story.file, "Photo"));
            o.close();
        }
        self.write_if_full()
    }

    /// Closes the `profile_pictures` or `stories` array, if open.
    fn end_list(&mut self) -> io::Result<()> {
        self.close_list();
        self.write_if_full()
    }

    /// `contacts` and `frequent_contacts` (docs/export-format.md#sections).
    fn write_contacts(&mut self, list: &ContactsList) -> io::Result<()> {
        self.close_list();
        let tz = self.tz.clone();
        let about = ABOUT.contacts;
        let o = &mut self.out;
        o.key("contacts");
        o.open_object();
        o.field_str("about", about);
        o.key("list");
        o.open_array();
        for index in list.sorted_indices() {
            let c = &list.contacts[index];
            o.item();
            o.open_object();
            if !(c.first_name.is_empty() && c.last_name.is_empty() && c.phone.is_empty()) {
                o.field_num_opt("user_id", c.user_id);
                o.field_str("first_name", &c.first_name);
                o.field_str("last_name", &c.last_name);
                o.field_str("phone_number", &c.phone);
            }
            o.field_date("date", c.date, tz.as_ref());
            o.close();
        }
        o.close();
        o.close();

        let about = ABOUT.frequent;
        let o = &mut self.out;
        o.key("frequent_contacts");
        o.open_object();
        o.field_str("about", about);
        o.key("list");
        o.open_array();
        let mut frequent: Vec<_> = list.frequent.iter().collect();
        frequent.sort_by_key(|p| p.category);
        for peer in frequent {
            o.item();
            o.open_object();
            o.field_num("id", peer.id);
            o.field_str("category", peer.category.json_name());
            o.field_str("type", peer.json_type());
            o.field_str_or_null("name", &peer.name);
            o.key("rating");
            o.float(peer.rating);
            o.close();
        }
        o.close();
        o.close();
        self.write_if_full()
    }

    /// `sessions` and `web_sessions` (docs/export-format.md#sections).
    fn write_sessions(&mut self, list: &SessionsList) -> io::Result<()> {
        self.close_list();
        let tz = self.tz.clone();
        let about = ABOUT.sessions;
        let o = &mut self.out;
        o.key("sessions");
        o.open_object();
        o.field_str("about", about);
        o.key("list");
        o.open_array();
        for s in &list.sessions {
            o.item();
            o.open_object();
            o.field_date("last_active", s.last_active, tz.as_ref());
            o.field_str("last_ip", &s.ip);
            o.field_str("last_country", &s.country);
            o.field_str("last_region", &s.region);
            o.field_str_or_null("application_name", &s.app_name);
            o.field_str_opt("application_version", &s.app_version);
            o.field_str("device_model", &s.device_model);
            o.field_str("platform", &s.platform);
            o.field_str("system_version", &s.system_version);
            o.field_date("created", s.created, tz.as_ref());
            o.close();
        }
        o.close();
        o.close();

        let about = ABOUT.web_sessions;
        let o = &mut self.out;
        o.key("web_sessions");
        o.open_object();
        o.field_str("about", about);
        o.key("list");
        o.open_array();
        for s in &list.web {
            o.item();
            o.open_object();
            o.field_date("last_active", s.last_active, tz.as_ref());
            o.field_str("last_ip", &s.ip);
            o.field_str("last_region", &s.region);
            o.field_str_or_null("bot_username", &s.bot_username);
            o.field_str_or_null("domain_name", &s.domain);
            o.field_str("browser", &s.browser);
            o.field_str("platform", &s.platform);
            o.field_date("created", s.created, tz.as_ref());
            o.close();
        }
        o.close();
        o.close();
        self.write_if_full()
    }

    /// `other_data`: the downloaded takeout JSON, re-emitted in tdesktop's
    /// layout with sorted keys and numbers as `%f` (docs/export-format.md#sections). Empty input writes
    /// nothing; input that is not a JSON object or array is an
    /// `InvalidData` error and writes nothing.
    fn write_other_data(&mut self, raw: &[u8]) -> io::Result<()> {
        self.close_list();
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let value: serde_json::Value = serde_json::from_slice(raw)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if !(value.is_object() || value.is_array()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "other data is not a JSON object or array",
            ));
        }
        self.out.key("other_data");
        write_value(&mut self.out, &value);
        self.write_if_full()
    }

    /// Starts a chat: opens `chats` or `left_chats` as needed (docs/export-format.md#chats) and
    /// writes the chat's `name`, `type`, `id` and opens `messages`.
    fn start_chat(&mut self, chat: &ChatInfo) -> io::Result<()> {
        self.close_list();
        if !self.single_chat {
            let mode = if chat.is_left {
                ChatsMode::Left
            } else {
                ChatsMode::Chats
            };
            if self.mode != mode {
                if self.mode != ChatsMode::None {
                    self.out.close();
                    self.out.close();
                }
                self.mode = mode;
                let (key, about) = match mode {
                    ChatsMode::Left => ("left_chats", ABOUT.left_chats),
                    _ => ("chats", ABOUT.chats),
                };
                self.out.key(key);
                self.out.open_object();
                self.out.field_str("about", about);
                self.out.key("list");
                self.out.open_array();
            }
            self.out.item();
        }
        let o = &mut self.out;
        o.open_object();
        if !chat.dialog_type.hides_name() {
            o.field_str_or_null("name", &chat.name);
        }
        o.field_str_or_null("type", chat.dialog_type.json_name().unwrap_or(""));
        o.field_num("id", chat.id.bare());
        o.key("messages");
        o.open_array();
        self.write_if_full()
    }

    /// Appends messages (ascending) to the open chat.
    fn write_messages(&mut self, messages: &[Message]) -> io::Result<()> {
        for message in messages {
            self.out.item();
            write_message(&mut self.out, message, self.tz.as_ref());
        }
        self.write_if_full()
    }

    /// Closes the chat's `messages` and the chat object.
    fn end_chat(&mut self) -> io::Result<()> {
        self.out.close();
        self.out.close();
        self.write_if_full()
    }

    /// Ends the document and commits the file.
    fn finish(self: Box<Self>) -> io::Result<()> {
        JsonWriter::finish(*self)?.commit()
    }
}

/// Re-emits a parsed JSON value with sorted keys.
fn write_value(o: &mut JsonOut, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => o.raw("null"),
        Value::Bool(b) => o.boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => o.raw(&format!("{i}.000000")),
            (_, Some(u)) => o.raw(&format!("{u}.000000")),
            _ => o.float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => o.string(s),
        Value::Array(items) => {
            o.open_array();
            for item in items {
                o.item();
                write_value(o, item);
            }
            o.close();
        }
        Value::Object(map) => {
            // Qt orders object keys by UTF-16 code units.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            o.open_object();
            for (key, item) in entries {
                o.key_escaped(key);
                write_value(o, item);
            }
            o.close();
        }
    }
}
