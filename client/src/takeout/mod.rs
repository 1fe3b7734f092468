//! The export engine: the plan, the takeout session, split ranges and
//! paging, every section of docs/takeout.md, file downloads and the error
//! classes.
//!
//! - [`plan`]: settings validated into an [`ExportPlan`];
//! - [`engine`]: [`run_export`] and its options; [`progress`]: the events it
//!   sends and its report; `run`: the state the steps share;
//! - [`session`]: the takeout session ([`TakeoutInvoker`], init/finish);
//! - [`dialogs`], [`history`]: the chat list and each chat's pages;
//! - `chats`, `sections`: the steps of an export;
//! - [`files`], [`download`], `part`, `refresh`: which files, and downloading
//!   them;
//! - [`journal`]: finished downloads, so an interrupted export resumes;
//! - [`state`]: what a finished export keeps so `--update` can bring it up
//!   to date;
//! - [`output`]: the root folder, the writers' thread, `missing.json`;
//! - [`error`]: [`TakeoutError`] and the error classes.

mod chats;
pub mod dialogs;
pub mod download;
pub mod engine;
pub mod error;
pub mod files;
pub mod history;
pub mod journal;
pub mod output;
mod part;
pub mod plan;
pub mod progress;
mod refresh;
mod run;
mod sections;
pub mod session;
pub mod state;

pub use engine::{ExportOptions, TakeoutError, run_export, system_now};
pub use output::MissingItem;
pub use plan::{ExportPlan, Format, MediaType, PlanError, Section, Settings};
pub use progress::{ExportReport, ProgressEvent};
pub use session::TakeoutInvoker;
