//! Every login path a real account meets, through the real binary with
//! answers on stdin, against mock worlds whose login settings model them:
//! email codes, codes sent another way (`resend`), deliveries the program
//! cannot take, expired and wrong codes, wrong passwords, an expired SRP
//! session, banned and unregistered numbers, and QR login with 2FA on
//! another DC. Also: a key the home DC forgot (exit 3, session file set
//! aside).
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{run, text};

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript, ListenConfig};
use tg_mock_server::{Running, World, fixture};

fn small() -> World {
    fixture::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mock-server/fixtures/small"
    )))
    .unwrap()
}

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
            .block_on(tg_mock_server::start(world, ListenConfig::default(), None))
            .unwrap();
        let mut key = tempfile::NamedTempFile::new().unwrap();
        key.write_all(tg_takeout::auth::TEST_SERVER_PUBLIC_KEY_PEM.as_bytes())
            .unwrap();
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

    fn session(&self) -> std::path::PathBuf {
        self.dir.path().join("s.json")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tg-takeout"));
        c.args(args);
        c.arg("--server")
            .arg(self.server().address(2).unwrap().to_string());
        c.arg("--rsa-key").arg(self.key.path());
        c.arg("--session").arg(self.session());
        c
    }

    /// `tg-takeout login` with these lines on stdin.
    fn login(&self, lines: &[&str]) -> (Option<i32>, String) {
        let mut input = lines.join("\n");
        input.push('\n');
        let out = run(self.cmd(&["login"]), &input);
        (out.status.code(), text(&out.stderr))
    }

    fn calls(&self, method: &str) -> u64 {
        self.server().api.inner().dispatcher().stats().calls(method)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

fn world(f: impl FnOnce(&mut tg_mock_server::world::LoginSettings)) -> World {
    let mut w = small();
    f(&mut w.login.settings);
    w
}

fn password(w: &World) -> String {
    w.login.password.clone().unwrap()
}

#[test]
fn email_code_with_a_wrong_code_and_a_wrong_password_asked_again() {
    let w = world(|s| {
        s.delivery = "email".into();
        s.email_pattern = "a***@example.com".into();
    });
    let mock = Mock::start(w.clone());
    let pw = password(&w);
    let (code, err) = mock.login(&[&w.login.phone, "99999", &w.login.code, "nope", &pw]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("Code sent via email to a***@example.com"),
        "{err}"
    );
    assert!(err.contains("That code is wrong; try again."), "{err}");
    assert!(err.contains("That password is wrong; try again."), "{err}");
    assert!(err.contains("Logged in as"), "{err}");
    assert!(!err.contains(&pw), "the password is never printed");
}

#[test]
fn wrong_codes_are_bounded() {
    let w = small();
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, "1", "2", "3", "4"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.matches("That code is wrong").count(), 2, "{err}");
    assert!(err.contains("the login code is wrong"), "{err}");
}

#[test]
fn setup_email_required_says_what_to_do() {
    let mock = Mock::start(world(|s| s.delivery = "setup_email".into()));
    let (code, err) = mock.login(&["9996621234"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("login email set up"), "{err}");
    assert!(err.contains("official Telegram app"), "{err}");
}

#[test]
fn firebase_asks_for_another_way_or_names_the_method() {
    let w = world(|s| {
        s.delivery = "firebase".into();
        s.next_delivery = "sms".into();
    });
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("Firebase SMS"), "{err}");
    assert!(err.contains("Code sent via SMS"), "{err}");
    assert_eq!(mock.calls("auth.resendCode"), 1);

    let mock = Mock::start(world(|s| s.delivery = "firebase".into()));
    let (code, err) = mock.login(&[&w.login.phone]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("Firebase SMS") && err.contains("--qr"),
        "{err}"
    );
}

#[test]
fn calls_and_fragment_prompts_name_the_method() {
    for (delivery, says) in [
        ("missed_call", "last 5 digits of the number that called you"),
        ("flash_call", "full number that called you"),
        ("fragment", "Fragment"),
        ("call", "a phone call"),
        ("sms", "SMS"),
    ] {
        let mut w = world(|s| s.delivery = delivery.into());
        // No 2FA: the password's key derivation is slow in debug builds.
        w.login.password = None;
        let mock = Mock::start(w.clone());
        let (code, err) = mock.login(&[&w.login.phone, &w.login.code]);
        assert_eq!(code, Some(0), "{delivery}: {err}");
        assert!(err.contains(says), "{delivery}: {err}");
    }
}

#[test]
fn resend_sends_the_code_another_way() {
    let w = world(|s| s.next_delivery = "sms".into());
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, "resend", &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("or `resend` to get it another way"), "{err}");
    assert!(err.contains("Code sent via SMS"), "{err}");
    assert_eq!(mock.calls("auth.resendCode"), 1);
}

#[test]
fn an_expired_code_gets_a_new_one() {
    let w = world(|s| s.expired_codes = 1);
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("That code expired"), "{err}");
    assert_eq!(mock.calls("auth.sendCode"), 2);
}

#[test]
fn an_expired_srp_session_is_fetched_again() {
    let w = world(|s| s.srp_id_invalid = 1);
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(mock.calls("auth.checkPassword"), 2);
    assert!(mock.calls("account.getPassword") >= 2);
}

#[test]
fn invalid_banned_and_unregistered_numbers_are_clear() {
    let mock = Mock::start(small());
    let (code, err) = mock.login(&["+1 555 0000"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("does not accept the phone number"), "{err}");

    let w = world(|s| s.phone_state = "banned".into());
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has banned the phone number"), "{err}");

    let w = world(|s| s.phone_state = "unoccupied".into());
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("sign up in an official app"), "{err}");
}

#[test]
fn qr_login_renews_expired_tokens_then_migrates_and_asks_the_2fa_password() {
    let mut w = world(|s| {
        s.qr_scan_after = 2;
        s.qr_expires_secs = 1;
    });
    w.home_dc = 4;
    let mock = Mock::start(w.clone());
    let started = std::time::Instant::now();
    let out = run(mock.cmd(&["login", "--qr"]), &format!("{}\n", password(&w)));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Logged in as"), "{err}");
    // Two tokens shown, each asked for once it expired, then the scan.
    assert_eq!(mock.calls("auth.exportLoginToken"), 3, "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(mock.calls("auth.importLoginToken"), 1);
    assert_eq!(mock.calls("auth.checkPassword"), 1);
    let out = run(mock.cmd(&["whoami"]), "");
    assert!(
        text(&out.stdout).contains("DC 4"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn qr_login_asks_again_when_the_server_pushes_the_scan_not_on_a_timer() {
    // The code is scanned 1.5 s after it is shown, while the token lives
    // 30 s: the mock pushes `updateLoginToken`, and the CLI asks again at
    // once instead of waiting for the expiry or polling.
    let mut w = world(|s| {
        s.qr_scan_after_ms = 1500;
        s.qr_expires_secs = 30;
    });
    w.home_dc = 4;
    let mock = Mock::start(w.clone());
    let started = std::time::Instant::now();
    let out = run(mock.cmd(&["login", "--qr"]), &format!("{}\n", password(&w)));
    let took = started.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Logged in as"), "{err}");
    // One token shown, one call after the scan: no poll loop.
    assert_eq!(mock.calls("auth.exportLoginToken"), 2, "{err}");
    // Well under the token's 30 s (a generous bound for a loaded machine).
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert!(took >= std::time::Duration::from_millis(1500), "{took:?}");
    // The account lives on DC 4: the token is imported there and the 2FA
    // password asked and checked there.
    let stats = mock.server().api.inner().dispatcher().stats();
    let dcs = |method: &str| -> Vec<i32> {
        stats
            .log
            .iter()
            .filter(|r| r.method == method && r.error.is_none() && r.fault.is_none())
            .map(|r| r.dc_id)
            .collect()
    };
    assert_eq!(dcs("auth.exportLoginToken"), [2, 2]);
    assert_eq!(dcs("auth.checkPassword"), [4]);
    assert_eq!(mock.calls("auth.importLoginToken"), 1);
    assert!(
        !err.contains(&password(&w)),
        "the password is never printed"
    );
    let out = run(mock.cmd(&["whoami"]), "");
    assert!(
        text(&out.stdout).contains("DC 4"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn a_key_the_home_dc_forgot_exits_3_and_sets_the_session_aside() {
    let w = small();
    let mock = Mock::start(w.clone());
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
    let rule = FaultRule {
        method: "users.getUsers".into(),
        nth: Some(1),
        outcome: Some(FaultOutcome::ForgetKey),
        ..Default::default()
    };
    mock.server()
        .api
        .set_script(FaultScript {
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
    let out = run(mock.cmd(&["whoami"]), "");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("log in again"), "{err}");
    let kept = tg_takeout::client::retired_path(&mock.session());
    assert!(kept.exists(), "{err}");
    assert!(!mock.session().exists(), "the old file was renamed");
    assert!(err.contains(&kept.display().to_string()), "{err}");
    // A fresh login works.
    let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &password(&w)]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn lost_logins_and_deactivated_accounts_stop_the_export_with_their_exit_codes() {
    let w = small();
    for (error, exit, says) in [
        ((401, "SESSION_REVOKED"), 3, "log in again"),
        ((406, "AUTH_KEY_DUPLICATED"), 3, "log in again"),
        ((401, "USER_DEACTIVATED"), 1, "deleted or banned"),
    ] {
        let mock = Mock::start(w.clone());
        let (code, err) = mock.login(&[&w.login.phone, &w.login.code, &password(&w)]);
        assert_eq!(code, Some(0), "{err}");
        let rule = FaultRule {
            method: "messages.getDialogs".into(),
            outcome: Some(FaultOutcome::Error(error.0, error.1.into())),
            ..Default::default()
        };
        mock.server()
            .api
            .set_script(FaultScript {
                rules: vec![rule],
                ..Default::default()
            })
            .unwrap();
        let out_dir = mock.dir.path().join("out");
        let args = ["export", "--time-zone", "UTC", "--progress", "json"];
        let mut cmd = mock.cmd(&args);
        cmd.arg("--out").arg(&out_dir);
        let out = run(cmd, "");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(exit), "{error:?}: {err}");
        assert!(err.contains(says), "{error:?}: {err}");
        if exit == 1 {
            assert!(err.contains(error.1), "{error:?} is named: {err}");
        }
        assert!(
            !err.contains("the export stopped: the export stopped"),
            "{err}"
        );
    }
}
