//! Message sequence numbers.
//!
//! <https://core.telegram.org/mtproto/description#message-sequence-number-msg-seqno>:
//! twice the number of content-related messages the sender created before
//! this one, plus one if this one is content-related. So a content-related
//! message has an odd seqno and bumps the counter; any other message (acks,
//! containers, `msgs_state_info`, ...) has an even seqno and leaves it.

/// The sender's count of content-related messages.
#[derive(Clone, Debug, Default)]
pub struct SeqNo {
    content_sent: i32,
}

impl SeqNo {
    /// A counter at zero, for a new session.
    pub fn new() -> Self {
        Self::default()
    }

    /// The seqno of the next message; bumps the counter when
    /// `content_related`.
    pub fn next(&mut self, content_related: bool) -> i32 {
        let base = self.content_sent.wrapping_mul(2);
        if content_related {
            self.content_sent = self.content_sent.wrapping_add(1);
            base.wrapping_add(1)
        } else {
            base
        }
    }

    /// How many content-related messages were numbered so far.
    pub fn content_sent(&self) -> i32 {
        self.content_sent
    }
}

/// Whether a received seqno marks a content-related message (which must be
/// acknowledged).
pub fn is_content_related(seq_no: i32) -> bool {
    seq_no & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_odd_service_even() {
        let mut s = SeqNo::new();
        assert_eq!(s.next(false), 0);
        assert_eq!(s.next(true), 1);
        assert_eq!(s.next(true), 3);
        assert_eq!(s.next(false), 4);
        assert_eq!(s.next(false), 4);
        assert_eq!(s.next(true), 5);
        assert_eq!(s.content_sent(), 3);
        assert!(is_content_related(5));
        assert!(!is_content_related(4));
        assert!(is_content_related(-1));
    }
}
