//! When a chat's fetcher may read its next page: the [`Gate`] bounds the
//! pages read ahead by every chat but the one being written (a shared
//! budget), and lets that one (the head) always go on with a small reserve
//! of its own.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Pages the head chat may have read ahead of the writer on its own.
pub(super) const HEAD_RESERVE: usize = 4;

/// When a chat's fetcher may read its next page.
pub struct Gate {
    /// Pages read ahead by the chats after the head, shared by all.
    budget: Arc<Semaphore>,
    /// The head's own pages.
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
    /// A gate for one chat drawing on `budget`, and its head switch.
    pub fn new(budget: Arc<Semaphore>) -> (Self, Head) {
        let (tx, head) = watch::channel(false);
        let gate = Self {
            budget,
            reserve: Arc::new(Semaphore::new(HEAD_RESERVE)),
            head,
        };
        (gate, Head(tx))
    }

    /// A permit for one more page; `None` when the writer is gone.
    pub(super) async fn admit(&mut self) -> Option<OwnedSemaphorePermit> {
        loop {
            if *self.head.borrow_and_update() {
                return self.reserve.clone().acquire_owned().await.ok();
            }
            tokio::select! {
                biased;
                permit = self.budget.clone().acquire_owned() => return permit.ok(),
                changed = self.head.changed() => changed.ok()?,
            }
        }
    }
}
