//! Reading a history page: its messages, count, ids and dates.

use tl::{Cursor, Deserializable as _, Identifiable as _, RemoteCall, Serializable, enums, types};

use crate::rpc::InvocationError;

use super::Dates;

/// A history request answered as its TL bytes, decoded by the caller: a
/// first page is kept undecoded until it is sent (`history/start.rs`), and
/// every page is logged as it came rather than encoded again.
#[derive(Clone)]
pub(super) struct AsBytes<R>(pub(super) R);

impl<R: Serializable> Serializable for AsBytes<R> {
    fn serialize(&self, buf: &mut Vec<u8>) {
        self.0.serialize(buf);
    }
}

impl<R: RemoteCall> RemoteCall for AsBytes<R> {
    type Return = tl::Raw;
}

/// The two history requests as one type, so that a call awaits one
/// request future whichever it sends (a future is as large as the largest
/// it may await, and each request's is moved into the fetcher's queue).
#[derive(Clone)]
pub(super) enum HistoryCall {
    /// `messages.getHistory`.
    History(tl::functions::messages::GetHistory),
    /// `messages.search` (only the account's own messages).
    Search(tl::functions::messages::Search),
}

impl Serializable for HistoryCall {
    fn serialize(&self, buf: &mut Vec<u8>) {
        match self {
            Self::History(r) => r.serialize(buf),
            Self::Search(r) => r.serialize(buf),
        }
    }
}

impl RemoteCall for HistoryCall {
    type Return = tl::Raw;
}

/// A page's messages decoded from its TL bytes.
pub(super) fn decode(bytes: &[u8]) -> Result<enums::messages::Messages, InvocationError> {
    Ok(enums::messages::Messages::from_bytes(bytes)?)
}

/// The messages of a page, the total count, and whether it holds all.
pub fn page_parts(page: &enums::messages::Messages) -> (&[enums::Message], u64, bool) {
    match page {
        enums::messages::Messages::Messages(m) => (&m.messages, m.messages.len() as u64, true),
        enums::messages::Messages::Slice(m) => {
            (&m.messages, u64::try_from(m.count).unwrap_or(0), false)
        }
        enums::messages::Messages::ChannelMessages(m) => {
            (&m.messages, u64::try_from(m.count).unwrap_or(0), false)
        }
        enums::messages::Messages::NotModified(_) => (&[], 0, true),
    }
}

/// A message's id and date; `None` for `messageEmpty`.
pub fn id_date(m: &enums::Message) -> (i32, Option<i64>) {
    match m {
        enums::Message::Message(m) => (m.id, Some(i64::from(m.date))),
        enums::Message::Service(m) => (m.id, Some(i64::from(m.date))),
        enums::Message::Empty(m) => (m.id, None),
    }
}

/// The newest id of a page's messages, and whether one is at or after `till`.
pub(super) fn newest_and_past(
    page: &enums::messages::Messages,
    dates: Dates,
) -> (Option<i32>, bool) {
    let (messages, _, _) = page_parts(page);
    let newest = messages.iter().map(|m| id_date(m).0).max();
    let past_till = messages
        .iter()
        .filter_map(|m| id_date(m).1)
        .any(|d| dates.till.is_some_and(|t| d >= t));
    (newest, past_till)
}

/// What a page's TL bytes say before its messages: its count, how many
/// messages it holds, and whether it holds all (as [`page_parts`] would of
/// the decoded page), without decoding a message; `None` when the header
/// does not read.
pub(super) fn header(bytes: &[u8]) -> Option<(u64, usize, bool)> {
    read_header(&mut Cursor::new(bytes))
}

/// [`header`] read from `c`, which is left at the first message.
pub(super) fn read_header(c: &mut Cursor<'_>) -> Option<(u64, usize, bool)> {
    let int = |c: &mut Cursor<'_>| c.read_i32().ok();
    let messages = |c: &mut Cursor<'_>| {
        c.expect_vector().ok()?;
        c.read_len(enums::Message::MIN_SIZE).ok()
    };
    let count = |n: i32| u64::try_from(n).unwrap_or(0);
    match c.read_u32().ok()? {
        types::messages::Messages::CONSTRUCTOR_ID => {
            let n = messages(c)?;
            Some((n as u64, n, true))
        }
        types::messages::MessagesSlice::CONSTRUCTOR_ID => {
            let flags = int(c)?;
            let total = int(c)?;
            if flags & 1 != 0 {
                int(c)?; // next_rate
            }
            if flags & 4 != 0 {
                int(c)?; // offset_id_offset
            }
            if flags & 8 != 0 {
                enums::SearchPostsFlood::deserialize(c).ok()?;
            }
            Some((count(total), messages(c)?, false))
        }
        types::messages::ChannelMessages::CONSTRUCTOR_ID => {
            let flags = int(c)?;
            int(c)?; // pts
            let total = int(c)?;
            if flags & 4 != 0 {
                int(c)?; // offset_id_offset
            }
            Some((count(total), messages(c)?, false))
        }
        types::messages::MessagesNotModified::CONSTRUCTOR_ID => {
            int(c)?; // count (of what the client holds)
            Some((0, 0, true))
        }
        _ => None,
    }
}
