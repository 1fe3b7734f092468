//! The export engine: the plan, the takeout session, split ranges and
//! paging, every section of spec/takeout.md, file downloads and the error
//! classes.

pub mod plan;

pub use plan::{ExportPlan, Format, MediaType, PlanError, Section, Settings};
