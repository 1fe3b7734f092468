//! Recorded transcripts made anonymous and turned into worlds (issue 13):
//! an export of a world is taped on the server side in the JSON-Lines
//! transcript form, anonymized (`tg_mock_server::anonymize`), and imported
//! back into a world (`tg_mock_server::import`).
//!
//! - Nothing personal of the world (names, usernames, phones, texts, file
//!   names, any 16-byte run of any file) is left in the anonymized
//!   transcript.
//! - The world imported from the plain transcript exports byte for byte
//!   what the world did; the world imported from the anonymized transcript
//!   exports the same chats, message ids, dates, entity kinds and file
//!   sizes (also over generated worlds and random settings).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::{Value, json};
use tg_mock_server::blobs::FileStore;
use tg_mock_server::dispatch::{AuthState, Peeled, peel};
use tg_mock_server::import::{ImportOptions, import};
use tg_mock_server::net::{Bound, ConnFaults, Faulty, Handler, ListenConfig, Reply, Request};
use tg_mock_server::world::Index;
use tg_mock_server::{Api, GenerateConfig, World, generate};
use tg_takeout::takeout::{MediaType, Section, Settings};
use tl::json::ToJson;
use tl::{Deserializable, Identifiable, RemoteCall};

use crate::harness::{everything, export_client as export, login, options, out_dir, tree};
use crate::util::small_world;

/// The JSON of a call and of its answer, for the methods replay knows.
macro_rules! taped {
    ($($ty:ty),* $(,)?) => {
        fn call_json(id: u32, query: &[u8], reply: Option<&[u8]>) -> Option<(Value, Option<Value>)> {
            use tl::functions::*;
            $(
                if id == <$ty as Identifiable>::CONSTRUCTOR_ID {
                    let call = <$ty>::from_bytes(query).ok()?;
                    let answer = match reply {
                        Some(bytes) => Some(
                            <<$ty as RemoteCall>::Return as Deserializable>::from_bytes(bytes)
                                .ok()?
                                .to_json(),
                        ),
                        None => None,
                    };
                    return Some((call.to_json(), answer));
                }
            )*
            None
        }
    };
}

taped!(
    help::GetConfig,
    help::GetNearestDc,
    auth::SendCode,
    auth::SignIn,
    auth::CheckPassword,
    auth::LogOut,
    auth::ExportAuthorization,
    auth::ImportAuthorization,
    account::GetPassword,
    account::InitTakeoutSession,
    account::FinishTakeoutSession,
    account::GetAuthorizations,
    account::GetWebAuthorizations,
    users::GetUsers,
    users::GetFullUser,
    updates::GetState,
    messages::GetSplitRanges,
    messages::GetDialogs,
    messages::GetPeerDialogs,
    messages::GetHistory,
    messages::Search,
    messages::GetMessages,
    messages::GetFullChat,
    messages::GetCustomEmojiDocuments,
    channels::GetMessages,
    channels::GetLeftChannels,
    channels::GetFullChannel,
    contacts::GetContacts,
    contacts::GetSaved,
    contacts::GetTopPeers,
    photos::GetUserPhotos,
    stories::GetStoriesArchive,
    stories::GetStoriesById,
    upload::GetFile,
);

/// The exchange of one answered call (`None` for scripted faults).
fn exchange(p: &Peeled, reply: &Reply, dc: i32) -> Option<Value> {
    let (request, response) = match reply {
        Reply::Result(bytes) => call_json(p.method_id, &p.query, Some(bytes))?,
        Reply::Error { .. } => call_json(p.method_id, &p.query, None)?,
        _ => return None,
    };
    let mut ex = json!({
        "request": request,
        "takeout": p.takeout.map_or(Value::Bool(false), Value::from),
        "range": p.range.map_or(Value::Bool(false), |(min_id, max_id)| json!({"min_id": min_id, "max_id": max_id})),
        "dc": dc,
    });
    match (response, reply) {
        (Some(r), _) => ex["response"] = r,
        (None, Reply::Error { code, message }) => ex["error"] = json!([code, message]),
        _ => return None,
    }
    if p.method == "auth.checkPassword" {
        // SRP's A and M1 differ on every run.
        ex["ignore"] = json!(["password"]);
    }
    Some(ex)
}

/// The world's API, taping every answered call.
struct Tape {
    api: Arc<Faulty<Api>>,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl Handler for Tape {
    type KeyState = AuthState;

    fn handle(&self, request: Request<'_>, state: &mut AuthState) -> Reply {
        let body = request.body.to_vec();
        let dc = request.dc_id;
        let reply = self.api.handle(request, state);
        if let Ok(p) = peel(&body)
            && let Some(ex) = exchange(&p, &reply, dc)
        {
            self.lines.lock().unwrap().push(ex);
        }
        reply
    }

    fn connection_faults(&self) -> ConnFaults {
        self.api.connection_faults()
    }
}

/// The taped exchanges as a transcript: the same call with the same
/// answer twice is one exchange with `repeat`.
fn transcript(exchanges: &[Value]) -> String {
    let mut out = format!(
        "{}\n",
        json!({"format": "tg-mock-replay/1", "layer": tl::LAYER, "recorded_by": "e2e tape"})
    );
    let mut kept: Vec<Value> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for ex in exchanges {
        let mut key = ex.clone();
        key.as_object_mut().unwrap().remove("dc");
        let key = key.to_string();
        match seen.get(&key) {
            Some(&i) => kept[i]["repeat"] = Value::Bool(true),
            None => {
                seen.insert(key, kept.len());
                kept.push(ex.clone());
            }
        }
    }
    for ex in kept {
        out.push_str(&ex.to_string());
        out.push('\n');
    }
    out
}

/// Exports `world` with `settings` (the output in `out`), taping the
/// session; the transcript's text.
async fn record(world: &World, settings: Settings) -> String {
    let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
    let dc_options = tg_mock_server::server::dc_options(&bound);
    let api = Arc::new(Faulty::new(
        Api::new(world.clone(), dc_options).expect("world"),
    ));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let net = bound.serve(Arc::new(Tape {
        api,
        lines: lines.clone(),
    }));
    let client = login(&net, world).await;
    let (result, _) = export(&client, settings, &options()).await;
    result.expect("the recorded export succeeds");
    client.disconnect().await;
    net.shutdown().await;
    let lines = lines.lock().unwrap();
    transcript(&lines)
}

/// Exports `world` with `settings` (no tape).
async fn export_world(world: &World, settings: Settings) {
    let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
    let dc_options = tg_mock_server::server::dc_options(&bound);
    let api = Arc::new(Faulty::new(
        Api::new(world.clone(), dc_options).expect("world"),
    ));
    let net = bound.serve(api);
    let client = login(&net, world).await;
    let (result, _) = export(&client, settings, &options()).await;
    result.expect("the export succeeds");
    client.disconnect().await;
    net.shutdown().await;
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
    for line in text.lines() {
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
/// `plain` is the transcript before anonymization, where the same search
/// must find them (so the check can fail).
fn assert_anonymous(world: &World, plain: &str, text: &str) {
    let (joined, binary) = split_values(text);
    let (plain_joined, _) = split_values(plain);
    let tokens: HashSet<&str> = joined
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    let personal = personal_strings(world);
    let mut found_in_plain = 0;
    for (s, key) in &personal {
        if plain_joined.contains(s.as_str()) {
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
                assert!(
                    back + ahead < 16,
                    "a {}-byte run of a file of the world is in the anonymized transcript",
                    back + ahead
                );
            }
        }
    }
}

/// What an export shows, structurally: per chat its id, type and messages
/// (id, date, entity kinds, media kind), and the sizes of the files.
fn shape(root: &Path) -> (Vec<Value>, Vec<u64>) {
    let files = tree(root);
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
async fn the_small_world_anonymized_keeps_nothing_personal() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    let plain = record(&world, everything(&out, 4)).await;
    let text = anonymized(&plain, 5);
    assert_anonymous(&world, &plain, &text);
    assert_eq!(anonymized(&plain, 5), text, "deterministic");
    assert_ne!(anonymized(&plain, 6), text, "the seed matters");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_world_anonymized_keeps_nothing_personal() {
    let world = generate(&GenerateConfig {
        seed: 31,
        dialogs: 6,
        messages: 150,
        files: 12,
        ..Default::default()
    });
    let (_tmp, out) = out_dir();
    let plain = record(&world, everything(&out, 2)).await;
    let text = anonymized(&plain, 9);
    assert_anonymous(&world, &plain, &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_imported_from_a_transcript_exports_the_same_bytes() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    let plain = record(&world, everything(&out, 4)).await;
    let original = tree(&out);
    let copy = imported(&plain);
    assert_eq!(copy.self_id, world.self_id);
    assert_eq!(copy.login.phone, world.login.phone);
    Index::build(Arc::new(copy.clone())).expect("a valid world");
    let (_tmp2, out2) = out_dir();
    export_world(&copy, everything(&out2, 1)).await;
    crate::harness::assert_same_tree(&original, &tree(&out2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_imported_from_an_anonymized_transcript_keeps_the_shape() {
    let world = small_world();
    let (_tmp, out) = out_dir();
    let plain = record(&world, everything(&out, 4)).await;
    let copy = imported(&anonymized(&plain, 3));
    assert_ne!(copy.login.phone, world.login.phone);
    let (_tmp2, out2) = out_dir();
    export_world(&copy, everything(&out2, 8)).await;
    assert_eq!(shape(&out), shape(&out2));
    // The anonymized world's export: another fixture with nothing personal.
    let saved = tempfile::tempdir().unwrap();
    tg_mock_server::fixture::save(&copy, saved.path()).unwrap();
    assert_eq!(tg_mock_server::fixture::load(saved.path()).unwrap(), copy);
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
        let mut settings = everything(&out, parallel);
        settings.sections = Section::ALL.iter().zip(&sections).filter(|(_, on)| **on).map(|(s, _)| *s).collect();
        if !settings.sections.iter().any(|s| s.is_chat()) {
            settings.sections.push(Section::PersonalChats);
        }
        settings.full_chats = settings.sections.iter().copied().filter(|s| s.is_chat()).collect();
        settings.media = MediaType::ALL.iter().zip(&media).filter(|(_, on)| **on).map(|(m, _)| *m).collect();
        if settings.clone().validate().is_err() {
            return Ok(());
        }
        let plain = run(record(&world, settings.clone()));
        let copy = imported(&anonymized(&plain, anon_seed));
        let (_tmp2, out2) = out_dir();
        settings.out = out2.clone();
        run(export_world(&copy, settings));
        prop_assert_eq!(shape(&out), shape(&out2));
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
                "{header}{ok}{ok}{{\"request\":{{\"_\":\"phone.getCallConfig\"}},\"error\":[1,\"X\"]}}\n"
            ),
            4,
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
