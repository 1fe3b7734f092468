//! Reading a history page: its messages, count, ids and dates.

use tl::enums;

use super::Dates;

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
