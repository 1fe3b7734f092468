//! Login: `auth.sendCode` / `auth.resendCode` (each delivery of the world's
//! login settings), `auth.signIn` (phone or email code),
//! `auth.checkPassword` (2FA SRP), QR login (`auth.exportLoginToken`,
//! `auth.importLoginToken`),
//! `auth.logOut`, and `auth.exportAuthorization` / `auth.importAuthorization`
//! to log the same account in on another DC's auth key.

use tl::{enums, functions, types};

use super::{Call, RpcError, RpcResult};
use crate::dispatch::PendingLogin;

/// Digits only, as Telegram compares phone numbers.
fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn authorization(call: &mut Call<'_, '_>) -> enums::auth::Authorization {
    let me = call.db.world().self_id;
    call.ctx.auth.user_id = Some(me);
    call.ctx.auth.login = None;
    call.ctx.auth.srp = None;
    types::auth::Authorization {
        user: call.db.self_user().clone(),
        ..Default::default()
    }
    .into()
}

/// The `auth.SentCodeType` of a delivery setting
/// ([`crate::world::LoginSettings::delivery`]) for a code of `length`.
fn code_type(delivery: &str, length: i32, email_pattern: &str) -> enums::auth::SentCodeType {
    use types::auth as t;
    match delivery {
        "sms" => t::SentCodeTypeSms { length }.into(),
        "call" => t::SentCodeTypeCall { length }.into(),
        "email" => t::SentCodeTypeEmailCode {
            email_pattern: email_pattern.to_owned(),
            length,
            ..Default::default()
        }
        .into(),
        "setup_email" => t::SentCodeTypeSetUpEmailRequired::default().into(),
        "fragment" => t::SentCodeTypeFragmentSms {
            url: "https://fragment.com/numbers".into(),
            length,
        }
        .into(),
        "firebase" => t::SentCodeTypeFirebaseSms {
            length,
            ..Default::default()
        }
        .into(),
        // The code is the last `length` digits of the calling number.
        "missed_call" => t::SentCodeTypeMissedCall {
            prefix: "+888 00".into(),
            length,
        }
        .into(),
        "flash_call" => t::SentCodeTypeFlashCall {
            pattern: "+888*".into(),
        }
        .into(),
        _ => t::SentCodeTypeApp { length }.into(),
    }
}

/// The `auth.CodeType` announced as `next_type`, for the deliveries that
/// have one.
fn next_type(delivery: &str) -> Option<enums::auth::CodeType> {
    use enums::auth::CodeType as C;
    match delivery {
        "sms" => Some(C::Sms),
        "call" => Some(C::Call),
        "flash_call" => Some(C::FlashCall),
        "missed_call" => Some(C::MissedCall),
        "fragment" => Some(C::FragmentSms),
        _ => None,
    }
}

/// A new pending login on this key and the `auth.sentCode` announcing it.
fn sent_code(
    call: &mut Call<'_, '_>,
    phone: &str,
    delivery: &str,
    next: &str,
) -> enums::auth::SentCode {
    let login = &call.db.world().login;
    let length = login.code.chars().count() as i32;
    let r#type = code_type(delivery, length, &login.settings.email_pattern);
    let hash = format!("{:016x}", call.shared().rng.next_u64());
    call.ctx.auth.login = Some(PendingLogin {
        phone: digits(phone),
        phone_code_hash: hash.clone(),
        password_needed: false,
        email: delivery == "email",
    });
    types::auth::SentCode {
        r#type,
        phone_code_hash: hash,
        next_type: next_type(next),
        timeout: None,
    }
    .into()
}

/// `auth.sendCode`: the world's phone gets a code delivered as its login
/// settings say (`sentCodeTypeApp` by default); another phone is 400
/// `PHONE_NUMBER_INVALID`, a banned one 400 `PHONE_NUMBER_BANNED`.
pub fn send_code(
    call: &mut Call<'_, '_>,
    req: functions::auth::SendCode,
) -> RpcResult<enums::auth::SentCode> {
    let login = &call.db.world().login;
    if digits(&req.phone_number) != digits(&login.phone) || login.phone.is_empty() {
        return Err(RpcError::bad("PHONE_NUMBER_INVALID"));
    }
    if login.settings.phone_state == "banned" {
        return Err(RpcError::bad("PHONE_NUMBER_BANNED"));
    }
    // Telegram sends a client to the account's DC before the login starts.
    let home = call.db.world().home_dc;
    if call.ctx.dc_id != home {
        return Err(RpcError::new(303, format!("PHONE_MIGRATE_{home}")));
    }
    let s = &login.settings;
    let (delivery, next) = (s.delivery.clone(), s.next_delivery.clone());
    Ok(sent_code(call, &req.phone_number, &delivery, &next))
}

/// `auth.resendCode`: the code again by the login settings'
/// `next_delivery`; 400 `SEND_CODE_UNAVAILABLE` when there is none.
pub fn resend_code(
    call: &mut Call<'_, '_>,
    req: functions::auth::ResendCode,
) -> RpcResult<enums::auth::SentCode> {
    let Some(pending) = call.ctx.auth.login.as_ref() else {
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    };
    if req.phone_code_hash != pending.phone_code_hash {
        return Err(RpcError::bad("PHONE_CODE_HASH_EMPTY"));
    }
    let next = call.db.world().login.settings.next_delivery.clone();
    if next.is_empty() {
        return Err(RpcError::bad("SEND_CODE_UNAVAILABLE"));
    }
    Ok(sent_code(call, &req.phone_number, &next, ""))
}

/// `auth.signIn`: checks phone, hash and code (the `phone_code`, or the
/// `emailVerificationCode` of an emailed code); with a 2FA password the
/// answer is 401 `SESSION_PASSWORD_NEEDED`.
pub fn sign_in(
    call: &mut Call<'_, '_>,
    req: functions::auth::SignIn,
) -> RpcResult<enums::auth::Authorization> {
    let world = call.db.world();
    let settings = &world.login.settings;
    let Some(pending) = call.ctx.auth.login.as_mut() else {
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    };
    if digits(&req.phone_number) != pending.phone {
        return Err(RpcError::bad("PHONE_NUMBER_INVALID"));
    }
    if req.phone_code_hash != pending.phone_code_hash {
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    }
    let emailed = match &req.email_verification {
        Some(enums::EmailVerification::Code(c)) => Some(c.code.as_str()),
        Some(_) => return Err(RpcError::bad("EMAIL_VERIFICATION_INVALID")),
        None => None,
    };
    let (code, invalid) = match (pending.email, emailed) {
        (true, Some(code)) => (Some(code), "EMAIL_CODE_INVALID"),
        (true, None) => (None, "EMAIL_CODE_INVALID"),
        (false, _) => (req.phone_code.as_deref(), "PHONE_CODE_INVALID"),
    };
    match code {
        None | Some("") => return Err(RpcError::bad("PHONE_CODE_EMPTY")),
        Some(code) if code != world.login.code => return Err(RpcError::bad(invalid)),
        Some(_) => {}
    }
    if call.ctx.auth.codes_expired < settings.expired_codes {
        call.ctx.auth.codes_expired += 1;
        call.ctx.auth.login = None;
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    }
    if settings.phone_state == "unoccupied" {
        return Err(RpcError::bad("PHONE_NUMBER_UNOCCUPIED"));
    }
    if world.login.password.is_some() {
        if let Some(pending) = call.ctx.auth.login.as_mut() {
            pending.password_needed = true;
        }
        return Err(RpcError::new(401, "SESSION_PASSWORD_NEEDED"));
    }
    Ok(authorization(call))
}

/// `auth.checkPassword`: verifies the SRP proof against the session of the
/// last `account.getPassword` on this key (the first `srp_id_invalid` calls
/// of the login settings answer `SRP_ID_INVALID`, as if it had expired).
pub fn check_password(
    call: &mut Call<'_, '_>,
    req: functions::auth::CheckPassword,
) -> RpcResult<enums::auth::Authorization> {
    if call.ctx.auth.srp_refused < call.db.world().login.settings.srp_id_invalid {
        call.ctx.auth.srp_refused += 1;
        call.ctx.auth.srp = None;
        return Err(RpcError::bad("SRP_ID_INVALID"));
    }
    let (Some(verifier), Some(session)) = (call.verifier, call.ctx.auth.srp.as_ref()) else {
        return Err(RpcError::bad("SRP_ID_INVALID"));
    };
    let enums::InputCheckPasswordSrp::InputCheckPasswordSrp(proof) = &req.password else {
        return Err(RpcError::bad("PASSWORD_HASH_INVALID"));
    };
    if proof.srp_id != session.id {
        return Err(RpcError::bad("SRP_ID_INVALID"));
    }
    if !verifier.check(session, &proof.a, &proof.m1) {
        return Err(RpcError::bad("PASSWORD_HASH_INVALID"));
    }
    Ok(authorization(call))
}

/// The scanned QR login on this key: done, or with 2FA 401
/// `SESSION_PASSWORD_NEEDED` (`auth.checkPassword` finishes it).
fn qr_scanned(call: &mut Call<'_, '_>) -> RpcResult<enums::auth::Authorization> {
    let login = &call.db.world().login;
    if login.password.is_some() {
        call.ctx.auth.login = Some(PendingLogin {
            phone: digits(&login.phone),
            phone_code_hash: String::new(),
            password_needed: true,
            email: false,
        });
        return Err(RpcError::new(401, "SESSION_PASSWORD_NEEDED"));
    }
    Ok(authorization(call))
}

/// A new QR login token living `qr_expires_secs` (default 30).
fn qr_token(call: &mut Call<'_, '_>) -> enums::auth::LoginToken {
    let ttl = call.db.world().login.settings.qr_expires_secs;
    let token = call.shared().rng.bytes(16);
    call.ctx.auth.qr_token = Some(token.clone());
    let ttl = if ttl == 0 { 30 } else { ttl as i32 };
    let expires = call.ctx.now_unix.saturating_add(ttl);
    types::auth::LoginToken { expires, token }.into()
}

/// Whether the QR code shown on this key was scanned, by the time model of
/// `qr_scan_after_ms`: the first call starts the clock and asks for an
/// `updateShort { updateLoginToken }` pushed to the key's connections when
/// the scan happens (<https://core.telegram.org/api/qr-login>).
fn scanned_in_time(call: &mut Call<'_, '_>, after_ms: u32) -> bool {
    let now = std::time::Instant::now();
    let after = std::time::Duration::from_millis(u64::from(after_ms));
    let Some(at) = call.ctx.auth.qr_scan_at else {
        call.ctx.auth.qr_scan_at = Some(now + after);
        let update = types::UpdateShort {
            update: enums::Update::LoginToken,
            date: call.ctx.now_unix.saturating_add(after.as_secs() as i32),
        };
        let body = tl::Serializable::to_bytes(&enums::Updates::from(update));
        // A millisecond late, so a client that answers the push at once
        // finds the code scanned.
        let after = after + std::time::Duration::from_millis(1);
        call.ctx.auth.pushes.push(crate::net::Push { after, body });
        return false;
    };
    if now < at {
        return false;
    }
    call.ctx.auth.qr_scan_at = None;
    true
}

/// `auth.exportLoginToken`: QR login (<https://core.telegram.org/api/qr-login>).
/// The first `qr_scan_after` calls on a key (default 1) each hand out a
/// token living `qr_expires_secs` (default 30), as if the QR code is on
/// screen; with `qr_scan_after_ms` the calls before that time does (and the
/// scan pushes `updateLoginToken`). The next call acts as if a logged-in
/// device scanned it: on another DC than the account's it answers
/// `auth.loginTokenMigrateTo` (`auth.importLoginToken` there goes on);
/// otherwise the login succeeds, or with 2FA answers 401
/// `SESSION_PASSWORD_NEEDED`.
pub fn export_login_token(
    call: &mut Call<'_, '_>,
    _: functions::auth::ExportLoginToken,
) -> RpcResult<enums::auth::LoginToken> {
    let settings = &call.db.world().login.settings;
    let (shown, after_ms) = (settings.qr_scan_after.max(1), settings.qr_scan_after_ms);
    if after_ms > 0 {
        if !scanned_in_time(call, after_ms) {
            return Ok(qr_token(call));
        }
    } else {
        call.ctx.auth.qr_polls += 1;
        if call.ctx.auth.qr_polls <= shown {
            return Ok(qr_token(call));
        }
    }
    call.ctx.auth.qr_token = None;
    call.ctx.auth.qr_polls = 0;
    let home = call.db.world().home_dc;
    if call.ctx.dc_id != home {
        let me = call.db.world().self_id;
        let mut shared = call.shared();
        let token = shared.rng.bytes(32);
        shared.exported.insert(token.clone(), (me, home));
        return Ok(types::auth::LoginTokenMigrateTo { dc_id: home, token }.into());
    }
    let authorization = qr_scanned(call)?;
    Ok(types::auth::LoginTokenSuccess { authorization }.into())
}

/// `auth.importLoginToken`: the token of an `auth.loginTokenMigrateTo`,
/// on the DC it names: the login succeeds there (or needs the 2FA
/// password); any other token is 400 `AUTH_TOKEN_INVALID`.
pub fn import_login_token(
    call: &mut Call<'_, '_>,
    req: functions::auth::ImportLoginToken,
) -> RpcResult<enums::auth::LoginToken> {
    let found = call.shared().exported.remove(&req.token);
    match found {
        Some((_, dc)) if dc == call.ctx.dc_id => {
            let authorization = qr_scanned(call)?;
            Ok(types::auth::LoginTokenSuccess { authorization }.into())
        }
        Some(entry) => {
            call.shared().exported.insert(req.token, entry);
            Err(RpcError::bad("AUTH_TOKEN_INVALID"))
        }
        None => Err(RpcError::bad("AUTH_TOKEN_INVALID")),
    }
}

/// `auth.logOut`: forgets the key's login.
pub fn log_out(
    call: &mut Call<'_, '_>,
    _: functions::auth::LogOut,
) -> RpcResult<enums::auth::LoggedOut> {
    *call.ctx.auth = Default::default();
    Ok(types::auth::LoggedOut::default().into())
}

/// `auth.exportAuthorization`: bytes that `auth.importAuthorization`
/// accepts once on a connection to `dc_id`.
pub fn export_authorization(
    call: &mut Call<'_, '_>,
    req: functions::auth::ExportAuthorization,
) -> RpcResult<enums::auth::ExportedAuthorization> {
    let known = call.config.dc_options.iter().any(|d| d.id == req.dc_id);
    if req.dc_id == call.ctx.dc_id || !(known || call.config.dc_options.is_empty()) {
        return Err(RpcError::bad("DC_ID_INVALID"));
    }
    let me = call.me();
    let mut shared = call.shared();
    let bytes = shared.rng.bytes(32);
    shared.exported.insert(bytes.clone(), (me, req.dc_id));
    Ok(types::auth::ExportedAuthorization { id: me, bytes }.into())
}

/// `auth.importAuthorization`: logs this key in with exported bytes meant
/// for this DC; anything else is 400 `AUTH_BYTES_INVALID`.
pub fn import_authorization(
    call: &mut Call<'_, '_>,
    req: functions::auth::ImportAuthorization,
) -> RpcResult<enums::auth::Authorization> {
    let found = call.shared().exported.remove(&req.bytes);
    match found {
        Some((user, dc)) if user == req.id && dc == call.ctx.dc_id => Ok(authorization(call)),
        Some(entry) => {
            call.shared().exported.insert(req.bytes, entry);
            Err(RpcError::bad("AUTH_BYTES_INVALID"))
        }
        None => Err(RpcError::bad("AUTH_BYTES_INVALID")),
    }
}
