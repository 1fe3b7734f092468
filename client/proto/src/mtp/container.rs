//! `msg_container`: several messages in one.
//!
//! <https://core.telegram.org/mtproto/service_messages#simple-container>:
//! every message inside has a lower msg_id than the container; a container
//! needs no acknowledgement and may not carry other containers; it holds at
//! most 1024 messages. Telethon (`tl/core/messagecontainer.py`) also caps the
//! payload at 1044456 − 8 bytes, past which Telegram closes the connection.
//! A container is accepted or rejected as a whole, so [`unpack`] checks every
//! rule before returning anything.

use tl::Cursor;

use super::error::Error;
use super::wire::{MSG_CONTAINER_ID, MSG_COPY_ID, Message};

/// The most messages a container may hold, per the documentation.
pub const MAX_MESSAGES_IN: usize = 1024;
/// The most messages we put in one (a little under the limit).
pub const MAX_MESSAGES_OUT: usize = 1020;
/// The most payload bytes we put in one (Telethon's limit).
pub const MAX_PAYLOAD: usize = 1_044_456 - 8;
/// Bytes of the container's own header: constructor id and count.
pub const HEADER_LEN: usize = 8;

/// Whether one more message of `next_len` wire bytes fits in a container
/// that already holds `count` messages of `payload` bytes.
pub fn fits(count: usize, payload: usize, next_len: usize) -> bool {
    count < MAX_MESSAGES_OUT && payload + next_len <= MAX_PAYLOAD
}

/// Serializes a boxed `msg_container` of `messages`.
pub fn pack(messages: &[Message]) -> Vec<u8> {
    let payload: usize = messages.iter().map(Message::wire_len).sum();
    let mut buf = Vec::with_capacity(HEADER_LEN + payload);
    buf.extend_from_slice(&MSG_CONTAINER_ID.to_le_bytes());
    let count = i32::try_from(messages.len()).unwrap_or(i32::MAX);
    buf.extend_from_slice(&count.to_le_bytes());
    for m in messages {
        m.serialize(&mut buf);
    }
    buf
}

/// Whether `body` is a container or message copy (both may not nest).
pub fn is_container(body: &[u8]) -> bool {
    matches!(
        Cursor::new(body).peek_u32(),
        Ok(MSG_CONTAINER_ID | MSG_COPY_ID)
    )
}

/// Reads the boxed `msg_container` `body` of message `container_msg_id`.
pub fn unpack(container_msg_id: i64, body: &[u8]) -> Result<Vec<Message>, Error> {
    let mut cur = Cursor::new(body);
    cur.expect_id(MSG_CONTAINER_ID, "MessageContainer")?;
    let count = cur.read_i32()?;
    let n = usize::try_from(count)
        .ok()
        .filter(|&n| n <= MAX_MESSAGES_IN)
        .ok_or(Error::ContainerCount {
            count: count.into(),
        })?;
    // Each message takes at least its header; no need to allocate for more.
    let mut out = Vec::with_capacity(n.min(cur.remaining() / super::wire::MESSAGE_HEADER_LEN));
    for _ in 0..n {
        let m = Message::deserialize(&mut cur)?;
        if m.msg_id >= container_msg_id {
            return Err(Error::ContainerMsgId {
                inner: m.msg_id,
                container: container_msg_id,
            });
        }
        if is_container(&m.body) {
            return Err(Error::NestedContainer);
        }
        out.push(m);
    }
    if cur.remaining() != 0 {
        return Err(Error::TrailingBytes {
            extra: cur.remaining(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(msg_id: i64, body: &[u8]) -> Message {
        Message {
            msg_id,
            seq_no: 1,
            body: body.to_vec(),
        }
    }

    #[test]
    fn pack_unpack_round_trip() {
        let msgs = vec![msg(4, &[1, 0, 0, 0]), msg(8, &[]), msg(12, &[7; 64])];
        let body = pack(&msgs);
        assert!(is_container(&body));
        assert_eq!(unpack(16, &body), Ok(msgs));
        assert_eq!(unpack(16, &pack(&[])), Ok(vec![]));
    }

    #[test]
    fn inner_ids_must_be_lower() {
        let body = pack(&[msg(4, &[0; 4]), msg(16, &[0; 4])]);
        assert_eq!(
            unpack(16, &body),
            Err(Error::ContainerMsgId {
                inner: 16,
                container: 16
            })
        );
    }

    #[test]
    fn nesting_is_refused() {
        let inner = pack(&[msg(4, &[0; 4])]);
        assert_eq!(
            unpack(16, &pack(&[msg(8, &inner)])),
            Err(Error::NestedContainer)
        );
        let copy = MSG_COPY_ID.to_le_bytes();
        assert_eq!(
            unpack(16, &pack(&[msg(8, &copy)])),
            Err(Error::NestedContainer)
        );
    }

    #[test]
    fn counts_and_lengths_are_checked() {
        let mut body = pack(&[msg(4, &[0; 4])]);
        body[4..8].copy_from_slice(&2000i32.to_le_bytes());
        assert_eq!(
            unpack(16, &body),
            Err(Error::ContainerCount { count: 2000 })
        );
        body[4..8].copy_from_slice(&(-1i32).to_le_bytes());
        assert_eq!(unpack(16, &body), Err(Error::ContainerCount { count: -1 }));
        body[4..8].copy_from_slice(&2i32.to_le_bytes());
        assert!(matches!(unpack(16, &body), Err(Error::Decode(_))));
        body[4..8].copy_from_slice(&0i32.to_le_bytes());
        assert_eq!(unpack(16, &body), Err(Error::TrailingBytes { extra: 20 }));
        assert!(unpack(16, &[1, 2, 3, 4]).is_err());
    }

    #[test]
    fn size_limits() {
        assert!(fits(0, 0, MAX_PAYLOAD));
        assert!(!fits(0, 1, MAX_PAYLOAD));
        assert!(!fits(MAX_MESSAGES_OUT, 0, 16));
    }
}
