//! Login: `auth.sendCode`, `auth.signIn`, `auth.checkPassword` (2FA SRP),
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

/// `auth.sendCode`: the world's phone gets a `sentCodeTypeApp` code;
/// another phone is 400 `PHONE_NUMBER_INVALID`.
pub fn send_code(
    call: &mut Call<'_, '_>,
    req: functions::auth::SendCode,
) -> RpcResult<enums::auth::SentCode> {
    let login = &call.db.world().login;
    if digits(&req.phone_number) != digits(&login.phone) || login.phone.is_empty() {
        return Err(RpcError::bad("PHONE_NUMBER_INVALID"));
    }
    // Telegram sends a client to the account's DC before the login starts.
    let home = call.db.world().home_dc;
    if call.ctx.dc_id != home {
        return Err(RpcError::new(303, format!("PHONE_MIGRATE_{home}")));
    }
    let hash = format!("{:016x}", call.shared().rng.next_u64());
    call.ctx.auth.login = Some(PendingLogin {
        phone: digits(&req.phone_number),
        phone_code_hash: hash.clone(),
        password_needed: false,
    });
    Ok(types::auth::SentCode {
        r#type: types::auth::SentCodeTypeApp {
            length: login.code.chars().count() as i32,
        }
        .into(),
        phone_code_hash: hash,
        next_type: None,
        timeout: None,
    }
    .into())
}

/// `auth.signIn`: checks phone, hash and code; with a 2FA password the
/// answer is 401 `SESSION_PASSWORD_NEEDED`.
pub fn sign_in(
    call: &mut Call<'_, '_>,
    req: functions::auth::SignIn,
) -> RpcResult<enums::auth::Authorization> {
    let world = call.db.world();
    let Some(pending) = call.ctx.auth.login.as_mut() else {
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    };
    if digits(&req.phone_number) != pending.phone {
        return Err(RpcError::bad("PHONE_NUMBER_INVALID"));
    }
    if req.phone_code_hash != pending.phone_code_hash {
        return Err(RpcError::bad("PHONE_CODE_EXPIRED"));
    }
    match req.phone_code.as_deref() {
        None | Some("") => return Err(RpcError::bad("PHONE_CODE_EMPTY")),
        Some(code) if code != world.login.code => return Err(RpcError::bad("PHONE_CODE_INVALID")),
        Some(_) => {}
    }
    if world.login.password.is_some() {
        pending.password_needed = true;
        return Err(RpcError::new(401, "SESSION_PASSWORD_NEEDED"));
    }
    Ok(authorization(call))
}

/// `auth.checkPassword`: verifies the SRP proof against the session of the
/// last `account.getPassword` on this key.
pub fn check_password(
    call: &mut Call<'_, '_>,
    req: functions::auth::CheckPassword,
) -> RpcResult<enums::auth::Authorization> {
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

/// `auth.exportLoginToken`: QR login (https://core.telegram.org/api/qr-login).
/// The first call on a key hands out a token, as if the QR code is now on
/// screen; the next call acts as if a logged-in device scanned it: the login
/// succeeds, or with 2FA answers 401 `SESSION_PASSWORD_NEEDED` and
/// `auth.checkPassword` finishes it.
pub fn export_login_token(
    call: &mut Call<'_, '_>,
    _: functions::auth::ExportLoginToken,
) -> RpcResult<enums::auth::LoginToken> {
    if call.ctx.auth.qr_token.is_none() {
        let token = call.shared().rng.bytes(16);
        call.ctx.auth.qr_token = Some(token.clone());
        let expires = call.ctx.now_unix.saturating_add(30);
        return Ok(types::auth::LoginToken { expires, token }.into());
    }
    call.ctx.auth.qr_token = None;
    let login = &call.db.world().login;
    if login.password.is_some() {
        call.ctx.auth.login = Some(PendingLogin {
            phone: digits(&login.phone),
            phone_code_hash: String::new(),
            password_needed: true,
        });
        return Err(RpcError::new(401, "SESSION_PASSWORD_NEEDED"));
    }
    let authorization = authorization(call);
    Ok(types::auth::LoginTokenSuccess { authorization }.into())
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
