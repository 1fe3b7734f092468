//! Server role: handlers for what a client sends, the answering API, and the
//! two answers both roles give (`pong`, `msgs_state_info`).
//!
//! Behaviour follows docs/architecture.md#interoperability: `pong` and `future_salts` are
//! top-level, never inside `rpc_result`; a wrong or zero salt gets
//! `bad_server_salt` carrying the client's session id; every new session is
//! announced with `new_session_created`.

use tl::Identifiable;
use tl::types as t;

use super::clock::Now;
use super::envelope::Opened;
use super::error::Error;
use super::msg_id::MsgId;
use super::salts::{REQUEST_COUNT, Salt};
use super::service::{boxed, unbox};
use super::session::Outgoing;
use super::wire::RpcResult;
use super::{Event, Session, gzip};

impl Session {
    pub(super) fn dispatch_server(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        id: u32,
        body: &[u8],
        now: Now,
    ) -> Result<(), Error> {
        match id {
            tl::functions::GetFutureSalts::CONSTRUCTOR_ID => {
                let num = tl::Deserializable::from_bytes(body)
                    .map(|g: tl::functions::GetFutureSalts| g.num)
                    .unwrap_or(REQUEST_COUNT);
                self.answer_future_salts(msg_id, num, now);
                Ok(())
            }
            super::wire::RPC_RESULT_ID
            | t::BadMsgNotification::CONSTRUCTOR_ID
            | t::BadServerSalt::CONSTRUCTOR_ID
            | t::NewSessionCreated::CONSTRUCTOR_ID
            | t::FutureSalts::CONSTRUCTOR_ID
            | t::Pong::CONSTRUCTOR_ID => Err(Error::Unexpected { constructor: id }),
            t::MsgResendReq::CONSTRUCTOR_ID | t::MsgResendAnsReq::CONSTRUCTOR_ID => Ok(()),
            _ => {
                self.unanswered.insert(msg_id, seq_no);
                self.events.push_back(Event::Request {
                    msg_id: MsgId(msg_id),
                    body: body.to_vec(),
                });
                Ok(())
            }
        }
    }

    /// Server: the client switched to (or started) session `id`.
    pub(super) fn adopt_session(&mut self, id: i64) {
        self.session_id = id;
        self.has_session = true;
        self.created = false;
        self.seq = super::seq::SeqNo::new();
        self.recent.clear();
        self.acks = super::acks::PendingAcks::new();
        self.service.clear();
        self.unanswered.clear();
    }

    /// Server: announces a new session at its first accepted message.
    pub(super) fn note_new_session(&mut self, first_msg_id: i64, now: Now) {
        if self.created {
            return;
        }
        self.created = true;
        self.sessions_created += 1;
        let body = boxed(&t::NewSessionCreated {
            first_msg_id,
            unique_id: self.key.id() ^ self.sessions_created.wrapping_mul(0x61c8_8646_80b5_83eb),
            server_salt: self.salts.current(now.unix_secs(0)),
        });
        self.queue(body, true, false);
    }

    /// Server: queues `bad_msg_notification` (or `bad_server_salt` for 48)
    /// about `m` and returns the error to report.
    pub(super) fn refuse(&mut self, m: &Opened, code: i32, now: Now) -> Error {
        let body = if code == 48 {
            boxed(&t::BadServerSalt {
                bad_msg_id: m.msg_id,
                bad_msg_seqno: m.seq_no,
                error_code: 48,
                new_server_salt: self.salts.current(now.unix_secs(0)),
            })
        } else {
            boxed(&t::BadMsgNotification {
                bad_msg_id: m.msg_id,
                bad_msg_seqno: m.seq_no,
                error_code: code,
            })
        };
        self.queue(body, false, true);
        Error::Refused { code }
    }

    fn queue(&mut self, body: Vec<u8>, content_related: bool, response: bool) {
        self.service.push_back(Outgoing {
            body,
            content_related,
            response,
        });
    }

    fn answer_future_salts(&mut self, req_msg_id: i64, num: i32, now: Now) {
        let server_now = now.unix_secs(0);
        let salts = self
            .salts
            .upcoming(server_now, usize::try_from(num).unwrap_or(1))
            .into_iter()
            .map(|s| t::FutureSalt {
                valid_since: s.valid_since,
                valid_until: s.valid_until,
                salt: s.salt,
            })
            .collect();
        let body = boxed(&t::FutureSalts {
            req_msg_id,
            now: i32::try_from(server_now).unwrap_or(i32::MAX),
            salts: tl::RawVec(salts),
        });
        self.queue(body, false, true);
    }

    /// Both roles: `ping` / `ping_delay_disconnect` get a top-level `pong`.
    pub(super) fn on_ping(&mut self, msg_id: i64, body: &[u8]) -> Result<(), Error> {
        let mut cur = tl::Cursor::new(body);
        cur.read_u32()?;
        let ping_id = cur.read_i64()?;
        self.queue(boxed(&t::Pong { msg_id, ping_id }), false, true);
        Ok(())
    }

    /// Both roles: `msgs_state_req` gets `msgs_state_info` with one status
    /// byte per id (1 unknown/forgotten, 2 not received, 3 not received yet
    /// (too high), 4 received, +8 already acknowledged).
    pub(super) fn on_msgs_state_req(&mut self, msg_id: i64, body: &[u8]) -> Result<(), Error> {
        let req = unbox::<t::MsgsStateReq>(body)?;
        let info = req
            .msg_ids
            .iter()
            .map(|&id| {
                if self.recent.contains(id) {
                    if self.acks.contains(id) { 4 } else { 4 + 8 }
                } else if self.recent.highest().is_none_or(|h| id > h) {
                    3
                } else if self.recent.check(id).is_err() {
                    1
                } else {
                    2
                }
            })
            .collect();
        let body = boxed(&t::MsgsStateInfo {
            req_msg_id: msg_id,
            info,
        });
        self.queue(body, false, true);
        Ok(())
    }

    /// Server: answers query `req_msg_id` with `result` (a serialized TL
    /// object) in an `rpc_result`, gzip-packed when large. Returns false,
    /// sending nothing, if `req_msg_id` is not an unanswered query of the
    /// current session (the client moved to another session meanwhile).
    pub fn respond(&mut self, req_msg_id: MsgId, result: Vec<u8>) -> bool {
        if !self.unanswered.contains_key(&req_msg_id.0) {
            return false;
        }
        let result = gzip::pack_if_smaller(result, self.config.compression_threshold);
        self.queue_result(req_msg_id, &result);
        true
    }

    /// Server: answers query `req_msg_id` with `rpc_error`; returns false
    /// as [`Session::respond`] does.
    pub fn respond_error(&mut self, req_msg_id: MsgId, code: i32, message: &str) -> bool {
        if !self.unanswered.contains_key(&req_msg_id.0) {
            return false;
        }
        let err = boxed(&t::RpcError {
            error_code: code,
            error_message: message.to_owned(),
        });
        self.queue_result(req_msg_id, &err);
        true
    }

    fn queue_result(&mut self, req_msg_id: MsgId, result: &[u8]) {
        self.unanswered.remove(&req_msg_id.0);
        let mut body = Vec::with_capacity(12 + result.len());
        RpcResult {
            req_msg_id: req_msg_id.0,
            result,
        }
        .serialize(&mut body);
        // The rpc_result acknowledges the query itself.
        self.acks.remove(req_msg_id.0);
        self.queue(body, true, true);
    }

    /// Server: sends an object that answers nothing (an update), as a
    /// content-related message.
    pub fn send_update(&mut self, body: Vec<u8>) {
        self.queue(body, true, false);
    }

    /// Server: sends any serialized object as a top-level message, for
    /// tests and fault scripts.
    pub fn send_raw(&mut self, body: Vec<u8>, content_related: bool, response: bool) {
        self.queue(body, content_related, response);
    }

    /// Server: the salts accepted and handed out: `current` plus `future`
    /// ones with their validity periods. Messages with any other salt get
    /// `bad_server_salt`.
    pub fn set_salts(&mut self, current: i64, future: Vec<Salt>, now: Now) {
        self.salts.reset(current);
        self.salts.add_future(now.unix_secs(0), future);
    }

    /// Server: refuses query `req_msg_id`, already received and not answered
    /// yet, with `bad_server_salt` carrying the current salt, as if its salt
    /// had been wrong (for fault scripts: the client must send the query
    /// again, with a new msg_id). The query is not acknowledged. Returns
    /// false, sending nothing, as [`Session::respond`] does.
    pub fn reject_with_bad_salt(&mut self, req_msg_id: MsgId, now: Now) -> bool {
        let Some(seq_no) = self.unanswered.remove(&req_msg_id.0) else {
            return false;
        };
        self.acks.remove(req_msg_id.0);
        let body = boxed(&t::BadServerSalt {
            bad_msg_id: req_msg_id.0,
            bad_msg_seqno: seq_no,
            error_code: 48,
            new_server_salt: self.salts.current(now.unix_secs(0)),
        });
        self.queue(body, false, true);
        true
    }

    /// Server: refuses the next accepted message with
    /// `bad_msg_notification` `code` (48: `bad_server_salt`), for fault
    /// scripts.
    pub fn refuse_next(&mut self, code: i32) {
        self.refuse_next = Some(code);
    }

    /// Server: forgets the client's session, as a server may at any time;
    /// the next message gets `new_session_created`.
    pub fn forget_session(&mut self) {
        self.created = false;
        self.seq = super::seq::SeqNo::new();
        self.recent.clear();
        self.acks = super::acks::PendingAcks::new();
        self.service.clear();
        self.unanswered.clear();
    }
}
