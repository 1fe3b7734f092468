//! `cargo bench -p e2e --bench export -- --update 1`: the world (default
//! 1,000,000 messages in 500 dialogs, `--messages`, `--dialogs`, `--files`,
//! `--seed` as for the other runs) is exported, updated with nothing new,
//! then grown by the given percentage of new messages (and as many new
//! photos and chats in proportion) and updated again. Prints the requests of
//! each run, by method, and its time.

use super::{Instant, Mock, WorldSpec, arg_map, login, number, option};
use tg_takeout::Client;
use tg_takeout::export::time::utc;
use tg_takeout::takeout::{ExportOptions, MediaType, Section, Settings, run_export};

/// The methods counted.
const METHODS: [&str; 3] = ["messages.getHistory", "messages.search", "upload.getFile"];

/// Calls in all, then per method of [`METHODS`].
fn counts(mock: &mut Mock) -> [u64; 4] {
    let mut out = [0; 4];
    out[0] = mock.command("calls").expect("the mock answers");
    for (i, m) in METHODS.iter().enumerate() {
        out[i + 1] = mock
            .command(&format!("count {m}"))
            .expect("the mock counts");
    }
    out
}

/// One export (or update) into `out`; prints what it asked.
fn once(
    runtime: &tokio::runtime::Runtime,
    mock: &mut Mock,
    client: &Client,
    out: &std::path::Path,
    update: bool,
    what: &str,
) {
    let settings = Settings {
        sections: Section::ALL.to_vec(),
        full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
        media: MediaType::ALL.to_vec(),
        size_limit: tg_takeout::takeout::plan::NO_SIZE_LIMIT,
        out: out.to_owned(),
        ..Settings::default()
    };
    let plan = settings.validate().expect("valid settings");
    let options = ExportOptions {
        update,
        ..ExportOptions::new(utc())
    };
    let before = counts(mock);
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let drain = runtime.spawn(async move { while rx.recv().await.is_some() {} });
    let report = runtime
        .block_on(run_export(client, &plan, &options, &tx))
        .expect("the export succeeds");
    drop(tx);
    let _ = runtime.block_on(drain);
    let secs = started.elapsed().as_secs_f64();
    let after = counts(mock);
    let d: Vec<u64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
    println!(
        "{what}: {secs:.2} s, {} messages, {} chats; {} requests: {} getHistory, {} search, {} getFile",
        report.messages, report.chats, d[0], d[1], d[2], d[3]
    );
}

/// The update measurement; `percent` of new messages.
pub fn measure(percent: &str) {
    let args = arg_map();
    let percent: f64 = percent.parse().expect("--update: a percentage");
    let mut spec = WorldSpec {
        seed: number(&args, "seed", 7),
        messages: number(&args, "messages", 1_000_000),
        dialogs: number(&args, "dialogs", 500),
        files: number(&args, "files", 1000),
        max_file_mb: number(&args, "max-file-mb", 4),
        ranges: number(&args, "ranges", 4),
        grow: 0,
        range_size: 0,
        left: 3,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = match option(&args, "out") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let out = tmp.path().join("export");
    println!("world: {spec:?}");
    let mut mock = Mock::spawn(&spec);
    let client = runtime.block_on(login(&mock, None));
    once(&runtime, &mut mock, &client, &out, false, "export");
    once(
        &runtime,
        &mut mock,
        &client,
        &out,
        true,
        "update, nothing new",
    );
    runtime.block_on(client.disconnect());
    mock.stop();
    spec.grow = (spec.messages as f64 * percent / 100.0).round() as usize;
    let mut mock = Mock::spawn(&spec);
    let client = runtime.block_on(login(&mock, None));
    let what = format!("update, {} new messages ({percent}%)", spec.grow);
    once(&runtime, &mut mock, &client, &out, true, &what);
    runtime.block_on(client.disconnect());
    mock.stop();
}
