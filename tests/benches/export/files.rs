//! `--downloads [quick]`: file throughput over several connections per DC
//! (README "Downloads"). A generated world with files on DCs 2 and 4 of
//! log-uniform sizes (photos of 100-400 KB, documents up to
//! `--max-file-mb`, default 100), served in this process by the mock with
//! 50 ms latency, 2,000,000 bytes a second per connection and a rate limit
//! of 30 `upload.getFile` calls a second; exported (photos and documents,
//! JSON) three ways:
//!
//! - ours: the defaults (`--connections 8`, `--download-memory 64`);
//! - Telegram-Desktop-style: one download connection, one part in flight
//!   (our parts are 1 MiB, not Desktop's 128 KiB: kinder to the baseline);
//! - tdl-style: two connections, eight parts in flight.
//!
//! Reported per run: seconds, MB/s, the peak download connections (sum over
//! the DCs, from `files_rate` events), the aggregate cap (those connections
//! × 2 MB/s, at most 30 × 1 MiB a second), our share of it, and the peak
//! RSS of this process (the mock included: an upper bound for the
//! exporter). `quick` uses a world of about 60 MB instead of 200+.

use std::time::Instant;

use tg_mock_server::net::{FaultScript, RateLimit};
use tg_takeout::Client;
use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::export::time::utc;
use tg_takeout::takeout::{
    ExportOptions, Format, MediaType, ProgressEvent, Section, Settings, run_export,
};
use tg_takeout::{AppInfo, ClientConfig};

use super::{proc_status_kb, reset_peak_rss};

const CAP_PER_CONNECTION: f64 = 2_000_000.0;
const RATE_LIMIT: u32 = 30;

struct Mode {
    name: &'static str,
    connections: usize,
    budget_mib: u64,
}

const MODES: [Mode; 3] = [
    Mode {
        name: "ours (defaults: 8 connections, 64 MiB)",
        connections: 8,
        budget_mib: 64,
    },
    Mode {
        name: "Telegram-Desktop-style (1 connection, 1 part)",
        connections: 1,
        budget_mib: 1,
    },
    Mode {
        name: "tdl-style (2 connections, 8 parts)",
        connections: 2,
        budget_mib: 8,
    },
];

/// Runs the comparison; `quick` for a smaller world.
pub fn measure(quick: bool, max_file_mb: u64) {
    let (files, messages) = if quick { (40, 600) } else { (90, 1500) };
    let world = tg_mock_server::generate(&tg_mock_server::GenerateConfig {
        seed: 21,
        dialogs: 12,
        messages,
        files,
        max_file_size: max_file_mb << 20,
        file_dcs: vec![2, 4],
        ..tg_mock_server::GenerateConfig::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    runtime.block_on(async {
        let listen = tg_mock_server::net::ListenConfig::default();
        let running = tg_mock_server::start(world.clone(), listen, None)
            .await
            .expect("the mock server starts");
        running
            .api
            .set_script(FaultScript {
                latency_ms: 50,
                bandwidth_bytes_per_sec: Some(CAP_PER_CONNECTION as u64),
                rate_limits: vec![RateLimit {
                    method: "upload.getFile".into(),
                    max_calls: RATE_LIMIT,
                    per_secs: 1,
                    flood_wait_secs: None,
                }],
                ..FaultScript::default()
            })
            .expect("fault script");
        let addr = running.address(2).expect("DC 2");
        for mode in &MODES {
            let client = login(addr, &world, mode).await;
            let floods_before = floods(&running);
            let row = export(&client, mode).await;
            let floods = floods(&running) - floods_before;
            client.disconnect().await;
            eprintln!("  {}: {} FLOOD_WAIT answers", mode.name, floods);
            rows.push((row, floods));
        }
    });
    println!(
        "| run | files | MB | seconds | MB/s | peak connections | cap MB/s | share of cap | FLOOD_WAITs | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (r, floods) in &rows {
        let cap =
            (r.connections as f64 * CAP_PER_CONNECTION).min(f64::from(RATE_LIMIT) * 1_048_576.0);
        let rate = r.bytes as f64 / r.secs;
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.2} | {} | {:.1} | {:.0}% | {floods} | {} MB |",
            r.name,
            r.files,
            r.bytes as f64 / 1e6,
            r.secs,
            rate / 1e6,
            r.connections,
            cap / 1e6,
            100.0 * rate / cap,
            r.rss_kb / 1024,
        );
    }
    if let [ours, desktop, tdl] = &rows[..] {
        let speed = |r: &Row| r.bytes as f64 / r.secs;
        println!(
            "ours / Desktop-style: {:.1}x; ours / tdl-style: {:.1}x",
            speed(&ours.0) / speed(&desktop.0),
            speed(&ours.0) / speed(&tdl.0)
        );
    }
}

fn floods(running: &tg_mock_server::server::Running) -> u64 {
    running
        .api
        .inner()
        .dispatcher()
        .stats()
        .methods
        .get("upload.getFile")
        .map_or(0, |m| m.faults)
}

async fn login(addr: std::net::SocketAddr, world: &tg_mock_server::World, mode: &Mode) -> Client {
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(12345, "0123abcd"));
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connections_per_dc = mode.connections;
    config.download_budget = mode.budget_mib << 20;
    let client = Client::new(config).expect("client");
    let token = client.send_code(&world.login.phone).await.expect("code");
    match client
        .sign_in(&token, &world.login.code)
        .await
        .expect("sign in")
    {
        SignIn::Done(_) => {}
        SignIn::PasswordNeeded(_) => panic!("no password in this world"),
    }
    client.refresh_dc_table().await.expect("help.getConfig");
    client
}

struct Row {
    name: &'static str,
    files: u64,
    bytes: u64,
    secs: f64,
    connections: usize,
    rss_kb: u64,
}

async fn export(client: &Client, mode: &Mode) -> Row {
    let tmp = tempfile::tempdir().expect("temp dir");
    let chats: Vec<Section> = Section::ALL.into_iter().filter(|s| s.is_chat()).collect();
    let settings = Settings {
        sections: chats.clone(),
        full_chats: chats,
        media: vec![MediaType::Photo, MediaType::Video, MediaType::File],
        size_limit: tg_takeout::takeout::plan::NO_SIZE_LIMIT,
        format: Format::Json,
        out: tmp.path().join("export"),
        ..Settings::default()
    };
    let plan = settings.validate().expect("valid settings");
    let options = ExportOptions {
        now_unix: || 1_700_000_000,
        ..ExportOptions::new(utc())
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let peak = tokio::spawn(async move {
        let mut peak = 0;
        while let Some(event) = rx.recv().await {
            if let ProgressEvent::FilesRate(rate) = event {
                peak = rate
                    .dcs
                    .iter()
                    .map(|d| d.connections)
                    .sum::<usize>()
                    .max(peak);
            }
        }
        peak
    });
    reset_peak_rss();
    let started = Instant::now();
    let report = run_export(client, &plan, &options, &tx)
        .await
        .expect("the export completes");
    let secs = started.elapsed().as_secs_f64();
    let rss_kb = proc_status_kb("self", "VmHWM");
    drop(tx);
    let connections = peak.await.unwrap_or(0);
    Row {
        name: mode.name,
        files: report.files,
        bytes: report.bytes,
        secs,
        connections,
        rss_kb,
    }
}
