//! `contacts.getSaved` and `contacts.getTopPeers`.

use tl::{enums, functions, types};

use super::{Call, Mentions, RpcResult, clamp_limit};

/// `contacts.getSaved` (takeout only): the saved phone contacts.
pub fn get_saved(
    call: &mut Call<'_, '_>,
    _: functions::contacts::GetSaved,
) -> RpcResult<Vec<enums::SavedContact>> {
    Ok(call.db.world().contacts.clone())
}

/// Whether the request's flags ask for `category`.
fn wanted(req: &functions::contacts::GetTopPeers, category: &enums::TopPeerCategory) -> bool {
    use enums::TopPeerCategory as C;
    match category {
        C::BotsPm => req.bots_pm,
        C::BotsInline => req.bots_inline,
        C::Correspondents => req.correspondents,
        C::Groups => req.groups,
        C::Channels => req.channels,
        C::PhoneCalls => req.phone_calls,
        C::ForwardUsers => req.forward_users,
        C::ForwardChats => req.forward_chats,
        C::BotsApp => req.bots_app,
        C::BotsGuestChat => req.bots_guestchat,
    }
}

/// `contacts.getTopPeers`: for every asked category the world has,
/// `peers[offset..offset + limit]` with the category's total `count`;
/// `contacts.topPeersDisabled` when the world says so.
pub fn get_top_peers(
    call: &mut Call<'_, '_>,
    req: functions::contacts::GetTopPeers,
) -> RpcResult<enums::contacts::TopPeers> {
    let world = call.db.world();
    if world.top_peers_disabled {
        return Ok(enums::contacts::TopPeers::Disabled);
    }
    let offset = usize::try_from(req.offset).unwrap_or(0);
    let limit = clamp_limit(req.limit, 100);
    let mut mentions = Mentions::default();
    let mut categories = Vec::new();
    for c in &world.top_peers {
        let enums::TopPeerCategoryPeers::TopPeerCategoryPeers(c) = c;
        if !wanted(&req, &c.category) {
            continue;
        }
        let start = offset.min(c.peers.len());
        let end = start.saturating_add(limit).min(c.peers.len());
        let peers = c.peers[start..end].to_vec();
        for p in &peers {
            let enums::TopPeer::TopPeer(p) = p;
            mentions.peer(&p.peer);
        }
        categories.push(
            types::TopPeerCategoryPeers {
                category: c.category.clone(),
                count: i32::try_from(c.peers.len()).unwrap_or(i32::MAX),
                peers,
            }
            .into(),
        );
    }
    let (users, chats) = mentions.resolve(call.db);
    Ok(types::contacts::TopPeers {
        categories,
        chats,
        users,
    }
    .into())
}
