//! The command line: arguments ([`args`]) checked into configurations
//! ([`config`]), the commands, progress display, and the exit code table
//! ([`exit`]) — the only place that decides exit codes.

pub mod args;
mod check;
pub mod config;
#[cfg(feature = "demo")]
mod demo;
pub mod exit;
mod export;
mod interrupt;
mod login;
pub mod progress;
mod shorten;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};

use args::{Cli, Command};
use exit::CliError;

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,tg_takeout=info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let mtproxy = match &cli.command {
        Command::Login(a) => a.connect.mtproxy.clone(),
        Command::Logout(a) | Command::Whoami(a) => a.mtproxy.clone(),
        Command::Export(a) => a.connect.mtproxy.clone(),
        Command::Check(a) => a.connect.mtproxy.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    run_command(cli)
        .await
        .map_err(|e| config::through_mtproxy(e, mtproxy.as_deref()))
}

async fn run_command(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Login(a) => login::login(&a).await,
        Command::Logout(a) => login::logout(&a).await,
        Command::Whoami(a) => login::whoami(&a).await,
        Command::Export(a) => export::export(&a).await,
        Command::Check(a) => check::check(&a).await,
        #[cfg(feature = "demo")]
        Command::Demo(a) => demo::demo(&a).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "tg-takeout",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// The program: parse, run, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return CliError::Other(anyhow::Error::new(e).context("starting the runtime")).report();
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
