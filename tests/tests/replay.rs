//! Replay of a recorded transcript to the real client over MTProto: the
//! bundled example transcript answers a short session, and a request the
//! transcript does not hold is a clear error naming it.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use tg_mock_server::net::ListenConfig;
use tg_mock_server::replay::{self, Replay, ReplayServer};
use tg_takeout::dc::Network;
use tg_takeout::rpc::InvocationError;
use tg_takeout::{AppInfo, Client, ClientConfig};
use tl::{enums, functions, types};

/// Every bound on waiting in these tests.
const TIMEOUT: Duration = Duration::from_secs(20);

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mock-server/fixtures/replay/example.json"
);

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .expect("finished within the timeout")
}

async fn serve(transcript: Replay) -> ReplayServer {
    let listen = ListenConfig {
        dcs: vec![(2, 0)],
        ..Default::default()
    };
    within(replay::start(transcript, listen, None))
        .await
        .expect("the replay server starts")
}

fn client(server: &ReplayServer) -> Client {
    let addr = server.address(2).expect("DC 2");
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(12345, "0123abcd"));
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connect_timeout = TIMEOUT;
    Client::new(config).expect("a client")
}

fn rpc_name(e: &InvocationError) -> String {
    e.rpc()
        .map(|r| format!("{} {}", r.code, r.message()))
        .unwrap_or_else(|| format!("not an rpc error: {e}"))
}

#[tokio::test]
async fn the_example_transcript_answers_the_real_client() {
    let transcript = Replay::load(Path::new(EXAMPLE)).expect("the example loads");
    assert_eq!(transcript.len(), 8);
    let server = serve(transcript).await;
    let client = client(&server);

    // help.getConfig repeats, and names the replay server, not Telegram.
    for _ in 0..2 {
        let enums::Config::Config(config) = within(client.invoke(&functions::help::GetConfig {}))
            .await
            .expect("config");
        assert_eq!(config.this_dc, 2);
        let addr = server.address(2).unwrap();
        assert_eq!(
            config.dc_options,
            vec![enums::DcOption::DcOption(types::DcOption {
                id: 2,
                ip_address: addr.ip().to_string(),
                port: addr.port().into(),
                ..Default::default()
            })]
        );
        assert_eq!(config.dc_txt_domain_name, "mock.invalid", "recorded value");
    }
    let enums::NearestDc::NearestDc(nearest) =
        within(client.invoke(&functions::help::GetNearestDc {}))
            .await
            .expect("nearest DC");
    assert_eq!((nearest.country.as_str(), nearest.nearest_dc), ("ZZ", 2));

    let users = within(client.invoke(&functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }))
    .await
    .expect("users");
    assert!(matches!(&users[..], [enums::User::User(u)] if u.is_self));

    let enums::account::Takeout::Takeout(takeout) =
        within(client.invoke(&functions::account::InitTakeoutSession {
            contacts: true,
            message_users: true,
            message_chats: true,
            ..Default::default()
        }))
        .await
        .expect("takeout");
    assert_eq!(takeout.id, 4242);

    let ranges = within(client.invoke(&functions::InvokeWithTakeout {
        takeout_id: takeout.id,
        query: functions::messages::GetSplitRanges {},
    }))
    .await
    .expect("split ranges");
    assert_eq!(ranges.len(), 3);

    let history = functions::messages::GetHistory {
        peer: enums::InputPeer::InputPeerSelf,
        limit: 2,
        ..Default::default()
    };
    let in_range = |min_id, max_id| functions::InvokeWithTakeout {
        takeout_id: takeout.id,
        query: functions::InvokeWithMessagesRange {
            range: types::MessageRange { min_id, max_id }.into(),
            query: history.clone(),
        },
    };
    // Another range is another request: unexpected.
    let e = within(client.invoke(&in_range(1, 11)))
        .await
        .expect_err("not in the transcript");
    assert_eq!(
        rpc_name(&e),
        "400 REPLAY_UNEXPECTED_messages.getHistory",
        "{e}"
    );
    let enums::messages::Messages::Messages(page) = within(client.invoke(&in_range(1, 10)))
        .await
        .expect("history")
    else {
        panic!("messages.messages");
    };
    assert_eq!(page.messages.len(), 1);

    let e = within(
        client.invoke(&functions::users::GetFullUser {
            id: types::InputUser {
                user_id: 1,
                access_hash: 0,
            }
            .into(),
        }),
    )
    .await
    .expect_err("a recorded error");
    assert_eq!(rpc_name(&e), "400 USER_ID_INVALID");

    let finished = within(client.invoke(&functions::InvokeWithTakeout {
        takeout_id: takeout.id,
        query: functions::account::FinishTakeoutSession { success: true },
    }))
    .await
    .expect("finished");
    assert!(finished);

    let transcript = server.transcript();
    assert_eq!(transcript.unused(), Vec::<usize>::new(), "all served");
    let unexpected = transcript.unexpected();
    assert_eq!(unexpected.len(), 1, "{unexpected:?}");
    assert!(
        unexpected[0].starts_with("messages.getHistory {\"_\":\"messages.getHistory\""),
        "{unexpected:?}"
    );
    client.disconnect().await;
    within(server.shutdown()).await;
}

#[tokio::test]
async fn an_unexpected_request_is_an_error_naming_it() {
    let transcript = Replay::load(Path::new(EXAMPLE)).expect("the example loads");
    let server = serve(transcript).await;
    let client = client(&server);

    within(client.invoke(&functions::help::GetNearestDc {}))
        .await
        .expect("served once");
    let e = within(client.invoke(&functions::help::GetNearestDc {}))
        .await
        .expect_err("used up");
    assert_eq!(rpc_name(&e), "400 REPLAY_UNEXPECTED_help.getNearestDc");

    let top = functions::contacts::GetTopPeers {
        correspondents: true,
        limit: 10,
        ..Default::default()
    };
    let e = within(client.invoke(&top))
        .await
        .expect_err("not in the transcript");
    assert_eq!(rpc_name(&e), "400 REPLAY_UNEXPECTED_contacts.getTopPeers");

    // Not in takeout: the recorded split ranges answer only inside one.
    let e = within(client.invoke(&functions::messages::GetSplitRanges {}))
        .await
        .expect_err("pinned to a takeout");
    assert_eq!(
        rpc_name(&e),
        "400 REPLAY_UNEXPECTED_messages.getSplitRanges"
    );

    let unexpected = server.transcript().unexpected();
    assert_eq!(
        unexpected,
        vec![
            "help.getNearestDc {\"_\":\"help.getNearestDc\"}".to_owned(),
            "contacts.getTopPeers {\"_\":\"contacts.getTopPeers\",\"correspondents\":true,\
             \"hash\":0,\"limit\":10,\"offset\":0}"
                .to_owned(),
            "messages.getSplitRanges {\"_\":\"messages.getSplitRanges\"}".to_owned(),
        ]
    );
    // The unused ones are the rest of the example.
    assert_eq!(server.transcript().unused(), vec![2, 3, 4, 5, 6, 7]);
    client.disconnect().await;
    within(server.shutdown()).await;
}

#[tokio::test]
async fn the_control_plane_lists_unexpected_requests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let transcript = Replay::parse(r#"{"exchanges": []}"#, Path::new("empty.json")).unwrap();
    let listen = ListenConfig {
        dcs: vec![(2, 0)],
        ..Default::default()
    };
    let server = within(replay::start(transcript, listen, Some(0)))
        .await
        .expect("starts");
    let client = client(&server);
    let e = within(client.invoke(&functions::help::GetNearestDc {}))
        .await
        .expect_err("empty transcript");
    assert_eq!(rpc_name(&e), "400 REPLAY_UNEXPECTED_help.getNearestDc");

    let addr = server.control.expect("control plane");
    let body = within(async {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    })
    .await;
    let json = body.split("\r\n\r\n").nth(1).expect("a body");
    let stats: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(stats["total"], 1);
    assert_eq!(
        stats["unexpected"][0],
        "help.getNearestDc {\"_\":\"help.getNearestDc\"}"
    );
    client.disconnect().await;
    within(server.shutdown()).await;
}
