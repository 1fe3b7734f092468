//! Every scripted fault kind, produced over a real loopback socket.
//!
//! The client here is deliberately small and independent of the mock's own
//! transport code: the intermediate framing written by hand, and the
//! client-role `tg_mtproto` session with an auth key the server knows from
//! the start (no key exchange). Frames are also opened on the side, so
//! service messages the session handles itself (`bad_server_salt`) can be
//! checked. Timings are only ever checked from below.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, BytesMut};
use tg_mock_server::net::{
    Bound, FaultScript, Faulty, Handler, ListenConfig, MockServer, Reply, Request,
};
use tg_mtproto::mtp::envelope::{self, AuthKey, Direction};
use tg_mtproto::mtp::{Config, Event, Now, RequestId, SeededRandom, Session, container};
use tl::{Deserializable, Identifiable, Serializable, enums, functions, types};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The one DC served.
const DC: i32 = 2;
/// The salt of the first known key (`ListenConfig::known_keys`).
const SALT: i64 = 1;
/// Longest wait for anything from the server.
const TIMEOUT: Duration = Duration::from_secs(20);

fn key() -> [u8; 256] {
    let mut k = [0u8; 256];
    tg_mtproto::mtp::Random::fill(&mut SeededRandom::new(0x006b_6579), &mut k);
    k
}

fn listen() -> ListenConfig {
    ListenConfig {
        dcs: vec![(DC, 0)],
        known_keys: vec![(DC, key())],
        ..ListenConfig::default()
    }
}

fn now() -> Now {
    Now {
        mono: Instant::now(),
        unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    }
}

fn unix_now() -> i64 {
    now().unix_secs(0)
}

fn script(json: &str) -> FaultScript {
    serde_json::from_str(json).expect("a valid script")
}

/// What the socket gave.
#[derive(Debug)]
enum Got {
    Event(Event),
    /// The server closed the connection; `partial` is `(declared, got)`
    /// payload bytes of a frame cut short, if one was.
    Eof {
        partial: Option<(usize, usize)>,
    },
}

/// A client connection: intermediate framing, the client session.
struct Raw {
    stream: TcpStream,
    rbuf: BytesMut,
    session: Session,
    rng: SeededRandom,
    key: AuthKey,
    /// `bad_server_salt` messages seen: `(bad_msg_id, new_server_salt)`.
    bad_salts: Vec<(i64, i64)>,
    /// msg_ids of the queries sent, in order.
    sent: Vec<i64>,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Self {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.set_nodelay(true).expect("nodelay");
        stream.write_all(&[0xee; 4]).await.expect("transport tag");
        let config = Config {
            ping_interval: None,
            future_salts: false,
            ..Config::default()
        };
        Self {
            stream,
            rbuf: BytesMut::new(),
            session: Session::client(key(), 0x5e55_1014, SALT, 0, true, config),
            rng: SeededRandom::new(3),
            key: AuthKey::new(key()),
            bad_salts: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// Sends whatever the session has queued.
    async fn flush(&mut self) {
        while let Some(frame) = self.session.poll_transmit(now(), &mut self.rng) {
            if let Ok(opened) = envelope::open(&self.key, Direction::ClientToServer, &frame) {
                self.sent.push(opened.msg_id);
            }
            let mut out = u32::try_from(frame.len()).unwrap().to_le_bytes().to_vec();
            out.extend_from_slice(&frame);
            // The server may have closed already: the read side says so.
            let _ = self.stream.write_all(&out).await;
        }
    }

    /// Queues `query` and sends it.
    async fn call<Q: Serializable>(&mut self, query: &Q) -> RequestId {
        let id = self.session.push(query.to_bytes());
        self.flush().await;
        id
    }

    /// Notes the service messages in a server frame.
    fn inspect(&mut self, frame: &[u8]) {
        let Ok(opened) = envelope::open(&self.key, Direction::ServerToClient, frame) else {
            return;
        };
        let bodies = if container::is_container(&opened.body) {
            container::unpack(opened.msg_id, &opened.body)
                .map(|m| m.into_iter().map(|m| m.body).collect())
                .unwrap_or_default()
        } else {
            vec![opened.body]
        };
        for body in bodies {
            if body.get(..4) == Some(&types::BadServerSalt::CONSTRUCTOR_ID.to_le_bytes()) {
                let b = types::BadServerSalt::from_bytes(&body[4..]).expect("bad_server_salt");
                self.bad_salts.push((b.bad_msg_id, b.new_server_salt));
            }
        }
    }

    /// The next event, or the end of the connection.
    async fn next(&mut self) -> Got {
        for _ in 0..10_000 {
            if let Some(event) = self.session.poll_event() {
                return Got::Event(event);
            }
            if self.rbuf.len() >= 4 {
                let len = self.rbuf.clone().get_u32_le() as usize;
                if self.rbuf.len() >= 4 + len {
                    self.rbuf.advance(4);
                    let frame = self.rbuf.split_to(len);
                    self.inspect(&frame);
                    let _ = self.session.handle_input(&frame, now());
                    self.flush().await;
                    continue;
                }
            }
            let read = tokio::time::timeout(TIMEOUT, self.stream.read_buf(&mut self.rbuf))
                .await
                .expect("the server answers in time");
            if read.unwrap_or(0) == 0 {
                let partial = match self.rbuf.len() {
                    0 => None,
                    n if n < 4 => Some((usize::MAX, n)),
                    n => Some((self.rbuf.clone().get_u32_le() as usize, n - 4)),
                };
                return Got::Eof { partial };
            }
        }
        panic!("too many frames without an event");
    }

    /// The answer to `id`: its result, or its rpc error.
    async fn answer(&mut self, id: RequestId) -> Result<Vec<u8>, (i32, String)> {
        for _ in 0..100 {
            match self.next().await {
                Got::Event(Event::Result { request, body }) if request == id => return Ok(body),
                Got::Event(Event::RpcError {
                    request,
                    code,
                    message,
                }) if request == id => return Err((code, message)),
                Got::Event(Event::Failed { request, error }) if request == id => {
                    panic!("the query failed: {error}")
                }
                Got::Event(_) => {}
                Got::Eof { partial } => panic!("closed before the answer (cut frame: {partial:?})"),
            }
        }
        panic!("no answer among 100 events");
    }

    /// The end of the connection; no answer may come before it.
    async fn eof(&mut self) -> Option<(usize, usize)> {
        for _ in 0..100 {
            match self.next().await {
                Got::Eof { partial } => return partial,
                Got::Event(e @ (Event::Result { .. } | Event::RpcError { .. })) => {
                    panic!("answered instead of closing: {e:?}")
                }
                Got::Event(_) => {}
            }
        }
        panic!("the connection stayed open");
    }
}

fn config_date(body: &[u8]) -> i64 {
    let enums::Config::Config(c) = enums::Config::from_bytes(body).expect("a config");
    i64::from(c.date)
}

/// The real API over the demo world, with the control plane.
async fn demo() -> tg_mock_server::Running {
    let world = tg_mock_server::demo_world().expect("the demo world");
    tg_mock_server::start(world, listen(), Some(0))
        .await
        .expect("starts")
}

async fn connect(server: &tg_mock_server::Running) -> Raw {
    Raw::connect(server.address(DC).expect("DC 2")).await
}

/// Answers `upload.getFile` with `limit` pseudo-random (incompressible)
/// bytes and anything else with a small result.
struct Blobs;

impl Handler for Blobs {
    type KeyState = ();

    fn handle(&self, request: Request<'_>, _: &mut ()) -> Reply {
        match functions::upload::GetFile::from_bytes(request.body) {
            Ok(q) => {
                let mut rng = tg_mock_server::rng::Rng::new(q.offset as u64);
                let len = usize::try_from(q.limit).unwrap_or(0);
                let bytes = (0..len.div_ceil(8))
                    .flat_map(|_| rng.next_u64().to_le_bytes())
                    .take(len)
                    .collect();
                Reply::Result(bytes)
            }
            Err(_) => Reply::Result(vec![1, 2, 3, 4]),
        }
    }
}

async fn blobs() -> (MockServer, Arc<Faulty<Blobs>>) {
    let api = Arc::new(Faulty::new(Blobs));
    let bound = Bound::bind(listen()).await.expect("binds");
    (bound.serve(api.clone()), api)
}

fn get_file(limit: i32) -> functions::upload::GetFile {
    functions::upload::GetFile {
        precise: true,
        cdn_supported: false,
        location: types::InputDocumentFileLocation::default().into(),
        offset: 0,
        limit,
    }
}

/// A minimal HTTP/1.1 client for the control plane.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("control plane");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("request");
    let mut out = String::new();
    tokio::time::timeout(TIMEOUT, s.read_to_string(&mut out))
        .await
        .expect("control plane answers")
        .expect("reads");
    let status = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn latency_holds_every_answer_back() {
    let server = demo().await;
    server
        .api
        .set_script(script(r#"{"latency_ms": 400}"#))
        .unwrap();
    let mut c = connect(&server).await;
    let started = Instant::now();
    let id = c.call(&functions::help::GetConfig {}).await;
    c.answer(id).await.expect("a config");
    assert!(started.elapsed() >= Duration::from_millis(400));

    // Pipelined queries are all answered, each at least the latency late.
    let started = Instant::now();
    let ids: Vec<_> = (0..3)
        .map(|_| c.session.push(functions::help::GetConfig {}.to_bytes()))
        .collect();
    c.flush().await;
    for id in ids {
        c.answer(id).await.expect("a config");
        assert!(started.elapsed() >= Duration::from_millis(400));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_delayed_call_does_not_hold_up_the_next() {
    let server = demo().await;
    let rule = r#"{"rules": [{"method": "help.getConfig", "nth": 1, "delay_ms": 1500}]}"#;
    server.api.set_script(script(rule)).unwrap();
    let mut c = connect(&server).await;
    let started = Instant::now();
    let slow = c.session.push(functions::help::GetConfig {}.to_bytes());
    let fast = c.session.push(functions::help::GetNearestDc {}.to_bytes());
    c.flush().await;
    let mut order = Vec::new();
    while order.len() < 2 {
        match c.next().await {
            Got::Event(Event::Result { request, .. }) => {
                order.push((request, started.elapsed()));
            }
            Got::Event(_) => {}
            Got::Eof { .. } => panic!("closed"),
        }
    }
    assert_eq!(order[0].0, fast, "the later query is answered first");
    assert_eq!(order[1].0, slow);
    assert!(order[1].1 >= Duration::from_millis(1500));
    server.shutdown().await;
}

#[tokio::test]
async fn bandwidth_caps_each_connection() {
    let (server, api) = blobs().await;
    let addr = server.address(DC).unwrap();
    api.set_script(script(r#"{"bandwidth_bytes_per_sec": 524288}"#))
        .unwrap();
    let mut c = Raw::connect(addr).await;
    let started = Instant::now();
    let id = c.call(&get_file(1 << 20)).await;
    let body = c.answer(id).await.expect("the part");
    assert_eq!(body.len(), 1 << 20);
    let took = started.elapsed();
    // 1 MiB at 512 KiB/s: about 2 s (the first slice goes at once).
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    server.shutdown().await;
}

/// The connection stops reading while too much waits to be written, and
/// picks up again: nothing is lost or reordered.
#[tokio::test]
async fn pipelined_answers_survive_backpressure() {
    let (server, api) = blobs().await;
    let addr = server.address(DC).unwrap();
    api.set_script(script(r#"{"latency_ms": 100}"#)).unwrap();
    let mut c = Raw::connect(addr).await;
    let mut want = Vec::new();
    for i in 0..16 {
        let mut q = get_file(1 << 20);
        q.offset = i << 20;
        let expected = Blobs.handle(
            Request {
                dc_id: DC,
                auth_key_id: 0,
                conn_id: 0,
                body: &q.to_bytes(),
                now_unix: 0,
            },
            &mut (),
        );
        want.push((c.session.push(q.to_bytes()), expected));
    }
    c.flush().await;
    // Not reading for a while: the server's queue fills up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut got = Vec::new();
    while got.len() < want.len() {
        match c.next().await {
            Got::Event(Event::Result { request, body }) => got.push((request, Reply::Result(body))),
            Got::Event(_) => {}
            Got::Eof { .. } => panic!("closed after {} answers", got.len()),
        }
    }
    assert!(got == want, "every answer, in order");
    server.shutdown().await;
}

#[tokio::test]
async fn connections_close_after_n_answers() {
    let server = demo().await;
    server
        .api
        .set_script(script(r#"{"drop_after_responses": 2}"#))
        .unwrap();
    for _ in 0..2 {
        let mut c = connect(&server).await;
        for _ in 0..2 {
            let id = c.call(&functions::help::GetNearestDc {}).await;
            c.answer(id).await.expect("answered");
        }
        assert_eq!(c.eof().await, None, "closed between frames");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_mid_frame_disconnect_cuts_the_answer_frame() {
    let server = demo().await;
    let rule =
        r#"{"rules": [{"method": "help.getConfig", "nth": 2, "disconnect_mid_frame": true}]}"#;
    server.api.set_script(script(rule)).unwrap();
    let mut c = connect(&server).await;
    let id = c.call(&functions::help::GetConfig {}).await;
    c.answer(id).await.expect("the first is answered");
    c.call(&functions::help::GetConfig {}).await;
    let (declared, got) = c.eof().await.expect("a frame cut short");
    assert!(got > 0 && got < declared, "{got} of {declared} bytes");
    // The call was served (it reached the API) before its answer was cut.
    let stats = server.api.inner().dispatcher().stats();
    assert_eq!(stats.calls("help.getConfig"), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn rpc_error_and_disconnect_rules() {
    let server = demo().await;
    let rules = r#"{"rules": [
        {"method": "help.getConfig", "nth": 1, "error": [420, "FLOOD_WAIT_3"]},
        {"method": "help.getConfig", "nth": 2, "disconnect": true}
    ]}"#;
    server.api.set_script(script(rules)).unwrap();
    let mut c = connect(&server).await;
    let id = c.call(&functions::help::GetConfig {}).await;
    assert_eq!(c.answer(id).await, Err((420, "FLOOD_WAIT_3".into())));
    c.call(&functions::help::GetConfig {}).await;
    assert_eq!(c.eof().await, None, "closed without a partial frame");
    let stats = server.api.inner().dispatcher().stats();
    assert_eq!(stats.calls("help.getConfig"), 0, "neither reached the API");
    assert_eq!(stats.methods["help.getConfig"].faults, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_server_salt_makes_the_client_send_again_and_is_logged() {
    let server = demo().await;
    let control = server.control.expect("the control plane");
    let rule = r#"{"rules": [{"method": "help.getConfig", "nth": 1, "bad_server_salt": true}]}"#;
    assert_eq!(http(control, "POST", "/faults", rule).await.0, 204);
    let mut c = connect(&server).await;
    let query = functions::InvokeWithLayer {
        layer: tl::LAYER,
        query: functions::InitConnection {
            api_id: 1,
            device_model: "test".into(),
            system_version: "1".into(),
            app_version: "1".into(),
            system_lang_code: "en".into(),
            lang_code: "en".into(),
            query: functions::help::GetConfig {},
            ..Default::default()
        },
    };
    let id = c.call(&query).await;
    let first = *c.sent.first().expect("sent");
    let body = c.answer(id).await.expect("answered after the resend");
    assert!((config_date(&body) - unix_now()).abs() < 60);
    assert_eq!(c.bad_salts.len(), 1, "one bad_server_salt");
    assert_eq!(c.bad_salts[0].0, first, "about the first copy");
    assert_ne!(c.bad_salts[0].1, 0, "with a real salt");
    assert!(c.sent.len() >= 2, "sent again");

    let (status, log) = http(control, "GET", "/log", "").await;
    assert_eq!(status, 200);
    let log: serde_json::Value = serde_json::from_str(&log).expect("JSON");
    let log = log.as_array().expect("an array");
    assert_eq!(log.len(), 2, "{log:?}");
    for entry in log {
        assert_eq!(entry["method"], "help.getConfig");
        assert_eq!(entry["dc"], DC);
        assert_eq!(entry["conn"], log[0]["conn"]);
        assert!(entry["conn"].as_u64().is_some());
        assert_eq!(
            entry["wrappers"],
            serde_json::json!(["invokeWithLayer", "initConnection"])
        );
        assert_eq!(entry["params"], serde_json::json!({"_": "help.getConfig"}));
        assert!(entry["error"].is_null());
    }
    assert_eq!(log[0]["fault"], "bad_server_salt");
    assert!(log[1]["fault"].is_null(), "the resend was served");
    let (_, since) = http(control, "GET", "/log?since=1", "").await;
    let since: serde_json::Value = serde_json::from_str(&since).unwrap();
    assert_eq!(since.as_array().map(Vec::len), Some(1));
    let (_, stats) = http(control, "GET", "/stats", "").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(
        stats["methods"]["help.getConfig"],
        serde_json::json!({"calls": 1, "errors": 0, "faults": 1})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn clock_skew_moves_the_server_clock() {
    let server = demo().await;
    server
        .api
        .set_script(script(r#"{"clock_skew_secs": -600}"#))
        .unwrap();
    let mut c = connect(&server).await;
    let id = c.call(&functions::help::GetConfig {}).await;
    let date = config_date(&c.answer(id).await.expect("a config"));
    assert!((date - (unix_now() - 600)).abs() < 60, "{date}");
    // Our msg_id was 600 s ahead: bad_msg_notification 17 set our clock.
    assert!((c.session.time_offset() + 600).abs() < 60);

    // The skew changes at once, on the open connection too.
    server
        .api
        .set_script(script(r#"{"clock_skew_secs": 900}"#))
        .unwrap();
    let id = c.call(&functions::help::GetConfig {}).await;
    let date = config_date(&c.answer(id).await.expect("a config"));
    assert!((date - (unix_now() + 900)).abs() < 60, "{date}");
    server.shutdown().await;
}

#[tokio::test]
async fn rate_limits_answer_flood_wait() {
    let server = demo().await;
    let limits = r#"{"rate_limits": [
        {"method": "help.getConfig", "max_calls": 3, "per_secs": 60, "flood_wait_secs": 7},
        {"method": "help.getNearestDc", "max_calls": 1, "per_secs": 60}
    ]}"#;
    server.api.set_script(script(limits)).unwrap();
    let mut c = connect(&server).await;
    for _ in 0..3 {
        let id = c.call(&functions::help::GetConfig {}).await;
        c.answer(id).await.expect("within the limit");
    }
    let id = c.call(&functions::help::GetConfig {}).await;
    assert_eq!(c.answer(id).await, Err((420, "FLOOD_WAIT_7".into())));

    // Without flood_wait_secs: the seconds until the window has room.
    let id = c.call(&functions::help::GetNearestDc {}).await;
    c.answer(id).await.expect("within the limit");
    let id = c.call(&functions::help::GetNearestDc {}).await;
    let (code, message) = c.answer(id).await.expect_err("over the limit");
    let secs: u32 = message
        .strip_prefix("FLOOD_WAIT_")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert_eq!(code, 420);
    assert!((1..=60).contains(&secs), "{secs}");
    let stats = server.api.inner().dispatcher().stats();
    assert_eq!(stats.calls("help.getConfig"), 3);
    assert_eq!(stats.methods["help.getConfig"].faults, 1);
    let last = stats.log.back().expect("logged");
    assert_eq!(
        (last.method.as_str(), last.fault, last.error.clone()),
        ("help.getNearestDc", Some("rpc_error"), Some((420, message)))
    );
    server.shutdown().await;
}
