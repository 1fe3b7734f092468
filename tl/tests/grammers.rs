//! Differential test against grammers-tl-types 0.11.0, an independent
//! implementation of the same layer 230: bytes we write decode in grammers
//! and re-encode to identical bytes, and bytes grammers writes decode in
//! ours and re-encode identically.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use proptest::prelude::*;
use tl::random::strategy;
use tl::{enums, functions};

const DEPTH: u32 = 4;

/// Our bytes through grammers and back through us.
fn both_ways<Ours, Theirs>(value: &Ours) -> Result<(), TestCaseError>
where
    Ours: tl::Serializable + tl::Deserializable + PartialEq + std::fmt::Debug,
    Theirs: grammers_tl_types::Serializable + grammers_tl_types::Deserializable,
{
    let ours = tl::Serializable::to_bytes(value);
    let theirs = <Theirs as grammers_tl_types::Deserializable>::from_bytes(&ours)
        .map_err(|e| TestCaseError::fail(format!("grammers cannot decode our bytes: {e:?}")))?;
    let theirs_bytes = grammers_tl_types::Serializable::to_bytes(&theirs);
    prop_assert_eq!(&theirs_bytes, &ours, "grammers re-encodes differently");
    let back = <Ours as tl::Deserializable>::from_bytes(&theirs_bytes)
        .map_err(|e| TestCaseError::fail(format!("we cannot decode grammers' bytes: {e}")))?;
    prop_assert_eq!(&back, value);
    prop_assert_eq!(tl::Serializable::to_bytes(&back), theirs_bytes);
    Ok(())
}

/// The same for a function. grammers decodes a function's body after its
/// constructor id has been read (its decoder does not read the id, its
/// encoder writes it), so the id is checked here and stripped.
fn function_both_ways<Ours, Theirs>(value: &Ours) -> Result<(), TestCaseError>
where
    Ours: tl::Serializable + tl::Deserializable + tl::Identifiable + PartialEq + std::fmt::Debug,
    Theirs: grammers_tl_types::Serializable + grammers_tl_types::Deserializable,
{
    let ours = tl::Serializable::to_bytes(value);
    prop_assert_eq!(&ours[..4], &Ours::CONSTRUCTOR_ID.to_le_bytes()[..]);
    let theirs = <Theirs as grammers_tl_types::Deserializable>::from_bytes(&ours[4..])
        .map_err(|e| TestCaseError::fail(format!("grammers cannot decode our bytes: {e:?}")))?;
    let theirs_bytes = grammers_tl_types::Serializable::to_bytes(&theirs);
    prop_assert_eq!(&theirs_bytes, &ours, "grammers re-encodes differently");
    let back = <Ours as tl::Deserializable>::from_bytes(&theirs_bytes)
        .map_err(|e| TestCaseError::fail(format!("we cannot decode grammers' bytes: {e}")))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

/// Decodes a function body in grammers (after the id, see above).
fn theirs_fn<T: grammers_tl_types::Deserializable>(ours: &impl tl::Serializable) -> T {
    let bytes = tl::Serializable::to_bytes(ours);
    T::from_bytes(&bytes[4..]).expect("grammers decodes the body")
}

fn theirs<T: grammers_tl_types::Deserializable>(ours: &impl tl::Serializable) -> T {
    T::from_bytes(&tl::Serializable::to_bytes(ours)).expect("grammers decodes it")
}

macro_rules! differential_fn {
    ($($name:ident: $ours:ty => $theirs:ty,)*) => {
        proptest! {
            $(
                #[test]
                fn $name(value in strategy::<$ours>(DEPTH)) {
                    function_both_ways::<$ours, $theirs>(&value)?;
                }
            )*
        }
    };
}

macro_rules! differential {
    ($($name:ident: $ours:ty => $theirs:ty,)*) => {
        proptest! {
            $(
                #[test]
                fn $name(value in strategy::<$ours>(DEPTH)) {
                    both_ways::<$ours, $theirs>(&value)?;
                }
            )*
        }
    };
}

use grammers_tl_types as g;

differential! {
    message: enums::Message => g::enums::Message,
    message_media: enums::MessageMedia => g::enums::MessageMedia,
    message_entity: enums::MessageEntity => g::enums::MessageEntity,
    message_action: enums::MessageAction => g::enums::MessageAction,
    user: enums::User => g::enums::User,
    chat: enums::Chat => g::enums::Chat,
    dialog: enums::Dialog => g::enums::Dialog,
    dialogs: enums::messages::Dialogs => g::enums::messages::Dialogs,
    messages: enums::messages::Messages => g::enums::messages::Messages,
    photo: enums::Photo => g::enums::Photo,
    document: enums::Document => g::enums::Document,
    takeout: enums::account::Takeout => g::enums::account::Takeout,
    message_range: enums::MessageRange => g::enums::MessageRange,
    upload_file: enums::upload::File => g::enums::upload::File,
    contacts: enums::contacts::Contacts => g::enums::contacts::Contacts,
    top_peers: enums::contacts::TopPeers => g::enums::contacts::TopPeers,
    authorizations: enums::account::Authorizations => g::enums::account::Authorizations,
    stories: enums::stories::Stories => g::enums::stories::Stories,
    page_block: enums::PageBlock => g::enums::PageBlock,
    json_value: enums::JsonValue => g::enums::Jsonvalue,
    updates: enums::Updates => g::enums::Updates,
    config: enums::Config => g::enums::Config,
    future_salts: enums::FutureSalts => g::enums::FutureSalts,
    res_pq: enums::ResPq => g::enums::ResPq,
}

differential_fn! {
    init_takeout: functions::account::InitTakeoutSession => g::functions::account::InitTakeoutSession,
    finish_takeout: functions::account::FinishTakeoutSession => g::functions::account::FinishTakeoutSession,
    get_split_ranges: functions::messages::GetSplitRanges => g::functions::messages::GetSplitRanges,
    get_history: functions::messages::GetHistory => g::functions::messages::GetHistory,
    get_dialogs: functions::messages::GetDialogs => g::functions::messages::GetDialogs,
    get_file: functions::upload::GetFile => g::functions::upload::GetFile,
    search: functions::messages::Search => g::functions::messages::Search,
    get_saved_contacts: functions::contacts::GetSaved => g::functions::contacts::GetSaved,
    get_top_peers: functions::contacts::GetTopPeers => g::functions::contacts::GetTopPeers,
    get_authorizations: functions::account::GetAuthorizations => g::functions::account::GetAuthorizations,
    get_user_photos: functions::photos::GetUserPhotos => g::functions::photos::GetUserPhotos,
    get_config: functions::help::GetConfig => g::functions::help::GetConfig,
    send_code: functions::auth::SendCode => g::functions::auth::SendCode,
}

proptest! {
    /// The takeout wrappers nest generically; grammers cannot decode them
    /// (it does not read the inner ids), so its value is built from the
    /// parts and the two encodings compared.
    #[test]
    fn takeout_history_wrappers(
        value in strategy::<functions::InvokeWithTakeout<functions::InvokeWithMessagesRange<functions::messages::GetHistory>>>(DEPTH),
    ) {
        let inner = &value.query;
        let theirs = g::functions::InvokeWithTakeout {
            takeout_id: value.takeout_id,
            query: g::functions::InvokeWithMessagesRange {
                range: theirs::<g::enums::MessageRange>(&inner.range),
                query: theirs_fn::<g::functions::messages::GetHistory>(&inner.query),
            },
        };
        let theirs_bytes = grammers_tl_types::Serializable::to_bytes(&theirs);
        prop_assert_eq!(&theirs_bytes, &tl::Serializable::to_bytes(&value));
        let back = <functions::InvokeWithTakeout<functions::InvokeWithMessagesRange<functions::messages::GetHistory>> as tl::Deserializable>::from_bytes(&theirs_bytes).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn layer_and_init_connection_wrappers(
        value in strategy::<functions::InvokeWithLayer<functions::InitConnection<functions::help::GetConfig>>>(DEPTH),
    ) {
        let init = &value.query;
        let theirs = g::functions::InvokeWithLayer {
            layer: value.layer,
            query: g::functions::InitConnection {
                api_id: init.api_id,
                device_model: init.device_model.clone(),
                system_version: init.system_version.clone(),
                app_version: init.app_version.clone(),
                system_lang_code: init.system_lang_code.clone(),
                lang_pack: init.lang_pack.clone(),
                lang_code: init.lang_code.clone(),
                proxy: init.proxy.as_ref().map(theirs::<g::enums::InputClientProxy>),
                params: init.params.as_ref().map(theirs::<g::enums::Jsonvalue>),
                query: g::functions::help::GetConfig {},
            },
        };
        prop_assert_eq!(grammers_tl_types::Serializable::to_bytes(&theirs), tl::Serializable::to_bytes(&value));
    }
}

#[test]
fn realistic_slice_is_byte_identical() {
    let slice = support::realistic::messages_slice(100);
    both_ways::<_, g::enums::messages::Messages>(&slice).unwrap();
}

/// Values built in grammers (its own encoder) decode in ours identically.
#[test]
fn grammers_built_values_decode_in_ours() {
    let theirs = g::functions::InvokeWithTakeout {
        takeout_id: -42,
        query: g::functions::messages::GetSplitRanges {},
    };
    let bytes = grammers_tl_types::Serializable::to_bytes(&theirs);
    let ours = <functions::InvokeWithTakeout<functions::messages::GetSplitRanges> as tl::Deserializable>::from_bytes(&bytes).unwrap();
    assert_eq!(ours.takeout_id, -42);
    assert_eq!(tl::Serializable::to_bytes(&ours), bytes);

    let theirs: g::enums::MessageRange = g::types::MessageRange {
        min_id: 1,
        max_id: 500,
    }
    .into();
    let bytes = grammers_tl_types::Serializable::to_bytes(&theirs);
    let ours = <enums::MessageRange as tl::Deserializable>::from_bytes(&bytes).unwrap();
    assert_eq!(
        ours,
        tl::types::MessageRange {
            min_id: 1,
            max_id: 500
        }
        .into()
    );
}

#[test]
fn same_layer_and_ids() {
    assert_eq!(tl::LAYER, grammers_tl_types::LAYER);
    use grammers_tl_types::Identifiable as _;
    use tl::Identifiable as _;
    assert_eq!(
        functions::InvokeWithTakeout::<tl::Raw>::CONSTRUCTOR_ID,
        g::functions::InvokeWithTakeout::<g::functions::help::GetConfig>::CONSTRUCTOR_ID
    );
}
