//! The retry policy: what to do after a failed call (wait out a flood
//! wait, back off after a server error, reconnect, give up). A pure
//! decision; `Client::invoke` (`client/mod.rs`) applies it and also
//! follows `*_MIGRATE_X`, and the takeout and message-range wrappers are
//! added by `takeout::TakeoutInvoker` (`takeout/session.rs`).
//!
//! And pacing ([`pace`]): when a call may be sent, per DC and method class,
//! learned from the flood waits the server answers.

pub mod layer;
pub mod pace;
pub mod policy;

pub use pace::{MethodClass, Pacer};
pub use policy::{
    Decision, RetryPolicy, RetryReason, Trouble, key_forgotten, needs_login, reconnect_pause,
    trouble,
};
