//! MTProto transports: the framing of MTProto payloads on a byte stream.
//!
//! See <https://core.telegram.org/mtproto/mtproto-transports>. Each framing is
//! a [`tokio_util::codec`] `Decoder<Item = BytesMut>` + `Encoder<Bytes>`
//! (plus `Encoder<StatusFrame>` for the server's 4-byte error frames), usable
//! in both roles:
//!
//! - [`Abridged`] (`0xef` tag), [`Intermediate`] (`0xeeeeeeee`),
//!   [`PaddedIntermediate`] (`0xdddddddd`) and [`Full`] (no tag, seq + CRC32);
//! - [`Obfuscated`]: obfuscated2 (AES-256-CTR) over one of the tagged
//!   framings, optionally keyed with an MTProxy secret ([`ProxySecret`]);
//! - [`FakeTls`]: obfuscated2 in TLS records after a fake TLS handshake,
//!   for MTProxy `ee` secrets ([`faketls_hello`] has the handshake).
//!
//! [`Codec`] is the one concrete type the sender and the mock server use; it
//! is built by [`TransportConfig::client_codec`] on the client and by
//! [`Codec::server`] after [`detect()`] looked at the first bytes a client sent.
//!
//! On the server side a listener peeks at the first bytes (never more than
//! [`DETECT_BYTES`]), calls [`detect()`], and builds
//! `Codec::server(detected, secret, random)`. The peeked bytes must still
//! reach the codec (`TcpStream::peek`, or `Framed::from_parts` with them in
//! `read_buf`): it strips the tag or reads the obfuscated2 init itself.
//!
//! The code here is sans-IO: it never touches sockets, clocks or the OS random
//! generator. Randomness (padding, the obfuscated2 init) comes in through the
//! [`Random`] trait and the time (in the fake-TLS hello) as an argument, so
//! tests are deterministic.

mod abridged;
mod codec;
mod detect;
mod faketls;
pub mod faketls_hello;
mod full;
mod intermediate;
mod mtproxy;
mod obfuscated;

use std::io;

use bytes::{Buf, BytesMut};

pub use abridged::Abridged;
pub use codec::{Codec, Framing, Obfuscation, TransportConfig};
pub use detect::{DETECT_BYTES, Detect, detect};
pub use faketls::{FakeTls, MAX_RECORD_IN, MAX_RECORD_OUT};
pub use faketls_hello::FakeTlsError;
pub use full::Full;
pub use intermediate::{Intermediate, PaddedIntermediate};
pub use mtproxy::{ProxySecret, SecretError, SecretKind};
pub use obfuscated::{INIT_LEN, Obfuscated};

pub use crate::random::Random;

/// Frames larger than this (payload bytes) are refused by default: 16 MiB,
/// the limit tdlib asserts on its own intermediate/abridged writes
/// (`CHECK(size < (1 << 24))` in td/mtproto/TcpTransport.cpp).
pub const DEFAULT_MAX_FRAME: usize = 1 << 24;

/// The cap on any configured frame limit: lengths must fit a positive
/// `int32` with room for headers and padding.
pub(crate) const MAX_FRAME_CAP: usize = 0x7fff_0000;

/// The most room a decoder reserves at once for a frame it has begun.
pub(crate) const RESERVE_STEP: usize = 64 * 1024;

/// Makes room in `src` towards a frame of `total` bytes (header included)
/// whose length field arrived: at most [`RESERVE_STEP`] more than is there,
/// so the buffer grows with what the peer actually sends (`BytesMut` at
/// least doubles when it grows), and a length field alone never costs a
/// whole frame of memory.
pub(crate) fn reserve_frame(src: &mut BytesMut, total: usize) {
    src.reserve(total.saturating_sub(src.len()).min(RESERVE_STEP));
}

/// Which end of the connection a codec is on.
///
/// A client sends the transport tag before its first frame and reads
/// transport errors (4-byte negative bodies) as [`TransportError::Status`];
/// a server expects and strips the tag and may send such error frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The end that opened the connection.
    Client,
    /// The end that accepted it.
    Server,
}

/// Asks a server-role encoder to send a transport error: a frame whose body
/// is a negative little-endian `int32` such as -404 (auth key not found),
/// -429 (too many connections/flood) or -444 (invalid DC)
/// (<https://core.telegram.org/mtproto/mtproto-transports#transport-errors>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusFrame(pub i32);

/// Asks a server-role encoder to send a quick-ack word: 32 bits with the
/// top bit set, unframed (<https://core.telegram.org/mtproto/mtproto-transports#quick-ack>;
/// little-endian, big-endian in the abridged framing). A client that asked
/// for none skips it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuickAck(pub u32);

/// What a client makes of an unframed word with the top bit set where a
/// length belongs: a transport error code when it is a small negative
/// number (-404, -429...), else a quick ack to skip (`None`; its low 31
/// bits are a hash, so they fall in the error range about once in 2^18).
pub(crate) fn unframed_status(raw: u32) -> Option<i32> {
    let code = raw as i32;
    (-9999..0).contains(&code).then_some(code)
}

/// The transport framings a client can choose (`--transport` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// `abridged`: 1 or 4 byte length in words, tag `0xef`.
    Abridged,
    /// `intermediate`: 4-byte little-endian length, tag `0xeeeeeeee`.
    Intermediate,
    /// `padded`: intermediate plus 0..15 random bytes, tag `0xdddddddd`.
    PaddedIntermediate,
    /// `full`: length, sequence number and CRC32; no tag, not obfuscatable.
    Full,
}

impl TransportKind {
    /// All kinds, in the order the CLI lists them.
    pub const ALL: [TransportKind; 4] = [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
        TransportKind::Full,
    ];

    /// The name used by `FromStr` and `Display`.
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Abridged => "abridged",
            TransportKind::Intermediate => "intermediate",
            TransportKind::PaddedIntermediate => "padded",
            TransportKind::Full => "full",
        }
    }

    /// The 4-byte protocol tag carried at bytes 56..60 of an obfuscated2
    /// init, or `None` for the full transport, which cannot be obfuscated.
    pub fn obfuscated_tag(self) -> Option<[u8; 4]> {
        match self {
            TransportKind::Abridged => Some([0xef; 4]),
            TransportKind::Intermediate => Some([0xee; 4]),
            TransportKind::PaddedIntermediate => Some([0xdd; 4]),
            TransportKind::Full => None,
        }
    }

    /// The inverse of [`TransportKind::obfuscated_tag`].
    pub fn from_obfuscated_tag(tag: [u8; 4]) -> Option<TransportKind> {
        TransportKind::ALL
            .into_iter()
            .find(|k| k.obfuscated_tag() == Some(tag))
    }
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`TransportKind`] from a string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown transport {0:?} (expected abridged, intermediate, padded or full)")]
pub struct ParseTransportKindError(pub String);

impl std::str::FromStr for TransportKind {
    type Err = ParseTransportKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "abridged" => Ok(TransportKind::Abridged),
            "intermediate" => Ok(TransportKind::Intermediate),
            "padded" | "padded-intermediate" => Ok(TransportKind::PaddedIntermediate),
            "full" => Ok(TransportKind::Full),
            _ => Err(ParseTransportKindError(s.to_owned())),
        }
    }
}

/// Everything that can go wrong framing or unframing MTProto payloads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server sent a transport error code (a negative `int32`).
    #[error("transport error {0} from the server ({desc})", desc = status_description(*.0))]
    Status(i32),
    /// A frame with no payload.
    #[error("empty transport frame")]
    EmptyFrame,
    /// A frame (or an outgoing payload) above the configured limit.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The announced payload length.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// An outgoing payload whose length is not a multiple of 4.
    #[error("payload of {0} bytes is not a multiple of 4 bytes")]
    Unaligned(usize),
    /// A length field that no valid frame can have.
    #[error("invalid frame length field {0:#x}")]
    BadLength(u32),
    /// A full-transport frame with an unexpected sequence number.
    #[error("full transport: sequence number {got}, expected {expected}")]
    BadSeq {
        /// The next sequence number we expected.
        expected: u32,
        /// The one in the frame.
        got: u32,
    },
    /// A full-transport frame whose CRC32 does not match its contents.
    #[error("full transport: CRC32 {got:#010x} in the frame, {expected:#010x} computed")]
    BadCrc {
        /// The CRC32 computed over the frame.
        expected: u32,
        /// The CRC32 the frame carries.
        got: u32,
    },
    /// The client's first bytes are not the tag of the expected transport.
    #[error("unexpected transport tag {got:02x?}, expected {expected:02x?}")]
    BadTag {
        /// The tag this codec expects.
        expected: Vec<u8>,
        /// The bytes received instead.
        got: Vec<u8>,
    },
    /// The obfuscated2 init decrypts to an unknown protocol tag (garbage, or
    /// a wrong MTProxy secret).
    #[error("obfuscated2 init carries unknown protocol tag {0:02x?}")]
    BadObfuscatedTag([u8; 4]),
    /// The full transport was asked to run under obfuscation.
    #[error("the full transport cannot be obfuscated")]
    FullNotObfuscatable,
    /// The first bytes match no transport (e.g. HTTP or TLS).
    #[error("unrecognised transport (first bytes {0:02x?})")]
    UnknownTransport(Vec<u8>),
    /// An obfuscated2 server asked to send before the client's init arrived.
    #[error("obfuscated2: nothing can be sent before the client's init arrives")]
    HandshakePending,
    /// The injected random source kept producing forbidden obfuscated2 inits.
    #[error("the random source produced no usable obfuscated2 init")]
    BadRandom,
    /// The fake-TLS layer of an `ee` MTProxy failed.
    #[error("MTProxy fake-TLS: {0}")]
    FakeTls(FakeTlsError),
    /// An I/O error from the stream under the codec.
    #[error("transport I/O error ({kind:?}): {message}")]
    Io {
        /// The error's kind.
        kind: io::ErrorKind,
        /// The error's message.
        message: String,
    },
}

impl From<io::Error> for TransportError {
    fn from(e: io::Error) -> Self {
        TransportError::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// What the well-known transport error codes mean
/// (<https://core.telegram.org/mtproto/mtproto-transports#transport-errors>).
fn status_description(code: i32) -> &'static str {
    match code {
        -404 => "auth key not found, or the request was invalid",
        -429 => "too many connections or transport flood",
        -444 => "invalid DC",
        _ => "unknown code",
    }
}

/// Returns the transport error code when `body` is exactly a 4-byte
/// negative little-endian `int32`.
pub(crate) fn status_of(body: &[u8]) -> Option<i32> {
    let bytes: [u8; 4] = body.try_into().ok()?;
    let code = i32::from_le_bytes(bytes);
    (code < 0).then_some(code)
}

/// The checks every encoder makes on an outgoing payload: not empty, a whole
/// number of 4-byte words (MTProto payloads always are), not above `max`.
pub(crate) fn check_outgoing(len: usize, max: usize) -> Result<(), TransportError> {
    if len == 0 {
        Err(TransportError::EmptyFrame)
    } else if len % 4 != 0 {
        Err(TransportError::Unaligned(len))
    } else if len > max {
        Err(TransportError::TooLarge { len, max })
    } else {
        Ok(())
    }
}

/// The once-per-connection tag of a framing: a client writes it before its
/// first frame, a server checks and strips it before its first frame.
#[derive(Clone, Debug)]
pub(crate) struct TagState {
    send: Option<&'static [u8]>,
    expect: Option<&'static [u8]>,
}

impl TagState {
    /// `tagged == false` is for framings whose tag travels elsewhere (inside
    /// the obfuscated2 init) or was already consumed by the listener.
    pub(crate) fn new(tag: &'static [u8], role: Role, tagged: bool) -> Self {
        let tag = tagged.then_some(tag);
        match role {
            Role::Client => TagState {
                send: tag,
                expect: None,
            },
            Role::Server => TagState {
                send: None,
                expect: tag,
            },
        }
    }

    /// Writes the tag if this is a client's first frame.
    pub(crate) fn on_encode(&mut self, dst: &mut BytesMut) {
        if let Some(tag) = self.send.take() {
            dst.extend_from_slice(tag);
        }
    }

    /// Strips the tag if this is a server's first read. `Ok(false)` means
    /// more bytes are needed.
    pub(crate) fn on_decode(&mut self, src: &mut BytesMut) -> Result<bool, TransportError> {
        let Some(tag) = self.expect else {
            return Ok(true);
        };
        let n = src.len().min(tag.len());
        if src[..n] != tag[..n] {
            return Err(TransportError::BadTag {
                expected: tag.to_vec(),
                got: src[..n].to_vec(),
            });
        }
        if n < tag.len() {
            return Ok(false);
        }
        src.advance(tag.len());
        self.expect = None;
        Ok(true)
    }
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;
