//! Logging in against the mock server: code, 2FA, every transport, the
//! session file, migration to the account's DC, other DCs.

use std::time::Duration;

use tg_mock_server::net::{FaultOutcome, FaultRule, FaultScript, ListenConfig};
use tg_mock_server::{Running, World};
use tg_takeout::client::{LoginError, SignIn};
use tg_takeout::dc::Network;
use tg_takeout::transport::{Obfuscation, TransportConfig, TransportKind};
use tg_takeout::{AppInfo, Client, ClientConfig};
use tl::{enums, functions, types};

use crate::util::{TIMEOUT, small_world};

async fn serve(world: World) -> Running {
    tg_mock_server::start(world, ListenConfig::default(), None)
        .await
        .expect("mock server starts")
}

/// A client of the mock server's DC 2 (where a fresh client starts).
fn client_config(
    server: &Running,
    transport: TransportConfig,
    session: Option<std::path::PathBuf>,
) -> ClientConfig {
    let mut config = ClientConfig::new(
        Network::Custom(server.address(2).unwrap()),
        AppInfo::new(12345, "0123456789abcdef"),
    );
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.transport = transport;
    config.session_path = session;
    config.connect_timeout = TIMEOUT;
    config
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .expect("finished within the timeout")
}

/// The whole login: code, then the 2FA password, then a call that needs
/// the account.
async fn full_login(client: &Client, world: &World) {
    let token = within(client.send_code(&world.login.phone))
        .await
        .expect("code sent");
    match within(client.sign_in(&token, &world.login.code))
        .await
        .expect("code accepted")
    {
        SignIn::PasswordNeeded(p) => {
            assert_eq!(p.hint.as_deref(), world.login.hint.as_deref());
            let password = world
                .login
                .password
                .as_deref()
                .expect("the fixture has 2FA");
            let user = within(client.check_password(password))
                .await
                .expect("password accepted");
            assert_eq!(user.id, world.self_id);
        }
        SignIn::Done(user) => {
            assert!(world.login.password.is_none());
            assert_eq!(user.id, world.self_id);
        }
    }
    let users = within(client.invoke(&functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }))
    .await
    .unwrap();
    assert!(matches!(&users[0], enums::User::User(u) if u.id == world.self_id && u.is_self));
}

#[tokio::test]
async fn login_with_code_and_2fa_over_every_transport() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let transports = [
        TransportConfig::new(TransportKind::Abridged),
        TransportConfig::new(TransportKind::Intermediate),
        TransportConfig::new(TransportKind::PaddedIntermediate),
        TransportConfig::new(TransportKind::Full),
        TransportConfig {
            obfuscation: Obfuscation::Obfuscated2,
            ..TransportConfig::new(TransportKind::Intermediate)
        },
    ];
    for transport in transports {
        let client = Client::new(client_config(&server, transport, None)).unwrap();
        full_login(&client, &world).await;
        assert!(client.is_authorized());
        client.disconnect().await;
    }
}

#[tokio::test]
async fn login_with_code_only() {
    let mut world = small_world();
    world.login.password = None;
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    full_login(&client, &world).await;
}

#[tokio::test]
async fn wrong_code_and_wrong_password_are_clear_errors() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    let token = within(client.send_code(&world.login.phone)).await.unwrap();
    let err = within(client.sign_in(&token, "00000")).await.unwrap_err();
    assert!(matches!(err, LoginError::InvalidCode), "{err}");
    assert_eq!(
        err.to_string(),
        "the login code is wrong; check it and try again"
    );
    let SignIn::PasswordNeeded(_) = within(client.sign_in(&token, &world.login.code))
        .await
        .unwrap()
    else {
        panic!("the fixture has 2FA")
    };
    let err = within(client.check_password("not the password"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::InvalidPassword), "{err}");
    let err = within(client.send_code("+1 555 0000")).await.unwrap_err();
    assert!(matches!(err, LoginError::InvalidPhone(_)), "{err}");
    assert!(!client.is_authorized());
}

#[tokio::test]
async fn the_session_file_is_private_and_logs_in_next_time() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    let client = Client::new(client_config(
        &server,
        TransportConfig::default(),
        Some(path.clone()),
    ))
    .unwrap();
    full_login(&client, &world).await;
    client.disconnect().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&world.login.code) && !text.contains("hunter2"),
        "no secrets but keys"
    );

    let again = Client::new(client_config(
        &server,
        TransportConfig::default(),
        Some(path),
    ))
    .unwrap();
    assert!(again.is_authorized());
    let full = within(again.invoke(&functions::users::GetFullUser {
        id: enums::InputUser::InputUserSelf,
    }))
    .await
    .unwrap();
    let enums::users::UserFull::UserFull(full) = full;
    assert!(!full.users.is_empty());
}

#[tokio::test]
async fn phone_migrate_moves_to_the_accounts_dc_and_other_dcs_import_the_login() {
    let mut world = small_world();
    world.home_dc = 4;
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    full_login(&client, &world).await;
    assert_eq!(client.home_dc(), 4);
    // DC 1: the authorization is exported from DC 4 and imported there.
    let users = within(client.invoke_in_dc(
        1,
        &functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        },
    ))
    .await
    .unwrap();
    assert_eq!(users.len(), 1);
    assert!(client.session().dcs.get(&1).is_some_and(|d| d.authorized));
}

#[tokio::test]
async fn flood_waits_are_waited_out_and_reported() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    let mut events = client.events();
    full_login(&client, &world).await;
    let rule = FaultRule {
        method: "users.getFullUser".into(),
        nth: Some(1),
        outcome: Some(FaultOutcome::Error(420, "FLOOD_WAIT_1".into())),
        ..Default::default()
    };
    server
        .api
        .set_script(FaultScript {
            seed: 1,
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
    let started = std::time::Instant::now();
    within(client.invoke(&functions::users::GetFullUser {
        id: enums::InputUser::InputUserSelf,
    }))
    .await
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the wait was honoured"
    );
    let event = events.try_recv().expect("a retry event");
    assert!(
        format!("{event:?}").contains("FloodWait { seconds: 1 }"),
        "{event:?}"
    );
    let _ = types::Config::default();
}

#[tokio::test]
async fn a_dropped_connection_mid_request_is_resent() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    full_login(&client, &world).await;
    let rule = FaultRule {
        method: "users.getFullUser".into(),
        nth: Some(1),
        outcome: Some(FaultOutcome::Disconnect),
        ..Default::default()
    };
    server
        .api
        .set_script(FaultScript {
            seed: 1,
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
    within(client.invoke(&functions::users::GetFullUser {
        id: enums::InputUser::InputUserSelf,
    }))
    .await
    .unwrap();
    let stats = server.api.inner().dispatcher().stats();
    assert_eq!(
        stats.calls("users.getFullUser"),
        1,
        "the dropped call never reached the API; the resend did"
    );
}

#[tokio::test]
async fn qr_login_shows_a_token_then_logs_in_with_2fa() {
    let world = small_world();
    let server = serve(world.clone()).await;
    let client = Client::new(client_config(&server, TransportConfig::default(), None)).unwrap();
    let tg_takeout::client::QrLogin::Show { url, expires } =
        within(client.qr_login()).await.unwrap()
    else {
        panic!("the first poll shows a code")
    };
    assert!(
        url.starts_with("tg://login?token=") && url.len() > 20,
        "{url}"
    );
    assert!(expires > 0);
    // The mock "scans" it on the next poll; the fixture has 2FA.
    let tg_takeout::client::QrLogin::PasswordNeeded(_) = within(client.qr_login()).await.unwrap()
    else {
        panic!("2FA is needed after the scan")
    };
    let user = within(client.check_password(world.login.password.as_deref().unwrap()))
        .await
        .unwrap();
    assert_eq!(user.id, world.self_id);
    assert!(client.is_authorized());
}
