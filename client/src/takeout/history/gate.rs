//! When a chat's fetcher may read its next page: the [`Gate`] bounds what
//! every chat but the one being written (the head) has read ahead (a
//! shared budget), and lets the head always go on with a small reserve of
//! its own.
//!
//! Both are counted in messages, not pages ([`weight`]): a chat with a
//! message or two in each of hundreds of split ranges has hundreds of
//! pages of one message, and a reserve of a few such pages made the writer
//! wait for the head's fetcher page after page (two task wake-ups each),
//! most of the export's time in such a world (docs/takeout.md#history).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::PAGE;

/// Full pages the head chat may have read ahead of the writer on its own.
pub(super) const HEAD_RESERVE: usize = 4;
/// The least a page weighs, whatever its messages: a page's users and
/// chats cost something too.
pub(super) const MIN_WEIGHT: u32 = 4;
/// What a full page weighs.
pub const FULL_PAGE: u32 = PAGE as u32;

/// What a page of `messages` messages weighs in the gate: its messages,
/// at least [`MIN_WEIGHT`], at most [`FULL_PAGE`].
pub(super) fn weight(messages: usize) -> u32 {
    u32::try_from(messages)
        .unwrap_or(FULL_PAGE)
        .clamp(MIN_WEIGHT, FULL_PAGE)
}

/// When a chat's fetcher may read its next page.
pub struct Gate {
    /// Weight read ahead by the chats after the head, shared by all.
    budget: Arc<Semaphore>,
    /// The head's own.
    reserve: Arc<Semaphore>,
    /// Whether this chat is the head (the one being written).
    head: watch::Receiver<bool>,
}

/// The writer's side of a [`Gate`]: makes its chat the head.
pub struct Head(watch::Sender<bool>);

impl Head {
    /// This chat is now the one being written.
    pub fn promote(&self) {
        let _ = self.0.send(true);
    }
}

impl Gate {
    /// A gate for one chat drawing on `budget` (in `weight` units: full
    /// pages times [`FULL_PAGE`]), and its head switch.
    pub fn new(budget: Arc<Semaphore>) -> (Self, Head) {
        let (tx, head) = watch::channel(false);
        let gate = Self {
            budget,
            reserve: Arc::new(Semaphore::new(HEAD_RESERVE * FULL_PAGE as usize)),
            head,
        };
        (gate, Head(tx))
    }

    /// A permit for one more page of `weight` ([`weight`]); `None` when
    /// the writer is gone.
    pub(super) async fn admit(&mut self, weight: u32) -> Option<OwnedSemaphorePermit> {
        let weight = weight.clamp(1, FULL_PAGE);
        loop {
            if *self.head.borrow_and_update() {
                return self.reserve.clone().acquire_many_owned(weight).await.ok();
            }
            tokio::select! {
                biased;
                permit = self.budget.clone().acquire_many_owned(weight) => return permit.ok(),
                changed = self.head.changed() => changed.ok()?,
            }
        }
    }
}

/// Gives back what `permit` (taken for a full page) holds beyond a page of
/// `messages` messages.
pub(super) fn settle(permit: &mut OwnedSemaphorePermit, messages: usize) {
    let extra = (permit.num_permits() as u32).saturating_sub(weight(messages));
    if extra > 0 {
        drop(permit.split(extra as usize));
    }
}
