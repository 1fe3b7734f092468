//! MTProxies: fake-TLS (`ee` secrets) against the mock's own proxy side,
//! and login + export through an independent proxy (`mtprotoproxy` from
//! PyPI, tests/proxy/) in its tls, secure (dd) and classic modes.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tg_mock_server::net::{
    Bound, FaultScript, Faulty, Handler, ListenConfig, MockServer, Reply, Request,
};
use tg_mock_server::{Api, World};
use tg_takeout::Client;
use tg_takeout::client::SignIn;
use tg_takeout::net::MtProxy;
use tg_takeout::sender::{self, TcpConnector};
use tg_takeout::transport::faketls_hello::{self, HELLO_LEN};
use tg_takeout::transport::{Obfuscation, ProxySecret, TransportKind};
use tl::{Identifiable, Serializable, enums, functions, types};

use crate::harness;
use crate::util::{TIMEOUT, client_config, connect, small_world, start};

const KEY_HEX: &str = "00112233445566778899aabbccddeeff";
const DOMAIN: &str = "example.com";

fn ee_secret() -> ProxySecret {
    let hex = format!("ee{KEY_HEX}{}", hex(DOMAIN.as_bytes()));
    hex.parse().expect("an ee secret")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fake_tls_listen() -> ListenConfig {
    let secret = ee_secret();
    ListenConfig {
        mtproxy_secret: Some(*secret.key()),
        fake_tls_domain: Some(secret.domain().to_vec()),
        ..Default::default()
    }
}

/// Answers `help.getNearestDc` with the DC asked.
struct Nearest;

impl Handler for Nearest {
    type KeyState = ();

    fn handle(&self, request: Request<'_>, _: &mut ()) -> Reply {
        let id = request.body.get(..4).map(|b| [b[0], b[1], b[2], b[3]]);
        if id != Some(functions::help::GetNearestDc::CONSTRUCTOR_ID.to_le_bytes()) {
            return Reply::Error {
                code: 400,
                message: "INPUT_METHOD_INVALID".into(),
            };
        }
        let nearest = types::NearestDc {
            country: "XX".into(),
            this_dc: request.dc_id,
            nearest_dc: request.dc_id,
        };
        Reply::Result(enums::NearestDc::from(nearest).to_bytes())
    }
}

/// Key exchange and an encrypted call over every framing inside fake-TLS,
/// against the mock's fake-TLS side.
#[tokio::test]
async fn fake_tls_round_trips_over_every_transport() {
    let server = start(fake_tls_listen(), |_| Nearest).await;
    let addr = server.address(2).unwrap();
    for kind in [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
    ] {
        let config = client_config(2, kind, Obfuscation::MtProxy(ee_secret()));
        let sender = connect(config, addr, None).await;
        assert!(sender.created_key, "{kind}");
        let enums::NearestDc::NearestDc(n) = tokio::time::timeout(
            TIMEOUT,
            sender.handle.invoke(&functions::help::GetNearestDc {}),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(n.this_dc, 2, "{kind}");
    }
}

/// A client with another secret, or another domain, gets no MTProto
/// answer: the connection is closed, and the sender's error says so
/// within its timeout.
#[tokio::test]
async fn wrong_secret_or_domain_is_closed_without_an_answer() {
    let server = start(fake_tls_listen(), |_| Nearest).await;
    let addr = server.address(2).unwrap();
    let wrong_key: ProxySecret = format!("ee{}{}", "ff".repeat(16), hex(DOMAIN.as_bytes()))
        .parse()
        .unwrap();
    let wrong_domain: ProxySecret = format!("ee{KEY_HEX}{}", hex(b"example.org"))
        .parse()
        .unwrap();
    for secret in [wrong_key, wrong_domain] {
        let mut config =
            client_config(2, TransportKind::Intermediate, Obfuscation::MtProxy(secret));
        config.connect_timeout = Duration::from_secs(5);
        let connector = TcpConnector { addr, proxy: None };
        let result = tokio::time::timeout(TIMEOUT, sender::connect(config, connector, None))
            .await
            .expect("no hang");
        let err = result.expect_err("refused").to_string();
        assert!(!err.is_empty());
    }
}

fn unix_now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    u32::try_from(secs).unwrap()
}

/// What the mock answers to `bytes`: everything it sends until it closes
/// (or 5 s pass).
fn answer_to(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut got = vec![0u8; 8192];
    let mut len = 0;
    while len < got.len() {
        match stream.read(&mut got[len..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
        // The whole answer arrives at once; wait for a close only after.
        if len > 0 {
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
        }
    }
    got.truncate(len);
    got
}

/// The mock's proxy side: a valid hello is answered with a ServerHello
/// keyed with it; the same hello again (a replay), a hello from an hour
/// ago, or one keyed with another secret gets nothing.
#[tokio::test(flavor = "multi_thread")]
async fn replayed_and_stale_hellos_are_refused() {
    let server = start(fake_tls_listen(), |_| Nearest).await;
    let addr = server.address(2).unwrap();
    let secret = ee_secret();
    let mut random = |buf: &mut [u8]| buf.fill(7);
    let (hello, digest) =
        faketls_hello::client_hello(secret.key(), DOMAIN.as_bytes(), unix_now(), &mut random)
            .unwrap();
    let (first, again) =
        tokio::task::spawn_blocking(move || (answer_to(addr, &hello), answer_to(addr, &hello)))
            .await
            .unwrap();
    let len = faketls_hello::server_hello_len(&first).unwrap().unwrap();
    assert_eq!(
        faketls_hello::verify_server_hello(&first[..len], secret.key(), &digest),
        Ok(())
    );
    assert_eq!(again, b"", "a replayed hello gets no answer");

    let (stale, _) = faketls_hello::client_hello(
        secret.key(),
        DOMAIN.as_bytes(),
        unix_now() - 3600,
        &mut random,
    )
    .unwrap();
    let (other, _) =
        faketls_hello::client_hello(&[9; 16], DOMAIN.as_bytes(), unix_now(), &mut random).unwrap();
    for hello in [stale, other] {
        let got = tokio::task::spawn_blocking(move || answer_to(addr, &hello))
            .await
            .unwrap();
        assert_eq!(got, b"");
    }
    assert_eq!(HELLO_LEN, 517);
}

/// The venv's python with the independent proxy, or why there is none
/// (set up once per test process: the tests that use it run in parallel).
fn proxy_python() -> Result<String, String> {
    static PYTHON: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    PYTHON.get_or_init(install_proxy).clone()
}

fn install_proxy() -> Result<String, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/proxy/setup.sh");
    let out = Command::new("bash")
        .arg(script)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{script} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A running `mtprotoproxy`; killed on drop.
struct Proxy {
    child: Child,
    addr: SocketAddr,
    banner: String,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    fn start(python: &str, mode: &str, dcs: &[(i32, SocketAddr)], port: u16) -> Proxy {
        let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/proxy/launcher.py");
        let mut cmd = Command::new(python);
        cmd.args([
            launcher, "--mode", mode, "--secret", KEY_HEX, "--domain", DOMAIN,
        ])
        .args(["--port", &port.to_string(), "--lifetime", "300"]);
        for (dc, addr) in dcs {
            cmd.args(["--dc", &format!("{dc}={}", addr.port())]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the launcher runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the launcher's banner");
        let port = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in the banner {line:?}"));
        Proxy {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            banner: line.trim().to_owned(),
        }
    }

    /// The `tg://proxy` link of this proxy for `mode`.
    fn link(&self, mode: &str) -> String {
        let secret = match mode {
            "tls" => ee_secret().to_hex(),
            "secure" => format!("dd{KEY_HEX}"),
            _ => KEY_HEX.to_owned(),
        };
        format!(
            "tg://proxy?server={}&port={}&secret={secret}",
            self.addr.ip(),
            self.addr.port()
        )
    }
}

/// The mock serving `world` on loopback (behind its fault script), and
/// its DC addresses.
async fn serve(world: &World) -> (MockServer, Arc<Faulty<Api>>, Vec<(i32, SocketAddr)>) {
    let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
    let dc_options = tg_mock_server::server::dc_options(&bound);
    let api = Arc::new(Faulty::new(
        Api::new(world.clone(), dc_options).expect("world"),
    ));
    let net = bound.serve(api.clone());
    let dcs = net.addresses().to_vec();
    (net, api, dcs)
}

/// Logs in to the mock at `dc2` through the proxy of `link`.
async fn login_via(dc2: SocketAddr, link: &str, world: &World) -> Client {
    let proxy: MtProxy = link.parse().expect("the link parses");
    let mut config = harness::client_config(dc2);
    config.connect_via = Some(format!("{proxy}").parse().expect("an address"));
    config.transport.obfuscation = Obfuscation::MtProxy(proxy.secret);
    let client = Client::new(config).expect("client");
    let token = client.send_code(&world.login.phone).await.expect("code");
    match client
        .sign_in(&token, &world.login.code)
        .await
        .expect("sign in")
    {
        SignIn::Done(_) => {}
        SignIn::PasswordNeeded(_) => {
            let password = world.login.password.as_deref().expect("password");
            client.check_password(password).await.expect("password");
        }
    }
    client
}

/// Login and a whole export through `mtprotoproxy` in each of its modes:
/// the export is byte-identical to a direct one.
#[tokio::test(flavor = "multi_thread")]
async fn login_and_export_through_an_independent_proxy_in_every_mode() {
    let python = match tokio::task::spawn_blocking(proxy_python).await.unwrap() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED: the independent MTProxy (mtprotoproxy) cannot be installed: {why}");
            return;
        }
    };
    let world = small_world();
    let (_net, _api, dcs) = serve(&world).await;
    let dc2 = dcs.iter().find(|(dc, _)| *dc == 2).unwrap().1;
    let want = direct_export(dc2, &world).await;

    for mode in ["tls", "secure", "classic"] {
        let proxy = Proxy::start(&python, mode, &dcs, 0);
        eprintln!("{mode}: {}", proxy.banner);
        let client = login_via(dc2, &proxy.link(mode), &world).await;
        let (_tmp, out) = harness::out_dir();
        let (report, _) =
            harness::export_with(&client, harness::everything(&out, 2), &harness::options()).await;
        report.unwrap_or_else(|e| panic!("{mode}: the export through the proxy: {e}"));
        harness::assert_same_tree(&want, &harness::tree(&out));
    }
}

/// A direct export of `world` from the mock at `dc2`.
async fn direct_export(
    dc2: SocketAddr,
    world: &World,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let direct = harness::login(dc2, world, None).await;
    let (_tmp, out) = harness::out_dir();
    let (report, _) =
        harness::export_with(&direct, harness::everything(&out, 2), &harness::options()).await;
    report.expect("the direct export");
    harness::tree(&out)
}

/// The proxy is restarted (on the same port) while an export goes through
/// it: the client reconnects, and the export finishes, byte-identical to a
/// direct one.
#[tokio::test(flavor = "multi_thread")]
async fn an_export_through_a_proxy_resumes_after_a_proxy_restart() {
    let python = match tokio::task::spawn_blocking(proxy_python).await.unwrap() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED: the independent MTProxy (mtprotoproxy) cannot be installed: {why}");
            return;
        }
    };
    let world = small_world();
    let (_net, api, dcs) = serve(&world).await;
    let dc2 = dcs.iter().find(|(dc, _)| *dc == 2).unwrap().1;
    let want = direct_export(dc2, &world).await;

    let proxy = Proxy::start(&python, "tls", &dcs, 0);
    let port = proxy.addr.port();
    let link = proxy.link("tls");
    let client = login_via(dc2, &link, &world).await;
    // Slow answers, so that the export is still running at the restart.
    api.set_script(FaultScript {
        latency_ms: 40,
        ..FaultScript::default()
    })
    .expect("a valid script");
    let (_tmp, out) = harness::out_dir();
    let settings = harness::everything(&out, 2);
    let export =
        tokio::spawn(
            async move { harness::export_with(&client, settings, &harness::options()).await },
        );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !export.is_finished(),
        "the export is still running at the restart"
    );
    drop(proxy);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = Proxy::start(&python, "tls", &dcs, port);
    assert_eq!(again.addr.port(), port);
    let (report, _) = tokio::time::timeout(Duration::from_secs(150), export)
        .await
        .expect("the export ends")
        .unwrap();
    report.expect("the export resumes through the restarted proxy");
    harness::assert_same_tree(&want, &harness::tree(&out));
}
