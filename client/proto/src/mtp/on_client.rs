//! Client role: one handler per service message from the server.
//!
//! <https://core.telegram.org/mtproto/service_messages> and
//! <https://core.telegram.org/mtproto/service_messages_about_messages>.

use tl::Identifiable;
use tl::types as t;

use super::clock::Now;
use super::error::Error;
use super::outbox::{Kind, Sent};
use super::salts::Salt;
use super::service::{boxed, unbox};
use super::session::Outgoing;
use super::wire::{RpcResult, constructor_of};
use super::{Event, RequestId, Session, gzip};

impl Session {
    /// `rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;`
    ///
    /// Resolves the query any copy of which was `req_msg_id`; the result may
    /// be `rpc_error` or `gzip_packed`. An answer to a query no longer
    /// tracked (already answered, forgotten) is ignored.
    pub(super) fn on_rpc_result(&mut self, body: &[u8]) -> Result<(), Error> {
        let r = RpcResult::parse(body)?;
        let Some(request) = self.out.lookup(r.req_msg_id) else {
            tracing::debug!(req_msg_id = r.req_msg_id, "rpc_result for no live query");
            return Ok(());
        };
        let Some(req) = self.out.resolve(request) else {
            return Ok(());
        };
        let answer = if gzip::is_packed(r.result) {
            gzip::unpack(r.result, self.config.max_inflated)
        } else {
            Ok(r.result.to_vec())
        };
        match req.kind {
            Kind::User => self.events.push_back(user_event(request, answer)),
            Kind::Ping => {
                self.pings.outstanding = None;
            }
            Kind::Salts => {
                if let Ok(answer) = answer {
                    if constructor_of(&answer)? == t::FutureSalts::CONSTRUCTOR_ID {
                        self.store_future_salts(&answer)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `bad_msg_notification#a7eff811 bad_msg_id:long bad_msg_seqno:int error_code:int`
    /// and `bad_server_salt#edab447b ... new_server_salt:long`.
    ///
    /// Acted upon only if `bad_msg_id` is something we sent. 16/17 (msg_id
    /// too low/high): take the server's time from this notification's
    /// msg_id and resend; 32/33 (seqno too low/high): start a fresh session
    /// and resend; 48: take the new salt and resend; 18/19/20: resend; 64
    /// (invalid container): resend outside containers; anything else fails
    /// the queries.
    pub(super) fn on_bad_msg(&mut self, msg_id: i64, body: &[u8], now: Now) -> Result<(), Error> {
        let (bad_msg_id, code, new_salt) = match constructor_of(body)? {
            t::BadServerSalt::CONSTRUCTOR_ID => {
                let b = unbox::<t::BadServerSalt>(body)?;
                (b.bad_msg_id, b.error_code, Some(b.new_server_salt))
            }
            _ => {
                let b = unbox::<t::BadMsgNotification>(body)?;
                (b.bad_msg_id, b.error_code, None)
            }
        };
        if !self.out.was_sent(bad_msg_id) {
            tracing::debug!(
                bad_msg_id,
                code,
                "bad_msg_notification about nothing we sent"
            );
            return Ok(());
        }
        tracing::debug!(bad_msg_id, code, "the server refused a message");
        match (code, new_salt) {
            (_, Some(salt)) => self.salts.reset(salt),
            (16 | 17, None) => self.correct_clock(code, msg_id, now),
            (32 | 33, None) => self.fresh_session = true,
            _ => {}
        }
        let outcome = match code {
            _ if new_salt.is_some() => Resend::Again,
            16..=20 | 32 | 33 | 48 => Resend::Again,
            64 => Resend::Alone,
            _ => Resend::Fail(Error::BadMsg { code }),
        };
        self.resend(bad_msg_id, &outcome, now);
        Ok(())
    }

    /// Takes the server's time from the msg_id of a `bad_msg_notification`
    /// 16 (our msg_id too low: the offset may only grow) or 17 (too high:
    /// it may only shrink), so a notification that sat in a queue cannot
    /// turn the clock the wrong way.
    fn correct_clock(&mut self, code: i32, msg_id: i64, now: Now) {
        let old = self.ids.offset();
        let new = self.ids.correct(msg_id, now.unix);
        let kept = if code == 16 {
            new.max(old)
        } else {
            new.min(old)
        };
        self.ids.set_offset(kept);
        // Our clock moved back: ids above the last one would still be too
        // high, so a fresh session restarts them.
        if kept < old && self.ids.would_reuse_time(now.unix) {
            self.fresh_session = true;
            self.restart_ids = true;
        }
        self.time_synced = true;
        self.time_rejects = 0;
    }

    /// Resends (or fails) whatever `msg_id` carried.
    fn resend(&mut self, msg_id: i64, outcome: &Resend, now: Now) {
        match self.out.take_sent(msg_id) {
            Some(Sent::Request(id)) => self.resend_request(id, msg_id, outcome),
            Some(Sent::Container(inner)) => {
                for m in inner {
                    self.resend(m, outcome, now);
                }
            }
            Some(Sent::Acks(ids)) => self.acks.restore(&ids, now.mono),
            None => {}
        }
    }

    fn resend_request(&mut self, id: RequestId, msg_id: i64, outcome: &Resend) {
        let kind = self.out.get(id).map(|r| r.kind);
        let failure = match outcome {
            Resend::Fail(e) => Some(e.clone()),
            Resend::Again | Resend::Alone => match self.out.requeue(id, msg_id, true) {
                Some(n) if n > self.config.max_resends => {
                    Some(Error::TooManyResends { attempts: n - 1 })
                }
                _ => None,
            },
        };
        if let Resend::Alone = outcome {
            self.out.set_alone(id);
        }
        if let Some(error) = failure {
            self.out.resolve(id);
            if kind == Some(Kind::User) {
                self.events.push_back(Event::Failed { request: id, error });
            }
        }
    }

    /// `new_session_created#9ec20908 first_msg_id:long unique_id:long server_salt:long`
    ///
    /// The server (re)created our session: take its salt; queries sent
    /// before `first_msg_id` were in the forgotten session and are resent.
    pub(super) fn on_new_session_created(&mut self, body: &[u8], _now: Now) -> Result<(), Error> {
        let n = unbox::<t::NewSessionCreated>(body)?;
        self.salts.reset(n.server_salt);
        self.out.requeue_in_flight(n.first_msg_id);
        self.events.push_back(Event::NewSession {
            first_msg_id: n.first_msg_id,
            unique_id: n.unique_id,
        });
        Ok(())
    }

    /// `future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt>`,
    /// sent top-level; `req_msg_id` must be our `get_future_salts`.
    pub(super) fn on_future_salts(&mut self, body: &[u8], _now: Now) -> Result<(), Error> {
        let f = unbox::<t::FutureSalts>(body)?;
        let id = self.out.lookup(f.req_msg_id);
        if id.and_then(|id| self.out.get(id)).map(|r| r.kind) != Some(Kind::Salts) {
            return Err(Error::Unexpected {
                constructor: t::FutureSalts::CONSTRUCTOR_ID,
            });
        }
        if let Some(id) = id {
            self.out.resolve(id);
        }
        self.store_future_salts(body)
    }

    fn store_future_salts(&mut self, body: &[u8]) -> Result<(), Error> {
        let f = unbox::<t::FutureSalts>(body)?;
        let salts = f.salts.0.iter().map(|s| Salt {
            valid_since: s.valid_since,
            valid_until: s.valid_until,
            salt: s.salt,
        });
        self.salts.add_future(i64::from(f.now), salts);
        Ok(())
    }

    /// `pong#347773c5 msg_id:long ping_id:long`, top-level: answers the ping
    /// sent as `msg_id` (ours, or one the caller pushed).
    pub(super) fn on_pong(&mut self, body: &[u8]) -> Result<(), Error> {
        let p = unbox::<t::Pong>(body)?;
        let Some(id) = self.out.lookup(p.msg_id) else {
            return Ok(());
        };
        if let Some(req) = self.out.resolve(id) {
            match req.kind {
                Kind::User => self.events.push_back(Event::Result {
                    request: id,
                    body: body.to_vec(),
                }),
                Kind::Ping => self.pings.outstanding = None,
                Kind::Salts => {}
            }
        }
        Ok(())
    }

    /// `msg_detailed_info` / `msg_new_detailed_info`: the server has an
    /// answer `answer_msg_id` for us. Ack it if we have it, else ask for it
    /// with `msg_resend_req`.
    pub(super) fn on_detailed_info(&mut self, body: &[u8], now: Now) -> Result<(), Error> {
        let answer = match constructor_of(body)? {
            t::MsgDetailedInfo::CONSTRUCTOR_ID => unbox::<t::MsgDetailedInfo>(body)?.answer_msg_id,
            _ => unbox::<t::MsgNewDetailedInfo>(body)?.answer_msg_id,
        };
        if self.recent.contains(answer) {
            self.acks.push(answer, now.mono);
        } else {
            self.service.push_back(Outgoing {
                body: boxed(&t::MsgResendReq {
                    msg_ids: vec![answer],
                }),
                content_related: false,
                response: false,
            });
        }
        Ok(())
    }

    /// `msg_resend_req` from the server: resend queries it names that are
    /// still in flight (with new msg_ids).
    pub(super) fn on_resend_req(&mut self, body: &[u8]) -> Result<(), Error> {
        let ids = match constructor_of(body)? {
            t::MsgResendReq::CONSTRUCTOR_ID => unbox::<t::MsgResendReq>(body)?.msg_ids,
            _ => unbox::<t::MsgResendAnsReq>(body)?.msg_ids,
        };
        for m in ids {
            if let Some(id) = self.out.lookup(m) {
                self.out.requeue(id, m, false);
            }
        }
        Ok(())
    }
}

/// What to do with a refused query.
enum Resend {
    Again,
    Alone,
    Fail(Error),
}

/// The event for a user query's answer.
fn user_event(request: RequestId, answer: Result<Vec<u8>, Error>) -> Event {
    let body = match answer {
        Ok(b) => b,
        Err(error) => return Event::Failed { request, error },
    };
    if constructor_of(&body) != Ok(t::RpcError::CONSTRUCTOR_ID) {
        return Event::Result { request, body };
    }
    match unbox::<t::RpcError>(&body) {
        Ok(e) => Event::RpcError {
            request,
            code: e.error_code,
            message: e.error_message,
        },
        Err(error) => Event::Failed { request, error },
    }
}
