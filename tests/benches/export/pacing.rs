//! `cargo bench -p e2e --bench export -- --pacing 20`: listing under a
//! `messages.getHistory` rate limit of that many calls a second (the mock's
//! `rate_limits`, answered `FLOOD_WAIT_X` with X the seconds until its
//! window has room). A world of `--messages` (default 17,953) in
//! `--dialogs` (default 60) without files is exported `--repeat` times (a
//! new client each time: nothing learned, and 3 s apart, so the server's
//! window starts empty); prints per run the history calls per second over
//! the whole export as a share of the limit, and the flood waits received
//! (in all, and after the first two seconds).

use super::{Instant, Mock, WorldSpec, arg_map, login, number};
use tg_takeout::export::time::utc;
use tg_takeout::takeout::{ExportOptions, MediaType, Section, Settings, run_export};

/// Served getHistory calls and flood waits answered instead, so far.
fn history(mock: &mut Mock) -> (u64, u64) {
    let served = mock
        .command("count messages.getHistory")
        .expect("the mock counts");
    let refused = mock
        .command("faults messages.getHistory")
        .expect("the mock counts");
    (served, refused)
}

/// The measurement at `limit` calls a second.
pub fn measure(limit: &str) {
    let args = arg_map();
    let limit: u32 = limit.parse().expect("--pacing: calls a second");
    let spec = WorldSpec {
        seed: number(&args, "seed", 7),
        messages: number(&args, "messages", 17_953),
        dialogs: number(&args, "dialogs", 60),
        files: 0,
        max_file_mb: 1,
        ranges: number(&args, "ranges", 1),
        grow: 0,
        range_size: 0,
        left: 3,
    };
    let repeat = number(&args, "repeat", 3usize).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("world: {spec:?}; messages.getHistory limited to {limit} calls/s");
    let mut mock = Mock::spawn(&spec);
    let script = format!(
        r#"script {{"rate_limits": [{{"method": "messages.getHistory", "max_calls": {limit}}}]}}"#
    );
    mock.command(&script).expect("the mock takes the script");
    println!(
        "| run | history calls | seconds | calls/s | share of the limit | FLOOD_WAITs | of them after 2 s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for run in 1..=repeat {
        // The mock's window is server-wide: let the last run's calls leave
        // it, so each run starts as a fresh client would.
        std::thread::sleep(std::time::Duration::from_secs(3));
        let tmp = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            sections: Section::ALL.to_vec(),
            full_chats: Section::ALL.into_iter().filter(|s| s.is_chat()).collect(),
            media: MediaType::ALL.to_vec(),
            out: tmp.path().join("export"),
            ..Settings::default()
        };
        let plan = settings.validate().expect("valid settings");
        let options = ExportOptions::new(utc());
        let client = runtime.block_on(login(&mock, None));
        let before = history(&mut mock);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let drain = runtime.spawn(async move { while rx.recv().await.is_some() {} });
        let started = Instant::now();
        let export = {
            let client = client.clone();
            runtime.spawn(async move { run_export(&client, &plan, &options, &tx).await })
        };
        // The flood waits answered by each second of the run (the mock's
        // count, read every 100 ms): the first burst's, and any later.
        let mut by_second: Vec<u64> = Vec::new();
        while !export.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let second = started.elapsed().as_secs() as usize;
            let floods = history(&mut mock).1 - before.1;
            if by_second.len() <= second {
                by_second.resize(second + 1, floods);
            }
            by_second[second] = floods;
        }
        runtime
            .block_on(export)
            .expect("the export task")
            .expect("the export succeeds");
        let secs = started.elapsed().as_secs_f64();

        let _ = runtime.block_on(drain);
        let after = history(&mut mock);
        let (calls, floods) = (after.0 - before.0, after.1 - before.1);
        let rate = calls as f64 / secs;
        // Flood waits after the first two seconds (the first burst, sent
        // before anything of the limit was known, is answered by then).
        let early = by_second.get(1).copied().unwrap_or(floods);
        println!(
            "| {run} | {calls} | {secs:.2} | {rate:.1} | {:.0}% | {floods} | {} |",
            100.0 * rate / f64::from(limit),
            floods - early.min(floods)
        );
        runtime.block_on(client.disconnect());
    }
    mock.stop();
}
