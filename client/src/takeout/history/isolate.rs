//! A history page that does not decode costs only the messages that do not
//! (docs/takeout.md#undecodable-messages): [`Fetcher::isolate`] sends the
//! requests the pure [`machine::Isolation`] asks for, hands the windows
//! that decode to the writer as pages, and each message that does not
//! decode as a [`Fetched::Undecodable`] (it goes to `missing.json`).

use std::sync::Arc;

use tl::enums;
use tokio::sync::mpsc;

use super::page::{id_date, newest_and_past, page_parts};
use super::peers::own_peers;
use super::{Fetched, Fetcher, Split, get_raw, request};
use crate::rpc::InvocationError;
use crate::takeout::error::{Class, classify};

mod machine;
use machine::{Isolation, Next, Reply};

/// How an isolation ([`Fetcher::isolate`]) ended.
pub(super) enum Isolated {
    /// The split's pages go on from this `offset_id`.
    Resume(i32),
    /// The split is done.
    End,
    /// The receiver is gone.
    Gone,
}

/// The largest id a message of `split` may have: the end of its range in
/// the common box; any for a channel (its ids are its own).
fn last_id(split: &Split) -> i32 {
    let enums::MessageRange::MessageRange(range) = &split.range;
    match split.peer {
        enums::InputPeer::Channel(_) | enums::InputPeer::ChannelFromMessage(_) => i32::MAX - 1,
        _ if range.max_id > 0 => range.max_id.min(i32::MAX - 1),
        _ => i32::MAX - 1,
    }
}

impl Fetcher<'_> {
    /// The page of `split` at `(offset_id, offset_date)` did not decode:
    /// isolates the messages that do not, within what is left of the
    /// chat's isolation budget.
    pub(super) async fn isolate(
        &mut self,
        split: &Arc<Split>,
        offset_id: i32,
        offset_date: i32,
        tx: &mpsc::UnboundedSender<Fetched>,
    ) -> Result<Isolated, Class> {
        let mut iso = Isolation::new(
            offset_id,
            offset_date,
            super::PAGE,
            last_id(split),
            self.isolation_budget,
        );
        let undecodable = |id, reason| Fetched::Undecodable {
            id,
            migrated: split.migrated,
            reason,
        };
        let mut next = iso.start();
        // Every request spends the budget, so this ends well before.
        for _ in 0..=self.isolation_budget {
            self.isolation_budget = iso.budget();
            let ask = match next {
                Next::Send(ask) => ask,
                Next::Found { bad, resume } => {
                    for (id, error) in bad {
                        let reason = format!("the message could not be decoded: {error}");
                        if tx.send(undecodable(Some(id), reason)).is_err() {
                            return Ok(Isolated::Gone);
                        }
                    }
                    return Ok(Isolated::Resume(resume));
                }
                Next::End => return Ok(Isolated::End),
                Next::GiveUp(reason) => {
                    let reason = format!("messages from id {offset_id} on: {reason}");
                    if tx.send(undecodable(None, reason)).is_err() {
                        return Ok(Isolated::Gone);
                    }
                    return Ok(Isolated::End);
                }
            };
            let permit = match ask.page {
                true => match self
                    .gate
                    .admit(super::weight(ask.limit.max(0) as usize))
                    .await
                {
                    Some(permit) => Some(permit),
                    None => return Ok(Isolated::Gone),
                },
                false => None,
            };
            let mut r = request(split, self.dates, ask.offset_id, ask.add_offset, ask.limit);
            r.offset_date = ask.offset_date;
            next = match get_raw(self.inv, &mut self.only_my, r).await {
                Ok(page) => {
                    let (messages, _, complete) = page_parts(&page);
                    let ids: Vec<i32> = messages.iter().map(|m| id_date(m).0).collect();
                    let (_, past_till) = newest_and_past(&page, self.dates);
                    let last = complete || past_till;
                    if ask.page && !ids.is_empty() {
                        let peers = own_peers(&page);
                        let fetched = Fetched::Page(page, split.clone(), permit, peers);
                        if tx.send(fetched).is_err() {
                            return Ok(Isolated::Gone);
                        }
                        if last {
                            self.isolation_budget = iso.budget();
                            return Ok(Isolated::End);
                        }
                    }
                    iso.answer(Reply::Decoded(&ids))
                }
                Err(InvocationError::Deserialize(e)) => {
                    iso.answer(Reply::Undecodable(&e.to_string()))
                }
                Err(e) => return Err(classify(e)),
            };
        }
        self.isolation_budget = 0;
        let reason = format!("messages from id {offset_id} on: the isolation did not finish");
        let _ = tx.send(undecodable(None, reason));
        Ok(Isolated::End)
    }
}
