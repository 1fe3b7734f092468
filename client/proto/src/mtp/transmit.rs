//! Building outgoing frames.
//!
//! Each [`Session::poll_transmit`] call sends what is waiting in one frame:
//! pending acks (only with other messages, unless overdue), service
//! messages, then queued queries, packed into a `msg_container` when there is
//! more than one (<https://core.telegram.org/mtproto/service_messages#containers>).
//! Inner messages get their msg_ids and seqnos first; the container gets a
//! higher msg_id and an even seqno after them, as the description requires
//! ("a container is always generated after its entire contents").

use super::clock::{Now, Random};
use super::container;
use super::envelope::{self, Header};
use super::outbox::Sent;
use super::service::boxed;
use super::wire::{MESSAGE_HEADER_LEN, Message};
use super::{Role, Session};

/// Messages gathered for one frame.
#[derive(Default)]
struct Batch {
    messages: Vec<Message>,
    payload: usize,
}

impl Batch {
    fn fits(&self, body_len: usize) -> bool {
        self.messages.is_empty()
            || container::fits(
                self.messages.len(),
                self.payload,
                MESSAGE_HEADER_LEN + body_len,
            )
    }
}

impl Session {
    /// The next frame to send, if anything is waiting. Call until `None`
    /// after every other call on the session.
    pub fn poll_transmit(&mut self, now: Now, rng: &mut dyn Random) -> Option<Vec<u8>> {
        match self.role {
            Role::Client => {
                if self.fresh_session {
                    self.start_fresh_session(rng);
                }
                self.before_transmit(now);
            }
            Role::Server if !self.has_session => return None,
            Role::Server => {}
        }
        let mut batch = Batch::default();
        let others = !self.service.is_empty() || self.out.has_queued();
        if !self.acks.is_empty() && (others || self.acks.due(now.mono, self.config.ack_delay)) {
            let ids = self.acks.take();
            let body = boxed(&tl::types::MsgsAck {
                msg_ids: ids.clone(),
            });
            let msg_id = self.add(&mut batch, body, false, false, now);
            if self.role == Role::Client {
                self.out.record(msg_id, Sent::Acks(ids));
            }
        }
        while let Some(o) = self.service.front() {
            if !batch.fits(o.body.len()) {
                break;
            }
            let Some(o) = self.service.pop_front() else {
                break;
            };
            self.add(&mut batch, o.body, o.content_related, o.response, now);
        }
        while let Some((id, req)) = self.out.peek_queued() {
            let alone = req.alone;
            if !batch.messages.is_empty() && (alone || !batch.fits(req.body.len())) {
                break;
            }
            let body = req.body.clone();
            self.out.pop_queued();
            let msg_id = self.add(&mut batch, body, true, false, now);
            self.out.mark_sent(id, msg_id);
            if alone {
                break;
            }
        }
        self.seal(batch, now, rng)
    }

    /// Numbers one message and adds it to the batch; returns its msg_id.
    fn add(
        &mut self,
        batch: &mut Batch,
        body: Vec<u8>,
        content: bool,
        response: bool,
        now: Now,
    ) -> i64 {
        let msg_id = self.next_msg_id(now, response);
        let m = Message {
            msg_id,
            seq_no: self.seq.next(content),
            body,
        };
        batch.payload += m.wire_len();
        batch.messages.push(m);
        msg_id
    }

    fn next_msg_id(&mut self, now: Now, response: bool) -> i64 {
        match self.role {
            Role::Client => self.ids.next_client(now.unix),
            Role::Server => self.ids.next_server(now.unix, response),
        }
    }

    /// Wraps the batch (in a container if needed) and encrypts it.
    fn seal(&mut self, mut batch: Batch, now: Now, rng: &mut dyn Random) -> Option<Vec<u8>> {
        let (msg_id, seq_no, body) = if batch.messages.len() > 1 {
            let msg_id = self.next_msg_id(now, false);
            let seq_no = self.seq.next(false);
            if self.role == Role::Client {
                let inner = batch.messages.iter().map(|m| m.msg_id).collect();
                self.out.record(msg_id, Sent::Container(inner));
            }
            (msg_id, seq_no, container::pack(&batch.messages))
        } else {
            let m = batch.messages.pop()?;
            (m.msg_id, m.seq_no, m.body)
        };
        let header = Header {
            salt: self.salts.current(now.unix_secs(self.ids.offset())),
            session_id: self.session_id,
            msg_id,
            seq_no,
        };
        Some(envelope::seal(
            &self.key,
            self.dir_out(),
            header,
            &body,
            rng,
        ))
    }

    /// Client: a new session id and seqno 0, after the server complained
    /// about seqnos or our msg_ids had to go back in time. Queries in flight
    /// belonged to the old session and are resent; answers still arriving
    /// in the old session are refused (wrong session id), and the old
    /// msg_ids are forgotten since the new session may reuse them.
    fn start_fresh_session(&mut self, rng: &mut dyn Random) {
        self.session_id = rng.next_i64();
        self.seq = super::seq::SeqNo::new();
        if self.restart_ids {
            self.ids.reset();
            self.restart_ids = false;
        }
        // Pending acks are kept: the server ignores ids it does not know,
        // and an unacked message of the old session would be resent.
        self.service.retain(|o| o.content_related);
        self.out.forget_sent();
        self.fresh_session = false;
        tracing::debug!(
            session_id = self.session_id,
            "started a fresh MTProto session"
        );
    }
}
