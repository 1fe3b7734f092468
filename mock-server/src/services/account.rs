//! `account.*`: the 2FA password parameters, takeout sessions, sessions and
//! web sessions.

use tl::{enums, functions, types};

use super::{Call, Mentions, RpcError, RpcResult};
use crate::world::PeerKey;

/// `account.getPassword`: without 2FA, `has_password` is false; with it,
/// `current_algo`, a fresh `srp_B` and `srp_id` (kept on the auth key for
/// `auth.checkPassword`).
pub fn get_password(
    call: &mut Call<'_, '_>,
    _: functions::account::GetPassword,
) -> RpcResult<enums::account::Password> {
    let login = &call.db.world().login;
    let mut shared = call.shared();
    let secure_random = shared.rng.bytes(32);
    let new_salt = shared.rng.bytes(8);
    let session = call.verifier.map(|v| v.start(&mut shared.rng));
    drop(shared);
    let mut new_salt1 = login.salt1.clone();
    new_salt1.extend(new_salt);
    let new_algo = types::PasswordKdfAlgoSha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow {
        salt1: new_salt1,
        salt2: login.salt2.clone(),
        g: super::srp::G,
        p: match call.verifier.map(|v| v.algo()) {
            Some(enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(a)) => {
                a.p
            }
            _ => prime_bytes(),
        },
    };
    let answer = types::account::Password {
        has_password: session.is_some(),
        current_algo: call.verifier.map(|v| v.algo()),
        srp_b: session.as_ref().map(|s| s.g_b.clone()),
        srp_id: session.as_ref().map(|s| s.id),
        hint: session.as_ref().and(login.hint.clone()),
        new_algo: new_algo.into(),
        new_secure_algo: types::SecurePasswordKdfAlgoPbkdf2Hmacsha512iter100000 {
            salt: login.salt2.clone(),
        }
        .into(),
        secure_random,
        ..Default::default()
    };
    call.ctx.auth.srp = session;
    Ok(answer.into())
}

fn prime_bytes() -> Vec<u8> {
    tg_mtproto::auth::dh::TELEGRAM_DH_PRIME.to_vec()
}

/// `account.initTakeoutSession`: a new takeout id for the account; any
/// earlier one becomes invalid (400 `TAKEOUT_INVALID`), as when a new export
/// is started on Telegram. While a delay set by the control plane runs:
/// `420 TAKEOUT_INIT_DELAY_X`, X the seconds left (rounded up).
pub fn init_takeout(
    call: &mut Call<'_, '_>,
    _: functions::account::InitTakeoutSession,
) -> RpcResult<enums::account::Takeout> {
    let me = call.me();
    let mut shared = call.shared();
    if let Some(end) = shared.takeout_delay {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if !left.is_zero() {
            let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(RpcError::new(420, format!("TAKEOUT_INIT_DELAY_{seconds}")));
        }
        shared.takeout_delay = None;
    }
    let id = shared.rng.positive_i64();
    shared.takeouts.insert(me, id);
    drop(shared);
    call.ctx.auth.takeouts.push(id);
    Ok(types::account::Takeout { id }.into())
}

/// `account.finishTakeoutSession` (inside `invokeWithTakeout`): ends the
/// session; its id is invalid afterwards.
pub fn finish_takeout(
    call: &mut Call<'_, '_>,
    _: functions::account::FinishTakeoutSession,
) -> RpcResult<bool> {
    let me = call.me();
    let id = call.takeout;
    let mut shared = call.shared();
    if shared.takeouts.get(&me).copied() == id {
        shared.takeouts.remove(&me);
    }
    Ok(true)
}

/// `account.getAuthorizations`.
pub fn get_authorizations(
    call: &mut Call<'_, '_>,
    _: functions::account::GetAuthorizations,
) -> RpcResult<enums::account::Authorizations> {
    let w = call.db.world();
    Ok(types::account::Authorizations {
        authorization_ttl_days: w.authorization_ttl_days,
        authorizations: w.authorizations.clone(),
    }
    .into())
}

/// `account.getWebAuthorizations`, with the bots they belong to.
pub fn get_web_authorizations(
    call: &mut Call<'_, '_>,
    _: functions::account::GetWebAuthorizations,
) -> RpcResult<enums::account::WebAuthorizations> {
    let w = call.db.world();
    let mut mentions = Mentions::default();
    for a in &w.web_authorizations {
        let enums::WebAuthorization::WebAuthorization(a) = a;
        mentions.add(PeerKey::User(a.bot_id));
    }
    let (users, _) = mentions.resolve(call.db);
    Ok(types::account::WebAuthorizations {
        authorizations: w.web_authorizations.clone(),
        users,
    }
    .into())
}
