//! Recording and replaying whole exports: an export recorded with
//! `ClientConfig::recorder` (its login included) replays into the same
//! files byte for byte, at `parallel` 1 and 8 and under survivable faults
//! on top of the replay; a recorded transcript cut anywhere, or broken on
//! one line, loads or is a typed error naming the line.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use tg_mock_server::World;
use tg_mock_server::net::{FaultScript, ListenConfig};
use tg_mock_server::replay::{self, Replay, ReplayError};
use tg_takeout::record::{RecordFiles, Recorder};

use crate::harness::{
    Server, assert_same_tree, everything, export, export_with, login, options, out_dir,
    survivable_fault, tree,
};
use crate::util::small_world;

/// Exports `world` at `parallel` with a client that records into
/// `transcript`, its login included; the export's files.
async fn record(
    world: World,
    transcript: &Path,
    files: RecordFiles,
    parallel: usize,
) -> BTreeMap<String, Vec<u8>> {
    let recorder = Recorder::open(transcript, files).expect("the transcript opens");
    let server = Server::start_recorded(world, Some(recorder.clone())).await;
    let (_tmp, out) = out_dir();
    let report = export(&server, everything(&out, parallel), &options())
        .await
        .0
        .expect("the recorded export");
    assert_eq!(report.skipped, 0);
    server.client.disconnect().await;
    let stats = recorder.finish().expect("the transcript is written");
    assert!(stats.exchanges > 10, "{stats:?}");
    tree(&out)
}

/// Logs in against a replay of `transcript` (as `world`'s account), with
/// `faults` on top, and exports at `parallel`; the export's files and how
/// many faults fired.
async fn replay_export(
    transcript: &Path,
    world: &World,
    parallel: usize,
    faults: Option<FaultScript>,
) -> (BTreeMap<String, Vec<u8>>, u32) {
    let loaded = Replay::load(transcript).expect("the recorded transcript loads");
    let listen = ListenConfig {
        dcs: vec![(2, 0)],
        ..ListenConfig::default()
    };
    let server = replay::start(loaded, listen, None)
        .await
        .expect("the replay server starts");
    if let Some(script) = faults {
        server.replay.set_script(script).expect("a valid script");
    }
    let client = login(server.address(2).expect("DC 2"), world, None).await;
    let (_tmp, out) = out_dir();
    let result = export_with(&client, everything(&out, parallel), &options())
        .await
        .0;
    let unexpected = server.transcript().unexpected();
    assert!(
        unexpected.is_empty(),
        "unexpected requests: {unexpected:#?}"
    );
    let fired = server.replay.fired().iter().sum();
    let report = result.expect("the replayed export");
    assert_eq!(report.skipped, 0);
    client.disconnect().await;
    server.shutdown().await;
    (tree(&out), fired)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_export_replays_byte_for_byte_at_parallel_1_and_8() {
    let world = small_world();
    let dir = tempfile::tempdir().unwrap();
    for parallel in [1, 8] {
        let transcript = dir.path().join(format!("small-{parallel}.jsonl"));
        // The fixture has a file over 1 MiB: keep every byte.
        let recorded = record(world.clone(), &transcript, RecordFiles::All, parallel).await;
        let text = std::fs::read_to_string(&transcript).unwrap();
        // Login, the export and a file from another DC are in it.
        for needle in [
            "\"auth.sendCode\"",
            "\"auth.checkPassword\"",
            "\"account.initTakeoutSession\"",
            "\"auth.importAuthorization\"",
            "\"dc\":4",
        ] {
            assert!(text.contains(needle), "{needle} recorded");
        }
        assert!(
            !text.contains(&format!("\"{}\"", world.login.code)),
            "no login code"
        );
        let (replayed, _) = replay_export(&transcript, &world, parallel, None).await;
        assert_same_tree(&recorded, &replayed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_world_replays_byte_for_byte() {
    let config = tg_mock_server::GenerateConfig {
        seed: 13,
        dialogs: 6,
        messages: 200,
        files: 10,
        max_file_size: 300 << 10,
        range_size: 40,
        left_channels: 1,
        ..tg_mock_server::GenerateConfig::default()
    };
    let world = tg_mock_server::generate(&config);
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("generated.jsonl");
    let recorded = record(world.clone(), &transcript, RecordFiles::Small, 4).await;
    let (replayed, _) = replay_export(&transcript, &world, 4, None).await;
    assert_same_tree(&recorded, &replayed);
}

/// Faults whose recovery repeats the call (flood waits, 5xx, disconnects):
/// the replay holds no exchange for the new calls other recoveries make
/// (`FILE_MIGRATE`, `FILE_REFERENCE_EXPIRED`).
const FAULTY_METHODS: [&str; 6] = [
    "upload.getFile",
    "messages.getHistory",
    "messages.getDialogs",
    "photos.getUserPhotos",
    "account.finishTakeoutSession",
    "*",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survivable_faults_apply_on_top_of_a_replay() {
    let world = small_world();
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("small.jsonl");
    let recorded = record(world.clone(), &transcript, RecordFiles::All, 4).await;
    let scripts: [&[(usize, u32, usize)]; 3] = [
        &[(0, 1, 0), (1, 2, 1)],
        &[(2, 1, 2), (0, 3, 0), (4, 1, 1)],
        &[(5, 7, 2), (3, 1, 0), (0, 2, 1)],
    ];
    for (i, rules) in scripts.iter().enumerate() {
        let script = FaultScript {
            seed: i as u64,
            rules: rules
                .iter()
                .map(|&(m, nth, kind)| survivable_fault(&FAULTY_METHODS, m, nth, kind))
                .collect(),
            ..FaultScript::default()
        };
        let (replayed, fired) = replay_export(&transcript, &world, 1 + 3 * i, Some(script)).await;
        assert!(fired >= 2, "faults fired: {fired}");
        assert_same_tree(&recorded, &replayed);
    }
}

/// The export property test's fault scripts (random rules on random calls,
/// `harness::survivable_fault`, here of the kinds a replay can serve: flood
/// waits, 5xx, disconnects) on top of the replay of one recording, at a
/// random `parallel`: the same files every time.
#[test]
fn random_fault_scripts_on_top_of_a_replay_change_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let world = small_world();
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("small.jsonl");
    let recorded = runtime.block_on(record(world.clone(), &transcript, RecordFiles::All, 4));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: crate::harness::cases(4),
        failure_persistence: None,
        max_shrink_iters: 4,
        ..ProptestConfig::default()
    });
    let scripts = (
        any::<u64>(),
        proptest::collection::vec((0usize..FAULTY_METHODS.len(), 1u32..25, 0usize..3), 1..6),
        1usize..=8,
    );
    runner
        .run(&scripts, |(seed, rules, parallel)| {
            let script = FaultScript {
                seed,
                rules: rules
                    .iter()
                    .map(|&(m, nth, kind)| survivable_fault(&FAULTY_METHODS, m, nth, kind))
                    .collect(),
                ..FaultScript::default()
            };
            let (replayed, _) =
                runtime.block_on(replay_export(&transcript, &world, parallel, Some(script)));
            prop_assert_eq!(
                replayed.keys().collect::<Vec<_>>(),
                recorded.keys().collect::<Vec<_>>()
            );
            assert_same_tree(&recorded, &replayed);
            Ok(())
        })
        .unwrap();
}

/// Records the small world once for the loading tests.
fn recorded_small() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("small.jsonl");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(record(small_world(), &transcript, RecordFiles::None, 2));
    (dir, transcript)
}

#[test]
fn broken_lines_of_a_recorded_transcript_are_typed_errors_naming_the_line() {
    let (dir, transcript) = recorded_small();
    let text = std::fs::read_to_string(&transcript).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let broken = |k: usize, line: &str| {
        let mut l = lines.clone();
        l[k] = line;
        let path = dir.path().join("broken.jsonl");
        std::fs::write(&path, l.join("\n") + "\n").unwrap();
        Replay::load(&path).unwrap_err()
    };
    let k = lines.len() / 2;
    let line_of = |e: &ReplayError| match e {
        ReplayError::Line { line, .. } => *line,
        other => panic!("not a line error: {other}"),
    };
    // A malformed line.
    let e = broken(k, "{\"request\": ");
    assert_eq!(line_of(&e), k + 1, "{e}");
    assert!(e.to_string().contains("not JSON"), "{e}");
    // An unknown method.
    let unknown = lines[k].replacen("\"request\":{\"_\":\"", "\"request\":{\"_\":\"x.", 1);
    let e = broken(k, &unknown);
    assert_eq!(line_of(&e), k + 1);
    assert!(e.to_string().contains("is not a method of layer"), "{e}");
    // A response of the wrong type.
    let getconfig = lines
        .iter()
        .position(|l| l.contains("\"account.initTakeoutSession\"") && l.contains("\"response\""))
        .expect("initTakeoutSession recorded");
    let wrong = format!(
        "{},\"response\":{{\"_\":\"boolTrue\"}}}}",
        &lines[getconfig][..lines[getconfig].find(",\"response\"").unwrap()]
    );
    let e = broken(getconfig, &wrong);
    assert_eq!(line_of(&e), getconfig + 1);
    assert!(
        e.to_string()
            .contains("response of account.initTakeoutSession"),
        "{e}"
    );
    // A transcript for another layer.
    let e = broken(0, "{\"format\":\"tg-mock-replay/1\",\"layer\":100}");
    assert!(matches!(e, ReplayError::Layer { found: 100, .. }), "{e}");
}

#[test]
fn a_recorded_transcript_cut_anywhere_loads_its_complete_lines() {
    let (dir, transcript) = recorded_small();
    let text = std::fs::read(&transcript).unwrap();
    let header_end = text.iter().position(|b| *b == b'\n').unwrap() + 1;
    let path = dir.path().join("cut.jsonl");
    // Loads `text[..at]`: every complete exchange line before the cut, or
    // a typed error when the header is cut.
    let check = |at: usize| -> Result<(), TestCaseError> {
        std::fs::write(&path, &text[..at]).unwrap();
        // Cut just before a newline, the last line is whole and kept.
        let whole = at > header_end && text.get(at) == Some(&b'\n');
        let complete = text[header_end.min(at)..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + usize::from(whole);
        match Replay::load(&path) {
            Ok(r) => {
                prop_assert!(at + 1 >= header_end, "cut at {} inside the header", at);
                prop_assert_eq!(r.len(), complete, "cut at {}", at);
            }
            Err(e) => prop_assert!(at + 1 < header_end, "cut at {}: {}", at, e),
        }
        Ok(())
    };
    // After every line.
    for (at, _) in text.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        check(at + 1).unwrap();
    }
    // And anywhere.
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner.run(&(0..=text.len()), check).unwrap();
}
