//! `stories.getStoriesArchive` and `stories.getStoriesByID`.

use tl::{enums, functions, types};

use super::{Call, RpcResult, clamp_limit, resolve_peer};

fn story_id(s: &enums::StoryItem) -> i32 {
    match s {
        enums::StoryItem::StoryItem(s) => s.id,
        enums::StoryItem::Deleted(s) => s.id,
        enums::StoryItem::Skipped(s) => s.id,
    }
}

fn answer(
    call: &Call<'_, '_>,
    stories: Vec<enums::StoryItem>,
    count: usize,
) -> enums::stories::Stories {
    types::stories::Stories {
        count: i32::try_from(count).unwrap_or(i32::MAX),
        stories,
        pinned_to_top: None,
        chats: Vec::new(),
        users: vec![call.db.self_user().clone()],
    }
    .into()
}

fn own(call: &Call<'_, '_>, peer: &enums::InputPeer) -> RpcResult<bool> {
    let key = resolve_peer(call, peer)?;
    Ok(key == crate::world::PeerKey::User(call.me()))
}

/// `stories.getStoriesArchive`: the account's stories newest (highest id)
/// first, those below `offset_id` (when not 0), at most `limit` (≤ 100),
/// with the total `count`. Other peers have none.
pub fn get_archive(
    call: &mut Call<'_, '_>,
    req: functions::stories::GetStoriesArchive,
) -> RpcResult<enums::stories::Stories> {
    if !own(call, &req.peer)? {
        return Ok(answer(call, Vec::new(), 0));
    }
    let world = call.db.world();
    let all: Vec<&enums::StoryItem> = call.db.stories.iter().map(|&i| &world.stories[i]).collect();
    let start = if req.offset_id > 0 {
        all.partition_point(|s| story_id(s) >= req.offset_id)
    } else {
        0
    };
    let end = start
        .saturating_add(clamp_limit(req.limit, 100))
        .min(all.len());
    let page = all[start..end].iter().map(|&s| s.clone()).collect();
    Ok(answer(call, page, all.len()))
}

/// `stories.getStoriesByID`: the account's stories with these ids.
pub fn get_by_id(
    call: &mut Call<'_, '_>,
    req: functions::stories::GetStoriesById,
) -> RpcResult<enums::stories::Stories> {
    if !own(call, &req.peer)? {
        return Ok(answer(call, Vec::new(), 0));
    }
    let world = call.db.world();
    let found: Vec<enums::StoryItem> = req
        .id
        .iter()
        .filter_map(|&id| world.stories.iter().find(|s| story_id(s) == id).cloned())
        .collect();
    let n = found.len();
    Ok(answer(call, found, n))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tl::{enums, functions};

    use crate::dispatch::{Dispatcher, ServerConfig};
    use crate::generate::{GenerateConfig, generate};

    #[test]
    fn limit_zero_counts_without_stories() {
        // Telegram's answer to the StoriesCount start step.
        let world = generate(&GenerateConfig::default());
        let n = world.stories.len();
        let d = Dispatcher::new(Arc::new(world), ServerConfig::default()).unwrap();
        for (limit, items) in [(0, 0), (2, 2), (100, n)] {
            let request = functions::stories::GetStoriesArchive {
                peer: enums::InputPeer::InputPeerSelf,
                offset_id: 0,
                limit,
            };
            let enums::stories::Stories::Stories(s) = d.call_as_self(&request);
            assert_eq!(
                (s.count as usize, s.stories.len()),
                (n, items),
                "limit {limit}"
            );
        }
    }
}
