//! `cargo bench -p e2e --bench export -- --shape NAME[,NAME...]` (or
//! `--shape all`): the worlds of issue 16, each exported once on loopback
//! (`--sections all --full all`, no files), printing one table row per
//! world with the exporter's and the mock server's time and peak RSS side
//! by side. `--format` applies as for the other runs.
//!
//! | shape | world |
//! |---|---|
//! | `30k` | 30,000 messages, 60 dialogs, a split range every 150 ids |
//! | `100k` | 100,000 messages, 60 dialogs, every 150 ids |
//! | `300k` | 300,000 messages, 60 dialogs, every 150 ids |
//! | `300k-600` | 300,000 messages, 600 dialogs, every 150 ids |
//! | `300k-600-3r` | the same with 3 split ranges |
//! | `1m-1` | 1,000,000 messages in one dialog (no left channels) |
//! | `1m-5000` | 1,000,000 messages in 5,000 dialogs, 2,000 split ranges |

use super::{Format, Instant, Mock, RunSpec, WorldSpec, arg_map, export_once, login, option};

/// One named world.
struct Shape {
    name: &'static str,
    messages: usize,
    dialogs: usize,
    /// Common-box ids per split range (0: `ranges` ranges).
    range_size: i32,
    ranges: usize,
    left: usize,
}

const fn shape(name: &'static str, messages: usize, dialogs: usize, range_size: i32) -> Shape {
    Shape {
        name,
        messages,
        dialogs,
        range_size,
        ranges: 1,
        left: 3,
    }
}

/// Every shape, in the order `all` runs them.
const SHAPES: [Shape; 7] = [
    shape("30k", 30_000, 60, 150),
    shape("100k", 100_000, 60, 150),
    shape("300k", 300_000, 60, 150),
    shape("300k-600", 300_000, 600, 150),
    Shape {
        ranges: 3,
        ..shape("300k-600-3r", 300_000, 600, 0)
    },
    Shape {
        left: 0,
        ..shape("1m-1", 1_000_000, 1, 0)
    },
    shape("1m-5000", 1_000_000, 5_000, 500),
];

impl Shape {
    fn spec(&self, seed: u64) -> WorldSpec {
        WorldSpec {
            seed,
            messages: self.messages,
            dialogs: self.dialogs,
            files: 0,
            max_file_mb: 4,
            ranges: self.ranges,
            grow: 0,
            range_size: self.range_size,
            left: self.left,
        }
    }
}

/// The shapes `names` asks for (`all`: every one); panics on an unknown
/// name, listing the known ones.
fn pick(names: &str) -> Vec<&'static Shape> {
    if names == "all" {
        return SHAPES.iter().collect();
    }
    names
        .split(',')
        .map(|n| {
            SHAPES
                .iter()
                .find(|s| s.name == n.trim())
                .unwrap_or_else(|| {
                    let known: Vec<_> = SHAPES.iter().map(|s| s.name).collect();
                    panic!("--shape: {n:?} is none of all, {}", known.join(", "))
                })
        })
        .collect()
}

/// Runs the shapes `names` and prints their table.
pub(super) fn measure(names: &str) {
    let args = arg_map();
    let seed = option(&args, "seed").map_or(7, |s| s.parse().expect("--seed: a number"));
    let format = match option(&args, "format").as_deref() {
        None | Some("both") => Format::Both,
        Some("json") => Format::Json,
        Some("html") => Format::Html,
        Some(other) => panic!("--format: json, html or both, not {other:?}"),
    };
    let out = option(&args, "out").map(std::path::PathBuf::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut lines = Vec::new();
    for shape in pick(names) {
        let spec = shape.spec(seed);
        eprintln!("shape {}: {spec:?}", shape.name);
        let started = Instant::now();
        let mut mock = Mock::spawn(&spec);
        let startup = started.elapsed().as_secs_f64();
        eprintln!("  mock server: {}", mock.setup);
        let run = RunSpec {
            latency_ms: 0,
            parallel: None,
        };
        let client = runtime.block_on(login(&mock, None));
        let before = mock.command("calls").expect("the mock answers");
        let pid = mock.child.id().to_string();
        let (row, export) = runtime.block_on(export_once(
            &client,
            &spec,
            &run,
            format,
            out.as_deref(),
            &pid,
        ));
        let calls = mock.command("calls").expect("the mock answers") - before;
        runtime.block_on(client.disconnect());
        drop(export);
        let mock_kb = mock.stop();
        let line = format!(
            "| {} | {} | {} | {} | {:.2} | {:.0} | {:.0} MB | {:.1}+{:.1} | {:.1} | {:.0} MB | {:.1}+{:.1} | {} |",
            shape.name,
            row.messages,
            spec.dialogs,
            row.chats,
            row.secs,
            row.messages as f64 / row.secs,
            row.rss_kb as f64 / 1024.0,
            row.cpu.0.user,
            row.cpu.0.sys,
            startup,
            mock_kb as f64 / 1024.0,
            row.cpu.1.user,
            row.cpu.1.sys,
            calls,
        );
        eprintln!(
            "  chat list known at {:.2} s, first chat at {:.2} s",
            row.listed, row.before_chats
        );
        eprintln!("  {line}");
        lines.push(line);
    }
    println!("format: {format:?}");
    println!(
        "| shape | messages | dialogs | chats | seconds | msgs/s | peak RSS (exporter) | \
         CPU s user+sys (exporter) | mock startup s | peak RSS (mock) | CPU s user+sys (mock) | \
         requests |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for line in lines {
        println!("{line}");
    }
}
