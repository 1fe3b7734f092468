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

/// A mock server in a runtime of its own, with a session of the account
/// logged in through the binary (`login`), for tests that run
/// `tg-takeout` against it.
pub struct CliMock {
    runtime: tokio::runtime::Runtime,
    server: Option<tg_mock_server::Running>,
    key: tempfile::NamedTempFile,
    session: std::path::PathBuf,
}

impl CliMock {
    /// Serves `world` and logs a session in (`session`).
    pub fn start(world: &tg_mock_server::World, session: &std::path::Path) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime
            .block_on(tg_mock_server::start(
                world.clone(),
                tg_mock_server::net::ListenConfig::default(),
                None,
            ))
            .unwrap();
        let mock = Self {
            runtime,
            server: Some(server),
            key: server_key(),
            session: session.to_owned(),
        };
        let input = format!(
            "{}\n{}\n{}\n",
            world.login.phone,
            world.login.code,
            world.login.password.clone().unwrap_or_default()
        );
        let out = run(mock.cmd(&["login"]), &input);
        assert!(out.status.success(), "{}", text(&out.stderr));
        mock
    }

    pub fn server(&self) -> &tg_mock_server::Running {
        self.server.as_ref().unwrap()
    }

    /// The binary with `args`, then the server, its key and the session.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.args(args);
        c.arg("--server")
            .arg(self.server().address(2).unwrap().to_string());
        c.arg("--rsa-key").arg(self.key.path());
        c.arg("--session").arg(&self.session);
        c
    }
}

impl Drop for CliMock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}
