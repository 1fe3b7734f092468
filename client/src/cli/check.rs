//! `tg-takeout check`: the first thing to run against a real account or
//! `--test-dc` (README "Exporting your account", "Checking the
//! connection"). It connects, asks `help.getConfig` (the DC, the clock),
//! whether the session is logged in (`users.getUsers` of self) and, only
//! with `--takeout`, whether a takeout session may start now; one short
//! report, an exit code by outcome. [`Report`] is pure: what was found,
//! its text and its exit code.

use anyhow::Context as _;
use tl::{enums, functions};

use super::args::CheckArgs;
use super::config::{client_config, finish_record, time_zone};
use super::exit::CliError;
use tg_takeout::Client;
use tg_takeout::export::time::Tz;

/// The login the session holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// Logged in, and the server agrees.
    Yes {
        /// The name to show.
        name: String,
        /// The user id.
        id: i64,
    },
    /// The session file holds no login.
    No,
    /// The session holds a login the server no longer knows.
    Lost(String),
}

/// Whether a takeout session may start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Takeout {
    /// Not asked (`--takeout` not given, or not logged in).
    NotTried,
    /// A session was opened and closed again at once.
    CanStart,
    /// `TAKEOUT_INIT_DELAY_X`: from this date and time on.
    Delayed(String),
    /// Another error.
    Failed(String),
}

/// What `check` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The server (`production`, `test` or `HOST:PORT`).
    pub server: String,
    /// The home DC and the DC that answered `help.getConfig`.
    pub home_dc: i32,
    /// `this_dc` of the config.
    pub this_dc: i32,
    /// The layer the calls were made in (answers decoded in it).
    pub layer: i32,
    /// Server clock minus ours, in seconds.
    pub clock_offset: i64,
    /// The login.
    pub login: Login,
    /// The takeout.
    pub takeout: Takeout,
}

/// A clock more than this far off is worth a warning (MTProto copes, but
/// the dates a user compares are off).
const CLOCK_WARN_SECS: i64 = 30;

impl Report {
    /// The report's text, one line per item.
    pub fn text(&self) -> String {
        let clock = match self.clock_offset {
            0 => "in step with the server".to_owned(),
            o if o.abs() > CLOCK_WARN_SECS => format!(
                "{} s {} the server: set the system clock (the export still works)",
                o.abs(),
                if o > 0 { "behind" } else { "ahead of" }
            ),
            o => format!(
                "{} s {} the server",
                o.abs(),
                if o > 0 { "behind" } else { "ahead of" }
            ),
        };
        let login = match &self.login {
            Login::Yes { name, id } => format!("logged in as {name} (user id {id})"),
            Login::No => "not logged in: run `tg-takeout login`".into(),
            Login::Lost(why) => format!("the login is gone ({why}): run `tg-takeout login`"),
        };
        let takeout = match &self.takeout {
            Takeout::NotTried => "not tried (add --takeout to ask Telegram)".into(),
            Takeout::CanStart => "can start now".into(),
            Takeout::Delayed(at) => format!(
                "delayed by Telegram until {at} (confirm it in Telegram's Service notifications to start sooner)"
            ),
            Takeout::Failed(e) => format!("cannot start: {e}"),
        };
        format!(
            "server:  {}\nDC:      {} (home DC {})\nlayer:   {}\nclock:   {clock}\nsession: {login}\ntakeout: {takeout}\n",
            self.server, self.this_dc, self.home_dc, self.layer
        )
    }

    /// The exit code: 0 all well, 3 no login, 4 takeout delayed, 1 a
    /// takeout that cannot start for another reason.
    pub fn exit_code(&self) -> u8 {
        match (&self.login, &self.takeout) {
            (Login::No | Login::Lost(_), _) => 3,
            (_, Takeout::Delayed(_)) => 4,
            (_, Takeout::Failed(_)) => 1,
            _ => 0,
        }
    }
}

/// Asks the server what the report needs.
async fn probe(client: &Client, try_takeout: bool, tz: &Tz) -> Result<Report, CliError> {
    let before = tg_takeout::takeout::system_now();
    let enums::Config::Config(config) = client
        .invoke(&functions::help::GetConfig {})
        .await
        .context("asking the server for its configuration (help.getConfig)")?;
    let after = tg_takeout::takeout::system_now();
    // The server's clock at the middle of the call.
    let clock_offset = i64::from(config.date) - (before + after) / 2;
    let login = match client.session().user {
        None => Login::No,
        Some(user) => {
            let me = functions::users::GetUsers {
                id: vec![enums::InputUser::InputUserSelf],
            };
            match client.invoke(&me).await {
                Ok(_) => Login::Yes {
                    name: user.display_name,
                    id: user.id,
                },
                Err(e) if tg_takeout::invoke::needs_login(&e) => Login::Lost(e.to_string()),
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context("asking who is logged in (users.getUsers)")
                        .into());
                }
            }
        }
    };
    let takeout = match (&login, try_takeout) {
        (Login::Yes { .. }, true) => takeout(client, tz).await,
        _ => Takeout::NotTried,
    };
    Ok(Report {
        server: client.session().server,
        home_dc: client.home_dc(),
        this_dc: config.this_dc,
        layer: tl::LAYER,
        clock_offset,
        login,
        takeout,
    })
}

/// Opens a takeout session and closes it at once (`success = false`).
async fn takeout(client: &Client, tz: &Tz) -> Takeout {
    let init = functions::account::InitTakeoutSession::default();
    match client.invoke(&init).await {
        Ok(enums::account::Takeout::Takeout(t)) => {
            let finish = functions::InvokeWithTakeout {
                takeout_id: t.id,
                query: functions::account::FinishTakeoutSession { success: false },
            };
            if let Err(e) = client.invoke(&finish).await {
                tracing::warn!("account.finishTakeoutSession failed: {e}");
            }
            Takeout::CanStart
        }
        Err(e) if e.is("TAKEOUT_INIT_DELAY") => {
            let seconds = e.rpc().and_then(|r| r.value).unwrap_or(0);
            let until = tg_takeout::takeout::system_now() + i64::from(seconds);
            Takeout::Delayed(tg_takeout::export::time::display_date_time(
                until,
                tz.as_ref(),
            ))
        }
        // The error names the call (`... to account.initTakeoutSession`).
        Err(e) => Takeout::Failed(e.to_string()),
    }
}

/// `tg-takeout check`.
pub async fn check(args: &CheckArgs) -> Result<(), CliError> {
    let client = Client::new(client_config(&args.connect, true)?).context("opening the session")?;
    let tz = time_zone(None)?;
    let report = probe(&client, args.takeout, &tz).await;
    client.disconnect().await;
    finish_record(&client)?;
    let report = report?;
    print!("{}", report.text());
    match report.exit_code() {
        0 => Ok(()),
        code => Err(CliError::Check(code)),
    }
}

#[cfg(test)]
mod tests;
