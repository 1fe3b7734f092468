//! The export benchmark (issue 5): a generated world exported from the mock
//! server over loopback, reporting messages per second, file MB per second
//! and the exporter's peak RSS, with and without added latency per request.
//!
//! ```sh
//! # The standard table: 1M messages / 500 dialogs on loopback, then the
//! # same world with 50 ms per answer at parallel 1 and at the default
//! # (some 15 minutes, most of it at parallel 1).
//! cargo bench -p e2e --bench export
//! # One world, any runs (every latency × every parallel, `--repeat` times):
//! cargo bench -p e2e --bench export -- --messages 200000 --dialogs 100 \
//!     --files 300 --latency 0,50 --parallel 1,4 --format json --repeat 2
//! ```
//!
//! Options (also as `TG_BENCH_<NAME>` environment variables): `--messages`,
//! `--dialogs`, `--files` (messages with a downloadable file), `--max-file-mb`
//! (largest document), `--ranges` (split ranges), `--latency` (ms per
//! answer, comma list), `--parallel` (comma list; `default` is the export's
//! default), `--format` (`json`, `html`, `both`; default `both`, as the CLI),
//! `--repeat`, `--seed`, `--out` (the folder exports are written in, each
//! in a fresh temporary folder; default: the system's temporary folder),
//! `--download-memory` (MiB of file parts in flight, the CLI's option of
//! that name; default the client's, 64), `--connections` (download
//! connections per DC, `ClientConfig::connections_per_dc`; default 8),
//! `--record` (record every run, login included, into a transcript beside
//! the export, `--record-files small`; `--record both`: every run without,
//! then with recording, and at the end the medians of both and their
//! ratio), which adds the transcript's size per message.
//!
//! Disk: every export is kept until the benchmark ends (1.7 GB each for the
//! standard world), because deleting one would slow the next. On ext4
//! without a journal (as on the VM the README figures come from), the kernel does not reuse an
//! inode freed in the last minutes (up to five while its inode table block
//! is dirty) and skips over each such inode whenever it allocates one; right
//! after some thousands of deletions every file created pays that scan,
//! which we measured at up to 3 kernel-seconds per export.
//!
//! Memory: the mock server runs in a child process (this same binary with
//! `TG_BENCH_SERVE=1`) that generates the world itself, so this process
//! only holds the exporter; its peak RSS (`VmHWM`, reset before every run
//! through `/proc/self/clear_refs`) is the exporter's: client, engine,
//! writers and the tokio runtime. The mock's own peak (world, index,
//! sessions) is printed too.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use tg_takeout::client::SignIn;
use tg_takeout::dc::Network;
use tg_takeout::export::time::utc;
use tg_takeout::record::{RecordFiles, Recorder};
use tg_takeout::takeout::{
    ExportOptions, Format, MediaType, ProgressEvent, Section, Settings, run_export,
};
use tg_takeout::{AppInfo, Client, ClientConfig};

/// `--update PERCENT`: the requests of updates (README "Keeping an export
/// up to date").
#[path = "export/update.rs"]
mod update;

/// `--downloads [quick]`: file throughput over several connections per DC
/// against Desktop- and tdl-style baselines (README "Downloads").
#[path = "export/files.rs"]
mod files;

/// The Desktop- and tdl-style baselines of `--downloads`.
#[path = "export/baseline.rs"]
mod baseline;

/// `--pacing CALLS`: listing under a `messages.getHistory` rate limit
/// (README "Pacing to flood limits").
#[path = "export/pacing.rs"]
mod pacing;

/// `--shape NAME`: the worlds of issue 16 (README "Benchmark shapes").
#[path = "export/shapes.rs"]
mod shapes;

/// What one world is.
#[derive(Clone, Debug, PartialEq)]
struct WorldSpec {
    seed: u64,
    messages: usize,
    dialogs: usize,
    files: usize,
    max_file_mb: u64,
    ranges: usize,
    /// Messages added by `tg_mock_server::grow` (0: none).
    grow: usize,
    /// Common-box ids per split range (0: `ranges` even ranges).
    range_size: i32,
    /// Channels the account left.
    left: usize,
}

impl WorldSpec {
    fn args(&self) -> Vec<String> {
        [
            ("--seed", self.seed.to_string()),
            ("--messages", self.messages.to_string()),
            ("--dialogs", self.dialogs.to_string()),
            ("--files", self.files.to_string()),
            ("--max-file-mb", self.max_file_mb.to_string()),
            ("--ranges", self.ranges.to_string()),
            ("--grow", self.grow.to_string()),
            ("--range-size", self.range_size.to_string()),
            ("--left", self.left.to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect()
    }

    fn generate(&self) -> tg_mock_server::World {
        // Split ranges as Telegram hands out: a few large ones.
        let ranges = self.ranges.max(1);
        let even = i32::try_from(self.messages.div_ceil(ranges).max(1)).unwrap_or(i32::MAX);
        let range_size = if self.range_size > 0 {
            self.range_size
        } else {
            even
        };
        let world = tg_mock_server::generate(&tg_mock_server::GenerateConfig {
            seed: self.seed,
            dialogs: self.dialogs,
            messages: self.messages,
            files: self.files,
            max_file_size: self.max_file_mb << 20,
            range_size,
            left_channels: self.left,
            ..tg_mock_server::GenerateConfig::default()
        });
        if self.grow == 0 {
            return world;
        }
        // The same share of new photos and of new chats as of messages.
        let share = |n: usize| (n * self.grow).div_ceil(self.messages.max(1));
        tg_mock_server::grow(
            &world,
            &tg_mock_server::GrowConfig {
                seed: self.seed + 1,
                messages: self.grow,
                files: share(self.files),
                chats: share(self.dialogs),
            },
        )
    }
}

/// One measured export.
#[derive(Clone, Debug)]
struct RunSpec {
    latency_ms: u64,
    /// `None`: the export's default.
    parallel: Option<usize>,
}

/// The command line (or environment).
struct Opts {
    plan: Vec<(WorldSpec, Vec<RunSpec>)>,
    format: Format,
    repeat: usize,
    /// Where the exports are written (each in a fresh temporary folder).
    out: Option<std::path::PathBuf>,
    /// Per run: without recording, with, or both in turn.
    record: Vec<bool>,
}

fn arg_map() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.next() {
        let Some(name) = a.strip_prefix("--") else {
            continue;
        };
        if let Some((k, v)) = name.split_once('=') {
            out.push((k.to_owned(), v.to_owned()));
        } else if name == "bench" {
            // cargo bench passes --bench to harness-less benches.
        } else if let Some(v) = args.next_if(|v| !v.starts_with("--")) {
            out.push((name.to_owned(), v));
        } else {
            out.push((name.to_owned(), String::new()));
        }
    }
    out
}

/// `--name` or `TG_BENCH_NAME`.
fn option(args: &[(String, String)], name: &str) -> Option<String> {
    args.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .or_else(|| {
            let env = format!("TG_BENCH_{}", name.to_uppercase().replace('-', "_"));
            std::env::var(env).ok()
        })
}

fn number<T: std::str::FromStr>(args: &[(String, String)], name: &str, default: T) -> T {
    match option(args, name) {
        Some(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("--{name}: not a number: {v:?}")),
        None => default,
    }
}

fn list<T>(
    args: &[(String, String)],
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<Vec<T>> {
    option(args, name).map(|v| {
        v.split(',')
            .map(|s| parse(s.trim()).unwrap_or_else(|| panic!("--{name}: bad value {s:?}")))
            .collect()
    })
}

impl Opts {
    fn parse() -> Self {
        let args = arg_map();
        let format = match option(&args, "format").as_deref() {
            None | Some("both") => Format::Both,
            Some("json") => Format::Json,
            Some("html") => Format::Html,
            Some(other) => panic!("--format: json, html or both, not {other:?}"),
        };
        let repeat = number(&args, "repeat", 1usize).max(1);
        let custom = [
            "messages", "dialogs", "files", "latency", "parallel", "ranges",
        ]
        .iter()
        .any(|k| option(&args, k).is_some());
        let world = |messages, dialogs, files| WorldSpec {
            seed: number(&args, "seed", 7),
            messages: number(&args, "messages", messages),
            dialogs: number(&args, "dialogs", dialogs),
            files: number(&args, "files", files),
            max_file_mb: number(&args, "max-file-mb", 4),
            ranges: number(&args, "ranges", 4),
            grow: 0,
            range_size: 0,
            left: 3,
        };
        let plan = if custom {
            let latencies = list(&args, "latency", |s| s.parse().ok()).unwrap_or(vec![0]);
            let parallels = list(&args, "parallel", |s| match s {
                "default" => Some(None),
                s => s.parse().ok().map(Some),
            })
            .unwrap_or(vec![None]);
            let runs = latencies
                .iter()
                .flat_map(|&latency_ms| {
                    parallels.iter().map(move |&parallel| RunSpec {
                        latency_ms,
                        parallel,
                    })
                })
                .collect();
            vec![(world(1_000_000, 500, 1000), runs)]
        } else {
            // Issue 5: the world on loopback, then the same world with
            // 50 ms per answer at parallel 1 and at the default.
            let runs = vec![
                RunSpec {
                    latency_ms: 0,
                    parallel: None,
                },
                RunSpec {
                    latency_ms: 50,
                    parallel: Some(1),
                },
                RunSpec {
                    latency_ms: 50,
                    parallel: None,
                },
            ];
            vec![(world(1_000_000, 500, 1000), runs)]
        };
        Self {
            plan,
            format,
            repeat,
            out: option(&args, "out").map(Into::into),
            record: match option(&args, "record").as_deref() {
                None => vec![false],
                Some("" | "on") => vec![true],
                Some("both") => vec![false, true],
                Some(other) => panic!("--record: nothing, `on` or `both`, not {other:?}"),
            },
        }
    }
}

/// A field of `/proc/<which>/status` in kB (Linux), 0 if unknown.
fn proc_status_kb(which: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{which}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user, system) a process used so far (Linux), 0 if unknown.
fn cpu_secs(pid: &str) -> Cpu {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    Cpu {
        user: ticks(11) as f64 / 100.0,
        sys: ticks(12) as f64 / 100.0,
    }
}

/// CPU seconds in user space and in the kernel.
#[derive(Clone, Copy, Debug, Default)]
struct Cpu {
    user: f64,
    sys: f64,
}

impl std::ops::Sub for Cpu {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            user: self.user - o.user,
            sys: self.sys - o.sys,
        }
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s ({:.2} user, {:.2} kernel)",
            self.user + self.sys,
            self.user,
            self.sys
        )
    }
}

/// Resets this process's peak RSS to its current RSS (Linux 4.0+).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

// ---------------------------------------------------------------------------
// The mock server child.

/// The tokio runtime the environment variable `var` asks for
/// (`TG_BENCH_RT_MOCK`: the mock child's): `current` (one thread), a number
/// of worker threads, or unset: a worker per core.
fn runtime(var: &str) -> tokio::runtime::Runtime {
    let mut builder = match std::env::var(var).as_deref() {
        Ok("current") => tokio::runtime::Builder::new_current_thread(),
        Ok(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n.parse().expect("a number of threads, or current"));
            b
        }
        Err(_) => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build().expect("runtime")
}

/// `TG_BENCH_SERVE=1`: generate the world, serve it, print the address and
/// login, then obey stdin (`latency <ms>`) until it closes. With
/// `TG_BENCH_GZIP_MIN` (bytes, or `none`) its answers are gzip-packed from
/// that size on instead of the default 512 bytes; `TG_BENCH_RT_MOCK`
/// picks its runtime ([`runtime`]).
fn serve_child() {
    let args = arg_map();
    let spec = WorldSpec {
        seed: number(&args, "seed", 7),
        messages: number(&args, "messages", 0),
        dialogs: number(&args, "dialogs", 0),
        files: number(&args, "files", 0),
        max_file_mb: number(&args, "max-file-mb", 4),
        ranges: number(&args, "ranges", 4),
        grow: number(&args, "grow", 0),
        range_size: number(&args, "range-size", 0),
        left: number(&args, "left", 3),
    };
    let started = Instant::now();
    let world = spec.generate();
    let generated = started.elapsed();
    let login = world.login.clone();
    let runtime = runtime("TG_BENCH_RT_MOCK");
    runtime.block_on(async move {
        let started = Instant::now();
        let listen = tg_mock_server::net::ListenConfig {
            compression_threshold: match std::env::var("TG_BENCH_GZIP_MIN").as_deref() {
                Ok("none") => None,
                Ok(n) => Some(n.parse().expect("TG_BENCH_GZIP_MIN: bytes or none")),
                Err(_) => tg_mock_server::net::ListenConfig::default().compression_threshold,
            },
            ..Default::default()
        };
        let running = tg_mock_server::start(world, listen, None)
            .await
            .expect("the mock server starts");
        let indexed = started.elapsed();
        let addr = running.address(2).expect("DC 2");
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "world {:.2} {:.2}",
            generated.as_secs_f64(),
            indexed.as_secs_f64()
        )
        .and_then(|()| {
            let password = login.password.as_deref().unwrap_or("-");
            writeln!(out, "login {} {} {password}", login.phone, login.code)
        })
        .and_then(|()| writeln!(out, "addr {addr}"))
        .and_then(|()| out.flush())
        .expect("stdout");
        drop(out);
        let api = running.api.clone();
        let commands = tokio::task::spawn_blocking(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                let reply = match line.split_once(' ') {
                    Some(("latency", ms)) => set_latency(&api, ms.trim()),
                    Some(("script", json)) => serde_json::from_str(json)
                        .map_err(|e| format!("bad fault script: {e}"))
                        .and_then(|s| api.set_script(s)),
                    Some(("faults", method)) => {
                        let stats = api.inner().dispatcher().stats();
                        let n = stats.methods.get(method.trim()).map_or(0, |m| m.faults);
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "ok {n}").and_then(|()| out.flush());
                        continue;
                    }
                    None if line == "calls" => Ok(()),
                    Some(("count", method)) => {
                        let stats = api.inner().dispatcher().stats();
                        let n = stats.methods.get(method.trim()).map_or(0, |m| m.calls);
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "ok {n}").and_then(|()| out.flush());
                        continue;
                    }
                    _ => Err(format!("unknown command {line:?}")),
                };
                let calls = api.inner().dispatcher().stats().total;
                let mut out = std::io::stdout().lock();
                let _ = match reply {
                    Ok(()) => writeln!(out, "ok {calls}"),
                    Err(e) => writeln!(out, "error {e}"),
                };
                let _ = out.flush();
            }
        });
        let _ = commands.await;
        println!("rss {}", proc_status_kb("self", "VmHWM"));
        running.shutdown().await;
    });
}

/// Every answer `ms` milliseconds late (the fault script's `latency_ms`).
fn set_latency(
    api: &tg_mock_server::net::Faulty<tg_mock_server::Api>,
    ms: &str,
) -> Result<(), String> {
    let ms: u64 = ms.parse().map_err(|_| format!("bad latency {ms:?}"))?;
    let script: tg_mock_server::net::FaultScript = if ms == 0 {
        Default::default()
    } else {
        serde_json::from_value(serde_json::json!({ "latency_ms": ms }))
            .map_err(|e| format!("this mock server has no latency_ms: {e}"))?
    };
    api.set_script(script)
}

/// The driver's handle on a serving child.
struct Mock {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    addr: std::net::SocketAddr,
    phone: String,
    code: String,
    password: Option<String>,
    setup: String,
}

impl Mock {
    fn spawn(spec: &WorldSpec) -> Self {
        let exe = std::env::current_exe().expect("the bench binary");
        let mut child = Command::new(exe)
            .args(spec.args())
            .env("TG_BENCH_SERVE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the mock server child starts");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = |prefix: &str| {
            let mut l = String::new();
            stdout.read_line(&mut l).expect("the child's stdout");
            l.trim_end()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("the mock child said {l:?}, expected {prefix}"))
                .to_owned()
        };
        let world = line("world ");
        let login = line("login ");
        let addr = line("addr ").parse().expect("an address");
        let mut login = login.split(' ').map(str::to_owned);
        let (phone, code) = (login.next().unwrap(), login.next().unwrap());
        let password = login.next().filter(|p| p != "-");
        let (generated, indexed) = world.split_once(' ').unwrap_or((&world, "?"));
        Self {
            child,
            stdin,
            stdout,
            addr,
            phone,
            code,
            password,
            setup: format!("generated in {generated} s, indexed and listening in {indexed} s"),
        }
    }

    /// Sends `command`; the calls the mock served so far.
    fn command(&mut self, command: &str) -> Result<u64, String> {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        let mut reply = String::new();
        self.stdout
            .read_line(&mut reply)
            .map_err(|e| e.to_string())?;
        let reply = reply.trim_end();
        match reply.strip_prefix("ok ").map(str::parse) {
            Some(Ok(calls)) => Ok(calls),
            _ => Err(reply.to_owned()),
        }
    }

    /// Stops the child; its peak RSS in kB.
    fn stop(mut self) -> u64 {
        drop(self.stdin.take());
        let mut line = String::new();
        let _ = self.stdout.read_line(&mut line);
        let _ = self.child.wait();
        line.trim()
            .strip_prefix("rss ")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// The exporter side.

async fn login(mock: &Mock, recorder: Option<Recorder>) -> Client {
    let mut config = ClientConfig::new(Network::Custom(mock.addr), AppInfo::new(12345, "0123abcd"));
    config.recorder = recorder;
    if let Some(mb) = option(&arg_map(), "download-memory") {
        let mb: u64 = mb.parse().expect("--download-memory: MiB");
        config.download_budget = mb << 20;
    }
    if let Some(n) = option(&arg_map(), "connections") {
        config.connections_per_dc = n.parse().expect("--connections: a number");
    }
    config.keys = tg_takeout::auth::KeySet::empty()
        .with(tg_takeout::auth::test_server_key().public_key().clone());
    let client = Client::new(config).expect("client");
    let token = client.send_code(&mock.phone).await.expect("code");
    match client.sign_in(&token, &mock.code).await.expect("sign in") {
        SignIn::Done(_) => {}
        SignIn::PasswordNeeded(_) => {
            let password = mock.password.as_deref().expect("password");
            client.check_password(password).await.expect("password");
        }
    }
    client.refresh_dc_table().await.expect("help.getConfig");
    client
}

/// One row of the table.
struct Row {
    messages: u64,
    dialogs: usize,
    chats: u64,
    files: u64,
    bytes: u64,
    latency_ms: u64,
    parallel: usize,
    secs: f64,
    /// Seconds before the first chat started (list, sections).
    before_chats: f64,
    rss_kb: u64,
    base_kb: u64,
    /// CPU seconds of the exporter and of the mock server during the run.
    cpu: (Cpu, Cpu),
    /// Bytes of the export folder (downloads, JSON, HTML).
    output: u64,
}

impl Row {
    const HEADER: &str = "| messages | dialogs | files | MB | latency | parallel | seconds | msgs/s | MB/s | peak RSS (exporter) |\n\
                          |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    fn line(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0} | {} ms | {} | {:.2} | {:.0} | {:.1} | {:.0} MB |",
            self.messages,
            self.dialogs,
            self.files,
            self.bytes as f64 / 1e6,
            self.latency_ms,
            self.parallel,
            self.secs,
            self.messages as f64 / self.secs,
            self.bytes as f64 / 1e6 / self.secs,
            self.rss_kb as f64 / 1024.0,
        )
    }
}

async fn export_once(
    client: &Client,
    spec: &WorldSpec,
    run: &RunSpec,
    format: Format,
    out: Option<&std::path::Path>,
    mock_pid: &str,
) -> (Row, tempfile::TempDir) {
    let tmp = match out {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let mut settings = Settings {
        sections: Section::ALL.to_vec(),
        full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
        media: MediaType::ALL.to_vec(),
        size_limit: tg_takeout::takeout::plan::NO_SIZE_LIMIT,
        format,
        out: tmp.path().join("export"),
        ..Settings::default()
    };
    if let Some(p) = run.parallel {
        settings.parallel = p;
    }
    let parallel = settings.parallel;
    let plan = settings.validate().expect("valid settings");
    let options = ExportOptions::new(utc());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    // Events are consumed as they come (as the CLI does), noting when the
    // chats start.
    let events = tokio::spawn(async move {
        let mut first_chat = None;
        while let Some(event) = rx.recv().await {
            if first_chat.is_none() && matches!(event, ProgressEvent::ChatStarted { .. }) {
                first_chat = Some(started.elapsed());
            }
        }
        first_chat
    });
    let base_kb = proc_status_kb("self", "VmRSS");
    let reset = reset_peak_rss();
    let cpu_before = (cpu_secs("self"), cpu_secs(mock_pid));
    let report = run_export(client, &plan, &options, &tx)
        .await
        .expect("the export succeeds");
    let secs = started.elapsed().as_secs_f64();
    let cpu = (
        cpu_secs("self") - cpu_before.0,
        cpu_secs(mock_pid) - cpu_before.1,
    );
    let rss_kb = if reset {
        proc_status_kb("self", "VmHWM")
    } else {
        0
    };
    drop(tx);
    let before_chats = events
        .await
        .ok()
        .flatten()
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    let row = Row {
        messages: report.messages,
        dialogs: spec.dialogs,
        chats: report.chats,
        files: report.files,
        bytes: report.bytes,
        latency_ms: run.latency_ms,
        parallel,
        secs,
        before_chats,
        rss_kb,
        base_kb,
        cpu,
        output: folder_size(tmp.path()),
    };
    (row, tmp)
}

/// Bytes of every file under `dir`.
fn folder_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

fn main() {
    if std::env::var_os("TG_BENCH_SERVE").is_some() {
        serve_child();
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --benches` runs this too: not a test.
        println!("a benchmark: run it with `cargo bench -p e2e --bench export`");
        return;
    }
    if let Some(percent) = option(&arg_map(), "update") {
        update::measure(&percent);
        return;
    }
    if let Some(size) = option(&arg_map(), "downloads") {
        files::measure(size == "quick", number(&arg_map(), "max-file-mb", 100));
        return;
    }
    if let Some(limit) = option(&arg_map(), "pacing") {
        pacing::measure(&limit);
        return;
    }
    if let Some(names) = option(&arg_map(), "shape") {
        shapes::measure(&names);
        return;
    }
    let opts = Opts::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    // Per row: recorded, and the transcript's bytes per message.
    let mut recorded = Vec::new();
    // Every export is kept until the end (see the module docs).
    let mut exports = Vec::new();
    for (spec, runs) in &opts.plan {
        eprintln!("world: {spec:?}");
        let mut mock = Mock::spawn(spec);
        eprintln!("  mock server: {}", mock.setup);
        for run in runs {
            mock.command(&format!("latency {}", run.latency_ms))
                .unwrap_or_else(|e| panic!("latency {} ms: {e}", run.latency_ms));
            for (_, record) in
                (0..opts.repeat).flat_map(|i| opts.record.iter().map(move |r| (i, *r)))
            {
                let transcript = record.then(|| {
                    match opts.out.as_deref() {
                        Some(dir) => tempfile::tempdir_in(dir),
                        None => tempfile::tempdir(),
                    }
                    .expect("temp dir")
                });
                let recorder = transcript.as_ref().map(|dir| {
                    Recorder::open(&dir.path().join("transcript.jsonl"), RecordFiles::Small)
                        .expect("the transcript opens")
                });
                let client = runtime.block_on(login(&mock, recorder.clone()));
                let before = mock.command("calls").expect("the mock answers");
                let pid = mock.child.id().to_string();
                let out = opts.out.as_deref();
                let (row, export) =
                    runtime.block_on(export_once(&client, spec, run, opts.format, out, &pid));
                exports.push(export);
                let calls = mock.command("calls").expect("the mock answers") - before;
                runtime.block_on(client.disconnect());
                let mut per_message = 0.0;
                if let (Some(dir), Some(recorder)) = (&transcript, &recorder) {
                    let stats = recorder.finish().expect("the transcript is written");
                    let bytes = std::fs::metadata(dir.path().join("transcript.jsonl"))
                        .map_or(0, |m| m.len());
                    per_message = bytes as f64 / row.messages.max(1) as f64;
                    eprintln!(
                        "  recorded: {} exchanges ({} file parts as size and hash), {:.1} MB, \
                         {:.0} bytes per message",
                        stats.exchanges,
                        stats.synthesized,
                        bytes as f64 / 1e6,
                        bytes as f64 / row.messages.max(1) as f64
                    );
                }
                eprintln!("  recording: {}", if record { "on" } else { "off" });
                drop(transcript);
                eprintln!(
                    "  {} ({} chats, {calls} requests, {:.0} MB written; {:.2} s before the \
                     first chat; RSS {} MB at start; CPU {} exporter, {} mock)",
                    row.line(),
                    row.chats,
                    row.output as f64 / 1e6,
                    row.before_chats,
                    row.base_kb / 1024,
                    row.cpu.0,
                    row.cpu.1,
                );
                recorded.push((record, per_message));
                rows.push(row);
            }
        }
        let mock_kb = mock.stop();
        eprintln!("  mock server peak RSS: {} MB", mock_kb / 1024);
    }
    drop(exports);
    println!("format: {:?}", opts.format);
    println!("{}", Row::HEADER);
    for row in &rows {
        println!("{}", row.line());
    }
    // `--record both`: the recording overhead, medians over the runs.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let secs = |on: bool| {
        rows.iter()
            .zip(&recorded)
            .filter(|(_, (r, _))| *r == on)
            .map(|(row, _)| row.secs)
            .collect::<Vec<_>>()
    };
    let (off, on) = (secs(false), secs(true));
    if !off.is_empty() && !on.is_empty() {
        let per_message = recorded.iter().filter(|(r, _)| *r).map(|(_, b)| *b);
        let n = on.len();
        let (off, on) = (median(off), median(on));
        println!(
            "recording: median {off:.2} s without, {on:.2} s with ({:.2}x, {n} runs each), \
             transcript {:.0} bytes per message",
            on / off.max(1e-9),
            median(per_message.collect())
        );
    }
}
