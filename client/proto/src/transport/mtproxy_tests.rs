//! Unit tests of MTProxy secrets.

use super::super::FakeTlsError;
use super::*;

const KEY: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
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
fn fake_tls_secrets_in_hex_and_base64url() {
    // ee + KEY + "example.com"
    let hex = "ee0123456789abcdef0123456789abcdef6578616d706c652e636f6d";
    let s: ProxySecret = hex.parse().unwrap();
    assert_eq!((s.key(), s.kind()), (&KEY, SecretKind::FakeTls));
    assert_eq!(s.domain(), b"example.com");
    assert_eq!(s.to_hex(), hex);
    assert_eq!(
        s.transport(TransportKind::Abridged),
        TransportKind::Abridged
    );
    // The same secret as base64url, as tg:// links carry it (Python's
    // base64.urlsafe_b64encode of the bytes, padding dropped).
    let b64 = "7gEjRWeJq83vASNFZ4mrze9leGFtcGxlLmNvbQ";
    assert_eq!(b64.parse::<ProxySecret>(), Ok(s));
    assert_eq!(
        format!("{:?}", hex.parse::<ProxySecret>().unwrap()),
        "ProxySecret { kind: FakeTls, domain: \"example.com\", .. }"
    );
}

#[test]
fn fake_tls_domains_must_fit_the_hello() {
    let secret = |domain: &[u8]| {
        let mut bytes = vec![0xee];
        bytes.extend_from_slice(&KEY);
        bytes.extend_from_slice(domain);
        ProxySecret::from_bytes(&bytes)
    };
    assert!(secret(&[b'a'; 251]).is_ok());
    assert_eq!(
        secret(&[b'a'; 252]),
        Err(SecretError::Domain(FakeTlsError::DomainTooLong(252)))
    );
    assert_eq!(
        secret(b"bad domain"),
        Err(SecretError::Domain(FakeTlsError::BadDomain))
    );
    assert_eq!(
        secret(&[b'a'; 252]).unwrap_err().to_string(),
        "fake-TLS MTProxy secret: the fake-TLS secret's domain has 252 bytes, at most 251 fit"
    );
    // ee with a key and no domain is a 17-byte secret: a length error.
    assert_eq!(secret(b""), Err(SecretError::Length(17)));
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
