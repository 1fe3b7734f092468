//! The committed fixtures load, round-trip, and (for `demo/`) are exactly
//! what the generator produces. Regenerate `demo/` with
//! `TG_MOCK_REGENERATE=1 cargo test -p tg-mock-server --test fixtures`
//! (which also rewrites `small/` in the canonical layout).

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
