use super::*;
use crate::mtp::clock::SeededRandom;

fn counting<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    for (i, x) in b.iter_mut().enumerate() {
        *x = i as u8;
    }
    b
}

/// Known answers from grammers-crypto 0.11.0 `src/lib.rs` tests
/// `calc_client_key` / `calc_server_key`: auth_key = bytes 0..=255,
/// msg_key = bytes 0..=15.
#[test]
fn key_derivation_matches_grammers_vectors() {
    let key = AuthKey::new(counting::<256>());
    let mk = counting::<16>();
    let client = (
        [
            112, 78, 208, 156, 139, 65, 102, 138, 232, 249, 157, 36, 71, 56, 247, 29, 189, 220, 68,
            70, 155, 107, 189, 74, 168, 87, 61, 208, 66, 189, 5, 158,
        ],
        [
            77, 38, 96, 0, 165, 80, 237, 171, 191, 76, 124, 228, 15, 208, 4, 60, 201, 34, 48, 24,
            76, 211, 23, 165, 204, 156, 36, 130, 253, 59, 147, 24,
        ],
    );
    let server = (
        [
            33, 119, 37, 121, 155, 36, 88, 6, 69, 129, 116, 161, 252, 251, 200, 131, 144, 104, 7,
            177, 80, 51, 253, 208, 234, 43, 77, 105, 207, 156, 54, 78,
        ],
        [
            102, 154, 101, 56, 145, 122, 79, 165, 108, 163, 35, 96, 164, 49, 201, 22, 11, 228, 173,
            136, 113, 64, 152, 13, 171, 145, 206, 123, 220, 71, 255, 188,
        ],
    );
    assert_eq!(aes_key_iv(&key, &mk, Direction::ClientToServer), client);
    assert_eq!(aes_key_iv(&key, &mk, Direction::ServerToClient), server);
}

/// grammers-crypto 0.11.0 `encrypt_client_data_v2`: this plaintext with
/// zero padding (19 bytes, the least that reaches a multiple of 16).
#[test]
fn client_encryption_matches_grammers_vector() {
    let key = AuthKey::new(counting::<256>());
    let plain = b"Hello, world! This data should remain secure!".to_vec();
    assert_eq!(padding_len(plain.len(), 0), 19);
    let frame = encrypt_padded(&key, Direction::ClientToServer, plain, &[0u8; 19]);
    let expected: [u8; 88] = [
        50, 209, 88, 110, 164, 87, 223, 200, 168, 23, 41, 212, 109, 181, 64, 25, 162, 191, 215,
        247, 68, 249, 185, 108, 79, 113, 108, 253, 196, 71, 125, 178, 162, 193, 95, 109, 219, 133,
        35, 95, 185, 85, 47, 29, 132, 7, 198, 170, 234, 0, 204, 132, 76, 90, 27, 246, 172, 68, 183,
        155, 94, 220, 42, 35, 134, 139, 61, 96, 115, 165, 144, 153, 44, 15, 41, 117, 36, 61, 86,
        62, 161, 128, 210, 24, 238, 117, 124, 154,
    ];
    assert_eq!(frame, expected);
}

/// grammers-crypto 0.11.0 `decrypt_server_data_v2`: a message captured
/// from Telegram with its auth key. Opening it exercises every check.
#[test]
fn opens_a_captured_telegram_message() {
    let frame: Vec<u8> = vec![
        122, 113, 131, 194, 193, 14, 79, 77, 249, 69, 250, 154, 154, 189, 53, 231, 195, 132, 11,
        97, 240, 69, 48, 79, 57, 103, 76, 25, 192, 226, 9, 120, 79, 80, 246, 34, 106, 7, 53, 41,
        214, 117, 201, 44, 191, 11, 250, 140, 153, 167, 155, 63, 57, 199, 42, 93, 154, 2, 109, 67,
        26, 183, 64, 124, 160, 78, 204, 85, 24, 125, 108, 69, 241, 120, 113, 82, 78, 221, 144, 206,
        160, 46, 215, 40, 225, 77, 124, 177, 138, 234, 42, 99, 97, 88, 240, 148, 89, 169, 67, 119,
        16, 216, 148, 199, 159, 54, 140, 78, 129, 100, 183, 100, 126, 169, 134, 18, 174, 254, 148,
        44, 93, 146, 18, 26, 203, 141, 176, 45, 204, 206, 182, 109, 15, 135, 32, 172, 18, 160, 109,
        176, 88, 43, 253, 149, 91, 227, 79, 54, 81, 24, 227, 186, 184, 205, 8, 12, 230, 180, 91,
        40, 234, 197, 109, 205, 42, 41, 55, 78,
    ];
    let key = AuthKey::new([
        93, 46, 125, 101, 244, 158, 194, 139, 208, 41, 168, 135, 97, 234, 39, 184, 164, 199, 159,
        18, 34, 101, 37, 68, 62, 125, 124, 89, 110, 243, 48, 53, 48, 219, 33, 7, 232, 154, 169,
        151, 199, 160, 22, 74, 182, 148, 24, 122, 222, 255, 21, 107, 214, 239, 113, 24, 161, 150,
        35, 71, 117, 60, 14, 126, 137, 160, 53, 75, 142, 195, 100, 249, 153, 126, 113, 188, 105,
        35, 251, 134, 232, 228, 52, 145, 224, 16, 96, 106, 108, 232, 69, 226, 250, 1, 148, 9, 119,
        239, 10, 163, 42, 223, 90, 151, 219, 246, 212, 40, 236, 4, 52, 215, 23, 162, 211, 173, 25,
        98, 44, 192, 88, 135, 100, 33, 19, 199, 150, 95, 251, 134, 42, 62, 60, 203, 10, 185, 90,
        221, 218, 87, 248, 146, 69, 219, 215, 107, 73, 35, 72, 248, 233, 75, 213, 167, 192, 224,
        184, 72, 8, 82, 60, 253, 30, 168, 11, 50, 254, 154, 209, 152, 188, 46, 16, 63, 206, 183,
        213, 36, 146, 236, 192, 39, 58, 40, 103, 75, 201, 35, 238, 229, 146, 101, 171, 23, 160, 2,
        223, 31, 74, 162, 197, 155, 129, 154, 94, 94, 29, 16, 94, 193, 23, 51, 111, 92, 118, 198,
        177, 135, 3, 125, 75, 66, 112, 206, 233, 204, 33, 7, 29, 151, 233, 188, 162, 32, 198, 215,
        176, 27, 153, 140, 242, 229, 205, 185, 165, 14, 205, 161, 133, 42, 54, 230, 53, 105, 12,
        142,
    ]);
    let opened = open(&key, Direction::ServerToClient, &frame).expect("valid frame");
    // The expected plaintext of the grammers test, split into fields.
    assert_eq!(
        opened.salt.to_le_bytes(),
        [252, 130, 106, 2, 36, 139, 40, 253]
    );
    assert_eq!(
        opened.msg_id.to_le_bytes(),
        [1, 240, 193, 194, 145, 139, 48, 94]
    );
    assert_eq!(opened.seq_no, 2);
    assert_eq!(opened.body.len(), 88);
    // A msg_container (0x73f1f8dc) of two messages.
    assert_eq!(opened.body[..8], [220, 248, 241, 115, 2, 0, 0, 0]);
    // The same frame read as client-to-server fails msg_key.
    assert_eq!(
        open(&key, Direction::ClientToServer, &frame),
        Err(Error::MsgKey)
    );
}

fn sample() -> (AuthKey, Header, Vec<u8>) {
    let mut rng = SeededRandom::new(1);
    let mut data = [0u8; 256];
    rng.fill(&mut data);
    let header = Header {
        salt: 0x1122_3344_5566_7788,
        session_id: -42,
        msg_id: 0x5e30_8b91_0000_0004,
        seq_no: 7,
    };
    (AuthKey::new(data), header, b"some TL body".to_vec())
}

#[test]
fn round_trip_in_both_directions() {
    let (key, header, body) = sample();
    let mut rng = SeededRandom::new(2);
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        for n in 0..40 {
            let body = &body.repeat(n)[..];
            let frame = seal(&key, dir, header, body, &mut rng);
            assert_eq!((frame.len() - OUTER_HEADER) % 16, 0);
            let opened = open(&key, dir, &frame).expect("round trip");
            assert_eq!(
                (opened.salt, opened.session_id, opened.msg_id, opened.seq_no),
                (header.salt, header.session_id, header.msg_id, header.seq_no)
            );
            assert_eq!(opened.body, body);
        }
    }
}

#[test]
fn every_tampered_byte_is_detected() {
    let (key, header, body) = sample();
    let frame = seal(
        &key,
        Direction::ServerToClient,
        header,
        &body,
        &mut SeededRandom::new(3),
    );
    for i in 0..frame.len() {
        let mut bad = frame.clone();
        bad[i] ^= 0x01;
        let err = open(&key, Direction::ServerToClient, &bad).expect_err("tampered");
        if i < 8 {
            assert!(matches!(err, Error::AuthKeyId { .. }), "byte {i}: {err:?}");
        } else {
            assert_eq!(err, Error::MsgKey, "byte {i}");
        }
    }
}

#[test]
fn wrong_key_and_bad_lengths_are_typed() {
    let (key, header, body) = sample();
    let frame = seal(
        &key,
        Direction::ClientToServer,
        header,
        &body,
        &mut SeededRandom::new(4),
    );
    let other = AuthKey::new([9u8; 256]);
    assert!(matches!(
        open(&other, Direction::ClientToServer, &frame),
        Err(Error::AuthKeyId { .. })
    ));
    // A frame cut short loses its last block: msg_key no longer matches.
    assert_eq!(
        open(&key, Direction::ClientToServer, &frame[..frame.len() - 1]),
        Err(Error::MsgKey)
    );
    // Up to 15 bytes of transport padding after the message are ignored
    // (padded intermediate).
    for extra in 1..16 {
        let mut padded = frame.clone();
        padded.extend(std::iter::repeat_n(0xa5, extra));
        assert!(
            open(&key, Direction::ClientToServer, &padded).is_ok(),
            "{extra} bytes"
        );
    }
    assert_eq!(
        open(&key, Direction::ClientToServer, &frame[..5]),
        Err(Error::FrameLength { len: 5 })
    );
    assert_eq!(
        open(&key, Direction::ClientToServer, &frame[..OUTER_HEADER + 32]),
        Err(Error::FrameLength {
            len: OUTER_HEADER + 32
        })
    );
}

/// Builds a correctly keyed frame whose plaintext says `declared` bytes
/// of data and carries `data_and_padding` bytes after the header.
fn forged(key: &AuthKey, declared: i32, data_and_padding: usize) -> Vec<u8> {
    let mut plain = vec![0u8; INNER_HEADER];
    plain[28..32].copy_from_slice(&declared.to_le_bytes());
    plain.resize(INNER_HEADER + data_and_padding, 0xab);
    encrypt_padded(key, Direction::ServerToClient, plain, &[])
}

#[test]
fn length_and_padding_checks() {
    let (key, ..) = sample();
    let open = |f: &[u8]| open(&key, Direction::ServerToClient, f);
    // 64 bytes after the header: data 48 + padding 16 is fine.
    assert!(open(&forged(&key, 48, 64)).is_ok());
    // Padding 12..=1024 holds at both ends.
    assert!(open(&forged(&key, 4, 16)).is_ok());
    assert_eq!(
        open(&forged(&key, 8, 16)),
        Err(Error::Padding { padding: 8 })
    );
    assert!(open(&forged(&key, 0, 1024)).is_ok());
    assert_eq!(
        open(&forged(&key, 0, 1040)),
        Err(Error::Padding { padding: 1040 })
    );
    // Length field: too big, negative, not divisible by 4.
    for declared in [68, -4, 46, i32::MAX, i32::MIN] {
        assert_eq!(
            open(&forged(&key, declared, 64)),
            Err(Error::MessageLength {
                declared: declared.into(),
                available: 64
            })
        );
    }
}
