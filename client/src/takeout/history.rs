//! The messages of one chat (docs/takeout.md#history): for every split of the
//! chat its count (from its first page, or with a date range a `limit=1`
//! probe, see `history/start.rs`), empty ranges and ranges outside the date range
//! skipped, then the pages oldest to newest (`offset_id =
//! largest + 1`, `add_offset = -100`), starting at the first message inside
//! the date range rather than at the start of the range. "Only my messages"
//! uses `messages.search(from_id = inputPeerSelf)`, and a channel that
//! answers `CHANNEL_PRIVATE` switches to it.
//!
//! [`fetch`] runs as its own task, ahead of the writer, and hands raw TL
//! pages over a channel; the order of the pages is fixed. Several chats are
//! fetched at once: the [`Gate`] bounds the pages read ahead by every chat
//! but the one being written (a shared budget), and lets that one (the
//! head) always go on with a small reserve of its own, so the head never
//! waits for pages the others hold.

use std::sync::Arc;

use tl::{enums, functions};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::dialogs::Dialog;
use super::error::{Class, TakeoutError, classify};
use super::session::TakeoutInvoker;
use super::state::{PageLog, PageReader, Pages, SplitKey, pages_path};
use crate::export::convert::Peers;
use crate::rpc::InvocationError;

mod gate;
mod isolate;
mod page;
mod peers;
mod start;
pub use gate::{FULL_PAGE, Gate, Head};
use gate::{settle, weight};
use isolate::Isolated;
use page::{AsBytes, HistoryCall, decode, newest_and_past};
pub use page::{id_date, page_parts};
use peers::{PeerCache, own_peers};
use start::Start;

/// Messages per page (Telegram's maximum).
const PAGE: i32 = 100;
/// Pages of one split we are willing to read (bounds every loop).
const MAX_PAGES: usize = 10_000_000;
/// The count probes of one chat in flight at once (a chat with messages in
/// thousands of split ranges does not send thousands of requests at once).
const PROBES_AT_ONCE: usize = 32;
/// Requests one chat may spend isolating messages that do not decode
/// (docs/takeout.md#undecodable-messages).
const ISOLATION_BUDGET: u32 = 400;

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

/// What the fetcher of a chat sends, in this order: `Total`, `Page`s (with
/// `Undecodable`s among them, in id order), then `Done`, `Failed` or
/// `Fatal`.
#[derive(Debug)]
pub enum Fetched {
    /// The sum of the per-split counts (progress total).
    Total(u64),
    /// One page, newest first as the API answers, with its place in the
    /// read-ahead (drop it once the page is converted) and the peers it
    /// mentions (its own `chats` and `users` may then be empty: see
    /// `history/peers.rs`).
    Page(
        enums::messages::Messages,
        Arc<Split>,
        Option<OwnedSemaphorePermit>,
        Arc<Peers>,
    ),
    /// Messages of the current chat that could not be decoded
    /// (docs/takeout.md#undecodable-messages): one message, or with `id`
    /// `None` the rest of a split (the isolation gave up).
    Undecodable {
        /// The message's id as Telegram gives it.
        id: Option<i32>,
        /// Of pre-migration history (the id is shifted in the output).
        migrated: bool,
        /// The decode error, or why the isolation gave up.
        reason: String,
    },
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

async fn call(inv: &TakeoutInvoker, r: &Request<'_>) -> Result<Vec<u8>, InvocationError> {
    let clamp = |v: Option<i64>| v.map_or(0, |d| i32::try_from(d.max(0)).unwrap_or(i32::MAX));
    let request = if r.only_my {
        HistoryCall::Search(functions::messages::Search {
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
        })
    } else {
        HistoryCall::History(functions::messages::GetHistory {
            peer: r.split.peer.clone(),
            offset_id: r.offset_id,
            offset_date: r.offset_date,
            add_offset: r.add_offset,
            limit: r.limit,
            max_id: 0,
            min_id: 0,
            hash: 0,
        })
    };
    inv.invoke_in_range(&r.split.range, &AsBytes(request))
        .await
        .map(|raw| raw.0)
}

/// The fetcher of one chat's history.
struct Fetcher<'a> {
    inv: &'a TakeoutInvoker,
    dates: Dates,
    only_my: bool,
    gate: Gate,
    /// Requests left for isolating undecodable messages in this chat.
    isolation_budget: u32,
    /// The peers of this chat's recent pages.
    peers: PeerCache,
}

/// A request, decoded, with the `CHANNEL_PRIVATE` fallback of
/// [`get_bytes`]; the error as the client gave it (a decode error is
/// isolated, others are [`classify`]d).
async fn get_raw(
    inv: &TakeoutInvoker,
    only_my: &mut bool,
    r: Request<'_>,
) -> Result<enums::messages::Messages, InvocationError> {
    decode(&get_bytes(inv, only_my, r).await?)
}

/// A request's answer as its TL bytes, with the `CHANNEL_PRIVATE` fallback
/// to only-my search (which sets `only_my` for the rest of the chat).
async fn get_bytes(
    inv: &TakeoutInvoker,
    only_my: &mut bool,
    mut r: Request<'_>,
) -> Result<Vec<u8>, InvocationError> {
    r.only_my = *only_my;
    match call(inv, &r).await {
        Err(e)
            if e.is("CHANNEL_PRIVATE")
                && !*only_my
                && matches!(r.split.peer, enums::InputPeer::Channel(_)) =>
        {
            *only_my = true;
            r.only_my = true;
            call(inv, &r).await
        }
        other => other,
    }
}

fn request(
    split: &Split,
    dates: Dates,
    offset_id: i32,
    add_offset: i32,
    limit: i32,
) -> Request<'_> {
    Request {
        split,
        only_my: false,
        dates,
        offset_id,
        offset_date: 0,
        add_offset,
        limit,
    }
}

/// The count of one split, 0 when it is empty or outside the dates (docs/takeout.md#date-range),
/// and `only_my` after it.
async fn count(
    inv: &TakeoutInvoker,
    dates: Dates,
    mut only_my: bool,
    split: &Split,
) -> (Result<u64, Class>, bool) {
    let result = async {
        let Some(newest) = start::newest(inv, &mut only_my, split, dates).await? else {
            return Ok(0);
        };
        let (messages, count, _) = page_parts(&newest.page);
        let Some(Some(date)) = messages.first().map(|m| id_date(m).1) else {
            // Only messages that do not decode: read (and isolated) whole.
            return Ok(if newest.past > 0 { count } else { 0 });
        };
        // Past undecodable newest messages the dates say nothing sure.
        if newest.past > 0 {
            return Ok(count);
        }
        if dates.from.is_some_and(|from| date < from) {
            return Ok(0);
        }
        if let Some(till) = dates.till {
            let oldest = match get_raw(inv, &mut only_my, request(split, dates, 1, -1, 1)).await {
                Ok(page) => page,
                Err(InvocationError::Deserialize(_)) => return Ok(count),
                Err(e) => return Err(classify(e)),
            };
            let (messages, _, _) = page_parts(&oldest);
            match messages.first().map(|m| id_date(m).1) {
                Some(Some(date)) if date < till => {}
                _ => return Ok(0),
            }
        }
        Ok(count)
    }
    .await;
    (result, only_my)
}

/// A disk error of the pages file at `path`: the export stops.
fn disk(path: &std::path::Path) -> impl Fn(std::io::Error) -> Class + '_ {
    move |e| Class::Fatal(TakeoutError::disk(path, e))
}

impl Fetcher<'_> {
    /// Sends the stored pages of one split (an update); the offset to read
    /// on from, `None` when nothing newer is wanted or the receiver is gone.
    async fn replay(
        &mut self,
        split: &Arc<Split>,
        stored: &mut PageReader,
        log: &mut PageLog,
        tx: &mpsc::UnboundedSender<Fetched>,
    ) -> Result<Option<i32>, Class> {
        let key = SplitKey::new(&split.range, split.migrated);
        let mut offset_id = 1;
        let mut past = false;
        for _ in 0..MAX_PAGES {
            let Some(page) = stored.take(key).map_err(disk(stored.path()))? else {
                break;
            };
            let Some(permit) = self.gate.admit(weight(page_parts(&page).0.len())).await else {
                return Ok(None);
            };
            log.append(key, &page).map_err(disk(log.path()))?;
            let (newest, past_till) = newest_and_past(&page, self.dates);
            past |= past_till;
            offset_id = offset_id.max(newest.map_or(0, |n| n.saturating_add(1)));
            let peers = own_peers(&page);
            if tx
                .send(Fetched::Page(page, split.clone(), Some(permit), peers))
                .is_err()
            {
                return Ok(None);
            }
        }
        Ok((!past).then_some(offset_id))
    }

    /// Sends the pages of one split, oldest first, from `offset_id` (the
    /// start of the split or of the date range when `None`); `false` when
    /// the receiver is gone.
    async fn pages(
        &mut self,
        split: Arc<Split>,
        start: Option<i32>,
        log: &mut PageLog,
        tx: &mpsc::UnboundedSender<Fetched>,
    ) -> Result<bool, Class> {
        let key = SplitKey::new(&split.range, split.migrated);
        let mut offset_id = 1;
        let mut offset_date = 0;
        // Start at the first message of the date range: the history answers
        // the messages just newer than `offset_date`.
        if let (Some(from), false) = (self.dates.from, self.only_my) {
            offset_id = 0;
            offset_date = i32::try_from(from.max(0)).unwrap_or(i32::MAX);
        }
        if let Some(start) = start {
            (offset_id, offset_date) = (start, 0);
        }
        let mut logging = true;
        for _ in 0..MAX_PAGES {
            // A page's weight is known once it is read: a full one until then.
            let Some(mut permit) = self.gate.admit(FULL_PAGE).await else {
                return Ok(false);
            };
            let mut r = request(&split, self.dates, offset_id, -PAGE, PAGE);
            r.offset_date = offset_date;
            let answer = get_bytes(self.inv, &mut self.only_my, r).await;
            let peers = &mut self.peers;
            let page = match answer.and_then(|bytes| Ok((peers.decode(&bytes)?, bytes))) {
                Ok(page) => page,
                Err(InvocationError::Deserialize(_)) => {
                    drop(permit);
                    // The split's pages from here are not stored: an update
                    // reads them again (and isolates the same messages).
                    logging = false;
                    match self.isolate(&split, offset_id, offset_date, tx).await? {
                        Isolated::Resume(at) => (offset_id, offset_date) = (at, 0),
                        Isolated::End => return Ok(true),
                        Isolated::Gone => return Ok(false),
                    }
                    continue;
                }
                Err(e) => return Err(classify(e)),
            };
            let ((page, peers), bytes) = page;
            let (messages, _, complete) = page_parts(&page);
            settle(&mut permit, messages.len());
            let (newest, past_till) = newest_and_past(&page, self.dates);
            let Some(newest) = newest else {
                return Ok(true);
            };
            if logging {
                log.append_bytes(key, &bytes).map_err(disk(log.path()))?;
            }
            drop(bytes);
            let fetched = Fetched::Page(page, split.clone(), Some(permit), peers);
            if tx.send(fetched).is_err() {
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

/// Fetches the history of `dialog` (split ranges `splits`) into `tx`,
/// each page when `gate` admits it.
pub async fn fetch(
    inv: TakeoutInvoker,
    dialog: Dialog,
    splits: Arc<Vec<enums::MessageRange>>,
    dates: Dates,
    gate: Gate,
    tx: mpsc::UnboundedSender<Fetched>,
    pages: Arc<Pages>,
) {
    let mut fetcher = Fetcher {
        inv: &inv,
        dates,
        only_my: dialog.only_my,
        gate,
        isolation_budget: ISOLATION_BUDGET,
        peers: PeerCache::default(),
    };
    let end = match run(&mut fetcher, &dialog, &splits, &tx, &pages).await {
        Ok(()) => Fetched::Done,
        Err(Class::Skip(reason)) => Fetched::Failed(reason),
        Err(Class::Fatal(e)) => Fetched::Fatal(e),
    };
    let _ = tx.send(end);
}

async fn run(
    f: &mut Fetcher<'_>,
    dialog: &Dialog,
    splits: &[enums::MessageRange],
    tx: &mpsc::UnboundedSender<Fetched>,
    pages: &Pages,
) -> Result<(), Class> {
    let n = splits.len() as i32;
    let mut wanted = Vec::new();
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
        wanted.push(Split {
            range: range.clone(),
            peer: peer.clone(),
            migrated,
        });
    }
    let log_path = pages_path(&pages.new, &dialog.chat.id);
    let mut log = PageLog::create(log_path.clone()).map_err(disk(&log_path))?;
    // An update: the previous export's pages of this chat.
    let mut stored = match &pages.prev {
        Some(dir) => {
            let path = pages_path(dir, &dialog.chat.id);
            PageReader::open(path.clone()).map_err(disk(&path))?
        }
        None => None,
    };
    let keys = match &stored {
        Some(s) => s.keys().map_err(disk(s.path()))?,
        None => Vec::new(),
    };
    let replayed: Vec<bool> = wanted
        .iter()
        .map(|split| keys.contains(&SplitKey::new(&split.range, split.migrated)))
        .collect();
    // How every split starts (first pages or probes, docs/takeout.md#history):
    // the chat's total is known once all are in.
    let starts = start::starts(f.inv, f.dates, &mut f.only_my, &wanted, &replayed).await?;
    let total = starts.iter().map(Start::count).sum();
    if tx.send(Fetched::Total(total)).is_err() {
        return Ok(());
    }
    for (split, start) in wanted.into_iter().zip(starts) {
        let split = Arc::new(split);
        let go_on = match (start, &mut stored) {
            (Start::Empty, _) | (Start::Count(0), _) => continue,
            (Start::Count(_), _) => f.pages(split, None, &mut log, tx).await?,
            (Start::First(bytes, _), _) => f.first_page(split, bytes, &mut log, tx).await?,
            (Start::Replay, Some(stored)) => match f.replay(&split, stored, &mut log, tx).await? {
                Some(from) => f.pages(split, Some(from), &mut log, tx).await?,
                None => !tx.is_closed(),
            },
            (Start::Replay, None) => continue,
        };
        if !go_on {
            return Ok(());
        }
    }
    log.finish().map_err(disk(&log_path))?;
    Ok(())
}

#[cfg(test)]
mod tests;
