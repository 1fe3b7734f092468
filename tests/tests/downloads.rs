//! File downloads over several connections per DC (README "Downloads"):
//! byte-identical output whatever the connections, parts in flight,
//! faults and flood waits; never more connections than allowed; a dropped
//! connection costs a part, not the file; listing keeps its own connection
//! while big files download; `files_rate` progress events.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use tg_mock_server::generate::{GenerateConfig, generate};
use tg_mock_server::net::{
    Bound, FaultOutcome, FaultRule, FaultScript, Faulty, ListenConfig, MockServer, RateLimit,
};
use tg_mock_server::stats::CallRecord;
use tg_mock_server::{Api, World};
use tg_takeout::Client;
use tg_takeout::client::SignIn;
use tg_takeout::takeout::ProgressEvent;

use crate::harness::{
    assert_same_tree, cases, client_config, everything, export_with, options, out_dir, tree,
};

/// The mock serving `world`, with its fault script.
struct Mock {
    _net: MockServer,
    api: Arc<Faulty<Api>>,
    addr: SocketAddr,
    world: World,
}

impl Mock {
    async fn start(world: World) -> Self {
        Self::start_with(world, None).await
    }

    /// [`Mock::start`]; with `dc4`, the DC table sends DC 4 there.
    async fn start_with(world: World, dc4: Option<SocketAddr>) -> Self {
        let bound = Bound::bind(ListenConfig::default()).await.expect("bind");
        let mut dc_options = tg_mock_server::server::dc_options(&bound);
        if let Some(addr) = dc4 {
            for dc in dc_options.iter_mut().filter(|d| d.id == 4) {
                dc.ip = addr.ip().to_string();
                dc.port = addr.port();
            }
        }
        let api = Arc::new(Faulty::new(
            Api::new(world.clone(), dc_options).expect("world"),
        ));
        let net = bound.serve(api.clone());
        let addr = net
            .addresses()
            .iter()
            .find(|(dc, _)| *dc == 2)
            .map(|(_, a)| *a)
            .expect("DC 2");
        Self {
            _net: net,
            api,
            addr,
            world,
        }
    }

    /// A logged-in client with `connections` download connections per DC
    /// and `budget` MiB of parts in flight.
    async fn client(&self, connections: usize, budget: u64) -> Client {
        let mut config = client_config(self.addr);
        config.connections_per_dc = connections;
        config.download_budget = budget << 20;
        let client = Client::new(config).expect("client");
        let token = client
            .send_code(&self.world.login.phone)
            .await
            .expect("code");
        match client
            .sign_in(&token, &self.world.login.code)
            .await
            .expect("sign in")
        {
            SignIn::Done(_) => {}
            SignIn::PasswordNeeded(_) => panic!("the generated worlds have no password"),
        }
        client.refresh_dc_table().await.expect("help.getConfig");
        client
    }

    fn faults(&self, script: FaultScript) {
        self.api.set_script(script).expect("valid fault script");
    }

    fn log(&self) -> Vec<CallRecord> {
        self.api
            .inner()
            .dispatcher()
            .stats()
            .log
            .into_iter()
            .collect()
    }

    fn reset(&self) {
        self.api.inner().dispatcher().reset_stats();
    }
}

/// Files on DCs 2 and 4, several of them over 1 MiB.
fn world(seed: u64, files: usize, max_mib: u64) -> World {
    generate(&GenerateConfig {
        seed,
        dialogs: 6,
        messages: 240,
        files,
        max_file_size: max_mib << 20,
        file_dcs: vec![2, 4],
        ..GenerateConfig::default()
    })
}

/// Exports everything with `client`; the tree written.
async fn export_tree(client: &Client) -> (BTreeMap<String, Vec<u8>>, Vec<ProgressEvent>) {
    let (_tmp, out) = out_dir();
    let (result, events) = export_with(client, everything(&out, 4), &options()).await;
    let report = result.expect("the export completes");
    assert!(report.files > 0, "the world has files");
    (tree(&out), events)
}

/// The most connections of one DC that carried `upload.getFile` at the
/// same time: each connection's calls span from its first to its last
/// (a reconnect or a reopened connection is a new connection to the mock,
/// and starts after the one it replaces ended).
fn peak_file_connections(log: &[CallRecord]) -> BTreeMap<i32, usize> {
    let mut spans: BTreeMap<(i32, u64), (u64, u64)> = BTreeMap::new();
    for c in log.iter().filter(|c| c.method == "upload.getFile") {
        let Some(conn) = c.conn_id else { continue };
        let span = spans.entry((c.dc_id, conn)).or_insert((c.seq, c.seq));
        span.1 = c.seq;
    }
    let mut peaks = BTreeMap::new();
    for (&(dc, _), &(start, _)) in &spans {
        let open = spans
            .iter()
            .filter(|((d, _), (s, e))| *d == dc && *s <= start && start <= *e)
            .count();
        let peak = peaks.entry(dc).or_insert(0);
        *peak = open.max(*peak);
    }
    peaks
}

/// (file id, thumbnail size, offset) of every `upload.getFile` the mock
/// served.
fn offsets(log: &[CallRecord]) -> Vec<(i64, String, i64)> {
    log.iter()
        .filter(|c| c.method == "upload.getFile" && c.fault.is_none() && c.error.is_none())
        .filter_map(|c| {
            let p = c.params.as_ref()?;
            let location = &p["location"];
            let thumb = location["thumb_size"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            Some((location["id"].as_i64()?, thumb, p["offset"].as_i64()?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_connections_write_the_same_bytes_as_one() {
    let mock = Mock::start(world(11, 24, 5)).await;
    let one = mock.client(1, 1).await;
    let (expected, _) = export_tree(&one).await;
    one.disconnect().await;
    mock.reset();
    let many = mock.client(4, 64).await;
    let (got, events) = export_tree(&many).await;
    assert_same_tree(&expected, &got);
    let log = mock.log();
    let peaks = peak_file_connections(&log);
    assert!(peaks.values().all(|&p| p <= 4), "{peaks:?}");
    assert!(
        peaks.values().any(|&p| p >= 2),
        "several connections used: {peaks:?}"
    );
    // Listing never waits behind a part: no connection carries both.
    let file_conns: BTreeSet<_> = log
        .iter()
        .filter(|c| c.method == "upload.getFile")
        .map(|c| (c.dc_id, c.conn_id))
        .collect();
    assert!(
        log.iter()
            .filter(|c| c.method == "messages.getHistory")
            .all(|c| !file_conns.contains(&(c.dc_id, c.conn_id))),
        "history pages go over their own connection"
    );
    // Throughput and connections are reported.
    let rates: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::FilesRate(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert!(!rates.is_empty(), "files_rate events");
    let last = rates.last().unwrap();
    assert!(last.bytes_done > 0 && last.bytes_done <= last.bytes_total.max(last.bytes_done));
    let json = serde_json::to_value(ProgressEvent::FilesRate(last.clone())).unwrap();
    assert_eq!(json["event"], "files_rate");
    for key in [
        "bytes_per_sec",
        "bytes_done",
        "bytes_total",
        "eta_secs",
        "dcs",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_file_connection_resumes_at_the_part() {
    let mock = Mock::start(world(12, 8, 6)).await;
    // One part in flight at a time: a drop loses exactly that part (with
    // more, every part in flight on the connection is asked again).
    let client = mock.client(1, 1).await;
    let (expected, _) = export_tree(&client).await;
    mock.reset();
    // Every 5th part: the connection drops in the middle of the answer.
    mock.faults(FaultScript {
        rules: vec![FaultRule {
            method: "upload.getFile".into(),
            every: Some(5),
            outcome: Some(FaultOutcome::DisconnectMidFrame),
            ..FaultRule::default()
        }],
        ..FaultScript::default()
    });
    let (got, _) = export_tree(&client).await;
    assert_same_tree(&expected, &got);
    // Every 5th call is served and lost with its connection, then asked
    // again on the new one: a part served twice for each drop, never a
    // whole file again.
    let served = offsets(&mock.log());
    let distinct: BTreeSet<_> = served.iter().collect();
    let drops = served.len() / 5;
    assert!(drops > 0, "some parts were dropped");
    assert!(
        served.len() - distinct.len() <= drops,
        "{} parts served, {} distinct, {drops} drops",
        served.len(),
        distinct.len()
    );
    assert!(
        served.len() > distinct.len(),
        "dropped parts were asked again"
    );
}

/// A fault script of random latency, bandwidth, rate limits, disconnects
/// and flood waits on `upload.getFile`.
fn fault_script() -> impl Strategy<Value = FaultScript> {
    (
        0u64..30,
        proptest::option::of(2_000_000u64..8_000_000),
        proptest::option::of(10u32..40),
        proptest::option::of(3u32..9),
        proptest::option::of(2u32..9),
        any::<u64>(),
    )
        .prop_map(|(latency_ms, bandwidth, rate, disconnect, flood, seed)| {
            let mut rules = Vec::new();
            if let Some(every) = disconnect {
                rules.push(FaultRule {
                    method: "upload.getFile".into(),
                    every: Some(every),
                    outcome: Some(FaultOutcome::Disconnect),
                    ..FaultRule::default()
                });
            }
            if let Some(every) = flood {
                // A few refusals that do not depend on the rate (rate
                // limits are `rate`): an endless share of refused calls
                // whatever the pace is not something the pacer learns
                // from (client/src/invoke/pace/mod.rs, "Known limits").
                rules.push(FaultRule {
                    method: "upload.getFile".into(),
                    every: Some(every + 1),
                    times: Some(4),
                    outcome: Some(FaultOutcome::Error(420, "FLOOD_WAIT_1".into())),
                    ..FaultRule::default()
                });
            }
            FaultScript {
                seed,
                latency_ms,
                bandwidth_bytes_per_sec: bandwidth,
                rate_limits: rate
                    .map(|max_calls| RateLimit {
                        method: "upload.getFile".into(),
                        max_calls,
                        per_secs: 1,
                        flood_wait_secs: None,
                    })
                    .into_iter()
                    .collect(),
                rules,
                ..FaultScript::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(3), ..ProptestConfig::default() })]

    /// Random faults on two DCs, random connections and budgets: the same
    /// bytes as a quiet export, and never more connections than allowed.
    #[test]
    fn faults_and_flood_waits_change_no_byte(
        script in fault_script(),
        connections in 1usize..6,
        budget in 1u64..24,
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mock = Mock::start(world(13, 10, 3)).await;
            let quiet = mock.client(2, 8).await;
            let (expected, _) = export_tree(&quiet).await;
            quiet.disconnect().await;
            mock.reset();
            mock.faults(script);
            let client = mock.client(connections, budget).await;
            let (got, _) = export_tree(&client).await;
            assert_same_tree(&expected, &got);
            let peaks = peak_file_connections(&mock.log());
            assert!(peaks.values().all(|&p| p <= connections), "{peaks:?} > {connections}");
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_progresses_while_big_files_download() {
    // Many history pages, held to 10 a second, and big files on capped
    // connections: the two overlap, and neither waits for the other.
    let mock = Mock::start(generate(&GenerateConfig {
        seed: 14,
        dialogs: 6,
        messages: 2_000,
        files: 12,
        max_file_size: 8 << 20,
        file_dcs: vec![2, 4],
        ..GenerateConfig::default()
    }))
    .await;
    let client = mock.client(2, 8).await;
    mock.faults(FaultScript {
        latency_ms: 20,
        bandwidth_bytes_per_sec: Some(2_000_000),
        rate_limits: vec![RateLimit {
            method: "messages.getHistory".into(),
            max_calls: 10,
            per_secs: 1,
            flood_wait_secs: None,
        }],
        ..FaultScript::default()
    });
    let _ = export_tree(&client).await;
    let log = mock.log();
    let seqs = |method: &str| -> Vec<u64> {
        log.iter()
            .filter(|c| c.method == method && c.fault.is_none())
            .map(|c| c.seq)
            .collect()
    };
    let (files, pages) = (seqs("upload.getFile"), seqs("messages.getHistory"));
    let (first_file, last_file) = (files[0], *files.last().unwrap());
    let (first_page, last_page) = (pages[0], *pages.last().unwrap());
    let pages_during = pages
        .iter()
        .filter(|&&s| s > first_file && s < last_file)
        .count();
    let files_during = files
        .iter()
        .filter(|&&s| s > first_page && s < last_page)
        .count();
    assert!(
        pages_during > 0,
        "history pages answered while files download"
    );
    assert!(
        files_during > 0,
        "files download while history pages are read"
    );
}

/// Connecting a DC that does not answer holds up no call to another DC
/// (the pools' lock is not held across a connect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_dc_holds_up_no_other() {
    // DC 4 accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        for _ in 0..16 {
            match silent.accept().await {
                Ok((stream, _)) => open.push(stream),
                Err(_) => break,
            }
        }
    });
    let mock = Mock::start_with(world(15, 2, 1), Some(silent_addr)).await;
    let client = mock.client(2, 8).await;
    let stuck = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .invoke_in_dc(4, &tl::functions::help::GetNearestDc {})
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(
        Duration::from_secs(5),
        client.invoke(&tl::functions::help::GetNearestDc {}),
    )
    .await
    .expect("the home DC answers while DC 4 connects")
    .expect("help.getNearestDc");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!stuck.is_finished(), "DC 4 never answers");
    stuck.abort();
    held.abort();
}

/// While the writer waits for a big file, the files of the pages after it
/// keep downloading (the chats stage decides further ahead while the
/// downloader could take more files), rather than the connections draining
/// as the big file's last parts arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_after_a_big_one_download_while_it_does() {
    let mock = Mock::start(generate(&GenerateConfig {
        seed: 31,
        dialogs: 1,
        messages: 3_000,
        files: 24,
        max_file_size: 8 << 20,
        file_dcs: vec![2],
        ..GenerateConfig::default()
    }))
    .await;
    // 16 MiB of parts: up to 16 files at once, more than follow the big
    // one, so none of them waits for a slot whatever the timing.
    let client = mock.client(2, 16).await;
    mock.faults(FaultScript {
        bandwidth_bytes_per_sec: Some(4_000_000),
        ..FaultScript::default()
    });
    let (_, events) = export_tree(&client).await;
    // The chats' files in the order they started, with their sizes.
    let mut started: Vec<(&str, u64)> = Vec::new();
    let mut finished_at = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            ProgressEvent::FileStarted { name, size } if name.starts_with("chats/") => {
                started.push((name, *size));
            }
            ProgressEvent::FileFinished { name } => {
                finished_at.insert(name.as_str(), i);
            }
            _ => {}
        }
    }
    let started_at: BTreeMap<&str, usize> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            ProgressEvent::FileStarted { name, .. } => Some((name.as_str(), i)),
            _ => None,
        })
        .collect();
    // The first file of several parts, and the files started after it.
    let (index, (big, size)) = started
        .iter()
        .enumerate()
        .find(|(_, (_, size))| *size > 3 << 20)
        .expect("the world has a file of several parts");
    let (from, to) = (started_at[big], finished_at[big]);
    let after = started.len() - index - 1;
    if std::env::var_os("DEBUG_EVENTS").is_some() {
        for (i, e) in events.iter().enumerate() {
            eprintln!("{i} {e:?}");
        }
    }
    let during = started[index + 1..]
        .iter()
        .filter(|(name, _)| started_at[name] > from && started_at[name] < to)
        .count();
    assert!(
        after >= 12,
        "{after} files after the big one: the world is not the one this test needs"
    );
    assert!(
        during == after,
        "{during} of the {after} files after {big} ({size} bytes) started while it downloaded"
    );
}
