//! The dispatcher end to end (in process): login with and without 2FA,
//! wrappers, layers, unknown methods, takeout sessions, DC authorization
//! transfer and the call log.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, generated};
use proptest::prelude::*;
use tg_mock_server::{GenerateConfig, Reply};
use tl::{Serializable, enums, functions, types};

fn cfg() -> GenerateConfig {
    GenerateConfig {
        seed: 11,
        messages: 80,
        dialogs: 6,
        ..GenerateConfig::default()
    }
}

fn get_self() -> functions::users::GetUsers {
    functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }
}

fn send_code(phone: &str) -> functions::auth::SendCode {
    functions::auth::SendCode {
        phone_number: phone.into(),
        api_id: 1,
        api_hash: "h".into(),
        settings: types::CodeSettings::default().into(),
    }
}

fn sign_in(phone: &str, hash: &str, code: &str) -> functions::auth::SignIn {
    functions::auth::SignIn {
        phone_number: phone.into(),
        phone_code_hash: hash.into(),
        phone_code: Some(code.into()),
        email_verification: None,
    }
}

fn code_hash(c: &mut Client, phone: &str) -> String {
    match c.call(&send_code(phone)).unwrap() {
        enums::auth::SentCode::SentCode(s) => {
            assert!(matches!(s.r#type, enums::auth::SentCodeType::App(_)));
            s.phone_code_hash
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn before_login_only_help_and_auth_work() {
    let d = generated(&cfg());
    let mut c = Client::new(&d, 2);
    assert_eq!(
        c.call(&get_self()).unwrap_err(),
        (401, "AUTH_KEY_UNREGISTERED".into())
    );
    let enums::Config::Config(config) = c.call(&functions::help::GetConfig {}).unwrap();
    assert_eq!(config.this_dc, 2);
    assert_eq!(config.dc_options.len(), 5);
    let enums::NearestDc::NearestDc(n) = c.call(&functions::help::GetNearestDc {}).unwrap();
    assert_eq!((n.this_dc, n.nearest_dc), (2, 2));
    let r = c.call(&functions::messages::GetSplitRanges {});
    assert_eq!(r.unwrap_err().0, 401);
}

#[test]
fn login_with_code() {
    let d = generated(&cfg());
    let login = d.index().world().login.clone();
    let mut c = Client::new(&d, 2);
    assert_eq!(
        c.call(&send_code("123")).unwrap_err().1,
        "PHONE_NUMBER_INVALID"
    );
    let hash = code_hash(&mut c, &login.phone);
    assert_eq!(
        c.call(&sign_in(&login.phone, &hash, "00000"))
            .unwrap_err()
            .1,
        "PHONE_CODE_INVALID"
    );
    assert_eq!(
        c.call(&sign_in(&login.phone, "nope", &login.code))
            .unwrap_err()
            .1,
        "PHONE_CODE_EXPIRED"
    );
    let enums::auth::Authorization::Authorization(a) =
        c.call(&sign_in(&login.phone, &hash, &login.code)).unwrap()
    else {
        panic!()
    };
    let enums::User::User(me) = a.user else {
        panic!()
    };
    assert!(me.is_self);
    let users = c.call(&get_self()).unwrap();
    assert!(matches!(&users[0], enums::User::User(u) if u.is_self && u.id == me.id));
    c.call(&functions::updates::GetState {}).unwrap();
    let diff = c.call(&functions::updates::GetDifference {
        pts: 1,
        date: 1,
        qts: 0,
        ..Default::default()
    });
    assert!(matches!(
        diff.unwrap(),
        enums::updates::Difference::Empty(_)
    ));
    c.call(&functions::auth::LogOut {}).unwrap();
    assert_eq!(c.call(&get_self()).unwrap_err().0, 401);
}

#[test]
fn login_with_2fa_srp_as_grammers_computes_it() {
    let d = generated(&GenerateConfig {
        password: Some("correct horse".into()),
        ..cfg()
    });
    let login = d.index().world().login.clone();
    let mut c = Client::new(&d, 2);
    let hash = code_hash(&mut c, &login.phone);
    let err = c
        .call(&sign_in(&login.phone, &hash, &login.code))
        .unwrap_err();
    assert_eq!(err, (401, "SESSION_PASSWORD_NEEDED".into()));
    assert_eq!(c.call(&get_self()).unwrap_err().0, 401);
    let prove = |c: &mut Client, password: &str| {
        let enums::account::Password::Password(p) =
            c.call(&functions::account::GetPassword {}).unwrap();
        assert!(p.has_password);
        let Some(enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(algo)) =
            p.current_algo
        else {
            panic!("no algo")
        };
        assert!(grammers_crypto::two_factor_auth::check_p_and_g(
            &algo.p, &algo.g
        ));
        let (m1, a) = grammers_crypto::two_factor_auth::calculate_2fa(
            &algo.salt1,
            &algo.salt2,
            &algo.p,
            &algo.g,
            p.srp_b.unwrap(),
            vec![7; 256],
            password,
        );
        let input = types::InputCheckPasswordSrp {
            srp_id: p.srp_id.unwrap(),
            a: a.to_vec(),
            m1: m1.to_vec(),
        };
        c.call(&functions::auth::CheckPassword {
            password: input.into(),
        })
    };
    assert_eq!(
        prove(&mut c, "wrong horse").unwrap_err().1,
        "PASSWORD_HASH_INVALID"
    );
    prove(&mut c, "correct horse").unwrap();
    assert!(c.call(&get_self()).is_ok());
}

#[test]
fn wrappers_are_peeled_recursively() {
    let d = generated(&cfg());
    let mut c = Client::new(&d, 2);
    c.start_takeout();
    let takeout_id = c.takeout.unwrap();
    let history = functions::messages::GetHistory {
        peer: enums::InputPeer::InputPeerSelf,
        limit: 5,
        ..Default::default()
    };
    let direct = c.tcall(Some((1, i32::MAX)), history.clone()).unwrap();
    let range = types::MessageRange {
        min_id: 1,
        max_id: i32::MAX,
    }
    .into();
    let nested = functions::InvokeWithLayer {
        layer: 230,
        query: functions::InitConnection {
            api_id: 1,
            device_model: "t".into(),
            system_version: "t".into(),
            app_version: "t".into(),
            system_lang_code: "en".into(),
            lang_pack: String::new(),
            lang_code: "en".into(),
            proxy: None,
            params: None,
            query: functions::InvokeWithoutUpdates {
                query: functions::InvokeAfterMsg {
                    msg_id: 4,
                    query: functions::InvokeWithTakeout {
                        takeout_id,
                        query: functions::InvokeWithMessagesRange {
                            range,
                            query: history,
                        },
                    },
                },
            },
        },
    };
    assert_eq!(c.call(&nested).unwrap(), direct);
    assert_eq!(c.auth.layer, Some(230));
    assert!(c.auth.connection_inited);
    let log = d.stats().log;
    let last = log.back().unwrap();
    assert_eq!(last.method, "messages.getHistory");
    assert_eq!(
        last.wrappers,
        [
            "invokeWithLayer",
            "initConnection",
            "invokeWithoutUpdates",
            "invokeAfterMsg",
            "invokeWithTakeout",
            "invokeWithMessagesRange"
        ]
    );
    assert!(d.stats().calls("messages.getHistory") >= 2);
    // The counters alone, without the log, say the same.
    let stats = d.stats();
    assert_eq!(
        d.method_stats("messages.getHistory"),
        stats.methods["messages.getHistory"]
    );
    assert_eq!(d.method_stats("no.suchMethod"), Default::default());
    assert_eq!(d.total_calls(), stats.total);
}

#[test]
fn layers_other_than_229_and_230_are_refused_by_name() {
    let d = generated(&cfg());
    let mut c = Client::new(&d, 2);
    for (layer, ok) in [
        (229, true),
        (230, true),
        (228, false),
        (231, false),
        (-1, false),
    ] {
        let r = c.call(&functions::InvokeWithLayer {
            layer,
            query: functions::help::GetConfig {},
        });
        match ok {
            true => assert!(r.is_ok(), "{layer}"),
            false => assert_eq!(
                r.unwrap_err(),
                (400, "LAYER_NOT_SUPPORTED_SERVED_229_230".into())
            ),
        }
    }
    assert_eq!(c.auth.layer, Some(230));
}

#[test]
fn unknown_and_undecodable_requests() {
    let d = generated(&cfg());
    let mut c = Client::new(&d, 2);
    c.login();
    let send = functions::messages::SendMessage {
        peer: enums::InputPeer::InputPeerSelf,
        message: "x".into(),
        ..Default::default()
    };
    assert_eq!(
        c.call(&send).unwrap_err(),
        (400, "METHOD_NOT_IMPLEMENTED_messages.sendMessage".into())
    );
    let unknown = Reply::Error {
        code: 400,
        message: "INPUT_METHOD_INVALID_deadbeef".into(),
    };
    assert_eq!(c.raw(&0xdeadbeef_u32.to_le_bytes()), unknown);
    let bad = Reply::Error {
        code: 400,
        message: "INPUT_REQUEST_INVALID".into(),
    };
    assert_eq!(c.raw(&[1, 2]), bad);
    let mut truncated = functions::messages::GetHistory::default().to_bytes();
    truncated.truncate(10);
    assert_eq!(c.raw(&truncated), bad);
    let mut deep = functions::help::GetConfig {}.to_bytes();
    for _ in 0..40 {
        deep = functions::InvokeWithoutUpdates::<tl::Raw> {
            query: tl::Raw(deep),
        }
        .to_bytes();
    }
    assert_eq!(
        c.raw(&deep),
        Reply::Error {
            code: 400,
            message: "INPUT_REQUEST_TOO_DEEP".into()
        }
    );
    // Reply bytes of an error are an rpc_error.
    let bytes = bad.to_bytes().unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[..4].try_into().unwrap()),
        0x2144ca19
    );
}

#[test]
fn takeout_sessions() {
    let d = generated(&cfg());
    let mut c = Client::new(&d, 2);
    c.login();
    let r = c.call(&functions::messages::GetSplitRanges {});
    assert_eq!(r.unwrap_err(), (403, "TAKEOUT_REQUIRED".into()));
    let bogus = functions::InvokeWithTakeout {
        takeout_id: 42,
        query: functions::messages::GetSplitRanges {},
    };
    assert_eq!(c.call(&bogus).unwrap_err(), (400, "TAKEOUT_INVALID".into()));
    let enums::account::Takeout::Takeout(first) = c
        .call(&functions::account::InitTakeoutSession::default())
        .unwrap();
    c.takeout = Some(first.id);
    c.tcall(None, functions::messages::GetSplitRanges {})
        .unwrap();
    let enums::account::Takeout::Takeout(second) = c
        .call(&functions::account::InitTakeoutSession::default())
        .unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(
        c.tcall(None, functions::contacts::GetSaved {})
            .unwrap_err()
            .1,
        "TAKEOUT_INVALID"
    );
    c.takeout = Some(second.id);
    assert!(c.tcall(None, functions::contacts::GetSaved {}).is_ok());
    assert_eq!(
        c.call(&functions::account::FinishTakeoutSession { success: true })
            .unwrap_err()
            .0,
        403
    );
    assert!(
        c.tcall(
            None,
            functions::account::FinishTakeoutSession { success: true }
        )
        .unwrap()
    );
    assert_eq!(
        c.tcall(None, functions::contacts::GetSaved {})
            .unwrap_err()
            .1,
        "TAKEOUT_INVALID"
    );
    assert_eq!(c.auth.takeouts, vec![first.id, second.id]);
}

#[test]
fn authorization_moves_to_other_dcs() {
    let d = generated(&cfg());
    let mut main = Client::new(&d, 2);
    main.start_takeout();
    assert_eq!(
        main.call(&functions::auth::ExportAuthorization { dc_id: 2 })
            .unwrap_err()
            .1,
        "DC_ID_INVALID"
    );
    let enums::auth::ExportedAuthorization::ExportedAuthorization(e) = main
        .call(&functions::auth::ExportAuthorization { dc_id: 4 })
        .unwrap();
    let import = functions::auth::ImportAuthorization {
        id: e.id,
        bytes: e.bytes.clone(),
    };
    let mut wrong_dc = Client::new(&d, 3);
    assert_eq!(wrong_dc.call(&import).unwrap_err().1, "AUTH_BYTES_INVALID");
    let mut media = Client::new(&d, 4);
    assert_eq!(media.call(&get_self()).unwrap_err().0, 401);
    media.call(&import).unwrap();
    assert!(media.call(&get_self()).is_ok());
    // The account's takeout id is valid on the other DC's key too.
    media.takeout = main.takeout;
    media.tcall(None, functions::contacts::GetSaved {}).unwrap();
    // Exported bytes work once.
    let mut again = Client::new(&d, 4);
    assert_eq!(again.call(&import).unwrap_err().1, "AUTH_BYTES_INVALID");
}

#[test]
fn sessions_contacts_and_personal_info() {
    let d = generated(&cfg());
    let world = d.index().world().clone();
    let mut c = Client::new(&d, 2);
    c.start_takeout();
    let enums::account::Authorizations::Authorizations(a) = c
        .tcall(None, functions::account::GetAuthorizations {})
        .unwrap();
    assert_eq!(a.authorizations, world.authorizations);
    let enums::account::WebAuthorizations::WebAuthorizations(w) = c
        .tcall(None, functions::account::GetWebAuthorizations {})
        .unwrap();
    assert_eq!(w.authorizations, world.web_authorizations);
    assert!(
        w.users
            .iter()
            .all(|u| matches!(u, enums::User::User(u) if u.bot))
    );
    assert_eq!(
        c.tcall(None, functions::contacts::GetSaved {}).unwrap(),
        world.contacts
    );
    let full = c
        .tcall(
            None,
            functions::users::GetFullUser {
                id: enums::InputUser::InputUserSelf,
            },
        )
        .unwrap();
    let enums::users::UserFull::UserFull(full) = full;
    assert_eq!(Some(full.full_user), world.self_full);
    let ids: Vec<i64> = world
        .custom_emoji
        .iter()
        .map(|d| match d {
            enums::Document::Document(d) => d.id,
            enums::Document::Empty(d) => d.id,
        })
        .chain([12345])
        .collect();
    let docs = c
        .tcall(
            None,
            functions::messages::GetCustomEmojiDocuments { document_id: ids },
        )
        .unwrap();
    assert_eq!(docs, world.custom_emoji);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), logged_in in any::<bool>()) {
        let d = generated(&GenerateConfig { messages: 10, dialogs: 2, ..cfg() });
        let mut c = Client::new(&d, 2);
        if logged_in {
            c.auth.user_id = Some(d.index().world().self_id);
        }
        let _ = c.raw(&bytes);
    }

    #[test]
    fn arbitrary_methods_never_panic(id in prop::sample::select(method_ids()), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let d = generated(&GenerateConfig { messages: 10, dialogs: 2, ..cfg() });
        let mut c = Client::new(&d, 2);
        c.auth.user_id = Some(d.index().world().self_id);
        let mut bytes = id.to_le_bytes().to_vec();
        bytes.extend(tail);
        let _ = c.raw(&bytes);
    }
}

proptest! {
    #[test]
    fn hostile_numbers_never_panic(v in proptest::collection::vec(any::<i32>(), 8), big in any::<i64>(), range in any::<(i32, i32)>()) {
        let d = generated(&GenerateConfig { messages: 60, dialogs: 5, ..cfg() });
        let mut c = Client::new(&d, 2);
        c.start_takeout();
        let peer = enums::InputPeer::InputPeerSelf;
        let history = functions::messages::GetHistory {
            peer: peer.clone(), offset_id: v[0], offset_date: v[1], add_offset: v[2], limit: v[3], max_id: v[4], min_id: v[5], hash: big,
        };
        let _ = c.tcall(Some(range), history);
        let search = functions::messages::Search {
            peer: peer.clone(), from_id: Some(peer.clone()), min_date: v[6], max_date: v[7], offset_id: v[0], add_offset: v[2], limit: v[3], max_id: v[4], min_id: v[5], ..Default::default()
        };
        let _ = c.tcall(Some(range), search);
        let dialogs = functions::messages::GetDialogs {
            folder_id: Some(v[6]), offset_date: v[1], offset_id: v[0], offset_peer: peer.clone(), limit: v[3], ..Default::default()
        };
        let _ = c.tcall(Some(range), dialogs);
        let _ = c.tcall(None, functions::channels::GetLeftChannels { offset: v[2] });
        let _ = c.tcall(None, functions::contacts::GetTopPeers { correspondents: true, offset: v[2], limit: v[3], ..Default::default() });
        let _ = c.tcall(None, functions::photos::GetUserPhotos { user_id: enums::InputUser::InputUserSelf, offset: v[2], max_id: big, limit: v[3] });
        let _ = c.tcall(None, functions::stories::GetStoriesArchive { peer: peer.clone(), offset_id: v[0], limit: v[3] });
        let file = functions::upload::GetFile { precise: v[7] % 2 == 0, location: enums::InputFileLocation::InputTakeoutFileLocation, offset: big, limit: v[3], ..Default::default() };
        let _ = c.tcall(None, file);
    }
}

fn method_ids() -> Vec<u32> {
    use tl::Identifiable as I;
    use tl::functions as f;
    vec![
        f::messages::GetHistory::CONSTRUCTOR_ID,
        f::messages::GetDialogs::CONSTRUCTOR_ID,
        f::messages::Search::CONSTRUCTOR_ID,
        f::upload::GetFile::CONSTRUCTOR_ID,
        f::contacts::GetTopPeers::CONSTRUCTOR_ID,
        f::photos::GetUserPhotos::CONSTRUCTOR_ID,
        f::stories::GetStoriesArchive::CONSTRUCTOR_ID,
        f::channels::GetLeftChannels::CONSTRUCTOR_ID,
        f::auth::CheckPassword::CONSTRUCTOR_ID,
        f::auth::ImportAuthorization::CONSTRUCTOR_ID,
        f::users::GetUsers::CONSTRUCTOR_ID,
        f::InvokeWithTakeout::<tl::Raw>::CONSTRUCTOR_ID,
        f::InvokeWithMessagesRange::<tl::Raw>::CONSTRUCTOR_ID,
    ]
}
