//! Keys the server forgot, through the real binary: the mock's control
//! plane (`POST /forget-key`) makes a DC forget its auth keys between two
//! exports. A file DC's key is created again and the login imported there
//! again, once, and the export completes; the home DC's key lost ends the
//! run with exit code 3, "log in again", and the session file set aside.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{run, text};

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tg_mock_server::net::ListenConfig;
use tg_mock_server::{Running, World, fixture};

struct Mock {
    runtime: tokio::runtime::Runtime,
    server: Option<Running>,
    key: tempfile::NamedTempFile,
    dir: tempfile::TempDir,
}

impl Mock {
    fn start(world: World) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime
            .block_on(tg_mock_server::start(
                world,
                ListenConfig::default(),
                Some(0),
            ))
            .unwrap();
        let key = common::server_key();
        Self {
            runtime,
            server: Some(server),
            key,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn server(&self) -> &Running {
        self.server.as_ref().unwrap()
    }

    fn session(&self) -> PathBuf {
        self.dir.path().join("s.json")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = common::bin();
        c.args(args);
        c.arg("--server")
            .arg(self.server().address(2).unwrap().to_string());
        c.arg("--rsa-key").arg(self.key.path());
        c.arg("--session").arg(self.session());
        c
    }

    fn calls(&self, method: &str) -> u64 {
        self.server().api.inner().dispatcher().stats().calls(method)
    }

    /// `POST /forget-key` on the control plane: status and body.
    fn forget(&self, dc: i32) -> (u16, String) {
        let addr = self.server().control.unwrap();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let body = format!(r#"{{"dc":{dc}}}"#);
        let req = format!(
            "POST /forget-key HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        let (_, body) = out.split_once("\r\n\r\n").unwrap();
        (out[9..12].parse().unwrap(), body.to_owned())
    }

    /// `tg-takeout export` into `out`: exit code and stderr.
    fn export(&self, out: &str) -> (Option<i32>, String) {
        let out_dir = self.dir.path().join(out);
        let args = [
            "export",
            "--time-zone",
            "UTC",
            "--progress",
            "json",
            "--sections",
            "all",
            "--media",
            "all",
        ];
        let mut cmd = self.cmd(&args);
        cmd.arg("--out").arg(&out_dir);
        let done = run(cmd, "");
        (done.status.code(), text(&done.stderr))
    }

    fn dc_key(&self, dc: i32) -> Option<String> {
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(self.session()).unwrap()).unwrap();
        s["dcs"]
            .get(dc.to_string())
            .map(|d| d["auth_key"].to_string())
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

fn small() -> World {
    fixture::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mock-server/fixtures/small"
    )))
    .unwrap()
}

#[test]
fn forgotten_keys_a_file_dc_rekeys_once_the_home_dc_asks_for_a_new_login() {
    let w = small();
    let mock = Mock::start(w.clone());
    let pw = w.login.password.clone().unwrap();
    let input = format!("{}\n{}\n{pw}\n", w.login.phone, w.login.code);
    let out = run(mock.cmd(&["login"]), &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The small world keeps some files on DC 4: the export imports the
    // login there.
    let (code, err) = mock.export("first");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(mock.calls("auth.importAuthorization"), 1, "{err}");
    let old_key = mock.dc_key(4).expect("a DC 4 key in the session file");

    let (status, body) = mock.forget(4);
    assert_eq!(status, 200, "{body}");
    let forgotten: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(forgotten["forgotten"].as_u64().unwrap() >= 1, "{body}");
    let (code, err) = mock.export("second");
    assert_eq!(code, Some(0), "{err}");
    // Once: a new key, the login imported again.
    assert_eq!(mock.calls("auth.importAuthorization"), 2, "{err}");
    let new_key = mock.dc_key(4).expect("a DC 4 key in the session file");
    assert_ne!(new_key, old_key, "DC 4 has a new key");
    assert_eq!(
        std::fs::read_to_string(mock.dir.path().join("first/result.json")).unwrap(),
        std::fs::read_to_string(mock.dir.path().join("second/result.json")).unwrap(),
        "the same export"
    );

    let (status, body) = mock.forget(2);
    assert_eq!(status, 200, "{body}");
    let (code, err) = mock.export("third");
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("log in again"), "{err}");
    let kept = tg_takeout::client::retired_path(&mock.session());
    assert!(kept.exists(), "{err}");
    assert!(!mock.session().exists(), "the old file was renamed");
    assert!(err.contains(&kept.display().to_string()), "{err}");

    // A DC the server does not serve is a clear 400.
    let (status, body) = mock.forget(9);
    assert_eq!(
        (status, body.as_str()),
        (400, "this server does not serve DC 9\n")
    );
}

/// The same through the library on connections that stay open: a key
/// forgotten while its connection is live is unknown from its next
/// request on (the mock looks the key up on every frame).
#[test]
fn a_key_forgotten_under_a_live_connection_is_refused_at_its_next_request() {
    use tg_takeout::client::SignIn;
    use tg_takeout::dc::Network;
    use tg_takeout::{AppInfo, Client, ClientConfig};
    let w = small();
    let mock = Mock::start(w.clone());
    let server = mock.server();
    let mut config = ClientConfig::new(
        Network::Custom(server.address(2).unwrap()),
        AppInfo::new(12345, "0123456789abcdef"),
    );
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connect_timeout = Duration::from_secs(20);
    let client = Client::new(config).unwrap();
    let get_users = tl::functions::users::GetUsers {
        id: vec![tl::enums::InputUser::InputUserSelf],
    };
    let token = mock
        .runtime
        .block_on(client.send_code(&w.login.phone))
        .unwrap();
    if let SignIn::PasswordNeeded(_) = mock
        .runtime
        .block_on(client.sign_in(&token, &w.login.code))
        .unwrap()
    {
        let pw = w.login.password.clone().unwrap();
        mock.runtime.block_on(client.check_password(&pw)).unwrap();
    }
    let users = |dc| mock.runtime.block_on(client.invoke_in_dc(dc, &get_users));
    users(4).unwrap();
    let old = client.session().dcs[&4].auth_key.0;
    assert_eq!(mock.calls("auth.importAuthorization"), 1);

    let net = server.net.handle();
    assert!(net.forget_keys(4).unwrap() >= 1);
    users(4).unwrap();
    assert_ne!(client.session().dcs[&4].auth_key.0, old, "a new key");
    assert_eq!(mock.calls("auth.importAuthorization"), 2);

    assert!(net.forget_keys(2).unwrap() >= 1);
    let err = users(2).unwrap_err();
    assert!(tg_takeout::invoke::key_forgotten(&err), "{err}");
    assert!(!client.is_authorized(), "the login is gone");
    assert_eq!(
        net.forget_keys(9),
        Err("this server does not serve DC 9".into())
    );
}
