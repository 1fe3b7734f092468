//! Round trips over generated values of a wide set of API types:
//! binary encode → decode gives the same value (and skip consumes exactly
//! the encoded bytes), and the same through JSON.
//! Case counts follow PROPTEST_CASES (CI sets a modest number).
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use proptest::prelude::*;
use tl::json::{FromJson, ToJson};
use tl::random::strategy;
use tl::{Deserializable, Serializable, enums, functions};

/// Nesting depth of generated values: deep enough to reach media inside
/// replies inside messages, shallow enough to stay fast.
const DEPTH: u32 = 4;

fn check<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serializable + Deserializable + ToJson + FromJson + PartialEq + std::fmt::Debug,
{
    let bytes = value.to_bytes();
    let mut cur = tl::Cursor::new(&bytes);
    let back = T::deserialize(&mut cur).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    prop_assert_eq!(cur.remaining(), 0, "decoding left bytes unread");
    let mut cur = tl::Cursor::new(&bytes);
    T::skip(&mut cur).map_err(|e| TestCaseError::fail(format!("skip: {e}")))?;
    prop_assert_eq!(
        cur.remaining(),
        0,
        "skip did not consume what serialize wrote"
    );
    prop_assert!(
        bytes.len() >= <T as Deserializable>::MIN_SIZE,
        "value shorter than MIN_SIZE"
    );

    let json = serde_json::to_string(&value.to_json()).expect("JSON values always print");
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("printed JSON parses");
    let back = T::from_json(&parsed).map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

macro_rules! roundtrip {
    ($($name:ident: $ty:ty,)*) => {
        proptest! {
            $(
                #[test]
                fn $name(value in strategy::<$ty>(DEPTH)) {
                    check(&value)?;
                }
            )*
        }
    };
}

roundtrip! {
    message: enums::Message,
    message_media: enums::MessageMedia,
    message_entity: enums::MessageEntity,
    message_action: enums::MessageAction,
    message_fwd_header: enums::MessageFwdHeader,
    message_reply_header: enums::MessageReplyHeader,
    message_reactions: enums::MessageReactions,
    reply_markup: enums::ReplyMarkup,
    user: enums::User,
    user_full: enums::users::UserFull,
    chat: enums::Chat,
    chat_full: enums::messages::ChatFull,
    dialog: enums::Dialog,
    dialogs: enums::messages::Dialogs,
    messages: enums::messages::Messages,
    peer: enums::Peer,
    input_peer: enums::InputPeer,
    photo: enums::Photo,
    photo_size: enums::PhotoSize,
    document: enums::Document,
    document_attribute: enums::DocumentAttribute,
    poll: enums::Poll,
    poll_results: enums::PollResults,
    geo_point: enums::GeoPoint,
    web_page: enums::WebPage,
    page_block: enums::PageBlock,
    rich_text: enums::RichText,
    json_value: enums::JsonValue,
    takeout: enums::account::Takeout,
    message_range: enums::MessageRange,
    upload_file: enums::upload::File,
    input_file_location: enums::InputFileLocation,
    contacts: enums::contacts::Contacts,
    top_peers: enums::contacts::TopPeers,
    saved_contact: enums::SavedContact,
    authorizations: enums::account::Authorizations,
    web_authorizations: enums::account::WebAuthorizations,
    photos: enums::photos::Photos,
    stories: enums::stories::Stories,
    story_item: enums::StoryItem,
    config: enums::Config,
    sent_code: enums::auth::SentCode,
    authorization: enums::auth::Authorization,
    password: enums::account::Password,
    updates: enums::Updates,
    update: enums::Update,
    star_gift: enums::StarGift,
    rpc_error: enums::RpcError,
    future_salts: enums::FutureSalts,
    bad_msg_notification: enums::BadMsgNotification,
    res_pq: enums::ResPq,
    server_dh_params: enums::ServerDhParams,
    init_takeout: functions::account::InitTakeoutSession,
    get_history: functions::messages::GetHistory,
    get_dialogs: functions::messages::GetDialogs,
    get_split_ranges: functions::messages::GetSplitRanges,
    get_file: functions::upload::GetFile,
    search: functions::messages::Search,
    wrapped: functions::InvokeWithTakeout<functions::InvokeWithMessagesRange<functions::messages::GetHistory>>,
    init_connection: functions::InvokeWithLayer<functions::InitConnection<functions::help::GetConfig>>,
}

#[test]
fn realistic_slice_round_trips() {
    let slice = support::realistic::messages_slice(100);
    check(&slice).unwrap();
}

#[test]
fn generic_wrappers_decode_their_query_as_raw_bytes() {
    let inner = functions::messages::GetHistory {
        limit: 100,
        ..Default::default()
    };
    let call = functions::InvokeWithTakeout {
        takeout_id: 77,
        query: inner.clone(),
    };
    let raw = functions::InvokeWithTakeout::<tl::Raw>::from_bytes(&call.to_bytes()).unwrap();
    assert_eq!(raw.takeout_id, 77);
    assert_eq!(
        functions::messages::GetHistory::from_bytes(&raw.query.0).unwrap(),
        inner
    );
}

#[test]
fn json_form_is_tagged_by_constructor_name() {
    let peer: enums::Peer = tl::types::PeerUser { user_id: 5 }.into();
    assert_eq!(
        peer.to_json(),
        serde_json::json!({"_": "peerUser", "user_id": 5})
    );
    let err =
        enums::Peer::from_json(&serde_json::json!({"_": "peerUser", "usr_id": 5})).unwrap_err();
    assert_eq!(err.to_string(), "peerUser has no field \"usr_id\"");
    let err = enums::Peer::from_json(&serde_json::json!({"_": "userEmpty"})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at _: \"userEmpty\" is not a constructor of Peer"
    );
}
