//! `tg-takeout demo`: the bundled demo world on an in-process mock server,
//! logged in and exported in full. Only built with the `demo` feature (on by
//! default): the one place where the binary uses `tg-mock-server`.

use anyhow::Context as _;

use super::args::DemoArgs;
use super::config::time_zone;
use super::exit::{CliError, usage};
use super::export::{run, summary};
use super::progress::Mode;
use tg_takeout::auth::{KeySet, test_server_key};
use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::takeout::{MediaType, Section, Settings};
use tg_takeout::{AppInfo, Client, ClientConfig};

/// `tg-takeout demo`: the bundled demo world on an in-process mock server,
/// logged in, exported in full.
pub async fn demo(args: &DemoArgs) -> Result<(), CliError> {
    let world = tg_mock_server::demo_world().context("loading the bundled demo world")?;
    let server = tg_mock_server::start(
        world.clone(),
        tg_mock_server::net::ListenConfig::default(),
        None,
    )
    .await
    .context("starting the mock server on loopback")?;
    let addr = server.address(2).context("the mock server has no DC 2")?;
    let session_dir = tempfile::tempdir().context("creating a temporary session")?;
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(1, "demo"));
    config.keys = KeySet::empty().with(test_server_key().public_key().clone());
    config.session_path = Some(session_dir.path().join("session.json"));
    let client = Client::new(config).context("creating the client")?;

    eprintln!(
        "Mock Telegram server on {addr}; logging in as {} ...",
        world.login.phone
    );
    let token = client
        .send_code(&world.login.phone)
        .await
        .context("demo login: sending the code")?;
    if let SignIn::PasswordNeeded(_) = client
        .sign_in(&token, &world.login.code)
        .await
        .context("demo login: the code")?
    {
        let pw = world.login.password.clone().unwrap_or_default();
        client
            .check_password(&pw)
            .await
            .context("demo login: the 2FA password")?;
    }

    let s = Settings {
        sections: Section::ALL.to_vec(),
        full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
        media: MediaType::ALL.to_vec(),
        size_limit: 64 * 1024 * 1024,
        format: args.format,
        out: args.out.clone(),
        ..Settings::default()
    };
    let plan = s.validate().map_err(|e| usage(e.to_string()))?;
    let tz = time_zone(Some(&args.time_zone))?;
    let report = run(&client, &plan, tz, false, Mode::choose(args.progress)).await;
    server.shutdown().await;
    summary(&report?, plan.settings.format)
}
