//! The isolation of a history page that does not decode
//! (docs/takeout.md#undecodable-messages): a pure state machine
//! ([`Isolation`]) says which request to send next given what the last one
//! answered; `history.rs` sends them.
//!
//! Requests are `getHistory` (or the only-my `search`) windows counted from
//! an id: `(offset_id = c, add_offset = -(skip + limit), limit)` answers the
//! `limit` messages after the `skip` oldest ones with an id `>= c`
//! (docs/takeout.md#history). From the failed page's start:
//!
//! 1. **Halving**: the page is asked again with half the limit, down to 1;
//!    each window that decodes is a page of the export, and the next one
//!    starts after it (with the same limit).
//! 2. **Run**: the message at the start does not decode even alone; the
//!    ones after it are asked one at a time (`skip` 1, 2...) until one
//!    decodes (its id bounds the run) or none is left.
//! 3. **Search**: each bad message's id, by binary search on `offset_id`:
//!    the `j`-th message at or after `m` is bad exactly when `m` is at most
//!    the id of the `j`-th bad message from the end of the run.
//!
//! A page that starts at a date (the first page of `--from`) is first
//! turned into one that starts at an id: the message just before the date
//! is asked for (`offset_date`, `add_offset = 0`, `limit = 1`).
//!
//! Every request counts against a budget (per chat); when it is spent, the
//! isolation gives up and the rest of the split is skipped with the reason.

/// One request to send: the window of a history (or search) request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ask {
    /// `offset_id`.
    pub offset_id: i32,
    /// `offset_date` (only for the date probe).
    pub offset_date: i32,
    /// `add_offset`.
    pub add_offset: i32,
    /// `limit`.
    pub limit: i32,
    /// Whether the answer, when it decodes, is a page of the export.
    pub page: bool,
}

impl Ask {
    /// The `limit` messages after the `skip` oldest at or after `from`.
    fn window(from: i32, skip: i32, limit: i32, page: bool) -> Self {
        Self {
            offset_id: from,
            offset_date: 0,
            add_offset: -(skip + limit),
            limit,
            page,
        }
    }
}

/// What the last request answered.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Reply<'a> {
    /// It decoded: the ids of its messages (any order).
    Decoded(&'a [i32]),
    /// It did not: the decode error.
    Undecodable(&'a str),
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send this request and tell [`Isolation::answer`] what came back.
    Send(Ask),
    /// Done: the bad messages (id and decode error, ascending), and the
    /// `offset_id` the split's pages go on from.
    Found {
        /// The messages that do not decode.
        bad: Vec<(i32, String)>,
        /// Where the pages go on.
        resume: i32,
    },
    /// The split has no more messages (a page that decoded was its last).
    End,
    /// The isolation gave up (budget spent, or answers that contradict
    /// each other): skip the rest of the split with this reason.
    GiveUp(String),
}

#[derive(Clone, Debug)]
enum Phase {
    /// Waiting for the message just before the date.
    Before,
    /// Windows from `from` with `limit`; `left` messages of the failed page
    /// not yet read.
    Halving { from: i32, limit: i32, left: i32 },
    /// The first `errors.len()` messages at `from` do not decode.
    Run { from: i32, errors: Vec<String> },
    /// Binary search for the id of the `found.len()`-th bad message from
    /// the end: the largest `m` in `lo..=hi` whose `found.len()`-th message
    /// is bad (`lo`'s is).
    Search {
        from: i32,
        errors: Vec<String>,
        found: Vec<i32>,
        lo: i32,
        hi: i32,
    },
}

/// The isolation of one failed page.
#[derive(Clone, Debug)]
pub(crate) struct Isolation {
    phase: Phase,
    /// The failed page's limit.
    limit: i32,
    /// The id after which there are no messages (the split's end).
    last: i32,
    /// Requests this isolation may still send.
    budget: u32,
    /// The request in flight.
    asked: Option<Ask>,
}

/// How many bad messages in a row are looked for before giving up.
const MAX_RUN: usize = 64;

impl Isolation {
    /// The page `(offset_id, offset_date, limit)` did not decode; at most
    /// `budget` requests; no message has an id above `last`.
    pub(crate) fn new(
        offset_id: i32,
        offset_date: i32,
        limit: i32,
        last: i32,
        budget: u32,
    ) -> Self {
        let limit = limit.max(1);
        let (phase, asked) = if offset_date != 0 {
            let before = Ask {
                offset_id: 0,
                offset_date,
                add_offset: 0,
                limit: 1,
                page: false,
            };
            (Phase::Before, Some(before))
        } else {
            let phase = Phase::Halving {
                from: offset_id.max(1),
                limit,
                left: limit,
            };
            (phase, None)
        };
        Self {
            phase,
            limit,
            last,
            budget,
            asked,
        }
    }

    /// The requests it may still send.
    pub(crate) fn budget(&self) -> u32 {
        self.budget
    }

    /// The first request: for a date, the probe before it; else the failed
    /// page again with half its limit.
    pub(crate) fn start(&mut self) -> Next {
        if let Some(ask) = self.asked.take() {
            return self.send(ask);
        }
        match self.phase {
            Phase::Halving { from, limit, left } => {
                let half = (limit / 2).max(1);
                self.phase = Phase::Halving {
                    from,
                    limit: half,
                    left,
                };
                self.send(Ask::window(from, 0, half, true))
            }
            _ => Next::GiveUp("the isolation did not start".into()),
        }
    }

    fn send(&mut self, ask: Ask) -> Next {
        if self.budget == 0 {
            return Next::GiveUp(
                "too many messages that cannot be decoded; the rest of this part of the chat is skipped"
                    .into(),
            );
        }
        self.budget -= 1;
        self.asked = Some(ask);
        Next::Send(ask)
    }

    /// What the request [`Next::Send`] asked for answered.
    pub(crate) fn answer(&mut self, reply: Reply<'_>) -> Next {
        let Some(ask) = self.asked.take() else {
            return Next::GiveUp("an answer without a request".into());
        };
        let phase = std::mem::replace(&mut self.phase, Phase::Before);
        match (phase, reply) {
            (Phase::Before, Reply::Decoded(ids)) => {
                // The failed page again, from the id after that message.
                let from = ids.iter().max().map_or(1, |id| id.saturating_add(1));
                let limit = self.limit;
                self.phase = Phase::Halving {
                    from,
                    limit,
                    left: limit,
                };
                self.start()
            }
            (Phase::Before, Reply::Undecodable(e)) => Next::GiveUp(format!(
                "the messages around the start of the date range cannot be decoded: {e}"
            )),
            (Phase::Halving { from, limit, left }, Reply::Decoded(ids)) => {
                let Some(newest) = ids.iter().copied().max() else {
                    return Next::End;
                };
                if newest < from || newest == i32::MAX {
                    return Next::End;
                }
                let next = newest + 1;
                let left = left.saturating_sub(i32::try_from(ids.len()).unwrap_or(i32::MAX));
                if left <= 0 {
                    // The failed page's messages all decoded after all.
                    return Next::Found {
                        bad: Vec::new(),
                        resume: next,
                    };
                }
                self.phase = Phase::Halving {
                    from: next,
                    limit,
                    left,
                };
                self.send(Ask::window(next, 0, limit, true))
            }
            (Phase::Halving { from, limit, left }, Reply::Undecodable(e)) => {
                if limit > 1 {
                    let half = (limit / 2).max(1);
                    self.phase = Phase::Halving {
                        from,
                        limit: half,
                        left,
                    };
                    return self.send(Ask::window(from, 0, half, true));
                }
                self.phase = Phase::Run {
                    from,
                    errors: vec![e.to_owned()],
                };
                self.send(Ask::window(from, 1, 1, false))
            }
            (Phase::Run { from, mut errors }, Reply::Undecodable(e)) => {
                errors.push(e.to_owned());
                if errors.len() >= MAX_RUN {
                    return Next::GiveUp(format!(
                        "{MAX_RUN} messages in a row from id {from} on cannot be decoded: {e}"
                    ));
                }
                let skip = i32::try_from(errors.len()).unwrap_or(i32::MAX);
                self.phase = Phase::Run { from, errors };
                self.send(Ask::window(from, skip, 1, false))
            }
            (Phase::Run { from, errors }, Reply::Decoded(ids)) => {
                // The first good message after the run bounds it.
                let hi = match ids.iter().copied().min() {
                    Some(good) if good > from => good - 1,
                    Some(_) => return Next::GiveUp(contradiction(from)),
                    None => self.last,
                };
                self.search(from, errors, Vec::new(), hi)
            }
            (
                Phase::Search {
                    from,
                    errors,
                    found,
                    lo,
                    hi,
                },
                reply,
            ) => {
                let (lo, hi) = match reply {
                    Reply::Undecodable(_) => (ask.offset_id, hi),
                    Reply::Decoded(_) => (lo, ask.offset_id - 1),
                };
                self.step(from, errors, found, lo, hi)
            }
        }
    }

    /// Starts the search for the next bad id (the `found.len()`-th from the
    /// end), below `hi`; or reports them all.
    fn search(&mut self, from: i32, errors: Vec<String>, found: Vec<i32>, hi: i32) -> Next {
        if found.len() == errors.len() {
            let resume = found.first().map_or(from, |last| last.saturating_add(1));
            let bad = found.into_iter().rev().zip(errors).collect();
            return Next::Found { bad, resume };
        }
        // The j-th bad message from the end is at least the j-th id from `from`.
        let before = i32::try_from(errors.len() - found.len() - 1).unwrap_or(i32::MAX);
        let lo = from.saturating_add(before);
        if hi < lo {
            return Next::GiveUp(contradiction(from));
        }
        self.step(from, errors, found, lo, hi)
    }

    /// One step of the binary search in `lo..=hi` (`lo` is bad).
    fn step(
        &mut self,
        from: i32,
        errors: Vec<String>,
        mut found: Vec<i32>,
        lo: i32,
        hi: i32,
    ) -> Next {
        if lo >= hi {
            found.push(lo);
            return self.search(from, errors, found, lo - 1);
        }
        let mid = lo + (hi - lo + 1) / 2;
        let j = i32::try_from(found.len()).unwrap_or(i32::MAX);
        self.phase = Phase::Search {
            from,
            errors,
            found,
            lo,
            hi,
        };
        self.send(Ask::window(mid, j, 1, false))
    }
}

fn contradiction(from: i32) -> String {
    format!("the server's answers about the messages from id {from} on contradict each other")
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
