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
//!   records after a fake ClientHello naming the domain
//!   ([`super::FakeTls`]).
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
    /// An `ee` secret: fake-TLS, with the domain in [`ProxySecret::domain`].
    FakeTls,
}

/// A parsed MTProxy secret. `Debug` does not show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxySecret {
    key: [u8; 16],
    kind: SecretKind,
    /// The fake-TLS domain (empty for the other kinds).
    domain: Vec<u8>,
}

impl std::fmt::Debug for ProxySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("ProxySecret");
        f.field("kind", &self.kind);
        if !self.domain.is_empty() {
            f.field("domain", &String::from_utf8_lossy(&self.domain));
        }
        f.finish_non_exhaustive()
    }
}

/// Why a string is not a usable MTProxy secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Neither hex nor base64url.
    #[error("MTProxy secret is neither hex nor base64url")]
    Encoding,
    /// Decoded, but not one of the known forms.
    #[error("MTProxy secret of {0} bytes: expected 16, 0xdd and 16, or 0xee, 16 and a domain")]
    Length(usize),
    /// An `ee` (fake-TLS) secret whose domain is unusable.
    #[error("fake-TLS MTProxy secret: {0}")]
    Domain(#[from] super::FakeTlsError),
}

impl ProxySecret {
    /// A plain or `dd` secret from its 16-byte key (a [`SecretKind::FakeTls`]
    /// one needs [`ProxySecret::fake_tls`]).
    pub fn new(key: [u8; 16], kind: SecretKind) -> Self {
        ProxySecret {
            key,
            kind,
            domain: Vec::new(),
        }
    }

    /// An `ee` secret: its key and the domain the ClientHello names.
    pub fn fake_tls(key: [u8; 16], domain: &[u8]) -> Result<Self, SecretError> {
        super::faketls_hello::check_domain(domain)?;
        Ok(ProxySecret {
            key,
            kind: SecretKind::FakeTls,
            domain: domain.to_vec(),
        })
    }

    /// Classifies decoded secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let key_of = |b: &[u8]| -> Option<[u8; 16]> { b.get(..16)?.try_into().ok() };
        match bytes {
            [0xee, rest @ ..] if rest.len() > 16 => {
                let key = key_of(rest).ok_or(SecretError::Length(bytes.len()))?;
                ProxySecret::fake_tls(key, &rest[16..])
            }
            [0xdd, key @ ..] if key.len() == 16 => Ok(ProxySecret::new(
                key_of(key).ok_or(SecretError::Length(bytes.len()))?,
                SecretKind::Padded,
            )),
            key if key.len() == 16 => Ok(ProxySecret::new(
                key_of(key).ok_or(SecretError::Length(bytes.len()))?,
                SecretKind::Simple,
            )),
            _ => Err(SecretError::Length(bytes.len())),
        }
    }

    /// The fake-TLS domain (empty unless [`SecretKind::FakeTls`]).
    pub fn domain(&self) -> &[u8] {
        &self.domain
    }

    /// The secret in the hex form proxies print (`dd…`, `ee…` + domain).
    pub fn to_hex(&self) -> String {
        let prefix: &[u8] = match self.kind {
            SecretKind::Simple => &[],
            SecretKind::Padded => &[0xdd],
            SecretKind::FakeTls => &[0xee],
        };
        prefix
            .iter()
            .chain(&self.key)
            .chain(&self.domain)
            .map(|b| format!("{b:02x}"))
            .collect()
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
            SecretKind::Simple | SecretKind::FakeTls => requested,
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
#[path = "mtproxy_tests.rs"]
mod tests;
