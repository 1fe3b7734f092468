//! The abridged transport
//! (<https://core.telegram.org/mtproto/mtproto-transports#abridged>).
//!
//! The client first sends the byte `0xef`. Each frame is then a length in
//! 4-byte words followed by the payload: one byte when the word count is
//! `0x01..=0x7e`, otherwise `0x7f` and the word count as 3 little-endian
//! bytes. A client sets the top bit of the first length byte to ask for a
//! quick ack (same page, "Quick ack"); a server-role decoder accepts and
//! ignores that bit. A client-role decoder skips a quick-ack word (4 bytes,
//! big-endian, top bit set) it never asked for.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{
    DEFAULT_MAX_FRAME, QuickAck, Role, StatusFrame, TagState, TransportError, check_outgoing,
    reserve_frame, status_of,
};

/// The tag a client sends before its first frame.
pub(crate) const TAG: &[u8] = &[0xef];

/// The largest payload the 3-byte word count can express.
const MAX_REPRESENTABLE: usize = ((1 << 24) - 1) * 4;

/// The abridged framing, in either role.
#[derive(Clone, Debug)]
pub struct Abridged {
    role: Role,
    tag: TagState,
    max_frame: usize,
}

impl Abridged {
    /// A codec that sends (client) or expects (server) the `0xef` tag.
    pub fn new(role: Role) -> Self {
        Self::build(role, true)
    }

    /// A codec without the tag: for use under obfuscation, where the tag
    /// travels inside the init, or when the listener already consumed it.
    pub fn untagged(role: Role) -> Self {
        Self::build(role, false)
    }

    fn build(role: Role, tagged: bool) -> Self {
        Abridged {
            role,
            tag: TagState::new(TAG, role, tagged),
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame;
        self
    }

    fn max(&self) -> usize {
        self.max_frame.min(MAX_REPRESENTABLE)
    }

    fn write_frame(&mut self, body: &[u8], dst: &mut BytesMut) {
        self.tag.on_encode(dst);
        let words = body.len() / 4;
        dst.reserve(4 + body.len());
        if words < 0x7f {
            dst.put_u8(words as u8);
        } else {
            dst.put_u8(0x7f);
            dst.put_slice(&(words as u32).to_le_bytes()[..3]);
        }
        dst.put_slice(body);
    }
}

impl Decoder for Abridged {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        if !self.tag.on_decode(src)? {
            return Ok(None);
        }
        let first = loop {
            let Some(&first) = src.first() else {
                return Ok(None);
            };
            // A client reads a first byte with the top bit set as an
            // unrequested quick ack (4 bytes, big-endian) and skips it.
            if self.role == Role::Client && first & 0x80 != 0 {
                if src.len() < 4 {
                    return Ok(None);
                }
                src.advance(4);
                continue;
            }
            break first;
        };
        let first = match self.role {
            Role::Server => first & 0x7f,
            Role::Client => first,
        };
        let (header, words) = match first {
            0..0x7f => (1, usize::from(first)),
            0x7f => {
                if src.len() < 4 {
                    return Ok(None);
                }
                (4, u32::from_le_bytes([src[1], src[2], src[3], 0]) as usize)
            }
            _ => return Err(TransportError::BadLength(u32::from(first))),
        };
        let len = words * 4;
        if len == 0 {
            return Err(TransportError::EmptyFrame);
        }
        if len > self.max() {
            return Err(TransportError::TooLarge {
                len,
                max: self.max(),
            });
        }
        if src.len() < header + len {
            reserve_frame(src, header + len);
            return Ok(None);
        }
        src.advance(header);
        let frame = src.split_to(len);
        match status_of(&frame) {
            Some(code) if self.role == Role::Client => Err(TransportError::Status(code)),
            _ => Ok(Some(frame)),
        }
    }
}

impl Encoder<Bytes> for Abridged {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        check_outgoing(item.len(), self.max())?;
        self.write_frame(&item, dst);
        Ok(())
    }
}

impl Encoder<QuickAck> for Abridged {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.tag.on_encode(dst);
        dst.put_u32(item.0 | 0x8000_0000);
        Ok(())
    }
}

impl Encoder<StatusFrame> for Abridged {
    type Error = TransportError;

    /// Writes a one-word frame holding the error code.
    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.write_frame(&item.0.to_le_bytes(), dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::testutil::{cuts, encode_all, feed, payloads, positions};
    use super::*;

    fn enc(codec: &mut Abridged, payload: &[u8]) -> Vec<u8> {
        let mut dst = BytesMut::new();
        codec
            .encode(Bytes::copy_from_slice(payload), &mut dst)
            .unwrap();
        dst.to_vec()
    }

    #[test]
    fn client_sends_tag_once_then_short_length() {
        let mut c = Abridged::new(Role::Client);
        // One word: tag 0xef, length byte 0x01, payload.
        assert_eq!(enc(&mut c, &[1, 2, 3, 4]), [0xef, 0x01, 1, 2, 3, 4]);
        assert_eq!(enc(&mut c, &[5, 6, 7, 8]), [0x01, 5, 6, 7, 8]);
    }

    #[test]
    fn length_forms_at_the_boundary() {
        let mut c = Abridged::untagged(Role::Client);
        // 126 words fit the single byte 0x7e.
        assert_eq!(enc(&mut c, &[0; 126 * 4])[..1], [0x7e]);
        // 127 words need 0x7f then 127 as 3 little-endian bytes.
        assert_eq!(enc(&mut c, &[0; 127 * 4])[..4], [0x7f, 0x7f, 0x00, 0x00]);
        // 1024 bytes = 256 words = 0x000100.
        let out = enc(&mut c, &[9; 1024]);
        assert_eq!(out[..4], [0x7f, 0x00, 0x01, 0x00]);
        assert_eq!(out.len(), 4 + 1024);
    }

    #[test]
    fn server_strips_tag_and_decodes() {
        let mut s = Abridged::new(Role::Server);
        let mut src = BytesMut::from(&[0xef, 0x01, 1, 2][..]);
        assert_eq!(s.decode(&mut src), Ok(None));
        src.extend_from_slice(&[3, 4, 0x7f, 0x01]);
        assert_eq!(s.decode(&mut src).unwrap().unwrap(), &[1, 2, 3, 4][..]);
        // Half of an extended header.
        assert_eq!(s.decode(&mut src), Ok(None));
        src.extend_from_slice(&[0, 0, 1, 2, 3, 4]);
        assert_eq!(s.decode(&mut src).unwrap().unwrap(), &[1, 2, 3, 4][..]);
        assert!(src.is_empty());
    }

    #[test]
    fn server_rejects_wrong_tag() {
        let mut s = Abridged::new(Role::Server);
        let mut src = BytesMut::from(&[0xee, 0xee, 0xee, 0xee][..]);
        assert_eq!(
            s.decode(&mut src),
            Err(TransportError::BadTag {
                expected: vec![0xef],
                got: vec![0xee]
            })
        );
    }

    #[test]
    fn server_ignores_quick_ack_bit() {
        let mut s = Abridged::untagged(Role::Server);
        let mut src = BytesMut::from(&[0x81, 1, 2, 3, 4][..]);
        assert_eq!(s.decode(&mut src).unwrap().unwrap(), &[1, 2, 3, 4][..]);
        // A client never asks for quick acks: one it gets is skipped.
        let mut c = Abridged::untagged(Role::Client);
        let mut src = BytesMut::from(&[0x81, 1, 2, 3, 1, 4, 3, 2, 1][..]);
        assert_eq!(c.decode(&mut src).unwrap().unwrap(), &[4, 3, 2, 1][..]);
    }

    #[test]
    fn status_frames() {
        let mut s = Abridged::untagged(Role::Server);
        let mut wire = BytesMut::new();
        s.encode(StatusFrame(-404), &mut wire).unwrap();
        assert_eq!(&wire[..], &[0x01, 0x6c, 0xfe, 0xff, 0xff]);
        let mut c = Abridged::untagged(Role::Client);
        assert_eq!(c.decode(&mut wire), Err(TransportError::Status(-404)));
        // A positive one-word body is an ordinary payload.
        let mut src = BytesMut::from(&[0x01, 0x01, 0, 0, 0][..]);
        assert_eq!(c.decode(&mut src).unwrap().unwrap(), &[1, 0, 0, 0][..]);
    }

    #[test]
    fn bad_frames() {
        let mut c = Abridged::untagged(Role::Client);
        assert_eq!(
            c.decode(&mut BytesMut::from(&[0x00][..])),
            Err(TransportError::EmptyFrame)
        );
        // 0x7f 0xffffff words: far above the 16 MiB default; no allocation.
        let mut src = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff][..]);
        assert_eq!(
            c.decode(&mut src),
            Err(TransportError::TooLarge {
                len: MAX_REPRESENTABLE,
                max: DEFAULT_MAX_FRAME
            })
        );
        assert!(src.capacity() < 1024);
        let mut small = Abridged::untagged(Role::Client).with_max_frame(8);
        assert_eq!(
            small.decode(&mut BytesMut::from(&[0x03][..])),
            Err(TransportError::TooLarge { len: 12, max: 8 })
        );
    }

    #[test]
    fn encode_rejects_bad_payloads() {
        let mut c = Abridged::new(Role::Client);
        let mut dst = BytesMut::new();
        assert_eq!(
            c.encode(Bytes::new(), &mut dst),
            Err(TransportError::EmptyFrame)
        );
        assert_eq!(
            c.encode(Bytes::from_static(&[1, 2, 3]), &mut dst),
            Err(TransportError::Unaligned(3))
        );
        assert!(dst.is_empty(), "nothing written, not even the tag");
    }

    proptest! {
        #[test]
        fn client_to_server_round_trip(ps in payloads(), cs in cuts()) {
            let wire = encode_all(&mut Abridged::new(Role::Client), &ps);
            let mut server = Abridged::new(Role::Server);
            let (frames, left) = feed(&mut server, &wire, &positions(&cs, wire.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert_eq!(frames.iter().map(|f| f.to_vec()).collect::<Vec<_>>(), ps);
        }

        #[test]
        fn server_to_client_round_trip(ps in payloads(), cs in cuts()) {
            // A client reads 4-byte negative bodies as errors.
            prop_assume!(ps.iter().all(|p| status_of(p).is_none()));
            let wire = encode_all(&mut Abridged::new(Role::Server), &ps);
            let mut client = Abridged::new(Role::Client);
            let (frames, left) = feed(&mut client, &wire, &positions(&cs, wire.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert_eq!(frames.iter().map(|f| f.to_vec()).collect::<Vec<_>>(), ps);
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), cs in cuts()) {
            for role in [Role::Client, Role::Server] {
                let _ = feed(&mut Abridged::new(role), &bytes, &positions(&cs, bytes.len()));
                let _ = feed(&mut Abridged::untagged(role), &bytes, &positions(&cs, bytes.len()));
            }
        }
    }
}
