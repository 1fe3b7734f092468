//! The messages of a world, held compactly: every message's TL encoding
//! in one byte arena, plus the columns the index and the services search
//! by (id, date, chat). A page of history is answered by copying its
//! messages' bytes; a message is decoded only where its fields are needed
//! (the chats and users a page mentions, `messages.search`, single
//! messages, files). The generator and the `world.json` reader append to
//! it one message at a time, so a world's messages never exist as one
//! list of TL objects.

use std::collections::BTreeMap;
use std::fmt;

use tl::{Deserializable, Serializable, enums};

use super::PeerKey;

/// The message is a `messageEmpty` (which a world cannot store).
const EMPTY: u8 = 1;
/// The message's encoding does not read back as the message.
const NOT_WIRE: u8 = 2;
/// The message may carry a downloadable file (media, or a chat photo
/// change): the file index decodes only these.
const FILES: u8 = 4;

/// Messages as TL bytes in one arena, with id, date and chat columns; a
/// message's position is its place in `world.json`'s `messages` (the
/// order they were pushed).
#[derive(Clone, Default, PartialEq)]
pub struct MessageStore {
    bytes: Vec<u8>,
    /// Where each message's encoding starts in `bytes`; it ends where the
    /// next one starts (or at the end of `bytes`).
    starts: Vec<usize>,
    ids: Vec<i32>,
    dates: Vec<i32>,
    peers: Vec<Option<PeerKey>>,
    flags: Vec<u8>,
    /// Messages whose encoding does not read back as them, kept as given
    /// (a world holding one is refused by the index; keeping them lets
    /// the refusal name them and a reader see what was given).
    odd: BTreeMap<usize, enums::Message>,
}

impl MessageStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `m`: its TL encoding and columns.
    pub fn push(&mut self, m: &enums::Message) {
        let start = self.bytes.len();
        m.serialize(&mut self.bytes);
        let mut flags = match m {
            enums::Message::Empty(_) => EMPTY,
            enums::Message::Message(m) if m.media.is_some() => FILES,
            enums::Message::Service(m)
                if matches!(m.action, enums::MessageAction::ChatEditPhoto(_)) =>
            {
                FILES
            }
            _ => 0,
        };
        let tail = self.bytes.get(start..).unwrap_or_default();
        if enums::Message::from_bytes(tail).as_ref() != Ok(m) {
            flags |= NOT_WIRE;
            self.odd.insert(self.starts.len(), m.clone());
        }
        self.starts.push(start);
        self.ids.push(super::message_id(m));
        self.dates.push(super::message_date(m));
        self.peers.push(super::message_peer(m));
        self.flags.push(flags);
    }

    /// Gives back the memory the arena and columns do not use.
    pub fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.dates.shrink_to_fit();
        self.peers.shrink_to_fit();
        self.flags.shrink_to_fit();
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

    /// The date of message `i` (0 if there is none, or for `messageEmpty`).
    pub fn date(&self, i: usize) -> i32 {
        self.dates.get(i).copied().unwrap_or(0)
    }

    /// The chat of message `i` (`None` if there is none, or for a
    /// `messageEmpty` without `peer_id`).
    pub fn peer(&self, i: usize) -> Option<PeerKey> {
        self.peers.get(i).copied().flatten()
    }

    fn flag(&self, i: usize, flag: u8) -> bool {
        self.flags.get(i).is_some_and(|f| f & flag != 0)
    }

    /// Whether message `i` is a `messageEmpty`.
    pub(crate) fn is_empty_message(&self, i: usize) -> bool {
        self.flag(i, EMPTY)
    }

    /// Whether message `i`'s encoding reads back as the message given.
    pub(crate) fn reads_back(&self, i: usize) -> bool {
        i < self.len() && !self.flag(i, NOT_WIRE)
    }

    /// Whether message `i` may carry a downloadable file.
    pub(crate) fn may_have_files(&self, i: usize) -> bool {
        self.flag(i, FILES)
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
        if let Some(m) = self.odd.get(&i) {
            return Some(m.clone());
        }
        enums::Message::from_bytes(self.raw(i)).ok()
    }

    /// Every message in order, each decoded when reached.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            store: self,
            next: 0,
        }
    }

    /// Every message, decoded (for tests and small worlds: a large world's
    /// messages are meant to stay in the arena).
    pub fn to_vec(&self) -> Vec<enums::Message> {
        self.iter().collect()
    }

    /// The bytes the store holds (arena and columns), for reports.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.starts.capacity() * size_of::<usize>()
            + (self.ids.capacity() + self.dates.capacity()) * size_of::<i32>()
            + self.peers.capacity() * size_of::<Option<PeerKey>>()
            + self.flags.capacity()
    }
}

impl fmt::Debug for MessageStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A large world's arena is no reading: list small stores only.
        if self.len() <= 50 {
            f.debug_list().entries(self.iter()).finish()
        } else {
            write!(
                f,
                "MessageStore {{ {} messages, {} bytes }}",
                self.len(),
                self.heap_bytes()
            )
        }
    }
}

/// The messages of a [`MessageStore`], decoded one at a time.
pub struct Iter<'s> {
    store: &'s MessageStore,
    next: usize,
}

impl Iterator for Iter<'_> {
    type Item = enums::Message;

    fn next(&mut self) -> Option<enums::Message> {
        // Every stored encoding decodes (it was made by `serialize`, and
        // one that does not read back is kept as given): a failed decode
        // is skipped rather than ending the walk early.
        while self.next < self.store.len() {
            let i = self.next;
            self.next += 1;
            if let Some(m) = self.store.get(i) {
                return Some(m);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.store.len() - self.next))
    }
}

impl<'s> IntoIterator for &'s MessageStore {
    type Item = enums::Message;
    type IntoIter = Iter<'s>;

    fn into_iter(self) -> Iter<'s> {
        self.iter()
    }
}

impl Extend<enums::Message> for MessageStore {
    fn extend<I: IntoIterator<Item = enums::Message>>(&mut self, iter: I) {
        for m in iter {
            self.push(&m);
        }
    }
}

impl FromIterator<enums::Message> for MessageStore {
    fn from_iter<I: IntoIterator<Item = enums::Message>>(iter: I) -> Self {
        let mut store = Self::new();
        store.extend(iter);
        store
    }
}

impl From<Vec<enums::Message>> for MessageStore {
    fn from(messages: Vec<enums::Message>) -> Self {
        messages.into_iter().collect()
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
