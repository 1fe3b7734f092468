//! Starting a takeout as a user meets it (README "Exporting your
//! account"): `tg-takeout check` reports the DC, the layer, the clock and
//! the session, and asks for a takeout only with `--takeout` (exit 0, 3
//! without a login, 4 when Telegram delays it); `export --wait` asks again
//! while waiting, so a delay lifted early starts the export long before
//! the delay would have ended. The delay is the mock's (control plane
//! `PUT` / `DELETE /takeout-delay`), counting down as Telegram's does.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{bin, run, text};

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tg_mock_server::control::Control as _;
use tg_mock_server::net::ListenConfig;
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
        let mut key = tempfile::NamedTempFile::new().unwrap();
        key.write_all(tg_takeout::auth::TEST_SERVER_PUBLIC_KEY_PEM.as_bytes())
            .unwrap();
        Self {
            runtime,
            server: Some(server),
            key,
        }
    }

    fn server(&self) -> &Running {
        self.server.as_ref().unwrap()
    }

    fn cmd(&self, args: &[&str], session: &Path) -> Command {
        let mut c = bin();
        c.args(args);
        c.arg("--server")
            .arg(self.server().address(2).unwrap().to_string());
        c.arg("--rsa-key").arg(self.key.path());
        c.arg("--session").arg(session);
        c
    }

    fn login(&self, world: &World, session: &Path) {
        let input = format!(
            "{}\n{}\n{}\n",
            world.login.phone,
            world.login.code,
            world.login.password.clone().unwrap_or_default()
        );
        let out = run(self.cmd(&["login"], session), &input);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    /// Every takeout call Telegram would see: `init` or `finish(success)`.
    fn takeout_calls(&self) -> Vec<String> {
        let log = self.server().api.log();
        log.as_array()
            .unwrap()
            .iter()
            .filter_map(|e| match e["method"].as_str() {
                Some("account.initTakeoutSession") => Some("init".to_owned()),
                Some("account.finishTakeoutSession") => Some(format!(
                    "finish({})",
                    e["params"]["success"].as_bool().unwrap_or(false)
                )),
                _ => None,
            })
            .collect()
    }

    /// A request to the mock's control plane; the HTTP status.
    fn control(&self, method: &str, path: &str, body: &str) -> u16 {
        let addr = self.server().control.unwrap();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        out[9..12].parse().unwrap()
    }

    /// Telegram delays takeouts by `seconds` (counting down).
    fn delay_takeouts(&self, seconds: u32) {
        let body = format!(r#"{{"seconds":{seconds}}}"#);
        assert_eq!(self.control("PUT", "/takeout-delay", &body), 204);
    }

    /// The user approved the export on another device.
    fn approve_takeout(&self) {
        assert_eq!(self.control("DELETE", "/takeout-delay", ""), 204);
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

#[test]
fn check_reports_the_session_and_asks_for_a_takeout_only_when_told() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");

    // No login yet: exit 3, and still the DC, layer and clock.
    let out = run(mock.cmd(&["check"], &session), "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{report}{}", text(&out.stderr));
    assert!(report.contains("session: not logged in"), "{report}");
    assert!(report.contains("DC:      2"), "{report}");
    assert!(
        report.contains(&format!("layer:   {}", tl::LAYER)),
        "{report}"
    );
    assert!(report.contains("clock:   "), "{report}");

    mock.login(&world, &session);
    let out = run(mock.cmd(&["check"], &session), "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(report.contains("session: logged in as "), "{report}");
    assert!(report.contains("takeout: not tried"), "{report}");
    assert!(mock.takeout_calls().is_empty(), "no takeout unless asked");

    let out = run(mock.cmd(&["check", "--takeout"], &session), "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(report.contains("takeout: can start now"), "{report}");
    assert_eq!(mock.takeout_calls(), ["init", "finish(false)"]);

    mock.delay_takeouts(86_400);
    let out = run(mock.cmd(&["check", "--takeout"], &session), "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{report}{}", text(&out.stderr));
    assert!(
        report.contains("takeout: delayed by Telegram until ") && report.contains(".20"),
        "the date: {report}"
    );
}

#[test]
fn wait_notices_a_delay_lifted_early() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    mock.login(&world, &session);
    // A day's delay; the export asks again every second.
    mock.delay_takeouts(86_400);
    let out_dir = dir.path().join("out");
    let started = Instant::now();
    let mut child = mock
        .cmd(
            &[
                "export",
                "--wait",
                "--wait-recheck",
                "1",
                "--progress",
                "json",
                "--time-zone",
                "UTC",
                "--out",
                out_dir.to_str().unwrap(),
            ],
            &session,
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Two waits: it did ask again rather than sleep the day.
    let waits = lines
        .by_ref()
        .map_while(Result::ok)
        .filter(|l| l.starts_with(r#"{"event":"waiting","request":"account.initTakeoutSession""#))
        .take(2)
        .count();
    assert_eq!(waits, 2, "the export never waited twice");
    // Approved on another device.
    mock.approve_takeout();
    let drain = std::thread::spawn(move || lines.count());
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the export did not start after the delay was lifted");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drain.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(matches!(status.code(), Some(0 | 5)), "{stderr}");
    assert!(out_dir.join("result.json").is_file() || out_dir.join("export_results.html").is_file());
    assert!(started.elapsed() < Duration::from_secs(120));
    let calls = mock.takeout_calls();
    assert!(calls.len() >= 4, "{calls:?}");
    assert_eq!(calls.last().unwrap(), "finish(true)");
}

#[test]
fn ctrl_c_ends_a_wait_at_once() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    mock.login(&world, &session);
    mock.delay_takeouts(86_400);
    let out_dir = dir.path().join("out");
    let mut child = mock
        .cmd(
            &[
                "export",
                "--wait",
                "--progress",
                "json",
                "--out",
                out_dir.to_str().unwrap(),
            ],
            &session,
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let waiting = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.starts_with(r#"{"event":"waiting""#));
    assert!(waiting, "the export never waited");
    let signalled = Instant::now();
    let killed = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let drain = std::thread::spawn(move || lines.count());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if signalled.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("Ctrl-C did not end the wait");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drain.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    // The default interval is 5 minutes: it did not sleep it out.
    assert!(signalled.elapsed() < Duration::from_secs(10));
    // No session was opened, so none is closed.
    assert_eq!(mock.takeout_calls(), ["init"]);
}
