//! MTProto 2.0 encryption of one message, in both directions.
//!
//! <https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector>:
//!
//! ```text
//! msg_key_large = SHA256(substr(auth_key, 88+x, 32) + plaintext + random_padding)
//! msg_key       = substr(msg_key_large, 8, 16)
//! sha256_a      = SHA256(msg_key + substr(auth_key, x, 36))
//! sha256_b      = SHA256(substr(auth_key, 40+x, 36) + msg_key)
//! aes_key       = substr(sha256_a, 0, 8) + substr(sha256_b, 8, 16) + substr(sha256_a, 24, 8)
//! aes_iv        = substr(sha256_b, 0, 8) + substr(sha256_a, 8, 16) + substr(sha256_b, 24, 8)
//! ```
//!
//! with x = 0 from client to server and x = 8 from server to client. The frame
//! is `auth_key_id:long msg_key:int128 encrypted_data`, and the plaintext is
//! `salt:long session_id:long msg_id:long seq_no:int length:int data padding`
//! with 12..1024 bytes of padding making the total a multiple of 16.
//!
//! grammers-crypto 0.11 only encrypts as a client and decrypts as a client
//! (its `Side` is private), so both directions are written here with `sha2`
//! around its public AES-IGE.
//!
//! Receiving applies the checks of
//! <https://core.telegram.org/mtproto/security_guidelines#mtproto-encrypted-messages>:
//! the key id, then `msg_key` (always before any other verdict on the
//! plaintext), then the length field (non-negative, divisible by 4, within the
//! plaintext) and the padding length (12..=1024).

use grammers_crypto::aes::{ige_decrypt, ige_encrypt};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::clock::Random;
use super::error::Error;

/// Bytes before the encrypted data: auth_key_id and msg_key.
const OUTER_HEADER: usize = 8 + 16;
/// Bytes of the inner header: salt, session_id, msg_id, seq_no, length.
const INNER_HEADER: usize = 8 + 8 + 8 + 4 + 4;
/// The padding range MTProto 2.0 requires.
const MIN_PADDING: usize = 12;
const MAX_PADDING: usize = 1024;

/// Which way a message travels; decides `x` in the key derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to server (x = 0).
    ClientToServer,
    /// Server to client (x = 8).
    ServerToClient,
}

impl Direction {
    fn x(self) -> usize {
        match self {
            Self::ClientToServer => 0,
            Self::ServerToClient => 8,
        }
    }
}

/// A 2048-bit authorization key with its id.
#[derive(Clone)]
pub struct AuthKey {
    data: [u8; 256],
    id: [u8; 8],
}

impl AuthKey {
    /// Wraps the key bytes; the id is the low 64 bits of SHA1(key)
    /// (<https://core.telegram.org/mtproto/description#key-identifier-auth-key-id>).
    pub fn new(data: [u8; 256]) -> Self {
        let sha: [u8; 20] = Sha1::digest(data).into();
        let mut id = [0u8; 8];
        id.copy_from_slice(&sha[12..20]);
        Self { data, id }
    }

    /// The key bytes.
    pub fn bytes(&self) -> &[u8; 256] {
        &self.data
    }

    /// The key id as it appears on the wire.
    pub fn id_bytes(&self) -> [u8; 8] {
        self.id
    }

    /// The key id as a little-endian int64.
    pub fn id(&self) -> i64 {
        i64::from_le_bytes(self.id)
    }
}

impl std::fmt::Debug for AuthKey {
    // Never print the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthKey(id={:#018x})", self.id())
    }
}

/// The inner header fields of a decrypted message, and its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The server salt the sender used.
    pub salt: i64,
    /// The sender's session.
    pub session_id: i64,
    /// The message id.
    pub msg_id: i64,
    /// The sequence number.
    pub seq_no: i32,
    /// `message_data`, without header or padding.
    pub body: Vec<u8>,
}

/// The header fields of an outgoing message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Server salt.
    pub salt: i64,
    /// Session id.
    pub session_id: i64,
    /// Message id.
    pub msg_id: i64,
    /// Sequence number.
    pub seq_no: i32,
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The 16-byte msg_key of `plaintext` (which includes the padding).
fn msg_key(key: &AuthKey, dir: Direction, plaintext: &[u8]) -> [u8; 16] {
    let x = dir.x();
    let large = sha256(&[&key.data[88 + x..120 + x], plaintext]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&large[8..24]);
    out
}

/// `(aes_key, aes_iv)` for `msg_key`.
fn aes_key_iv(key: &AuthKey, msg_key: &[u8; 16], dir: Direction) -> ([u8; 32], [u8; 32]) {
    let x = dir.x();
    let a = sha256(&[msg_key, &key.data[x..x + 36]]);
    let b = sha256(&[&key.data[40 + x..76 + x], msg_key]);
    let mut aes_key = [0u8; 32];
    aes_key[..8].copy_from_slice(&a[..8]);
    aes_key[8..24].copy_from_slice(&b[8..24]);
    aes_key[24..].copy_from_slice(&a[24..]);
    let mut aes_iv = [0u8; 32];
    aes_iv[..8].copy_from_slice(&b[..8]);
    aes_iv[8..24].copy_from_slice(&a[8..24]);
    aes_iv[24..].copy_from_slice(&b[24..]);
    (aes_key, aes_iv)
}

/// Encrypts `plaintext` after appending `padding`; the caller guarantees the
/// sum is a multiple of 16 and the padding is 12..=1024 bytes.
fn encrypt_padded(
    key: &AuthKey,
    dir: Direction,
    mut plaintext: Vec<u8>,
    padding: &[u8],
) -> Vec<u8> {
    plaintext.extend_from_slice(padding);
    debug_assert_eq!(plaintext.len() % 16, 0);
    let mk = msg_key(key, dir, &plaintext);
    let (aes_key, aes_iv) = aes_key_iv(key, &mk, dir);
    ige_encrypt(&mut plaintext, &aes_key, &aes_iv);
    let mut frame = Vec::with_capacity(OUTER_HEADER + plaintext.len());
    frame.extend_from_slice(&key.id);
    frame.extend_from_slice(&mk);
    frame.extend_from_slice(&plaintext);
    frame
}

/// Encrypts a plaintext that already holds its header and padding, without
/// any check: tests forge bad lengths and paddings with it.
#[cfg(test)]
pub(super) fn seal_plaintext(key: &AuthKey, dir: Direction, plaintext: Vec<u8>) -> Vec<u8> {
    encrypt_padded(key, dir, plaintext, &[])
}

/// Padding length for `len` bytes of plaintext: the least amount >= 12 that
/// makes the total a multiple of 16, plus `extra_blocks` more blocks.
fn padding_len(len: usize, extra_blocks: usize) -> usize {
    MIN_PADDING + (16 - (len + MIN_PADDING) % 16) % 16 + 16 * extra_blocks
}

/// Builds and encrypts one message: header, `body` and random padding (a
/// random 0..=7 extra blocks, so lengths leak less).
pub fn seal(
    key: &AuthKey,
    dir: Direction,
    header: Header,
    body: &[u8],
    rng: &mut dyn Random,
) -> Vec<u8> {
    let mut plain = Vec::with_capacity(INNER_HEADER + body.len() + MAX_PADDING);
    plain.extend_from_slice(&header.salt.to_le_bytes());
    plain.extend_from_slice(&header.session_id.to_le_bytes());
    plain.extend_from_slice(&header.msg_id.to_le_bytes());
    plain.extend_from_slice(&header.seq_no.to_le_bytes());
    // Bodies are TL data, far below 2 GiB (the sender refuses larger ones).
    let len = i32::try_from(body.len()).unwrap_or(i32::MAX);
    plain.extend_from_slice(&len.to_le_bytes());
    plain.extend_from_slice(body);
    let mut extra = [0u8; 1];
    rng.fill(&mut extra);
    let mut padding = vec![0u8; padding_len(plain.len(), usize::from(extra[0] & 7))];
    rng.fill(&mut padding);
    encrypt_padded(key, dir, plain, &padding)
}

/// Checks the key id and length of `frame`, decrypts it and checks msg_key.
/// Returns the whole plaintext (header, data and padding).
fn decrypt(key: &AuthKey, dir: Direction, frame: &[u8]) -> Result<Vec<u8>, Error> {
    if frame.len() < 8 {
        return Err(Error::FrameLength { len: frame.len() });
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&frame[..8]);
    if id != key.id {
        return Err(Error::AuthKeyId {
            got: i64::from_le_bytes(id),
            expected: key.id(),
        });
    }
    // The smallest message: header, empty data, 16 bytes of padding.
    if frame.len() < OUTER_HEADER + INNER_HEADER + 16 {
        return Err(Error::FrameLength { len: frame.len() });
    }
    // The padded intermediate transport may add up to 15 random bytes after
    // the message (https://core.telegram.org/mtproto/mtproto-transports#padded-intermediate):
    // only whole AES blocks are the message; msg_key authenticates them.
    let data_len = (frame.len() - OUTER_HEADER) / 16 * 16;
    let frame = &frame[..OUTER_HEADER + data_len];
    let mut mk = [0u8; 16];
    mk.copy_from_slice(&frame[8..OUTER_HEADER]);
    let (aes_key, aes_iv) = aes_key_iv(key, &mk, dir);
    let mut plain = frame[OUTER_HEADER..].to_vec();
    ige_decrypt(&mut plain, &aes_key, &aes_iv);
    if msg_key(key, dir, &plain) != mk {
        return Err(Error::MsgKey);
    }
    Ok(plain)
}

fn le_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(a)
}

fn le_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_le_bytes(a)
}

/// Decrypts and checks one frame travelling in `dir`.
pub fn open(key: &AuthKey, dir: Direction, frame: &[u8]) -> Result<Opened, Error> {
    let mut plain = decrypt(key, dir, frame)?;
    // `decrypt` guarantees at least INNER_HEADER + 16 bytes.
    let declared = le_i32(&plain, 28);
    let available = plain.len() - INNER_HEADER;
    let fits = usize::try_from(declared).is_ok_and(|n| n % 4 == 0 && n <= available);
    if !fits {
        return Err(Error::MessageLength {
            declared: declared.into(),
            available,
        });
    }
    let len = usize::try_from(declared).unwrap_or_default();
    let padding = available - len;
    if !(MIN_PADDING..=MAX_PADDING).contains(&padding) {
        return Err(Error::Padding { padding });
    }
    let (salt, session_id) = (le_i64(&plain, 0), le_i64(&plain, 8));
    let (msg_id, seq_no) = (le_i64(&plain, 16), le_i32(&plain, 24));
    // The body stays in the decrypted buffer (a file part is 1 MiB: no
    // second buffer for it).
    plain.truncate(INNER_HEADER + len);
    plain.drain(..INNER_HEADER);
    Ok(Opened {
        salt,
        session_id,
        msg_id,
        seq_no,
        body: plain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mtp::clock::SeededRandom;

    fn counting<const N: usize>() -> [u8; N] {
        let mut b = [0u8; N];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8;
        }
        b
    }

    /// Known answers from grammers-crypto 0.11.0 `src/lib.rs` tests
    /// `calc_client_key` / `calc_server_key`: auth_key = bytes 0..=255,
    /// msg_key = bytes 0..=15.
    #[test]
    fn key_derivation_matches_grammers_vectors() {
        let key = AuthKey::new(counting::<256>());
        let mk = counting::<16>();
        let client = (
            [
                112, 78, 208, 156, 139, 65, 102, 138, 232, 249, 157, 36, 71, 56, 247, 29, 189, 220,
                68, 70, 155, 107, 189, 74, 168, 87, 61, 208, 66, 189, 5, 158,
            ],
            [
                77, 38, 96, 0, 165, 80, 237, 171, 191, 76, 124, 228, 15, 208, 4, 60, 201, 34, 48,
                24, 76, 211, 23, 165, 204, 156, 36, 130, 253, 59, 147, 24,
            ],
        );
        let server = (
            [
                33, 119, 37, 121, 155, 36, 88, 6, 69, 129, 116, 161, 252, 251, 200, 131, 144, 104,
                7, 177, 80, 51, 253, 208, 234, 43, 77, 105, 207, 156, 54, 78,
            ],
            [
                102, 154, 101, 56, 145, 122, 79, 165, 108, 163, 35, 96, 164, 49, 201, 22, 11, 228,
                173, 136, 113, 64, 152, 13, 171, 145, 206, 123, 220, 71, 255, 188,
            ],
        );
        assert_eq!(aes_key_iv(&key, &mk, Direction::ClientToServer), client);
        assert_eq!(aes_key_iv(&key, &mk, Direction::ServerToClient), server);
    }

    /// grammers-crypto 0.11.0 `encrypt_client_data_v2`: this plaintext with
    /// zero padding (19 bytes, the least that reaches a multiple of 16).
    #[test]
    fn client_encryption_matches_grammers_vector() {
        let key = AuthKey::new(counting::<256>());
        let plain = b"Hello, world! This data should remain secure!".to_vec();
        assert_eq!(padding_len(plain.len(), 0), 19);
        let frame = encrypt_padded(&key, Direction::ClientToServer, plain, &[0u8; 19]);
        let expected: [u8; 88] = [
            50, 209, 88, 110, 164, 87, 223, 200, 168, 23, 41, 212, 109, 181, 64, 25, 162, 191, 215,
            247, 68, 249, 185, 108, 79, 113, 108, 253, 196, 71, 125, 178, 162, 193, 95, 109, 219,
            133, 35, 95, 185, 85, 47, 29, 132, 7, 198, 170, 234, 0, 204, 132, 76, 90, 27, 246, 172,
            68, 183, 155, 94, 220, 42, 35, 134, 139, 61, 96, 115, 165, 144, 153, 44, 15, 41, 117,
            36, 61, 86, 62, 161, 128, 210, 24, 238, 117, 124, 154,
        ];
        assert_eq!(frame, expected);
    }

    /// grammers-crypto 0.11.0 `decrypt_server_data_v2`: a message captured
    /// from Telegram with its auth key. Opening it exercises every check.
    #[test]
    fn opens_a_captured_telegram_message() {
        let frame: Vec<u8> = vec![
            122, 113, 131, 194, 193, 14, 79, 77, 249, 69, 250, 154, 154, 189, 53, 231, 195, 132,
            11, 97, 240, 69, 48, 79, 57, 103, 76, 25, 192, 226, 9, 120, 79, 80, 246, 34, 106, 7,
            53, 41, 214, 117, 201, 44, 191, 11, 250, 140, 153, 167, 155, 63, 57, 199, 42, 93, 154,
            2, 109, 67, 26, 183, 64, 124, 160, 78, 204, 85, 24, 125, 108, 69, 241, 120, 113, 82,
            78, 221, 144, 206, 160, 46, 215, 40, 225, 77, 124, 177, 138, 234, 42, 99, 97, 88, 240,
            148, 89, 169, 67, 119, 16, 216, 148, 199, 159, 54, 140, 78, 129, 100, 183, 100, 126,
            169, 134, 18, 174, 254, 148, 44, 93, 146, 18, 26, 203, 141, 176, 45, 204, 206, 182,
            109, 15, 135, 32, 172, 18, 160, 109, 176, 88, 43, 253, 149, 91, 227, 79, 54, 81, 24,
            227, 186, 184, 205, 8, 12, 230, 180, 91, 40, 234, 197, 109, 205, 42, 41, 55, 78,
        ];
        let key = AuthKey::new([
            93, 46, 125, 101, 244, 158, 194, 139, 208, 41, 168, 135, 97, 234, 39, 184, 164, 199,
            159, 18, 34, 101, 37, 68, 62, 125, 124, 89, 110, 243, 48, 53, 48, 219, 33, 7, 232, 154,
            169, 151, 199, 160, 22, 74, 182, 148, 24, 122, 222, 255, 21, 107, 214, 239, 113, 24,
            161, 150, 35, 71, 117, 60, 14, 126, 137, 160, 53, 75, 142, 195, 100, 249, 153, 126,
            113, 188, 105, 35, 251, 134, 232, 228, 52, 145, 224, 16, 96, 106, 108, 232, 69, 226,
            250, 1, 148, 9, 119, 239, 10, 163, 42, 223, 90, 151, 219, 246, 212, 40, 236, 4, 52,
            215, 23, 162, 211, 173, 25, 98, 44, 192, 88, 135, 100, 33, 19, 199, 150, 95, 251, 134,
            42, 62, 60, 203, 10, 185, 90, 221, 218, 87, 248, 146, 69, 219, 215, 107, 73, 35, 72,
            248, 233, 75, 213, 167, 192, 224, 184, 72, 8, 82, 60, 253, 30, 168, 11, 50, 254, 154,
            209, 152, 188, 46, 16, 63, 206, 183, 213, 36, 146, 236, 192, 39, 58, 40, 103, 75, 201,
            35, 238, 229, 146, 101, 171, 23, 160, 2, 223, 31, 74, 162, 197, 155, 129, 154, 94, 94,
            29, 16, 94, 193, 23, 51, 111, 92, 118, 198, 177, 135, 3, 125, 75, 66, 112, 206, 233,
            204, 33, 7, 29, 151, 233, 188, 162, 32, 198, 215, 176, 27, 153, 140, 242, 229, 205,
            185, 165, 14, 205, 161, 133, 42, 54, 230, 53, 105, 12, 142,
        ]);
        let opened = open(&key, Direction::ServerToClient, &frame).expect("valid frame");
        // The expected plaintext of the grammers test, split into fields.
        assert_eq!(
            opened.salt.to_le_bytes(),
            [252, 130, 106, 2, 36, 139, 40, 253]
        );
        assert_eq!(
            opened.msg_id.to_le_bytes(),
            [1, 240, 193, 194, 145, 139, 48, 94]
        );
        assert_eq!(opened.seq_no, 2);
        assert_eq!(opened.body.len(), 88);
        // A msg_container (0x73f1f8dc) of two messages.
        assert_eq!(opened.body[..8], [220, 248, 241, 115, 2, 0, 0, 0]);
        // The same frame read as client-to-server fails msg_key.
        assert_eq!(
            open(&key, Direction::ClientToServer, &frame),
            Err(Error::MsgKey)
        );
    }

    fn sample() -> (AuthKey, Header, Vec<u8>) {
        let mut rng = SeededRandom::new(1);
        let mut data = [0u8; 256];
        rng.fill(&mut data);
        let header = Header {
            salt: 0x1122_3344_5566_7788,
            session_id: -42,
            msg_id: 0x5e30_8b91_0000_0004,
            seq_no: 7,
        };
        (AuthKey::new(data), header, b"some TL body".to_vec())
    }

    #[test]
    fn round_trip_in_both_directions() {
        let (key, header, body) = sample();
        let mut rng = SeededRandom::new(2);
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            for n in 0..40 {
                let body = &body.repeat(n)[..];
                let frame = seal(&key, dir, header, body, &mut rng);
                assert_eq!((frame.len() - OUTER_HEADER) % 16, 0);
                let opened = open(&key, dir, &frame).expect("round trip");
                assert_eq!(
                    (opened.salt, opened.session_id, opened.msg_id, opened.seq_no),
                    (header.salt, header.session_id, header.msg_id, header.seq_no)
                );
                assert_eq!(opened.body, body);
            }
        }
    }

    #[test]
    fn every_tampered_byte_is_detected() {
        let (key, header, body) = sample();
        let frame = seal(
            &key,
            Direction::ServerToClient,
            header,
            &body,
            &mut SeededRandom::new(3),
        );
        for i in 0..frame.len() {
            let mut bad = frame.clone();
            bad[i] ^= 0x01;
            let err = open(&key, Direction::ServerToClient, &bad).expect_err("tampered");
            if i < 8 {
                assert!(matches!(err, Error::AuthKeyId { .. }), "byte {i}: {err:?}");
            } else {
                assert_eq!(err, Error::MsgKey, "byte {i}");
            }
        }
    }

    #[test]
    fn wrong_key_and_bad_lengths_are_typed() {
        let (key, header, body) = sample();
        let frame = seal(
            &key,
            Direction::ClientToServer,
            header,
            &body,
            &mut SeededRandom::new(4),
        );
        let other = AuthKey::new([9u8; 256]);
        assert!(matches!(
            open(&other, Direction::ClientToServer, &frame),
            Err(Error::AuthKeyId { .. })
        ));
        // A frame cut short loses its last block: msg_key no longer matches.
        assert_eq!(
            open(&key, Direction::ClientToServer, &frame[..frame.len() - 1]),
            Err(Error::MsgKey)
        );
        // Up to 15 bytes of transport padding after the message are ignored
        // (padded intermediate).
        for extra in 1..16 {
            let mut padded = frame.clone();
            padded.extend(std::iter::repeat_n(0xa5, extra));
            assert!(
                open(&key, Direction::ClientToServer, &padded).is_ok(),
                "{extra} bytes"
            );
        }
        assert_eq!(
            open(&key, Direction::ClientToServer, &frame[..5]),
            Err(Error::FrameLength { len: 5 })
        );
        assert_eq!(
            open(&key, Direction::ClientToServer, &frame[..OUTER_HEADER + 32]),
            Err(Error::FrameLength {
                len: OUTER_HEADER + 32
            })
        );
    }

    /// Builds a correctly keyed frame whose plaintext says `declared` bytes
    /// of data and carries `data_and_padding` bytes after the header.
    fn forged(key: &AuthKey, declared: i32, data_and_padding: usize) -> Vec<u8> {
        let mut plain = vec![0u8; INNER_HEADER];
        plain[28..32].copy_from_slice(&declared.to_le_bytes());
        plain.resize(INNER_HEADER + data_and_padding, 0xab);
        encrypt_padded(key, Direction::ServerToClient, plain, &[])
    }

    #[test]
    fn length_and_padding_checks() {
        let (key, ..) = sample();
        let open = |f: &[u8]| open(&key, Direction::ServerToClient, f);
        // 64 bytes after the header: data 48 + padding 16 is fine.
        assert!(open(&forged(&key, 48, 64)).is_ok());
        // Padding 12..=1024 holds at both ends.
        assert!(open(&forged(&key, 4, 16)).is_ok());
        assert_eq!(
            open(&forged(&key, 8, 16)),
            Err(Error::Padding { padding: 8 })
        );
        assert!(open(&forged(&key, 0, 1024)).is_ok());
        assert_eq!(
            open(&forged(&key, 0, 1040)),
            Err(Error::Padding { padding: 1040 })
        );
        // Length field: too big, negative, not divisible by 4.
        for declared in [68, -4, 46, i32::MAX, i32::MIN] {
            assert_eq!(
                open(&forged(&key, declared, 64)),
                Err(Error::MessageLength {
                    declared: declared.into(),
                    available: 64
                })
            );
        }
    }
}
