//! Obfuscated2 transport obfuscation
//! (<https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>).
//!
//! The client opens with a 64-byte init: random bytes, except that byte 0 is
//! not `0xef`, the first word is none of `HEAD`, `POST`, `GET `, `OPTI`,
//! `dddd`, `eeee`, `16 03 01 02`, and bytes 4..8 are not all zero (so
//! servers can tell it from the plain transports, see [`super::detect()`]).
//! Bytes 56..60 carry the inner framing's tag, 60..62 the DC id (`int16`
//! little-endian, used by MTProxies to route).
//!
//! Both directions use AES-256-CTR (128-bit big-endian counter). The
//! client-to-server key is init[8..40] with IV init[40..56]; the
//! server-to-client key and IV are the same ranges of init[8..56] reversed.
//! With an MTProxy secret each key becomes `SHA256(key + secret)`. The
//! client encrypts the whole init with its send cipher and transmits
//! init[0..56] in the clear followed by the encrypted bytes 56..64; the
//! stream goes on under the same cipher. The server decrypts the 64 bytes
//! with the client's send key to read the tag and DC id. (gotd's
//! `internal/mtproxy/obfuscated2` `keys.go` and `server.go` do the same.)
//!
//! `grammers_crypto::ObfuscatedCipher` implements only the client side
//! without a secret, so both sides are written here with `aes` + `ctr`; the
//! tests check the client side against grammers' cipher.

use aes::cipher::{KeyIvInit, StreamCipher};
use bytes::{Buf, Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio_util::codec::{Decoder, Encoder};

use super::detect::FOREIGN_PREFIXES;
use super::{
    DEFAULT_MAX_FRAME, Framing, QuickAck, Random, Role, StatusFrame, TransportError, TransportKind,
};

type Cipher = ctr::Ctr128BE<aes::Aes256>;

/// The length of the init a client sends first.
pub const INIT_LEN: usize = 64;

/// How many inits to draw before declaring the random source broken (a
/// working one is rejected with probability about 2^-8 per draw).
const MAX_DRAWS: usize = 64;

/// Obfuscated2 over a tagged framing, in either role.
pub struct Obfuscated {
    role: Role,
    secret: Option<[u8; 16]>,
    max_frame: usize,
    state: State,
}

enum State {
    /// A server waiting for the client's init; keeps what the framing needs.
    AwaitingInit {
        random: Box<dyn Random>,
    },
    Ready(Box<Ready>),
}

struct Ready {
    inner: Framing,
    send: Cipher,
    recv: Cipher,
    /// The client's init, until it is written before the first frame.
    header: Option<[u8; INIT_LEN]>,
    /// How many bytes at the start of the read buffer are already decrypted.
    decrypted: usize,
    dc_id: i16,
}

impl std::fmt::Debug for Obfuscated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obfuscated")
            .field("role", &self.role)
            .field("kind", &self.kind())
            .field("dc_id", &self.dc_id())
            .finish_non_exhaustive()
    }
}

/// Builds one direction's cipher from a 32-byte key part and a 16-byte IV.
fn cipher(key_part: &[u8], iv: &[u8], secret: Option<&[u8; 16]>) -> Cipher {
    let mut key = [0u8; 32];
    match secret {
        Some(secret) => key.copy_from_slice(
            &Sha256::new()
                .chain_update(key_part)
                .chain_update(secret)
                .finalize(),
        ),
        None => key.copy_from_slice(key_part),
    }
    let mut iv_arr = [0u8; 16];
    iv_arr.copy_from_slice(iv);
    Cipher::new(&key.into(), &iv_arr.into())
}

/// The client-to-server and server-to-client ciphers of an init.
fn ciphers(init: &[u8; INIT_LEN], secret: Option<&[u8; 16]>) -> (Cipher, Cipher) {
    let up = cipher(&init[8..40], &init[40..56], secret);
    let mut reversed = [0u8; 48];
    reversed.copy_from_slice(&init[8..56]);
    reversed.reverse();
    let down = cipher(&reversed[..32], &reversed[32..], secret);
    (up, down)
}

/// Whether random bytes may start an init (see the module docs).
fn acceptable(init: &[u8; INIT_LEN]) -> bool {
    let first: [u8; 4] = [init[0], init[1], init[2], init[3]];
    init[0] != 0xef
        && first != [0xdd; 4]
        && first != [0xee; 4]
        && !FOREIGN_PREFIXES.contains(&first)
        && init[4..8] != [0, 0, 0, 0]
}

/// Draws an acceptable init and writes the tag and DC id into it.
fn generate_init(
    random: &mut dyn Random,
    tag: [u8; 4],
    dc_id: i16,
) -> Result<[u8; INIT_LEN], TransportError> {
    let mut init = [0u8; INIT_LEN];
    for _ in 0..MAX_DRAWS {
        random.fill(&mut init);
        if acceptable(&init) {
            init[56..60].copy_from_slice(&tag);
            init[60..62].copy_from_slice(&dc_id.to_le_bytes());
            return Ok(init);
        }
    }
    Err(TransportError::BadRandom)
}

impl Obfuscated {
    /// A client codec: draws the init from `random` (which then pads
    /// padded-intermediate frames), keyed with the MTProxy `secret` if any.
    pub fn client(
        kind: TransportKind,
        secret: Option<[u8; 16]>,
        dc_id: i16,
        mut random: Box<dyn Random>,
    ) -> Result<Self, TransportError> {
        let tag = kind
            .obfuscated_tag()
            .ok_or(TransportError::FullNotObfuscatable)?;
        let init = generate_init(&mut *random, tag, dc_id)?;
        let (mut send, recv) = ciphers(&init, secret.as_ref());
        let mut encrypted = init;
        send.apply_keystream(&mut encrypted);
        let mut header = init;
        header[56..].copy_from_slice(&encrypted[56..]);
        Ok(Obfuscated {
            role: Role::Client,
            secret,
            max_frame: DEFAULT_MAX_FRAME,
            state: State::Ready(Box::new(Ready {
                inner: Framing::untagged(kind, Role::Client, random),
                send,
                recv,
                header: Some(header),
                decrypted: 0,
                dc_id,
            })),
        })
    }

    /// A server codec waiting for the client's init. With a `secret`, only
    /// clients keyed with it get through (others decrypt to a bad tag).
    pub fn server(secret: Option<[u8; 16]>, random: Box<dyn Random>) -> Self {
        Obfuscated {
            role: Role::Server,
            secret,
            max_frame: DEFAULT_MAX_FRAME,
            state: State::AwaitingInit { random },
        }
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame;
        if let State::Ready(ready) = self.state {
            let mut ready = *ready;
            ready.inner = ready.inner.with_max_frame(max_frame);
            self.state = State::Ready(Box::new(ready));
        }
        self
    }

    /// The inner framing; `None` on a server before the init arrived.
    pub fn kind(&self) -> Option<TransportKind> {
        match &self.state {
            State::Ready(r) => Some(r.inner.kind()),
            State::AwaitingInit { .. } => None,
        }
    }

    /// The DC id of the init; `None` on a server before it arrived.
    pub fn dc_id(&self) -> Option<i16> {
        match &self.state {
            State::Ready(r) => Some(r.dc_id),
            State::AwaitingInit { .. } => None,
        }
    }

    /// Server side: reads the init once 64 bytes are there. Returns the
    /// ready state, or `None` if more bytes are needed.
    fn ready(&mut self, src: &mut BytesMut) -> Result<Option<&mut Ready>, TransportError> {
        if let State::AwaitingInit { random } = &mut self.state {
            let Some(init) = src.first_chunk::<INIT_LEN>().copied() else {
                src.reserve(INIT_LEN - src.len());
                return Ok(None);
            };
            src.advance(INIT_LEN);
            let (mut recv, send) = ciphers(&init, self.secret.as_ref());
            let mut plain = init;
            recv.apply_keystream(&mut plain);
            let tag = [plain[56], plain[57], plain[58], plain[59]];
            let kind = TransportKind::from_obfuscated_tag(tag)
                .ok_or(TransportError::BadObfuscatedTag(tag))?;
            let random = std::mem::replace(random, Box::new(|_: &mut [u8]| {}));
            let inner = Framing::untagged(kind, Role::Server, random);
            self.state = State::Ready(Box::new(Ready {
                inner: inner.with_max_frame(self.max_frame),
                send,
                recv,
                header: None,
                decrypted: 0,
                dc_id: i16::from_le_bytes([plain[60], plain[61]]),
            }));
        }
        match &mut self.state {
            State::Ready(ready) => Ok(Some(&mut **ready)),
            State::AwaitingInit { .. } => Ok(None),
        }
    }

    /// Encodes with the inner framing, then encrypts what it appended; a
    /// client's init goes first.
    fn encode_with<I>(&mut self, item: I, dst: &mut BytesMut) -> Result<(), TransportError>
    where
        Framing: Encoder<I, Error = TransportError>,
    {
        let State::Ready(ready) = &mut self.state else {
            return Err(TransportError::HandshakePending);
        };
        if let Some(header) = ready.header.take() {
            dst.extend_from_slice(&header);
        }
        let start = dst.len();
        ready.inner.encode(item, dst)?;
        ready.send.apply_keystream(&mut dst[start..]);
        Ok(())
    }
}

impl Decoder for Obfuscated {
    type Item = BytesMut;
    type Error = TransportError;

    /// Decrypts only the bytes that arrived since the last call (the
    /// buffer's first `decrypted` bytes already are), then lets the inner
    /// framing split off a frame. The codec must always see the same
    /// buffer, as `Framed` guarantees.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        let Some(ready) = self.ready(src)? else {
            return Ok(None);
        };
        let fresh = ready.decrypted.min(src.len());
        ready.recv.apply_keystream(&mut src[fresh..]);
        let result = ready.inner.decode(src);
        // The inner framing only takes bytes off the front: all that is
        // left has been decrypted.
        ready.decrypted = src.len();
        result
    }
}

impl Encoder<Bytes> for Obfuscated {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

impl Encoder<QuickAck> for Obfuscated {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

impl Encoder<StatusFrame> for Obfuscated {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

#[cfg(test)]
#[path = "obfuscated_tests.rs"]
mod tests;
