//! The export model and its writers (docs/architecture.md#layers).
//!
//! - [`model`] (with [`media`], [`action`], [`text`], [`mod@file`],
//!   [`sections`]): our own stable export model, independent of the TL
//!   layer;
//! - [`convert`] (with `convert_media`, `convert_action`, `convert_text`,
//!   [`convert_sections`]): TL → model, the only code that knows both;
//! - [`json`]: the streaming `result.json` writer (docs/export-format.md#result-json);
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
//! every [`file::FileRef`] (downloaded path or skip reason) before a page is
//! handed to the writers.

#![warn(missing_docs)]

pub mod action;
pub mod convert;
mod convert_action;
mod convert_document;
mod convert_media;
mod convert_peers;
pub mod convert_sections;
mod convert_text;
pub mod file;
pub mod format;
pub mod html;
mod html_assets;
mod html_chat;
mod html_lists;
mod html_message;
mod html_service;
mod html_util;
pub mod json;
mod json_action;
mod json_media;
mod json_message;
pub mod json_out;
pub mod layout;
pub mod media;
pub mod model;
pub mod naming;
pub mod sections;
pub mod sink;
pub mod text;
pub mod time;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
