//! The export engine end to end: whole exports of fixture and generated
//! worlds from the mock server over loopback, checked against the world,
//! across `parallel` settings and scripted faults.
//!
//! The property test runs `TG_E2E_EXPORT_CASES` cases (else `TG_E2E_CASES`,
//! else 6; CI runs 100, `.ci/run`): each case is
//! two whole exports of a generated world. Throughput is measured by the
//! export benchmark instead: `cargo bench -p e2e --bench export`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tg_mock_server::World;
use tg_mock_server::blobs::FileStore;
use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript};
use tg_mock_server::world::{PeerKey, message_peer};
use tg_takeout::export::time::{display_date_time, utc};
use tg_takeout::takeout::{ExportReport, ProgressEvent, TakeoutError};
use tl::enums;

use crate::harness::{
    NOW, Server, assert_same_tree, everything, export, export_cases, options, out_dir,
    survivable_fault, tree,
};
use crate::output::file_values;
use crate::util::small_world;

fn rule(method: &str, nth: u32, error: Option<(i32, &str)>) -> FaultRule {
    FaultRule {
        method: method.into(),
        nth: Some(nth),
        times: Some(1),
        outcome: Some(match error {
            Some((c, m)) => FaultOutcome::Error(c, m.to_owned()),
            None => FaultOutcome::Disconnect,
        }),
        ..FaultRule::default()
    }
}

/// The channels the account left.
fn left_channels(world: &World) -> BTreeSet<PeerKey> {
    world
        .chats
        .iter()
        .filter_map(|c| match c {
            enums::Chat::Channel(c) if c.left => Some(PeerKey::Channel(c.id)),
            enums::Chat::ChannelForbidden(c) => Some(PeerKey::Channel(c.id)),
            _ => None,
        })
        .collect()
}

/// Messages an everything-export holds: all of them, but only the
/// account's own in left channels.
fn expected_messages(world: &World) -> usize {
    let left = left_channels(world);
    world
        .messages
        .iter()
        .filter(|m| match message_peer(m) {
            Some(peer) if left.contains(&peer) => {
                tg_mock_server::world::message_is_from(m, world.self_id)
            }
            _ => true,
        })
        .count()
}

/// Paths of downloaded files `result.json` points at (not the skip
/// texts, which start with `(`).
fn file_paths(value: &Value, out: &mut BTreeSet<String>) {
    let mut values = BTreeMap::new();
    file_values(value, "$", &mut values);
    out.extend(
        values
            .into_values()
            .filter(|s| !s.is_empty() && !s.starts_with('(') && s.contains('/')),
    );
}

/// Files the writers produce (not downloads).
fn is_writer_output(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path == "result.json"
        || path == "missing.json"
        || path.ends_with(".html") && !path.contains("/files/")
        || path.starts_with("css/")
        || path.starts_with("js/")
        || path.starts_with("images/")
        || name.starts_with("messages") && name.ends_with(".html")
}

/// Whole contents of every file the mock serves.
fn served_blobs(world: &World) -> BTreeSet<Vec<u8>> {
    let store = FileStore::build(world).expect("file store");
    store
        .iter()
        .map(|(_, entry)| FileStore::read(world, entry, 0, entry.size as usize))
        .collect()
}

fn chats_in(result: &Value) -> usize {
    ["chats", "left_chats"]
        .iter()
        .map(|k| result[k]["list"].as_array().map_or(0, Vec::len))
        .sum()
}

pub(crate) fn messages_in(result: &Value) -> usize {
    ["chats", "left_chats"]
        .iter()
        .flat_map(|k| result[k]["list"].as_array().cloned().unwrap_or_default())
        .map(|chat| chat["messages"].as_array().map_or(0, Vec::len))
        .sum()
}

/// Checks a finished everything-export of `world` at `root`.
fn check_complete(world: &World, report: &ExportReport, files: &BTreeMap<String, Vec<u8>>) {
    let result: Value = serde_json::from_slice(&files["result.json"]).expect("result.json parses");
    let expected_chats = world.dialogs.len() - 1 + left_channels(world).len();
    assert_eq!(chats_in(&result), expected_chats, "chats");
    assert_eq!(report.chats as usize, expected_chats);
    assert_eq!(messages_in(&result), expected_messages(world), "messages");
    assert_eq!(report.messages as usize, expected_messages(world));
    assert_eq!(report.skipped, 0);
    assert!(!files.contains_key("missing.json"));

    let mut referenced = BTreeSet::new();
    file_paths(&result, &mut referenced);
    let blobs = served_blobs(world);
    for path in &referenced {
        let bytes = files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is written"));
        if !path.ends_with(".vcard") {
            assert!(blobs.contains(bytes), "{path} holds the served bytes");
        }
    }
    let downloads: Vec<&String> = files
        .keys()
        .filter(|p| !is_writer_output(p) && *p != "lists/other_data.json")
        .collect();
    for path in &downloads {
        // Story thumbnails are only shown by the HTML pages.
        let story_thumb = path.starts_with("stories/") && path.ends_with("_thumb.jpg");
        assert!(
            referenced.contains(*path) || story_thumb,
            "{path} is referenced by result.json"
        );
    }
    let other = usize::from(files.contains_key("lists/other_data.json"));
    assert_eq!(report.files as usize, downloads.len() + other, "files");
    assert!(
        !files
            .keys()
            .any(|p| p.contains(".tg-takeout") || p.ends_with(".part"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_fixture_exports_completely_inside_one_takeout() {
    let world = small_world();
    let server = Server::start(world.clone()).await;
    server.reset();
    let (_tmp, out) = out_dir();
    let (result, events) = export(&server, everything(&out, 4), &options()).await;
    let report = result.expect("the export succeeds");
    assert_eq!(report.out_dir, out);
    let files = tree(&out);
    check_complete(&world, &report, &files);
    for blob in &world.blobs {
        assert!(
            files.values().any(|f| f == &blob.data),
            "{} exported",
            blob.file
        );
    }

    let calls = server.calls();
    let init = calls
        .iter()
        .position(|c| c.0 == "account.initTakeoutSession")
        .expect("initTakeoutSession");
    for (method, wrappers, _) in &calls[init + 1..] {
        // The client's own authorization transfer to file DCs is not ours.
        if method.starts_with("auth.") {
            continue;
        }
        assert!(
            wrappers.contains(&"invokeWithTakeout"),
            "{method} {wrappers:?}"
        );
    }
    assert_eq!(calls.last().unwrap().0, "account.finishTakeoutSession");
    assert_eq!(*server.finishes.lock().unwrap(), vec![true]);
    for method in [
        "messages.getSplitRanges",
        "channels.getLeftChannels",
        "upload.getFile",
    ] {
        assert!(calls.iter().any(|c| c.0 == method), "{method} was called");
    }
    assert!(matches!(
        events.first(),
        Some(ProgressEvent::Started { .. })
    ));
    assert!(matches!(
        events.last(),
        Some(ProgressEvent::Finished { .. })
    ));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::ChatStarted { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_is_the_same_at_parallel_1_and_8() {
    let server = Server::start(small_world()).await;
    let (_tmp1, out1) = out_dir();
    let (_tmp8, out8) = out_dir();
    let (one, _) = export(&server, everything(&out1, 1), &options()).await;
    let (eight, _) = export(&server, everything(&out8, 8), &options()).await;
    let (one, eight) = (one.expect("parallel 1"), eight.expect("parallel 8"));
    assert_eq!((one.files, one.bytes), (eight.files, eight.bytes));
    assert_same_tree(&tree(&out1), &tree(&out8));
    assert_eq!(*server.finishes.lock().unwrap(), vec![true, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survived_faults_leave_the_output_unchanged() {
    let server = Server::start(small_world()).await;
    let (_tmp, clean) = out_dir();
    export(&server, everything(&clean, 4), &options())
        .await
        .0
        .expect("clean export");
    server.faults(FaultScript {
        seed: 1,
        rules: vec![
            rule("messages.getHistory", 2, Some((420, "FLOOD_WAIT_1"))),
            rule("upload.getFile", 1, Some((303, "FILE_MIGRATE_4"))),
            rule("upload.getFile", 3, None),
            rule("upload.getFile", 5, Some((400, "FILE_REFERENCE_EXPIRED"))),
            rule("messages.getDialogs", 2, Some((500, "INTERNAL"))),
            rule("channels.getLeftChannels", 1, None),
            rule("messages.search", 1, Some((500, "INTERNAL"))),
        ],
        ..Default::default()
    });
    let (_tmp2, faulty) = out_dir();
    // Another subscriber of the client's events, besides the export's own.
    let mut watcher = server.client.events();
    let (result, events) = export(&server, everything(&faulty, 4), &options()).await;
    result.expect("the export survives the faults");
    assert_same_tree(&tree(&clean), &tree(&faulty));
    let mut watched = Vec::new();
    while let Ok(tg_takeout::ClientEvent::Retrying { request, .. }) = watcher.try_recv() {
        watched.push(request);
    }
    assert!(watched.contains(&"messages.getHistory"), "{watched:?}");
    let fired: Vec<_> = server.calls().into_iter().filter_map(|c| c.2).collect();
    assert!(
        fired.iter().any(|e| e.1.starts_with("FILE_MIGRATE_")),
        "{fired:?}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        ProgressEvent::Waiting { request, seconds: 1 } if request == "messages.getHistory"
    )));
    assert_eq!(*server.finishes.lock().unwrap(), vec![true, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_is_skipped_and_listed_in_missing_json() {
    let server = Server::start(small_world()).await;
    let (_tmp, clean) = out_dir();
    server.reset();
    export(&server, everything(&clean, 1), &options())
        .await
        .0
        .expect("clean export");
    let parts = server
        .calls()
        .iter()
        .filter(|c| c.0 == "upload.getFile")
        .count() as u32;
    // The last part asked for belongs to the last file downloaded.
    server.faults(FaultScript {
        seed: 1,
        rules: vec![rule(
            "upload.getFile",
            parts,
            Some((400, "LOCATION_INVALID")),
        )],
        ..Default::default()
    });
    let (_tmp2, faulty) = out_dir();
    let (result, _) = export(&server, everything(&faulty, 1), &options()).await;
    let report = result.expect("one bad file does not stop the export");
    let (clean, faulty) = (tree(&clean), tree(&faulty));
    let missing: Value = serde_json::from_slice(&faulty["missing.json"]).expect("missing.json");
    // One file is skipped; every message that shows it lists it (with
    // parts of several files in flight, the failing call may be a file
    // that more than one message shows).
    let items = missing.as_array().expect("a list");
    assert_eq!(report.skipped, items.len() as u64, "{missing:#}");
    assert!(!items.is_empty());
    let item = &items[0];
    for other in items {
        assert_eq!(other["reason"], "LOCATION_INVALID", "{missing:#}");
        assert_eq!(other["file"], item["file"], "one file: {missing:#}");
        assert!(
            other["chat"].is_string() && other["message_id"].is_i64(),
            "{other}"
        );
    }
    let skipped = item["file"].as_str().expect("the file").to_owned();
    assert!(clean.contains_key(&skipped) && !faulty.contains_key(&skipped));
    // Every other file is the same; result.json differs only where the
    // skipped file's path was.
    for (name, bytes) in &clean {
        if name != &skipped && !name.ends_with(".html") && name != "result.json" {
            assert_eq!(faulty.get(name), Some(bytes), "{name}");
        }
    }
    let before: Value = serde_json::from_slice(&clean["result.json"]).unwrap();
    let after: Value = serde_json::from_slice(&faulty["result.json"]).unwrap();
    let mut differences = Vec::new();
    diff(&before, &after, &mut differences);
    assert!(!differences.is_empty());
    for (old, new) in differences {
        assert_eq!(old, Value::String(skipped.clone()));
        assert!(
            new.as_str().is_some_and(|s| s.contains("unavailable")),
            "{new}"
        );
    }
    assert_eq!(*server.finishes.lock().unwrap(), vec![true, true]);
}

/// The leaves where `a` and `b` differ.
fn diff(a: &Value, b: &Value, out: &mut Vec<(Value, Value)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => diff(v, w, out),
                    None => out.push((a.clone(), b.clone())),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).for_each(|(v, w)| diff(v, w, out));
        }
        _ if a != b => out.push((a.clone(), b.clone())),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeout_init_delay_stops_with_the_time_or_is_waited_out() {
    let server = Server::start(small_world()).await;
    let delay = |seconds: u32| FaultScript {
        seed: 1,
        rules: vec![rule(
            "account.initTakeoutSession",
            1,
            Some((420, &format!("TAKEOUT_INIT_DELAY_{seconds}"))),
        )],
        ..Default::default()
    };
    server.faults(delay(86_400));
    let (_tmp, out) = out_dir();
    let (result, _) = export(&server, everything(&out, 2), &options()).await;
    match result {
        Err(TakeoutError::Delayed { until_unix, at }) => {
            assert_eq!(until_unix, NOW + 86_400);
            assert_eq!(at, display_date_time(NOW + 86_400, utc().as_ref()));
            let text = TakeoutError::Delayed { until_unix, at }.to_string();
            assert!(text.contains("15.11.2023") && text.contains("Service notifications"));
        }
        other => panic!("expected Delayed, got {other:?}"),
    }
    assert!(!out.exists(), "nothing is written before the session opens");
    assert!(server.finishes.lock().unwrap().is_empty());

    server.faults(delay(1));
    let mut waiting = options();
    waiting.wait_for_delay = true;
    let (result, events) = export(&server, everything(&out, 2), &waiting).await;
    result.expect("waited and carried on");
    assert!(events.iter().any(|e| matches!(
        e,
        ProgressEvent::Waiting { request, seconds: 1 } if request == "account.initTakeoutSession"
    )));
    assert_eq!(*server.finishes.lock().unwrap(), vec![true]);
}

/// Peers whose history an everything-export holds, and the left channels.
fn exported_peers(world: &World) -> (BTreeSet<PeerKey>, BTreeSet<PeerKey>) {
    let with_messages: BTreeSet<PeerKey> = world
        .messages
        .iter()
        .filter_map(|m| message_peer(&m))
        .collect();
    let dialogs: BTreeSet<PeerKey> = world
        .dialogs
        .iter()
        .filter_map(tg_mock_server::world::dialog_peer)
        .filter(|p| with_messages.contains(p))
        .collect();
    (dialogs, left_channels(world))
}

/// Chats an everything-export of a generated world holds: listed dialogs
/// (a migrated basic group merges into its listed supergroup) and left
/// channels.
pub(crate) fn expected_chats(world: &World) -> usize {
    let (dialogs, left) = exported_peers(world);
    let merged = world
        .chats
        .iter()
        .filter(|c| match c {
            enums::Chat::Chat(c) => {
                let target = match &c.migrated_to {
                    Some(enums::InputChannel::InputChannel(t)) => Some(t.channel_id),
                    _ => None,
                };
                dialogs.contains(&PeerKey::Chat(c.id))
                    && target.is_some_and(|t| dialogs.contains(&PeerKey::Channel(t)))
            }
            _ => false,
        })
        .count();
    dialogs.union(&left).count() - merged
}

pub(crate) fn expected_generated_messages(world: &World) -> usize {
    let (dialogs, left) = exported_peers(world);
    world
        .messages
        .iter()
        .filter(|m| match message_peer(m) {
            Some(p) if left.contains(&p) => {
                tg_mock_server::world::message_is_from(m, world.self_id)
            }
            Some(p) => dialogs.contains(&p),
            None => false,
        })
        .count()
}

/// Faults every export must survive: retried (flood waits, 5xx,
/// disconnects), followed (FILE_MIGRATE) or refreshed (FILE_REFERENCE);
/// and (kind 8) a forgotten auth key (`forget_key`): survived on a file DC,
/// on the home DC the documented stop (exit code 3, README "Login paths
/// and lost logins") with the folder left to resume.
fn fault(method: usize, nth: u32, kind: usize) -> FaultRule {
    const METHODS: [&str; 10] = [
        "upload.getFile",
        "messages.getHistory",
        "messages.getDialogs",
        "messages.search",
        "channels.getLeftChannels",
        "photos.getUserPhotos",
        "stories.getStoriesArchive",
        "messages.getCustomEmojiDocuments",
        "account.finishTakeoutSession",
        "*",
    ];
    if kind == 8 {
        return FaultRule {
            method: METHODS[method % METHODS.len()].into(),
            nth: Some(nth),
            times: Some(1),
            outcome: Some(FaultOutcome::ForgetKey),
            ..FaultRule::default()
        };
    }
    survivable_fault(&METHODS, method, nth, kind)
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: export_cases(6),
        max_shrink_iters: 4,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Any generated world exports completely, and the same with any
    /// survivable faults and any `parallel`.
    #[test]
    fn generated_worlds_export_the_same_through_faults(
        seed in proptest::prelude::any::<u64>(),
        dialogs in proptest::prop_oneof![4 => 3usize..10, 1 => 100usize..300],
        messages in 10usize..250,
        files in 0usize..12,
        big in proptest::prelude::any::<bool>(),
        range_size in proptest::prop_oneof![
            proptest::strategy::Just(0i32),
            1i32..6,
            5i32..80,
        ],
        left in 0usize..3,
        faults in proptest::collection::vec((0usize..10, 1u32..25, 0usize..9), 0..6),
        parallel in 1usize..=8,
        history_limit in proptest::option::of(10u32..40),
        file_limit in proptest::option::of(10u32..40),
    ) {
        let config = tg_mock_server::GenerateConfig {
            seed,
            dialogs,
            messages,
            files,
            max_file_size: if big { 3 << 20 } else { 64 << 10 },
            range_size,
            left_channels: left,
            ..tg_mock_server::GenerateConfig::default()
        };
        let world = tg_mock_server::generate(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let server = Server::start(world.clone()).await;
            let (_tmp, clean) = out_dir();
            let report = export(&server, everything(&clean, 4), &options())
                .await
                .0
                .expect("clean export");
            let files = tree(&clean);
            let result: Value = serde_json::from_slice(&files["result.json"]).unwrap();
            assert_eq!(chats_in(&result), expected_chats(&world), "chats of {config:?}");
            assert_eq!(messages_in(&result), expected_generated_messages(&world));
            assert_eq!(report.skipped, 0, "{config:?}");
            // Rate limits answered with FLOOD_WAIT_X (README "Fault scripts").
            let limit = |method: &str, max_calls| tg_mock_server::net::RateLimit {
                method: method.into(),
                max_calls,
                per_secs: 1,
                flood_wait_secs: None,
            };
            // A limit is drawn only where it costs at most a few seconds
            // of pacing (a world of many ranges makes thousands of history
            // calls), so the case count stays affordable.
            let calls = server.calls();
            let count = |m: &str| calls.iter().filter(|c| c.0 == m).count() as u32;
            let affordable = |n: &u32, m: &str| count(m) <= 3 * n;
            let rate_limits = [
                history_limit
                    .filter(|n| affordable(n, "messages.getHistory"))
                    .map(|n| limit("messages.getHistory", n)),
                file_limit
                    .filter(|n| affordable(n, "upload.getFile"))
                    .map(|n| limit("upload.getFile", n)),
            ];
            let script = FaultScript {
                seed,
                rules: faults.iter().map(|&(m, n, k)| fault(m, n, k)).collect(),
                rate_limits: rate_limits.into_iter().flatten().collect(),
                ..Default::default()
            };
            server.faults(script.clone());
            server.seen.lock().unwrap().clear();
            let (_tmp2, faulty) = out_dir();
            let (result, _) = export(&server, everything(&faulty, parallel), &options()).await;
            let forgot = script
                .rules
                .iter()
                .any(|r| r.outcome == Some(FaultOutcome::ForgetKey));
            match result {
                Ok(_) => {
                    assert_same_tree(&files, &tree(&faulty));
                    // Every flood wait honoured: no call of its method on
                    // its DC inside the window it announced.
                    let seen = server.seen.lock().unwrap().clone();
                    for method in ["messages.getHistory", "upload.getFile"] {
                        crate::pacing::check_windows(&seen, method);
                    }
                    let finishes = server.finishes.lock().unwrap().clone();
                    // A forgotten key may have kept the last finish from
                    // the server (the export's outcome stands).
                    if forgot {
                        eprintln!("forget_key survived");
                        assert!(finishes.iter().all(|&f| f), "{finishes:?}");
                    } else {
                        assert_eq!(finishes, vec![true, true]);
                    }
                }
                // The home DC forgot the key: the documented stop, and the
                // folder is left to resume, unless the key went before the
                // takeout began (a first call refused): then nothing was
                // written and a rerun starts afresh.
                Err(TakeoutError::Unauthorized) if forgot => {
                    eprintln!("forget_key on the home DC: stopped, resumable");
                    let written = std::fs::read_dir(&faulty).map_or(0, |d| d.count());
                    assert!(
                        faulty.join(".tg-takeout").is_dir() || written == 0,
                        "{written} entries written but no resume state: {script:?}"
                    );
                }
                Err(e) => panic!("{e} with {script:?}"),
            }
        });
    }
}

/// `(chat id, message)` of every message of an export's chats.
fn all_messages(result: &Value) -> Vec<(i64, Value)> {
    ["chats", "left_chats"]
        .iter()
        .flat_map(|k| result[k]["list"].as_array().cloned().unwrap_or_default())
        .flat_map(|chat| {
            let id = chat["id"].as_i64().unwrap();
            let list = chat["messages"].as_array().cloned().unwrap_or_default();
            list.into_iter().map(move |m| (id, m))
        })
        .collect()
}

fn message_date(m: &enums::Message) -> i64 {
    i64::from(tg_mock_server::world::message_date(m))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_date_range_applies_to_the_whole_export() {
    let world = small_world();
    let server = Server::start(world.clone()).await;
    let (from, till) = (1_700_004_800, 1_700_012_600);
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 4);
    settings.from_date = Some(from);
    settings.till_date = Some(till);
    let (result, _) = export(&server, settings, &options()).await;
    let report = result.expect("export");
    let files = tree(&out);
    let result: Value = serde_json::from_slice(&files["result.json"]).unwrap();
    let messages = all_messages(&result);
    for (_, m) in &messages {
        let date: i64 = m["date_unixtime"].as_str().unwrap().parse().unwrap();
        assert!((from..till).contains(&date), "{m}");
    }
    let left = left_channels(&world);
    let expected = world
        .messages
        .iter()
        .filter(|m| (from..till).contains(&message_date(m)))
        .filter(|m| !message_peer(m).is_some_and(|p| left.contains(&p)))
        .count();
    assert_eq!(messages.len(), expected);
    assert_eq!(report.messages as usize, expected);
    // Files of messages outside the range are not downloaded.
    let mut referenced = BTreeSet::new();
    file_paths(&result, &mut referenced);
    for path in files
        .keys()
        .filter(|p| p.starts_with("chats/") && !is_writer_output(p))
    {
        assert!(
            referenced.contains(path),
            "{path} belongs to a message in range"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_chat_is_the_whole_result() {
    let server = Server::start(small_world()).await;
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 4);
    settings.single_chat = Some(1002);
    let (result, _) = export(&server, settings, &options()).await;
    let report = result.expect("export");
    assert_eq!(report.chats, 1);
    let files = tree(&out);
    let chat: Value = serde_json::from_slice(&files["result.json"]).unwrap();
    assert_eq!(chat["name"], "Grace");
    assert_eq!(chat["type"], "personal_chat");
    assert_eq!(chat["messages"].as_array().unwrap().len(), 6);
    assert!(files.keys().any(|p| p.starts_with("photos/")));
    assert!(
        !files
            .keys()
            .any(|p| p.starts_with("lists/") || p.starts_with("chats/"))
    );
    assert!(files.contains_key("messages.html"));

    let (_tmp2, out2) = out_dir();
    let mut settings = everything(&out2, 4);
    settings.single_chat = Some(424_242);
    let (result, _) = export(&server, settings, &options()).await;
    assert!(matches!(
        result,
        Err(TakeoutError::ChatNotFound { id: 424_242 })
    ));
    assert_eq!(*server.finishes.lock().unwrap(), vec![true, false]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_my_messages_search_and_the_channel_private_fallback() {
    let world = small_world();
    let server = Server::start(world.clone()).await;
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 2);
    settings.sections = vec![tg_takeout::takeout::Section::PrivateGroups];
    settings.full_chats = vec![];
    server.reset();
    let (result, _) = export(&server, settings, &options()).await;
    result.expect("export");
    let result: Value = serde_json::from_slice(&tree(&out)["result.json"]).unwrap();
    let messages = all_messages(&result);
    let mine = world
        .messages
        .iter()
        .filter(|m| {
            // Book Club (migrated) and the left supergroup Old Project.
            matches!(
                message_peer(m),
                Some(PeerKey::Chat(3001) | PeerKey::Channel(4001) | PeerKey::Channel(4003))
            ) && tg_mock_server::world::message_is_from(m, world.self_id)
        })
        .count();
    assert_eq!(messages.len(), mine);
    assert!(
        messages
            .iter()
            .all(|(_, m)| m["from_id"] == "user1001" || m["actor_id"] == "user1001")
    );
    let calls = server.calls();
    assert!(calls.iter().any(|c| c.0 == "messages.search"));
    assert!(!calls.iter().any(|c| c.0 == "messages.getHistory"));

    // A channel whose history is refused is searched instead.
    server.faults(FaultScript {
        seed: 1,
        rules: vec![rule(
            "messages.getHistory",
            1,
            Some((400, "CHANNEL_PRIVATE")),
        )],
        ..Default::default()
    });
    server.reset();
    let (_tmp2, out2) = out_dir();
    let mut settings = everything(&out2, 2);
    settings.sections = vec![tg_takeout::takeout::Section::PublicChannels];
    let (result, _) = export(&server, settings, &options()).await;
    let report = result.expect("export");
    assert_eq!((report.chats, report.messages, report.skipped), (1, 0, 0));
    assert!(server.calls().iter().any(|c| c.0 == "messages.search"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_types_and_the_size_limit_select_files() {
    let server = Server::start(small_world()).await;
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 4);
    settings.media = vec![tg_takeout::takeout::MediaType::Photo];
    settings.size_limit = 2000;
    let (result, _) = export(&server, settings, &options()).await;
    result.expect("export");
    let files = tree(&out);
    let result: Value = serde_json::from_slice(&files["result.json"]).unwrap();
    let mut texts = BTreeMap::new();
    for (_, m) in all_messages(&result) {
        for key in ["file", "thumbnail", "photo"] {
            if let Some(v) = m[key].as_str() {
                texts.insert(v.to_owned(), (key, m["photo_file_size"].as_i64()));
            }
        }
    }
    for (value, (key, photo_size)) in &texts {
        match *key {
            "photo" if photo_size.is_some_and(|s| s > 2000) => {
                assert!(value.contains("exceeds maximum size"), "{value}")
            }
            "photo" => assert!(files.contains_key(value), "{value}"),
            _ => assert!(value.contains("not included"), "{key}: {value}"),
        }
    }
    assert!(texts.values().any(|(k, _)| *k == "file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fatal_errors_stop_the_export_and_finish_without_success() {
    let server = Server::start(small_world()).await;
    for (error, check) in [
        (
            (400, "TAKEOUT_INVALID"),
            (|e: &TakeoutError| matches!(e, TakeoutError::Invalid)) as fn(&TakeoutError) -> bool,
        ),
        ((401, "SESSION_REVOKED"), |e| {
            matches!(e, TakeoutError::Unauthorized)
        }),
    ] {
        server.reset();
        server.faults(FaultScript {
            seed: 1,
            rules: vec![rule("messages.getHistory", 2, Some(error))],
            ..Default::default()
        });
        let (_tmp, out) = out_dir();
        let (result, _) = export(&server, everything(&out, 4), &options()).await;
        let e = result.expect_err("fatal");
        assert!(check(&e), "{e:?}");
        assert!(
            !out.join("result.json").exists(),
            "an unfinished export is not committed"
        );
        assert_eq!(*server.finishes.lock().unwrap(), vec![false]);
    }
    // An export root that cannot be created is a disk error.
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let (result, _) = export(&server, everything(&blocker.join("out"), 1), &options()).await;
    assert!(
        matches!(result, Err(TakeoutError::Disk { .. })),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_export_resumes_without_downloading_again() {
    let server = Server::start(small_world()).await;
    let (_tmp, clean) = out_dir();
    server.reset();
    export(&server, everything(&clean, 2), &options())
        .await
        .0
        .expect("clean export");
    let parts = |server: &Server| {
        server
            .calls()
            .iter()
            .filter(|c| c.0 == "upload.getFile")
            .count()
    };
    let clean_parts = parts(&server);

    // Stopped (the process killed, say) once 20 files are written.
    let (_tmp2, out) = out_dir();
    let plan = everything(&out, 2).validate().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = options();
    let run = tg_takeout::takeout::run_export(&server.client, &plan, &opts, &tx);
    let twenty = async {
        let mut done = 0;
        while let Some(event) = rx.recv().await {
            done += usize::from(matches!(event, ProgressEvent::FileFinished { .. }));
            if done == 20 {
                break;
            }
        }
    };
    tokio::select! {
        result = run => panic!("finished before it was stopped: {result:?}"),
        () = twenty => {}
    }
    assert!(out.join(".tg-takeout").is_dir(), "the work folder stays");
    assert!(!out.join("result.json").exists());

    server.faults(FaultScript::default());
    server.reset();
    let (result, _) = export(&server, everything(&out, 2), &options()).await;
    let report = result.expect("the rerun finishes");
    assert_eq!(report.out_dir, out, "the same folder is continued");
    assert_same_tree(&tree(&clean), &tree(&out));
    let resumed_parts = parts(&server);
    assert!(
        resumed_parts * 2 < clean_parts,
        "{resumed_parts} parts asked again of {clean_parts}"
    );
}
