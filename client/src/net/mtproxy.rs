//! MTProxy addresses as users get them: `tg://proxy?server=…&port=…&secret=…`
//! and `https://t.me/proxy?…` links (the form Telegram's apps and proxies
//! print), or `host:port:secret`. The secret is hex or base64url
//! ([`ProxySecret`]): plain, `dd` or `ee` (fake-TLS).

use std::fmt;
use std::str::FromStr;

use crate::transport::{ProxySecret, SecretError};

/// A parsed `--mtproxy` value. `Debug` does not show the secret's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MtProxy {
    /// The proxy's host name or address.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// The secret.
    pub secret: ProxySecret,
}

/// Why a `--mtproxy` value is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MtProxyError {
    /// A link without one of its parameters.
    #[error("the proxy link has no {0} parameter")]
    Missing(&'static str),
    /// A port that is not a number from 1 to 65535.
    #[error("the proxy port {0:?} is not a number from 1 to 65535")]
    Port(String),
    /// Neither a link nor `host:port:secret`.
    #[error(
        "expected tg://proxy?server=HOST&port=PORT&secret=SECRET, https://t.me/proxy?…, or HOST:PORT:SECRET"
    )]
    Form,
    /// The secret is not a usable MTProxy secret.
    #[error("the proxy secret: {0}")]
    Secret(#[from] SecretError),
}

impl fmt::Display for MtProxy {
    /// `host:port` (never the secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The query of a proxy link, if `s` is one.
fn link_query(s: &str) -> Option<&str> {
    let lower = s.to_ascii_lowercase();
    let prefixes = [
        "tg://proxy?",
        "tg:proxy?",
        "https://t.me/proxy?",
        "http://t.me/proxy?",
        "t.me/proxy?",
        "https://telegram.me/proxy?",
    ];
    prefixes
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| &s[p.len()..])
}

/// Decodes `%XX` escapes and `+` (a space in query strings).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn port(s: &str) -> Result<u16, MtProxyError> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(MtProxyError::Port(s.to_owned())),
    }
}

impl FromStr for MtProxy {
    type Err = MtProxyError;

    fn from_str(s: &str) -> Result<Self, MtProxyError> {
        let s = s.trim();
        if let Some(query) = link_query(s) {
            let (mut server, mut port_text, mut secret) = (None, None, None);
            for pair in query.split('&') {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = percent_decode(value);
                match key {
                    "server" => server = Some(value),
                    "port" => port_text = Some(value),
                    "secret" => secret = Some(value),
                    _ => {}
                }
            }
            let host = server
                .filter(|h| !h.is_empty())
                .ok_or(MtProxyError::Missing("server"))?;
            let port = port(&port_text.ok_or(MtProxyError::Missing("port"))?)?;
            let secret = secret.ok_or(MtProxyError::Missing("secret"))?.parse()?;
            return Ok(MtProxy { host, port, secret });
        }
        let (hostport, secret) = s.rsplit_once(':').ok_or(MtProxyError::Form)?;
        let (host, port_text) = hostport.rsplit_once(':').ok_or(MtProxyError::Form)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(MtProxyError::Form);
        }
        Ok(MtProxy {
            host: host.to_owned(),
            port: port(port_text)?,
            secret: secret.parse()?,
        })
    }
}

#[cfg(test)]
#[path = "mtproxy_tests.rs"]
mod tests;
