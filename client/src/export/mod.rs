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
