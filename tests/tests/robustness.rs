//! Bad input from the network: garbage, truncated frames, oversized or
//! negative lengths, unknown constructors, garbage under a known or unknown
//! auth key, floods of idle connections. The offending connection gets an
//! error or is closed; the server and every other connection keep working.
//!
//! The property test runs `PROPTEST_CASES` cases (default 128; each takes
//! about a millisecond).

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tg_mock_server::Running;
use tg_mock_server::net::ListenConfig;
use tg_mtproto::transport::{Framing, Obfuscated, Role, TransportKind};
use tg_takeout::dc::Network;
use tg_takeout::{AppInfo, Client, ClientConfig};
use tl::{Identifiable, Serializable, functions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

/// The bound on any one wait in these tests.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The server's frame limit in these tests.
const MAX_FRAME: usize = 1 << 20;
/// An auth key the server knows from the start (on DC 2).
const KNOWN_KEY: [u8; 256] = [0x5a; 256];

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: not done within {TIMEOUT:?}"),
    }
}

async fn serve(listen: ListenConfig) -> Running {
    let world = tg_mock_server::demo_world().expect("the demo world");
    within("start", tg_mock_server::start(world, listen, None))
        .await
        .expect("the mock server starts")
}

fn listen(frame_timeout: Duration, max_connections: usize) -> ListenConfig {
    ListenConfig {
        dcs: vec![(2, 0)],
        known_keys: vec![(2, KNOWN_KEY)],
        frame_timeout,
        max_connections,
        max_frame: MAX_FRAME,
        ..Default::default()
    }
}

/// The real client, on the server's DC 2.
fn client(addr: SocketAddr) -> Client {
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(12345, "0123abcd"));
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connect_timeout = TIMEOUT;
    Client::new(config).expect("a client")
}

async fn get_config(client: &Client) {
    let config = within(
        "help.getConfig",
        client.invoke(&functions::help::GetConfig {}),
    )
    .await;
    let tl::enums::Config::Config(config) = config.expect("help.getConfig works");
    assert_eq!(config.this_dc, 2);
}

/// A client-side framing of `kind` (it writes the tag before its first
/// frame).
fn framing(kind: TransportKind) -> Framing {
    let mut n = 0u8;
    Framing::new(
        kind,
        Role::Client,
        Box::new(move |b: &mut [u8]| {
            for x in b {
                n = n.wrapping_add(37);
                *x = n;
            }
        }),
    )
}

/// `payloads` framed as a client of `kind` sends them. Payloads are padded
/// to whole words (the framings only carry those).
fn framed(kind: TransportKind, payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut codec = framing(kind);
    let mut out = BytesMut::new();
    for p in payloads {
        let mut p = p.clone();
        p.resize(p.len().div_ceil(4).max(1) * 4, 0);
        codec
            .encode(Bytes::from(p), &mut out)
            .expect("a whole-word payload frames");
    }
    out.to_vec()
}

fn msg_id() -> i64 {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    ((unix.as_secs() as i64) << 32) | i64::from(unix.subsec_nanos() & !3)
}

/// An unencrypted MTProto message carrying `body`.
fn plain(body: &[u8]) -> Vec<u8> {
    let mut m = vec![0; 8];
    m.extend_from_slice(&msg_id().to_le_bytes());
    m.extend_from_slice(&(body.len() as i32).to_le_bytes());
    m.extend_from_slice(body);
    m
}

fn req_pq() -> Vec<u8> {
    plain(&functions::ReqPqMulti { nonce: [7; 16] }.to_bytes())
}

/// The tag and length field of a frame of `len` payload bytes, as a
/// client of `kind` sends them.
fn header(kind: TransportKind, len: u32) -> Vec<u8> {
    match kind {
        TransportKind::Abridged => {
            let w = (len / 4).min(0xff_ffff).to_le_bytes();
            vec![0xef, 0x7f, w[0], w[1], w[2]]
        }
        TransportKind::Intermediate => [&[0xee; 4][..], &len.to_le_bytes()].concat(),
        TransportKind::PaddedIntermediate => [&[0xdd; 4][..], &len.to_le_bytes()].concat(),
        TransportKind::Full => [len.wrapping_add(12).to_le_bytes(), [0; 4]].concat(),
    }
}

/// One way of misbehaving.
#[derive(Clone, Debug)]
enum Shape {
    /// Any bytes.
    Garbage(Vec<u8>),
    /// A transport's tag, then any bytes.
    TagThenGarbage(TransportKind, Vec<u8>),
    /// A length field above the server's limit (padded intermediate
    /// allows 15 bytes of padding beyond it), or negative.
    Oversized(TransportKind, u32),
    /// The first `cut` bytes of a valid frame, then the connection closes.
    Truncated(TransportKind, Vec<u8>, usize),
    /// Whole plain frames with any payload (unknown constructors, bad
    /// `req_pq`s).
    Plain(TransportKind, Vec<Vec<u8>>),
    /// Encrypted-looking frames under the known auth key or another one.
    Encrypted(TransportKind, bool, i64, Vec<u8>),
    /// A valid `req_pq_multi`, then garbage frames.
    ValidThenGarbage(TransportKind, Vec<u8>),
    /// A 64-byte obfuscated2 init that is not one, then any bytes.
    Obfuscated(Vec<u8>),
    /// A valid obfuscated2 init, then frames with any payload under it.
    ObfuscatedFrames(TransportKind, u64, Vec<Vec<u8>>),
}

fn kinds() -> impl Strategy<Value = TransportKind> {
    prop::sample::select(TransportKind::ALL.to_vec())
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn shapes() -> impl Strategy<Value = Shape> {
    let oversized = prop_oneof![
        Just(MAX_FRAME as u32 + 16),
        Just(16 << 20),
        Just(0x7fff_fffc),
        Just(0xffff_fffc),
        (MAX_FRAME as u32 + 16..0x7fff_fff0).prop_map(|n| n & !3),
    ];
    prop_oneof![
        bytes(4096).prop_map(Shape::Garbage),
        (kinds(), bytes(4096)).prop_map(|(k, b)| Shape::TagThenGarbage(k, b)),
        (kinds(), oversized).prop_map(|(k, n)| Shape::Oversized(k, n)),
        (kinds(), bytes(600), any::<prop::sample::Index>()).prop_map(|(k, b, i)| Shape::Truncated(
            k,
            b.clone(),
            i.index(b.len() + 8)
        )),
        (
            kinds(),
            prop::collection::vec(
                prop_oneof![bytes(300), bytes(300).prop_map(|b| plain(&b))],
                1..4
            )
        )
            .prop_map(|(k, p)| Shape::Plain(k, p)),
        (kinds(), any::<bool>(), any::<i64>(), bytes(1000))
            .prop_map(|(k, known, id, b)| Shape::Encrypted(k, known, id, b)),
        (kinds(), bytes(1000)).prop_map(|(k, b)| Shape::ValidThenGarbage(k, b)),
        prop::collection::vec(any::<u8>(), 64..1000).prop_map(Shape::Obfuscated),
        (
            prop::sample::select(vec![
                TransportKind::Abridged,
                TransportKind::Intermediate,
                TransportKind::PaddedIntermediate
            ]),
            any::<u64>(),
            prop::collection::vec(bytes(300), 1..3)
        )
            .prop_map(|(k, seed, p)| Shape::ObfuscatedFrames(k, seed, p)),
    ]
}

impl Shape {
    /// What the connection sends, and whether the server must close it
    /// at once (rather than wait for more).
    fn bytes(&self) -> (Vec<u8>, bool) {
        match self {
            Shape::Garbage(b) => (b.clone(), false),
            Shape::TagThenGarbage(kind, b) => {
                let mut out = header(*kind, 4);
                out.truncate(match kind {
                    TransportKind::Abridged => 1,
                    TransportKind::Full => 0,
                    _ => 4,
                });
                out.extend_from_slice(b);
                (out, false)
            }
            Shape::Oversized(kind, len) => {
                let mut out = header(*kind, *len);
                out.extend_from_slice(&[0; 16]);
                (out, true)
            }
            Shape::Truncated(kind, b, cut) => {
                let mut out = framed(*kind, &[plain(b)]);
                out.truncate(*cut);
                (out, false)
            }
            Shape::Plain(kind, payloads) => (framed(*kind, payloads), false),
            Shape::Encrypted(kind, known, id, b) => {
                let key_id = if *known {
                    tg_mtproto::auth::dh::auth_key_id(&KNOWN_KEY)
                } else {
                    *id | 1
                };
                let mut m = key_id.to_le_bytes().to_vec();
                m.extend_from_slice(b);
                m.resize(8 + 16 + (b.len().saturating_sub(16) / 16 + 1) * 16, 0);
                // Whatever the server makes of it, it must not wait for more.
                (framed(*kind, &[m]), true)
            }
            Shape::ValidThenGarbage(kind, b) => {
                let mut codec = framing(*kind);
                let mut out = BytesMut::new();
                codec
                    .encode(Bytes::from(req_pq()), &mut out)
                    .expect("frames");
                let mut rest = b.clone();
                rest.resize(rest.len().div_ceil(4).max(1) * 4, 0xab);
                codec.encode(Bytes::from(rest), &mut out).expect("frames");
                (out.to_vec(), false)
            }
            Shape::Obfuscated(b) => (b.clone(), false),
            Shape::ObfuscatedFrames(kind, seed, payloads) => {
                let mut state = *seed | 1;
                let random = Box::new(move |b: &mut [u8]| {
                    for x in b {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        *x = state as u8;
                    }
                });
                let mut codec = Obfuscated::client(*kind, None, 2, random).expect("an init");
                let mut out = BytesMut::new();
                for p in payloads {
                    let mut p = p.clone();
                    p.resize(p.len().div_ceil(4).max(1) * 4, 0);
                    codec.encode(Bytes::from(p), &mut out).expect("frames");
                }
                (out.to_vec(), false)
            }
        }
    }
}

/// Reads until the peer closes (`true`) or `wait` passes (`false`).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    // Each read makes progress or ends: bounded by the deadline.
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// A new connection starts a key exchange: the listener still accepts and
/// answers.
async fn fresh_connection_answers(addr: SocketAddr) {
    let mut s = within("connect", TcpStream::connect(addr))
        .await
        .expect("connects");
    let out = framed(TransportKind::Intermediate, &[req_pq()]);
    within("write", s.write_all(&out)).await.expect("writes");
    let mut codec = Framing::untagged(
        TransportKind::Intermediate,
        Role::Client,
        Box::new(|_: &mut [u8]| {}),
    );
    let mut buf = BytesMut::new();
    let frame = within("resPQ", async {
        // Bounded by the timeout around it.
        loop {
            if let Some(frame) = codec.decode(&mut buf).expect("a frame") {
                return frame;
            }
            let n = s.read_buf(&mut buf).await.expect("reads");
            assert!(n > 0, "closed before resPQ");
        }
    })
    .await;
    let id = tl::types::ResPq::CONSTRUCTOR_ID.to_le_bytes();
    assert_eq!(frame.get(20..24), Some(&id[..]), "a resPQ");
}

/// Panics anywhere in this process (a connection task's panic does not
/// stop the server, but it is a bug all the same).
static PANICS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            default(info);
        }));
    });
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

/// Malformed input keeps the server alive: after each random byte stream
/// on its own connection, a new connection still gets answered and the
/// real client's connection still completes a call.
#[test]
fn malformed_input_keeps_the_server_alive() {
    count_panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (server, client) = rt.block_on(async {
        let server = serve(listen(Duration::from_secs(10), 64)).await;
        let client = client(server.address(2).expect("DC 2"));
        get_config(&client).await;
        (server, client)
    });
    let addr = server.address(2).expect("DC 2");
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let ran = std::sync::atomic::AtomicU32::new(0);
    let result = runner.run(&shapes(), |shape| {
        ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            let (bytes, must_close) = shape.bytes();
            let mut s = within("connect", TcpStream::connect(addr))
                .await
                .expect("connects");
            // The server may close before reading everything: a failed
            // write is fine.
            let _ = within("write", s.write_all(&bytes)).await;
            if must_close && !closed_within(&mut s, Duration::from_secs(5)).await {
                return Err(TestCaseError::fail(format!(
                    "{shape:?}: the connection was left open"
                )));
            }
            drop(s);
            fresh_connection_answers(addr).await;
            get_config(&client).await;
            Ok(())
        })
    });
    rt.block_on(async {
        client.disconnect().await;
        within("shutdown", server.shutdown()).await;
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert_eq!(ran.into_inner(), cases(), "every case ran");
    assert_eq!(
        PANICS.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "no connection task panicked"
    );
}

/// A flood of connections that send nothing or only a transport tag: a
/// normal client still connects and works, and the server closes every one
/// of them after the frame timeout; a connection that stops in the middle
/// of a frame is closed too, one idle between whole frames is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_after_the_frame_timeout() {
    let timeout = Duration::from_millis(1000);
    let server = serve(listen(timeout, 1000)).await;
    let addr = server.address(2).expect("DC 2");
    let tags: [&[u8]; 5] = [b"", &[0xef], &[0xee; 4], &[0xdd; 4], &[0xee, 0xee]];
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut s = within("connect", TcpStream::connect(addr))
            .await
            .expect("connects");
        within("write", s.write_all(tags[i % tags.len()]))
            .await
            .expect("writes");
        idle.push(s);
    }
    let last = idle.last_mut().expect("300 connections");
    assert!(
        !closed_within(last, Duration::from_millis(50)).await,
        "not closed before the timeout"
    );
    // Stopped in the middle of a frame.
    let mut partial = within("connect", TcpStream::connect(addr)).await.unwrap();
    let mut half = framed(TransportKind::Intermediate, &[req_pq()]);
    half.truncate(20);
    within("write", partial.write_all(&half)).await.unwrap();
    // A whole frame, then nothing: idle between frames.
    let mut quiet = within("connect", TcpStream::connect(addr)).await.unwrap();
    let whole = framed(TransportKind::Abridged, &[req_pq()]);
    within("write", quiet.write_all(&whole)).await.unwrap();
    let mut answer = [0u8; 256];
    let n = within("resPQ", quiet.read(&mut answer)).await.unwrap();
    assert!(n > 0, "resPQ");

    let client = client(addr);
    get_config(&client).await;
    fresh_connection_answers(addr).await;

    let closes = idle
        .iter_mut()
        .chain([&mut partial])
        .map(|s| closed_within(s, timeout * 10));
    let closed = within("closes", futures_all(closes)).await;
    assert!(closed.iter().all(|c| *c), "every idle connection is closed");
    assert!(
        !closed_within(&mut quiet, timeout).await,
        "a connection idle between frames stays open"
    );
    // The client's connection, idle between frames too, still works.
    get_config(&client).await;
    client.disconnect().await;
    within("shutdown", server.shutdown()).await;
}

/// Polls every future to completion on this task (no extra dependency).
async fn futures_all<F: Future<Output = bool>>(futures: impl Iterator<Item = F>) -> Vec<bool> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out = Vec::with_capacity(set.len());
    // Sequential awaits: each one is bounded by its own deadline, and they
    // run down in parallel since the server closes them on its own clock.
    for f in set {
        out.push(f.await);
    }
    out
}

/// Beyond `max_connections` per DC the listener closes new connections at
/// once; when some close, new ones are served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_refused() {
    let server = serve(listen(Duration::from_secs(60), 8)).await;
    let addr = server.address(2).expect("DC 2");
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(within("connect", TcpStream::connect(addr)).await.unwrap());
    }
    // The listener takes connections in order: the ninth is over the cap.
    let mut ninth = within("connect", TcpStream::connect(addr)).await.unwrap();
    assert!(
        closed_within(&mut ninth, Duration::from_secs(10)).await,
        "closed at once (the frame timeout is a minute)"
    );
    for s in &mut open[..2] {
        assert!(
            !closed_within(s, Duration::from_millis(100)).await,
            "the first eight stay open"
        );
    }
    drop(open);
    // Their server sides end at EOF; then a client is served again.
    let client = client(addr);
    within("recovery", async {
        // Bounded by the timeout around it.
        loop {
            match client.invoke(&functions::help::GetConfig {}).await {
                Ok(_) => break,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await;
    client.disconnect().await;
    within("shutdown", server.shutdown()).await;
}
