//! The full transport
//! (<https://core.telegram.org/mtproto/mtproto-transports#full>).
//!
//! No tag. Each frame is: the total length (length field, sequence number,
//! payload and CRC, as 4 little-endian bytes), the sequence number of the
//! frame on this connection in this direction (first frame 0, then 1, ...),
//! the payload, and the CRC32 (IEEE) of the preceding bytes. The decoder
//! checks both the CRC and the sequence number.
//!
//! Transport errors: Telegram has been seen to send them unframed, as the
//! error code repeated where the length, sequence number and body would be
//! (Telethon `tcpfull.py`, citing LonamiWebs/Telethon#4042). A client decoder
//! therefore reads a negative length as the error code (grammers'
//! `transport/full.rs` does the same), and the server encoder writes
//! [`StatusFrame`]s in that form. A proper frame whose payload is a negative
//! `int32` is read as an error too.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{
    DEFAULT_MAX_FRAME, MAX_FRAME_CAP, QuickAck, Role, StatusFrame, TransportError, check_outgoing,
    reserve_frame, status_of, unframed_status,
};

/// Length field + sequence number + CRC.
const OVERHEAD: usize = 12;

/// The full framing, in either role.
#[derive(Clone, Debug)]
pub struct Full {
    role: Role,
    send_seq: u32,
    recv_seq: u32,
    max_frame: usize,
}

impl Full {
    /// A codec with both sequence numbers at 0.
    pub fn new(role: Role) -> Self {
        Full {
            role,
            send_seq: 0,
            recv_seq: 0,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame.min(MAX_FRAME_CAP);
        self
    }
}

impl Decoder for Full {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let mut raw = u32::from_le_bytes([src[0], src[1], src[2], src[3]]);
        while (raw as i32) < 0 && self.role == Role::Client {
            src.advance(4);
            if let Some(code) = unframed_status(raw) {
                return Err(TransportError::Status(code));
            }
            // An unrequested quick ack: skipped.
            if src.len() < 4 {
                return Ok(None);
            }
            raw = u32::from_le_bytes([src[0], src[1], src[2], src[3]]);
        }
        let len = raw as usize;
        if len < OVERHEAD || raw > i32::MAX as u32 {
            return Err(TransportError::BadLength(raw));
        }
        if len == OVERHEAD {
            return Err(TransportError::EmptyFrame);
        }
        if len - OVERHEAD > self.max_frame {
            return Err(TransportError::TooLarge {
                len: len - OVERHEAD,
                max: self.max_frame,
            });
        }
        if src.len() < len {
            reserve_frame(src, len);
            return Ok(None);
        }
        let body = &src[..len - 4];
        let got = u32::from_le_bytes([src[len - 4], src[len - 3], src[len - 2], src[len - 1]]);
        let expected = crc32fast::hash(body);
        if got != expected {
            return Err(TransportError::BadCrc { expected, got });
        }
        let seq = u32::from_le_bytes([src[4], src[5], src[6], src[7]]);
        if seq != self.recv_seq {
            return Err(TransportError::BadSeq {
                expected: self.recv_seq,
                got: seq,
            });
        }
        self.recv_seq = self.recv_seq.wrapping_add(1);
        let mut frame = src.split_to(len);
        frame.advance(8);
        frame.truncate(len - OVERHEAD);
        match status_of(&frame) {
            Some(code) if self.role == Role::Client => Err(TransportError::Status(code)),
            _ => Ok(Some(frame)),
        }
    }
}

impl Encoder<Bytes> for Full {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        check_outgoing(item.len(), self.max_frame)?;
        let start = dst.len();
        dst.reserve(item.len() + OVERHEAD);
        dst.put_u32_le((item.len() + OVERHEAD) as u32);
        dst.put_u32_le(self.send_seq);
        dst.put_slice(&item);
        let crc = crc32fast::hash(&dst[start..]);
        dst.put_u32_le(crc);
        self.send_seq = self.send_seq.wrapping_add(1);
        Ok(())
    }
}

impl Encoder<QuickAck> for Full {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        dst.put_u32_le(item.0 | 0x8000_0000);
        Ok(())
    }
}

impl Encoder<StatusFrame> for Full {
    type Error = TransportError;

    /// Writes the code three times, unframed, as Telegram does (see the
    /// module docs). The sequence number does not advance.
    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        for _ in 0..3 {
            dst.put_i32_le(item.0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::testutil::{cuts, encode_all, feed, payloads, positions};
    use super::*;

    // CRC32 values computed independently with Python's `zlib.crc32`.
    #[rustfmt::skip]
    const TWO_FRAMES: [u8; 32] = [
        16, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 66, 15, 181, 224,
        16, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4, 220, 15, 31, 44,
    ];

    #[test]
    fn known_frames() {
        let mut c = Full::new(Role::Client);
        let wire = encode_all(&mut c, &[vec![1, 2, 3, 4], vec![1, 2, 3, 4]]);
        assert_eq!(&wire[..], &TWO_FRAMES);

        let mut s = Full::new(Role::Server);
        let (frames, left) = feed(&mut s, &TWO_FRAMES, &[1, 13, 20]).unwrap();
        assert_eq!(left, 0);
        assert_eq!(frames, [&[1, 2, 3, 4][..], &[1, 2, 3, 4][..]]);
    }

    #[test]
    fn bad_crc() {
        let mut wire = BytesMut::from(&TWO_FRAMES[..16]);
        wire[9] ^= 0xff;
        let mut s = Full::new(Role::Server);
        assert!(matches!(
            s.decode(&mut wire),
            Err(TransportError::BadCrc {
                got: 0xe0b5_0f42,
                ..
            })
        ));
    }

    #[test]
    fn bad_seq() {
        // The second frame alone: seq 1 where 0 is expected.
        let mut wire = BytesMut::from(&TWO_FRAMES[16..]);
        let mut s = Full::new(Role::Server);
        assert_eq!(
            s.decode(&mut wire),
            Err(TransportError::BadSeq {
                expected: 0,
                got: 1
            })
        );
        // Replaying the first frame twice.
        let mut wire = BytesMut::from(&TWO_FRAMES[..16]);
        wire.extend_from_slice(&TWO_FRAMES[..16]);
        let mut s = Full::new(Role::Server);
        assert!(s.decode(&mut wire).unwrap().is_some());
        assert_eq!(
            s.decode(&mut wire),
            Err(TransportError::BadSeq {
                expected: 1,
                got: 0
            })
        );
    }

    #[test]
    fn status_errors() {
        let mut s = Full::new(Role::Server);
        let mut wire = BytesMut::new();
        s.encode(StatusFrame(-429), &mut wire).unwrap();
        assert_eq!(&wire[..], &[0x53, 0xfe, 0xff, 0xff].repeat(3)[..]);
        let mut c = Full::new(Role::Client);
        assert_eq!(c.decode(&mut wire), Err(TransportError::Status(-429)));

        // A framed 4-byte negative payload (CRC from Python's zlib).
        let mut framed = BytesMut::from(
            &[
                16, 0, 0, 0, 0, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff, 13, 47, 65, 7,
            ][..],
        );
        let mut c = Full::new(Role::Client);
        assert_eq!(c.decode(&mut framed), Err(TransportError::Status(-404)));

        // A server never reads a negative length as a status.
        let mut s = Full::new(Role::Server);
        let mut raw = BytesMut::from(&(-404i32).to_le_bytes()[..]);
        assert_eq!(
            s.decode(&mut raw),
            Err(TransportError::BadLength(-404i32 as u32))
        );
    }

    #[test]
    fn bad_lengths() {
        let mut c = Full::new(Role::Client);
        assert_eq!(
            c.decode(&mut BytesMut::from(&[8, 0, 0, 0][..])),
            Err(TransportError::BadLength(8))
        );
        assert_eq!(
            c.decode(&mut BytesMut::from(&[12, 0, 0, 0][..])),
            Err(TransportError::EmptyFrame)
        );
        let mut src = BytesMut::from(&[0xff, 0xff, 0xff, 0x7f][..]);
        assert_eq!(
            c.decode(&mut src),
            Err(TransportError::TooLarge {
                len: 0x7fff_ffff - 12,
                max: DEFAULT_MAX_FRAME
            })
        );
        assert!(src.capacity() < 1024, "no allocation for a bogus length");
        assert_eq!(
            c.encode(Bytes::from_static(&[1, 2]), &mut BytesMut::new()),
            Err(TransportError::Unaligned(2))
        );
    }

    proptest! {
        #[test]
        fn round_trips(ps in payloads(), cs in cuts()) {
            prop_assume!(ps.iter().all(|p| status_of(p).is_none()));
            for (from, to) in [(Role::Client, Role::Server), (Role::Server, Role::Client)] {
                let wire = encode_all(&mut Full::new(from), &ps);
                let mut dec = Full::new(to);
                let (frames, left) = feed(&mut dec, &wire, &positions(&cs, wire.len())).unwrap();
                prop_assert_eq!(left, 0);
                prop_assert_eq!(frames.iter().map(|f| f.to_vec()).collect::<Vec<_>>(), ps.clone());
            }
        }

        #[test]
        fn any_flipped_byte_is_caught(p in payloads(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let wire = encode_all(&mut Full::new(Role::Client), &p[..1]);
            let mut bad = BytesMut::from(&wire[..]);
            let i = at.index(bad.len());
            bad[i] ^= 1 << bit;
            // Whatever byte changed, the frame is never accepted as is.
            let got = Full::new(Role::Server).decode(&mut bad);
            prop_assert!(!matches!(got, Ok(Some(ref f)) if f[..] == p[0][..]));
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), cs in cuts()) {
            for role in [Role::Client, Role::Server] {
                let _ = feed(&mut Full::new(role), &bytes, &positions(&cs, bytes.len()));
            }
        }
    }
}
