//! `channels.getLeftChannels` and `channels.getMessages`.

use tl::{enums, functions, types};

use super::{Call, RpcError, RpcResult, access_hash, history};
use crate::world::PeerKey;

/// `channels.getLeftChannels` (takeout only): the channels and supergroups
/// the account left, `config.left_channels_page` at a time from `offset`.
/// `messages.chats` when the first page holds them all, else
/// `messages.chatsSlice` with the total `count`.
pub fn get_left_channels(
    call: &mut Call<'_, '_>,
    req: functions::channels::GetLeftChannels,
) -> RpcResult<enums::messages::Chats> {
    let all = &call.db.left_channels;
    let chats_of = &call.db.world().chats;
    let start = usize::try_from(req.offset).unwrap_or(0).min(all.len());
    let end = start
        .saturating_add(call.config.left_channels_page.max(1))
        .min(all.len());
    let chats: Vec<enums::Chat> = all[start..end]
        .iter()
        .map(|&i| chats_of[i].clone())
        .collect();
    if start == 0 && end == all.len() {
        Ok(types::messages::Chats { chats }.into())
    } else {
        Ok(types::messages::ChatsSlice {
            count: i32::try_from(all.len()).unwrap_or(i32::MAX),
            chats,
        }
        .into())
    }
}

/// `channels.getMessages`: messages of one channel by id (`messageEmpty`
/// for unknown ids), as `messages.channelMessages`.
pub fn get_messages(
    call: &mut Call<'_, '_>,
    req: functions::channels::GetMessages,
) -> RpcResult<enums::messages::Messages> {
    let (id, hash) = match &req.channel {
        enums::InputChannel::InputChannel(c) => (c.channel_id, Some(c.access_hash)),
        enums::InputChannel::FromMessage(c) => (c.channel_id, None),
        enums::InputChannel::Empty => return Err(RpcError::bad("CHANNEL_INVALID")),
    };
    let key = PeerKey::Channel(id);
    let hash_ok = hash.is_none_or(|h| access_hash(call.db, key).is_none_or(|w| w == h));
    if !call.db.knows(key) || !hash_ok {
        return Err(RpcError::bad("CHANNEL_INVALID"));
    }
    let msgs: Vec<enums::Message> = req
        .id
        .iter()
        .map(|input| {
            let msg_id = match input {
                enums::InputMessage::Id(m) => m.id,
                _ => 0,
            };
            call.db.message(key, msg_id).unwrap_or_else(|| {
                types::MessageEmpty {
                    id: msg_id,
                    peer_id: Some(key.to_peer()),
                }
                .into()
            })
        })
        .collect();
    let total = msgs.len();
    Ok(history::answer(call, Some(key), msgs, total))
}
