//! Recorded transcripts made anonymous and turned into worlds (issue 13):
//! an export of a world is recorded by the exporter's recorder
//! (`ClientConfig::recorder`), anonymized (`tg_mock_server::anonymize`),
//! replayed, and imported back into a world (`tg_mock_server::import`).
//!
//! - Nothing personal of the world (names, usernames, phones, texts, file
//!   names, any 16-byte run of any file) is left in the anonymized
//!   transcript, and its replay exports the same chats, message ids,
//!   dates, entity kinds and file sizes.
//! - The world imported from a transcript exports byte for byte what the
//!   replay of that transcript does (plain or anonymized); over generated
//!   worlds and random settings the import of the anonymized transcript
//!   keeps the chats, ids, dates and file sizes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};
use tg_mock_server::blobs::FileStore;
use tg_mock_server::import::{ImportOptions, import};
use tg_mock_server::net::{Bound, FaultScript, Faulty, ListenConfig};
use tg_mock_server::replay::{self, Replay};
use tg_mock_server::world::Index;
use tg_mock_server::{Api, GenerateConfig, World, generate};
use tg_takeout::record::{RecordFiles, Recorder};
use tg_takeout::takeout::{MediaType, Section, Settings};
use tl::json::ToJson;

use crate::harness::{
    Server, everything, export_with, login, options, out_dir, survivable_fault, tree,
};
use crate::util::small_world;

type Tree = BTreeMap<String, Vec<u8>>;

/// Exports `world` with `settings`, recording every byte of the session;
/// the transcript's text and the export.
async fn record(world: &World, settings: Settings) -> (String, Tree) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let recorder = Recorder::open(&path, RecordFiles::All).expect("the transcript opens");
    record_into(recorder, &path, world, settings).await
}

async fn record_into(
    recorder: Recorder,
    path: &std::path::Path,
    world: &World,
    settings: Settings,
) -> (String, Tree) {
    let server = Server::start_recorded(world.clone(), Some(recorder.clone())).await;
    let out = settings.out.clone();
    let (result, _) = export_with(&server.client, settings, &options()).await;
    result.expect("the recorded export succeeds");
    server.client.disconnect().await;
    recorder.finish().expect("the transcript is written");
    (std::fs::read_to_string(path).unwrap(), tree(&out))
}

/// Exports `world` with `settings` (no recording).
async fn export_world(world: &World, settings: Settings) -> Tree {
    let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
    let dc_options = tg_mock_server::server::dc_options(&bound);
    let api = std::sync::Arc::new(Faulty::new(
        Api::new(world.clone(), dc_options).expect("world"),
    ));
    let net = bound.serve(api);
    let client = login(net.address(2).expect("DC 2"), world, None).await;
    let out = settings.out.clone();
    let (result, _) = export_with(&client, settings, &options()).await;
    result.expect("the export succeeds");
    client.disconnect().await;
    net.shutdown().await;
    tree(&out)
}

/// The phone number the transcript's `auth.sendCode` asks for.
fn phone_of(text: &str) -> String {
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["request"]["_"] == "auth.sendCode")
        .and_then(|l| l["request"]["phone_number"].as_str().map(str::to_owned))
        .expect("a login in the transcript")
}

/// Exports against a replay of `text`, logging in as `world`'s account
/// with the transcript's phone number (the code and the SRP proof are
/// ignored by replay).
async fn replay_export(text: &str, world: &World, settings: Settings) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(&path, text).unwrap();
    let loaded = Replay::load(&path).expect("the transcript loads");
    let listen = ListenConfig {
        dcs: vec![(2, 0)],
        ..ListenConfig::default()
    };
    let server = replay::start(loaded, listen, None)
        .await
        .expect("the replay server starts");
    let mut account = world.clone();
    account.login.phone = phone_of(text);
    let client = login(server.address(2).expect("DC 2"), &account, None).await;
    let out = settings.out.clone();
    let (result, _) = export_with(&client, settings, &options()).await;
    let unexpected = server.transcript().unexpected();
    assert!(unexpected.is_empty(), "unexpected: {unexpected:#?}");
    result.expect("the replayed export succeeds");
    client.disconnect().await;
    server.shutdown().await;
    tree(&out)
}

fn anonymized(text: &str, seed: u64) -> String {
    let mut out = Vec::new();
    tg_mock_server::anonymize::anonymize(text.as_bytes(), &mut out, seed).expect("anonymized");
    String::from_utf8(out).expect("UTF-8")
}

fn imported(text: &str) -> World {
    import(
        text.as_bytes(),
        &ImportOptions {
            seed: 77,
            password: None,
        },
    )
    .expect("imported")
}

/// Every string value of a JSON value but constructor names.
fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| *k != "_")
            .for_each(|(_, i)| strings(i, out)),
        _ => {}
    }
}

/// The string values of a transcript (constructor names left out): the
/// text ones (and bytes that are UTF-8 text, such as the other-data file)
/// joined by NULs, and the other bytes decoded.
fn split_values(text: &str) -> (String, Vec<Vec<u8>>) {
    let mut joined = String::new();
    let mut binary = Vec::new();
    // The header names the recorder, nothing of the account.
    for line in text.lines().skip(1) {
        let v: Value = serde_json::from_str(line).expect("JSON line");
        let mut values = Vec::new();
        strings(&v, &mut values);
        for s in values {
            let bytes = (s.len() >= 24)
                .then(|| tl::json::bytes_from_json(&Value::String(s.to_owned())).ok())
                .flatten();
            match bytes {
                Some(b) => match String::from_utf8(b) {
                    Ok(decoded) => {
                        joined.push_str(&decoded);
                        joined.push('\u{0}');
                    }
                    Err(e) => binary.push(e.into_bytes()),
                },
                None => {
                    joined.push_str(s);
                    joined.push('\u{0}');
                }
            }
        }
    }
    (joined, binary)
}

/// The personal strings of a world: the values of these keys anywhere in
/// its JSON, and its login.
fn personal_strings(world: &World) -> BTreeMap<String, &'static str> {
    const KEYS: &[&str] = &[
        "first_name",
        "last_name",
        "username",
        "phone",
        "phone_number",
        "title",
        "message",
        "about",
        "file_name",
        "vcard",
        "address",
        "device_model",
        "ip",
        "region",
        "text",
        "description",
        "url",
        "app_name",
        "caption",
        "performer",
    ];
    fn walk(v: &Value, out: &mut BTreeMap<String, &'static str>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (KEYS.iter().find(|key| **key == k), v) {
                        (Some(key), Value::String(s)) => {
                            out.insert(s.clone(), key);
                        }
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(&world.to_json(), &mut out);
    out.insert(world.login.phone.clone(), "login.phone");
    out.insert(world.login.code.clone(), "login.code");
    // Too short or too plain to tell apart from chance.
    out.retain(|s, _| s.chars().filter(|c| c.is_alphanumeric()).count() >= 3);
    out
}

/// Every file of a world with its bytes.
fn world_files(world: &World) -> Vec<Vec<u8>> {
    let store = FileStore::build(world).expect("files");
    let mut files: Vec<_> = store.iter().collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    files
        .into_iter()
        .map(|(_, e)| FileStore::read(world, e, 0, e.size as usize))
        .collect()
}

/// Asserts that nothing personal of `world` is in the transcript `text`;
/// `plain` is the transcript before anonymization (when there is one),
/// where the same search must find them (so the check can fail).
fn assert_anonymous(world: &World, plain: Option<&str>, text: &str) {
    let (joined, binary) = split_values(text);
    let plain_joined = plain.map(|p| split_values(p).0);
    let tokens: HashSet<&str> = joined
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    let personal = personal_strings(world);
    let mut found_in_plain = 0;
    for (s, key) in &personal {
        if plain_joined.as_ref().is_none_or(|p| p.contains(s.as_str())) {
            found_in_plain += 1;
        }
        let leaked = if s.chars().count() >= 6 {
            joined.contains(s.as_str())
        } else {
            tokens.contains(s.as_str())
        };
        assert!(!leaked, "{key} {s:?} is still in the anonymized transcript");
    }
    assert!(
        found_in_plain * 2 >= personal.len() && found_in_plain >= 10,
        "the plain transcript shows the world ({found_in_plain} of {})",
        personal.len()
    );
    // No 16-byte run of any file of the world: the files' 8-byte words
    // at offsets divisible by 8 are indexed (a common run of 16 bytes holds
    // one), every 8-byte window of the transcript's bytes is looked up, and
    // a hit is extended both ways.
    let files = world_files(world);
    let mut words: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
    for (f, file) in files.iter().enumerate() {
        for p in (0..file.len().saturating_sub(7)).step_by(8) {
            let w = u64::from_le_bytes(file[p..p + 8].try_into().unwrap());
            words.entry(w).or_default().push((f, p));
        }
    }
    // Words every encoder output holds whatever the picture (JPEG and PNG
    // headers, the standard Huffman tables): the same files synthesized from
    // an unrelated seed show them; they are no one's data.
    for file in &files {
        let other = tg_mock_server::synth::like(file, 0x0b01_1e42, "X").bytes;
        for p in 0..other.len().saturating_sub(7) {
            words.remove(&u64::from_le_bytes(other[p..p + 8].try_into().unwrap()));
        }
    }
    assert!(!words.is_empty());
    // A bit per word hash first: most windows stop there.
    let bit = |w: u64| (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 38) as usize;
    let mut bits = vec![0u64; (1 << 26) / 64];
    for w in words.keys() {
        bits[bit(*w) / 64] |= 1 << (bit(*w) % 64);
    }
    let mut haystacks = binary;
    haystacks.push(joined.into_bytes());
    for hay in &haystacks {
        let mut w = 0u64;
        for (j, &byte) in hay.iter().enumerate() {
            w = (w >> 8) | (u64::from(byte) << 56);
            if j < 7 || bits[bit(w) / 64] & (1 << (bit(w) % 64)) == 0 {
                continue;
            }
            let i = j - 7;
            for &(f, p) in words.get(&w).into_iter().flatten() {
                let file = &files[f];
                let back = (1..=p.min(i))
                    .take_while(|k| file[p - k] == hay[i - k])
                    .count();
                let ahead = (0..(file.len() - p).min(hay.len() - i))
                    .take_while(|&k| file[p + k] == hay[i + k])
                    .count();
                // The world's pictures and the anonymizer's stand-ins come
                // from one encoder (mock-server/src/synth/mod.rs): two pictures
                // of the same size and dimensions drawn from unrelated seeds
                // differ in ~95% of their bytes but share coded runs of up to
                // a few hundred bytes (flat bands code alike, padding blocks
                // repeat). A picture passed through would share whole parts
                // (KiBs), so for pictures a leak is a run of 1 KiB or more.
                let limit = match tg_mock_server::synth::Kind::of(file) {
                    tg_mock_server::synth::Kind::Other => 16,
                    _ => 1024.min(file.len()),
                };
                assert!(
                    back + ahead < limit,
                    "a {}-byte run of a file of the world ({:?} of {} bytes, at {}) is in the anonymized transcript",
                    back + ahead,
                    tg_mock_server::synth::Kind::of(file),
                    file.len(),
                    p - back
                );
            }
        }
    }
}

/// What an export shows, structurally: per chat its id, type and messages
/// (id, date, entity kinds, media kind), and the sizes of the files.
fn shape(files: &Tree) -> (Vec<Value>, Vec<u64>) {
    let result: Value =
        serde_json::from_slice(files.get("result.json").expect("result.json")).expect("JSON");
    let mut chats = Vec::new();
    for list in [&result["chats"]["list"], &result["left_chats"]["list"]] {
        for chat in list.as_array().into_iter().flatten() {
            let messages: Vec<Value> = chat["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| {
                    let kinds: Vec<Value> = m["text_entities"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["type"].clone())
                        .collect();
                    json!([
                        m["id"],
                        m["date_unixtime"],
                        m["type"],
                        kinds,
                        m["media_type"],
                        m["file_size"],
                        m["photo_file_size"]
                    ])
                })
                .collect();
            chats.push(json!([chat["id"], chat["type"], messages]));
        }
    }
    let mut sizes: Vec<u64> = files
        .iter()
        .filter(|(name, _)| {
            !name.ends_with(".html")
                && !name.ends_with(".json")
                && !name.starts_with("css/")
                && !name.starts_with("js/")
                && !name.starts_with("images/")
        })
        .map(|(_, data)| data.len() as u64)
        .collect();
    sizes.sort_unstable();
    (chats, sizes)
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_world_anonymized_keeps_nothing_personal_and_replays() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    let (plain, original) = record(&world, everything(&out, 4)).await;
    let text = anonymized(&plain, 5);
    assert_anonymous(&world, Some(&plain), &text);
    assert_eq!(anonymized(&plain, 5), text, "deterministic");
    assert_ne!(anonymized(&plain, 6), text, "the seed matters");
    let (_tmp2, out2) = out_dir();
    let replayed = replay_export(&text, &world, everything(&out2, 4)).await;
    assert_eq!(shape(&original), shape(&replayed));
    // The names are gone from the export too.
    let result = String::from_utf8(replayed["result.json"].clone()).unwrap();
    for name in ["Lovelace", "Hopper", "Book Club", "Mock News"] {
        assert!(!result.contains(name), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_world_anonymized_keeps_nothing_personal() {
    let world = generate(&GenerateConfig {
        seed: 31,
        dialogs: 6,
        messages: 150,
        files: 12,
        max_file_size: 300 << 10,
        ..Default::default()
    });
    let (_tmp, out) = out_dir();
    let (plain, _) = record(&world, everything(&out, 2)).await;
    let text = anonymized(&plain, 9);
    assert_anonymous(&world, Some(&plain), &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_imported_from_a_transcript_exports_what_its_replay_does() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    let (plain, original) = record(&world, everything(&out, 4)).await;
    // Plain: the import gives back the world's export, byte for byte.
    let copy = imported(&plain);
    assert_eq!(copy.self_id, world.self_id);
    assert_eq!(copy.login.phone, world.login.phone);
    Index::build(std::sync::Arc::new(copy.clone())).expect("a valid world");
    let (_tmp2, out2) = out_dir();
    crate::harness::assert_same_tree(&original, &export_world(&copy, everything(&out2, 1)).await);

    // Anonymized: the imported world's export is the replay's, byte for
    // byte, with other settings than the recording's too.
    let text = anonymized(&plain, 3);
    let copy = imported(&text);
    assert_ne!(copy.login.phone, world.login.phone);
    let (_tmp3, out3) = out_dir();
    let replayed = replay_export(&text, &world, everything(&out3, 2)).await;
    let (_tmp4, out4) = out_dir();
    let served = export_world(&copy, everything(&out4, 8)).await;
    crate::harness::assert_same_tree(&replayed, &served);
    // It saves and loads as a fixture.
    let saved = tempfile::tempdir().unwrap();
    tg_mock_server::fixture::save(&copy, saved.path()).unwrap();
    assert_eq!(tg_mock_server::fixture::load(saved.path()).unwrap(), copy);
}

/// Everything-settings cut down to the chosen sections and media types
/// (at least one chat section); `None` when they are not valid.
fn chosen_settings(
    out: &Path,
    sections: &[bool],
    media: &[bool],
    parallel: usize,
) -> Option<Settings> {
    let mut settings = everything(out, parallel);
    settings.sections = Section::ALL
        .iter()
        .zip(sections)
        .filter(|(_, on)| **on)
        .map(|(s, _)| *s)
        .collect();
    if !settings.sections.iter().any(|s| s.is_chat()) {
        settings.sections.push(Section::PersonalChats);
    }
    settings.full_chats = settings
        .sections
        .iter()
        .copied()
        .filter(|s| s.is_chat())
        .collect();
    settings.media = MediaType::ALL
        .iter()
        .zip(media)
        .filter(|(_, on)| **on)
        .map(|(m, _)| *m)
        .collect();
    settings.clone().validate().ok().map(|_| settings)
}

fn settings_strategy() -> impl Strategy<Value = (Vec<bool>, Vec<bool>, usize)> {
    (
        proptest::collection::vec(any::<bool>(), Section::ALL.len()),
        proptest::collection::vec(any::<bool>(), MediaType::ALL.len()),
        1usize..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(4),
        ..ProptestConfig::default()
    })]

    /// Generated worlds × random settings: record, anonymize, import, and
    /// the import's export shows the same chats, ids, dates and file sizes.
    #[test]
    fn record_anonymize_import_keeps_ids_dates_and_sizes(
        seed in 1u64..1000,
        dialogs in 2usize..6,
        messages in 10usize..80,
        files in 0usize..8,
        (sections, media, parallel) in settings_strategy(),
        anon_seed in any::<u64>(),
    ) {
        let world = generate(&GenerateConfig { seed, dialogs, messages, files, ..Default::default() });
        let (_tmp, out) = out_dir();
        let Some(mut settings) = chosen_settings(&out, &sections, &media, parallel) else {
            return Ok(());
        };
        let (plain, original) = run(record(&world, settings.clone()));
        let copy = imported(&anonymized(&plain, anon_seed));
        let (_tmp2, out2) = out_dir();
        settings.out = out2;
        let served = run(export_world(&copy, settings));
        prop_assert_eq!(shape(&original), shape(&served));
    }
}

/// The methods the export property test (`export.rs`) puts faults on.
const FAULT_METHODS: [&str; 10] = [
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

proptest! {
    #![proptest_config(ProptestConfig {
        cases: crate::harness::cases(4),
        max_shrink_iters: 4,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The generated-world property test of `export.rs` over imported
    /// worlds: a generated world W is recorded, anonymized and imported as
    /// W'; W' exports with random settings through random survivable
    /// faults (flood waits, 5xx, disconnects, FILE_MIGRATE,
    /// FILE_REFERENCE_EXPIRED) at a random `parallel` byte for byte as
    /// without faults.
    #[test]
    fn imported_worlds_export_the_same_through_faults(
        seed in 1u64..1000,
        dialogs in 2usize..7,
        messages in 10usize..150,
        files in 0usize..10,
        range_size in proptest::prop_oneof![Just(0i32), 5i32..60],
        (sections, media, _) in settings_strategy(),
        faults in proptest::collection::vec((0usize..10, 1u32..25, 0usize..5), 0..6),
        parallel in 1usize..=8,
        anon_seed in any::<u64>(),
    ) {
        let world = generate(&GenerateConfig {
            seed,
            dialogs,
            messages,
            files,
            range_size,
            max_file_size: 64 << 10,
            ..Default::default()
        });
        let (_tmp, out) = out_dir();
        let (plain, _) = run(record(&world, everything(&out, 4)));
        let copy = imported(&anonymized(&plain, anon_seed));
        let (_tmp2, clean) = out_dir();
        let Some(settings) = chosen_settings(&clean, &sections, &media, 4) else {
            return Ok(());
        };
        run(async {
            let server = Server::start(copy.clone()).await;
            crate::harness::export(&server, settings.clone(), &options())
                .await
                .0
                .expect("clean export of the imported world");
            let files = tree(&clean);
            let script = FaultScript {
                seed,
                rules: faults
                    .iter()
                    .map(|&(m, n, k)| survivable_fault(&FAULT_METHODS, m, n, k))
                    .collect(),
                ..FaultScript::default()
            };
            server.faults(script.clone());
            let (_tmp3, faulty) = out_dir();
            let mut again = settings.clone();
            again.out = faulty.clone();
            again.parallel = parallel;
            let (result, _) = crate::harness::export(&server, again, &options()).await;
            result.unwrap_or_else(|e| panic!("{e} with {script:?}"));
            crate::harness::assert_same_tree(&files, &tree(&faulty));
        });
    }
}

#[test]
fn bad_transcripts_are_errors_naming_the_line() {
    let header = format!(
        "{{\"format\":\"tg-mock-replay/1\",\"layer\":{}}}\n",
        tl::LAYER
    );
    let ok = "{\"request\":{\"_\":\"help.getNearestDc\"},\"error\":[1,\"X\"]}\n";
    let cases = [
        (format!("{header}{ok}{{bad\n{ok}"), 3),
        (
            "{\"format\":\"tg-mock-replay/1\",\"layer\":12}\n".to_owned(),
            1,
        ),
        (
            format!(
                "{header}{ok}{ok}{{\"request\":{{\"_\":\"phone.bogusConfig\"}},\"error\":[1,\"X\"]}}\n"
            ),
            4,
        ),
        // A response of the wrong type.
        (
            format!(
                "{header}{{\"request\":{{\"_\":\"help.getNearestDc\"}},\"response\":{{\"_\":\"boolTrue\"}}}}\n{ok}"
            ),
            2,
        ),
    ];
    for (text, line) in cases {
        let e = tg_mock_server::anonymize::anonymize(text.as_bytes(), Vec::new(), 1).unwrap_err();
        assert_eq!(e.line(), Some(line), "{e}");
        let e = import(text.as_bytes(), &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains(&format!("line {line}:")), "{e}");
    }
    // Every cut of a transcript anonymizes and imports without a panic.
    let world = small_world();
    let lines: Vec<String> = [
        header.clone(),
        format!(
            "{}\n",
            json!({"request": {"_": "users.getUsers", "id": [{"_": "inputUserSelf"}]},
            "response": world.users.to_json()})
        ),
        ok.to_owned(),
    ]
    .to_vec();
    let text = lines.concat();
    for cut in 0..text.len() {
        let part = &text.as_bytes()[..cut];
        let _ = tg_mock_server::anonymize::anonymize(part, Vec::new(), 1);
        let _ = import(part, &ImportOptions::default());
    }
}

/// The recorded fixture: `mock-server/fixtures/recorded/`.
const RECORDED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mock-server/fixtures/recorded"
);

/// The settings the recorded fixture was recorded with: every section but
/// profile pictures and stories (whose big files ignore the size limit),
/// photos and stickers up to 105 KiB (one photo on the home DC and a few
/// stickers, so that an independent client has files of the imported world
/// to download, while the fixture stays small).
fn recorded_settings(out: &std::path::Path, parallel: usize) -> Settings {
    let mut settings = everything(out, parallel);
    settings.size_limit = 105 << 10;
    settings.media = vec![MediaType::Photo, MediaType::Sticker];
    settings
        .sections
        .retain(|s| !matches!(s, Section::Userpics | Section::Stories));
    settings
}

/// `mock-server/fixtures/recorded/`: the demo world's export recorded,
/// anonymized and imported (`TG_MOCK_REGENERATE=1` records it again). Its
/// replay exports what its world does, byte for byte, at any `parallel`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorded_fixture_replays_and_matches_its_world() {
    let dir = Path::new(RECORDED);
    let transcript = dir.join("export.jsonl");
    let demo = tg_mock_server::demo_world().expect("the demo world");
    if std::env::var("TG_MOCK_REGENERATE").as_deref() == Ok("1") {
        let tmp = tempfile::tempdir().unwrap();
        let plain = tmp.path().join("plain.jsonl");
        let recorder = Recorder::open(&plain, RecordFiles::All).expect("the transcript opens");
        let (_tmp, out) = out_dir();
        let (text, _) = record_into(recorder, &plain, &demo, recorded_settings(&out, 4)).await;
        let anon = anonymized(&text, 2024);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(&transcript, &anon).unwrap();
        let world = import(
            anon.as_bytes(),
            &ImportOptions {
                seed: 2024,
                password: demo.login.password.clone(),
            },
        )
        .expect("imported");
        let world_dir = dir.join("world");
        let _ = std::fs::remove_dir_all(&world_dir);
        tg_mock_server::fixture::save(&world, &world_dir).unwrap();
    }
    let text = std::fs::read_to_string(&transcript).expect("the recorded transcript");
    let world = tg_mock_server::fixture::load(&dir.join("world")).expect("its world");
    assert_eq!(world.login.phone, phone_of(&text));
    assert_anonymous(&demo, None, &text);
    for parallel in [1, 8] {
        let (_tmp, out) = out_dir();
        let replayed = replay_export(&text, &world, recorded_settings(&out, parallel)).await;
        let (_tmp2, out2) = out_dir();
        let served = export_world(&world, recorded_settings(&out2, parallel)).await;
        crate::harness::assert_same_tree(&replayed, &served);
    }
}

/// A real recorded transcript cut after every line, and in the middle of
/// every line: the anonymizer keeps every complete line (a cut last line
/// is dropped) and the importer builds a world or says what is missing,
/// never a panic.
#[test]
fn a_recorded_transcript_cut_at_every_line_anonymizes_and_imports() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    // Files up to 64 KiB: every cut is anonymized whole, so keep it short.
    let mut settings = everything(&out, 2);
    settings.size_limit = 64 << 10;
    let (text, _) = run(record(&world, settings));
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    assert!(starts.len() > 20, "{} lines", starts.len());
    for (k, &at) in starts.iter().enumerate() {
        // After `k` complete lines (the header is line 1).
        let part = &text.as_bytes()[..at];
        match tg_mock_server::anonymize::anonymize(part, Vec::new(), 5) {
            Ok(stats) => {
                assert!(k >= 1, "cut at {at}: no header, yet {stats:?}");
                assert_eq!(stats.exchanges, k as u64 - 1, "cut after line {k}");
                assert_eq!(stats.dropped_line, None, "cut after line {k}");
            }
            Err(e) => assert!(k == 0, "cut after line {k}: {e}"),
        }
        let _ = import(part, &ImportOptions::default());
        // In the middle of the next line: that line is dropped.
        let Some(&next) = starts.get(k + 1) else {
            continue;
        };
        let mid = (at + next) / 2;
        if mid > at && k >= 1 {
            let part = &text.as_bytes()[..mid];
            let stats = tg_mock_server::anonymize::anonymize(part, Vec::new(), 5)
                .unwrap_or_else(|e| panic!("cut inside line {}: {e}", k + 1));
            assert_eq!(stats.exchanges, k as u64 - 1, "cut inside line {}", k + 1);
            assert_eq!(stats.dropped_line, Some(k + 1));
            let _ = import(part, &ImportOptions::default());
        }
    }
    // The whole transcript imports.
    import(text.as_bytes(), &ImportOptions::default()).expect("the whole transcript imports");
}
