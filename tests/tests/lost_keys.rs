//! Keys the server forgot, transport errors, quick acks and rpc error
//! classes, through the client library against the mock's fault scripts.

use std::time::{Duration, Instant};

use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript, ListenConfig};
use tg_mock_server::{Running, World};
use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::transport::{Obfuscation, TransportConfig, TransportKind};
use tg_takeout::{AppInfo, Client, ClientConfig};
use tl::{enums, functions};

use crate::util::{TIMEOUT, small_world};

async fn serve(world: World) -> Running {
    tg_mock_server::start(world, ListenConfig::default(), None)
        .await
        .expect("mock server starts")
}

fn client(server: &Running, transport: TransportConfig) -> Client {
    let mut config = ClientConfig::new(
        Network::Custom(server.address(2).unwrap()),
        AppInfo::new(12345, "0123456789abcdef"),
    );
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.transport = transport;
    config.connect_timeout = TIMEOUT;
    Client::new(config).unwrap()
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .expect("finished within the timeout")
}

async fn login(client: &Client, world: &World) {
    let token = within(client.send_code(&world.login.phone)).await.unwrap();
    match within(client.sign_in(&token, &world.login.code))
        .await
        .unwrap()
    {
        SignIn::PasswordNeeded(_) => {
            let pw = world.login.password.as_deref().unwrap();
            within(client.check_password(pw)).await.unwrap();
        }
        SignIn::Done(_) => {}
    }
}

fn script(rules: Vec<FaultRule>) -> FaultScript {
    FaultScript {
        rules,
        ..Default::default()
    }
}

fn rule(method: &str, nth: u32, outcome: FaultOutcome) -> FaultRule {
    FaultRule {
        method: method.into(),
        nth: Some(nth),
        outcome: Some(outcome),
        ..Default::default()
    }
}

fn get_users() -> functions::users::GetUsers {
    functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }
}

#[tokio::test]
async fn a_file_dc_that_forgot_the_key_gets_a_new_one_and_the_login_again_once() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = client(&server, TransportConfig::default());
    login(&client, &world).await;
    within(client.invoke_in_dc(1, &get_users())).await.unwrap();
    let old = client.session().dcs[&1].auth_key.0;
    let stats = || server.api.inner().dispatcher().stats();
    assert_eq!(stats().calls("auth.importAuthorization"), 1);

    server
        .api
        .set_script(script(vec![rule(
            "users.getUsers",
            1,
            FaultOutcome::ForgetKey,
        )]))
        .unwrap();
    within(client.invoke_in_dc(1, &get_users())).await.unwrap();
    let dc1 = &client.session().dcs[&1];
    assert_ne!(dc1.auth_key.0, old, "a new key");
    assert!(dc1.authorized);
    assert_eq!(stats().calls("auth.importAuthorization"), 2);

    // Forgotten twice in a row: the second time is the caller's error.
    server
        .api
        .set_script(script(vec![
            rule("users.getUsers", 1, FaultOutcome::ForgetKey),
            rule("users.getUsers", 2, FaultOutcome::ForgetKey),
        ]))
        .unwrap();
    let err = within(client.invoke_in_dc(1, &get_users()))
        .await
        .unwrap_err();
    assert!(tg_takeout::invoke::key_forgotten(&err), "{err}");
    assert!(client.is_authorized(), "the home DC still knows the login");
}

#[tokio::test]
async fn transport_errors_are_retried_after_a_pause() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = client(&server, TransportConfig::default());
    login(&client, &world).await;
    for code in [-429, -444, -500] {
        server
            .api
            .set_script(script(vec![rule(
                "users.getUsers",
                1,
                FaultOutcome::TransportError(code),
            )]))
            .unwrap();
        let started = Instant::now();
        within(client.invoke(&get_users())).await.unwrap();
        if code == -429 {
            assert!(started.elapsed() >= Duration::from_secs(1), "backed off");
        }
    }
}

#[tokio::test]
async fn rpc_errors_are_classified() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = client(&server, TransportConfig::default());
    login(&client, &world).await;
    let error = |code, m: &str| FaultOutcome::Error(code, m.into());
    for (code, message) in [
        (-503, "Timeout"),
        (-500, "NO_WORKERS_RUNNING"),
        (500, "INTERNAL"),
        (400, "MSG_WAIT_FAILED"),
    ] {
        server
            .api
            .set_script(script(vec![rule(
                "users.getUsers",
                1,
                error(code, message),
            )]))
            .unwrap();
        within(client.invoke(&get_users()))
            .await
            .unwrap_or_else(|e| panic!("{message} is retried: {e}"));
    }
    for (code, message, want) in [
        (
            406,
            "AUTH_KEY_DUPLICATED",
            tg_takeout::invoke::Trouble::Relogin,
        ),
        (401, "SESSION_REVOKED", tg_takeout::invoke::Trouble::Relogin),
        (
            401,
            "USER_DEACTIVATED",
            tg_takeout::invoke::Trouble::Deactivated,
        ),
    ] {
        server
            .api
            .set_script(script(vec![rule(
                "users.getUsers",
                1,
                error(code, message),
            )]))
            .unwrap();
        let err = within(client.invoke(&get_users())).await.unwrap_err();
        assert_eq!(tg_takeout::invoke::trouble(&err), want, "{err}");
    }
}

#[tokio::test]
async fn unrequested_quick_acks_are_skipped_on_every_transport() {
    let world = small_world();
    let server = serve(world.clone()).await;
    server
        .api
        .set_script(script(vec![FaultRule {
            method: "*".into(),
            outcome: Some(FaultOutcome::QuickAck),
            ..Default::default()
        }]))
        .unwrap();
    let transports = [
        TransportConfig::new(TransportKind::Abridged),
        TransportConfig::new(TransportKind::Intermediate),
        TransportConfig::new(TransportKind::PaddedIntermediate),
        TransportConfig::new(TransportKind::Full),
        TransportConfig {
            obfuscation: Obfuscation::Obfuscated2,
            ..TransportConfig::new(TransportKind::Abridged)
        },
    ];
    for transport in transports {
        let client = client(&server, transport.clone());
        login(&client, &world).await;
        within(client.invoke(&get_users()))
            .await
            .unwrap_or_else(|e| panic!("{transport:?}: {e}"));
        client.disconnect().await;
    }
    let faults = server.api.inner().dispatcher().stats();
    assert!(faults.calls("users.getUsers") >= 5);
}
