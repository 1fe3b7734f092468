//! How each split of a chat starts (docs/takeout.md#history): what the
//! chat's progress total needs (every split's count) before its first page
//! is handed on.
//!
//! Without a date range the first page of a split (oldest first, up to
//! [`PAGE`] messages) says all a `limit=1` probe would: its `count` is the
//! split's, and an empty page is an empty split. So the first pages are
//! asked for at once ([`FIRST_AT_ONCE`] in flight per chat, answers taken
//! in split order) and kept until the total is known, as the TL bytes the
//! server sent (count and length read from the page's header; a page is
//! decoded once, when it is sent, so a kept page costs its bytes, some
//! 15 KB, not its decoded messages, some 240 KB), the kept messages
//! bounded by [`HOLD`] per chat ([`Hold`]): once the hold is full, the
//! answers still in flight keep only their counts (their pages are asked
//! again later) and the remaining splits are probed. A chat with messages
//! in many small splits thus costs one call per page and few round trips;
//! a chat with many messages costs at most a probe per split beyond the
//! hold, as before.
//!
//! With a date range, every split is probed ([`super::count`]): the probes
//! skip splits outside the dates without reading them.

use std::sync::Arc;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesOrdered;
use tl::enums;
use tokio::sync::mpsc;

use super::page::{header, newest_and_past, page_parts};
use super::{
    Class, Dates, Fetched, Fetcher, PAGE, PROBES_AT_ONCE, PageLog, Split, SplitKey, TakeoutInvoker,
    classify, count, disk, get_bytes, get_raw, request,
};
use crate::rpc::InvocationError;

/// First pages of one chat in flight at once.
pub(super) const FIRST_AT_ONCE: usize = 16;
/// Messages of first pages one chat keeps until its total is known (the
/// chats read ahead each keep theirs: some 1,000 undecoded messages of a
/// few hundred bytes each per chat).
pub(super) const HOLD: usize = 1_000;

/// What the start of one split says, in split order.
#[derive(Debug)]
pub(super) enum Start {
    /// Read from the previous export's stored pages first.
    Replay,
    /// Nothing to read: empty, or outside the date range.
    Empty,
    /// Its count: its pages are read from its start.
    Count(u64),
    /// Its first page (oldest first) as TL bytes, and its count.
    First(Vec<u8>, u64),
}

impl Start {
    /// The messages this split adds to the chat's total.
    pub(super) fn count(&self) -> u64 {
        match self {
            Self::Replay | Self::Empty => 0,
            Self::Count(n) | Self::First(_, n) => *n,
        }
    }
}

/// Which first pages are asked for and kept: a pure account of the pages
/// in flight and the messages kept. Asked and answered in split order, so
/// what is kept (and so every call made) depends on the answers only, not
/// on their timing.
#[derive(Clone, Debug)]
pub(super) struct Hold {
    /// Messages kept at most (one page more may tip it over).
    limit: usize,
    /// Requests in flight at most.
    window: usize,
    held: usize,
    in_flight: usize,
    full: bool,
}

impl Hold {
    /// An empty hold of `limit` messages, `window` requests in flight.
    pub(super) fn new(limit: usize, window: usize) -> Self {
        Self {
            limit,
            window: window.max(1),
            held: 0,
            in_flight: 0,
            full: false,
        }
    }

    /// Whether another first page may be asked for now (counted as asked).
    pub(super) fn ask(&mut self) -> bool {
        let may = !self.full && self.in_flight < self.window;
        if may {
            self.in_flight += 1;
        }
        may
    }

    /// The answer to the oldest request in flight holds `messages`
    /// messages: whether its page is kept (else only its count is).
    pub(super) fn answered(&mut self, messages: usize) -> bool {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.full {
            return false;
        }
        self.held += messages;
        self.full = self.held >= self.limit;
        true
    }

    /// Messages kept so far.
    #[cfg(test)]
    pub(super) fn held(&self) -> usize {
        self.held
    }
}

/// Newest messages a count probe looks past when they do not decode.
const PAST_UNDECODABLE: i32 = 8;

/// A `limit=1` page from the newest end of a split, and how many newest
/// messages it looked past because they did not decode.
pub(super) struct Newest {
    pub(super) page: enums::messages::Messages,
    pub(super) past: i32,
}

/// The count probe's page (docs/takeout.md#undecodable-messages): the
/// newest message of `split` that decodes, the ones newer that do not
/// looked past (their page's `count` is still the split's; the pages read
/// later isolate them). `None` when nothing decodes within
/// [`PAST_UNDECODABLE`] of the newest: that split is skipped with the
/// reason.
pub(super) async fn newest(
    inv: &TakeoutInvoker,
    only_my: &mut bool,
    split: &Split,
    dates: Dates,
) -> Result<Option<Newest>, Class> {
    let mut error = None;
    for past in 0..=PAST_UNDECODABLE {
        match get_raw(inv, only_my, request(split, dates, 0, past, 1)).await {
            Ok(page) => return Ok(Some(Newest { page, past })),
            Err(InvocationError::Deserialize(e)) => error = Some(e),
            Err(e) => return Err(classify(e)),
        }
    }
    let error = error.map_or_else(String::new, |e| e.to_string());
    Err(Class::Skip(format!(
        "the newest {} messages of a split range could not be decoded: {error}",
        PAST_UNDECODABLE + 1
    )))
}

/// A first page's TL bytes, its count and how many messages it holds.
type FirstPage = (Vec<u8>, u64, usize);

/// The first page of `split` (offset 1, oldest first) undecoded, and
/// `only_my` after it.
pub(super) async fn first(
    inv: &TakeoutInvoker,
    dates: Dates,
    mut only_my: bool,
    split: &Split,
) -> (Result<Option<FirstPage>, Class>, bool) {
    let page = match get_bytes(inv, &mut only_my, request(split, dates, 1, -PAGE, PAGE)).await {
        // A header that does not read: the split is probed instead, and
        // [`Fetcher::pages`] isolates what does not decode.
        Ok(bytes) => Ok(header(&bytes).map(|(count, n, _)| (bytes, count, n))),
        Err(InvocationError::Deserialize(_)) => Ok(None),
        Err(e) => Err(classify(e)),
    };
    (page, only_my)
}

pub(super) async fn starts(
    inv: &TakeoutInvoker,
    dates: Dates,
    only_my: &mut bool,
    wanted: &[Split],
    replayed: &[bool],
) -> Result<Vec<Start>, Class> {
    let mut starts: Vec<Start> = Vec::with_capacity(wanted.len());
    let todo: Vec<&Split> = wanted
        .iter()
        .zip(replayed)
        .filter(|(_, r)| !**r)
        .map(|(s, _)| s)
        .collect();
    let mut answers = Vec::with_capacity(todo.len());
    let mut failed = None;
    let mut next = 0;
    if dates == Dates::default() {
        let mut hold = Hold::new(HOLD, FIRST_AT_ONCE);
        let mut in_flight = FuturesOrdered::new();
        let mut yielded = 0;
        loop {
            while failed.is_none() && next < todo.len() && hold.ask() {
                in_flight.push_back(first(inv, dates, *only_my, todo[next]));
                next += 1;
            }
            let Some((page, my)) = in_flight.next().await else {
                break;
            };
            *only_my |= my;
            // Answers come in the order asked.
            let split = todo[yielded];
            yielded += 1;
            let page = match page {
                Ok(Some(page)) => page,
                Ok(None) => {
                    hold.answered(0);
                    let (n, my) = count(inv, dates, *only_my, split).await;
                    *only_my |= my;
                    match n {
                        Ok(0) => answers.push(Start::Empty),
                        Ok(n) => answers.push(Start::Count(n)),
                        Err(e) => {
                            failed.get_or_insert(e);
                        }
                    }
                    continue;
                }
                Err(e) => {
                    failed.get_or_insert(e);
                    hold.answered(0);
                    continue;
                }
            };
            let (bytes, count, n) = page;
            let keep = hold.answered(n);
            answers.push(match (n, keep) {
                (0, _) => Start::Empty,
                (_, true) => Start::First(bytes, count),
                (_, false) => Start::Count(count),
            });
        }
    }
    // The rest (all with a date range): probes, [`PROBES_AT_ONCE`] in
    // flight, answers in split order.
    let mut in_flight = FuturesOrdered::new();
    loop {
        while failed.is_none() && next < todo.len() && in_flight.len() < PROBES_AT_ONCE {
            in_flight.push_back(count(inv, dates, *only_my, todo[next]));
            next += 1;
        }
        let Some((n, my)) = in_flight.next().await else {
            break;
        };
        *only_my |= my;
        match n {
            Ok(0) => answers.push(Start::Empty),
            Ok(n) => answers.push(Start::Count(n)),
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let mut answers = answers.into_iter();
    for &replay in replayed {
        let start = if replay {
            Start::Replay
        } else {
            answers.next().unwrap_or(Start::Empty)
        };
        starts.push(start);
    }
    Ok(starts)
}

impl Fetcher<'_> {
    /// Sends the kept first page of `split` (its TL bytes), then the rest
    /// of the split from just after it; `false` when the receiver is gone.
    pub(super) async fn first_page(
        &mut self,
        split: Arc<Split>,
        bytes: Vec<u8>,
        log: &mut PageLog,
        tx: &mpsc::UnboundedSender<Fetched>,
    ) -> Result<bool, Class> {
        let messages = header(&bytes).map_or(PAGE as usize, |(_, n, _)| n);
        let Some(permit) = self.gate.admit(super::weight(messages)).await else {
            return Ok(false);
        };
        let Ok((page, peers)) = self.peers.decode(&bytes) else {
            // Messages that do not decode: the split is read again from its
            // start, isolating them (docs/takeout.md#undecodable-messages).
            drop((permit, bytes));
            return self.pages(split, None, log, tx).await;
        };
        let key = SplitKey::new(&split.range, split.migrated);
        // Read from the split's start: a page holding its count holds all
        // (a channel's `channelMessages` never says it is complete).
        let complete = {
            let (messages, count, complete) = page_parts(&page);
            complete || count <= messages.len() as u64
        };
        let (newest, past_till) = newest_and_past(&page, self.dates);
        let Some(newest) = newest else {
            return Ok(true);
        };
        log.append_bytes(key, &bytes).map_err(disk(log.path()))?;
        drop(bytes);
        if tx
            .send(Fetched::Page(page, split.clone(), Some(permit), peers))
            .is_err()
        {
            return Ok(false);
        }
        // As [`Fetcher::pages`] after a page read from offset 1.
        if complete || past_till || newest == i32::MAX || newest < 1 {
            return Ok(true);
        }
        self.pages(split, Some(newest + 1), log, tx).await
    }
}
