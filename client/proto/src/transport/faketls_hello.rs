//! The handshake of MTProxy fake-TLS (`ee` secrets): a TLS 1.3-looking
//! ClientHello whose random field is a digest keyed with the secret, and
//! the proxy's answer, authenticated the same way. Pure functions for both
//! roles; the record layer is [`super::FakeTls`].
//!
//! The facts (from the protocol as Telegram's clients and the public
//! proxies speak it: tdesktop's `mtproto_tls_socket.cpp`, the `mtprotoproxy`
//! package's `handle_fake_tls_handshake`, and the MTProxy README's `ee`
//! secrets):
//!
//! - The ClientHello is one handshake record of exactly 517 bytes that
//!   starts `16 03 01 02 00 01 00 01 fc 03 03`; the SNI extension names the
//!   domain that follows the 16-byte key in the secret; a padding extension
//!   fills it up.
//! - Its 32-byte random field (offset 11) is `HMAC-SHA256(key, hello with
//!   the field zeroed)` with the current Unix time (`u32`, little-endian)
//!   XORed into its last 4 bytes. A proxy recomputes the HMAC, so the first
//!   28 bytes of the XOR must be zero and the last 4 give the client's
//!   clock, which must be close to the proxy's (replayed hellos are refused
//!   by remembering digests).
//! - The proxy answers with three records: a ServerHello (`16 03 03`), a
//!   ChangeCipherSpec (`14 03 03 00 01 01`) and an application-data record
//!   of random bytes (`17 03 03`). The ServerHello's random field (offset
//!   11 of the answer) is `HMAC-SHA256(key, client random + the whole answer
//!   with that field zeroed)`.
//! - Then both directions carry the obfuscated2 stream in application-data
//!   records (`17 03 03` + big-endian `u16` length); ChangeCipherSpec
//!   records may appear and carry nothing.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::Random;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The length of the ClientHello record.
pub const HELLO_LEN: usize = 517;
/// Where the 32-byte digest sits in the ClientHello and in the answer.
pub const DIGEST_POS: usize = 11;
/// The length of the digest.
pub const DIGEST_LEN: usize = 32;
/// How every fake-TLS ClientHello starts: a handshake record of 512 bytes
/// (TLS 1.0 record version), a ClientHello of 508 bytes, version TLS 1.2.
pub const HELLO_START: [u8; 11] = [0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3];
/// The ChangeCipherSpec record both sides send once.
pub(crate) const CHANGE_CIPHER_SPEC: [u8; 6] = [0x14, 3, 3, 0, 1, 1];
/// The longest domain that fits the 517-byte hello with this layout.
pub const MAX_DOMAIN: usize = 251;
/// How far a client's clock may be ahead of the proxy's (seconds); the
/// window `mtprotoproxy` uses (`TIME_SKEW_MIN`).
pub const MAX_CLIENT_AHEAD: i64 = 20 * 60;
/// How far a client's clock may be behind the proxy's (seconds;
/// `mtprotoproxy`'s `TIME_SKEW_MAX`).
pub const MAX_CLIENT_BEHIND: i64 = 10 * 60;

/// The TLS 1.3 and 1.2 cipher suites a browser offers (IANA values).
const CIPHER_SUITES: [u8; 30] = [
    0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9,
    0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35,
];

/// Extensions after the SNI, before the key share (RFC 8446 / RFC 7301 /
/// RFC 6066 code points): extended master secret, renegotiation info,
/// supported groups (x25519, P-256, P-384), EC point formats, session
/// ticket, ALPN (h2, http/1.1), status request, signature algorithms,
/// signed certificate timestamps.
const MIDDLE_EXTENSIONS: &[u8] = &[
    0x00, 0x17, 0x00, 0x00, // extended_master_secret
    0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info
    0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, // groups
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats
    0x00, 0x23, 0x00, 0x00, // session_ticket
    0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, b'h', b'2', 0x08, b'h', b't', b't', b'p', b'/', b'1',
    b'.', b'1', // ALPN
    0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, // status_request
    0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05,
    0x05, 0x01, 0x08, 0x06, 0x06, 0x01, // signature_algorithms
    0x00, 0x12, 0x00, 0x00, // signed_certificate_timestamp
];

/// Extensions after the key share: PSK modes, supported versions (1.3, 1.2).
const LAST_EXTENSIONS: &[u8] = &[
    0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, // psk_key_exchange_modes
    0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, // supported_versions
];

/// What can go wrong in the fake-TLS layer, on either side.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FakeTlsError {
    /// The secret's domain is empty or not printable ASCII.
    #[error("the fake-TLS secret's domain is empty or not printable ASCII")]
    BadDomain,
    /// The secret's domain does not fit the ClientHello.
    #[error("the fake-TLS secret's domain has {0} bytes, at most 251 fit")]
    DomainTooLong(usize),
    /// The proxy's answer does not have the fake-TLS ServerHello layout.
    #[error("the proxy's answer is not a fake-TLS ServerHello (first bytes {0:02x?})")]
    BadServerHello(Vec<u8>),
    /// The proxy's ServerHello is not keyed with our secret.
    #[error(
        "the proxy's ServerHello digest does not match the secret (a wrong secret, or not an MTProxy)"
    )]
    BadServerDigest,
    /// A record that is neither application data nor ChangeCipherSpec.
    #[error("unexpected TLS record (type {kind:#04x}, version {version:02x?})")]
    BadRecord {
        /// The record type.
        kind: u8,
        /// The record's protocol version.
        version: [u8; 2],
    },
    /// A record longer than TLS allows.
    #[error("TLS record of {0} bytes exceeds the TLS limit")]
    RecordTooLarge(usize),
    /// Server side: not a fake-TLS ClientHello.
    #[error("not a fake-TLS ClientHello")]
    BadClientHello,
    /// Server side: the ClientHello's digest is not keyed with the secret.
    #[error("the ClientHello digest does not match the secret")]
    BadClientDigest,
    /// Server side: the client's clock is too far from ours.
    #[error("the ClientHello's time is {0} s away from the proxy's clock")]
    ClockSkew(i64),
}

fn hmac(key: &[u8; 16], parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(key) else {
        // HMAC takes keys of any length.
        return [0; DIGEST_LEN];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Checks a secret's domain: printable ASCII that fits the hello.
pub fn check_domain(domain: &[u8]) -> Result<(), FakeTlsError> {
    if domain.is_empty() || !domain.iter().all(|b| b.is_ascii_graphic()) {
        return Err(FakeTlsError::BadDomain);
    }
    if domain.len() > MAX_DOMAIN {
        return Err(FakeTlsError::DomainTooLong(domain.len()));
    }
    Ok(())
}

/// Builds the ClientHello for `domain`, keyed with `key`, at `unix_time`.
/// `random` gives the session id and the key share (64 bytes). Returns the
/// record and its digest (what the proxy's answer is keyed with).
pub fn client_hello(
    key: &[u8; 16],
    domain: &[u8],
    unix_time: u32,
    random: &mut dyn Random,
) -> Result<([u8; HELLO_LEN], [u8; DIGEST_LEN]), FakeTlsError> {
    check_domain(domain)?;
    let mut fresh = [0u8; 64];
    random.fill(&mut fresh);
    let (session_id, key_share) = fresh.split_at_mut(32);
    key_share[31] &= 0x7f; // an x25519 public key is below 2^255

    let mut out = Vec::with_capacity(HELLO_LEN);
    out.extend_from_slice(&HELLO_START);
    out.extend_from_slice(&[0; DIGEST_LEN]);
    out.push(32);
    out.extend_from_slice(session_id);
    out.extend_from_slice(&[0, CIPHER_SUITES.len() as u8]);
    out.extend_from_slice(&CIPHER_SUITES);
    out.extend_from_slice(&[1, 0]); // compression: null only
    let ext_len_at = out.len();
    out.extend_from_slice(&[0, 0]);
    // server_name: list of one host_name
    let n = domain.len() as u16;
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(n + 5).to_be_bytes());
    out.extend_from_slice(&(n + 3).to_be_bytes());
    out.push(0);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(domain);
    out.extend_from_slice(MIDDLE_EXTENSIONS);
    // key_share: one x25519 entry
    out.extend_from_slice(&[0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20]);
    out.extend_from_slice(key_share);
    out.extend_from_slice(LAST_EXTENSIONS);
    // padding up to the fixed length
    let padding = HELLO_LEN - out.len() - 4;
    out.extend_from_slice(&[0x00, 0x15]);
    out.extend_from_slice(&(padding as u16).to_be_bytes());
    out.resize(HELLO_LEN, 0);
    let ext_len = (HELLO_LEN - ext_len_at - 2) as u16;
    out[ext_len_at..ext_len_at + 2].copy_from_slice(&ext_len.to_be_bytes());

    let mut hello = [0u8; HELLO_LEN];
    hello.copy_from_slice(&out);
    let mut digest = hmac(key, &[&hello]);
    for (d, t) in digest[DIGEST_LEN - 4..]
        .iter_mut()
        .zip(unix_time.to_le_bytes())
    {
        *d ^= t;
    }
    hello[DIGEST_POS..DIGEST_POS + DIGEST_LEN].copy_from_slice(&digest);
    Ok((hello, digest))
}

/// The length of the proxy's three-record answer once all of it is in
/// `buf`, `None` while more bytes are needed, or why it is not one.
pub fn server_hello_len(buf: &[u8]) -> Result<Option<usize>, FakeTlsError> {
    let bad = || FakeTlsError::BadServerHello(buf[..buf.len().min(16)].to_vec());
    let expect = |at: usize, want: &[u8]| -> Result<bool, FakeTlsError> {
        let have = &buf[at.min(buf.len())..buf.len().min(at + want.len())];
        if have != &want[..have.len()] {
            return Err(bad());
        }
        Ok(have.len() == want.len())
    };
    let len_at = |at: usize| {
        buf.get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    if !expect(0, &[0x16, 3, 3])? {
        return Ok(None);
    }
    let Some(first) = len_at(3) else {
        return Ok(None);
    };
    if first < DIGEST_POS + DIGEST_LEN - 5 {
        return Err(bad());
    }
    let ccs = 5 + first;
    if !expect(ccs, &CHANGE_CIPHER_SPEC)? || !expect(ccs + 6, &[0x17, 3, 3])? {
        return Ok(None);
    }
    let Some(data) = len_at(ccs + 9) else {
        return Ok(None);
    };
    let total = ccs + 11 + data;
    Ok((buf.len() >= total).then_some(total))
}

/// Checks the digest of the proxy's answer `answer` (exactly the bytes
/// [`server_hello_len`] measured) against our hello's `client_digest`.
pub fn verify_server_hello(
    answer: &[u8],
    key: &[u8; 16],
    client_digest: &[u8; DIGEST_LEN],
) -> Result<(), FakeTlsError> {
    let Some(got) = answer.get(DIGEST_POS..DIGEST_POS + DIGEST_LEN) else {
        return Err(FakeTlsError::BadServerDigest);
    };
    let mut zeroed = answer.to_vec();
    zeroed[DIGEST_POS..DIGEST_POS + DIGEST_LEN].fill(0);
    let want = hmac(key, &[client_digest, &zeroed]);
    if got != want {
        return Err(FakeTlsError::BadServerDigest);
    }
    Ok(())
}

/// What a proxy learns from a valid ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHelloInfo {
    /// The random field as sent (replays repeat it; the answer is keyed
    /// with it).
    pub digest: [u8; DIGEST_LEN],
    /// The client's clock.
    pub unix_time: u32,
    /// The legacy session id, echoed in the answer.
    pub session_id: Vec<u8>,
    /// The SNI host name, if the hello has one.
    pub server_name: Option<Vec<u8>>,
}

/// Server side: checks a whole ClientHello record against `key` and the
/// proxy's clock `now` (the time window of [`MAX_CLIENT_AHEAD`] and
/// [`MAX_CLIENT_BEHIND`]). Replays are the caller's to refuse, by
/// remembering [`ClientHelloInfo::digest`].
pub fn check_client_hello(
    hello: &[u8],
    key: &[u8; 16],
    now: u32,
) -> Result<ClientHelloInfo, FakeTlsError> {
    if hello.len() != HELLO_LEN || hello[..HELLO_START.len()] != HELLO_START {
        return Err(FakeTlsError::BadClientHello);
    }
    let mut digest = [0u8; DIGEST_LEN];
    digest.copy_from_slice(&hello[DIGEST_POS..DIGEST_POS + DIGEST_LEN]);
    let mut zeroed = hello.to_vec();
    zeroed[DIGEST_POS..DIGEST_POS + DIGEST_LEN].fill(0);
    let want = hmac(key, &[&zeroed]);
    let mut xored = [0u8; DIGEST_LEN];
    for ((x, a), b) in xored.iter_mut().zip(digest).zip(want) {
        *x = a ^ b;
    }
    if xored[..DIGEST_LEN - 4].iter().any(|&b| b != 0) {
        return Err(FakeTlsError::BadClientDigest);
    }
    let unix_time = u32::from_le_bytes([xored[28], xored[29], xored[30], xored[31]]);
    let behind = i64::from(now) - i64::from(unix_time);
    if !(-MAX_CLIENT_AHEAD..=MAX_CLIENT_BEHIND).contains(&behind) {
        return Err(FakeTlsError::ClockSkew(behind));
    }
    let (session_id, server_name) = parse_hello_body(hello).ok_or(FakeTlsError::BadClientHello)?;
    Ok(ClientHelloInfo {
        digest,
        unix_time,
        session_id,
        server_name,
    })
}

/// The session id and SNI host name of a ClientHello record.
fn parse_hello_body(hello: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let u16_at = |at: usize| -> Option<usize> {
        let b = hello.get(at..at + 2)?;
        Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let mut at = DIGEST_POS + DIGEST_LEN;
    let sid_len = usize::from(*hello.get(at)?);
    let session_id = hello.get(at + 1..at + 1 + sid_len)?.to_vec();
    at += 1 + sid_len;
    at += 2 + u16_at(at)?; // cipher suites
    at += 1 + usize::from(*hello.get(at)?); // compression methods
    let end = (at + 2 + u16_at(at)?).min(hello.len());
    at += 2;
    let mut server_name = None;
    while at + 4 <= end {
        let (kind, len) = (u16_at(at)?, u16_at(at + 2)?);
        let body = hello.get(at + 4..at + 4 + len)?;
        if kind == 0 {
            // server_name_list: u16 length, then type 0 + u16 length + name
            let name_len = usize::from(u16::from_be_bytes([*body.get(3)?, *body.get(4)?]));
            server_name = Some(body.get(5..5 + name_len)?.to_vec());
        }
        at += 4 + len;
    }
    Some((session_id, server_name))
}

/// Server side: the three-record answer to a hello, keyed with `key` and
/// the hello's digest, echoing its session id, with `app_len` random bytes
/// in the application-data record (real proxies send about a certificate's
/// worth). `random` gives the key share and those bytes.
pub fn server_hello(
    key: &[u8; 16],
    hello: &ClientHelloInfo,
    app_len: u16,
    random: &mut dyn Random,
) -> Vec<u8> {
    let mut key_share = [0u8; 32];
    random.fill(&mut key_share);
    key_share[31] &= 0x7f;
    let mut body = Vec::with_capacity(128);
    body.extend_from_slice(&[3, 3]);
    body.extend_from_slice(&[0; DIGEST_LEN]);
    body.push(hello.session_id.len() as u8);
    body.extend_from_slice(&hello.session_id);
    body.extend_from_slice(&[0x13, 0x01, 0x00]); // TLS_AES_128_GCM_SHA256, no compression
    body.extend_from_slice(&[0x00, 0x2e]); // extensions: key share, supported version
    body.extend_from_slice(&[0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20]);
    body.extend_from_slice(&key_share);
    body.extend_from_slice(&[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);

    let mut out = Vec::with_capacity(body.len() + 20 + usize::from(app_len));
    out.extend_from_slice(&[0x16, 3, 3]);
    out.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    out.push(2); // ServerHello
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&body);
    out.extend_from_slice(&CHANGE_CIPHER_SPEC);
    out.extend_from_slice(&[0x17, 3, 3]);
    out.extend_from_slice(&app_len.to_be_bytes());
    let start = out.len();
    out.resize(start + usize::from(app_len), 0);
    random.fill(&mut out[start..]);
    let digest = hmac(key, &[&hello.digest, &out]);
    out[DIGEST_POS..DIGEST_POS + DIGEST_LEN].copy_from_slice(&digest);
    out
}

#[cfg(test)]
#[path = "faketls_hello_tests.rs"]
mod tests;
