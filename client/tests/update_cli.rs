//! `tg-takeout export --update` as a user runs it (README "Keeping an
//! export up to date"): an update killed with `kill -9` at several moments
//! and run again equals a fresh export of the grown world; an update with
//! other settings is refused with exit code 2 and what differs.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{CliMock, run, text};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tg_mock_server::{GenerateConfig, GrowConfig, generate, grow};

impl CliMock {
    /// `export` with the test's settings into `out` (`--update` if `update`).
    fn export(&self, out: &Path, update: bool, extra: &[&str]) -> Command {
        let mut args = vec!["export", "--progress", "none", "--time-zone", "UTC"];
        args.extend_from_slice(&["--media", "all", "--sections", "all"]);
        args.push(if update { "--update" } else { "--out" });
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        self.cmd(&args)
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
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// The export without the state's pages (an update may cut them into
/// pages elsewhere).
fn export_only(t: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    t.into_iter()
        .filter(|(k, _)| !k.starts_with(".tg-takeout-state/chats/"))
        .collect()
}

fn ok(out: &Output, what: &str) {
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{what}: {}",
        text(&out.stderr)
    );
}

#[test]
fn updates_killed_at_several_moments_then_rerun_equal_a_fresh_export() {
    let world = generate(&GenerateConfig {
        seed: 21,
        messages: 8_000,
        dialogs: 10,
        files: 30,
        max_file_size: 1 << 20,
        ..Default::default()
    });
    let grown = grow(
        &world,
        &GrowConfig {
            seed: 4,
            messages: 2_000,
            files: 12,
            chats: 2,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let first = CliMock::start(&world, &dir.path().join("a.json"));
    let base = dir.path().join("base");
    ok(&run(first.export(&base, false, &[]), ""), "first export");
    drop(first);
    let mock = CliMock::start(&grown, &dir.path().join("b.json"));
    let fresh = dir.path().join("fresh");
    ok(&run(mock.export(&fresh, false, &[]), ""), "fresh export");
    let expected = export_only(tree(&fresh));
    let copy = |to: &Path| {
        let out = Command::new("cp")
            .arg("-a")
            .arg(&base)
            .arg(to)
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    // An update left alone, timed.
    let clean = dir.path().join("clean");
    copy(&clean);
    let started = std::time::Instant::now();
    ok(&run(mock.export(&clean, true, &[]), ""), "update");
    let took = started.elapsed();
    assert_eq!(export_only(tree(&clean)), expected, "update = fresh export");

    let mut killed = 0;
    for (i, percent) in [10u32, 35, 60, 85].into_iter().enumerate() {
        let out_dir = dir.path().join(format!("killed_{i}"));
        copy(&out_dir);
        let mut child = mock
            .export(&out_dir, true, &[])
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
            let out = run(mock.export(&out_dir, true, &[]), "");
            ok(&out, &format!("rerun after a kill at {percent}%"));
        }
        let got = export_only(tree(&out_dir));
        let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
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
        "only {killed} updates were killed before they ended"
    );
}

#[test]
fn an_update_with_other_settings_is_refused() {
    let world = generate(&GenerateConfig {
        seed: 2,
        messages: 200,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mock = CliMock::start(&world, &dir.path().join("s.json"));
    let out = dir.path().join("out");
    ok(&run(mock.export(&out, false, &[]), ""), "export");
    let before = tree(&out);
    let refused = run(mock.export(&out, true, &["--format", "json"]), "");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let message = text(&refused.stderr);
    assert!(
        message.contains("was exported with other settings")
            && message.contains("format: \"both\" -> \"json\""),
        "{message}"
    );
    assert_eq!(tree(&out), before, "nothing touched");
    // The same settings: fine; --update with --out is a usage error.
    ok(&run(mock.export(&out, true, &[]), ""), "update");
    let both = run(mock.export(&out, true, &["--out", "x"]), "");
    assert_eq!(both.status.code(), Some(2));
}
