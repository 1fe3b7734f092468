//! Unit tests of obfuscated2.

use proptest::prelude::*;

use super::super::testutil::{cuts, encode_all, feed, payloads, positions, rng};
use super::*;

const SECRET: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];

/// A random source giving 0, 1, 2, ... (an acceptable init), then zeros.
fn counting() -> Box<dyn Random> {
    let mut next = 0u8;
    Box::new(move |buf: &mut [u8]| {
        for b in buf {
            *b = next;
            next = (next + 1) % 64;
        }
    })
}

fn client(secret: Option<[u8; 16]>) -> Obfuscated {
    Obfuscated::client(TransportKind::Intermediate, secret, 2, counting()).unwrap()
}

/// (secret, header bytes 56..64, client frame, server frame)
type Vector = (Option<[u8; 16]>, [u8; 8], [u8; 8], [u8; 8]);

/// Vectors computed independently with Python's `cryptography` AES-CTR
/// and `hashlib.sha256`, init = bytes 0..64 with tag `ee ee ee ee` and
/// DC 2 at 56..62: (header bytes 56..64, client frame [1, 2, 3, 4],
/// server frame [5, 6, 7, 8]), each intermediate-framed and encrypted.
#[rustfmt::skip]
const VECTORS: [Vector; 2] = [
    (None,
     [70, 24, 37, 94, 28, 0, 253, 93],
     [54, 169, 193, 40, 57, 243, 102, 69],
     [43, 157, 227, 112, 219, 202, 1, 72]),
    (Some(SECRET),
     [172, 105, 207, 146, 22, 111, 154, 169],
     [213, 214, 224, 139, 79, 111, 115, 153],
     [85, 143, 7, 223, 160, 14, 99, 79]),
];

#[test]
fn known_vectors_both_roles() {
    for (secret, tail, up, down) in VECTORS {
        let mut c = client(secret);
        let mut wire = BytesMut::new();
        c.encode(Bytes::from_static(&[1, 2, 3, 4]), &mut wire)
            .unwrap();
        let clear: Vec<u8> = (0..56).collect();
        assert_eq!(&wire[..56], &clear[..]);
        assert_eq!(&wire[56..64], &tail);
        assert_eq!(&wire[64..], &up);

        let mut s = Obfuscated::server(secret, rng(1));
        assert_eq!(s.decode(&mut wire).unwrap().unwrap(), &[1, 2, 3, 4][..]);
        assert_eq!(s.kind(), Some(TransportKind::Intermediate));
        assert_eq!(s.dc_id(), Some(2));

        let mut back = BytesMut::new();
        s.encode(Bytes::from_static(&[5, 6, 7, 8]), &mut back)
            .unwrap();
        assert_eq!(&back[..], &down);
        assert_eq!(c.decode(&mut back).unwrap().unwrap(), &[5, 6, 7, 8][..]);
    }
}

#[test]
fn client_matches_grammers_cipher() {
    let mut c = Obfuscated::client(TransportKind::Abridged, None, 4, rng(9)).unwrap();
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(&[1, 2, 3, 4, 5, 6, 7, 8]), &mut wire)
        .unwrap();
    let header: [u8; 64] = wire[..64].try_into().unwrap();
    let mut theirs = grammers_crypto::ObfuscatedCipher::new(&header);
    let mut init = header;
    theirs.encrypt(&mut init);
    assert_eq!(&init[56..62], &[0xef, 0xef, 0xef, 0xef, 4, 0]);
    let mut frame = wire[64..].to_vec();
    theirs.encrypt(&mut frame); // CTR: the same keystream decrypts
    assert_eq!(frame, [2, 1, 2, 3, 4, 5, 6, 7, 8]);

    // Server to client: grammers' receive cipher encrypts what we read.
    let mut down = vec![1, 9, 9, 9, 9];
    theirs.decrypt(&mut down);
    let mut src = BytesMut::from(&down[..]);
    assert_eq!(c.decode(&mut src).unwrap().unwrap(), &[9, 9, 9, 9][..]);
}

#[test]
fn init_rules() {
    let ok: [u8; 64] = std::array::from_fn(|i| i as u8 + 1);
    assert!(acceptable(&ok));
    let with = |at: usize, bytes: &[u8]| {
        let mut init = ok;
        init[at..at + bytes.len()].copy_from_slice(bytes);
        init
    };
    assert!(!acceptable(&with(0, &[0xef])));
    for first in [b"HEAD", b"POST", b"GET ", b"OPTI"] {
        assert!(!acceptable(&with(0, first)));
    }
    assert!(!acceptable(&with(0, &[0xdd; 4])));
    assert!(!acceptable(&with(0, &[0xee; 4])));
    assert!(!acceptable(&with(0, &[0x16, 0x03, 0x01, 0x02])));
    assert!(!acceptable(&with(4, &[0; 4])));

    // A source stuck on zeros (second word 0) never yields an init.
    let zeros: Box<dyn Random> = Box::new(|b: &mut [u8]| b.fill(0));
    assert!(matches!(
        Obfuscated::client(TransportKind::Abridged, None, 1, zeros),
        Err(TransportError::BadRandom)
    ));
    // A bad draw is redrawn.
    let mut draws = 0;
    let flaky: Box<dyn Random> = Box::new(move |b: &mut [u8]| {
        b.fill(if draws == 0 { 0xef } else { 7 });
        draws += 1;
    });
    let mut c = Obfuscated::client(TransportKind::Abridged, None, 1, flaky).unwrap();
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(&[0; 4]), &mut wire).unwrap();
    assert_eq!(&wire[..56], &[7; 56]);
    assert!(Obfuscated::client(TransportKind::Full, None, 1, rng(1)).is_err());
}

#[test]
fn server_waits_for_the_whole_init() {
    let mut wire = BytesMut::new();
    client(None)
        .encode(Bytes::from_static(&[1, 2, 3, 4]), &mut wire)
        .unwrap();
    let mut s = Obfuscated::server(None, rng(1));
    let mut src = BytesMut::from(&wire[..63]);
    assert_eq!(s.decode(&mut src), Ok(None));
    assert_eq!(src.len(), 63, "nothing consumed");
    assert_eq!(s.kind(), None);
    assert_eq!(
        s.encode(Bytes::from_static(&[1, 2, 3, 4]), &mut BytesMut::new()),
        Err(TransportError::HandshakePending)
    );
    src.extend_from_slice(&wire[63..]);
    assert_eq!(s.decode(&mut src).unwrap().unwrap(), &[1, 2, 3, 4][..]);
}

#[test]
fn wrong_secret_gives_bad_tag() {
    let mut wire = BytesMut::new();
    client(Some(SECRET))
        .encode(Bytes::from_static(&[1, 2, 3, 4]), &mut wire)
        .unwrap();
    for secret in [None, Some([0u8; 16])] {
        let mut s = Obfuscated::server(secret, rng(1));
        assert!(matches!(
            s.decode(&mut wire.clone()),
            Err(TransportError::BadObfuscatedTag(_))
        ));
    }
}

#[test]
fn status_frames_are_encrypted_too() {
    let mut c = client(None);
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(&[1, 2, 3, 4]), &mut wire)
        .unwrap();
    let mut s = Obfuscated::server(None, rng(1));
    s.decode(&mut wire).unwrap().unwrap();
    let mut back = BytesMut::new();
    s.encode(StatusFrame(-444), &mut back).unwrap();
    assert_ne!(&back[4..], &(-444i32).to_le_bytes());
    assert_eq!(c.decode(&mut back), Err(TransportError::Status(-444)));
}

fn kinds() -> [TransportKind; 3] {
    [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
    ]
}

fn matches(frames: &[BytesMut], ps: &[Vec<u8>]) -> bool {
    // Padded frames may keep up to 12 padding bytes.
    frames.len() == ps.len()
        && frames
            .iter()
            .zip(ps)
            .all(|(f, p)| f.starts_with(p) && f.len() - p.len() <= 12)
}

proptest! {
    #[test]
    fn round_trips_over_each_framing(
        ps in payloads(),
        cs in cuts(),
        seed in any::<u64>(),
        with_secret in any::<bool>(),
    ) {
        prop_assume!(ps.iter().all(|p| p.len() >= 24 || super::super::status_of(&p[..4]).is_none()));
        let secret = with_secret.then_some(SECRET);
        for kind in kinds() {
            let mut c = Obfuscated::client(kind, secret, -3, rng(seed)).unwrap();
            let up = encode_all(&mut c, &ps);
            let mut s = Obfuscated::server(secret, rng(seed ^ 1));
            let (frames, left) = feed(&mut s, &up, &positions(&cs, up.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert!(matches(&frames, &ps));
            prop_assert_eq!(s.kind(), Some(kind));
            prop_assert_eq!(s.dc_id(), Some(-3));

            let down = encode_all(&mut s, &ps);
            let (frames, left) = feed(&mut c, &down, &positions(&cs, down.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert!(matches(&frames, &ps));
        }
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), cs in cuts()) {
        let at = positions(&cs, bytes.len());
        let _ = feed(&mut Obfuscated::server(None, rng(1)), &bytes, &at);
        for kind in kinds() {
            let mut c = Obfuscated::client(kind, Some(SECRET), 2, rng(2)).unwrap();
            // A valid init, then garbage: fuzzes the server's framing.
            let mut stream = BytesMut::new();
            c.encode(Bytes::from_static(&[0; 4]), &mut stream).unwrap();
            stream.truncate(INIT_LEN);
            stream.extend_from_slice(&bytes);
            let at = positions(&cs, stream.len());
            let _ = feed(&mut Obfuscated::server(Some(SECRET), rng(1)), &stream, &at);
            let _ = feed(&mut c, &bytes, &at);
        }
    }
}
