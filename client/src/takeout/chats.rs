//! Every chat's messages, in export order (docs/takeout.md#history, #custom-emoji, #files).
//!
//! Three stages keep the output fixed while the network work overlaps:
//! fetchers ([`history::fetch`]) read the histories of the next chats
//! ahead, one task per chat ([`lookahead`] chats at once, within a budget
//! of pages read ahead, see [`history::Gate`]); this stage converts each
//! page in order, drops messages outside the date range, resolves custom
//! emoji, and decides each file (starting downloads); then pages are
//! written in order once their files are settled. At most [`AHEAD`] pages
//! wait between deciding and writing, or [`MAX_AHEAD`] while the
//! downloader could take more files, so memory stays flat.

use std::collections::VecDeque;
use std::sync::Arc;

use tl::{enums, functions, types};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::dialogs::{Dialog, DialogList};
use super::download::Origin;
use super::error::{Class, TakeoutError, classify};
use super::files::{Waiter, message_files, settle};
use super::history::{self, Dates, Fetched, Gate, Head, Split};
use super::output::{Command, MissingItem};
use super::progress::ProgressEvent;
use super::run::Run;
use super::session::TakeoutInvoker;
use super::state::Pages;
use crate::export::convert::sections::custom_emoji_file;
use crate::export::convert::{ChatContext, MIGRATED_ID_SHIFT, Peers, messages_page_with};
use crate::export::model::{ChatInfo, FileRef, Message};

/// Pages decided but not yet written.
const AHEAD: usize = 8;
/// Pages decided but not yet written while the downloader has fewer files
/// than it runs at once: when the writer waits for a big file, the files
/// of the pages after it keep the download connections busy (else they
/// drain as the big file's last parts arrive, and fill again in a burst
/// of calls once it is written). A decided page is its converted messages
/// and their files' outcomes, some 100 KB for 100 messages.
const MAX_AHEAD: usize = 64;
/// Custom emoji per `messages.getCustomEmojiDocuments` (docs/takeout.md#custom-emoji).
const EMOJI_BATCH: usize = 100;
/// Chats read at once per unit of `parallel`.
const CHATS_PER_PARALLEL: usize = 4;
/// The most chats read at once.
const MAX_LOOKAHEAD: usize = 32;
/// Full pages the chats after the one being written may hold, per unit of
/// `parallel` (pages of fewer messages weigh less, see [`history::Gate`]).
const PAGES_PER_PARALLEL: usize = 64;
/// The most pages they may hold (a decoded page of 100 messages is some
/// 250 KB, so about 65 MB).
const MAX_READ_AHEAD: usize = 256;

/// How many chats are read at once: one at `parallel` 1 (Telegram
/// Desktop's one request at a time), else [`CHATS_PER_PARALLEL`] per unit,
/// so that with a slow network many history requests are in flight.
fn lookahead(parallel: usize) -> usize {
    if parallel <= 1 {
        1
    } else {
        (parallel * CHATS_PER_PARALLEL).min(MAX_LOOKAHEAD)
    }
}

/// Pages the chats after the one being written may hold: enough for the
/// lookahead's chats to keep reading while the writer is busy (with a slow
/// network, the more pages wait, the fewer requests wait).
fn read_ahead(parallel: usize) -> usize {
    (parallel * PAGES_PER_PARALLEL).min(MAX_READ_AHEAD)
}

/// A page whose files are being downloaded.
struct Pending {
    messages: Vec<Message>,
    /// Per message, per file (in `message_files` order): what to wait for.
    waits: Vec<Vec<Option<Waiter>>>,
}

impl Pending {
    /// Whether every file of the page has its outcome (writing it will not
    /// wait).
    fn settled(&self) -> bool {
        self.waits.iter().flatten().flatten().all(Waiter::done)
    }

    /// Waits until [`Self::settled`].
    async fn settle(&mut self) {
        for waiter in self.waits.iter_mut().flatten().flatten() {
            waiter.ended().await;
        }
    }
}

/// What the writer stage does next, in order.
enum Item {
    /// A chat starts; `total` is its probes' message count.
    Start {
        chat: ChatInfo,
        total: u64,
    },
    Write(Command),
    Page(Pending),
    /// The rest of the open chat could not be read.
    Missing(MissingItem),
}

/// The chat whose items are being written, for progress and `missing.json`.
#[derive(Default)]
struct Current {
    chat: Option<ChatInfo>,
    done: u64,
    total: u64,
}

/// The chats' fetchers: started as soon as the chat list is known (so the
/// histories are read while the other sections are exported), read from in
/// export order.
pub(super) struct Reader {
    inv: TakeoutInvoker,
    splits: Arc<Vec<enums::MessageRange>>,
    dates: Dates,
    lookahead: usize,
    budget: Arc<Semaphore>,
    fetchers: JoinSet<()>,
    started: VecDeque<(Dialog, mpsc::UnboundedReceiver<Fetched>, Head)>,
    dialogs: std::vec::IntoIter<Dialog>,
    total: u64,
    pages: Arc<Pages>,
}

impl Reader {
    /// Starts reading the chats of `list` (at `parallel` 1 only once the
    /// chats are written, one request at a time).
    pub(super) fn start(
        inv: TakeoutInvoker,
        list: DialogList,
        dates: Dates,
        parallel: usize,
        pages: Arc<Pages>,
    ) -> Self {
        let parallel = parallel.max(1);
        let mut reader = Self {
            inv,
            splits: Arc::new(list.splits),
            dates,
            lookahead: lookahead(parallel),
            budget: Arc::new(Semaphore::new(
                read_ahead(parallel) * history::FULL_PAGE as usize,
            )),
            fetchers: JoinSet::new(),
            started: VecDeque::new(),
            total: list.dialogs.len() as u64,
            dialogs: list.dialogs.into_iter(),
            pages,
        };
        if reader.lookahead > 1 {
            reader.fill();
        }
        reader
    }

    /// Starts fetchers up to the lookahead.
    fn fill(&mut self) {
        while self.started.len() < self.lookahead {
            let Some(dialog) = self.dialogs.next() else {
                break;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let (gate, head) = Gate::new(self.budget.clone());
            let splits = self.splits.clone();
            let job = history::fetch(
                self.inv.clone(),
                dialog.clone(),
                splits,
                self.dates,
                gate,
                tx,
                self.pages.clone(),
            );
            self.fetchers.spawn(job);
            self.started.push_back((dialog, rx, head));
        }
        while self.fetchers.try_join_next().is_some() {}
    }

    /// The next chat and its pages; it becomes the head (which counts in
    /// the lookahead until the next call).
    fn next(&mut self) -> Option<(Dialog, mpsc::UnboundedReceiver<Fetched>, Head)> {
        self.fill();
        let (dialog, rx, head) = self.started.pop_front()?;
        head.promote();
        Some((dialog, rx, head))
    }
}

impl Run<'_> {
    /// Exports every chat `reader` reads.
    pub(super) async fn chats(&mut self, mut reader: Reader) -> Result<(), TakeoutError> {
        let _ = self.events.send(ProgressEvent::Section {
            name: "chats".into(),
        });
        let total = reader.total;
        let mut queue = VecDeque::new();
        let mut current = Current::default();
        for index in 1..=total {
            // A stop ends the export at the next chat even when its pages
            // were read ahead already (they may be most of the account).
            if self.inv.stopping() {
                return Err(TakeoutError::Interrupted);
            }
            let Some((dialog, rx, _head)) = reader.next() else {
                break;
            };
            self.chat(index, total, dialog, rx, &mut queue, &mut current)
                .await?;
        }
        self.drain(&mut queue, &mut current, 0).await
    }

    /// Decides one chat's pages into `queue`.
    async fn chat(
        &mut self,
        index: u64,
        total: u64,
        dialog: Dialog,
        mut rx: mpsc::UnboundedReceiver<Fetched>,
        queue: &mut VecDeque<Item>,
        current: &mut Current,
    ) -> Result<(), TakeoutError> {
        let mut ctx = ChatContext::new(&dialog.chat.folder, self.tz.clone());
        let mut announced = false;
        let mut failure = None;
        loop {
            let fetched = rx.recv().await;
            if !announced {
                let messages = match &fetched {
                    Some(Fetched::Total(n)) => *n,
                    _ => 0,
                };
                let _ = self.events.send(ProgressEvent::ChatStarted {
                    index,
                    total,
                    name: dialog.chat.display_name(),
                    messages,
                });
                queue.push_back(Item::Start {
                    chat: dialog.chat.clone(),
                    total: messages,
                });
                announced = true;
            }
            match fetched {
                Some(Fetched::Total(_)) => {}
                Some(Fetched::Page(page, split, permit, peers)) => {
                    let pending = self.decide_page(&mut ctx, &page, &peers, &split).await?;
                    // The raw page is done with: another may be read.
                    drop((page, permit, peers));
                    queue.push_back(Item::Page(pending));
                    self.drain(queue, current, AHEAD).await?;
                }
                Some(Fetched::Undecodable {
                    id,
                    migrated,
                    reason,
                }) => {
                    let shift = if migrated { MIGRATED_ID_SHIFT } else { 0 };
                    let id = id.map(|id| i64::from(id) + shift);
                    queue.push_back(Item::Missing(chat_item(&dialog.chat, id, None, reason)));
                }
                Some(Fetched::Done) => break,
                Some(Fetched::Failed(reason)) => {
                    failure = Some(reason);
                    break;
                }
                Some(Fetched::Fatal(e)) => return Err(e),
                None => {
                    failure = Some("the history could not be read".into());
                    break;
                }
            }
        }
        if let Some(reason) = failure {
            queue.push_back(Item::Missing(chat_item(&dialog.chat, None, None, reason)));
        }
        queue.push_back(Item::Write(Command::EndChat));
        Ok(())
    }

    /// Converts a page, keeps the messages inside the dates, resolves
    /// custom emoji and decides every file.
    async fn decide_page(
        &mut self,
        ctx: &mut ChatContext,
        page: &enums::messages::Messages,
        peers: &Peers,
        split: &Split,
    ) -> Result<Pending, TakeoutError> {
        let mut messages = messages_page_with(ctx, page, peers, split.migrated);
        if self.dates != Dates::default() {
            messages.retain(|m| self.dates.contains(m.date));
        }
        self.resolve_emoji(ctx, &mut messages).await?;
        let channel = match &split.peer {
            enums::InputPeer::Channel(c) => Some(enums::InputChannel::from(types::InputChannel {
                channel_id: c.channel_id,
                access_hash: c.access_hash,
            })),
            _ => None,
        };
        let shift = if split.migrated { MIGRATED_ID_SHIFT } else { 0 };
        let mut waits = Vec::with_capacity(messages.len());
        for m in &mut messages {
            let origin = Origin::Message {
                channel: channel.clone(),
                range: split.range.clone(),
                id: i32::try_from(m.id - shift).unwrap_or(0),
            };
            let mut per_message = Vec::new();
            for (file, rules) in message_files(m) {
                // Only custom emoji are exempt from the type filter; their
                // location id is the emoji's document id.
                let origin = match (&rules.media, &file.location) {
                    (None, Some(l)) => Origin::Emoji(l.id),
                    _ => origin.clone(),
                };
                per_message.push(self.files.decide(file, rules, &origin));
            }
            waits.push(per_message);
        }
        Ok(Pending { messages, waits })
    }

    /// Attaches the file of every custom emoji of `messages`, asking for
    /// the unknown ones in batches (docs/takeout.md#custom-emoji); the cache lasts the whole export.
    async fn resolve_emoji(
        &mut self,
        ctx: &mut ChatContext,
        messages: &mut [Message],
    ) -> Result<(), TakeoutError> {
        let mut wanted = Vec::new();
        for id in messages.iter().flat_map(Message::unresolved_custom_emoji) {
            if !self.emoji.contains_key(&id) && !wanted.contains(&id) {
                wanted.push(id);
            }
        }
        for batch in wanted.chunks(EMOJI_BATCH) {
            let request = functions::messages::GetCustomEmojiDocuments {
                document_id: batch.to_vec(),
            };
            match self.inv.invoke(&request).await.map_err(classify) {
                Ok(docs) => {
                    for doc in &docs {
                        let (id, file) = custom_emoji_file(ctx, doc);
                        if batch.contains(&id) {
                            self.emoji.entry(id).or_insert(file);
                        }
                    }
                }
                Err(Class::Fatal(e)) => return Err(e),
                Err(Class::Skip(reason)) => tracing::warn!("custom emoji unavailable: {reason}"),
            }
            for id in batch {
                self.emoji
                    .entry(*id)
                    .or_insert_with(|| FileRef::unavailable(0));
            }
        }
        for m in messages {
            for id in m.unresolved_custom_emoji() {
                if let Some(file) = self.emoji.get(&id) {
                    m.set_custom_emoji(id, file);
                }
            }
        }
        Ok(())
    }

    /// Writes items from the front of `queue` until at most `keep` pages
    /// wait.
    async fn drain(
        &mut self,
        queue: &mut VecDeque<Item>,
        current: &mut Current,
        keep: usize,
    ) -> Result<(), TakeoutError> {
        let pages = |q: &VecDeque<Item>| q.iter().filter(|i| matches!(i, Item::Page(_))).count();
        loop {
            let waiting = pages(queue);
            if queue.is_empty() || (keep != 0 && waiting <= keep) {
                break;
            }
            // Rather than wait for the next page's files, decide more
            // pages while the downloader could take their files: back to
            // deciding as soon as it could, or write once the page is
            // settled.
            if keep != 0
                && waiting <= MAX_AHEAD
                && let Some(Item::Page(head)) = queue.front_mut()
                && !head.settled()
            {
                if self.files.hungry() {
                    break;
                }
                tokio::select! {
                    () = head.settle() => {}
                    () = self.files.one_ends() => {}
                }
                continue;
            }
            let Some(item) = queue.pop_front() else { break };
            match item {
                Item::Start { chat, total } => {
                    *current = Current {
                        chat: Some(chat.clone()),
                        done: 0,
                        total,
                    };
                    self.report.chats += 1;
                    self.out.send(Command::StartChat(chat)).await?;
                }
                Item::Write(command) => self.out.send(command).await?,
                Item::Missing(item) => self.missing.push(item),
                Item::Page(page) => self.write_page(page, current).await?,
            }
        }
        Ok(())
    }

    /// Waits for a page's files, then writes it.
    async fn write_page(
        &mut self,
        page: Pending,
        current: &mut Current,
    ) -> Result<(), TakeoutError> {
        let Pending {
            mut messages,
            waits,
        } = page;
        for (m, waits) in messages.iter_mut().zip(waits) {
            let id = m.id;
            for ((file, _), waiter) in message_files(m).into_iter().zip(waits) {
                let Some(waiter) = waiter else { continue };
                let outcome = waiter.outcome().await;
                if let Some(e) = self.files.downloader().take_fatal() {
                    return Err(e);
                }
                settle(file, &outcome);
                if let (Err(reason), Some(chat)) = (&outcome, &current.chat) {
                    let path = Some(file.path.clone());
                    self.missing
                        .push(chat_item(chat, Some(id), path, reason.clone()));
                }
            }
        }
        let count = messages.len() as u64;
        self.out.send(Command::Messages(messages)).await?;
        self.report.messages += count;
        current.done += count;
        current.total = current.total.max(current.done);
        if let Some(chat) = &current.chat {
            let _ = self.events.send(ProgressEvent::Messages {
                chat: chat.display_name(),
                done: current.done,
                total: current.total,
            });
        }
        Ok(())
    }
}

/// A `missing.json` entry of a chat.
fn chat_item(
    chat: &ChatInfo,
    message_id: Option<i64>,
    file: Option<String>,
    reason: String,
) -> MissingItem {
    MissingItem {
        section: if chat.is_left { "left_chats" } else { "chats" }.into(),
        chat: Some(chat.display_name()),
        chat_id: Some(chat.id.to_string()),
        message_id,
        file,
        reason,
    }
}
