//! `--mtproxy` with the real binary: a `tg://proxy` link with a fake-TLS
//! (`ee`) secret against the mock's proxy side, and proxies that
//! misbehave (close mid-handshake, answer with a bad digest, stall): a
//! clear error naming the proxy, exit code 1, never a hang.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tg_mock_server::net::ListenConfig;
use tg_mock_server::{Running, World, fixture};

const KEY_HEX: &str = "00112233445566778899aabbccddeeff";
/// "example.com" in hex.
const DOMAIN_HEX: &str = "6578616d706c652e636f6d";

fn link(addr: SocketAddr) -> String {
    format!(
        "tg://proxy?server={}&port={}&secret=ee{KEY_HEX}{DOMAIN_HEX}",
        addr.ip(),
        addr.port()
    )
}

fn small() -> World {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mock-server/fixtures/small");
    fixture::load(Path::new(dir)).unwrap()
}

/// Runs the binary with `stdin`, killing it after `limit` (a hang fails).
fn run(args: &[&str], stdin: &str, limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tg-takeout"))
        .args(args)
        .env_remove("TG_API_ID")
        .env_remove("TG_API_HASH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "tg-takeout {args:?} still ran after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

struct Mock {
    runtime: tokio::runtime::Runtime,
    server: Option<Running>,
    key: tempfile::NamedTempFile,
}

impl Mock {
    fn start(world: World) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listen = ListenConfig {
            mtproxy_secret: Some(u128::from_str_radix(KEY_HEX, 16).unwrap().to_be_bytes()),
            fake_tls_domain: Some(b"example.com".to_vec()),
            ..Default::default()
        };
        let server = runtime
            .block_on(tg_mock_server::start(world, listen, None))
            .unwrap();
        let mut key = tempfile::NamedTempFile::new().unwrap();
        key.write_all(tg_takeout::auth::TEST_SERVER_PUBLIC_KEY_PEM.as_bytes())
            .unwrap();
        Self {
            runtime,
            server: Some(server),
            key,
        }
    }

    fn dc2(&self) -> SocketAddr {
        self.server.as_ref().unwrap().address(2).unwrap()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

#[test]
fn login_and_whoami_through_a_fake_tls_link() {
    let world = small();
    let mock = Mock::start(world.clone());
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    let dc2 = mock.dc2().to_string();
    let key = mock.key.path().to_str().unwrap().to_owned();
    let link = link(mock.dc2());
    let connect = |cmd: &'static str| {
        let session = session.to_str().unwrap().to_owned();
        [
            cmd,
            "--server",
            &dc2,
            "--rsa-key",
            &key,
            "--session",
            &session,
            "--mtproxy",
            &link,
        ]
        .map(str::to_owned)
    };
    let input = format!(
        "{}\n{}\n{}\n",
        world.login.phone,
        world.login.code,
        world.login.password.clone().unwrap_or_default()
    );
    let args = connect("login");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, &input, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = connect("whoami");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, "", Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("user id {}", world.self_id)));
}

/// A proxy that does `behave` with each connection (on its own thread).
fn fake_proxy(behave: fn(std::net::TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64).flatten() {
            std::thread::spawn(move || behave(stream));
        }
    });
    addr
}

/// Reads the 517-byte ClientHello (or less if the client stops).
fn read_hello(stream: &mut std::net::TcpStream) {
    let mut hello = [0u8; 517];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.read_exact(&mut hello);
}

#[test]
fn misbehaving_proxies_are_named_in_a_clear_error() {
    let closes: fn(std::net::TcpStream) = |mut s| {
        let mut first = [0u8; 100];
        let _ = s.read(&mut first);
        // dropped: closed in the middle of the handshake
    };
    let bad_digest: fn(std::net::TcpStream) = |mut s| {
        read_hello(&mut s);
        let mut answer = vec![0x16, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3];
        answer.extend_from_slice(&[0x5a; 74]);
        answer.extend_from_slice(&[0x14, 3, 3, 0, 1, 1, 0x17, 3, 3, 0, 4, 1, 2, 3, 4]);
        let _ = s.write_all(&answer);
        std::thread::sleep(Duration::from_secs(5));
    };
    let plain_mtproto: fn(std::net::TcpStream) = |mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&[4, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff]);
        std::thread::sleep(Duration::from_secs(5));
    };
    let stalls: fn(std::net::TcpStream) = |mut s| {
        read_hello(&mut s);
        std::thread::sleep(Duration::from_secs(90));
    };
    for (what, behave, want) in [
        ("stalls", stalls, "timed out"),
        ("closes mid-handshake", closes, ""),
        (
            "bad digest",
            bad_digest,
            "ServerHello digest does not match the secret",
        ),
        ("not a proxy", plain_mtproto, "not a fake-TLS ServerHello"),
    ] {
        let proxy = fake_proxy(behave);
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("s.json");
        let key = dir.path().join("key.pem");
        std::fs::write(&key, tg_takeout::auth::TEST_SERVER_PUBLIC_KEY_PEM).unwrap();
        let link = link(proxy);
        let args = [
            "login",
            "--server",
            "127.0.0.1:1",
            "--rsa-key",
            key.to_str().unwrap(),
            "--session",
            session.to_str().unwrap(),
            "--mtproxy",
            &link,
        ];
        let out = run(&args, "+10000000000\n", Duration::from_secs(120));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("through the MTProxy {proxy}")),
            "{what}: {stderr}"
        );
        assert!(stderr.contains(want), "{what}: {stderr}");
    }
}

/// `--test-dc` with `--mtproxy`: the obfuscated header an MTProxy routes by
/// names Telegram's test DC as `10000 + dc` (10002), and the production
/// DC as itself (2) without `--test-dc`; the mock records what each
/// accepted connection's header said.
#[test]
fn test_dc_through_an_mtproxy_names_10000_plus_the_dc_in_the_header() {
    let world = small();
    let mock = Mock::start(world.clone());
    let net = mock.server.as_ref().unwrap().net.handle();
    let dir = tempfile::tempdir().unwrap();
    let key = mock.key.path().to_str().unwrap().to_owned();
    let link = link(mock.dc2());
    let input = format!(
        "{}\n{}\n{}\n",
        world.login.phone,
        world.login.code,
        world.login.password.clone().unwrap_or_default()
    );
    for (test_dc, named) in [(true, 10_002), (false, 2)] {
        let session = dir.path().join(format!("s-{test_dc}.json"));
        let session = session.to_str().unwrap();
        let mut args = vec![
            "login",
            "--rsa-key",
            &key,
            "--session",
            session,
            "--mtproxy",
            &link,
            "--api-id",
            "12345",
            "--api-hash",
            "0123456789abcdef",
        ];
        if test_dc {
            args.push("--test-dc");
        }
        let before = net.header_dcs();
        let out = run(&args, &input, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "--test-dc {test_dc}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after = net.header_dcs();
        let new: Vec<(i16, u64)> = after
            .iter()
            .map(|(dc, n)| (*dc, n - before.get(dc).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert!(!new.is_empty(), "the login connected through the proxy");
        assert!(
            new.iter().all(|(dc, _)| *dc == named),
            "--test-dc {test_dc}: the headers named {new:?}, not only {named}"
        );
    }
}
