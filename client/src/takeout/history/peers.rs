//! The peers of a chat's pages, decoded once for identical bytes
//! (docs/takeout.md#history). A chat with messages in many split ranges is
//! read in many tiny pages, and every page carries the chats and users it
//! mentions, mostly the same ones again: decoding them, building their
//! [`Peers`] and freeing it all again was a large part of the cost of such
//! a page. [`PeerCache`] keeps the [`Peers`] of the last few distinct
//! `chats` + `users` encodings of a chat; a page whose two lists are
//! byte-for-byte one of them is decoded without them and shares those
//! `Peers`. `Peers` are a function of those bytes, so the output is the
//! same; the memory is a few small entries per chat being read.

use std::collections::VecDeque;
use std::sync::Arc;

use tl::{Cursor, Deserializable as _, Serializable as _, enums};

use super::page::{decode, read_header};
use crate::export::convert::Peers;
use crate::rpc::InvocationError;

/// Distinct `chats` + `users` encodings remembered per chat (on issue 16's
/// 300,000-message world in 600 dialogs and 1,994 ranges, 4 entries served
/// 80% of the pages, 16 served 86%). At most [`MAX_BYTES`] each, for the
/// 32 chats read at once at most: 2 MB.
const ENTRIES: usize = 16;
/// The largest `chats` + `users` encoding remembered: tiny pages are the
/// ones this is for (a full page's lists are decoded as they come).
const MAX_BYTES: usize = 4096;

/// The [`Peers`] of a chat's last few distinct `chats` + `users` lists.
#[derive(Debug, Default)]
pub(super) struct PeerCache {
    entries: VecDeque<(Vec<u8>, Arc<Peers>)>,
}

impl PeerCache {
    fn get(&self, lists: &[u8]) -> Option<Arc<Peers>> {
        self.entries
            .iter()
            .find(|(bytes, _)| bytes.as_slice() == lists)
            .map(|(_, peers)| peers.clone())
    }

    fn put(&mut self, lists: &[u8], peers: Arc<Peers>) {
        if lists.len() > MAX_BYTES {
            return;
        }
        if self.entries.len() == ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back((lists.to_vec(), peers));
    }

    /// Decodes a history page (as [`decode`]) with the peers it mentions.
    /// When its `chats` + `users` are ones seen before, the page comes
    /// with those two lists empty and the earlier [`Peers`].
    pub(super) fn decode(
        &mut self,
        bytes: &[u8],
    ) -> Result<(enums::messages::Messages, Arc<Peers>), InvocationError> {
        let Some((start, end)) = peer_lists(bytes) else {
            let page = decode(bytes)?;
            let peers = own_peers(&page);
            return Ok((page, peers));
        };
        let lists = &bytes[start..end];
        if let Some(peers) = self.get(lists) {
            // The page up to its lists, then the two lists empty.
            let mut lean = Vec::with_capacity(start + 16);
            lean.extend_from_slice(&bytes[..start]);
            for _ in 0..2 {
                tl::ser::VECTOR_ID.serialize(&mut lean);
                0i32.serialize(&mut lean);
            }
            return Ok((decode(&lean)?, peers));
        }
        let page = decode(bytes)?;
        let peers = own_peers(&page);
        self.put(lists, peers.clone());
        Ok((page, peers))
    }
}

/// The peers a page's own `chats` and `users` name (a page not read
/// through a [`PeerCache`]).
pub(super) fn own_peers(page: &enums::messages::Messages) -> Arc<Peers> {
    Arc::new(Peers::from_messages(page))
}

/// Where a page's `chats` and `users` vectors (its last two fields) start
/// and end; `None` for `messages.messagesNotModified` or bytes that do not
/// read (they are then decoded whole, and fail as they would).
fn peer_lists(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut c = Cursor::new(bytes);
    let (_, len, _) = read_header(&mut c)?;
    for _ in 0..len {
        enums::Message::skip(&mut c).ok()?;
    }
    Vec::<enums::ForumTopic>::skip(&mut c).ok()?;
    let start = c.position();
    Vec::<enums::Chat>::skip(&mut c).ok()?;
    Vec::<enums::User>::skip(&mut c).ok()?;
    Some((start, c.position()))
}

#[cfg(test)]
mod tests;
