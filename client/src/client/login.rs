//! Logging in: phone and code, then the 2FA password when the account has
//! one (SRP, <https://core.telegram.org/api/srp>), or a QR code scanned from a
//! logged-in device (<https://core.telegram.org/api/qr-login>); and logging
//! out. Codes and passwords are never logged.

use std::fmt;

use base64::Engine as _;
use rand::RngCore as _;
use tl::{enums, functions, types};

use super::Client;
use crate::dc::SessionUser;
use crate::rpc::InvocationError;

/// Why a login step failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The phone number is not valid.
    #[error("Telegram does not accept the phone number {0:?}")]
    InvalidPhone(String),
    /// The code is wrong.
    #[error("the login code is wrong; check it and try again")]
    InvalidCode,
    /// The code expired; ask for a new one.
    #[error("the login code expired; ask for a new one")]
    CodeExpired,
    /// The 2FA password is wrong.
    #[error("the 2FA password is wrong")]
    InvalidPassword,
    /// The phone number has no account (sign-up is not supported).
    #[error("no Telegram account uses this phone number; sign up in an official app first")]
    SignUpRequired,
    /// `PHONE_NUMBER_BANNED`.
    #[error(
        "Telegram has banned the phone number {0:?}; see https://telegram.org/faq#q-my-phone-number-is-banned"
    )]
    Banned(String),
    /// `sentCodeTypeSetUpEmailRequired`: the account must set a login email
    /// first.
    #[error(
        "Telegram wants a login email set up for this account before it sends a code: log in once in an official Telegram app, set the email it asks for, then run `tg-takeout login` again (or use `--qr`)"
    )]
    SetUpEmailRequired,
    /// The code went a way this program cannot take, and there is no other.
    #[error(
        "Telegram sent the login code by {0}, which tg-takeout cannot receive, and offers no other way; log in with `tg-takeout login --qr` instead"
    )]
    UnsupportedDelivery(&'static str),
    /// `SEND_CODE_UNAVAILABLE`: no other way to send the code.
    #[error("Telegram offers no other way to send the code; use the one already sent")]
    NoOtherWay,
    /// The server's 2FA parameters failed the safety checks.
    #[error("unsafe 2FA parameters from the server: {0}")]
    UnsafeSrp(String),
    /// Any other failure.
    #[error(transparent)]
    Invocation(#[from] InvocationError),
}

/// A code was sent; give it back with the code.
#[derive(Clone)]
pub struct LoginToken {
    phone: String,
    phone_code_hash: String,
    /// How the code was delivered (`the Telegram app`, `SMS`, `email to
    /// a***@example.com`...), for the prompt.
    pub delivery: String,
    /// The code went by email: it is sent back as `emailVerificationCode`.
    pub email: bool,
    /// `auth.resendCode` can send it another way (`next_type`).
    pub can_resend: bool,
    /// The code went a way this program cannot take (Firebase): ask for
    /// another way ([`Client::resend_code`]) or give up.
    pub unsupported: Option<&'static str>,
}

impl fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginToken")
            .field("delivery", &self.delivery)
            .field("email", &self.email)
            .field("can_resend", &self.can_resend)
            .finish_non_exhaustive()
    }
}

/// The account has a 2FA password.
#[derive(Clone, Debug)]
pub struct PasswordToken {
    /// The password hint the user set, if any.
    pub hint: Option<String>,
}

/// The result of entering the code.
#[derive(Clone, Debug)]
pub enum SignIn {
    /// Logged in.
    Done(SessionUser),
    /// The account needs its 2FA password: call [`Client::check_password`].
    PasswordNeeded(PasswordToken),
}

/// A QR login in progress.
#[derive(Clone, Debug)]
pub enum QrLogin {
    /// Show this `tg://login?token=...` link as a QR code until `expires`
    /// (unix time), then ask again.
    Show {
        /// The link to encode.
        url: String,
        /// When the token expires.
        expires: i32,
    },
    /// Scanned and logged in.
    Done(SessionUser),
    /// Scanned, but the account has a 2FA password.
    PasswordNeeded(PasswordToken),
}

fn user_of(auth: &enums::auth::Authorization) -> Option<SessionUser> {
    let enums::auth::Authorization::Authorization(a) = auth else {
        return None;
    };
    let enums::User::User(u) = &a.user else {
        return None;
    };
    let name = [u.first_name.as_deref(), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let display_name = match (&u.username, name.is_empty()) {
        (Some(username), true) => format!("@{username}"),
        _ if !name.is_empty() => name,
        _ => format!("user {}", u.id),
    };
    Some(SessionUser {
        id: u.id,
        display_name,
    })
}

impl Client {
    fn finish_login(&self, auth: &enums::auth::Authorization) -> Result<SessionUser, LoginError> {
        let user = user_of(auth).ok_or(LoginError::SignUpRequired)?;
        let home = self.home_dc();
        self.update_session(|s| {
            s.user = Some(user.clone());
            if let Some(d) = s.dcs.get_mut(&home) {
                d.authorized = true;
            }
        })?;
        Ok(user)
    }

    /// Asks Telegram to send a login code to `phone`.
    pub async fn send_code(&self, phone: &str) -> Result<LoginToken, LoginError> {
        let app = &self.config().app;
        let request = functions::auth::SendCode {
            phone_number: phone.to_owned(),
            api_id: app.api_id,
            api_hash: app.api_hash.clone(),
            settings: types::CodeSettings::default().into(),
        };
        match self.invoke(&request).await {
            Ok(sent) => self.token_of(phone, sent),
            Err(e) if e.is("PHONE_NUMBER_INVALID") => {
                Err(LoginError::InvalidPhone(phone.to_owned()))
            }
            Err(e) if e.is("PHONE_NUMBER_BANNED") => Err(LoginError::Banned(phone.to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// Asks Telegram to send the code another way (`auth.resendCode`, the
    /// `next_type` of the last answer).
    pub async fn resend_code(&self, token: &LoginToken) -> Result<LoginToken, LoginError> {
        let request = functions::auth::ResendCode {
            phone_number: token.phone.clone(),
            phone_code_hash: token.phone_code_hash.clone(),
            reason: None,
        };
        match self.invoke(&request).await {
            Ok(sent) => self.token_of(&token.phone, sent),
            Err(e) if e.is("SEND_CODE_UNAVAILABLE") => Err(LoginError::NoOtherWay),
            Err(e) if e.is("PHONE_CODE_EXPIRED") => Err(LoginError::CodeExpired),
            Err(e) => Err(e.into()),
        }
    }

    /// What an `auth.sentCode` asks of the user
    /// (<https://core.telegram.org/api/auth#sending-the-verification-code>).
    fn token_of(&self, phone: &str, sent: enums::auth::SentCode) -> Result<LoginToken, LoginError> {
        use enums::auth::SentCodeType as T;
        let s = match sent {
            enums::auth::SentCode::SentCode(s) => s,
            enums::auth::SentCode::Success(s) => {
                self.finish_login(&s.authorization)?;
                return Ok(LoginToken {
                    phone: phone.into(),
                    phone_code_hash: String::new(),
                    delivery: "none".into(),
                    email: false,
                    can_resend: false,
                    unsupported: None,
                });
            }
            _ => return Err(LoginError::SignUpRequired),
        };
        let mut unsupported = None;
        let delivery = match &s.r#type {
            T::App(_) => "the Telegram app (a message from Telegram in another session)".into(),
            T::Sms(_) | T::SmsWord(_) | T::SmsPhrase(_) => "SMS".into(),
            T::Call(_) => "a phone call".into(),
            T::EmailCode(e) => format!("email to {}", e.email_pattern),
            T::SetUpEmailRequired(_) => return Err(LoginError::SetUpEmailRequired),
            T::FragmentSms(f) => format!("Fragment (the anonymous number's messages at {})", f.url),
            T::MissedCall(m) => format!(
                "a missed call: enter the last {} digits of the number that called you (it starts {})",
                m.length, m.prefix
            ),
            T::FlashCall(_) => {
                "a flash call: enter the full number that called you, digits only".into()
            }
            T::FirebaseSms(_) => {
                unsupported = Some("Firebase SMS (only the official Android and iOS apps)");
                "Firebase SMS".into()
            }
        };
        Ok(LoginToken {
            phone: phone.to_owned(),
            phone_code_hash: s.phone_code_hash,
            delivery,
            email: matches!(s.r#type, T::EmailCode(_)),
            can_resend: s.next_type.is_some(),
            unsupported,
        })
    }

    /// Signs in with the code Telegram sent.
    pub async fn sign_in(&self, token: &LoginToken, code: &str) -> Result<SignIn, LoginError> {
        let code = code.trim().to_owned();
        let (phone_code, email_verification) = if token.email {
            let v = types::EmailVerificationCode { code };
            (None, Some(v.into()))
        } else {
            (Some(code), None)
        };
        let request = functions::auth::SignIn {
            phone_number: token.phone.clone(),
            phone_code_hash: token.phone_code_hash.clone(),
            phone_code,
            email_verification,
        };
        match self.invoke(&request).await {
            Ok(auth) => Ok(SignIn::Done(self.finish_login(&auth)?)),
            Err(e) if e.is("SESSION_PASSWORD_NEEDED") => {
                Ok(SignIn::PasswordNeeded(self.password_token().await?))
            }
            Err(e)
                if e.is("PHONE_CODE_INVALID")
                    || e.is("PHONE_CODE_EMPTY")
                    || e.is("EMAIL_CODE_INVALID") =>
            {
                Err(LoginError::InvalidCode)
            }
            Err(e) if e.is("PHONE_CODE_EXPIRED") => Err(LoginError::CodeExpired),
            Err(e) if e.is("PHONE_NUMBER_UNOCCUPIED") => Err(LoginError::SignUpRequired),
            Err(e) => Err(e.into()),
        }
    }

    async fn password_token(&self) -> Result<PasswordToken, LoginError> {
        let enums::account::Password::Password(p) =
            self.invoke(&functions::account::GetPassword {}).await?;
        Ok(PasswordToken {
            hint: p.hint.filter(|h| !h.is_empty()),
        })
    }

    /// Finishes a login with the account's 2FA password. `SRP_ID_INVALID`
    /// (the SRP session expired) fetches the password parameters again,
    /// once.
    pub async fn check_password(&self, password: &str) -> Result<SessionUser, LoginError> {
        match self.check_password_once(password).await {
            Err(LoginError::Invocation(e)) if e.is("SRP_ID_INVALID") => {
                tracing::info!("the 2FA parameters expired; fetching them again");
                self.check_password_once(password).await
            }
            other => other,
        }
    }

    async fn check_password_once(&self, password: &str) -> Result<SessionUser, LoginError> {
        let enums::account::Password::Password(p) =
            self.invoke(&functions::account::GetPassword {}).await?;
        let (Some(algo), Some(srp_b), Some(srp_id)) = (p.current_algo, p.srp_b, p.srp_id) else {
            return Err(LoginError::UnsafeSrp(
                "the account has no password set".into(),
            ));
        };
        let enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(algo) = algo
        else {
            return Err(LoginError::UnsafeSrp(
                "unknown password hashing algorithm; update tg-takeout".into(),
            ));
        };
        crate::auth::dh::check_srp_params(&algo.p, algo.g, &srp_b)
            .map_err(|e| LoginError::UnsafeSrp(e.to_string()))?;
        let mut a = vec![0u8; 256];
        rand::rng().fill_bytes(&mut a);
        let (m1, g_a) = grammers_crypto::two_factor_auth::calculate_2fa(
            &algo.salt1,
            &algo.salt2,
            &algo.p,
            &algo.g,
            srp_b,
            a,
            password,
        );
        let check = types::InputCheckPasswordSrp {
            srp_id,
            a: g_a.to_vec(),
            m1: m1.to_vec(),
        };
        match self
            .invoke(&functions::auth::CheckPassword {
                password: check.into(),
            })
            .await
        {
            Ok(auth) => self.finish_login(&auth),
            Err(e) if e.is("PASSWORD_HASH_INVALID") => Err(LoginError::InvalidPassword),
            Err(e) => Err(e.into()),
        }
    }

    /// Starts or continues a QR login: call it until it returns `Done` or
    /// `PasswordNeeded`, showing each `Show` link as a QR code meanwhile,
    /// and again when the link expires or [`Client::login_token_updates`]
    /// wakes (the code was scanned).
    pub async fn qr_login(&self) -> Result<QrLogin, LoginError> {
        let app = &self.config().app;
        let request = functions::auth::ExportLoginToken {
            api_id: app.api_id,
            api_hash: app.api_hash.clone(),
            except_ids: Vec::new(),
        };
        let answer = match self.invoke(&request).await {
            Ok(a) => a,
            Err(e) if e.is("SESSION_PASSWORD_NEEDED") => {
                return Ok(QrLogin::PasswordNeeded(self.password_token().await?));
            }
            Err(e) => return Err(e.into()),
        };
        match answer {
            enums::auth::LoginToken::LoginToken(t) => {
                let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&t.token);
                Ok(QrLogin::Show {
                    url: format!("tg://login?token={token}"),
                    expires: t.expires,
                })
            }
            enums::auth::LoginToken::MigrateTo(m) => {
                // The account lives on another DC: import the token there;
                // the 2FA password, if any, is checked there too.
                self.ensure_known(m.dc_id).await?;
                self.update_session(|s| s.home_dc = m.dc_id)?;
                let import = functions::auth::ImportLoginToken { token: m.token };
                match self.invoke(&import).await {
                    Ok(enums::auth::LoginToken::Success(s)) => {
                        Ok(QrLogin::Done(self.finish_login(&s.authorization)?))
                    }
                    Ok(_) => Err(LoginError::Invocation(InvocationError::Protocol(
                        "auth.importLoginToken did not finish the login".into(),
                    ))),
                    Err(e) if e.is("SESSION_PASSWORD_NEEDED") => {
                        Ok(QrLogin::PasswordNeeded(self.password_token().await?))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            enums::auth::LoginToken::Success(s) => {
                Ok(QrLogin::Done(self.finish_login(&s.authorization)?))
            }
        }
    }

    /// Wakes on every `updateLoginToken` the server pushes from now on (a
    /// logged-in device scanned the QR code): then [`Client::qr_login`]
    /// again finishes the login. Each subscriber gets every wake-up.
    pub fn login_token_updates(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.login_token.subscribe()
    }

    /// Logs out: ends the authorization on the server and forgets the user.
    pub async fn log_out(&self) -> Result<(), LoginError> {
        let result = self.invoke(&functions::auth::LogOut {}).await;
        self.update_session(|s| {
            s.user = None;
            s.dcs.clear();
        })?;
        self.disconnect().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.is("AUTH_KEY_UNREGISTERED") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
