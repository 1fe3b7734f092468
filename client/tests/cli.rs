//! The real `tg-takeout` binary, run as a user would: help, usage errors,
//! login against the mock server with input on stdin, the demo, exports
//! with JSON progress, and the takeout-delay exit code.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{bin, run, text};

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript, ListenConfig};
use tg_mock_server::{Running, World, fixture};

#[test]
fn help_of_every_subcommand() {
    for sub in ["login", "logout", "whoami", "export", "demo", "completions"] {
        let out = run(
            {
                let mut c = bin();
                c.args([sub, "--help"]);
                c
            },
            "",
        );
        assert!(out.status.success(), "{sub} --help: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Usage: tg-takeout"), "{sub}");
    }
    let out = run(
        {
            let mut c = bin();
            c.arg("--help");
            c
        },
        "",
    );
    assert!(text(&out.stdout).contains("my.telegram.org"));
    let out = run(
        {
            let mut c = bin();
            c.args(["completions", "bash"]);
            c
        },
        "",
    );
    assert!(
        text(&out.stdout).contains("complete -F _tg__takeout"),
        "a bash completion function"
    );
}

#[test]
fn bad_arguments_exit_2_with_a_clear_error() {
    let cases: [&[&str]; 5] = [
        &["export", "--sections", "chats"],
        &["export", "--format", "pdf"],
        &["frobnicate"],
        &["export", "--server", "127.0.0.1:1"],
        &[
            "export",
            "--parallel",
            "0",
            "--session",
            "/nonexistent/s.json",
        ],
    ];
    for args in cases {
        let out = run(
            {
                let mut c = bin();
                c.args(args);
                c
            },
            "",
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).is_empty());
    }
    let out = run(
        {
            let mut c = bin();
            c.args(["export", "--sections", "chats"]);
            c
        },
        "",
    );
    assert!(
        text(&out.stderr).contains("unknown section \"chats\""),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        {
            let mut c = bin();
            c.args(["login", "--phone", "1"]);
            c
        },
        "",
    );
    assert!(
        text(&out.stderr).contains("my.telegram.org"),
        "real Telegram needs api credentials"
    );
}

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
            .block_on(tg_mock_server::start(world, ListenConfig::default(), None))
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
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

#[test]
fn login_with_code_and_2fa_on_stdin_then_whoami_and_logout() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    let out = run(mock.cmd(&["whoami"], &session), "");
    assert_eq!(out.status.code(), Some(3), "whoami before login");

    let input = format!(
        "{}\n{}\n{}\n",
        world.login.phone,
        world.login.code,
        world.login.password.clone().unwrap()
    );
    let out = run(mock.cmd(&["login"], &session), &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Logged in as"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains(world.login.password.as_deref().unwrap()),
        "the password is never printed"
    );

    let out = run(mock.cmd(&["whoami"], &session), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("user id {}", world.self_id)));

    let out = run(mock.cmd(&["logout"], &session), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        run(mock.cmd(&["whoami"], &session), "").status.code(),
        Some(3)
    );
}

#[test]
fn wrong_password_is_a_clear_error() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let input = format!(
        "{}\n{}\nnope\nnope\nnope\n",
        world.login.phone, world.login.code
    );
    let out = run(mock.cmd(&["login"], &dir.path().join("s.json")), &input);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the 2FA password is wrong"));
}

fn login(mock: &Mock, world: &World, session: &Path) {
    let input = format!(
        "{}\n{}\n{}\n",
        world.login.phone,
        world.login.code,
        world.login.password.clone().unwrap_or_default()
    );
    let out = run(mock.cmd(&["login"], session), &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn export_with_json_progress() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    login(&mock, &world, &session);
    let out_dir = dir.path().join("out");
    let args = [
        "export",
        "--progress",
        "json",
        "--format",
        "json",
        "--time-zone",
        "UTC",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let out = run(mock.cmd(&args, &session), "");
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{}",
        text(&out.stderr)
    );
    let events: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a JSON event"))
        .collect();
    assert!(events.len() > 3);
    assert_eq!(events.last().unwrap()["event"], "finished");
    let report = &events.last().unwrap()["report"];
    let result =
        std::fs::read_to_string(Path::new(report["out_dir"].as_str().unwrap()).join("result.json"))
            .unwrap();
    let _: serde_json::Value = serde_json::from_str(&result).expect("result.json is valid JSON");
}

/// The client's retry waits reach the CLI's progress: one `waiting` line per
/// flood wait (every subscriber of `Client::events` gets every event).
#[test]
fn json_progress_shows_the_retry_waits() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    login(&mock, &world, &session);
    let rule = FaultRule {
        method: "messages.getHistory".into(),
        nth: Some(1),
        outcome: Some(FaultOutcome::Error(420, "FLOOD_WAIT_1".into())),
        ..Default::default()
    };
    mock.server()
        .api
        .set_script(FaultScript {
            seed: 1,
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
    let out_dir = dir.path().join("out");
    let args = [
        "export",
        "--progress",
        "json",
        "--format",
        "json",
        "--time-zone",
        "UTC",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let out = run(mock.cmd(&args, &session), "");
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let waits: Vec<_> = stdout
        .lines()
        .filter(|l| l.starts_with(r#"{"event":"waiting""#))
        .collect();
    // One wait (the client adds its safety margin to Telegram's second).
    assert_eq!(waits.len(), 1, "{stdout}");
    assert!(
        waits[0].starts_with(r#"{"event":"waiting","request":"messages.getHistory","seconds":"#),
        "{stdout}"
    );
}

#[test]
fn a_takeout_delay_exits_4_with_the_date() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    login(&mock, &world, &session);
    let rule = FaultRule {
        method: "account.initTakeoutSession".into(),
        outcome: Some(FaultOutcome::Error(420, "TAKEOUT_INIT_DELAY_86400".into())),
        ..Default::default()
    };
    mock.server()
        .api
        .set_script(FaultScript {
            seed: 1,
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
    let out_dir = dir.path().join("out");
    let out = run(
        mock.cmd(
            &[
                "export",
                "--time-zone",
                "UTC",
                "--out",
                out_dir.to_str().unwrap(),
            ],
            &session,
        ),
        "",
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("20") && err.to_lowercase().contains("telegram"),
        "{err}"
    );
}

#[test]
fn demo_exports_the_bundled_world() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    let mut cmd = bin();
    cmd.args(["demo", "--progress", "none", "--out"])
        .arg(&out_dir);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("export_results.html"), "{err}");
    let root = std::fs::read_dir(&out_dir)
        .map(|_| out_dir.clone())
        .unwrap();
    let result_path = walk_find(&root, "result.json").expect("result.json written");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&result_path).unwrap()).unwrap();
    let world = tg_mock_server::demo_world().unwrap();
    let chats = result["chats"]["list"].as_array().map_or(0, Vec::len)
        + result["left_chats"]["list"].as_array().map_or(0, Vec::len);
    assert!(
        chats > 0 && chats <= world.dialogs.len() + 8,
        "{chats} chats"
    );
    let html = result_path.parent().unwrap().join("export_results.html");
    assert!(html.exists(), "export_results.html exists");
}

fn walk_find(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    for _ in 0..10_000 {
        let d = stack.pop()?;
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == name) {
                return Some(p);
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    None
}

/// Every file under `root`, by path relative to it, with its bytes.
fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    for _ in 0..100_000 {
        let Some(dir) = stack.pop() else { break };
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

#[test]
fn exports_killed_at_several_moments_then_rerun_equal_a_clean_one() {
    let world = tg_mock_server::generate(&tg_mock_server::GenerateConfig {
        seed: 18,
        messages: 12_000,
        dialogs: 10,
        files: 30,
        max_file_size: 1 << 20,
        ..Default::default()
    });
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    login(&mock, &world, &session);
    let export = |out: &Path| {
        let args = [
            "export",
            "--progress",
            "none",
            "--time-zone",
            "UTC",
            "--out",
            out.to_str().unwrap(),
        ];
        mock.cmd(&args, &session)
    };
    let clean = dir.path().join("clean");
    let started = std::time::Instant::now();
    let out = run(export(&clean), "");
    let took = started.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{}",
        text(&out.stderr)
    );
    let expected = tree(&clean);
    assert!(
        expected.contains_key("result.json"),
        "{:?}",
        expected.keys()
    );
    assert!(
        !clean.join(".tg-takeout").exists(),
        "the work folder is removed"
    );

    let (mut debris_seen, mut killed) = (0, 0);
    for (i, percent) in [5u32, 15, 30, 45, 60].into_iter().enumerate() {
        let out_dir = dir.path().join(format!("killed_{i}"));
        let mut child = export(&out_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(took * percent / 100);
        if child.try_wait().unwrap().is_none() {
            // SIGKILL: the run cannot clean up after itself.
            let _ = child.kill();
            child.wait().unwrap();
            killed += 1;
            debris_seen += tree(&out_dir)
                .keys()
                .filter(|k| k.ends_with(".part") && !k.starts_with(".tg-takeout"))
                .count();
            let out = run(export(&out_dir), "");
            assert!(
                matches!(out.status.code(), Some(0 | 5)),
                "rerun after a kill at {percent}%: {}",
                text(&out.stderr)
            );
        }
        // (A run that finished before its kill is compared as it is: a
        // rerun would rightly go to a new dated folder beside it.)
        let got = tree(&out_dir);
        let names =
            |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&got), names(&expected), "kill at {percent}%");
        for (name, bytes) in &expected {
            assert!(
                got[name] == *bytes,
                "{name} differs after a kill at {percent}%"
            );
        }
    }
    assert!(
        killed >= 2,
        "only {killed} runs were killed before they ended"
    );
    eprintln!("{killed} runs killed; they left {debris_seen} writer temporary files");
}

/// `login --record T` then `export --record T` make one transcript; a
/// fresh login and export against `serve --replay T` (in process) write
/// the same result.json.
#[test]
fn record_login_and_export_then_replay_them() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("t.jsonl");
    let t = transcript.to_str().unwrap();
    let input = format!(
        "{}\n{}\n{}\n",
        world.login.phone,
        world.login.code,
        world.login.password.clone().unwrap_or_default()
    );
    let session = dir.path().join("s.json");
    let out = run(mock.cmd(&["login", "--record", t], &session), &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Recorded "),
        "{}",
        text(&out.stderr)
    );
    let export_args = |out_dir: &Path| -> Vec<String> {
        [
            "export",
            "--progress",
            "none",
            "--format",
            "json",
            "--time-zone",
            "UTC",
            "--out",
            out_dir.to_str().unwrap(),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let first = dir.path().join("first");
    let mut args = export_args(&first);
    args.extend([
        "--record".into(),
        t.into(),
        "--record-files".into(),
        "all".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(mock.cmd(&args, &session), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let recorded = std::fs::read_to_string(&transcript).unwrap();
    assert_eq!(
        recorded.matches("tg-mock-replay/1").count(),
        1,
        "one header"
    );
    assert!(recorded.contains("\"auth.sendCode\""));
    assert!(recorded.contains("\"account.finishTakeoutSession\""));
    assert!(!recorded.contains(&format!("\"{}\"", world.login.code)));

    let loaded = tg_mock_server::replay::Replay::load(&transcript).expect("it loads");
    let listen = ListenConfig {
        dcs: vec![(2, 0)],
        ..ListenConfig::default()
    };
    let replay = mock
        .runtime
        .block_on(tg_mock_server::replay::start(loaded, listen, None))
        .unwrap();
    let replay_cmd = |args: &[&str], session: &Path| {
        let mut c = bin();
        c.args(args);
        c.arg("--server")
            .arg(replay.address(2).unwrap().to_string());
        c.arg("--rsa-key").arg(mock.key.path());
        c.arg("--session").arg(session);
        c
    };
    let session2 = dir.path().join("s2.json");
    let out = run(replay_cmd(&["login"], &session2), &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = dir.path().join("second");
    let args = export_args(&second);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(replay_cmd(&args, &session2), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(replay.transcript().unexpected().is_empty());
    let result = |d: &Path| {
        let found = walk_find(d, "result.json").expect("result.json");
        std::fs::read(found).unwrap()
    };
    assert!(result(&first) == result(&second), "the same result.json");
    mock.runtime.block_on(replay.shutdown());
}
