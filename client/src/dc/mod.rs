//! Data centers: where they are, and the session file that remembers the
//! auth key of each.

pub mod options;
pub mod session_store;

pub use options::{DEFAULT_DC, DcAddress, DcTable, Network};
pub use session_store::{AuthKey, DcSession, Session, SessionError, SessionUser};
