//! Helpers shared by the tests that run the `tg-takeout` binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tg-takeout"));
    c.env_remove("TG_API_ID")
        .env_remove("TG_API_HASH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    c
}

pub fn run(mut cmd: Command, stdin: &str) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The mock server's public key in a file, for `--server-key`.
pub fn server_key() -> tempfile::NamedTempFile {
    let mut key = tempfile::NamedTempFile::new().unwrap();
    key.write_all(tg_takeout::auth::TEST_SERVER_PUBLIC_KEY_PEM.as_bytes())
        .unwrap();
    key
}
