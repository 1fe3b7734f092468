//! Known-answer tests of the fake-TLS handshake. The pinned values were
//! computed independently with Python's `hmac` and `hashlib`, assembling
//! the hello and the answer byte by byte from the layout in the module docs
//! (key `0123…cdef` twice, domain `example.com`, time 1 700 000 000, fresh
//! bytes 0, 1, 2, …).

use sha2::Digest as _;

use super::*;

const KEY: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];
const TIME: u32 = 1_700_000_000;

/// A random source giving 0, 1, 2, … (wrapping).
fn counting() -> impl FnMut(&mut [u8]) {
    let mut next = 0u8;
    move |buf: &mut [u8]| {
        for b in buf {
            *b = next;
            next = next.wrapping_add(1);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

fn hello() -> ([u8; HELLO_LEN], [u8; DIGEST_LEN]) {
    client_hello(&KEY, b"example.com", TIME, &mut counting()).unwrap()
}

#[test]
fn client_hello_known_answer() {
    let (hello, digest) = hello();
    assert_eq!(hello[..11], HELLO_START);
    assert_eq!(&hello[DIGEST_POS..DIGEST_POS + DIGEST_LEN], &digest);
    assert_eq!(
        hex(&digest),
        "53340b37381624d50ef89355e34bcb6bd842a19c3262c8e7c384f27000a46bb5"
    );
    assert_eq!(
        sha256_hex(&hello),
        "83bb4046e4bf5ef3b2a95128087f692b820af38e384b9670da87847bc99d1f9b"
    );
    // The SNI names the domain; the padding extension ends the record.
    let at = hello
        .windows(11)
        .position(|w| w == b"example.com")
        .expect("SNI");
    assert_eq!(&hello[at - 9..at], &[0, 0, 0, 16, 0, 14, 0, 0, 11]);
    let info = check_client_hello(&hello, &KEY, TIME).unwrap();
    assert_eq!(info.server_name.as_deref(), Some(&b"example.com"[..]));
    assert_eq!(info.session_id, (0..32).collect::<Vec<u8>>());
    assert_eq!((info.unix_time, info.digest), (TIME, digest));
}

#[test]
fn server_hello_known_answer() {
    let (hello, digest) = hello();
    let info = check_client_hello(&hello, &KEY, TIME).unwrap();
    let answer = server_hello(&KEY, &info, 16, &mut counting());
    assert_eq!(answer.len(), 154);
    assert_eq!(
        hex(&answer[DIGEST_POS..DIGEST_POS + DIGEST_LEN]),
        "fe9d8abb6cf22a1ca920751f0880554344d8941aadc00e011fbff723a17962f0"
    );
    assert_eq!(
        sha256_hex(&answer),
        "0920c461cb940aa0bbd0ed28c3ed9b018e3415c30d9bfe0ac38d5313f9aa2ec5"
    );
    // The client measures it at every length and accepts it whole.
    for n in 0..answer.len() {
        assert_eq!(server_hello_len(&answer[..n]), Ok(None), "{n} bytes");
    }
    let mut more = answer.clone();
    more.extend_from_slice(&[0x17, 3, 3, 0, 4, 1, 2, 3, 4]);
    assert_eq!(server_hello_len(&more), Ok(Some(154)));
    assert_eq!(verify_server_hello(&answer, &KEY, &digest), Ok(()));
}

#[test]
fn a_bad_server_digest_is_refused() {
    let (hello, digest) = hello();
    let info = check_client_hello(&hello, &KEY, TIME).unwrap();
    let answer = server_hello(&KEY, &info, 16, &mut counting());
    let mut flipped = answer.clone();
    flipped[DIGEST_POS] ^= 1;
    assert_eq!(
        verify_server_hello(&flipped, &KEY, &digest),
        Err(FakeTlsError::BadServerDigest)
    );
    // Any byte of the answer is covered, the random app data too.
    let mut flipped = answer.clone();
    flipped[150] ^= 1;
    assert_eq!(
        verify_server_hello(&flipped, &KEY, &digest),
        Err(FakeTlsError::BadServerDigest)
    );
    let other = server_hello(&[0; 16], &info, 16, &mut counting());
    assert_eq!(
        verify_server_hello(&other, &KEY, &digest),
        Err(FakeTlsError::BadServerDigest)
    );
    assert_eq!(
        FakeTlsError::BadServerDigest.to_string(),
        "the proxy's ServerHello digest does not match the secret (a wrong secret, or not an MTProxy)"
    );
}

#[test]
fn answers_that_are_not_fake_tls_are_refused_early() {
    // An HTTP server, a plain MTProto answer, an alert.
    for bad in [
        &b"HTTP/1.1 400"[..],
        &[0xef, 1, 2, 3],
        &[0x15, 3, 3, 0, 2, 2, 40],
    ] {
        assert!(matches!(
            server_hello_len(bad),
            Err(FakeTlsError::BadServerHello(_))
        ));
    }
    // A handshake record, then no ChangeCipherSpec.
    let mut wrong = vec![0x16, 3, 3, 0, 40];
    wrong.extend_from_slice(&[0; 40]);
    wrong.extend_from_slice(&[0x17, 3, 3, 0, 1, 0]);
    assert!(server_hello_len(&wrong).is_err());
    // A handshake record too short to hold the digest.
    assert!(server_hello_len(&[0x16, 3, 3, 0, 10]).is_err());
}

#[test]
fn the_proxy_checks_digest_and_clock() {
    let (hello, _) = hello();
    assert_eq!(
        check_client_hello(&hello, &[0; 16], TIME),
        Err(FakeTlsError::BadClientDigest)
    );
    let mut flipped = hello;
    flipped[300] ^= 1;
    assert_eq!(
        check_client_hello(&flipped, &KEY, TIME),
        Err(FakeTlsError::BadClientDigest)
    );
    assert!(check_client_hello(&hello, &KEY, TIME + 600).is_ok());
    assert_eq!(
        check_client_hello(&hello, &KEY, TIME + 601),
        Err(FakeTlsError::ClockSkew(601))
    );
    assert!(check_client_hello(&hello, &KEY, TIME - 1200).is_ok());
    assert_eq!(
        check_client_hello(&hello, &KEY, TIME - 1201),
        Err(FakeTlsError::ClockSkew(-1201))
    );
    assert_eq!(
        check_client_hello(&hello[..516], &KEY, TIME),
        Err(FakeTlsError::BadClientHello)
    );
}

#[test]
fn every_domain_length_fills_the_record_exactly() {
    for n in [1, 2, 100, 250, MAX_DOMAIN] {
        let domain = vec![b'x'; n];
        let (hello, _) = client_hello(&KEY, &domain, TIME, &mut counting()).unwrap();
        let info = check_client_hello(&hello, &KEY, TIME).unwrap();
        assert_eq!(info.server_name, Some(domain), "{n}");
    }
    assert_eq!(
        client_hello(&KEY, &[b'x'; MAX_DOMAIN + 1], TIME, &mut counting()).unwrap_err(),
        FakeTlsError::DomainTooLong(MAX_DOMAIN + 1)
    );
    assert_eq!(
        client_hello(&KEY, b"", TIME, &mut counting()).unwrap_err(),
        FakeTlsError::BadDomain
    );
}
