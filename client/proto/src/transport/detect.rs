//! Server side: telling the client's transport from its first bytes, as
//! Telegram's servers do ("The server recognizes these different protocols
//! (and distinguishes them from HTTP, too) by the header",
//! <https://core.telegram.org/mtproto/mtproto-transports>), and as gotd's
//! `transport/detect_codec.go` does for its test server.
//!
//! - `0xef` first: abridged; `ee ee ee ee`: intermediate; `dd dd dd dd`:
//!   padded intermediate.
//! - Otherwise, bytes 4..8 all zero: full (a length, then sequence number 0).
//! - Otherwise: an obfuscated2 init, whose rules forbid exactly the prefixes
//!   above and a zero second word
//!   (<https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>).
//! - `16 03 01 02`: a TLS ClientHello, as fake-TLS MTProxy clients send
//!   ([`super::faketls_hello`]); the listener handles the handshake.
//! - `HEAD`, `POST`, `GET `, `OPTI` (HTTP) are not supported here.

/// The result of [`detect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// Not enough bytes yet (never more than [`DETECT_BYTES`] are needed).
    NeedMore,
    /// Abridged; the `0xef` tag is still in the buffer.
    Abridged,
    /// Intermediate; the tag is still in the buffer.
    Intermediate,
    /// Padded intermediate; the tag is still in the buffer.
    PaddedIntermediate,
    /// Full; there is no tag.
    Full,
    /// An obfuscated2 init (64 bytes) starts the stream.
    Obfuscated2,
    /// A TLS ClientHello record starts the stream (MTProxy fake-TLS).
    FakeTls,
    /// HTTP, TLS or a malformed first frame.
    Unknown,
}

/// The most bytes [`detect`] needs to decide.
pub const DETECT_BYTES: usize = 8;

/// First words (little-endian) that no obfuscated2 init may start with
/// besides the tags: HTTP methods and a TLS handshake record.
pub(crate) const FOREIGN_PREFIXES: [[u8; 4]; 5] =
    [*b"HEAD", *b"POST", *b"GET ", *b"OPTI", [0x16, 3, 1, 2]];

/// Tells which transport a client speaks from the first bytes it sent,
/// without consuming them: pass the result to
/// [`Codec::server`](super::Codec::server) together with the same bytes.
pub fn detect(first_bytes: &[u8]) -> Detect {
    let b = first_bytes;
    if b.first() == Some(&0xef) {
        return Detect::Abridged;
    }
    let Some(word) = b.first_chunk::<4>() else {
        return Detect::NeedMore;
    };
    match word {
        [0xee, 0xee, 0xee, 0xee] => return Detect::Intermediate,
        [0xdd, 0xdd, 0xdd, 0xdd] => return Detect::PaddedIntermediate,
        [0x16, 3, 1, 2] => return Detect::FakeTls,
        w if FOREIGN_PREFIXES.contains(w) => return Detect::Unknown,
        _ => {}
    }
    let Some(second) = b.get(4..8) else {
        return Detect::NeedMore;
    };
    if second != [0, 0, 0, 0] {
        return Detect::Obfuscated2;
    }
    // A full frame: the total length (at least 12, positive) then seq 0.
    match i32::from_le_bytes(*word) {
        12.. => Detect::Full,
        _ => Detect::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tagged_transports() {
        assert_eq!(detect(&[]), Detect::NeedMore);
        assert_eq!(detect(&[0xef]), Detect::Abridged);
        assert_eq!(detect(&[0xef, 0x01, 1, 2, 3, 4]), Detect::Abridged);
        assert_eq!(detect(&[0xee, 0xee, 0xee]), Detect::NeedMore);
        assert_eq!(detect(&[0xee; 4]), Detect::Intermediate);
        assert_eq!(detect(&[0xdd; 8]), Detect::PaddedIntermediate);
    }

    #[test]
    fn full_and_obfuscated() {
        // Full: length 16, seq 0.
        assert_eq!(detect(&[16, 0, 0, 0, 0, 0]), Detect::NeedMore);
        assert_eq!(detect(&[16, 0, 0, 0, 0, 0, 0, 0]), Detect::Full);
        // An init: any first word but the forbidden ones, non-zero second.
        assert_eq!(detect(&[16, 0, 0, 0, 0, 0, 0, 1]), Detect::Obfuscated2);
        assert_eq!(
            detect(&[0x12, 0x34, 0x56, 0x78, 9, 9, 9, 9]),
            Detect::Obfuscated2
        );
        // Seq 0 but a length no frame has.
        assert_eq!(detect(&[8, 0, 0, 0, 0, 0, 0, 0]), Detect::Unknown);
        assert_eq!(detect(&[0, 0, 0, 0x80, 0, 0, 0, 0]), Detect::Unknown);
    }

    #[test]
    fn foreign_protocols() {
        assert_eq!(detect(b"GET / HTTP/1.1"), Detect::Unknown);
        assert_eq!(detect(b"POST"), Detect::Unknown);
        assert_eq!(detect(&[0x16, 0x03, 0x01, 0x02, 0x00]), Detect::FakeTls);
    }

    proptest! {
        #[test]
        fn decides_within_eight_bytes(bytes in prop::collection::vec(any::<u8>(), 8..64)) {
            prop_assert_ne!(detect(&bytes), Detect::NeedMore);
            prop_assert_eq!(detect(&bytes), detect(&bytes[..DETECT_BYTES]));
        }
    }
}
