//! One measured export of the main table, and its row.

use super::*;

/// One row of the table.
pub(crate) struct Row {
    pub(crate) messages: u64,
    pub(crate) dialogs: usize,
    pub(crate) chats: u64,
    pub(crate) files: u64,
    pub(crate) bytes: u64,
    pub(crate) latency_ms: u64,
    pub(crate) parallel: usize,
    pub(crate) secs: f64,
    /// Seconds before the first chat started (list, sections).
    pub(crate) before_chats: f64,
    /// Seconds until the chat list was known (every split's dialogs).
    pub(crate) listed: f64,
    pub(crate) rss_kb: u64,
    pub(crate) base_kb: u64,
    /// CPU seconds of the exporter and of the mock server during the run.
    pub(crate) cpu: (Cpu, Cpu),
    /// Bytes of the export folder (downloads, JSON, HTML).
    pub(crate) output: u64,
}

impl Row {
    pub(crate) const HEADER: &str = "| messages | dialogs | files | MB | latency | parallel | seconds | msgs/s | MB/s | peak RSS (exporter) |\n\
                          |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    pub(crate) fn line(&self) -> String {
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

pub(crate) async fn export_once(
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
        let (mut first_chat, mut listed) = (None, None);
        while let Some(event) = rx.recv().await {
            if first_chat.is_none() && matches!(event, ProgressEvent::ChatStarted { .. }) {
                first_chat = Some(started.elapsed());
            }
            if listed.is_none() && matches!(event, ProgressEvent::DialogsCounted { .. }) {
                listed = Some(started.elapsed());
            }
        }
        (first_chat, listed)
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
    let (before_chats, listed) = events.await.unwrap_or_default();
    let secs_of = |d: Option<Duration>| d.unwrap_or(Duration::ZERO).as_secs_f64();
    let (before_chats, listed) = (secs_of(before_chats), secs_of(listed));
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
        listed,
        rss_kb,
        base_kb,
        cpu,
        output: folder_size(tmp.path()),
    };
    (row, tmp)
}

/// Bytes of every file under `dir`.
pub(crate) fn folder_size(dir: &std::path::Path) -> u64 {
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
