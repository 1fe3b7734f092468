//! Tests of the fake-TLS record layer: the handshake through the codecs,
//! round trips over every framing, and frames split and joined across
//! records at random points.

use proptest::prelude::*;
use proptest::sample::Index;

use super::super::faketls_hello::{check_client_hello, server_hello};
use super::super::testutil::{cuts, encode_all, feed, payloads, positions, rng};
use super::*;

const KEY: [u8; 16] = [7; 16];
const TIME: u32 = 1_800_000_000;

fn kinds() -> [TransportKind; 3] {
    [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
    ]
}

/// Plays the proxy's part of the handshake on the client's first bytes:
/// returns the answer and the server codec with the client's records left
/// in `up`.
fn accept(up: &mut BytesMut, seed: u64) -> (Vec<u8>, FakeTls) {
    let info = check_client_hello(&up[..HELLO_LEN], &KEY, TIME).expect("a valid hello");
    up.advance(HELLO_LEN);
    let answer = server_hello(&KEY, &info, 2000, &mut *rng(seed));
    (answer, FakeTls::server(KEY, rng(seed ^ 5)))
}

fn client(kind: TransportKind, seed: u64) -> FakeTls {
    FakeTls::client(kind, KEY, b"example.org", 4, TIME, rng(seed)).unwrap()
}

/// Padded frames may keep up to 12 padding bytes.
fn same(frames: &[BytesMut], ps: &[Vec<u8>]) -> bool {
    frames.len() == ps.len()
        && frames
            .iter()
            .zip(ps)
            .all(|(f, p)| f.starts_with(p) && f.len() - p.len() <= 12)
}

#[test]
fn first_bytes_are_the_hello_then_change_cipher_spec_then_data() {
    let mut c = client(TransportKind::Intermediate, 1);
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(&[1, 2, 3, 4]), &mut wire)
        .unwrap();
    assert_eq!(super::super::detect(&wire), super::super::Detect::FakeTls);
    assert_eq!(wire[..11], faketls_hello::HELLO_START);
    assert_eq!(wire[HELLO_LEN..HELLO_LEN + 6], CHANGE_CIPHER_SPEC);
    // One record: the 64-byte init and the 8-byte frame.
    assert_eq!(&wire[HELLO_LEN + 6..HELLO_LEN + 11], &[0x17, 3, 3, 0, 72]);
    assert_eq!(wire.len(), HELLO_LEN + 6 + 5 + 72);
    // The next frame has no hello.
    let mut next = BytesMut::new();
    c.encode(Bytes::from_static(&[1, 2, 3, 4]), &mut next)
        .unwrap();
    assert_eq!(&next[..5], &[0x17, 3, 3, 0, 8]);
}

#[test]
fn handshake_and_round_trip_over_every_framing() {
    for kind in kinds() {
        let mut c = client(kind, 2);
        let mut up = encode_all(&mut c, &[vec![1; 8], vec![2; 40_000]]);
        let (answer, mut s) = accept(&mut up, 3);
        let (frames, left) = feed(&mut s, &up, &[]).unwrap();
        assert_eq!(left, 0);
        assert!(same(&frames, &[vec![1; 8], vec![2; 40_000]]), "{kind}");
        assert_eq!((s.kind(), s.dc_id()), (Some(kind), Some(4)));

        // The answer, then frames, arriving a byte at a time at first.
        let mut down = BytesMut::from(&answer[..]);
        down.extend_from_slice(&encode_all(&mut s, &[vec![3; 20], vec![4; 70_000]]));
        let cuts: Vec<usize> = (0..300).collect();
        let (frames, left) = feed(&mut c, &down, &cuts).unwrap();
        assert_eq!(left, 0);
        assert!(same(&frames, &[vec![3; 20], vec![4; 70_000]]), "{kind}");
    }
}

#[test]
fn long_frames_span_records_of_at_most_16_kib() {
    let mut c = client(TransportKind::Intermediate, 3);
    let mut up = encode_all(&mut c, &[vec![9; 40_000]]);
    up.advance(HELLO_LEN + 6);
    let mut sizes = Vec::new();
    while !up.is_empty() {
        assert_eq!(&up[..3], &[0x17, 3, 3]);
        let len = usize::from(u16::from_be_bytes([up[3], up[4]]));
        sizes.push(len);
        up.advance(5 + len);
    }
    assert_eq!(sizes, [16384, 16384, 40_000 + 4 + 64 - 32768]);
}

#[test]
fn a_wrong_answer_is_an_error_not_a_hang() {
    let mut c = client(TransportKind::Intermediate, 4);
    let mut up = encode_all(&mut c, &[vec![1; 8]]);
    let (answer, _) = accept(&mut up, 3);
    let mut bad = BytesMut::from(&answer[..]);
    bad[20] ^= 0xff;
    assert_eq!(
        c.decode(&mut bad),
        Err(TransportError::FakeTls(FakeTlsError::BadServerDigest))
    );
    // A plain MTProto server answering a fake-TLS client.
    let mut c = client(TransportKind::Intermediate, 4);
    let mut plain = BytesMut::from(&[4, 0, 0, 0, 1, 2, 3, 4][..]);
    assert!(matches!(
        c.decode(&mut plain),
        Err(TransportError::FakeTls(FakeTlsError::BadServerHello(_)))
    ));
}

#[test]
fn bad_records_after_the_handshake() {
    let mut s = FakeTls::server(KEY, rng(1));
    for (bytes, err) in [
        (
            &[0x15, 3, 3, 0, 2, 2, 40][..],
            FakeTlsError::BadRecord {
                kind: 0x15,
                version: [3, 3],
            },
        ),
        (
            &[0x17, 3, 1, 0, 1, 0],
            FakeTlsError::BadRecord {
                kind: 0x17,
                version: [3, 1],
            },
        ),
        (
            &[0x17, 3, 3, 0xff, 0xff],
            FakeTlsError::RecordTooLarge(0xffff),
        ),
    ] {
        let mut src = BytesMut::from(bytes);
        assert_eq!(s.decode(&mut src), Err(TransportError::FakeTls(err)));
    }
}

/// Re-cuts the records of `wire` (a stream of application-data records)
/// at `at` (positions in the payload stream), with a ChangeCipherSpec
/// record before every `ccs_every`-th one.
fn recut(wire: &[u8], at: &[Index], ccs_every: usize) -> Vec<u8> {
    let mut payload = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        payload.extend_from_slice(&rest[5..5 + len]);
        rest = &rest[5 + len..];
    }
    let mut cuts = positions(at, payload.len());
    cuts.push(payload.len());
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for (i, cut) in cuts.into_iter().enumerate() {
        if i % ccs_every == 0 {
            out.extend_from_slice(&CHANGE_CIPHER_SPEC);
        }
        let mut records = BytesMut::new();
        write_records(&payload[from..cut], &mut records);
        if from == cut {
            records.extend_from_slice(&[0x17, 3, 3, 0, 0]); // empty records are fine
        }
        out.extend_from_slice(&records);
        from = cut;
    }
    out
}

proptest! {
    /// Frames split and joined across records at random points, records
    /// split across reads at random points, in both directions.
    #[test]
    fn frames_across_records_at_random_points(
        ps in payloads(),
        records in cuts(),
        reads in cuts(),
        ccs_every in 1usize..5,
        seed in any::<u64>(),
    ) {
        prop_assume!(ps.iter().all(|p| p.len() >= 24 || super::super::status_of(&p[..4]).is_none()));
        for kind in kinds() {
            let mut c = client(kind, seed);
            let mut up = encode_all(&mut c, &ps);
            up.advance(HELLO_LEN + CHANGE_CIPHER_SPEC.len());
            let up = recut(&up, &records, ccs_every);
            let mut s = FakeTls::server(KEY, rng(seed ^ 1));
            let (frames, left) = feed(&mut s, &up, &positions(&reads, up.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert!(same(&frames, &ps));

            // The client: a fresh one, so that the answer is keyed with its hello.
            let mut c = client(kind, seed);
            let mut hello = encode_all(&mut c, &ps[..1]);
            let (answer, mut s) = accept(&mut hello, seed);
            let (frames, _) = feed(&mut s, &hello, &[]).unwrap();
            prop_assert_eq!(frames.len(), 1);
            let down = encode_all(&mut s, &ps);
            let mut wire = answer;
            wire.extend_from_slice(&recut(&down, &records, ccs_every));
            let (frames, left) = feed(&mut c, &wire, &positions(&reads, wire.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert!(same(&frames, &ps));
        }
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), at in cuts()) {
        let at = positions(&at, bytes.len());
        let _ = feed(&mut FakeTls::server(KEY, rng(1)), &bytes, &at);
        let _ = feed(&mut client(TransportKind::Abridged, 2), &bytes, &at);
    }
}
