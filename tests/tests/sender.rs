//! The client's sender against the mock server's network side.

use std::sync::atomic::{AtomicU32, Ordering};

use tg_mock_server::net::{Handler, ListenConfig, Reply, Request};
use tg_takeout::rpc::InvocationError;
use tg_takeout::transport::{Obfuscation, ProxySecret, TransportKind};
use tl::{Deserializable, Identifiable, Serializable, enums, functions, types};

use crate::util::{TIMEOUT, client_config, connect, start};

/// Answers `help.getConfig` with the server's DCs and `help.getNearestDc`
/// with the DC asked; drops the connection on the first `getNearestDc` when
/// told to.
struct ConfigHandler {
    dcs: Vec<(i32, std::net::SocketAddr)>,
    drop_first: bool,
    nearest_calls: AtomicU32,
}

impl Handler for ConfigHandler {
    type KeyState = u32;

    fn handle(&self, request: Request<'_>, calls: &mut u32) -> Reply {
        *calls += 1;
        let body = peel(request.body);
        let id = u32::from_le_bytes(body[..4].try_into().unwrap());
        if id == functions::help::GetConfig::CONSTRUCTOR_ID {
            let config = types::Config {
                this_dc: request.dc_id,
                date: request.now_unix,
                dc_options: self
                    .dcs
                    .iter()
                    .map(|(dc, addr)| {
                        types::DcOption {
                            id: *dc,
                            ip_address: addr.ip().to_string(),
                            port: addr.port().into(),
                            ..Default::default()
                        }
                        .into()
                    })
                    .collect(),
                ..Default::default()
            };
            Reply::Result(enums::Config::from(config).to_bytes())
        } else if id == functions::help::GetNearestDc::CONSTRUCTOR_ID {
            if self.drop_first && self.nearest_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                return Reply::Disconnect;
            }
            let nearest = types::NearestDc {
                country: "XX".into(),
                this_dc: request.dc_id,
                nearest_dc: request.dc_id,
            };
            Reply::Result(enums::NearestDc::from(nearest).to_bytes())
        } else {
            Reply::Error {
                code: 400,
                message: format!("INPUT_METHOD_INVALID_{id}"),
            }
        }
    }
}

/// Strips `invokeWithLayer(initConnection(...))` if present.
fn peel(body: &[u8]) -> Vec<u8> {
    if let Ok(w) = functions::InvokeWithLayer::<tl::Raw>::from_bytes(body) {
        if let Ok(init) = functions::InitConnection::<tl::Raw>::from_bytes(&w.query.0) {
            return init.query.0;
        }
        return w.query.0;
    }
    body.to_vec()
}

fn handler(drop_first: bool) -> impl FnOnce(Vec<(i32, std::net::SocketAddr)>) -> ConfigHandler {
    move |dcs| ConfigHandler {
        dcs,
        drop_first,
        nearest_calls: AtomicU32::new(0),
    }
}

async fn get_config_over(kind: TransportKind, obfuscation: Obfuscation, secret: Option<[u8; 16]>) {
    let server = start(
        ListenConfig {
            mtproxy_secret: secret,
            ..Default::default()
        },
        handler(false),
    )
    .await;
    let addr = server.address(2).unwrap();
    let sender = connect(client_config(2, kind, obfuscation), addr, None).await;
    assert!(
        sender.created_key,
        "a new key is created when none is given"
    );
    let init = functions::InvokeWithLayer {
        layer: tl::LAYER,
        query: functions::InitConnection {
            api_id: 1,
            device_model: "e2e".into(),
            system_version: "test".into(),
            app_version: "0.1".into(),
            system_lang_code: "en".into(),
            lang_code: "en".into(),
            query: functions::help::GetConfig {},
            ..Default::default()
        },
    };
    let enums::Config::Config(config) = tokio::time::timeout(TIMEOUT, sender.handle.invoke(&init))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(config.this_dc, 2);
    assert_eq!(config.dc_options.len(), 5);

    // The same key works on a new connection (no new exchange).
    let again = connect(
        client_config(2, kind, Obfuscation::None),
        addr,
        Some(sender.auth_key),
    )
    .await;
    assert!(!again.created_key);
    let enums::NearestDc::NearestDc(n) = again
        .handle
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    assert_eq!(n.this_dc, 2);
}

#[tokio::test]
async fn key_exchange_and_encrypted_get_config_over_every_transport() {
    for kind in [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
        TransportKind::Full,
    ] {
        get_config_over(kind, Obfuscation::None, None).await;
    }
}

#[tokio::test]
async fn obfuscated2_and_mtproxy_secrets() {
    for kind in [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
    ] {
        get_config_over(kind, Obfuscation::Obfuscated2, None).await;
    }
    let secret: ProxySecret = "dd0123456789abcdef0123456789abcdef".parse().unwrap();
    let key = *secret.key();
    get_config_over(
        TransportKind::Intermediate,
        Obfuscation::MtProxy(secret),
        Some(key),
    )
    .await;
}

#[tokio::test]
async fn many_requests_in_flight_at_once() {
    let server = start(ListenConfig::default(), handler(false)).await;
    let sender = connect(
        client_config(2, TransportKind::Intermediate, Obfuscation::None),
        server.address(2).unwrap(),
        None,
    )
    .await;
    let calls = (0..64).map(|_| {
        let h = sender.handle.clone();
        tokio::spawn(async move { h.invoke(&functions::help::GetNearestDc {}).await })
    });
    for call in calls {
        let enums::NearestDc::NearestDc(n) = tokio::time::timeout(TIMEOUT, call)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(n.nearest_dc, 2);
    }
}

#[tokio::test]
async fn reconnects_and_resends_after_the_server_drops_the_connection() {
    let server = start(ListenConfig::default(), handler(true)).await;
    let sender = connect(
        client_config(2, TransportKind::Full, Obfuscation::None),
        server.address(2).unwrap(),
        None,
    )
    .await;
    // The server drops the connection instead of answering; the sender
    // reconnects, resends, and the second attempt is answered.
    let enums::NearestDc::NearestDc(n) = tokio::time::timeout(
        TIMEOUT,
        sender.handle.invoke(&functions::help::GetNearestDc {}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(n.this_dc, 2);
}

#[tokio::test]
async fn rpc_errors_are_typed_and_name_the_request() {
    let server = start(ListenConfig::default(), handler(false)).await;
    let sender = connect(
        client_config(2, TransportKind::Abridged, Obfuscation::None),
        server.address(2).unwrap(),
        None,
    )
    .await;
    let err = sender
        .handle
        .invoke(&functions::help::GetAppConfig { hash: 0 })
        .await
        .unwrap_err();
    let InvocationError::Rpc(e) = err else {
        panic!("expected an rpc error, got {err}")
    };
    assert_eq!((e.code, e.name.as_str()), (400, "INPUT_METHOD_INVALID"));
    assert_eq!(e.caused_by, Some("help.getAppConfig"));
}

#[tokio::test]
async fn an_unknown_stored_key_is_refused_with_404() {
    let server = start(ListenConfig::default(), handler(false)).await;
    let sender = connect(
        client_config(2, TransportKind::Intermediate, Obfuscation::None),
        server.address(2).unwrap(),
        Some([3u8; 256]),
    )
    .await;
    let err = tokio::time::timeout(
        TIMEOUT,
        sender.handle.invoke(&functions::help::GetNearestDc {}),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        InvocationError::Transport(tg_takeout::transport::TransportError::Status(-404)).to_string()
    );
}

/// A container of eight requests is answered in one frame: the mock
/// handles every request of a frame before it writes, and its session
/// packs the answers (and the service messages) into one container.
#[tokio::test]
async fn a_container_of_requests_is_answered_in_one_frame() {
    use bytes::{Bytes, BytesMut};
    use tg_takeout::mtp::{Event, Now, SeededRandom, Session};
    use tg_takeout::transport::TransportConfig;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_util::codec::{Decoder, Encoder};

    let key = [9u8; 256];
    let server = start(
        ListenConfig {
            known_keys: vec![(2, key)],
            ..Default::default()
        },
        handler(false),
    )
    .await;
    let addr = server.address(2).unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let now = || Now {
        mono: std::time::Instant::now(),
        unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap(),
    };
    let config = tg_takeout::mtp::Config {
        ping_interval: None,
        future_salts: false,
        ..Default::default()
    };
    // Salt 1: the first known key's (`ListenConfig::known_keys`).
    let mut session = Session::client(key, 77, 1, 0, true, config);
    let mut rng = SeededRandom::new(3);
    let ids: Vec<_> = (0..8)
        .map(|_| session.push(functions::help::GetNearestDc {}.to_bytes()))
        .collect();
    let frame = session.poll_transmit(now(), &mut rng).expect("a frame");
    assert!(
        session.poll_transmit(now(), &mut rng).is_none(),
        "the eight requests fit one frame"
    );
    let mut codec = TransportConfig::new(TransportKind::Intermediate)
        .client_codec(2, Box::new(SeededRandom::new(4)), 0)
        .unwrap();
    let mut out = BytesMut::new();
    codec.encode(Bytes::from(frame), &mut out).unwrap();
    stream.write_all(&out).await.unwrap();

    let mut buf = BytesMut::new();
    let mut frames = 0;
    let mut answered = Vec::new();
    for _ in 0..1000 {
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            frames += 1;
            session.handle_input(&frame, now()).unwrap();
            while let Some(event) = session.poll_event() {
                if let Event::Result { request, body } = event {
                    let enums::NearestDc::NearestDc(n) =
                        enums::NearestDc::from_bytes(&body).unwrap();
                    assert_eq!(n.this_dc, 2);
                    answered.push(request);
                }
            }
        }
        if answered.len() == ids.len() {
            break;
        }
        let read = tokio::time::timeout(TIMEOUT, stream.read_buf(&mut buf)).await;
        assert!(read.unwrap().unwrap() > 0, "the server closed");
    }
    assert_eq!(answered, ids, "every request answered, in order");
    assert_eq!(frames, 1, "all eight answers in one frame");
}
