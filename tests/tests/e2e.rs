//! End-to-end tests: the client against the mock server over real TCP on
//! loopback. One test binary; each module is one area.

/// The export engine: whole exports, determinism, faults, generated worlds.
mod export;
/// Login: code, 2FA, session file, migrations, flood waits.
mod login;
/// The sender: key exchange, encrypted calls, transports, reconnects.
mod sender;
/// Shared helpers.
mod util;
