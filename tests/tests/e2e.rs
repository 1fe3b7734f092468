//! End-to-end tests: the client against the mock server over real TCP on
//! loopback. One test binary; each module is one area.

/// The sender: key exchange, encrypted calls, transports, reconnects.
mod sender;
/// Shared helpers.
mod util;
