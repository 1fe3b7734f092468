//! End-to-end tests: the client against the mock server over real TCP on
//! loopback. One test binary; each module is one area.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Anonymized transcripts and worlds imported from transcripts.
mod anonymize;
/// The demo and small exports in headless Chromium.
mod browser;
/// Undecodable messages isolated into missing.json; the layer mismatch.
mod corrupt;
/// File downloads: several connections per DC, faults, progress.
mod downloads;
/// The export engine: whole exports, determinism, faults, generated worlds.
mod export;
/// The export helpers shared by the export tests.
#[path = "export_harness.rs"]
mod harness;
/// Hostile names: nothing is written outside the export folder.
mod hostile;
/// Login: code, 2FA, session file, migrations, flood waits.
mod login;
/// Keys the server forgot, transport errors, quick acks, rpc error classes.
mod lost_keys;
/// Snapshots of the small fixture's export and the `result.json` key checker.
mod output;
/// Exports under the mock's rate limits: paced, unchanged, few flood waits.
mod pacing;
/// MTProxies: fake-TLS against the mock, and an independent proxy.
mod proxy;
/// Recording exports and replaying the transcripts.
mod record;
/// Replay of a recorded transcript to the real client.
mod replay;
/// The mock server against hostile and random bytes on the wire.
mod robustness;
/// Scale: calls bounded by the work with many ranges and dialogs.
mod scale;
/// The sender: key exchange, encrypted calls, transports, reconnects.
mod sender;
/// Random settings × random worlds against a model of the selection.
mod settings;
/// The start steps: userpics and stories counted first, in order.
mod start_steps;
/// `export --update`: an updated export equals a fresh one.
mod update;
/// Shared helpers.
mod util;
