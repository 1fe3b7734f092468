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

/// `--downloads [quick|long]`: file throughput over several connections per DC
/// against Desktop- and tdl-style baselines (README "Downloads").
#[path = "export/files.rs"]
mod files;

/// The Desktop- and tdl-style baselines of `--downloads`.
#[path = "export/baseline.rs"]
mod baseline;

/// `--pacing CALLS`: listing under a `messages.getHistory` rate limit
/// (README "Listing under a flood limit").
#[path = "export/pacing.rs"]
mod pacing;

/// `--shape NAME`: the worlds of issue 16 (README "Benchmark shapes").
#[path = "export/shapes.rs"]
mod shapes;

// The mock server child, and logging in to it.
#[path = "export/mock.rs"]
mod mock;
use mock::{Mock, login, serve_child};

// Peak RSS and CPU seconds from /proc.
#[path = "export/procfs.rs"]
mod procfs;
use procfs::{Cpu, cpu_secs, proc_status_kb, reset_peak_rss};

// One measured export and its row.
#[path = "export/run.rs"]
mod run;
use run::{Row, export_once};

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

fn main() {
    if std::env::var_os("TG_BENCH_SERVE").is_some() {
        serve_child();
        return;
    }
    if let Ok(filter) = std::env::var("TG_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
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
        files::measure(
            files::Size::parse(&size),
            number(&arg_map(), "max-file-mb", 100),
        );
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
