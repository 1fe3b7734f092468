//! `tg-mock-server`: serve a fixture world over real MTProto, print the
//! server's public key, or generate a world.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tg_mock_server::net::{FaultScript, ListenConfig};
use tg_mock_server::{GenerateConfig, fixture, generate};

/// A Telegram server for tests and demos: real MTProto over TCP, a fixture
/// world, Telegram's paging semantics, scripted faults.
#[derive(Parser)]
#[command(
    name = "tg-mock-server",
    version,
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a command: serve, with the options of `serve`.
    #[command(flatten)]
    serve: ServeArgs,
}

/// The options of `generate`: every field of `GenerateConfig` that shapes
/// a world (see mock-server/fixtures/README.md, "Generated worlds").
///
/// Shapes: one huge chat is `--dialogs 1 --left 0`; thousands of tiny
/// chats are `--dialogs 5000 --messages 20000`; many split ranges are a
/// small `--range-size`.
#[derive(clap::Args, Debug)]
struct GenerateArgs {
    /// The seed: the same options and seed give the same world.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dialogs in the dialog list (the migrated group counts twice; with
    /// fewer than 3 dialogs every one is a private chat).
    #[arg(long, default_value_t = 12)]
    dialogs: usize,
    /// Messages in all (left channels' included).
    #[arg(long, default_value_t = 600)]
    messages: usize,
    /// Messages with a downloadable file (roughly).
    #[arg(long, default_value_t = 40)]
    files: usize,
    /// The largest document, in MiB.
    #[arg(long, default_value_t = 4)]
    max_file_mb: u64,
    /// Common-box ids per split range (0: no split ranges). The default,
    /// 150, gives a small world several ranges, so that every export over
    /// it crosses range boundaries; Telegram's own ranges are far larger
    /// (one range for most accounts).
    #[arg(long, default_value_t = 150)]
    range_size: i32,
    /// Channels and supergroups the account has left (not in the dialogs).
    #[arg(long, default_value_t = 3)]
    left: usize,
    /// The account's home DC (1 to 5).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(i32).range(1..=5))]
    home_dc: i32,
    /// The DCs files live on, a comma list (1 to 5 each).
    #[arg(long, value_delimiter = ',', default_value = "2,4",
          value_parser = clap::value_parser!(i32).range(1..=5))]
    file_dcs: Vec<i32>,
    /// A 2FA password for the account (default: none).
    #[arg(long)]
    password: Option<String>,
    /// The date of the first message (unix time).
    #[arg(long, default_value_t = 1_600_000_000)]
    start_date: i32,
    /// The output fixture directory.
    #[arg(long)]
    out: PathBuf,
}

impl GenerateArgs {
    /// The generator's configuration these options ask for.
    fn config(&self) -> GenerateConfig {
        GenerateConfig {
            seed: self.seed,
            dialogs: self.dialogs,
            messages: self.messages,
            files: self.files,
            max_file_size: self.max_file_mb.saturating_mul(1 << 20),
            range_size: self.range_size,
            left_channels: self.left,
            home_dc: self.home_dc,
            file_dcs: self.file_dcs.clone(),
            password: self.password.clone(),
            start_date: self.start_date,
        }
    }
}

/// The options of `serve` (also accepted without the command).
#[derive(clap::Args)]
struct ServeArgs {
    /// The fixture world: a directory with world.json and blobs.
    #[arg(
        long = "world",
        visible_alias = "fixture",
        value_name = "FIXTURE",
        default_value = "mock-server/fixtures/demo"
    )]
    fixture: PathBuf,
    /// The address to listen on (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port of DC 1; DC n listens on port + n - 1 (0: any free ports).
    #[arg(long, default_value_t = 44301)]
    port: u16,
    /// How many DCs (1 to 5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    dcs: u8,
    /// Also serve the HTTP control plane on this port.
    #[arg(long)]
    control_port: Option<u16>,
    /// A fault script (JSON, see the README) to start with.
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// An MTProxy secret obfuscated clients must use: 32 hex digits, `dd`
    /// and 32, or `ee`, 32 and the hex of a domain (then fake-TLS clients
    /// naming that domain are taken too); hex or base64url.
    #[arg(long)]
    mtproxy_secret: Option<String>,
    /// Seed of the server's randomness.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve a recorded transcript (JSON, see the README) instead of a world.
    #[arg(long, value_name = "FILE", conflicts_with = "fixture")]
    replay: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a fixture world (the default command).
    Serve(ServeArgs),
    /// Print the server's public RSA key (PEM) and its fingerprint.
    Key,
    /// Generate a world deterministically from a seed.
    Generate(GenerateArgs),
    /// Rewrite a recorded transcript (JSON Lines) so that no personal data
    /// is left; it still replays with the exporter (see the README).
    Anonymize {
        /// The recorded transcript.
        input: PathBuf,
        /// Where to write the anonymized transcript.
        output: PathBuf,
        /// Seed of every replacement (same input and seed: same output).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Build a world fixture from a recorded (or anonymized) export
    /// transcript.
    Import {
        /// The transcript (JSON Lines).
        transcript: PathBuf,
        /// The output fixture directory.
        #[arg(long)]
        out: PathBuf,
        /// The world's seed (files the transcript lacks are synthesized).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A 2FA password for the imported account (default: none).
        #[arg(long)]
        password: Option<String>,
    },
}

fn anonymize_file(
    input: &std::path::Path,
    output: &std::path::Path,
    seed: u64,
) -> Result<(), String> {
    use std::io::{BufReader, BufWriter};
    if input == output {
        return Err("the output must be another file than the input".into());
    }
    let reader =
        std::fs::File::open(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let writer = std::fs::File::create(output)
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    match tg_mock_server::anonymize::anonymize(BufReader::new(reader), BufWriter::new(writer), seed)
    {
        Ok(stats) => {
            println!(
                "wrote {} ({} exchanges, {} file parts synthesized)",
                output.display(),
                stats.exchanges,
                stats.file_parts
            );
            if let Some(phone) = &stats.phone {
                println!("the account's phone number is now {phone}");
            }
            if let Some(line) = stats.dropped_line {
                eprintln!(
                    "{}: line {line} was cut (a crash?): dropped",
                    input.display()
                );
            }
            Ok(())
        }
        Err(e) => {
            // No half-anonymized file is left behind.
            let _ = std::fs::remove_file(output);
            Err(format!("{}: {e}", input.display()))
        }
    }
}

fn import_file(
    transcript: &std::path::Path,
    out: &std::path::Path,
    options: &tg_mock_server::import::ImportOptions,
) -> Result<(), String> {
    let reader = std::fs::File::open(transcript)
        .map_err(|e| format!("cannot read {}: {e}", transcript.display()))?;
    let world = tg_mock_server::import::import(std::io::BufReader::new(reader), options)
        .map_err(|e| format!("{}: {e}", transcript.display()))?;
    fixture::save(&world, out).map_err(|e| e.to_string())?;
    println!(
        "wrote {} ({} users, {} chats, {} messages, {} blobs)",
        out.join("world.json").display(),
        world.users.len(),
        world.chats.len(),
        world.messages.len(),
        world.blobs.len()
    );
    Ok(())
}

fn parse_secret(text: &str) -> Result<([u8; 16], Option<Vec<u8>>), String> {
    use tg_mtproto::transport::{ProxySecret, SecretKind};
    let secret: ProxySecret = text.parse().map_err(|e| format!("--mtproxy-secret: {e}"))?;
    let domain = (secret.kind() == SecretKind::FakeTls).then(|| secret.domain().to_vec());
    Ok((*secret.key(), domain))
}

/// A fault script file, parsed and validated.
fn read_faults(path: &std::path::Path) -> Result<FaultScript, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let script: FaultScript =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    script
        .validate()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(script)
}

async fn serve(
    fixture_dir: PathBuf,
    listen: ListenConfig,
    control_port: Option<u16>,
    faults: Option<PathBuf>,
) -> Result<(), String> {
    let world = fixture::load(&fixture_dir).map_err(|e| e.to_string())?;
    // A bad script stops the server before it listens.
    let script = faults.as_deref().map(read_faults).transpose()?;
    let running = tg_mock_server::start(world, listen, control_port)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(script) = script {
        running.api.set_script(script)?;
    }
    println!("serving {}", fixture_dir.display());
    for (dc, addr) in running.net.addresses() {
        println!("  DC {dc}: {addr}");
    }
    if let Some(addr) = running.control {
        println!("  control plane: http://{addr}/health");
    }
    println!(
        "connect with: tg-takeout --server {} --rsa-key <(tg-mock-server key) ...",
        running
            .address(2)
            .or(running.address(1))
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    running.shutdown().await;
    Ok(())
}

async fn serve_replay(
    file: PathBuf,
    listen: ListenConfig,
    control_port: Option<u16>,
    faults: Option<PathBuf>,
) -> Result<(), String> {
    let transcript = tg_mock_server::replay::Replay::load(&file).map_err(|e| e.to_string())?;
    let script = faults.as_deref().map(read_faults).transpose()?;
    let running = tg_mock_server::replay::start(transcript, listen, control_port)
        .await
        .map_err(|e| format!("cannot listen: {e}"))?;
    if let Some(script) = script {
        running.replay.set_script(script)?;
    }
    println!("replaying {}", file.display());
    for (dc, addr) in running.net.addresses() {
        println!("  DC {dc}: {addr}");
    }
    if let Some(addr) = running.control {
        println!("  control plane: http://{addr}/stats");
    }
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    for request in running.transcript().unexpected() {
        eprintln!("unexpected: {request}");
    }
    running.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let result = match args.command.unwrap_or(Command::Serve(args.serve)) {
        Command::Key => {
            print!("{}", tg_mtproto::auth::TEST_SERVER_PUBLIC_KEY_PEM);
            println!(
                "fingerprint: {}",
                tg_mtproto::auth::TEST_SERVER_KEY_FINGERPRINT
            );
            Ok(())
        }
        Command::Generate(args) => {
            let world = generate(&args.config());
            let out = &args.out;
            fixture::save(&world, out)
                .map(|()| println!("wrote {}", out.join("world.json").display()))
                .map_err(|e| e.to_string())
        }
        Command::Anonymize {
            input,
            output,
            seed,
        } => anonymize_file(&input, &output, seed),
        Command::Import {
            transcript,
            out,
            seed,
            password,
        } => import_file(
            &transcript,
            &out,
            &tg_mock_server::import::ImportOptions { seed, password },
        ),
        Command::Serve(ServeArgs {
            fixture,
            host,
            port,
            dcs,
            control_port,
            faults,
            mtproxy_secret,
            seed,
            replay,
        }) => {
            let (secret, fake_tls_domain) = match mtproxy_secret.as_deref().map(parse_secret) {
                None => (None, None),
                Some(Ok((key, domain))) => (Some(key), domain),
                Some(Err(e)) => {
                    eprintln!("tg-mock-server: {e}");
                    return ExitCode::from(2);
                }
            };
            let dc_ports = (1..=i32::from(dcs))
                .map(|dc| {
                    (
                        dc,
                        if port == 0 {
                            0
                        } else {
                            port.saturating_add(dc as u16 - 1)
                        },
                    )
                })
                .collect();
            let listen = ListenConfig {
                host,
                dcs: dc_ports,
                mtproxy_secret: secret,
                fake_tls_domain,
                seed,
                ..Default::default()
            };
            match tokio::runtime::Runtime::new() {
                Err(e) => Err(format!("cannot start the tokio runtime: {e}")),
                Ok(runtime) => match replay {
                    Some(file) => {
                        runtime.block_on(serve_replay(file, listen, control_port, faults))
                    }
                    None => runtime.block_on(serve(fixture, listen, control_port, faults)),
                },
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tg-mock-server: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[path = "main_tests.rs"]
mod tests;
