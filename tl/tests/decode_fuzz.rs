//! Decoders never panic: arbitrary bytes, and valid encodings cut short or
//! with bytes changed, give a value or a typed error.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tl::random::strategy;
use tl::{Deserializable, Serializable, enums};

fn decode_all(bytes: &[u8]) {
    let _ = enums::messages::Messages::from_bytes(bytes);
    let _ = enums::messages::Dialogs::from_bytes(bytes);
    let _ = enums::upload::File::from_bytes(bytes);
    let _ = enums::account::Takeout::from_bytes(bytes);
    let _ = Vec::<enums::MessageRange>::from_bytes(bytes);
    let _ = enums::contacts::Contacts::from_bytes(bytes);
    let _ = enums::contacts::TopPeers::from_bytes(bytes);
    let _ = enums::photos::Photos::from_bytes(bytes);
    let _ = enums::stories::Stories::from_bytes(bytes);
    let _ = enums::Config::from_bytes(bytes);
    let _ = enums::Updates::from_bytes(bytes);
    let _ = enums::auth::Authorization::from_bytes(bytes);
    let _ = enums::auth::SentCode::from_bytes(bytes);
    let _ = enums::account::Password::from_bytes(bytes);
    let _ = enums::RpcError::from_bytes(bytes);
    let _ = enums::ResPq::from_bytes(bytes);
    let _ = tl::functions::InvokeWithLayer::<tl::Raw>::from_bytes(bytes);
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
        let _ = enums::messages::Messages::from_bytes(&bytes);
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
    }
}
