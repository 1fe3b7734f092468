//! The mock server child of the bench (`export --serve-child`), driven
//! over its stdin and stdout, and the client that logs in to it.

use super::*;

/// The tokio runtime the environment variable `var` asks for
/// (`TG_BENCH_RT_MOCK`: the mock child's): `current` (one thread), a number
/// of worker threads, or unset: a worker per core.
pub(crate) fn runtime(var: &str) -> tokio::runtime::Runtime {
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
/// login, then obey stdin (`latency <ms>`, `script <json>`, `count
/// <method>`, `faults <method>`, `timeline upload.getFile`) until it
/// closes. With
/// `TG_BENCH_GZIP_MIN` (bytes, or `none`) its answers are gzip-packed from
/// that size on instead of the default 512 bytes; `TG_BENCH_RT_MOCK`
/// picks its runtime ([`runtime`]).
pub(crate) fn serve_child() {
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
    let world = match option(&args, "downloads") {
        Some(size) => super::files::world(
            super::files::Size::parse(&size),
            number(&args, "max-file-mb", 100),
        ),
        None => spec.generate(),
    };
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
                    Some(("timeline", _)) => {
                        super::files::calls_by_connection(&api);
                        Ok(())
                    }
                    Some((what @ ("faults" | "count"), method)) => {
                        let m = api.inner().dispatcher().method_stats(method.trim());
                        let n = if what == "faults" { m.faults } else { m.calls };
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "ok {n}").and_then(|()| out.flush());
                        continue;
                    }
                    None if line == "calls" => Ok(()),
                    _ => Err(format!("unknown command {line:?}")),
                };
                let calls = api.inner().dispatcher().total_calls();
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
pub(crate) fn set_latency(
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
pub(crate) struct Mock {
    pub(crate) child: Child,
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) stdout: BufReader<ChildStdout>,
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) phone: String,
    pub(crate) code: String,
    pub(crate) password: Option<String>,
    pub(crate) setup: String,
}

impl Mock {
    pub(crate) fn spawn(spec: &WorldSpec) -> Self {
        Self::spawn_args(&spec.args())
    }

    /// A child serving the world its arguments say (`--downloads SIZE`:
    /// the downloads bench's world, `files::world`).
    pub(crate) fn spawn_args(args: &[String]) -> Self {
        let exe = std::env::current_exe().expect("the bench binary");
        let mut child = Command::new(exe)
            .args(args)
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
    pub(crate) fn command(&mut self, command: &str) -> Result<u64, String> {
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
    pub(crate) fn stop(mut self) -> u64 {
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

pub(crate) async fn login(mock: &Mock, recorder: Option<Recorder>) -> Client {
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
