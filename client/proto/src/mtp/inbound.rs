//! Receiving: the checks on every message, then dispatch by constructor.
//!
//! Order of the checks (<https://core.telegram.org/mtproto/security_guidelines>):
//! key id, msg_key, length and padding (in `envelope::open`), then the
//! session id (a client refuses any other; a server adopts the client's),
//! msg_id parity, replays against the recent-id window, and the time window
//! (30 s ahead / 300 s behind; a client applies it once its clock is synced,
//! and never to `bad_server_salt` / `bad_msg_notification`, which exist to fix
//! a wrong clock or salt). A server also checks the salt. A container is then
//! validated whole before anything in it is acted upon.

use tl::Identifiable;
use tl::types as t;

use super::clock::Now;
use super::error::Error;
use super::msg_id::check_time;
use super::seq::is_content_related;
use super::wire::{GZIP_PACKED_ID, MSG_CONTAINER_ID, Message, RPC_RESULT_ID, constructor_of};
use super::{Role, Session, container, envelope, gzip};

/// Consecutive authentic messages refused by the time check after which a
/// client stops trusting its clock (Telethon gives up after 10 ignored
/// messages in a row; `mtprotostate.py` `MAX_CONSECUTIVE_IGNORED`).
const MAX_TIME_REJECTS: u32 = 3;

impl Session {
    /// Decrypts, checks and processes one frame from the transport.
    ///
    /// On `Err` the message was dropped and nothing in it acted upon,
    /// except that an authentic duplicate is acknowledged again and a
    /// server answers refusals with `bad_msg_notification`. A container
    /// whose messages were processed reports the first bad message's error.
    pub fn handle_input(&mut self, frame: &[u8], now: Now) -> Result<(), Error> {
        let opened = envelope::open(&self.key, self.dir_in(), frame)?;
        self.handle_opened(opened, now)
    }

    /// [`Session::handle_input`] for a frame already opened with
    /// [`envelope::open`] (a server routing frames by session id does that).
    pub fn handle_opened(&mut self, m: envelope::Opened, now: Now) -> Result<(), Error> {
        let inner = match self.role {
            Role::Client => self.accept_as_client(&m, now)?,
            Role::Server => self.accept_as_server(&m, now)?,
        };
        self.recent.insert(m.msg_id);
        let Some(inner) = inner else {
            let msg = Message {
                msg_id: m.msg_id,
                seq_no: m.seq_no,
                body: m.body,
            };
            if self.role == Role::Server {
                self.note_new_session(msg.msg_id, now);
            }
            return self.process(msg, now);
        };
        if self.role == Role::Server {
            let first = inner.iter().map(|i| i.msg_id).min().unwrap_or(m.msg_id);
            self.note_new_session(first, now);
        }
        let mut result = Ok(());
        for msg in inner {
            if let Err(e) = self.recent.check(msg.msg_id) {
                // Resent inside a new container: acknowledge again, skip.
                if is_content_related(msg.seq_no) {
                    self.acks.push(msg.msg_id, now.mono);
                }
                tracing::debug!(error = %e, "skipping a message already received");
                continue;
            }
            self.recent.insert(msg.msg_id);
            let r = self.process(msg, now);
            if result.is_ok() {
                result = r;
            }
        }
        result
    }

    /// Checks common to both roles: parity, replay. An authentic duplicate
    /// that needed an ack is acked again (its first ack may have been lost).
    fn check_id(&mut self, m: &envelope::Opened, now: Now) -> Result<(), Error> {
        let parity_ok = match self.role {
            Role::Client => m.msg_id & 1 == 1,
            Role::Server => m.msg_id & 3 == 0,
        };
        if !parity_ok {
            return Err(Error::MsgIdParity { msg_id: m.msg_id });
        }
        if let Err(e) = self.recent.check(m.msg_id) {
            if is_content_related(m.seq_no) && matches!(e, Error::DuplicateMsgId { .. }) {
                self.acks.push(m.msg_id, now.mono);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Validates a container body; `None` for a single message.
    fn unpack_checked(&self, m: &envelope::Opened) -> Result<Option<Vec<Message>>, Error> {
        if constructor_of(&m.body)? != MSG_CONTAINER_ID {
            return Ok(None);
        }
        let inner = container::unpack(m.msg_id, &m.body)?;
        for i in &inner {
            let ok = match self.role {
                Role::Client => i.msg_id & 1 == 1,
                Role::Server => i.msg_id & 3 == 0,
            };
            if !ok {
                return Err(Error::MsgIdParity { msg_id: i.msg_id });
            }
        }
        Ok(Some(inner))
    }

    fn accept_as_client(
        &mut self,
        m: &envelope::Opened,
        now: Now,
    ) -> Result<Option<Vec<Message>>, Error> {
        if m.session_id != self.session_id {
            return Err(Error::SessionId {
                got: m.session_id,
                expected: self.session_id,
            });
        }
        self.check_id(m, now)?;
        let exempt = matches!(
            constructor_of(&m.body),
            Ok(t::BadServerSalt::CONSTRUCTOR_ID | t::BadMsgNotification::CONSTRUCTOR_ID)
        );
        if self.time_synced && !exempt {
            if let Err(e) = check_time(m.msg_id, now.unix_secs(self.ids.offset())) {
                // Authentic, new, yet "outside the window" again and again:
                // our clock is what is wrong. Stop trusting it until the
                // next bad_msg_notification 16/17 corrects it.
                self.time_rejects += 1;
                if self.time_rejects >= MAX_TIME_REJECTS {
                    tracing::warn!(
                        "server messages keep failing the time check; clock no longer trusted"
                    );
                    self.time_synced = false;
                    self.time_rejects = 0;
                }
                return Err(e);
            }
        }
        self.time_rejects = 0;
        self.unpack_checked(m)
    }

    fn accept_as_server(
        &mut self,
        m: &envelope::Opened,
        now: Now,
    ) -> Result<Option<Vec<Message>>, Error> {
        if !self.has_session || m.session_id != self.session_id {
            self.adopt_session(m.session_id);
        }
        if let Err(e) = self.check_id(m, now) {
            if matches!(e, Error::MsgIdParity { .. }) {
                return Err(self.refuse(m, 18, now));
            }
            return Err(e);
        }
        let server_now = now.unix_secs(0);
        if let Err(Error::MsgIdTime { skew, .. }) = check_time(m.msg_id, server_now) {
            // 16: msg_id too low; 17: msg_id too high.
            return Err(self.refuse(m, if skew < 0 { 16 } else { 17 }, now));
        }
        if !self.salts.accepts(m.salt, server_now) {
            return Err(self.refuse(m, 48, now));
        }
        if let Some(code) = self.refuse_next.take() {
            return Err(self.refuse(m, code, now));
        }
        self.unpack_checked(m)
    }

    /// Handles one accepted message: ack bookkeeping, then dispatch.
    pub(super) fn process(&mut self, msg: Message, now: Now) -> Result<(), Error> {
        if is_content_related(msg.seq_no) {
            self.acks.push(msg.msg_id, now.mono);
        }
        self.dispatch(msg.msg_id, msg.seq_no, &msg.body, now, true)
    }

    /// Routes one object by constructor (`msg_id` and `seq_no` are its
    /// message's). `outer` is false for the contents of `gzip_packed`, which
    /// may not nest.
    fn dispatch(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        body: &[u8],
        now: Now,
        outer: bool,
    ) -> Result<(), Error> {
        let id = constructor_of(body)?;
        match id {
            MSG_CONTAINER_ID | super::wire::MSG_COPY_ID => Err(Error::NestedContainer),
            GZIP_PACKED_ID if outer => {
                let inflated = gzip::unpack(body, self.config.max_inflated)?;
                self.dispatch(msg_id, seq_no, &inflated, now, false)
            }
            GZIP_PACKED_ID => Err(Error::Unexpected { constructor: id }),
            t::MsgsAck::CONSTRUCTOR_ID
            | t::MsgsStateInfo::CONSTRUCTOR_ID
            | t::MsgsAllInfo::CONSTRUCTOR_ID => {
                tracing::trace!(name = tl::name_for_id(id), "informational service message");
                Ok(())
            }
            t::MsgsStateReq::CONSTRUCTOR_ID => self.on_msgs_state_req(msg_id, body),
            tl::functions::Ping::CONSTRUCTOR_ID
            | tl::functions::PingDelayDisconnect::CONSTRUCTOR_ID => self.on_ping(msg_id, body),
            t::HttpWait::CONSTRUCTOR_ID => Ok(()),
            _ => match self.role {
                Role::Client => self.dispatch_client(msg_id, id, body, now),
                Role::Server => self.dispatch_server(msg_id, seq_no, id, body, now),
            },
        }
    }

    fn dispatch_client(
        &mut self,
        msg_id: i64,
        id: u32,
        body: &[u8],
        now: Now,
    ) -> Result<(), Error> {
        match id {
            RPC_RESULT_ID => self.on_rpc_result(body),
            t::BadMsgNotification::CONSTRUCTOR_ID | t::BadServerSalt::CONSTRUCTOR_ID => {
                self.on_bad_msg(msg_id, body, now)
            }
            t::NewSessionCreated::CONSTRUCTOR_ID => self.on_new_session_created(body, now),
            t::FutureSalts::CONSTRUCTOR_ID => self.on_future_salts(body, now),
            t::Pong::CONSTRUCTOR_ID => self.on_pong(body),
            t::MsgDetailedInfo::CONSTRUCTOR_ID | t::MsgNewDetailedInfo::CONSTRUCTOR_ID => {
                self.on_detailed_info(body, now)
            }
            t::MsgResendReq::CONSTRUCTOR_ID | t::MsgResendAnsReq::CONSTRUCTOR_ID => {
                self.on_resend_req(body)
            }
            t::DestroySessionOk::CONSTRUCTOR_ID | t::DestroySessionNone::CONSTRUCTOR_ID => Ok(()),
            _ => {
                self.events.push_back(super::Event::Update {
                    body: body.to_vec(),
                });
                Ok(())
            }
        }
    }
}
