//! The committed fixtures load, round-trip, and (for `demo/`) are exactly
//! what the generator produces. Regenerate `demo/` with
//! `TG_MOCK_REGENERATE=1 cargo test -p tg-mock-server --test fixtures`
//! (which also rewrites `small/` in the canonical layout).
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use tg_mock_server::{GenerateConfig, fixture, generate};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The configuration `fixtures/demo` is generated from.
fn demo_config() -> GenerateConfig {
    GenerateConfig {
        seed: 20_240_229,
        ..GenerateConfig::default()
    }
}

#[test]
fn demo_fixture_is_the_generator_output() {
    let world = generate(&demo_config());
    if std::env::var_os("TG_MOCK_REGENERATE").is_some() {
        fixture::save(&world, &dir("demo")).unwrap();
    }
    let committed = std::fs::read_to_string(dir("demo").join(fixture::WORLD_FILE)).unwrap();
    assert!(
        committed == world.to_json_string(),
        "fixtures/demo is stale: regenerate it (see the module docs)"
    );
    assert_eq!(fixture::load(&dir("demo")).unwrap(), world);
}

#[test]
fn small_fixture_is_canonical() {
    // Hand edits are welcome; `TG_MOCK_REGENERATE=1` rewrites the file in
    // the canonical layout (one array item per line).
    let world = fixture::load(&dir("small")).unwrap_or_else(|e| panic!("{e}"));
    if std::env::var_os("TG_MOCK_REGENERATE").is_some() {
        fixture::save(&world, &dir("small")).unwrap();
    }
    let committed = std::fs::read_to_string(dir("small").join(fixture::WORLD_FILE)).unwrap();
    assert!(
        committed == world.to_json_string(),
        "fixtures/small is not in canonical form"
    );
    assert!(world.login.password.is_some());
    assert_eq!(world.split_ranges.len(), 2);
    assert!(!world.blobs.is_empty());
}

#[test]
fn committed_fixtures_round_trip_and_stay_small() {
    for name in ["small", "demo"] {
        let world = fixture::load(&dir(name)).unwrap_or_else(|e| panic!("{e}"));
        let out = tempfile::tempdir().unwrap();
        fixture::save(&world, out.path()).unwrap();
        let again = fixture::load(out.path()).unwrap();
        assert_eq!(again, world, "{name}");
        let saved = std::fs::read_to_string(out.path().join(fixture::WORLD_FILE)).unwrap();
        assert_eq!(
            saved,
            again.to_json_string(),
            "{name}: saving is deterministic"
        );
        for entry in std::fs::read_dir(dir(name)).unwrap() {
            let entry = entry.unwrap();
            let len = entry.metadata().unwrap().len();
            assert!(len < 1 << 20, "{} is {len} bytes", entry.path().display());
        }
        // Every fixture must also be servable.
        common::dispatcher(world, 100);
    }
}

/// Every picture of `world` (photo sizes, thumbnails, stickers and other
/// image documents, profile pictures of users and chats) decodes with the
/// `image` crate at its announced size; the number of pictures.
fn pictures_decode(world: &tg_mock_server::World, name: &str) -> usize {
    use tg_mock_server::blobs::{Content, FileStore, read_content};
    use tl::enums;
    let store = FileStore::build(world).unwrap();
    let mut checked = 0;
    let mut check = |what: String, content: &Content, size: u64| {
        let bytes = read_content(world, content, size, 0, usize::MAX);
        assert_eq!(bytes.len() as u64, size, "{name}: {what}");
        if let Err(e) = image::load_from_memory(&bytes) {
            panic!("{name}: {what} ({size} bytes) does not decode: {e}");
        }
        checked += 1;
    };
    for (key, entry) in store.iter() {
        let image = entry.is_photo || matches!(entry.content, Content::Picture(_));
        if image {
            check(format!("{key:?}"), &entry.content, entry.size);
        }
    }
    let mut photo_ids: Vec<i64> = Vec::new();
    for u in &world.users {
        if let enums::User::User(u) = u
            && let Some(enums::UserProfilePhoto::UserProfilePhoto(p)) = &u.photo
        {
            photo_ids.push(p.photo_id);
        }
    }
    for c in &world.chats {
        let photo = match c {
            enums::Chat::Chat(c) => &c.photo,
            enums::Chat::Channel(c) => &c.photo,
            _ => continue,
        };
        if let enums::ChatPhoto::ChatPhoto(p) = photo {
            photo_ids.push(p.photo_id);
        }
    }
    for id in photo_ids {
        for big in [false, true] {
            let (_, size, content) = store.peer_photo(id, big).unwrap();
            check(format!("peer photo {id} big={big}"), &content, size);
        }
    }
    checked
}

#[test]
fn every_picture_of_the_bundled_and_generated_worlds_decodes() {
    let demo = fixture::load(&dir("demo")).unwrap();
    assert!(pictures_decode(&demo, "demo") > 40);
    let small = fixture::load(&dir("small")).unwrap();
    assert!(pictures_decode(&small, "small") > 5);
    let generated = generate(&GenerateConfig {
        seed: 99,
        messages: 300,
        dialogs: 6,
        files: 30,
        ..GenerateConfig::default()
    });
    assert!(pictures_decode(&generated, "generated") > 30);
}
