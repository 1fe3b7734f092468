//! `--downloads [quick|long]`: file throughput over several connections per DC
//! (README "Downloads"). A generated world with files on DCs 2 and 4 of
//! log-uniform sizes (photos of 100-400 KB, documents up to
//! `--max-file-mb`, default 100), served by the mock (a child process) with
//! 50 ms latency, 2,000,000 bytes a second per connection and a rate limit
//! of 30 `upload.getFile` calls a second (over the whole server). Three
//! runs, each with a new client:
//!
//! - ours: an export with the defaults (`--connections 8`,
//!   `--download-memory 64`; photos and documents, JSON), timed whole and
//!   over its download phase (the first file started to the last one
//!   finished, as the progress events tell);
//! - the baselines of `baseline.rs`: Telegram-Desktop-style (one
//!   connection, one 128 KiB request at a time) and tdl-style (two files
//!   at a time, four 1 MiB parts each, a connection per file), which only
//!   download the world's files (no listing).
//!
//! Reported per run: seconds, MB/s, the download connections used at once
//! (ours: the peak summed over the DCs, and the mean, from the
//! `files_rate` events), the aggregate cap (those connections × 2 MB/s,
//! at most 30 × 1 MiB a second; the mean is the mean of each sample's
//! cap), the share of it; the bytes per served `upload.getFile` call and
//! the cap with them (at most 30 such calls a second: a photo smaller
//! than a part takes a whole call, so 30 × 1 MiB is out of reach when
//! the rate limit binds) and the share of that; the cap of each moment
//! (each stretch between two samples capped by its connections and by 30
//! calls a second at that stretch's bytes per call, a flood wait's pause
//! capped by its connections: `moment_cap`) and the share of that; the
//! `FLOOD_WAIT`
//! answers, and the peak RSS of this process and how far above the run's
//! start it went. The mock runs in a child process (`mock.rs`, started with
//! `--downloads`: it generates the same world), so this process holds the
//! exporter, its runtime and the world's description (for the baselines'
//! file list); the child's peak is printed at the end.
//! `quick` uses a world of about 100 MB instead of 200+, `long` one of
//! about 600 MB (a flood wait's pause, paid when the limit is first met,
//! is a smaller share of a longer run).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tg_mock_server::Api;
use tg_mock_server::net::{FaultScript, Faulty, RateLimit};
use tg_takeout::Client;
use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::export::time::utc;
use tg_takeout::takeout::{
    ExportOptions, Format, MediaType, ProgressEvent, Section, Settings, run_export,
};
use tg_takeout::{AppInfo, ClientConfig};

use super::baseline::{self, Style};
use super::mock::Mock;
use super::{proc_status_kb, reset_peak_rss};

const CAP_PER_CONNECTION: f64 = 2_000_000.0;
const RATE_LIMIT: u32 = 30;
/// A whole part (bytes).
const PART: f64 = 1_048_576.0;

/// The world's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// About 100 MB.
    Quick,
    /// About 200 MB (the issue's).
    Full,
    /// About 600 MB.
    Long,
}

impl Size {
    /// From `--downloads`'s value (`quick`, `long`; anything else: full).
    pub fn parse(s: &str) -> Self {
        match s {
            "quick" => Self::Quick,
            "long" => Self::Long,
            _ => Self::Full,
        }
    }
}

/// Runs the comparison on a world of `size`.
/// The world of `size`, documents up to `max_file_mb` (the bench and its
/// mock child generate the same one).
pub fn world(size: Size, max_file_mb: u64) -> tg_mock_server::World {
    let (files, messages) = match size {
        Size::Quick => (40, 600),
        Size::Full => (90, 1500),
        Size::Long => (180, 3000),
    };
    tg_mock_server::generate(&tg_mock_server::GenerateConfig {
        seed: 21,
        dialogs: 12,
        messages,
        files,
        max_file_size: max_file_mb << 20,
        file_dcs: vec![2, 4],
        ..tg_mock_server::GenerateConfig::default()
    })
}

/// The mock child's `upload.getFile` count: `count` (served) or `faults`
/// (refused with a flood wait).
fn get_file(mock: &Mutex<Mock>, what: &str) -> u64 {
    lock(mock)
        .command(&format!("{what} upload.getFile"))
        .expect("the mock child answers")
}

/// `upload.getFile` calls served so far.
fn served(mock: &Mutex<Mock>) -> u64 {
    get_file(mock, "count")
}

/// `upload.getFile` calls refused so far (the rate limit's flood waits).
fn floods(mock: &Mutex<Mock>) -> u64 {
    get_file(mock, "faults")
}

/// Runs the comparison on a world of `size`.
pub fn measure(size: Size, max_file_mb: u64) {
    let world = world(size, max_file_mb);
    let size_arg = match size {
        Size::Quick => "quick",
        Size::Full => "full",
        Size::Long => "long",
    };
    let mock = Mock::spawn_args(&[
        "--downloads".into(),
        size_arg.into(),
        "--max-file-mb".into(),
        max_file_mb.to_string(),
    ]);
    let addr = mock.addr;
    let mock = Arc::new(Mutex::new(mock));
    let script = FaultScript {
        latency_ms: 50,
        bandwidth_bytes_per_sec: Some(CAP_PER_CONNECTION as u64),
        rate_limits: vec![RateLimit {
            method: "upload.getFile".into(),
            max_calls: RATE_LIMIT,
            per_secs: 1,
            flood_wait_secs: None,
        }],
        ..FaultScript::default()
    };
    let script = serde_json::to_string(&script).expect("a fault script as JSON");
    lock(&mock)
        .command(&format!("script {script}"))
        .expect("the mock child takes the fault script");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    runtime.block_on(async {
        let targets = baseline::targets(&world);
        for (dc, files, bytes) in baseline::per_dc(&targets) {
            eprintln!("DC {dc}: {files} files, {:.1} MB", bytes as f64 / 1e6);
        }
        // Ours.
        let client = login(addr, &world, 8, 64).await;
        let before = floods(&mock);
        let calls_before = served(&mock);
        let counter = mock.clone();
        let (mut whole, mut phase) = export(&client, move || served(&counter)).await;
        let after = floods(&mock);
        whole.calls = served(&mock) - calls_before;
        phase.calls = whole.calls;
        client.disconnect().await;
        if std::env::var_os("TG_BENCH_TIMELINE").is_some() {
            lock(&mock)
                .command("timeline upload.getFile")
                .expect("the mock child's timeline");
        }
        rows.push((whole, after - before));
        rows.push((phase, after - before));
        // The baselines (`TG_BENCH_NO_BASELINES=1`: ours alone, to study it).
        let baselines = std::env::var_os("TG_BENCH_NO_BASELINES").is_none();
        for (style, name) in [
            (
                Style::Desktop,
                "Telegram-Desktop-style (1 connection, 1 request of 128 KiB)",
            ),
            (
                Style::Tdl,
                "tdl-style (2 files x 4 parts of 1 MiB, a connection per file)",
            ),
        ]
        .into_iter()
        .filter(|_| baselines)
        {
            let client = login(addr, &world, style.connections(), 64).await;
            let before = floods(&mock);
            let calls_before = served(&mock);
            let tmp = tempfile::tempdir().expect("temp dir");
            reset_peak_rss();
            let base_kb = proc_status_kb("self", "VmRSS");
            let started = Instant::now();
            let bytes = baseline::run(&client, style, &targets, tmp.path()).await;
            let secs = started.elapsed().as_secs_f64();
            let rss_kb = proc_status_kb("self", "VmHWM");
            let floods = floods(&mock) - before;
            client.disconnect().await;
            rows.push((
                Row {
                    name,
                    files: targets.len() as u64,
                    bytes,
                    secs,
                    connections: style.connections(),
                    mean_connections: style.connections() as f64,
                    samples: vec![style.connections()],
                    intervals: vec![],
                    calls: served(&mock) - calls_before,
                    rss_kb,
                    base_kb,
                },
                floods,
            ));
        }
    });
    let mock_kb = Arc::try_unwrap(mock)
        .ok()
        .and_then(|m| m.into_inner().ok())
        .map_or(0, Mock::stop);
    eprintln!("the mock child's peak RSS: {} MB", mock_kb / 1024);
    println!(
        "| run | files | MB | seconds | MB/s | connections (peak / mean) | cap MB/s (peak / mean) | share of cap (peak / mean) | bytes per call | cap with them, MB/s (mean) | share of it | cap of each moment, MB/s (mean) | share of it | FLOOD_WAITs | peak RSS (above start) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // The cap of `connections` when each call carries `per_call` bytes.
    let cap = |connections: f64, per_call: f64| {
        (connections * CAP_PER_CONNECTION).min(f64::from(RATE_LIMIT) * per_call)
    };
    // Its mean over the samples (the cap of each moment, not the cap of
    // the mean number of connections).
    let mean_cap = |r: &Row, per_call: f64| {
        let sum: f64 = r.samples.iter().map(|&c| cap(c as f64, per_call)).sum();
        sum / r.samples.len().max(1) as f64
    };
    for (r, floods) in &rows {
        let rate = r.bytes as f64 / r.secs;
        // The cap: every call a whole part of 1 MiB.
        let (peak, mean) = (cap(r.connections as f64, PART), mean_cap(r, PART));
        // The cap the rate limit allows with the parts this run needed
        // (a photo smaller than a part takes a call of its own).
        let per_call = (r.bytes as f64 / r.calls.max(1) as f64).min(PART);
        let with_calls = mean_cap(r, per_call);
        let moments = moment_cap(r, &cap).unwrap_or(with_calls);
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.2} | {} / {:.1} | {:.1} / {:.1} | {:.0}% / {:.0}% | {:.0} KB | {:.1} | {:.0}% | {:.1} | {:.0}% | {floods} | {} MB ({} MB) |",
            r.name,
            r.files,
            r.bytes as f64 / 1e6,
            r.secs,
            rate / 1e6,
            r.connections,
            r.mean_connections,
            peak / 1e6,
            mean / 1e6,
            100.0 * rate / peak,
            100.0 * rate / mean,
            per_call / 1e3,
            with_calls / 1e6,
            100.0 * rate / with_calls,
            moments / 1e6,
            100.0 * rate / moments,
            r.rss_kb / 1024,
            r.rss_kb.saturating_sub(r.base_kb) / 1024,
        );
    }
    if let [ours, phase, desktop, tdl] = &rows[..] {
        let speed = |r: &Row| r.bytes as f64 / r.secs;
        for (name, r) in [("whole export", &ours.0), ("download phase", &phase.0)] {
            println!(
                "ours ({name}) / Desktop-style: {:.1}x; / tdl-style: {:.1}x",
                speed(r) / speed(&desktop.0),
                speed(r) / speed(&tdl.0)
            );
        }
    }
}

/// The cap of each moment of the download phase, as a mean over its time:
/// each interval between two samples capped by its connections and by the
/// rate limit at the bytes per call of that moment (the interval and its
/// neighbours: the mock counts a call when it serves it, the client its
/// bytes when the part has arrived, up to a part's transfer later). An
/// interval without calls (a flood wait's pause) keeps the cap of its
/// connections. `None` without intervals (the baselines).
fn moment_cap(r: &Row, cap: &impl Fn(f64, f64) -> f64) -> Option<f64> {
    let all = &r.intervals;
    let (mut weighted, mut secs) = (0.0, 0.0);
    for (i, it) in all.iter().enumerate() {
        let near = &all[i.saturating_sub(1)..(i + 2).min(all.len())];
        let bytes: u64 = near.iter().map(|x| x.bytes).sum();
        let calls: u64 = near.iter().map(|x| x.calls).sum();
        let per_call = match calls {
            0 => PART,
            n => (bytes as f64 / n as f64).min(PART),
        };
        weighted += cap(it.connections, per_call) * it.secs;
        secs += it.secs;
    }
    (secs > 0.0).then(|| weighted / secs)
}

/// `upload.getFile` calls (and refusals) per DC and connection, and per
/// DC per second, on stderr (the mock child's `timeline` command, with
/// `TG_BENCH_TIMELINE`).
pub(crate) fn calls_by_connection(api: &Faulty<Api>) {
    use std::collections::BTreeMap;
    let log = api.inner().dispatcher().stats().log;
    let mut conns: BTreeMap<(i32, u64), (u32, u32)> = BTreeMap::new();
    let mut seconds: BTreeMap<(i32, i32), u32> = BTreeMap::new();
    for c in log.iter().filter(|c| c.method == "upload.getFile") {
        let e = conns.entry((c.dc_id, c.conn_id.unwrap_or(0))).or_default();
        e.0 += 1;
        if c.error.is_some() || c.fault.is_some() {
            e.1 += 1;
        }
        *seconds.entry((c.dc_id, c.now_unix)).or_default() += 1;
    }
    for ((dc, conn), (calls, refused)) in conns {
        eprintln!("DC {dc} connection {conn}: {calls} calls, {refused} refused");
    }
    for ((dc, at), calls) in seconds {
        eprintln!("DC {dc} at {at}: {calls} calls");
    }
}

/// The mock child, locked.
fn lock(mock: &Mutex<Mock>) -> std::sync::MutexGuard<'_, Mock> {
    mock.lock().expect("the mock child")
}

async fn login(
    addr: std::net::SocketAddr,
    world: &tg_mock_server::World,
    connections: usize,
    budget_mib: u64,
) -> Client {
    let mut config = ClientConfig::new(Network::Custom(addr), AppInfo::new(12345, "0123abcd"));
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    config.connections_per_dc = connections;
    config.download_budget = budget_mib << 20;
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
    /// Download connections at once: the peak.
    connections: usize,
    /// And their mean over the download phase (ours: over the
    /// `files_rate` events, every half second or so).
    mean_connections: f64,
    /// The connections of every sample (the baselines: one, fixed).
    samples: Vec<usize>,
    /// Ours: the download phase cut at the samples (the baselines: none,
    /// their connections are fixed and their calls all alike).
    intervals: Vec<Interval>,
    /// `upload.getFile` calls served (not refused).
    calls: u64,
    rss_kb: u64,
    /// The RSS when the run started (the mock and its world included).
    base_kb: u64,
}

/// A stretch of the download phase between two `files_rate` samples (the
/// first one from the first file started).
#[derive(Clone, Copy, Debug)]
struct Interval {
    secs: f64,
    /// The connections in use: the mean of its start and end.
    connections: f64,
    /// Bytes of parts that arrived in it.
    bytes: u64,
    /// `upload.getFile` calls the mock served in it.
    calls: u64,
}

/// Ours: the whole export, and its download phase. `calls_now` reads the
/// mock's count of served `upload.getFile` calls.
async fn export(client: &Client, calls_now: impl Fn() -> u64 + Send + 'static) -> (Row, Row) {
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
    // The peak connections, and when the first file started and the last
    // one finished.
    // `TG_BENCH_TIMELINE=1`: every `files_rate` event on stderr.
    let timeline = std::env::var_os("TG_BENCH_TIMELINE").is_some();
    let watch = tokio::spawn(async move {
        let (mut peak, mut first, mut last) = (0, None, None);
        let mut samples = Vec::new();
        let mut intervals = Vec::new();
        // The last sample: when, bytes done, calls served, connections.
        let mut last_sample: Option<(Instant, u64, u64, usize)> = None;
        while let Some(event) = rx.recv().await {
            match event {
                ProgressEvent::FilesRate(rate) => {
                    let now: usize = rate.dcs.iter().map(|d| d.connections).sum();
                    peak = now.max(peak);
                    samples.push(now);
                    let (t, calls) = (Instant::now(), calls_now());
                    if let Some((at, bytes, served, connections)) = last_sample {
                        let it = Interval {
                            secs: t.duration_since(at).as_secs_f64(),
                            connections: (connections + now) as f64 / 2.0,
                            bytes: rate.bytes_done.saturating_sub(bytes),
                            calls: calls.saturating_sub(served),
                        };
                        if timeline {
                            let since = first.map_or(0.0, |f: Instant| f.elapsed().as_secs_f64());
                            let dcs: Vec<_> = rate
                                .dcs
                                .iter()
                                .map(|d| {
                                    format!("DC {}: {}c {}p", d.dc, d.connections, d.in_flight)
                                })
                                .collect();
                            eprintln!(
                                "{since:6.2} s {:6.2} MB/s (3 s), {:6.2} MB/s and {:3} calls in {:.2} s at {:.1} connections; {}",
                                rate.bytes_per_sec as f64 / 1e6,
                                it.bytes as f64 / 1e6 / it.secs.max(1e-3),
                                it.calls,
                                it.secs,
                                it.connections,
                                dcs.join(", ")
                            );
                        }
                        intervals.push(it);
                    }
                    last_sample = Some((t, rate.bytes_done, calls, now));
                }
                ProgressEvent::FileStarted { .. } => {
                    let t = *first.get_or_insert_with(Instant::now);
                    if last_sample.is_none() {
                        last_sample = Some((t, 0, calls_now(), 0));
                    }
                }
                ProgressEvent::FileFinished { .. } => last = Some(Instant::now()),
                _ => {}
            }
        }
        (peak, samples, intervals, first, last)
    });
    reset_peak_rss();
    let base_kb = proc_status_kb("self", "VmRSS");
    let started = Instant::now();
    let report = run_export(client, &plan, &options, &tx)
        .await
        .expect("the export completes");
    let secs = started.elapsed().as_secs_f64();
    let rss_kb = proc_status_kb("self", "VmHWM");
    drop(tx);
    let (connections, samples, intervals, first, last) = watch.await.expect("the progress watcher");
    let mean_connections = samples.iter().sum::<usize>() as f64 / samples.len().max(1) as f64;
    let phase = match (first, last) {
        (Some(f), Some(l)) => l.duration_since(f).as_secs_f64(),
        _ => secs,
    };
    let row = |name, secs| Row {
        name,
        files: report.files,
        bytes: report.bytes,
        secs,
        connections,
        mean_connections,
        samples: samples.clone(),
        intervals: intervals.clone(),
        calls: 0,
        rss_kb,
        base_kb,
    };
    (
        row(
            "ours (defaults: up to 8 connections per DC, 64 MiB), whole export",
            secs,
        ),
        row(
            "ours, download phase (first file started to last finished)",
            phase,
        ),
    )
}
