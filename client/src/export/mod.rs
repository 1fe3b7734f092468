//! The export model and its writers (docs/architecture.md#layers).
//!
//! - [`model`] (with [`model::media`], [`model::action`], [`model::text`],
//!   [`model::file`], [`model::sections`]): our own stable export model,
//!   independent of the TL layer, and the texts both writers share
//!   ([`model::file::file_text`]);
//! - [`convert`]: TL → model, the only code that knows both;
//! - [`json`]: the streaming `result.json` writer
//!   (docs/export-format.md#result-json);
//! - [`html`]: the static HTML pages (docs/export-format.md#html);
//! - [`sink`]: [`sink::ExportSink`], one method per export step, implemented
//!   by both writers; [`sink::Format`] picks them;
//! - [`layout`]: the [`layout::OutputDir`] the writers write into;
//! - [`naming`], [`mod@format`], [`time`]: file names, phone numbers and money,
//!   dates in an explicit time zone.
//!
//! What the engine provides: the time zone ([`time::Tz`]), each chat's
//! folder ([`naming::chat_folder`]), the pages of TL messages in split order
//! (with the migrated flag for pre-migration history), and the status of
//! every [`model::file::FileRef`] (downloaded path or skip reason) before a page is
//! handed to the writers.

#![warn(missing_docs)]

pub mod convert;
pub mod format;
pub mod html;
pub mod json;
pub mod layout;
pub mod model;
pub mod naming;
pub mod sink;
pub mod time;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

use std::io;

use html::HtmlWriter;
use json::JsonWriter;
use layout::OutputDir;
use sink::{ExportSink, Format};
use time::Tz;

/// Opens the sink of the single format `format` in `dir` and starts its
/// documents. `Both` is refused: open one sink per [`Format::sinks`].
pub fn open_sink<'a>(
    dir: &'a dyn OutputDir,
    format: Format,
    tz: Tz,
    single_chat: bool,
) -> io::Result<Box<dyn ExportSink + 'a>> {
    match format {
        Format::Json => {
            let file = dir.create("result.json")?;
            let mut json = JsonWriter::new(file, tz, single_chat);
            json.start()?;
            Ok(Box::new(json))
        }
        Format::Html => Ok(Box::new(HtmlWriter::new(dir, tz, single_chat))),
        Format::Both => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "one sink per format: open Format::sinks one by one",
        )),
    }
}

#[cfg(test)]
mod open_tests {
    use super::*;
    use crate::export::layout::MemoryDir;
    use crate::export::time::utc;

    #[test]
    fn each_format_writes_its_files() {
        for (format, json, html) in [(Format::Json, true, false), (Format::Html, false, true)] {
            let dir = MemoryDir::new();
            let mut sink = open_sink(&dir, format, utc(), false).unwrap();
            sink.write_other_data(b"{\"a\": 1}").unwrap();
            sink.finish().unwrap();
            dir.settle().unwrap();
            assert_eq!(dir.get("result.json").is_some(), json, "{format:?}");
            assert_eq!(dir.get("export_results.html").is_some(), html, "{format:?}");
            if json {
                let value: serde_json::Value =
                    serde_json::from_slice(&dir.get("result.json").unwrap()).unwrap();
                assert_eq!(value["other_data"]["a"], 1.0);
            }
        }
        let dir = MemoryDir::new();
        assert!(open_sink(&dir, Format::Both, utc(), false).is_err());
    }
}
