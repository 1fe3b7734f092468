//! Unit tests of the shared transport items.

use super::*;

#[test]
fn kind_names_round_trip() {
    for kind in TransportKind::ALL {
        assert_eq!(kind.to_string().parse::<TransportKind>(), Ok(kind));
    }
    assert_eq!(
        "padded-intermediate".parse(),
        Ok(TransportKind::PaddedIntermediate)
    );
    let err = "tcp".parse::<TransportKind>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown transport \"tcp\" (expected abridged, intermediate, padded or full)"
    );
}

#[test]
fn obfuscated_tags() {
    assert_eq!(TransportKind::Full.obfuscated_tag(), None);
    for kind in TransportKind::ALL {
        if let Some(tag) = kind.obfuscated_tag() {
            assert_eq!(TransportKind::from_obfuscated_tag(tag), Some(kind));
        }
    }
    assert_eq!(TransportKind::from_obfuscated_tag([1, 2, 3, 4]), None);
}

#[test]
fn status_only_for_four_negative_bytes() {
    assert_eq!(status_of(&(-404i32).to_le_bytes()), Some(-404));
    assert_eq!(status_of(&404i32.to_le_bytes()), None);
    assert_eq!(status_of(&[0xff; 8]), None);
    assert_eq!(
        TransportError::Status(-429).to_string(),
        "transport error -429 from the server (too many connections or transport flood)"
    );
}

#[test]
fn outgoing_checks() {
    assert_eq!(check_outgoing(0, 16), Err(TransportError::EmptyFrame));
    assert_eq!(check_outgoing(6, 16), Err(TransportError::Unaligned(6)));
    assert_eq!(
        check_outgoing(20, 16),
        Err(TransportError::TooLarge { len: 20, max: 16 })
    );
    assert_eq!(check_outgoing(16, 16), Ok(()));
}

#[test]
fn io_errors_convert() {
    let e = TransportError::from(io::Error::new(io::ErrorKind::UnexpectedEof, "eof"));
    assert_eq!(
        e,
        TransportError::Io {
            kind: io::ErrorKind::UnexpectedEof,
            message: "eof".into()
        }
    );
}

#[test]
fn tag_state_roles() {
    let mut client = TagState::new(&[0xef], Role::Client, true);
    let mut dst = BytesMut::new();
    client.on_encode(&mut dst);
    client.on_encode(&mut dst);
    assert_eq!(&dst[..], &[0xef]);

    let mut server = TagState::new(&[0xee; 4], Role::Server, true);
    let mut src = BytesMut::from(&[0xee, 0xee][..]);
    assert_eq!(server.on_decode(&mut src), Ok(false));
    src.extend_from_slice(&[0xee, 0xee, 1]);
    assert_eq!(server.on_decode(&mut src), Ok(true));
    assert_eq!(&src[..], &[1]);
    assert_eq!(server.on_decode(&mut src), Ok(true));
    assert_eq!(&src[..], &[1]);

    let mut server = TagState::new(&[0xee; 4], Role::Server, true);
    let mut src = BytesMut::from(&[0xee, 0x01][..]);
    assert_eq!(
        server.on_decode(&mut src),
        Err(TransportError::BadTag {
            expected: vec![0xee; 4],
            got: vec![0xee, 0x01]
        })
    );
}

/// A server-role codec of `kind` and the bytes a client sends before a
/// frame of `len` payload bytes (tag and length field).
fn server_and_header(kind: TransportKind, len: u32) -> (Framing, Vec<u8>) {
    let codec = Framing::new(kind, Role::Server, testutil::rng(1));
    let header = match kind {
        TransportKind::Abridged => {
            let words = (len / 4).to_le_bytes();
            vec![0xef, 0x7f, words[0], words[1], words[2]]
        }
        TransportKind::Intermediate => [&[0xee; 4][..], &len.to_le_bytes()].concat(),
        TransportKind::PaddedIntermediate => [&[0xdd; 4][..], &len.to_le_bytes()].concat(),
        TransportKind::Full => [len.wrapping_add(12).to_le_bytes(), [0; 4]].concat(),
    };
    (codec, header)
}

/// Regression guard for bad input on a server: a length above the limit
/// is refused as soon as the length field is there, before any of the
/// frame is buffered.
#[test]
fn oversized_lengths_are_refused_from_the_length_field_alone() {
    use tokio_util::codec::Decoder;
    for kind in TransportKind::ALL {
        for len in [DEFAULT_MAX_FRAME as u32 + 16, 0x7fff_fffc, 0xffff_fffc] {
            if kind == TransportKind::Abridged && len > 0x3ff_fffc {
                continue; // three bytes of words cannot say more
            }
            let (mut codec, header) = server_and_header(kind, len);
            let mut src = BytesMut::from(&header[..]);
            let err = codec.decode(&mut src).expect_err("refused");
            assert!(
                matches!(
                    err,
                    TransportError::TooLarge { .. } | TransportError::BadLength(_)
                ),
                "{kind}: {len:#x}: {err:?}"
            );
        }
        let (codec, header) = server_and_header(kind, 2048);
        let mut codec = codec.with_max_frame(1024);
        let mut src = BytesMut::from(&header[..]);
        assert!(
            matches!(
                codec.decode(&mut src),
                Err(TransportError::TooLarge { len: 2048, .. })
            ),
            "{kind}: a configured limit"
        );
    }
}

/// A length field alone does not make the decoder allocate the frame:
/// the buffer grows with the bytes that arrive, to about twice them.
#[test]
fn buffers_grow_with_what_arrives_not_with_the_length_field() {
    use tokio_util::codec::Decoder;
    let len = DEFAULT_MAX_FRAME as u32 - 64;
    for kind in TransportKind::ALL {
        let (mut codec, header) = server_and_header(kind, len);
        let mut src = BytesMut::from(&header[..]);
        src.extend_from_slice(&[0; 100]);
        assert_eq!(codec.decode(&mut src), Ok(None), "{kind}");
        assert!(
            src.capacity() <= 2 * RESERVE_STEP,
            "{kind}: {} bytes reserved for 100 received",
            src.capacity()
        );
        // Feed 1 MiB in pieces: the buffer stays within a small factor.
        for _ in 0..64 {
            let room = src.capacity() - src.len();
            src.extend_from_slice(&vec![0; room.min(16 * 1024)]);
            assert_eq!(codec.decode(&mut src), Ok(None), "{kind}");
            assert!(
                src.capacity() <= 2 * src.len() + 2 * RESERVE_STEP,
                "{kind}: {} bytes reserved for {} received",
                src.capacity(),
                src.len()
            );
        }
    }
}

#[test]
fn large_frames_arriving_in_pieces_still_decode() {
    use tokio_util::codec::{Decoder, Encoder};
    for kind in TransportKind::ALL {
        let mut client = Framing::new(kind, Role::Client, testutil::rng(2));
        let payload: Vec<u8> = (0..600_000u32).map(|i| i as u8).collect();
        let mut wire = BytesMut::new();
        client
            .encode(bytes::Bytes::from(payload.clone()), &mut wire)
            .expect("encodes");
        let mut server = Framing::new(kind, Role::Server, testutil::rng(3));
        let mut src = BytesMut::new();
        let mut got = None;
        for piece in wire.chunks(7_000) {
            assert!(got.is_none(), "{kind}: decoded early");
            src.extend_from_slice(piece);
            got = server.decode(&mut src).expect("decodes");
        }
        let frame = got.expect("a frame");
        assert_eq!(&frame[..payload.len()], &payload[..], "{kind}");
    }
}
