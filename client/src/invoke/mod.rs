//! Middleware around every call: the retry policy (and, with the sender,
//! the takeout and message-range wrappers and migrations).

pub mod policy;

pub use policy::{Decision, RetryPolicy, RetryReason};
