//! Connecting through a SOCKS5 proxy (RFC 1928), with optional
//! username/password authentication (RFC 1929).

use std::fmt;
use std::io;
use std::str::FromStr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A SOCKS5 proxy: `socks5://[user:pass@]host:port`.
#[derive(Clone, PartialEq, Eq)]
pub struct Socks5Proxy {
    /// The proxy's host name or IP.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// Username and password, if the proxy wants them.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for Socks5Proxy {
    /// The password is never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self.credentials.as_ref().map(|(u, _)| u.as_str());
        f.debug_struct("Socks5Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &user)
            .finish()
    }
}

impl FromStr for Socks5Proxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("socks5://")
            .or_else(|| s.strip_prefix("socks5h://"))
            .ok_or_else(|| format!("proxy {s:?} must start with socks5://"))?;
        let (credentials, hostport) = match rest.rsplit_once('@') {
            Some((cred, hp)) => {
                let (u, p) = cred
                    .split_once(':')
                    .ok_or_else(|| "proxy credentials must be user:password".to_owned())?;
                if u.is_empty() || u.len() > 255 || p.len() > 255 {
                    return Err("proxy user and password must be 1 to 255 bytes".to_owned());
                }
                (Some((u.to_owned(), p.to_owned())), hp)
            }
            None => (None, rest),
        };
        let hostport = hostport.trim_end_matches('/');
        let (host, port) = hostport
            .rsplit_once(':')
            .ok_or_else(|| format!("proxy {hostport:?} needs a port (host:port)"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = port
            .parse()
            .map_err(|_| format!("proxy port {port:?} is not a number"))?;
        if host.is_empty() {
            return Err("proxy host is empty".to_owned());
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

fn proxy_error(msg: impl Into<String>) -> io::Error {
    io::Error::other(format!("SOCKS5 proxy: {}", msg.into()))
}

impl Socks5Proxy {
    /// Opens a TCP connection to `target` through the proxy.
    pub async fn connect(&self, target: std::net::SocketAddr) -> io::Result<TcpStream> {
        let mut s = TcpStream::connect((self.host.as_str(), self.port)).await?;
        let method = if self.credentials.is_some() {
            0x02
        } else {
            0x00
        };
        s.write_all(&[0x05, 0x01, method]).await?;
        let mut reply = [0u8; 2];
        s.read_exact(&mut reply).await?;
        if reply[0] != 0x05 {
            return Err(proxy_error("not a SOCKS5 server"));
        }
        match (reply[1], &self.credentials) {
            (0x00, _) => {}
            (0x02, Some((user, pass))) => {
                let mut auth = vec![0x01, user.len() as u8];
                auth.extend_from_slice(user.as_bytes());
                auth.push(pass.len() as u8);
                auth.extend_from_slice(pass.as_bytes());
                s.write_all(&auth).await?;
                s.read_exact(&mut reply).await?;
                if reply[1] != 0x00 {
                    return Err(proxy_error("username or password refused"));
                }
            }
            (0xff, _) | (0x02, None) => {
                return Err(proxy_error(
                    "no acceptable authentication method (does it need a user and password?)",
                ));
            }
            (m, _) => return Err(proxy_error(format!("chose unknown method {m:#04x}"))),
        }
        let mut request = vec![0x05, 0x01, 0x00];
        match target.ip() {
            std::net::IpAddr::V4(ip) => {
                request.push(0x01);
                request.extend_from_slice(&ip.octets());
            }
            std::net::IpAddr::V6(ip) => {
                request.push(0x04);
                request.extend_from_slice(&ip.octets());
            }
        }
        request.extend_from_slice(&target.port().to_be_bytes());
        s.write_all(&request).await?;
        let mut head = [0u8; 4];
        s.read_exact(&mut head).await?;
        if head[1] != 0x00 {
            const REASONS: [&str; 9] = [
                "succeeded",
                "general failure",
                "connection not allowed by ruleset",
                "network unreachable",
                "host unreachable",
                "connection refused",
                "TTL expired",
                "command not supported",
                "address type not supported",
            ];
            let reason = REASONS
                .get(usize::from(head[1]))
                .copied()
                .unwrap_or("unknown error");
            return Err(proxy_error(format!("could not reach {target}: {reason}")));
        }
        let skip = match head[3] {
            0x01 => 4 + 2,
            0x04 => 16 + 2,
            0x03 => {
                let mut len = [0u8; 1];
                s.read_exact(&mut len).await?;
                usize::from(len[0]) + 2
            }
            t => {
                return Err(proxy_error(format!(
                    "unknown address type {t:#04x} in reply"
                )));
            }
        };
        let mut rest = vec![0u8; skip];
        s.read_exact(&mut rest).await?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn parsing() {
        let p: Socks5Proxy = "socks5://bob:s3cret@127.0.0.1:1080".parse().unwrap();
        assert_eq!(p.host, "127.0.0.1");
        assert_eq!(p.port, 1080);
        assert_eq!(p.credentials, Some(("bob".into(), "s3cret".into())));
        assert!(!format!("{p:?}").contains("s3cret"));
        let p: Socks5Proxy = "socks5://[::1]:9050".parse().unwrap();
        assert_eq!((p.host.as_str(), p.credentials), ("::1", None));
        assert!("http://x:1".parse::<Socks5Proxy>().is_err());
        assert!("socks5://host".parse::<Socks5Proxy>().is_err());
        assert!("socks5://host:port".parse::<Socks5Proxy>().is_err());
    }

    /// A one-connection SOCKS5 server that checks the credentials, then
    /// connects to the requested address and relays.
    async fn one_shot_proxy(listener: TcpListener, want: Option<(&'static str, &'static str)>) {
        let (mut c, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 3];
        c.read_exact(&mut head).await.unwrap();
        if let Some((user, pass)) = want {
            c.write_all(&[5, 2]).await.unwrap();
            let mut v = [0u8; 2];
            c.read_exact(&mut v).await.unwrap();
            let mut u = vec![0; usize::from(v[1])];
            c.read_exact(&mut u).await.unwrap();
            let mut pl = [0u8; 1];
            c.read_exact(&mut pl).await.unwrap();
            let mut p = vec![0; usize::from(pl[0])];
            c.read_exact(&mut p).await.unwrap();
            let ok = u == user.as_bytes() && p == pass.as_bytes();
            c.write_all(&[1, if ok { 0 } else { 1 }]).await.unwrap();
            if !ok {
                return;
            }
        } else {
            c.write_all(&[5, 0]).await.unwrap();
        }
        let mut req = [0u8; 10];
        c.read_exact(&mut req).await.unwrap();
        let ip = std::net::Ipv4Addr::new(req[4], req[5], req[6], req[7]);
        let port = u16::from_be_bytes([req[8], req[9]]);
        let mut up = TcpStream::connect((ip, port)).await.unwrap();
        c.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await.unwrap();
        tokio::io::copy_bidirectional(&mut c, &mut up).await.ok();
    }

    async fn echo_server() -> std::net::SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(&buf).await.unwrap();
        });
        addr
    }

    #[tokio::test]
    async fn relays_through_the_proxy_with_and_without_auth() {
        for want in [None, Some(("bob", "pw"))] {
            let target = echo_server().await;
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let paddr = l.local_addr().unwrap();
            tokio::spawn(one_shot_proxy(l, want));
            let proxy = Socks5Proxy {
                host: "127.0.0.1".into(),
                port: paddr.port(),
                credentials: want.map(|(u, p)| (u.into(), p.into())),
            };
            let mut s = proxy.connect(target).await.unwrap();
            s.write_all(b"hello").await.unwrap();
            let mut back = [0u8; 5];
            s.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"hello");
        }
    }

    #[tokio::test]
    async fn refused_credentials_are_a_clear_error() {
        let target = echo_server().await;
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let paddr = l.local_addr().unwrap();
        tokio::spawn(one_shot_proxy(l, Some(("bob", "pw"))));
        let proxy = Socks5Proxy {
            host: "127.0.0.1".into(),
            port: paddr.port(),
            credentials: Some(("bob".into(), "wrong".into())),
        };
        let err = proxy.connect(target).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "SOCKS5 proxy: username or password refused"
        );
    }
}
