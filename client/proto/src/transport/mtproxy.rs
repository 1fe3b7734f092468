//! MTProxy secrets
//! (<https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>).
//!
//! A proxy secret is given as hex or, in `tg://proxy?...&secret=` links, as
//! base64url. Its forms, by first byte (the same three gotd distinguishes in
//! `internal/mtproxy/secret.go`):
//!
//! - 16 bytes: a plain secret; any obfuscatable transport may be used;
//! - `dd` + 16 bytes: the proxy only accepts padded intermediate;
//! - `ee` + 16 bytes + a domain: fake-TLS, which wraps obfuscated2 in TLS
//!   records after a fake ClientHello. Not supported here yet: parsing one
//!   gives [`SecretError::FakeTlsUnsupported`].
//!
//! The 16-byte key is mixed into both obfuscated2 keys as
//! `SHA256(key_part + secret)` (see [`super::Obfuscated`]).

use super::TransportKind;

/// What a secret tells the client to do besides keying the cipher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// A plain 16-byte secret.
    Simple,
    /// A `dd` secret: padded intermediate only.
    Padded,
}

/// A parsed MTProxy secret. `Debug` does not show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxySecret {
    key: [u8; 16],
    kind: SecretKind,
}

impl std::fmt::Debug for ProxySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySecret")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Why a string is not a usable MTProxy secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Neither hex nor base64url.
    #[error("MTProxy secret is neither hex nor base64url")]
    Encoding,
    /// Decoded, but not one of the known forms.
    #[error("MTProxy secret of {0} bytes: expected 16, or 0xdd and 16")]
    Length(usize),
    /// An `ee` (fake-TLS) secret.
    #[error("fake-TLS MTProxy secrets are not supported yet")]
    FakeTlsUnsupported,
}

impl ProxySecret {
    /// A secret from its 16-byte key.
    pub fn new(key: [u8; 16], kind: SecretKind) -> Self {
        ProxySecret { key, kind }
    }

    /// Classifies decoded secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let (key, kind) = match bytes {
            [0xee, rest @ ..] if rest.len() > 16 => return Err(SecretError::FakeTlsUnsupported),
            [0xdd, key @ ..] if key.len() == 16 => (key, SecretKind::Padded),
            key => (key, SecretKind::Simple),
        };
        let key = key
            .try_into()
            .map_err(|_| SecretError::Length(bytes.len()))?;
        Ok(ProxySecret { key, kind })
    }

    /// The 16 bytes mixed into the obfuscated2 keys.
    pub fn key(&self) -> &[u8; 16] {
        &self.key
    }

    /// The secret's form.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The framing to use through this proxy when `requested` was asked for.
    pub fn transport(&self, requested: TransportKind) -> TransportKind {
        match self.kind {
            SecretKind::Padded => TransportKind::PaddedIntermediate,
            SecretKind::Simple => requested,
        }
    }
}

impl std::str::FromStr for ProxySecret {
    type Err = SecretError;

    /// Parses hex (either case) or base64url (padding optional; `+` and `/`
    /// accepted too). Hex wins when both decodings apply and it is valid.
    fn from_str(s: &str) -> Result<Self, SecretError> {
        let s = s.trim();
        let mut first_err = None;
        for bytes in [decode_hex(s), decode_base64url(s)].into_iter().flatten() {
            match ProxySecret::from_bytes(&bytes) {
                Ok(secret) => return Ok(secret),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(SecretError::Encoding))
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

fn decode_base64url(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.is_empty() || s.len() % 4 == 1 {
        return None;
    }
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' | b'+' => Some(62),
        b'_' | b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = acc << 6 | u32::from(sextet(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 16] = [
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
        0xef,
    ];

    #[test]
    fn hex_forms() {
        let s: ProxySecret = "0123456789abcdef0123456789ABCDEF".parse().unwrap();
        assert_eq!((s.key(), s.kind()), (&KEY, SecretKind::Simple));
        let s: ProxySecret = " dd0123456789abcdef0123456789abcdef\n".parse().unwrap();
        assert_eq!((s.key(), s.kind()), (&KEY, SecretKind::Padded));
        assert_eq!(
            s.transport(TransportKind::Abridged),
            TransportKind::PaddedIntermediate
        );
    }

    #[test]
    fn base64url_forms() {
        // base64url of 0xdd + KEY, computed with Python's
        // base64.urlsafe_b64encode: "3QEjRWeJq83vASNFZ4mrze8=".
        let s: ProxySecret = "3QEjRWeJq83vASNFZ4mrze8".parse().unwrap();
        assert_eq!((s.key(), s.kind()), (&KEY, SecretKind::Padded));
        let s: ProxySecret = "3QEjRWeJq83vASNFZ4mrze8=".parse().unwrap();
        assert_eq!(s.kind(), SecretKind::Padded);
        // Plain KEY: "ASNFZ4mrze8BI0VniavN7w==".
        let s: ProxySecret = "ASNFZ4mrze8BI0VniavN7w".parse().unwrap();
        assert_eq!((s.key(), s.kind()), (&KEY, SecretKind::Simple));
    }

    #[test]
    fn fake_tls_is_a_clear_error() {
        // ee + KEY + "example.com"
        let hex = "ee0123456789abcdef0123456789abcdef6578616d706c652e636f6d";
        let err = hex.parse::<ProxySecret>().unwrap_err();
        assert_eq!(err, SecretError::FakeTlsUnsupported);
        assert_eq!(
            err.to_string(),
            "fake-TLS MTProxy secrets are not supported yet"
        );
        // The same secret as base64url, as tg:// links carry it.
        let b64 = "7gEjRWeJq83vASNFZ4mrze9leGFtcGxlLmNvbQ";
        assert_eq!(
            b64.parse::<ProxySecret>(),
            Err(SecretError::FakeTlsUnsupported)
        );
    }

    #[test]
    fn bad_secrets() {
        assert_eq!("".parse::<ProxySecret>(), Err(SecretError::Encoding));
        assert_eq!(
            "not a secret!".parse::<ProxySecret>(),
            Err(SecretError::Encoding)
        );
        assert_eq!("0123".parse::<ProxySecret>(), Err(SecretError::Length(2)));
        assert_eq!(
            ProxySecret::from_bytes(&[0xdd; 16]).unwrap().kind(),
            SecretKind::Simple
        );
        assert_eq!(
            ProxySecret::from_bytes(&[0xdd; 18]),
            Err(SecretError::Length(18))
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let s = ProxySecret::new(KEY, SecretKind::Simple);
        assert_eq!(format!("{s:?}"), "ProxySecret { kind: Simple, .. }");
    }
}
