//! Helpers of the export tests: a mock server that also records the
//! `success` flag of every `account.finishTakeoutSession`, a logged-in
//! client, one export into a temporary folder, and folder comparisons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tg_mock_server::dispatch::{AuthState, peel};
use tg_mock_server::net::{
    Bound, FaultOutcome, FaultRule, FaultScript, Faulty, Handler, ListenConfig, MockServer, Reply,
    Request,
};
use tg_mock_server::{Api, World};
use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::export::time::utc;
use tg_takeout::invoke::RetryPolicy;
use tg_takeout::takeout::{
    ExportOptions, ExportReport, MediaType, ProgressEvent, Section, Settings, TakeoutError,
    run_export,
};
use tg_takeout::{AppInfo, Client, ClientConfig};
use tl::Deserializable;

use crate::util::TIMEOUT;

/// The fixed clock of the exports: 2023-11-14.
pub const NOW: i64 = 1_700_000_000;

/// The number of cases of a property test of whole exports:
/// `TG_E2E_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    env_cases("TG_E2E_CASES").unwrap_or(default)
}

/// The number of cases of the two export property tests (generated worlds
/// through faults, random settings): `TG_E2E_EXPORT_CASES` each (CI sets
/// it, `.ci/run`), else [`cases`].
pub fn export_cases(default: u32) -> u32 {
    env_cases("TG_E2E_EXPORT_CASES").unwrap_or_else(|| cases(default))
}

fn env_cases(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// A fault every export survives on the `nth` call of one of `methods`
/// (picked by `method`): a flood wait, a 5xx, a disconnect or a transport
/// error (`-444`, `-429`), retried; an unrequested quick ack, skipped; for
/// `upload.getFile` also `FILE_MIGRATE_X` (followed) or
/// `FILE_REFERENCE_EXPIRED` (refreshed).
pub fn survivable_fault(methods: &[&str], method: usize, nth: u32, kind: usize) -> FaultRule {
    let method = methods[method % methods.len()];
    let error = |code, message: String| FaultOutcome::Error(code, message);
    let outcome = match (kind % 8, method) {
        (5, _) => FaultOutcome::TransportError(-444),
        (6, _) => FaultOutcome::QuickAck,
        (7, _) => FaultOutcome::TransportError(-429),
        (0, _) => error(420, "FLOOD_WAIT_0".to_owned()),
        (1, _) => error(500, "INTERNAL".to_owned()),
        (2, _) => FaultOutcome::Disconnect,
        (3, "upload.getFile") => error(303, format!("FILE_MIGRATE_{}", 1 + nth % 5)),
        (4, "upload.getFile") => error(400, "FILE_REFERENCE_EXPIRED".to_owned()),
        _ => error(500, "RPC_CALL_FAIL".to_owned()),
    };
    FaultRule {
        method: method.into(),
        nth: Some(nth),
        times: Some(1),
        outcome: Some(outcome),
        ..FaultRule::default()
    }
}

fn now() -> i64 {
    NOW
}

/// The API behind its fault script, recording `finishTakeoutSession`.
struct Recorder {
    api: Arc<Faulty<Api>>,
    finishes: Arc<Mutex<Vec<bool>>>,
    seen: Arc<Mutex<Vec<crate::pacing::Seen>>>,
}

impl Handler for Recorder {
    type KeyState = AuthState;

    fn handle(&self, request: Request<'_>, state: &mut AuthState) -> Reply {
        let body = request.body;
        let (at, dc) = (std::time::Instant::now(), request.dc_id);
        let reply = self.api.handle(request, state);
        self.seen.lock().unwrap().push(crate::pacing::Seen {
            at,
            dc,
            method: tg_mock_server::net::faults::called_method(body),
            flood: crate::pacing::flood_seconds(&reply),
            transport: crate::pacing::transport_code(&reply),
        });
        // Only finishes the server answered (not scripted faults) count; a
        // quick ack in front of the answer still answers.
        let answered = match &reply {
            Reply::QuickAck(inner) => inner.as_ref(),
            other => other,
        };
        if let (Reply::Result(_), Ok(p)) = (answered, peel(body)) {
            if p.method == "account.finishTakeoutSession" {
                if let Ok(f) = tl::functions::account::FinishTakeoutSession::from_bytes(&p.query) {
                    self.finishes.lock().unwrap().push(f.success);
                }
            }
        }
        reply
    }

    fn connection_faults(&self) -> tg_mock_server::net::ConnFaults {
        // Latency, bandwidth, clock skew and drops of the fault script.
        self.api.connection_faults()
    }
}

/// One served call: method, wrappers (outermost first), rpc error.
pub type Call = (String, Vec<&'static str>, Option<(i32, String)>);

/// A running mock server with a logged-in client.
pub struct Server {
    /// The listeners (serving while this lives).
    _net: MockServer,
    /// The API with its fault script.
    pub api: Arc<Faulty<Api>>,
    /// `success` of every `account.finishTakeoutSession`, in order.
    pub finishes: Arc<Mutex<Vec<bool>>>,
    /// Every call with the time it came (for flood-wait windows).
    pub seen: Arc<Mutex<Vec<crate::pacing::Seen>>>,
    /// Logged in, DC table known.
    pub client: Client,
}

impl Server {
    /// Serves `world` on loopback and logs a client in.
    pub async fn start(world: World) -> Self {
        Self::start_recorded(world, None).await
    }

    /// [`Server::start`] with a client that records every call, its login
    /// included, into `recorder`.
    pub async fn start_recorded(
        world: World,
        recorder: Option<tg_takeout::record::Recorder>,
    ) -> Self {
        let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
        let dc_options = tg_mock_server::server::dc_options(&bound);
        let api = Arc::new(Faulty::new(
            Api::new(world.clone(), dc_options).expect("world"),
        ));
        let finishes = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = recorder;
        let recorder = Recorder {
            api: api.clone(),
            finishes: finishes.clone(),
            seen: seen.clone(),
        };
        let net = bound.serve(Arc::new(recorder));
        let addr = net
            .addresses()
            .iter()
            .find(|(dc, _)| *dc == 2)
            .map(|(_, a)| *a)
            .expect("DC 2");
        let client = login(addr, &world, record).await;
        Self {
            _net: net,
            api,
            finishes,
            seen,
            client,
        }
    }

    /// Replaces the fault script (counters restart).
    pub fn faults(&self, script: FaultScript) {
        self.api.set_script(script).expect("valid fault script");
    }

    /// The dispatcher's call log.
    pub fn calls(&self) -> Vec<Call> {
        self.api
            .inner()
            .dispatcher()
            .stats()
            .log
            .into_iter()
            .map(|c| (c.method, c.wrappers, c.error))
            .collect()
    }

    /// Forgets the call log and the recorded finishes.
    pub fn reset(&self) {
        self.api.inner().dispatcher().reset_stats();
        self.finishes.lock().unwrap().clear();
    }
}

/// A client of the mock's DC 2 with quick retries.
pub fn client_config(addr: std::net::SocketAddr) -> ClientConfig {
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(12345, "0123abcd"));
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connect_timeout = TIMEOUT;
    config.connections_per_dc = 2;
    config.retry = RetryPolicy {
        max_flood_wait: Duration::from_secs(30),
        flood_margin: Duration::ZERO,
        max_attempts: 10,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    };
    config
}

/// Logs a client of the server at `addr` in as `world`'s account
/// (recording into `recorder`), and asks for the DC table.
pub async fn login(
    addr: std::net::SocketAddr,
    world: &World,
    recorder: Option<tg_takeout::record::Recorder>,
) -> Client {
    let mut config = client_config(addr);
    config.recorder = recorder;
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
    client.refresh_dc_table().await.expect("help.getConfig");
    client
}

/// Every section, every chat in full, every media type, no size limit.
pub fn everything(out: &Path, parallel: usize) -> Settings {
    Settings {
        sections: Section::ALL.to_vec(),
        full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
        media: MediaType::ALL.to_vec(),
        size_limit: tg_takeout::takeout::plan::NO_SIZE_LIMIT,
        format: tg_takeout::takeout::Format::Both,
        out: out.to_owned(),
        parallel,
        ..Settings::default()
    }
}

/// The export options of the tests: UTC, the fixed clock.
pub fn options() -> ExportOptions {
    ExportOptions {
        now_unix: now,
        ..ExportOptions::new(utc())
    }
}

/// One export with `settings`; the events it sent.
pub async fn export(
    server: &Server,
    settings: Settings,
    options: &ExportOptions,
) -> (Result<ExportReport, TakeoutError>, Vec<ProgressEvent>) {
    export_with(&server.client, settings, options).await
}

/// [`export`] by `client`.
pub async fn export_with(
    client: &Client,
    settings: Settings,
    options: &ExportOptions,
) -> (Result<ExportReport, TakeoutError>, Vec<ProgressEvent>) {
    let plan = settings.validate().expect("valid settings");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let result = tokio::time::timeout(
        Duration::from_secs(120),
        run_export(client, &plan, options, &tx),
    )
    .await
    .expect("the export finishes within two minutes");
    drop(tx);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

/// Every file of the export under `root` by relative path, without the
/// state folder `--update` keeps (`.tg-takeout-state/`: the server's raw
/// history pages, whose bytes depend on how they were fetched; README
/// "Keeping an export up to date").
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = tree_all(root);
    let state = format!("{}/", tg_takeout::takeout::state::STATE_DIR);
    all.retain(|path, _| !path.starts_with(&state));
    all
}

/// Every file under `root` by relative path, the state folder included.
pub fn tree_all(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Asserts two trees are byte-identical, naming the first difference.
pub fn assert_same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let names_a: Vec<&String> = a.keys().collect();
    let names_b: Vec<&String> = b.keys().collect();
    assert_eq!(names_a, names_b, "the same files");
    for (name, bytes) in a {
        assert!(
            &b[name] == bytes,
            "{name} differs:\n{}\n---\n{}",
            String::from_utf8_lossy(bytes)
                .chars()
                .take(3000)
                .collect::<String>(),
            String::from_utf8_lossy(&b[name])
                .chars()
                .take(3000)
                .collect::<String>()
        );
    }
}

/// A fresh temporary folder and the export folder inside it.
pub fn out_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("export");
    (tmp, out)
}
