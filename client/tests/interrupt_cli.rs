//! Ctrl-C and SIGTERM during `tg-takeout export` (README "Exporting your
//! account", "Stopping and resuming"): the run stops with exit code 130 or
//! 143 and a message saying how to resume, the mock saw
//! `account.finishTakeoutSession` without `success`, and running the same
//! command again completes to the export an uninterrupted run makes.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{CliMock, run, text};

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tg_mock_server::control::Control as _;
use tg_mock_server::net::{FaultRule, FaultScript};
use tg_mock_server::{GenerateConfig, generate};

impl CliMock {
    /// `export` of every section into `out` with JSON progress.
    fn export(&self, out: &Path) -> Command {
        self.cmd(&[
            "export",
            "--progress",
            "json",
            "--time-zone",
            "UTC",
            "--sections",
            "all",
            "--media",
            "all",
            "--out",
            out.to_str().unwrap(),
        ])
    }

    /// The `success` of every `account.finishTakeoutSession` in the log.
    fn finishes(&self) -> Vec<bool> {
        let log = self.server().api.log();
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["method"] == "account.finishTakeoutSession")
            .map(|e| e["params"]["success"].as_bool().unwrap_or(false))
            .collect()
    }
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                // The state's raw pages depend on how they were fetched.
                if !rel.starts_with(".tg-takeout-state/chats/") {
                    files.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    files
}

/// Runs the export into `out`, sends `signals` (`INT`, `TERM`; 200 ms
/// apart) once it is reading chats, and gives the exit code, stderr and
/// how long it ran after the first signal.
fn signalled(mock: &CliMock, out: &Path, signals: &[&str]) -> (Option<i32>, String, Duration) {
    let mut child = mock
        .export(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    // Until the first message page is written (the lines end with the run).
    let mut lines = BufReader::new(stdout).lines();
    let mid = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.starts_with(r#"{"event":"messages""#));
    assert!(mid, "the export never reached its chats");
    let signalled = Instant::now();
    for (i, signal) in signals.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
    }
    let drain = std::thread::spawn(move || lines.count());
    let deadline = signalled + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the export did not stop within 60 s of {signals:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = signalled.elapsed();
    eprintln!("{signals:?}: stopped {took:?} after the first signal");
    drain.join().unwrap();
    (status.code(), errors.join().unwrap(), took)
}

#[test]
fn sigint_and_sigterm_stop_cleanly_and_the_rerun_completes_the_export() {
    let world = generate(&GenerateConfig {
        seed: 23,
        messages: 4_000,
        dialogs: 8,
        files: 20,
        max_file_size: 256 << 10,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mock = CliMock::start(&world, &dir.path().join("s.json"));
    let clean = dir.path().join("clean");
    let out = run(mock.export(&clean), "");
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(mock.finishes(), [true]);
    let expected = tree(&clean);
    assert!(expected.contains_key("result.json"));
    // Slow pages, so a signal lands mid-export.
    let slow = |finish_ms| {
        let rule = |method: &str, ms| FaultRule {
            method: method.into(),
            delay_ms: Some(ms),
            ..Default::default()
        };
        mock.server()
            .api
            .set_script(FaultScript {
                seed: 1,
                rules: vec![
                    rule("messages.getHistory", 40),
                    rule("account.finishTakeoutSession", finish_ms),
                ],
                ..Default::default()
            })
            .unwrap();
    };
    slow(0);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let out_dir = dir.path().join(signal);
        let before = mock.finishes().len();
        let (got, stderr, _) = signalled(&mock, &out_dir, &[signal]);
        assert_eq!(got, Some(code), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("stopped by SIG{signal}"))
                && stderr.contains("run the same command again to resume"),
            "{stderr}"
        );
        assert_eq!(
            mock.finishes()[before..],
            [false],
            "SIG{signal}: the session is closed without success"
        );
        assert!(
            out_dir.join(".tg-takeout").is_dir(),
            "SIG{signal}: the folder is left to resume"
        );
        let out = run(mock.export(&out_dir), "");
        assert!(
            matches!(out.status.code(), Some(0 | 5)),
            "rerun after SIG{signal}: {}",
            text(&out.stderr)
        );
        let got = tree(&out_dir);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "SIG{signal}"
        );
        for (name, bytes) in &expected {
            assert!(got[name] == *bytes, "{name} differs after SIG{signal}");
        }
    }

    // A second Ctrl-C quits at once, while the clean stop waits for
    // Telegram (its answer to finishTakeoutSession held back 5 s).
    slow(5_000);
    let out_dir = dir.path().join("twice");
    let (got, stderr, took) = signalled(&mock, &out_dir, &["INT", "INT"]);
    assert_eq!(got, Some(130), "{stderr}");
    assert!(stderr.contains("quitting at once"), "{stderr}");
    assert!(took < Duration::from_millis(4_000), "{took:?}: {stderr}");
    slow(0);
    let out = run(mock.export(&out_dir), "");
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "rerun after two Ctrl-C: {}",
        text(&out.stderr)
    );
    assert!(
        tree(&out_dir) == expected,
        "the rerun after two Ctrl-C differs"
    );
}
