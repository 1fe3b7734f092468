//! The [`Session`] state and its public API.
//!
//! One session is one auth key, one session id and one role. Building
//! frames lives in `transmit.rs`, receiving in `inbound.rs`, and the service
//! message handlers in `on_client.rs` / `on_server.rs`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::acks::PendingAcks;
use super::clock::Now;
use super::envelope::{AuthKey, Direction};
use super::msg_id::{MsgIdGen, RecentIds};
use super::outbox::{Kind, Outbox};
use super::salts::Salts;
use super::seq::SeqNo;
use super::{Event, RequestId, Role, gzip};

/// Tunables of a session. `Default` gives the values used against Telegram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Outgoing query bodies (client) and answers (server) at least this
    /// large are sent as `gzip_packed` when that is smaller; `None`: never.
    pub compression_threshold: Option<usize>,
    /// The most bytes one `gzip_packed` may inflate to.
    pub max_inflated: usize,
    /// How long a pending ack may wait for another message to ride on.
    pub ack_delay: Duration,
    /// Client: send `ping_delay_disconnect` this often; `None`: no pings.
    pub ping_interval: Option<Duration>,
    /// The `disconnect_delay` of those pings, in seconds.
    pub ping_disconnect_delay: i32,
    /// Client: keep a stock of future salts with `get_future_salts`.
    pub future_salts: bool,
    /// Resends of one query after `bad_msg_notification` before giving up.
    pub max_resends: u32,
    /// How many received msg_ids are remembered against replays.
    pub recent_ids: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            compression_threshold: Some(512),
            max_inflated: 16 << 20,
            ack_delay: Duration::from_secs(1),
            ping_interval: Some(Duration::from_secs(60)),
            ping_disconnect_delay: 75,
            future_salts: true,
            max_resends: 10,
            recent_ids: 500,
        }
    }
}

/// A message waiting to go out that is not a tracked query.
#[derive(Clone, Debug)]
pub(super) struct Outgoing {
    pub body: Vec<u8>,
    pub content_related: bool,
    /// Server role: answers a client message (msg_id ≡ 1 mod 4, else 3).
    pub response: bool,
}

/// The client's ping bookkeeping.
#[derive(Clone, Debug, Default)]
pub(super) struct Pings {
    /// When the next ping is due; set on the first call that knows the time.
    pub next_at: Option<Instant>,
    /// The ping in flight.
    pub outstanding: Option<RequestId>,
    pub next_ping_id: i64,
}

/// An MTProto 2.0 session in one role. See the module docs of `mtp`.
#[derive(Debug)]
pub struct Session {
    pub(super) role: Role,
    pub(super) config: Config,
    pub(super) key: AuthKey,
    /// Client: ours. Server: the client's (meaningful once `has_session`).
    pub(super) session_id: i64,
    pub(super) has_session: bool,
    pub(super) ids: MsgIdGen,
    pub(super) seq: SeqNo,
    pub(super) salts: Salts,
    /// Client: whether our clock agrees with the server's, so received
    /// msg_ids can be held to the time window.
    pub(super) time_synced: bool,
    /// Client: authentic messages refused by the time check in a row.
    pub(super) time_rejects: u32,
    pub(super) recent: RecentIds,
    pub(super) acks: PendingAcks,
    pub(super) out: Outbox,
    pub(super) service: VecDeque<Outgoing>,
    pub(super) events: VecDeque<Event>,
    /// Client: start a new session (new id, seqno 0) before the next send.
    pub(super) fresh_session: bool,
    /// Client: let msg_ids restart from the clock in that new session (our
    /// clock moved back). Otherwise they keep increasing across sessions, so
    /// an id never means two different queries.
    pub(super) restart_ids: bool,
    /// Client: no `get_future_salts` before this time.
    pub(super) salts_retry_at: Option<Instant>,
    pub(super) pings: Pings,
    /// Server: whether `new_session_created` went out for this session.
    pub(super) created: bool,
    /// Server: sessions created so far, for `unique_id`.
    pub(super) sessions_created: i64,
    /// Server: refuse the next message with this `bad_msg_notification` code.
    pub(super) refuse_next: Option<i32>,
    /// Server: queries of the current session not answered yet, by msg_id,
    /// with their seq_no (for `bad_server_salt` about them).
    pub(super) unanswered: HashMap<i64, i32>,
}

impl Session {
    /// A client session with a key from the key exchange (or storage).
    ///
    /// `session_id` should be random; `first_salt` and `time_offset`
    /// (server time minus ours, seconds) come from the key exchange, which
    /// also makes our clock trustworthy, so say so with `time_synced`.
    pub fn client(
        auth_key: [u8; 256],
        session_id: i64,
        first_salt: i64,
        time_offset: i32,
        time_synced: bool,
        config: Config,
    ) -> Self {
        let mut s = Self::new(Role::Client, auth_key, first_salt, config);
        s.session_id = session_id;
        s.has_session = true;
        s.ids = MsgIdGen::new(time_offset);
        s.time_synced = time_synced;
        s
    }

    /// A server session for one client's auth key. It learns the client's
    /// session id from the first message; `salt` is the salt it accepts
    /// and hands out (see [`Session::set_salts`] for more).
    pub fn server(auth_key: [u8; 256], salt: i64, config: Config) -> Self {
        let mut s = Self::new(Role::Server, auth_key, salt, config);
        s.time_synced = true;
        s
    }

    fn new(role: Role, auth_key: [u8; 256], salt: i64, config: Config) -> Self {
        Self {
            role,
            recent: RecentIds::new(config.recent_ids),
            config,
            key: AuthKey::new(auth_key),
            session_id: 0,
            has_session: false,
            ids: MsgIdGen::new(0),
            seq: SeqNo::new(),
            salts: Salts::new(salt),
            time_synced: false,
            time_rejects: 0,
            acks: PendingAcks::new(),
            out: Outbox::default(),
            service: VecDeque::new(),
            events: VecDeque::new(),
            fresh_session: false,
            restart_ids: false,
            salts_retry_at: None,
            pings: Pings::default(),
            created: false,
            sessions_created: 0,
            refuse_next: None,
            unanswered: HashMap::new(),
        }
    }

    /// The role played.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The session id (server role: the client's, once known).
    pub fn session_id(&self) -> Option<i64> {
        self.has_session.then_some(self.session_id)
    }

    /// The auth key's id.
    pub fn auth_key_id(&self) -> i64 {
        self.key.id()
    }

    /// Server time minus ours, in seconds.
    pub fn time_offset(&self) -> i32 {
        self.ids.offset()
    }

    /// The salt the next message will carry at `now` (for the session store).
    pub fn current_salt(&self, now: Now) -> i64 {
        self.salts.current(now.unix_secs(self.ids.offset()))
    }

    pub(super) fn dir_out(&self) -> Direction {
        match self.role {
            Role::Client => Direction::ClientToServer,
            Role::Server => Direction::ServerToClient,
        }
    }

    pub(super) fn dir_in(&self) -> Direction {
        match self.role {
            Role::Client => Direction::ServerToClient,
            Role::Server => Direction::ClientToServer,
        }
    }

    /// Client: queues a serialized query (a `tl::functions` value, maybe
    /// wrapped in `invokeWithLayer` etc.) and returns its id. It goes out on
    /// the next [`Session::poll_transmit`].
    pub fn push(&mut self, body: Vec<u8>) -> RequestId {
        let body = gzip::pack_if_smaller(body, self.config.compression_threshold);
        self.out.push(body, Kind::User)
    }

    /// Client: stops tracking a query; a late answer is ignored.
    pub fn forget(&mut self, request: RequestId) {
        self.out.resolve(request);
    }

    /// Client: how many pushed queries are not resolved yet.
    pub fn unanswered(&self) -> usize {
        self.out.count(Kind::User)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ack = self.acks.deadline(self.config.ack_delay);
        let ping = match self.role {
            Role::Client => self.pings.next_at,
            Role::Server => None,
        };
        match (ack, ping) {
            (Some(a), Some(p)) => Some(a.min(p)),
            (a, p) => a.or(p),
        }
    }

    /// Runs timers: pings. (Overdue acks need no work here; the next
    /// [`Session::poll_transmit`] sends them.)
    pub fn handle_timeout(&mut self, now: Now) {
        if self.role == Role::Client {
            self.ping_if_due(now);
        }
    }

    /// Client: the connection dropped and a new one is up. Every query in
    /// flight is resent with a new msg_id on the next poll_transmit (an
    /// answer to the old copy still resolves it); the ping schedule
    /// restarts. The session id, salts and counters carry on.
    pub fn on_reconnect(&mut self) {
        self.out.requeue_in_flight(i64::MAX);
        if let Some(ping) = self.pings.outstanding.take() {
            self.out.resolve(ping);
        }
        self.pings.next_at = None;
        // Pongs and state answers were for the old connection.
        self.service.retain(|o| o.content_related);
    }

    /// Client: schedules pings and sends one when due.
    fn ping_if_due(&mut self, now: Now) {
        let Some(interval) = self.config.ping_interval else {
            return;
        };
        let next = *self.pings.next_at.get_or_insert(now.mono + interval);
        if now.mono < next {
            return;
        }
        if let Some(old) = self.pings.outstanding.take() {
            self.out.resolve(old);
            self.events.push_back(Event::PingTimeout);
        }
        self.pings.next_ping_id = self.pings.next_ping_id.wrapping_add(1);
        let body = tl::Serializable::to_bytes(&tl::functions::PingDelayDisconnect {
            ping_id: self.pings.next_ping_id,
            disconnect_delay: self.config.ping_disconnect_delay,
        });
        self.pings.outstanding = Some(self.out.push(body, Kind::Ping));
        self.pings.next_at = Some(now.mono + interval);
    }

    /// Client: the time-driven work of [`Session::poll_transmit`].
    pub(super) fn before_transmit(&mut self, now: Now) {
        self.ping_if_due(now);
        let server_now = now.unix_secs(self.ids.offset());
        let may_ask = self.salts_retry_at.is_none_or(|t| t <= now.mono);
        if self.config.future_salts
            && may_ask
            && self.out.count(Kind::Salts) == 0
            && self.salts.wants_more(server_now)
        {
            let body = tl::Serializable::to_bytes(&tl::functions::GetFutureSalts {
                num: super::salts::REQUEST_COUNT,
            });
            self.out.push(body, Kind::Salts);
            self.salts_retry_at = Some(now.mono + Duration::from_secs(60));
        }
    }
}
