//! Pacing calls to the server's flood limits: a pure state machine per DC
//! and method class ([`ClassPacer`], time as input, no IO) and the client's
//! map of them ([`Pacer`], which sleeps).
//!
//! Telegram answers a method called too often with `FLOOD_WAIT_X`: no call
//! of it for X seconds. A client that bursts collects one such answer per
//! burst and sleeps whole seconds; one that sends just under the limit
//! collects none. Calls are sorted into [`MethodClass`]es (the listing
//! classes history, search and dialogs; files; everything else) per DC;
//! each class learns its own rate:
//!
//! - **Unknown until told.** A class starts unpaced: a server that never
//!   complains is never slowed down.
//! - **A flood wait pauses the whole class.** After `FLOOD_WAIT_X` on any
//!   call of a class, no call of that class goes out for X seconds (plus
//!   the retry policy's margin), not only the call that got it; other
//!   classes and other DCs go on. Answers to calls that were already under
//!   way when the wait arrived only extend the pause.
//! - **The rate is learned from the wait.** The calls of the class sent
//!   (and not refused) around the refused one, the most within any span of
//!   max(X, 1 s) (`ClassPacer::estimate`), give the rate the server allows (X is the time until the server's window has
//!   room again, as Telegram and the mock's `rate_limits` answer). The
//!   class is then paced at [`BACKOFF`] (97 %) of that, or of its current
//!   rate if that is lower (multiplicative decrease); at
//!   [`FIRST_BACKOFF`] (94 %) of it after its first flood wait. With fewer than
//!   [`MIN_EVIDENCE`] such calls, a second flood wait measures from the
//!   first one instead (a limit of a few calls per long window); with no
//!   evidence at all, the class is only paused. The rate is worked out when
//!   the pause ends, once the calls that were under way have been answered
//!   (those refused too do not count as served).
//! - **Paced calls are evenly spaced** (a token bucket of one token): at
//!   rate r about ⌊r·T⌋ + 1 calls fall in any T seconds, so a limit of N
//!   calls per T seconds is not exceeded while r < N/T.
//! - **And the rate probes upwards** while calls queue for their slot
//!   (the class is busy): by [`GROWTH`] + [`GROWTH_ACCEL`] · t per second,
//!   t the busy seconds since the last cut. From 97 % the limit is reached
//!   again after about 26 busy seconds: about one flood wait per 27 s at a
//!   steady limit (some 94 % of it on average, the pause included), and a
//!   rate learned too low (a wait that said little) recovers in minutes.
//!
//! A transport flood (`-429`: the server closed the connection for too
//! many requests, with no time given) counts as `FLOOD_WAIT_1` for the
//! class of the call it cut.
//!
//! Known limits: a server window longer than the X it answers (say 200
//! calls per 10 s, answered with 1 s waits once the client is near the
//! limit) is learned over several waits, each cutting the rate by 3 %. A
//! server that refuses a fixed share of the calls whatever their rate
//! (every third call, say) is not a rate limit, and the estimate since the
//! previous wait, which holds our own pause, falls with every such wait:
//! the pace goes down about as 1/waits. Cutting by 3 % instead in that case
//! was tried and undone: against a limit shared by several DCs (each DC's
//! pacer sees part of the calls, so every wait has little evidence) it took
//! a dozen more waits to get under the limit.
//!
//! `Client::attempt` (`client/mod.rs`) asks [`Pacer::acquire`] before every
//! send and reports every flood wait; the retry policy (`policy.rs`) still
//! decides whether a flood wait is waited out at all (up to its cap).

mod pacer;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use pacer::Pacer;

/// The share of the measured rate a class is paced at after a flood wait.
pub const BACKOFF: f64 = 0.97;
/// The share of the measured rate an unpaced class is paced at after its
/// first flood wait. The first estimate is as good as later ones (see
/// `ClassPacer::estimate`), but calls evenly spaced by the client reach
/// the server less evenly (each over its own connection and queue), and a
/// window then holds a call or two more than the pace: at 97 % of a limit
/// of 30 calls a second the benchmark's mock refused a call within seconds
/// in every run, a second pause early in the download. From 94 % the rate
/// probes back to 97 % in about 26 busy seconds.
pub const FIRST_BACKOFF: f64 = 0.94;
/// Calls served within a flood wait's span needed to learn a rate from
/// that wait alone.
pub const MIN_EVIDENCE: usize = 8;
/// The rate's relative growth per busy second right after a cut.
pub const GROWTH: f64 = 0.0005;
/// How much faster it grows per busy second since the cut.
pub const GROWTH_ACCEL: f64 = 0.00005;
/// A transport flood (`-429`, which carries no time) counts as a flood
/// wait of this many seconds: the class pauses for it and learns from it
/// as from `FLOOD_WAIT_1`.
pub const TRANSPORT_FLOOD_SECS: u32 = 1;
/// Sent calls remembered per class (for the estimate).
const KEEP: usize = 16_384;
/// How far back sent calls are remembered.
const SPAN: Duration = Duration::from_secs(600);
/// The longest span a rate is measured over (a longer wait is measured
/// over this).
const MAX_SPAN: Duration = Duration::from_secs(60);
/// The slowest and fastest rates a class is paced at (calls per second).
const MIN_RATE: f64 = 1.0 / 3600.0;
const MAX_RATE: f64 = 100_000.0;
/// A call later than its slot makes the next slot earlier by at most this
/// share of the interval (timers overshoot; see [`ClassPacer::poll`]).
const CATCH_UP: f64 = 0.1;

/// The kinds of calls paced apart. Telegram's flood limits are per method,
/// so the listing methods an export calls in bulk are classes of their own
/// (a limit on `messages.getHistory` neither counts nor slows the dialog
/// pages); a class holds methods that share a limit or are called rarely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MethodClass {
    /// History pages (`messages.getHistory`, `messages.getReplies`,
    /// `messages.getSavedHistory`).
    History,
    /// Searches (`messages.search`, `messages.searchGlobal`).
    Search,
    /// Dialog lists (`messages.getDialogs`, `messages.getPinnedDialogs`,
    /// `messages.getSavedDialogs`, `channels.getLeftChannels`).
    Dialogs,
    /// File parts (`upload.getFile`, `upload.getCdnFile`).
    Files,
    /// Everything else.
    Other,
}

impl MethodClass {
    /// The class of a method, by its TL name.
    pub fn of_method(name: &str) -> Self {
        match name {
            "messages.getHistory" | "messages.getReplies" | "messages.getSavedHistory" => {
                Self::History
            }
            "messages.search" | "messages.searchGlobal" => Self::Search,
            "messages.getDialogs"
            | "messages.getPinnedDialogs"
            | "messages.getSavedDialogs"
            | "channels.getLeftChannels" => Self::Dialogs,
            "upload.getFile" | "upload.getCdnFile" => Self::Files,
            _ => Self::Other,
        }
    }

    /// The class of a request, looking through its `invokeWith*` wrappers.
    pub fn of_request<R: tl::Serializable>(request: &R) -> Self {
        let body = request.to_bytes();
        let id = match tl::peel::peel(&body) {
            Ok(p) => p.method_id,
            Err(_) => body
                .get(..4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        };
        tl::name_for_id(id).map_or(Self::Other, Self::of_method)
    }

    /// Its name in logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::History => "history",
            Self::Search => "search",
            Self::Dialogs => "dialogs",
            Self::Files => "files",
            Self::Other => "other",
        }
    }
}

/// What [`ClassPacer::poll`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Send now (the call is counted).
    Now,
    /// Ask again at this instant.
    At(Instant),
}

/// The pacing state of one method class on one DC. Pure: every method takes
/// the time.
#[derive(Clone, Debug, Default)]
pub struct ClassPacer {
    /// Calls per second; `None`: unpaced (no flood wait learned from yet).
    rate: Option<f64>,
    /// The earliest instant of the next paced call.
    next: Option<Instant>,
    /// No call before this (the server's wait window).
    paused_until: Option<Instant>,
    /// When recent calls were sent, less those refused with a flood wait.
    sent: VecDeque<Instant>,
    /// When the last flood wait that could teach something arrived.
    last_flood: Option<Instant>,
    /// Busy seconds since the rate was last cut.
    busy: f64,
    /// A flood wait to learn from when its pause ends.
    pending: Option<Pending>,
}

/// A flood wait not learned from yet.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// When the refused call was sent.
    sent_at: Instant,
    /// When its answer arrived.
    arrived: Instant,
    /// The X of its `FLOOD_WAIT_X`.
    seconds: u32,
    /// When the flood wait before it arrived.
    previous: Option<Instant>,
}

impl ClassPacer {
    /// A class with nothing learned: unpaced.
    pub fn new() -> Self {
        Self::default()
    }

    /// The paced rate in calls per second (`None`: unpaced).
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// The end of the current wait window, if one was announced.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    /// May a call go at `now`? [`Admit::Now`] counts it as sent.
    ///
    /// Paced calls go one interval (1/rate) apart. A call that comes later
    /// than its slot (a timer's overshoot) makes the next slot earlier by
    /// at most `CATCH_UP` of an interval, so overshoots do not add up
    /// while the spacing stays nearly strict.
    pub fn poll(&mut self, now: Instant) -> Admit {
        if let Some(p) = self.paused_until.filter(|&p| p > now) {
            return Admit::At(p);
        }
        if let Some(pending) = self.pending.take() {
            self.learn(pending, now);
        }
        if let (Some(_), Some(n)) = (self.rate, self.next)
            && n > now
        {
            return Admit::At(n);
        }
        if let Some(rate) = self.rate {
            let interval = 1.0 / rate;
            let late = self
                .next
                .map_or(f64::INFINITY, |n| now.duration_since(n).as_secs_f64());
            if late < interval {
                // Busy: this call was waiting for its slot. Probe upwards.
                self.busy += interval;
                let growth = GROWTH + GROWTH_ACCEL * self.busy;
                self.rate = Some((rate * (1.0 + growth * interval)).min(MAX_RATE));
            }
            let credit = late.min(interval * CATCH_UP);
            self.next = Some(later(now, secs(interval - credit)));
        }
        self.sent.push_back(now);
        while self.sent.len() > KEEP {
            self.sent.pop_front();
        }
        while self
            .sent
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) > SPAN)
        {
            self.sent.pop_front();
        }
        Admit::Now
    }

    /// The call sent at `sent_at` was answered `FLOOD_WAIT_X` (`seconds`)
    /// at `now`; the class pauses for X seconds plus `margin`. Returns the
    /// pause when this wait began one (the class was not paused at `now`),
    /// `None` when it only extends a pause already known.
    pub fn on_flood_wait(
        &mut self,
        sent_at: Instant,
        now: Instant,
        seconds: u32,
        margin: Duration,
    ) -> Option<Duration> {
        // The refused call was not served.
        if let Some(i) = self.sent.iter().rposition(|&t| t == sent_at) {
            self.sent.remove(i);
        }
        let wait = Duration::from_secs(seconds.into()) + margin;
        let until = later(now, wait);
        let began = self.paused_until.is_none_or(|p| p <= now);
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        // A call sent before the last flood wait arrived says nothing new.
        let fresh = self.last_flood.is_none_or(|k| sent_at >= k);
        if fresh {
            // Learned when the pause ends: by then the answers to the calls
            // under way now are in, and the refused ones are not counted.
            self.pending = Some(Pending {
                sent_at,
                arrived: now,
                seconds,
                previous: self.last_flood,
            });
            self.last_flood = Some(now);
        }
        if self.rate.is_some() {
            self.next = Some(self.next.map_or(until, |n| n.max(until)));
        }
        began.then_some(wait)
    }

    /// The call sent at `sent_at` was answered at `now` by a transport
    /// flood (the connection closed with `-429`): as a flood wait of
    /// [`TRANSPORT_FLOOD_SECS`] (see [`Self::on_flood_wait`]).
    pub fn on_transport_flood(
        &mut self,
        sent_at: Instant,
        now: Instant,
        margin: Duration,
    ) -> Option<Duration> {
        self.on_flood_wait(sent_at, now, TRANSPORT_FLOOD_SECS, margin)
    }

    /// Applies what a flood wait said, once its pause is over.
    fn learn(&mut self, pending: Pending, now: Instant) {
        if let Some(estimate) = self.estimate(&pending) {
            let cut = self
                .rate
                .map_or(estimate * FIRST_BACKOFF, |r| r.min(estimate) * BACKOFF);
            tracing::debug!(
                "flood wait learned: {estimate:.2} calls/s allowed (was paced at {:?}); pacing at {cut:.2}",
                self.rate
            );
            self.rate = Some(cut.clamp(MIN_RATE, MAX_RATE));
            self.busy = 0.0;
            self.next = Some(now);
        }
    }

    /// The rate the server allowed, from the calls it served around the
    /// refused one (sent at `sent_at`; see the module docs): the most calls
    /// served within any span of X seconds (at least 1 s) sent from X
    /// before the refused call until its answer arrived (not earlier: the
    /// server's window when it refused held no older call, and the limit
    /// may be new). The server's
    /// window was full when the refused call reached it, and it never
    /// serves more than its limit within a window; the client sees the
    /// calls at their send times, and the time from send to server differs
    /// from call to call (connections, queues), so the window ending at the
    /// refused call's send may hold a few more calls or many fewer (calls
    /// sent after it and served before it, as in a burst over several
    /// connections). The busiest span of the client's sends holds about
    /// the limit either way. Calls sent at the same instant count as
    /// earlier: an estimate too high is cut by the next wait within
    /// seconds, one too low only recovers by probing.
    fn estimate(&self, pending: &Pending) -> Option<f64> {
        let Pending {
            sent_at,
            arrived,
            seconds,
            previous,
        } = *pending;
        let span = Duration::from_secs(seconds.max(1).into()).min(MAX_SPAN);
        let from = sent_at.checked_sub(span);
        let around: Vec<Instant> = self
            .sent
            .iter()
            .copied()
            .filter(|&t| t <= arrived.max(sent_at) && from.is_none_or(|f| t >= f))
            .collect();
        let n = busiest(&around, span);
        if n >= MIN_EVIDENCE {
            return Some(n as f64 / span.as_secs_f64());
        }
        let last = previous?;
        let n = self
            .sent
            .iter()
            .filter(|&&t| t <= sent_at && t >= last)
            .count();
        let span = sent_at.saturating_duration_since(last).as_secs_f64();
        (n > 0 && span > 0.0).then(|| n as f64 / span)
    }
}

/// The most of `times` (sorted) within any span of `span`, both ends in.
fn busiest(times: &[Instant], span: Duration) -> usize {
    let mut most = 0;
    let mut start = 0;
    for (end, &t) in times.iter().enumerate() {
        while times
            .get(start)
            .is_some_and(|&s| t.saturating_duration_since(s) > span)
        {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
}

/// `now + d`, or a year from now if that does not fit.
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(now)
}

/// `s` seconds (not negative).
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}
