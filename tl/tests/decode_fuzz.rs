//! Decoders never panic: arbitrary bytes, and valid encodings cut short or
//! with bytes changed, give a value or a typed error.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tl::random::strategy;
use tl::{Deserializable, Serializable, enums};

/// Decodes `bytes` as `T`, and checks that skipping fails exactly when
/// decoding fails and otherwise stops where decoding stopped.
fn decode_and_skip<T: Deserializable>(bytes: &[u8]) {
    let mut de = tl::Cursor::new(bytes);
    let decoded = T::deserialize(&mut de).map(drop);
    let mut sk = tl::Cursor::new(bytes);
    let skipped = T::skip(&mut sk);
    assert_eq!(
        decoded.is_ok(),
        skipped.is_ok(),
        "{decoded:?} vs {skipped:?}"
    );
    if decoded.is_ok() {
        assert_eq!(de.position(), sk.position());
    }
}

fn decode_all(bytes: &[u8]) {
    decode_and_skip::<enums::messages::Messages>(bytes);
    decode_and_skip::<enums::messages::Dialogs>(bytes);
    decode_and_skip::<enums::upload::File>(bytes);
    decode_and_skip::<enums::account::Takeout>(bytes);
    decode_and_skip::<Vec<enums::MessageRange>>(bytes);
    decode_and_skip::<enums::contacts::Contacts>(bytes);
    decode_and_skip::<enums::contacts::TopPeers>(bytes);
    decode_and_skip::<enums::photos::Photos>(bytes);
    decode_and_skip::<enums::stories::Stories>(bytes);
    decode_and_skip::<enums::Config>(bytes);
    decode_and_skip::<enums::Updates>(bytes);
    decode_and_skip::<enums::auth::Authorization>(bytes);
    decode_and_skip::<enums::auth::SentCode>(bytes);
    decode_and_skip::<enums::account::Password>(bytes);
    decode_and_skip::<enums::RpcError>(bytes);
    decode_and_skip::<enums::ResPq>(bytes);
    decode_and_skip::<tl::functions::InvokeWithLayer<tl::Raw>>(bytes);
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_real_constructor_id(
        id in prop::sample::select(vec![0x3a54685e_u32, 0x8c718e87, 0x5f206716, 0x15ba6c40, 0x096a18d5, 0x1cb5c415]),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = id.to_le_bytes().to_vec();
        bytes.extend(body);
        decode_all(&bytes);
    }

    #[test]
    fn damaged_encodings(
        value in strategy::<enums::messages::Messages>(4),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut bytes = value.to_bytes();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let len = cut.index(bytes.len() + 1);
        decode_all(&bytes[..len]);
        decode_and_skip::<enums::messages::Messages>(&bytes);
        decode_and_skip::<enums::messages::Dialogs>(&bytes);
    }

    #[test]
    fn damaged_dialog_lists(
        value in strategy::<enums::messages::Dialogs>(4),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut bytes = value.to_bytes();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let len = cut.index(bytes.len() + 1);
        decode_and_skip::<enums::messages::Dialogs>(&bytes[..len]);
        decode_and_skip::<enums::messages::Dialogs>(&bytes);
    }
}

#[test]
fn truncation_at_every_point_is_an_error() {
    let bytes = tl::types::messages::MessagesSlice {
        count: 1,
        messages: vec![
            tl::types::Message {
                message: "hi".into(),
                ..Default::default()
            }
            .into(),
        ],
        ..Default::default()
    };
    let bytes = enums::messages::Messages::from(bytes).to_bytes();
    for len in 0..bytes.len() {
        assert!(
            enums::messages::Messages::from_bytes(&bytes[..len]).is_err(),
            "cut at {len}"
        );
        assert!(
            enums::messages::Messages::skip(&mut tl::Cursor::new(&bytes[..len])).is_err(),
            "skip, cut at {len}"
        );
    }
}
