//! The messages of one chat (takeout.md A.5–A.7): for every split of the
//! chat a `limit=1` probe for the count, empty ranges and ranges outside the
//! date range skipped, then the pages oldest to newest (`offset_id =
//! largest + 1`, `add_offset = -100`), starting at the first message inside
//! the date range rather than at the start of the range. "Only my messages"
//! uses `messages.search(from_id = inputPeerSelf)`, and a channel that
//! answers `CHANNEL_PRIVATE` switches to it.
//!
//! [`fetch`] runs as its own task, ahead of the writer, and hands raw TL
//! pages over a bounded channel; the order of the pages is fixed.

use std::sync::Arc;

use tl::{enums, functions};
use tokio::sync::mpsc;

use super::dialogs::Dialog;
use super::error::{Class, TakeoutError, classify};
use super::session::TakeoutInvoker;
use crate::rpc::InvocationError;

/// Messages per page (Telegram's maximum).
const PAGE: i32 = 100;
/// Pages of one split we are willing to read (bounds every loop).
const MAX_PAGES: usize = 10_000_000;

/// The export's date range: `from <= date < till` (unix seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dates {
    /// Earliest date kept.
    pub from: Option<i64>,
    /// First date no longer kept.
    pub till: Option<i64>,
}

impl Dates {
    /// Whether a message of `date` is kept.
    pub fn contains(&self, date: i64) -> bool {
        self.from.is_none_or(|f| date >= f) && self.till.is_none_or(|t| date < t)
    }
}

/// Where a page comes from: which split of which peer.
#[derive(Clone, Debug)]
pub struct Split {
    /// The message range.
    pub range: enums::MessageRange,
    /// The peer asked (the old basic group for pre-migration history).
    pub peer: enums::InputPeer,
    /// Pre-migration history: ids are shifted in the output.
    pub migrated: bool,
}

/// What the fetcher of a chat sends, in this order: `Total`, `Page`s, then
/// `Done`, `Failed` or `Fatal`.
#[derive(Debug)]
pub enum Fetched {
    /// The sum of the per-split counts (progress total).
    Total(u64),
    /// One page, newest first as the API answers.
    Page(enums::messages::Messages, Arc<Split>),
    /// Every page was sent.
    Done,
    /// The rest of the chat could not be read.
    Failed(String),
    /// The export must stop.
    Fatal(TakeoutError),
}

/// One history request: `getHistory` or the only-my `search`.
struct Request<'a> {
    split: &'a Split,
    only_my: bool,
    dates: Dates,
    offset_id: i32,
    offset_date: i32,
    add_offset: i32,
    limit: i32,
}

async fn call(
    inv: &TakeoutInvoker,
    r: &Request<'_>,
) -> Result<enums::messages::Messages, InvocationError> {
    let clamp = |v: Option<i64>| v.map_or(0, |d| i32::try_from(d.max(0)).unwrap_or(i32::MAX));
    if r.only_my {
        let search = functions::messages::Search {
            peer: r.split.peer.clone(),
            q: String::new(),
            from_id: Some(enums::InputPeer::InputPeerSelf),
            saved_peer_id: None,
            saved_reaction: None,
            top_msg_id: None,
            filter: enums::MessagesFilter::InputMessagesFilterEmpty,
            min_date: clamp(r.dates.from),
            max_date: clamp(r.dates.till),
            offset_id: r.offset_id,
            add_offset: r.add_offset,
            limit: r.limit,
            max_id: 0,
            min_id: 0,
            hash: 0,
        };
        inv.invoke_in_range(&r.split.range, &search).await
    } else {
        let history = functions::messages::GetHistory {
            peer: r.split.peer.clone(),
            offset_id: r.offset_id,
            offset_date: r.offset_date,
            add_offset: r.add_offset,
            limit: r.limit,
            max_id: 0,
            min_id: 0,
            hash: 0,
        };
        inv.invoke_in_range(&r.split.range, &history).await
    }
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

/// The fetcher of one chat's history.
struct Fetcher<'a> {
    inv: &'a TakeoutInvoker,
    dates: Dates,
    only_my: bool,
}

impl Fetcher<'_> {
    /// A request, with the `CHANNEL_PRIVATE` fallback to only-my search.
    async fn get(&mut self, mut r: Request<'_>) -> Result<enums::messages::Messages, Class> {
        r.only_my = self.only_my;
        match call(self.inv, &r).await {
            Err(e)
                if e.is("CHANNEL_PRIVATE")
                    && !self.only_my
                    && matches!(r.split.peer, enums::InputPeer::Channel(_)) =>
            {
                self.only_my = true;
                r.only_my = true;
                call(self.inv, &r).await.map_err(classify)
            }
            other => other.map_err(classify),
        }
    }

    fn request<'s>(
        &self,
        split: &'s Split,
        offset_id: i32,
        add_offset: i32,
        limit: i32,
    ) -> Request<'s> {
        Request {
            split,
            only_my: self.only_my,
            dates: self.dates,
            offset_id,
            offset_date: 0,
            add_offset,
            limit,
        }
    }

    /// The count of one split, 0 when it is empty or outside the dates (A.6).
    async fn count(&mut self, split: &Split) -> Result<u64, Class> {
        let newest = self.get(self.request(split, 0, 0, 1)).await?;
        let (messages, count, _) = page_parts(&newest);
        let Some(Some(date)) = messages.first().map(|m| id_date(m).1) else {
            return Ok(0);
        };
        if self.dates.from.is_some_and(|from| date < from) {
            return Ok(0);
        }
        if let Some(till) = self.dates.till {
            let oldest = self.get(self.request(split, 1, -1, 1)).await?;
            let (messages, _, _) = page_parts(&oldest);
            match messages.first().map(|m| id_date(m).1) {
                Some(Some(date)) if date < till => {}
                _ => return Ok(0),
            }
        }
        Ok(count)
    }

    /// Sends the pages of one split, oldest first; `false` when the receiver
    /// is gone.
    async fn pages(
        &mut self,
        split: Arc<Split>,
        tx: &mpsc::Sender<Fetched>,
    ) -> Result<bool, Class> {
        let mut offset_id = 1;
        let mut offset_date = 0;
        // Start at the first message of the date range: the history answers
        // the messages just newer than `offset_date`.
        if let (Some(from), false) = (self.dates.from, self.only_my) {
            offset_id = 0;
            offset_date = i32::try_from(from.max(0)).unwrap_or(i32::MAX);
        }
        for _ in 0..MAX_PAGES {
            let mut r = self.request(&split, offset_id, -PAGE, PAGE);
            r.offset_date = offset_date;
            let page = self.get(r).await?;
            let (messages, _, complete) = page_parts(&page);
            let newest = messages.iter().map(|m| id_date(m).0).max();
            let past_till = messages
                .iter()
                .filter_map(|m| id_date(m).1)
                .any(|d| self.dates.till.is_some_and(|t| d >= t));
            let Some(newest) = newest else {
                return Ok(true);
            };
            if tx.send(Fetched::Page(page, split.clone())).await.is_err() {
                return Ok(false);
            }
            if complete || past_till || newest == i32::MAX || newest < offset_id {
                return Ok(true);
            }
            offset_id = newest + 1;
            offset_date = 0;
        }
        Ok(true)
    }
}

/// Fetches the history of `dialog` (split ranges `splits`) into `tx`.
pub async fn fetch(
    inv: TakeoutInvoker,
    dialog: Dialog,
    splits: Arc<Vec<enums::MessageRange>>,
    dates: Dates,
    tx: mpsc::Sender<Fetched>,
) {
    let mut fetcher = Fetcher {
        inv: &inv,
        dates,
        only_my: dialog.only_my,
    };
    let end = match run(&mut fetcher, &dialog, &splits, &tx).await {
        Ok(()) => Fetched::Done,
        Err(Class::Skip(reason)) => Fetched::Failed(reason),
        Err(Class::Fatal(e)) => Fetched::Fatal(e),
    };
    let _ = tx.send(end).await;
}

async fn run(
    f: &mut Fetcher<'_>,
    dialog: &Dialog,
    splits: &[enums::MessageRange],
    tx: &mpsc::Sender<Fetched>,
) -> Result<(), Class> {
    let n = splits.len() as i32;
    let mut counted = Vec::new();
    let mut total = 0;
    for &index in &dialog.splits {
        let migrated = index < 0;
        let (Some(range), Some(peer)) = (
            usize::try_from(if migrated { index + n } else { index })
                .ok()
                .and_then(|i| splits.get(i)),
            if migrated {
                dialog.migrated_from.as_ref()
            } else {
                Some(&dialog.input)
            },
        ) else {
            continue;
        };
        let split = Split {
            range: range.clone(),
            peer: peer.clone(),
            migrated,
        };
        let count = f.count(&split).await?;
        total += count;
        counted.push((split, count));
    }
    if tx.send(Fetched::Total(total)).await.is_err() {
        return Ok(());
    }
    for (split, count) in counted {
        if count > 0 && !f.pages(Arc::new(split), tx).await? {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::types;

    #[test]
    fn dates_are_half_open() {
        let d = Dates {
            from: Some(10),
            till: Some(20),
        };
        assert!(!d.contains(9) && d.contains(10) && d.contains(19) && !d.contains(20));
        assert!(Dates::default().contains(0));
    }

    #[test]
    fn page_parts_of_each_kind() {
        let m: enums::Message = types::Message {
            id: 7,
            date: 70,
            ..Default::default()
        }
        .into();
        let full: enums::messages::Messages = types::messages::Messages {
            messages: vec![m.clone()],
            ..Default::default()
        }
        .into();
        assert_eq!(page_parts(&full).1, 1);
        assert!(page_parts(&full).2);
        let slice: enums::messages::Messages = types::messages::MessagesSlice {
            count: 50,
            messages: vec![m.clone()],
            ..Default::default()
        }
        .into();
        assert_eq!((page_parts(&slice).1, page_parts(&slice).2), (50, false));
        assert_eq!(id_date(&m), (7, Some(70)));
    }
}
