//! The intermediate and padded intermediate transports
//! (<https://core.telegram.org/mtproto/mtproto-transports#intermediate> and
//! `#padded-intermediate`).
//!
//! Intermediate: the client first sends `ee ee ee ee`; each frame is the
//! payload length as 4 little-endian bytes, then the payload.
//!
//! Padded intermediate: the tag is `dd dd dd dd` and the sender appends 0..15
//! random bytes, counted in the length. The receiver cannot know where the
//! payload ends: it drops the `len % 4` bytes that cannot be part of a
//! payload (as gotd's `readPaddedIntermediate` does), and up to 12 padding
//! bytes may remain after the MTProto message. The MTProto layer must ignore
//! them: a plaintext message carries its own length, and an encrypted one is
//! `24 + 16k` bytes, so the tail beyond the last whole 16-byte block is
//! padding. tdlib pads the same way (`Random::secure_uint32() % 16` in
//! `IntermediateTransport::write_prepare_inplace`, td/mtproto/TcpTransport.cpp).
//!
//! A server pads only 0..=3 bytes, so that the `len % 4` rule gives back the
//! exact payload: Telethon 1.45 (`RandomizedIntermediatePacketCodec`, behind
//! `dd` MTProxy secrets) drops just those bytes and decrypts the rest, and a
//! length that is not whole AES blocks aborts it.
//!
//! A client sets the top bit of the length to ask for a quick ack; a server
//! decoder accepts and ignores it. A client decoder reads a length with the
//! top bit set as an unframed transport error code when it is a small
//! negative number, else as an unrequested quick ack, which it skips.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{
    DEFAULT_MAX_FRAME, MAX_FRAME_CAP, QuickAck, Random, Role, StatusFrame, TagState,
    TransportError, check_outgoing, reserve_frame, status_of, unframed_status,
};

/// The tag a client sends before its first intermediate frame.
pub(crate) const TAG: &[u8] = &[0xee; 4];
/// The tag a client sends before its first padded intermediate frame.
pub(crate) const PADDED_TAG: &[u8] = &[0xdd; 4];
/// Padding is 0..=15 bytes.
const MAX_PADDING: usize = 15;
/// A server's padding is 0..=3 bytes (see the module docs).
const MAX_SERVER_PADDING: usize = 3;
/// The shortest MTProto message: a plaintext one with an empty body has
/// auth_key_id (8) + msg_id (8) + length (4) + a constructor (4) = 24 bytes
/// (<https://core.telegram.org/mtproto/description#unencrypted-message>).
/// Padded bodies shorter than that can only be transport errors.
const MIN_MESSAGE: usize = 24;

/// State and checks shared by both intermediate variants.
#[derive(Clone, Debug)]
struct Framer {
    role: Role,
    tag: TagState,
    max_frame: usize,
}

impl Framer {
    /// Splits one length-prefixed body (payload plus any padding) off `src`.
    fn decode_body(
        &mut self,
        src: &mut BytesMut,
        slack: usize,
    ) -> Result<Option<BytesMut>, TransportError> {
        if !self.tag.on_decode(src)? {
            return Ok(None);
        }
        let raw = loop {
            if src.len() < 4 {
                return Ok(None);
            }
            let raw = u32::from_le_bytes([src[0], src[1], src[2], src[3]]);
            if self.role == Role::Client && raw & 0x8000_0000 != 0 {
                src.advance(4);
                match unframed_status(raw) {
                    Some(code) => return Err(TransportError::Status(code)),
                    // An unrequested quick ack: skipped.
                    None => continue,
                }
            }
            break raw;
        };
        let len = match self.role {
            Role::Server => raw & 0x7fff_ffff,
            Role::Client => raw,
        } as usize;
        if len == 0 {
            return Err(TransportError::EmptyFrame);
        }
        let max = self.max_frame.saturating_add(slack);
        if len > max {
            return Err(TransportError::TooLarge { len, max });
        }
        if src.len() < 4 + len {
            reserve_frame(src, 4 + len);
            return Ok(None);
        }
        src.advance(4);
        Ok(Some(src.split_to(len)))
    }

    fn write_header(&mut self, len: usize, dst: &mut BytesMut) {
        self.tag.on_encode(dst);
        dst.reserve(4 + len);
        dst.put_u32_le(len as u32);
    }
}

/// The intermediate framing, in either role.
#[derive(Clone, Debug)]
pub struct Intermediate(Framer);

impl Intermediate {
    /// A codec that sends (client) or expects (server) the `0xeeeeeeee` tag.
    pub fn new(role: Role) -> Self {
        Self::build(role, true)
    }

    /// A codec without the tag (under obfuscation, or after the listener
    /// consumed it).
    pub fn untagged(role: Role) -> Self {
        Self::build(role, false)
    }

    fn build(role: Role, tagged: bool) -> Self {
        Intermediate(Framer {
            role,
            tag: TagState::new(TAG, role, tagged),
            max_frame: DEFAULT_MAX_FRAME,
        })
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.0.max_frame = max_frame.min(MAX_FRAME_CAP);
        self
    }
}

impl Decoder for Intermediate {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        let Some(frame) = self.0.decode_body(src, 0)? else {
            return Ok(None);
        };
        match status_of(&frame) {
            Some(code) if self.0.role == Role::Client => Err(TransportError::Status(code)),
            _ => Ok(Some(frame)),
        }
    }
}

impl Encoder<Bytes> for Intermediate {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        check_outgoing(item.len(), self.0.max_frame)?;
        self.0.write_header(item.len(), dst);
        dst.put_slice(&item);
        Ok(())
    }
}

impl Encoder<QuickAck> for Intermediate {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.0.tag.on_encode(dst);
        dst.put_u32_le(item.0 | 0x8000_0000);
        Ok(())
    }
}

impl Encoder<QuickAck> for PaddedIntermediate {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.framer.tag.on_encode(dst);
        dst.put_u32_le(item.0 | 0x8000_0000);
        Ok(())
    }
}

impl Encoder<StatusFrame> for Intermediate {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.0.write_header(4, dst);
        dst.put_i32_le(item.0);
        Ok(())
    }
}

/// The padded intermediate framing, in either role. It owns the random
/// source for its padding.
pub struct PaddedIntermediate {
    framer: Framer,
    random: Box<dyn Random>,
}

impl std::fmt::Debug for PaddedIntermediate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaddedIntermediate")
            .field("framer", &self.framer)
            .finish_non_exhaustive()
    }
}

impl PaddedIntermediate {
    /// A codec that sends (client) or expects (server) the `0xdddddddd` tag.
    pub fn new(role: Role, random: Box<dyn Random>) -> Self {
        Self::build(role, true, random)
    }

    /// A codec without the tag (under obfuscation, or after the listener
    /// consumed it).
    pub fn untagged(role: Role, random: Box<dyn Random>) -> Self {
        Self::build(role, false, random)
    }

    fn build(role: Role, tagged: bool, random: Box<dyn Random>) -> Self {
        PaddedIntermediate {
            framer: Framer {
                role,
                tag: TagState::new(PADDED_TAG, role, tagged),
                max_frame: DEFAULT_MAX_FRAME,
            },
            random,
        }
    }

    /// Sets the largest payload accepted or sent, in bytes (padding aside).
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.framer.max_frame = max_frame.min(MAX_FRAME_CAP);
        self
    }
}

impl Decoder for PaddedIntermediate {
    type Item = BytesMut;
    type Error = TransportError;

    /// Returns the payload followed by up to 12 padding bytes (see the
    /// module docs); its length is always a multiple of 4.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        let Some(mut frame) = self.framer.decode_body(src, MAX_PADDING)? else {
            return Ok(None);
        };
        if self.framer.role == Role::Client && frame.len() < MIN_MESSAGE {
            if let Some(code) = status_of(&frame[..4.min(frame.len())]) {
                return Err(TransportError::Status(code));
            }
        }
        frame.truncate(frame.len() - frame.len() % 4);
        if frame.is_empty() {
            return Err(TransportError::EmptyFrame);
        }
        Ok(Some(frame))
    }
}

impl Encoder<Bytes> for PaddedIntermediate {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        check_outgoing(item.len(), self.framer.max_frame)?;
        let max = match self.framer.role {
            Role::Client => MAX_PADDING,
            Role::Server => MAX_SERVER_PADDING,
        };
        let mut padding = [0u8; MAX_PADDING + 1];
        self.random.fill(&mut padding[..1]);
        let pad = usize::from(padding[0]) % (max + 1);
        self.random.fill(&mut padding[..pad]);
        self.framer.write_header(item.len() + pad, dst);
        dst.put_slice(&item);
        dst.put_slice(&padding[..pad]);
        Ok(())
    }
}

impl Encoder<StatusFrame> for PaddedIntermediate {
    type Error = TransportError;

    /// Error frames are sent unpadded, so any client can read them.
    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.framer.write_header(4, dst);
        dst.put_i32_le(item.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::testutil::{cuts, encode_all, feed, payloads, positions, rng};
    use super::*;

    /// A random source replaying `bytes` (then zeros).
    fn scripted(bytes: &'static [u8]) -> Box<dyn Random> {
        let mut at = 0;
        Box::new(move |buf: &mut [u8]| {
            for b in buf {
                *b = bytes.get(at).copied().unwrap_or(0);
                at += 1;
            }
        })
    }

    #[test]
    fn intermediate_client_vector() {
        let mut c = Intermediate::new(Role::Client);
        let mut dst = BytesMut::new();
        c.encode(Bytes::from_static(&[1, 2, 3, 4, 5, 6, 7, 8]), &mut dst)
            .unwrap();
        c.encode(Bytes::from_static(&[9, 9, 9, 9]), &mut dst)
            .unwrap();
        #[rustfmt::skip]
        let want = [
            0xee, 0xee, 0xee, 0xee, // tag, once
            8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
            4, 0, 0, 0, 9, 9, 9, 9,
        ];
        assert_eq!(&dst[..], &want);

        let mut s = Intermediate::new(Role::Server);
        let (frames, left) = feed(&mut s, &want, &[3, 9]).unwrap();
        assert_eq!(left, 0);
        assert_eq!(frames, [&[1, 2, 3, 4, 5, 6, 7, 8][..], &[9, 9, 9, 9][..]]);
    }

    #[test]
    fn padded_client_vector() {
        // First random byte 0x25 -> 0x25 % 16 = 5 bytes of padding, then
        // the padding itself.
        let mut c = PaddedIntermediate::new(Role::Client, scripted(&[0x25, 1, 2, 3, 4, 5]));
        let mut dst = BytesMut::new();
        c.encode(Bytes::from_static(&[0xaa; 24]), &mut dst).unwrap();
        assert_eq!(&dst[..8], &[0xdd, 0xdd, 0xdd, 0xdd, 29, 0, 0, 0]);
        assert_eq!(&dst[8..32], &[0xaa; 24]);
        assert_eq!(&dst[32..], &[1, 2, 3, 4, 5]);

        // The server drops 29 % 4 = 1 byte: 4 padding bytes remain.
        let mut s = PaddedIntermediate::new(Role::Server, rng(1));
        let frame = s.decode(&mut dst).unwrap().unwrap();
        assert_eq!(frame.len(), 28);
        assert_eq!(&frame[..24], &[0xaa; 24]);
        assert!(dst.is_empty());
    }

    #[test]
    fn server_quick_ack_bit_ignored() {
        let mut s = Intermediate::untagged(Role::Server);
        let mut src = BytesMut::from(&[4, 0, 0, 0x80, 1, 2, 3, 4][..]);
        assert_eq!(s.decode(&mut src).unwrap().unwrap(), &[1, 2, 3, 4][..]);
    }

    #[test]
    fn status_frames() {
        let mut s = Intermediate::untagged(Role::Server);
        let mut wire = BytesMut::new();
        s.encode(StatusFrame(-429), &mut wire).unwrap();
        assert_eq!(&wire[..], &[4, 0, 0, 0, 0x53, 0xfe, 0xff, 0xff]);
        let mut c = Intermediate::untagged(Role::Client);
        assert_eq!(c.decode(&mut wire), Err(TransportError::Status(-429)));

        // Unframed: a raw negative int where the length should be.
        let mut raw = BytesMut::from(&(-444i32).to_le_bytes()[..]);
        assert_eq!(c.decode(&mut raw), Err(TransportError::Status(-444)));

        let mut p = PaddedIntermediate::untagged(Role::Server, rng(2));
        let mut wire = BytesMut::new();
        p.encode(StatusFrame(-404), &mut wire).unwrap();
        assert_eq!(&wire[..], &[4, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff]);
        let mut c = PaddedIntermediate::untagged(Role::Client, rng(3));
        assert_eq!(c.decode(&mut wire), Err(TransportError::Status(-404)));
        // Even if a server padded it.
        let mut padded = BytesMut::from(&[7, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff, 7, 7, 7][..]);
        assert_eq!(c.decode(&mut padded), Err(TransportError::Status(-404)));
    }

    #[test]
    fn bad_frames() {
        let mut c = Intermediate::untagged(Role::Client);
        assert_eq!(
            c.decode(&mut BytesMut::from(&[0, 0, 0, 0][..])),
            Err(TransportError::EmptyFrame)
        );
        let mut src = BytesMut::from(&[0xff, 0xff, 0xff, 0x7f][..]);
        assert_eq!(
            c.decode(&mut src),
            Err(TransportError::TooLarge {
                len: 0x7fff_ffff,
                max: DEFAULT_MAX_FRAME
            })
        );
        assert!(src.capacity() < 1024, "no allocation for a bogus length");
        let mut p = PaddedIntermediate::untagged(Role::Server, rng(4));
        assert_eq!(
            p.decode(&mut BytesMut::from(&[3, 0, 0, 0, 1, 2, 3][..])),
            Err(TransportError::EmptyFrame)
        );
        let mut s = Intermediate::new(Role::Server);
        assert!(matches!(
            s.decode(&mut BytesMut::from(&[0xdd, 0xdd, 0xdd, 0xdd][..])),
            Err(TransportError::BadTag { .. })
        ));
    }

    fn same(frames: &[BytesMut], ps: &[Vec<u8>]) -> bool {
        frames.len() == ps.len() && frames.iter().zip(ps).all(|(f, p)| f[..] == p[..])
    }

    /// Padded frames are the payload plus 0, 4, 8 or 12 padding bytes.
    fn same_padded(frames: &[BytesMut], ps: &[Vec<u8>]) -> bool {
        frames.len() == ps.len()
            && frames
                .iter()
                .zip(ps)
                .all(|(f, p)| f.starts_with(p) && f.len() - p.len() <= 12 && f.len() % 4 == 0)
    }

    proptest! {
        #[test]
        fn intermediate_round_trips(ps in payloads(), cs in cuts()) {
            prop_assume!(ps.iter().all(|p| status_of(p).is_none()));
            for (from, to) in [(Role::Client, Role::Server), (Role::Server, Role::Client)] {
                let wire = encode_all(&mut Intermediate::new(from), &ps);
                let mut dec = Intermediate::new(to);
                let (frames, left) = feed(&mut dec, &wire, &positions(&cs, wire.len())).unwrap();
                prop_assert_eq!(left, 0);
                prop_assert!(same(&frames, &ps));
            }
        }

        #[test]
        fn padded_round_trips(ps in payloads(), cs in cuts(), seed in any::<u64>()) {
            // Client-bound payloads shorter than a message with a negative
            // first word would read as errors.
            prop_assume!(ps.iter().all(|p| p.len() >= MIN_MESSAGE || status_of(&p[..4]).is_none()));
            for (from, to) in [(Role::Client, Role::Server), (Role::Server, Role::Client)] {
                let wire = encode_all(&mut PaddedIntermediate::new(from, rng(seed)), &ps);
                let mut dec = PaddedIntermediate::new(to, rng(0));
                let (frames, left) = feed(&mut dec, &wire, &positions(&cs, wire.len())).unwrap();
                prop_assert_eq!(left, 0);
                prop_assert!(same_padded(&frames, &ps));
            }
        }

        /// Regression (Telethon over a `dd` MTProxy secret): a server pads
        /// at most 3 bytes, so dropping `len % 4` bytes, as Telethon's
        /// `RandomizedIntermediatePacketCodec` does, leaves exactly the
        /// payload, whole AES blocks for an encrypted message.
        #[test]
        fn server_padding_is_dropped_by_len_mod_4(ps in payloads(), seed in any::<u64>()) {
            let mut enc = PaddedIntermediate::untagged(Role::Server, rng(seed));
            for p in &ps {
                let mut wire = BytesMut::new();
                enc.encode(Bytes::from(p.clone()), &mut wire).unwrap();
                let len = u32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]) as usize;
                prop_assert!(len - p.len() <= 3);
                prop_assert_eq!(&wire[4..4 + len - len % 4], &p[..]);
                prop_assert_eq!(wire.len(), 4 + len);
            }
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), cs in cuts()) {
            let at = positions(&cs, bytes.len());
            for role in [Role::Client, Role::Server] {
                let _ = feed(&mut Intermediate::new(role), &bytes, &at);
                let _ = feed(&mut Intermediate::untagged(role), &bytes, &at);
                let _ = feed(&mut PaddedIntermediate::new(role, rng(5)), &bytes, &at);
                let _ = feed(&mut PaddedIntermediate::untagged(role, rng(6)), &bytes, &at);
            }
        }
    }
}
