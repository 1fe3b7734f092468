//! Unit tests of `--mtproxy` values.

use super::*;
use crate::transport::SecretKind;

const EE: &str = "ee0123456789abcdef0123456789abcdef6578616d706c652e636f6d";

#[test]
fn tg_and_t_me_links() {
    for link in [
        format!("tg://proxy?server=proxy.example&port=443&secret={EE}"),
        format!("https://t.me/proxy?server=proxy.example&port=443&secret={EE}"),
        format!("t.me/proxy?port=443&secret={EE}&server=proxy.example&extra=1"),
        format!("TG://proxy?server=proxy.example&port=443&secret={EE}"),
    ] {
        let p: MtProxy = link.parse().unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 443), "{link}");
        assert_eq!(p.secret.kind(), SecretKind::FakeTls);
        assert_eq!(p.secret.domain(), b"example.com");
        assert_eq!(p.to_string(), "proxy.example:443");
    }
    // base64url secrets, padding percent-encoded or not.
    let p: MtProxy =
        "tg://proxy?server=1.2.3.4&port=8443&secret=7gEjRWeJq83vASNFZ4mrze9leGFtcGxlLmNvbQ%3D%3D"
            .parse()
            .unwrap();
    assert_eq!(p.secret.to_hex(), EE);
    let p: MtProxy = "tg://proxy?server=1.2.3.4&port=8443&secret=3QEjRWeJq83vASNFZ4mrze8"
        .parse()
        .unwrap();
    assert_eq!(p.secret.kind(), SecretKind::Padded);
}

#[test]
fn host_port_secret() {
    let p: MtProxy = "127.0.0.1:4433:dd0123456789abcdef0123456789abcdef"
        .parse()
        .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 4433));
    assert_eq!(p.secret.kind(), SecretKind::Padded);
    let p: MtProxy = format!("[::1]:443:{EE}").parse().unwrap();
    assert_eq!(p.host, "::1");
    assert_eq!(p.to_string(), "[::1]:443");
}

#[test]
fn clear_errors() {
    let cases = [
        (
            "tg://proxy?port=1&secret=00",
            MtProxyError::Missing("server"),
        ),
        (
            "tg://proxy?server=h&secret=00",
            MtProxyError::Missing("port"),
        ),
        (
            "tg://proxy?server=h&port=1",
            MtProxyError::Missing("secret"),
        ),
        (
            "tg://proxy?server=h&port=0&secret=00",
            MtProxyError::Port("0".into()),
        ),
        ("h:99999:00", MtProxyError::Port("99999".into())),
        ("just-a-host", MtProxyError::Form),
        ("h:1:0123", MtProxyError::Secret(SecretError::Length(2))),
    ];
    for (input, want) in cases {
        assert_eq!(input.parse::<MtProxy>(), Err(want), "{input}");
    }
    assert_eq!(
        "tg://proxy?server=h&port=1"
            .parse::<MtProxy>()
            .unwrap_err()
            .to_string(),
        "the proxy link has no secret parameter"
    );
}

#[test]
fn debug_and_display_hide_the_key() {
    let p: MtProxy = format!("h:1:{EE}").parse().unwrap();
    let shown = format!("{p:?} {p}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%3Db%2fc+d%"), "a=b/c d%");
    assert_eq!(percent_decode("%zz%4"), "%zz%4");
}
