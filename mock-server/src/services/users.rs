//! `users.getUsers` and `users.getFullUser`.

use tl::{enums, functions, types};

use super::{Call, RpcResult, resolve_user};

/// `users.getUsers`: known users in request order; unknown ones are left
/// out, as Telegram does. (401 before login, which Telethon reads as "not
/// logged in", comes from the dispatcher.)
pub fn get_users(
    call: &mut Call<'_, '_>,
    req: functions::users::GetUsers,
) -> RpcResult<Vec<enums::User>> {
    Ok(req
        .id
        .iter()
        .filter_map(|u| resolve_user(call, u).ok())
        .filter_map(|id| call.db.user(id).cloned())
        .collect())
}

/// `users.getFullUser`: the world's `self_full` for the account, a minimal
/// `userFull` for anyone else.
pub fn get_full_user(
    call: &mut Call<'_, '_>,
    req: functions::users::GetFullUser,
) -> RpcResult<enums::users::UserFull> {
    let id = resolve_user(call, &req.id)?;
    let world = call.db.world();
    let full_user = match &world.self_full {
        Some(full) if id == world.self_id => full.clone(),
        _ => types::UserFull {
            id,
            ..Default::default()
        }
        .into(),
    };
    Ok(types::users::UserFull {
        full_user,
        chats: Vec::new(),
        users: call.db.user(id).cloned().into_iter().collect(),
    }
    .into())
}
