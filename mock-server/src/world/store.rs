//! The messages of an indexed world, held compactly: every message's TL
//! encoding in one byte arena, plus the columns the services search by
//! (id and date). A page of history is answered by copying its messages'
//! bytes; a message is decoded only where its fields are needed (the
//! chats and users a page mentions, `messages.search`, single messages).

use tl::{Deserializable, Serializable, enums};

/// Messages as TL bytes in one arena, with id and date columns; a
/// message's position is its place in `world.messages`.
#[derive(Debug, Default)]
pub struct MessageStore {
    bytes: Vec<u8>,
    /// Where each message's encoding starts in `bytes`; it ends where the
    /// next one starts (or at the end of `bytes`).
    starts: Vec<usize>,
    ids: Vec<i32>,
    dates: Vec<i32>,
}

impl MessageStore {
    /// An empty store with room for `n` messages.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            bytes: Vec::new(),
            starts: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            dates: Vec::with_capacity(n),
        }
    }

    /// Appends `m` (its TL encoding and columns); returns whether the
    /// encoding reads back as `m` (see `Index::build`).
    pub(crate) fn push(&mut self, m: &enums::Message) -> bool {
        let start = self.bytes.len();
        m.serialize(&mut self.bytes);
        self.starts.push(start);
        self.ids.push(super::message_id(m));
        self.dates.push(super::message_date(m));
        enums::Message::from_bytes(&self.bytes[start..]).as_ref() == Ok(m)
    }

    /// Gives back the memory the arena does not use.
    pub(crate) fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The id of message `i` (0 if there is none).
    pub fn id(&self, i: usize) -> i32 {
        self.ids.get(i).copied().unwrap_or(0)
    }

    /// The date of message `i` (0 if there is none).
    pub fn date(&self, i: usize) -> i32 {
        self.dates.get(i).copied().unwrap_or(0)
    }

    /// The TL encoding of message `i` (empty if there is none).
    pub fn raw(&self, i: usize) -> &[u8] {
        let Some(&start) = self.starts.get(i) else {
            return &[];
        };
        let end = self.starts.get(i + 1).copied().unwrap_or(self.bytes.len());
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// Message `i`, decoded (`None` if there is none).
    pub fn get(&self, i: usize) -> Option<enums::Message> {
        enums::Message::from_bytes(self.raw(i)).ok()
    }

    /// The bytes the store holds (arena and columns), for reports.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.starts.capacity() * size_of::<usize>()
            + (self.ids.capacity() + self.dates.capacity()) * size_of::<i32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::PeerKey;

    #[test]
    fn messages_read_back_with_their_columns() {
        let msg = |id, date, text: &str| -> enums::Message {
            tl::types::Message {
                id,
                date,
                peer_id: PeerKey::User(2).to_peer(),
                message: text.into(),
                ..Default::default()
            }
            .into()
        };
        let all = [msg(5, 100, "a"), msg(2, 50, "longer text"), msg(9, 7, "")];
        let mut store = MessageStore::with_capacity(3);
        for m in &all {
            assert!(store.push(m));
        }
        store.shrink();
        assert_eq!(store.len(), 3);
        for (i, m) in all.iter().enumerate() {
            assert_eq!(store.get(i).as_ref(), Some(m));
            assert_eq!(store.raw(i), m.to_bytes());
            assert_eq!(store.id(i), crate::world::message_id(m));
            assert_eq!(store.date(i), crate::world::message_date(m));
        }
        assert_eq!((store.id(3), store.date(3), store.raw(3)), (0, 0, &[][..]));
        assert!(store.get(3).is_none());
        assert!(store.heap_bytes() > 0);
    }
}
