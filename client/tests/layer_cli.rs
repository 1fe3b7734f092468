// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A server of another API layer, met through the real binary at login:
//! the message names both layers and the run exits 1 (README "Exit
//! codes"), before any code is asked for.

mod common;
use common::{run, text};

use std::path::Path;
use std::process::Command;

use tg_mock_server::net::ListenConfig;
use tg_mock_server::{World, fixture};

fn small() -> World {
    fixture::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mock-server/fixtures/small"
    )))
    .unwrap()
}

#[test]
fn a_server_of_another_layer_is_named_at_login() {
    let mut world = small();
    let theirs = tl::LAYER - 30;
    world.server.layer = Some(theirs);
    let phone = world.login.phone.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(tg_mock_server::start(world, ListenConfig::default(), None))
        .unwrap();
    let key = common::server_key();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tg-takeout"));
    cmd.arg("login")
        .arg("--server")
        .arg(server.address(2).unwrap().to_string())
        .arg("--rsa-key")
        .arg(key.path())
        .arg("--session")
        .arg(dir.path().join("s.json"));
    let out = run(cmd, &format!("{phone}\n"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("API layer {}", tl::LAYER)),
        "our layer named: {err}"
    );
    assert!(
        err.contains(&format!("serves layer {theirs}")),
        "the server's layer named: {err}"
    );
    assert!(!err.contains("Code sent"), "no code asked for: {err}");
    eprintln!("{err}");
    runtime.block_on(server.shutdown());
}
