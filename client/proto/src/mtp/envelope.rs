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
mod tests;
