//! `export --update` (README "Keeping an export up to date"): an export of
//! a world, updated after the world grew (new messages, photos and chats),
//! equals a fresh export of the grown world byte for byte; a second update
//! reads one history page per chat and split at most and downloads
//! nothing; other settings are refused.
//!
//! The property test runs `PROPTEST_CASES` cases (default 4); each case is
//! four exports of a small generated world.

use std::collections::BTreeMap;
use std::path::Path;

use tg_mock_server::{GenerateConfig, GrowConfig, World, generate, grow};
use tg_takeout::takeout::state::{CHATS, STATE_DIR, UpdateError};
use tg_takeout::takeout::{ExportOptions, Settings, TakeoutError};

use crate::harness::{
    Server, assert_same_tree, everything, export, options, out_dir, tree, tree_all,
};

/// The options of an update.
fn update_options() -> ExportOptions {
    ExportOptions {
        update: true,
        ..options()
    }
}

/// The distinct split ranges of every chat's stored pages (at least one a
/// chat): the most history requests an update with nothing new may make.
fn stored_splits(root: &Path) -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir(root.join(STATE_DIR).join(CHATS)).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let mut keys = Vec::new();
        let mut at = 0;
        while at + 13 <= bytes.len() {
            let key = &bytes[at..at + 9];
            if !keys.contains(&key) {
                keys.push(key);
            }
            let len = u32::from_le_bytes(bytes[at + 9..at + 13].try_into().unwrap()) as usize;
            at += 13 + len;
        }
        assert_eq!(at, bytes.len(), "whole page records");
        total += keys.len().max(1);
    }
    total
}

/// History requests and file requests of the calls since the last reset.
fn history_and_files(server: &Server) -> (usize, usize) {
    let calls = server.calls();
    let count = |names: &[&str]| {
        calls
            .iter()
            .filter(|c| names.contains(&c.0.as_str()))
            .count()
    };
    (
        count(&["messages.getHistory", "messages.search"]),
        count(&["upload.getFile"]),
    )
}

/// An export of `before` (the folder an update will bring up to date), and
/// a server of `after` with a fresh export of it: the update's reference.
struct Before {
    _tmp: tempfile::TempDir,
    out: std::path::PathBuf,
    _tmp2: tempfile::TempDir,
    fresh: std::path::PathBuf,
    server: Server,
}

async fn exported_then(before: World, after: World, settings: fn(&Path) -> Settings) -> Before {
    let (_tmp, out) = out_dir();
    {
        let server = Server::start(before).await;
        export(&server, settings(&out), &options())
            .await
            .0
            .expect("first export");
    }
    let server = Server::start(after).await;
    let (_tmp2, fresh) = out_dir();
    export(&server, settings(&fresh), &options())
        .await
        .0
        .expect("fresh export");
    Before {
        _tmp,
        out,
        _tmp2,
        fresh,
        server,
    }
}

/// Export `before`, update it from `after`, and check it equals a fresh
/// export of `after`; then a second update must read little and download
/// nothing. The update's export folder.
async fn update_equals_fresh(before: World, after: World, settings: fn(&Path) -> Settings) {
    let Before {
        _tmp,
        out: updated,
        _tmp2,
        fresh,
        server,
    } = exported_then(before, after, settings).await;
    let expected = tree_all(&fresh);
    server.reset();
    export(&server, settings(&updated), &update_options())
        .await
        .0
        .expect("update");
    let got = tree_all(&updated);
    assert!(!updated.join(".tg-takeout").exists(), "no work folder left");
    // The export itself is byte-identical; the state's pages may be cut
    // into pages elsewhere (an update appends pages to the stored ones).
    let export_only = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        t.iter()
            .filter(|(k, _)| !k.starts_with(&format!("{STATE_DIR}/{CHATS}/")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_same_tree(&export_only(&expected), &export_only(&got));
    let pages = |t: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        t.keys()
            .filter(|k| k.starts_with(&format!("{STATE_DIR}/{CHATS}/")))
            .cloned()
            .collect()
    };
    assert_eq!(pages(&expected), pages(&got), "one pages file a chat");

    // Nothing new: one history page per chat and split at most, no file.
    server.reset();
    export(&server, settings(&updated), &update_options())
        .await
        .0
        .expect("second update");
    let (history, files) = history_and_files(&server);
    let gets: Vec<_> = server
        .api
        .inner()
        .dispatcher()
        .stats()
        .log
        .into_iter()
        .filter(|c| c.method == "upload.getFile")
        .map(|c| c.params)
        .collect();
    assert_eq!(files, 0, "no upload.getFile: {gets:?}");
    let bound = stored_splits(&updated);
    let reads: Vec<_> = server
        .api
        .inner()
        .dispatcher()
        .stats()
        .log
        .into_iter()
        .filter(|c| ["messages.getHistory", "messages.search"].contains(&c.method.as_str()))
        .map(|c| (c.params, c.wrappers, c.error))
        .collect();
    assert!(
        history <= bound,
        "{history} history requests, {bound} splits: {reads:#?}"
    );
    assert_same_tree(&export_only(&expected), &export_only(&tree_all(&updated)));
}

fn small_settings(out: &Path) -> Settings {
    everything(out, 3)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(4),
        max_shrink_iters: 2,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// update ∘ export = export of the grown world.
    #[test]
    fn an_update_equals_a_fresh_export_of_the_grown_world(
        seed in proptest::prelude::any::<u64>(),
        dialogs in 3usize..8,
        messages in 20usize..260,
        range_size in proptest::prop_oneof![proptest::strategy::Just(0i32), 30i32..120],
        grow_seed in proptest::prelude::any::<u64>(),
        added in 0usize..150,
        photos in 0usize..5,
        chats in 0usize..3,
    ) {
        let world = generate(&GenerateConfig {
            seed,
            dialogs,
            messages,
            files: 6,
            max_file_size: 64 << 10,
            range_size,
            left_channels: 1,
            ..GenerateConfig::default()
        });
        let grown = grow(&world, &GrowConfig {
            seed: grow_seed,
            messages: added.max(chats),
            files: photos.min(added),
            chats,
        });
        runtime().block_on(update_equals_fresh(world, grown, small_settings));
    }
}

/// The small fixture grown: an update equals a fresh export, and the
/// update downloads only the new photos.
#[test]
fn an_update_downloads_only_new_files() {
    let world = crate::util::small_world();
    let grown = grow(
        &world,
        &GrowConfig {
            seed: 3,
            messages: 30,
            files: 3,
            chats: 1,
        },
    );
    runtime().block_on(async {
        let (_tmp, out) = out_dir();
        {
            let server = Server::start(world.clone()).await;
            export(&server, small_settings(&out), &options())
                .await
                .0
                .expect("export");
        }
        let server = Server::start(grown.clone()).await;
        server.reset();
        let report = export(&server, small_settings(&out), &update_options())
            .await
            .0
            .expect("update");
        let calls = server.calls();
        let gets: Vec<_> = calls.iter().filter(|c| c.0 == "upload.getFile").collect();
        // Three new photos; every other file is reused.
        assert!(
            !gets.is_empty() && gets.len() <= 3 * 8,
            "{} getFile calls",
            gets.len()
        );
        assert!(report.messages > 0);
    });
    runtime().block_on(update_equals_fresh(world, grown, small_settings));
}

/// An update with other settings is refused before anything moves; an
/// update of a folder that is no export is refused too.
#[test]
fn other_settings_are_refused() {
    let world = crate::util::small_world();
    runtime().block_on(async {
        let server = Server::start(world).await;
        let (_tmp, out) = out_dir();
        export(&server, small_settings(&out), &options())
            .await
            .0
            .expect("export");
        let before = tree_all(&out);
        let mut other = small_settings(&out);
        other.size_limit = 1 << 20;
        let err = export(&server, other, &update_options())
            .await
            .0
            .unwrap_err();
        assert!(
            matches!(
                &err,
                TakeoutError::Update(UpdateError::SettingsChanged { .. })
            ),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains("size_limit: 4194304000 -> 1048576"), "{text}");
        assert_same_tree(&before, &tree_all(&out));
        let (_tmp2, empty) = out_dir();
        let err = export(&server, small_settings(&empty), &update_options())
            .await
            .0
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a finished tg-takeout export"),
            "{err}"
        );
    });
}

/// `world` with some older messages edited (text and `edit_date`) and some
/// deleted; the newest message of every chat stays as it was, so an update
/// without `--full-refresh` sees nothing new.
fn edit_and_delete(world: &World) -> (World, usize, usize) {
    use std::collections::HashMap;
    use tg_mock_server::world::PeerKey;
    use tl::enums::Message;
    let peer = tg_mock_server::world::message_peer;
    let id = |m: &Message| match m {
        Message::Message(m) => m.id,
        Message::Service(m) => m.id,
        Message::Empty(m) => m.id,
    };
    let mut newest: HashMap<PeerKey, i32> = HashMap::new();
    for m in &world.messages {
        let m = &m;
        if let Some(p) = peer(m) {
            let e = newest.entry(p).or_insert(i32::MIN);
            *e = (*e).max(id(m));
        }
    }
    let mut out = world.clone();
    let (mut edited, mut deleted) = (0, 0);
    let mut kept = Vec::with_capacity(out.messages.len());
    for (i, mut m) in out.messages.to_vec().into_iter().enumerate() {
        let newest_of_chat = peer(&m).is_some_and(|p| newest.get(&p) == Some(&id(&m)));
        // Only messages without media: the mock numbers the pictures it
        // draws in world order, so deleting a photo would redraw the later
        // ones (Telegram's files do not change when others are deleted).
        let plain = matches!(&m, Message::Message(msg) if msg.media.is_none());
        if !newest_of_chat && plain && i % 11 == 5 {
            deleted += 1;
            continue;
        }
        if let Message::Message(msg) = &mut m {
            if !newest_of_chat && i % 7 == 3 && !msg.message.is_empty() {
                msg.message.push_str(" (edited)");
                msg.edit_date = Some(msg.date + 60);
                edited += 1;
            }
        }
        kept.push(m);
    }
    out.messages = kept.into();
    (out, edited, deleted)
}

/// Edits and deletions of older messages are not fetched by a plain update
/// (its `result.json` still has the old texts) and are by `--full-refresh`,
/// whose result equals a fresh export of the edited account byte for byte.
#[test]
fn full_refresh_picks_up_edits_and_deletions() {
    let world = generate(&GenerateConfig {
        seed: 11,
        dialogs: 5,
        messages: 240,
        files: 6,
        max_file_size: 64 << 10,
        range_size: 60,
        left_channels: 1,
        ..GenerateConfig::default()
    });
    let (edited_world, edited, deleted) = edit_and_delete(&world);
    assert!(
        edited > 5 && deleted > 5,
        "{edited} edited, {deleted} deleted"
    );
    runtime().block_on(async {
        let Before {
            _tmp,
            out,
            _tmp2,
            fresh,
            server,
        } = exported_then(world, edited_world, small_settings).await;
        let json = |root: &Path| std::fs::read_to_string(root.join("result.json")).unwrap();
        let edits = |text: &str| text.matches(" (edited)").count();
        assert!(
            edits(&json(&fresh)) >= edited,
            "the fresh export has the edits"
        );

        export(&server, small_settings(&out), &update_options())
            .await
            .0
            .expect("update");
        assert_eq!(edits(&json(&out)), 0, "a plain update keeps the old texts");
        assert_ne!(tree(&out), tree(&fresh));

        server.reset();
        let refresh = ExportOptions {
            full_refresh: true,
            ..update_options()
        };
        export(&server, small_settings(&out), &refresh)
            .await
            .0
            .expect("full refresh");
        assert_same_tree(&tree(&fresh), &tree(&out));
        let (_, files) = history_and_files(&server);
        assert_eq!(files, 0, "a full refresh downloads no file it has");
    });
}

/// An update that Telegram delays (`TAKEOUT_INIT_DELAY`) leaves the export
/// where it was, untouched; the same update run later completes.
#[test]
fn a_delayed_update_leaves_the_export_in_place() {
    use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript};
    let world = crate::util::small_world();
    runtime().block_on(async {
        let server = Server::start(world).await;
        let (_tmp, out) = out_dir();
        export(&server, small_settings(&out), &options())
            .await
            .0
            .expect("export");
        let before = tree_all(&out);
        server.faults(FaultScript {
            seed: 1,
            rules: vec![FaultRule {
                method: "account.initTakeoutSession".into(),
                nth: Some(1),
                times: Some(1),
                outcome: Some(FaultOutcome::Error(420, "TAKEOUT_INIT_DELAY_86400".into())),
                ..FaultRule::default()
            }],
            ..Default::default()
        });
        let err = export(&server, small_settings(&out), &update_options())
            .await
            .0
            .unwrap_err();
        assert!(matches!(err, TakeoutError::Delayed { .. }), "{err}");
        assert_same_tree(&before, &tree_all(&out));
        assert!(!out.join(".tg-takeout").exists(), "nothing moved aside");
        server.faults(FaultScript::default());
        export(&server, small_settings(&out), &update_options())
            .await
            .0
            .expect("the update, later");
        assert_same_tree(&tree(&out), &{
            let mut b = before.clone();
            b.retain(|k, _| !k.starts_with(".tg-takeout-state/"));
            b
        });
    });
}

/// A single-chat export (its `result.json` is the chat itself) is updated
/// like a whole one.
#[test]
fn a_single_chat_export_is_updated() {
    fn grace(out: &Path) -> Settings {
        let mut settings = small_settings(out);
        settings.single_chat = Some(1002);
        settings
    }
    let world = crate::util::small_world();
    let grown = grow(
        &world,
        &GrowConfig {
            seed: 5,
            messages: 40,
            files: 4,
            chats: 0,
        },
    );
    let of_grace = |w: &World| {
        w.messages
            .iter()
            .filter(|m| {
                tg_mock_server::world::message_peer(m)
                    == Some(tg_mock_server::world::PeerKey::User(1002))
            })
            .count()
    };
    assert!(of_grace(&grown) > of_grace(&world), "the chat grew");
    runtime().block_on(update_equals_fresh(world, grown, grace));
}
