//! `tg-takeout login`, `logout`, `whoami`: prompts on the terminal, or
//! lines on stdin when there is none (so scripts and tests can feed them).
//! Codes and passwords are never echoed or logged.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context as _;

use super::args::{ConnectArgs, LoginArgs};
use super::config::{client_config, finish_record};
use super::exit::{CliError, usage};
use tg_takeout::Client;
use tg_takeout::client::{LoginError, QrLogin, SignIn};

/// Reads one line from stdin after printing `prompt` on stderr.
fn ask(prompt: &str) -> Result<String, CliError> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading stdin")?;
    if n == 0 {
        return Err(usage(format!(
            "no answer on stdin for: {}",
            prompt.trim_end_matches([':', ' '])
        )));
    }
    Ok(line.trim().to_owned())
}

/// Reads a password without echo on a terminal, else a line from stdin.
fn ask_password(prompt: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .context("reading the password")
            .map_err(CliError::from)
    } else {
        ask(prompt)
    }
}

fn login_error(e: LoginError) -> CliError {
    match e {
        LoginError::Invocation(inner) => {
            CliError::Other(anyhow::Error::new(inner).context("login failed"))
        }
        other => CliError::Usage(other.to_string()),
    }
}

async fn password(
    client: &Client,
    hint: Option<String>,
) -> Result<tg_takeout::dc::SessionUser, CliError> {
    let prompt = match hint {
        Some(h) => format!("2FA password (hint: {h}): "),
        None => "2FA password: ".to_owned(),
    };
    let pw = ask_password(&prompt)?;
    client.check_password(&pw).await.map_err(login_error)
}

fn render_qr(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
        Err(_) => url.to_owned(),
    }
}

/// `tg-takeout login`.
pub async fn login(args: &LoginArgs) -> Result<(), CliError> {
    let client = Client::new(client_config(&args.connect, true)?).context("opening the session")?;
    if let Some(user) = client.session().user {
        eprintln!(
            "already logged in as {}; `tg-takeout logout` first to switch accounts",
            user.display_name
        );
        return Ok(());
    }
    let user = if args.qr {
        loop {
            match client.qr_login().await.map_err(login_error)? {
                QrLogin::Show { url, expires } => {
                    eprintln!("{}", render_qr(&url));
                    eprintln!(
                        "Scan this in Telegram on your phone: Settings > Devices > Link Desktop Device (expires at {expires})."
                    );
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                }
                QrLogin::Done(user) => break user,
                QrLogin::PasswordNeeded(p) => break password(&client, p.hint).await?,
            }
        }
    } else {
        let phone = match &args.phone {
            Some(p) => p.clone(),
            None => ask("Phone number (international format): ")?,
        };
        let token = client.send_code(&phone).await.map_err(login_error)?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let code = ask(&format!("Code sent via {}: ", token.delivery))?;
            match client.sign_in(&token, &code).await {
                Ok(SignIn::Done(user)) => break user,
                Ok(SignIn::PasswordNeeded(p)) => break password(&client, p.hint).await?,
                Err(LoginError::InvalidCode) if attempts < 3 => {
                    eprintln!("That code is wrong; try again.")
                }
                Err(e) => return Err(login_error(e)),
            }
        }
    };
    client.disconnect().await;
    finish_record(&client)?;
    eprintln!("Logged in as {} (user id {}).", user.display_name, user.id);
    Ok(())
}

/// `tg-takeout logout`.
pub async fn logout(args: &ConnectArgs) -> Result<(), CliError> {
    let client = Client::new(client_config(args, false)?).context("opening the session")?;
    if !client.is_authorized() {
        return Err(CliError::LoginNeeded(" (nothing to log out of)".into()));
    }
    client.log_out().await.map_err(login_error)?;
    eprintln!("Logged out; the session file no longer holds a login.");
    Ok(())
}

/// `tg-takeout whoami`.
pub async fn whoami(args: &ConnectArgs) -> Result<(), CliError> {
    let client = Client::new(client_config(args, false)?).context("opening the session")?;
    let Some(user) = client.session().user else {
        return Err(CliError::LoginNeeded(String::new()));
    };
    let users = client
        .invoke(&tl::functions::users::GetUsers {
            id: vec![tl::enums::InputUser::InputUserSelf],
        })
        .await;
    client.disconnect().await;
    finish_record(&client)?;
    match users {
        Ok(_) => {
            println!(
                "{} (user id {}, DC {})",
                user.display_name,
                user.id,
                client.home_dc()
            );
            Ok(())
        }
        Err(e) if e.is("AUTH_KEY_UNREGISTERED") || e.is("SESSION_REVOKED") => Err(
            CliError::LoginNeeded(" (the login was ended on the server)".into()),
        ),
        Err(e) => Err(anyhow::Error::new(e)
            .context("asking Telegram who is logged in")
            .into()),
    }
}
