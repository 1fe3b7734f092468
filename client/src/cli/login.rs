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

/// How many wrong codes, expired codes and wrong passwords are asked again.
const TRIES: u32 = 3;
/// How many QR codes are shown before giving up (each lives ~30 s).
const QR_CODES: u32 = 20;

/// Asks for the 2FA password until it is right, at most [`TRIES`] times.
async fn password(
    client: &Client,
    hint: Option<String>,
) -> Result<tg_takeout::dc::SessionUser, CliError> {
    let prompt = match hint {
        Some(h) => format!("2FA password (hint: {h}): "),
        None => "2FA password: ".to_owned(),
    };
    let mut tries = 0;
    loop {
        tries += 1;
        let pw = ask_password(&prompt)?;
        match client.check_password(&pw).await {
            Err(LoginError::InvalidPassword) if tries < TRIES => {
                eprintln!("That password is wrong; try again.")
            }
            other => return other.map_err(login_error),
        }
    }
}

/// The QR login: shows each token as a QR code and asks again only when
/// it expires or the server says it was scanned (`updateLoginToken`,
/// https://core.telegram.org/api/qr-login).
async fn qr(client: &Client) -> Result<tg_takeout::dc::SessionUser, CliError> {
    // Subscribed before the first token, so a scan during a call is seen.
    let mut scanned = client.login_token_updates();
    for _ in 0..QR_CODES {
        match client.qr_login().await.map_err(login_error)? {
            QrLogin::Show { url, expires } => {
                eprintln!("{}", render_qr(&url));
                eprintln!(
                    "Scan this in Telegram on your phone: Settings > Devices > Link Desktop Device."
                );
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let left = (i64::from(expires) - now).clamp(1, 60) as u64;
                let expiry = tokio::time::sleep(std::time::Duration::from_secs(left));
                tokio::select! {
                    () = expiry => tracing::debug!("the QR login token expired"),
                    changed = scanned.changed() => match changed {
                        Ok(()) => tracing::debug!("the server says the QR code was scanned"),
                        // The client is gone: nothing will wake this up.
                        Err(_) => return Err(CliError::Other(anyhow::anyhow!(
                            "the connection closed during the QR login"
                        ))),
                    },
                }
            }
            QrLogin::Done(user) => return Ok(user),
            QrLogin::PasswordNeeded(p) => return password(client, p.hint).await,
        }
    }
    Err(usage(format!(
        "the QR code was not scanned ({QR_CODES} codes shown); run `tg-takeout login --qr` again"
    )))
}

/// The phone login: the code (asked again when wrong or expired, sent
/// another way on `resend`), then the 2FA password if the account has one.
async fn phone_login(
    client: &Client,
    phone: &str,
) -> Result<tg_takeout::dc::SessionUser, CliError> {
    let mut token = client.send_code(phone).await.map_err(login_error)?;
    let (mut wrong, mut expired, mut resent) = (0, 0, 0);
    loop {
        if let Some(method) = token.unsupported {
            if !token.can_resend || resent >= TRIES {
                return Err(login_error(LoginError::UnsupportedDelivery(method)));
            }
            eprintln!("Telegram sent the code by {method}; asking for another way.");
            resent += 1;
            token = client.resend_code(&token).await.map_err(login_error)?;
            continue;
        }
        let other = if token.can_resend {
            " (or `resend` to get it another way)"
        } else {
            ""
        };
        let code = ask(&format!("Code sent via {}{other}: ", token.delivery))?;
        if code.eq_ignore_ascii_case("resend") && resent < TRIES {
            resent += 1;
            match client.resend_code(&token).await {
                Ok(t) => token = t,
                Err(LoginError::NoOtherWay) => {
                    eprintln!("Telegram offers no other way; enter the code already sent.")
                }
                Err(e) => return Err(login_error(e)),
            }
            continue;
        }
        match client.sign_in(&token, &code).await {
            Ok(SignIn::Done(user)) => return Ok(user),
            Ok(SignIn::PasswordNeeded(p)) => return password(client, p.hint).await,
            Err(LoginError::InvalidCode) if wrong + 1 < TRIES => {
                wrong += 1;
                eprintln!("That code is wrong; try again.");
            }
            Err(LoginError::CodeExpired) if expired + 1 < TRIES => {
                expired += 1;
                eprintln!("That code expired; Telegram sends a new one.");
                token = client.send_code(phone).await.map_err(login_error)?;
            }
            Err(e) => return Err(login_error(e)),
        }
    }
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
        qr(&client).await?
    } else {
        let phone = match &args.phone {
            Some(p) => p.clone(),
            None => ask("Phone number (international format): ")?,
        };
        phone_login(&client, &phone).await?
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
        Err(e) if tg_takeout::invoke::needs_login(&e) => Err(super::exit::login_lost(&client)),
        Err(e) => Err(anyhow::Error::new(e)
            .context("asking Telegram who is logged in")
            .into()),
    }
}
