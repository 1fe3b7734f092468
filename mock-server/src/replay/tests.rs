//! Unit tests of replay: matching, pins, loading errors.

use net::Handler;
use tl::json::ToJson;
use tl::{RemoteCall, enums, functions, types};

use super::load::remove_path;

use super::*;

fn parse(json: &str) -> Result<Replay, ReplayError> {
    Replay::parse(json, Path::new("t.json"))
}

fn call(r: &Replay, body: &[u8]) -> net::Reply {
    call_on(r, body, 1)
}

/// [`call`] on connection `conn_id` of DC 2.
fn call_on(r: &Replay, body: &[u8], conn_id: u64) -> net::Reply {
    r.handle(
        net::Request {
            dc_id: 2,
            auth_key_id: 1,
            conn_id,
            body,
            now_unix: 0,
        },
        &mut (),
    )
}

fn ok<T: Serializable>(v: T) -> net::Reply {
    net::Reply::Result(v.to_bytes())
}

fn err(code: i32, message: &str) -> net::Reply {
    net::Reply::Error {
        code,
        message: message.into(),
    }
}

fn history(offset_id: i32) -> functions::messages::GetHistory {
    functions::messages::GetHistory {
        peer: enums::InputPeer::InputPeerSelf,
        offset_id,
        limit: 10,
        ..Default::default()
    }
}

fn wrapped<R: RemoteCall + Default>(query: R) -> Vec<u8> {
    functions::InvokeWithLayer {
        layer: tl::LAYER,
        query: functions::InitConnection {
            query,
            ..Default::default()
        },
    }
    .to_bytes()
}

fn in_takeout<R: RemoteCall>(takeout_id: i64, range: Option<(i32, i32)>, query: R) -> Vec<u8> {
    match range {
        None => functions::InvokeWithTakeout { takeout_id, query }.to_bytes(),
        Some((min_id, max_id)) => functions::InvokeWithTakeout {
            takeout_id,
            query: functions::InvokeWithMessagesRange {
                range: types::MessageRange { min_id, max_id }.into(),
                query,
            },
        }
        .to_bytes(),
    }
}

const NEAREST: &str = r#"{"_": "nearestDc", "country": "ZZ", "this_dc": 2, "nearest_dc": 2}"#;

fn nearest() -> enums::NearestDc {
    types::NearestDc {
        country: "ZZ".into(),
        this_dc: 2,
        nearest_dc: 2,
    }
    .into()
}

#[test]
fn pairs_are_served_once_in_file_order_and_wrappers_are_peeled() {
    let r = parse(&format!(
        r#"{{"layer": {}, "exchanges": [
            {{"request": {{"_": "help.getNearestDc"}}, "error": [420, "FLOOD_WAIT_1"]}},
            {{"request": {{"_": "help.getNearestDc"}}, "response": {NEAREST}}},
            {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
              "offset_id": 5, "offset_date": 0, "add_offset": 0, "limit": 10,
              "max_id": 0, "min_id": 0, "hash": "0"}},
              "response": {{"_": "messages.messages", "messages": [], "topics": [], "chats": [], "users": []}}}}
        ]}}"#,
        tl::LAYER
    ))
    .unwrap();
    let q = functions::help::GetNearestDc {};
    assert_eq!(call(&r, &wrapped(q.clone())), err(420, "FLOOD_WAIT_1"));
    assert_eq!(call(&r, &q.to_bytes()), ok(nearest()));
    assert_eq!(
        call(&r, &q.to_bytes()),
        err(400, "REPLAY_UNEXPECTED_help.getNearestDc")
    );
    // Another offset is another request.
    assert_eq!(
        call(&r, &history(6).to_bytes()),
        err(400, "REPLAY_UNEXPECTED_messages.getHistory")
    );
    let answer = call(&r, &in_takeout(9, Some((1, 5)), history(5)));
    let empty: enums::messages::Messages = types::messages::Messages {
        messages: vec![],
        topics: vec![],
        chats: vec![],
        users: vec![],
    }
    .into();
    assert_eq!(answer, ok(empty));
    assert!(r.unused().is_empty());
    let unexpected = r.unexpected();
    assert_eq!(unexpected.len(), 2);
    assert!(unexpected[0].starts_with("help.getNearestDc {\"_\":\"help.getNearestDc\"}"));
    assert!(unexpected[1].contains("\"offset_id\":6"), "{unexpected:?}");
    r.rewind();
    assert!(r.unexpected().is_empty());
    assert_eq!(r.unused(), vec![0, 1, 2]);
}

#[test]
fn a_resend_on_another_connection_gets_the_lost_answer_again() {
    let r = parse(&format!(
        r#"{{"exchanges": [
            {{"request": {{"_": "help.getNearestDc"}}, "response": {NEAREST}}}
        ]}}"#
    ))
    .unwrap();
    let q = functions::help::GetNearestDc {}.to_bytes();
    assert_eq!(call_on(&r, &q, 1), ok(nearest()));
    // The same connection asking again is a client repeating itself.
    assert_eq!(
        call_on(&r, &q, 1),
        err(400, "REPLAY_UNEXPECTED_help.getNearestDc")
    );
    assert_eq!(r.resent(), 0);
    // Another connection: the answer was lost with the first one.
    assert_eq!(call_on(&r, &q, 2), ok(nearest()));
    assert_eq!(call_on(&r, &q, 3), ok(nearest()));
    assert_eq!(r.resent(), 2);
    assert_eq!(r.unexpected().len(), 1);
    r.rewind();
    assert_eq!(r.resent(), 0);
    assert_eq!(r.unused(), vec![0]);
}

#[test]
fn repeat_pins_and_ignore() {
    let r = parse(&format!(
        r#"{{"exchanges": [
            {{"request": {{"_": "help.getNearestDc"}}, "response": {NEAREST}, "repeat": true}},
            {{"request": {{"_": "account.finishTakeoutSession", "success": true}},
              "takeout": 7, "response": true}},
            {{"request": {{"_": "users.getUsers", "id": [{{"_": "inputUserSelf"}}]}},
              "takeout": false, "response": []}},
            {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
              "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10,
              "max_id": 0, "min_id": 0, "hash": 0}},
              "range": {{"min_id": 1, "max_id": 9}}, "ignore": ["offset_id"],
              "error": [400, "RANGE_OK"]}},
            {{"request": {{"_": "messages.getHistory", "peer": {{"_": "inputPeerSelf"}},
              "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10,
              "max_id": 0, "min_id": 0, "hash": 0}},
              "range": false, "ignore": ["offset_id"], "repeat": true,
              "error": [400, "NO_RANGE"]}}
        ]}}"#
    ))
    .unwrap();
    let q = functions::help::GetNearestDc {}.to_bytes();
    for _ in 0..3 {
        assert_eq!(call(&r, &q), ok(nearest()));
    }
    let finish = functions::account::FinishTakeoutSession { success: true };
    assert_eq!(
        call(&r, &finish.to_bytes()),
        err(400, "REPLAY_UNEXPECTED_account.finishTakeoutSession"),
        "not in a takeout"
    );
    assert_eq!(
        call(&r, &in_takeout(8, None, finish.clone())),
        err(400, "REPLAY_UNEXPECTED_account.finishTakeoutSession"),
        "another takeout"
    );
    assert_eq!(call(&r, &in_takeout(7, None, finish)), ok(true));
    let users = functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    };
    assert_eq!(
        call(&r, &in_takeout(7, None, users.clone())),
        err(400, "REPLAY_UNEXPECTED_users.getUsers")
    );
    assert_eq!(call(&r, &users.to_bytes()), ok(Vec::<enums::User>::new()));
    // `ignore`: any offset; `range`: the bounds or none.
    assert_eq!(
        call(&r, &in_takeout(7, Some((1, 8)), history(3))),
        err(400, "REPLAY_UNEXPECTED_messages.getHistory")
    );
    assert_eq!(
        call(&r, &in_takeout(7, Some((1, 9)), history(3))),
        err(400, "RANGE_OK")
    );
    for offset in [4, 5] {
        assert_eq!(call(&r, &history(offset).to_bytes()), err(400, "NO_RANGE"));
    }
    assert!(r.unused().is_empty());
}

#[test]
fn get_config_names_the_replay_servers_listeners() {
    let config = types::Config {
        this_dc: 4,
        dc_options: vec![
            types::DcOption {
                id: 4,
                ip_address: "149.154.167.91".into(),
                port: 443,
                ..Default::default()
            }
            .into(),
        ],
        dc_txt_domain_name: "recorded".into(),
        ..Default::default()
    };
    let json = format!(
        r#"{{"exchanges": [{{"request": {{"_": "help.getConfig"}}, "response": {}}}]}}"#,
        enums::Config::from(config.clone()).to_json()
    );
    let own = vec![DcAddr {
        id: 2,
        ip: "127.0.0.1".into(),
        port: 4000,
    }];
    let r = parse(&json).unwrap().with_dc_options(own);
    let net::Reply::Result(bytes) = call(&r, &functions::help::GetConfig {}.to_bytes()) else {
        panic!("answered");
    };
    let enums::Config::Config(got) = enums::Config::from_bytes(&bytes).unwrap();
    assert_eq!(got.this_dc, 2);
    assert_eq!(got.dc_txt_domain_name, "recorded");
    assert_eq!(
        got.dc_options,
        vec![
            types::DcOption {
                id: 2,
                ip_address: "127.0.0.1".into(),
                port: 4000,
                ..Default::default()
            }
            .into()
        ]
    );
}

#[test]
fn unknown_and_undecodable_requests_are_unexpected() {
    let r = parse(r#"{"exchanges": []}"#).unwrap();
    assert!(r.is_empty());
    let contacts = functions::contacts::GetStatuses {}.to_bytes();
    assert_eq!(
        call(&r, &contacts),
        err(400, "REPLAY_UNEXPECTED_contacts.getStatuses")
    );
    let garbage = [1u8, 2, 3];
    assert!(matches!(
        call(&r, &garbage),
        net::Reply::Error { code: 400, .. }
    ));
    let u = r.unexpected();
    assert_eq!(u.len(), 2);
    assert!(u[0].starts_with("contacts.getStatuses {\"_\":\"contacts.getStatuses\"}"));
    assert!(u[1].starts_with("(undecodable) "));
}

#[test]
fn loading_errors_name_the_exchange_and_the_problem() {
    let msg = |json: &str| parse(json).unwrap_err().to_string();
    assert!(msg("{").starts_with("t.json: not a transcript: "));
    assert!(msg(r#"{"exchanges": [], "extra": 1}"#).contains("unknown field `extra`"));
    assert!(msg(r#"{"format": "x", "exchanges": []}"#).contains("format \"x\""));
    assert_eq!(
        msg(r#"{"layer": 1, "exchanges": []}"#),
        format!(
            "t.json: the transcript is for layer 1, this server speaks layer {}",
            tl::LAYER
        )
    );
    let one = |ex: &str| msg(&format!(r#"{{"exchanges": [{NEAR_OK}, {ex}]}}"#));
    const NEAR_OK: &str = r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"]}"#;
    assert_eq!(
        one(r#"{"request": {"_": "help.getNothing"}, "error": [1, "X"]}"#),
        format!(
            "t.json: exchange 1: method \"help.getNothing\" is not a method of layer {}",
            tl::LAYER
        )
    );
    assert!(
        one(r#"{"request": {"_": "invokeWithTakeout"}, "error": [1, "X"]}"#)
            .contains("is a wrapper")
    );
    assert_eq!(
        one(r#"{"request": {"_": "help.getNearestDc"}}"#),
        "t.json: exchange 1: needs exactly one of `response` and `error`"
    );
    assert_eq!(
        one(r#"{"request": {"_": "help.getNearestDc", "x": 1}, "error": [1, "X"]}"#),
        "t.json: exchange 1: request: help.getNearestDc has no field \"x\""
    );
    assert!(
        one(r#"{"request": {"_": "help.getNearestDc"}, "response": {"_": "config"}}"#)
            .starts_with("t.json: exchange 1: response of help.getNearestDc: ")
    );
    assert!(
        one(r#"{"request": {}, "error": [1, "X"]}"#)
            .contains("exchange 1: request: missing the \"_\" constructor name")
    );
    assert!(
        one(r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"], "repat": true}"#)
            .contains("unknown field `repat`")
    );
    assert!(
        one(r#"{"request": {"_": "help.getNearestDc"}, "error": [1, "X"], "ignore": ["a..b"]}"#)
            .contains("ignore path \"a..b\"")
    );
    assert_eq!(
        msg(&format!(
            r#"{{"exchanges": [{NEAR_OK}, {{"request": {{"_": "help.getNearestDc"}},
             "error": [1, "X"], "repeat": true}}, {NEAR_OK}]}}"#
        )),
        "t.json: exchange 2: never served: exchange 1 has the same request and repeats"
    );
    let missing = Replay::load(Path::new("/nonexistent/t.json")).unwrap_err();
    assert!(matches!(missing, ReplayError::Read { .. }));
}

#[test]
fn every_schema_method_but_the_wrappers_can_be_replayed() {
    let all = methods();
    assert!(all.contains(&"help.getCdnConfig"));
    assert!(all.contains(&"upload.getFile"));
    for name in &all {
        assert!(!tl::peel::is_wrapper(name), "{name}");
    }
    let r = parse(r#"{"exchanges": [{"request": {"_": "help.getCdnConfig"}, "error": [1, "X"]}]}"#)
        .unwrap();
    assert_eq!(
        call(&r, &functions::help::GetCdnConfig {}.to_bytes()),
        err(1, "X")
    );
}

#[test]
fn ignore_paths_reach_into_objects_and_arrays() {
    let mut v = serde_json::json!({"a": {"b": [1, {"c": 2, "d": 3}]}, "e": 4});
    remove_path(&mut v, &["a".into(), "b".into(), "1".into(), "c".into()]);
    remove_path(&mut v, &["e".into()]);
    remove_path(&mut v, &["zz".into(), "y".into()]);
    remove_path(&mut v, &["a".into(), "b".into(), "0".into()]);
    assert_eq!(v, serde_json::json!({"a": {"b": [null, {"d": 3}]}}));
}

fn lines(body: &str) -> Result<Replay, ReplayError> {
    Replay::parse(
        &format!(
            "{{\"format\":\"tg-mock-replay/1\",\"layer\":{}}}\n{body}",
            tl::LAYER
        ),
        Path::new("t.jsonl"),
    )
}

fn on_dc(r: &Replay, dc_id: i32, body: &[u8]) -> net::Reply {
    r.handle(
        net::Request {
            dc_id,
            auth_key_id: 1,
            conn_id: 1,
            body,
            now_unix: 0,
        },
        &mut (),
    )
}

const NEAR_LINE: &str = r#"{"request": {"_": "help.getNearestDc"}, "response": {"_": "nearestDc", "country": "ZZ", "this_dc": 2, "nearest_dc": 2}}"#;

#[test]
fn json_lines_are_read_and_served_like_the_object_form() {
    let r = lines(&format!("{NEAR_LINE}\n\n{NEAR_LINE}\n")).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r.place(1), Some(Place::Line(4)));
    let q = functions::help::GetNearestDc {}.to_bytes();
    assert_eq!(call(&r, &q), ok(nearest()));
    assert_eq!(call(&r, &q), ok(nearest()));
    assert!(r.unused().is_empty());
}

#[test]
fn json_lines_errors_name_the_line() {
    let msg = |body: &str| lines(body).unwrap_err().to_string();
    assert!(
        msg(&format!("{NEAR_LINE}\n{{\"request\": \n{NEAR_LINE}\n"))
            .starts_with("t.jsonl:3: not JSON: "),
        "a malformed line in the middle"
    );
    assert_eq!(
        msg(&format!(
            "{NEAR_LINE}\n{}\n",
            r#"{"request": {"_": "help.getNothing"}, "error": [1, "X"]}"#
        )),
        format!(
            "t.jsonl:3: method \"help.getNothing\" is not a method of layer {}",
            tl::LAYER
        )
    );
    assert!(
        msg(r#"{"request": {"_": "help.getNearestDc"}, "response": {"_": "config"}}"#)
            .starts_with("t.jsonl:2: response of help.getNearestDc: ")
    );
    assert!(
        msg(r#"{"request": {"_": "help.getNearestDc"}, "response": true}"#)
            .starts_with("t.jsonl:2: response of help.getNearestDc: "),
        "a response of the wrong type"
    );
    let other_layer = Replay::parse(
        "{\"format\":\"tg-mock-replay/1\",\"layer\":1}\n",
        Path::new("t.jsonl"),
    );
    assert!(matches!(
        other_layer,
        Err(ReplayError::Layer { found: 1, .. })
    ));
    let other_format = Replay::parse("{\"format\":\"x\"}\n", Path::new("t.jsonl"));
    assert!(
        other_format
            .unwrap_err()
            .to_string()
            .contains("line 1: format \"x\"")
    );
    let no_format = Replay::parse("{\"layer\":5}\n", Path::new("t.jsonl"));
    assert!(
        no_format
            .unwrap_err()
            .to_string()
            .contains("line 1: header")
    );
    let not_utf8 = load::read(
        &b"{\"format\":\"tg-mock-replay/1\"}\n\xff\xfe\n"[..],
        Path::new("t.jsonl"),
    );
    assert!(matches!(not_utf8, Err(ReplayError::Line { line: 2, .. })));
}

#[test]
fn a_cut_last_line_is_dropped_but_a_cut_middle_line_is_an_error() {
    let cut = &NEAR_LINE[..NEAR_LINE.len() / 2];
    let r = lines(&format!("{NEAR_LINE}\n{cut}")).unwrap();
    assert_eq!(r.len(), 1);
    // The same line with its newline: the file did not end there by accident.
    assert!(lines(&format!("{NEAR_LINE}\n{cut}\n")).is_err());
    // A complete last line without a newline is kept.
    assert_eq!(
        lines(&format!("{NEAR_LINE}\n{NEAR_LINE}")).unwrap().len(),
        2
    );
}

#[test]
fn dc_pins_serve_an_exchange_on_its_dc_only() {
    let r = lines(&format!(
        "{}\n",
        r#"{"request": {"_": "help.getNearestDc"}, "dc": 4, "error": [400, "ON_FOUR"]}"#
    ))
    .unwrap();
    assert_eq!(r.dcs().iter().copied().collect::<Vec<_>>(), vec![4]);
    let q = functions::help::GetNearestDc {}.to_bytes();
    assert_eq!(
        on_dc(&r, 2, &q),
        err(400, "REPLAY_UNEXPECTED_help.getNearestDc")
    );
    assert_eq!(on_dc(&r, 4, &q), err(400, "ON_FOUR"));
}

#[test]
fn synth_parts_are_filled_from_the_hash() {
    let sha = "cd".repeat(32);
    let r = lines(&format!(
        r#"{{"request": {{"_": "upload.getFile", "location": {{"_": "inputPeerPhotoFileLocation", "peer": {{"_": "inputPeerSelf"}}, "photo_id": 3}}, "offset": 0, "limit": 1048576}}, "synth": {{"len": 70, "sha256": "{sha}"}}, "response": {{"_": "upload.file", "type": {{"_": "storage.fileJpeg"}}, "mtime": 0, "bytes": ""}}}}
"#
    ))
    .unwrap();
    let q = functions::upload::GetFile {
        location: enums::InputFileLocation::InputPeerPhotoFileLocation(
            types::InputPeerPhotoFileLocation {
                big: false,
                peer: enums::InputPeer::InputPeerSelf,
                photo_id: 3,
            },
        ),
        offset: 0,
        limit: 1 << 20,
        ..Default::default()
    };
    let net::Reply::Result(bytes) = call(&r, &q.to_bytes()) else {
        panic!("answered");
    };
    let enums::upload::File::File(file) = enums::upload::File::from_bytes(&bytes).unwrap() else {
        panic!("upload.file");
    };
    assert_eq!(file.bytes, synth::fill(70, &[0xcd; 32]));
    let bad = lines(
        r#"{"request": {"_": "help.getNearestDc"}, "synth": {"len": 1, "sha256": ""}, "error": [1, "X"]}"#,
    );
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("synth: only with a `response`")
    );
}

/// The fields the recorder writes as placeholders with `ignore` (see
/// `tg_takeout::record::SECRETS`), one case each: any value matches.
#[test]
fn tolerated_fields_match_any_value() {
    let r = lines(concat!(
        r#"{"request": {"_": "auth.signIn", "phone_number": "+1", "phone_code_hash": "h", "phone_code": ""}, "ignore": ["phone_code", "email_verification"], "error": [400, "SIGN_IN"]}"#,
        "\n",
        r#"{"request": {"_": "auth.checkPassword", "password": {"_": "inputCheckPasswordSRP", "srp_id": 5, "A": "", "M1": ""}}, "ignore": ["password.A", "password.M1"], "error": [400, "PASSWORD"]}"#,
        "\n",
        r#"{"request": {"_": "auth.importAuthorization", "id": 7, "bytes": ""}, "ignore": ["bytes"], "error": [400, "IMPORT"]}"#,
        "\n",
        r#"{"request": {"_": "auth.sendCode", "phone_number": "+1", "api_id": 0, "api_hash": "", "settings": {"_": "codeSettings"}}, "ignore": ["api_hash", "api_id"], "error": [400, "SEND_CODE"]}"#,
        "\n",
        r#"{"request": {"_": "auth.importLoginToken", "token": ""}, "ignore": ["token"], "error": [400, "TOKEN"]}"#,
        "\n",
        r#"{"request": {"_": "auth.exportLoginToken", "api_id": 0, "api_hash": "", "except_ids": []}, "ignore": ["api_hash", "api_id", "except_ids"], "error": [400, "QR"]}"#,
        "\n",
    ))
    .unwrap();
    let sign_in = functions::auth::SignIn {
        phone_number: "+1".into(),
        phone_code_hash: "h".into(),
        phone_code: Some("54321".into()),
        email_verification: None,
    };
    assert_eq!(call(&r, &sign_in.to_bytes()), err(400, "SIGN_IN"));
    let check = functions::auth::CheckPassword {
        password: types::InputCheckPasswordSrp {
            srp_id: 5,
            a: vec![1; 256],
            m1: vec![2; 32],
        }
        .into(),
    };
    assert_eq!(call(&r, &check.to_bytes()), err(400, "PASSWORD"));
    let import = functions::auth::ImportAuthorization {
        id: 7,
        bytes: vec![3; 100],
    };
    assert_eq!(call(&r, &import.to_bytes()), err(400, "IMPORT"));
    let send_code = functions::auth::SendCode {
        phone_number: "+1".into(),
        api_id: 12345,
        api_hash: "0123abcd".into(),
        settings: types::CodeSettings::default().into(),
    };
    assert_eq!(call(&r, &send_code.to_bytes()), err(400, "SEND_CODE"));
    let token = functions::auth::ImportLoginToken { token: vec![4; 32] };
    assert_eq!(call(&r, &token.to_bytes()), err(400, "TOKEN"));
    let qr = functions::auth::ExportLoginToken {
        api_id: 1,
        api_hash: "x".into(),
        except_ids: vec![9],
    };
    assert_eq!(call(&r, &qr.to_bytes()), err(400, "QR"));
    // The fields not ignored still count.
    let r2 = lines(concat!(
        r#"{"request": {"_": "auth.importAuthorization", "id": 7, "bytes": ""}, "ignore": ["bytes"], "error": [400, "IMPORT"]}"#,
        "\n"
    ))
    .unwrap();
    let other = functions::auth::ImportAuthorization {
        id: 8,
        bytes: vec![],
    };
    assert_eq!(
        call(&r2, &other.to_bytes()),
        err(400, "REPLAY_UNEXPECTED_auth.importAuthorization")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    /// Any prefix of a transcript, and any byte changed in it, loads or is
    /// a typed error; never a panic.
    #[test]
    fn any_cut_or_flipped_transcript_loads_or_errs(cut in 0usize..2000, flip in 0usize..2000, byte in 0u8..=255) {
        let text = format!(
            "{{\"format\":\"tg-mock-replay/1\",\"layer\":{}}}\n{NEAR_LINE}\n{}\n{NEAR_LINE}\n",
            tl::LAYER,
            r#"{"request": {"_": "auth.checkPassword", "password": {"_": "inputCheckPasswordSRP", "srp_id": 5, "A": "", "M1": ""}}, "ignore": ["password.A", "password.M1"], "takeout": 5, "range": {"min_id": 1, "max_id": 2}, "dc": 2, "error": [400, "PASSWORD"]}"#
        );
        let mut bytes = text.into_bytes();
        let cut = cut % (bytes.len() + 1);
        bytes.truncate(cut);
        let _ = load::read(&bytes[..], Path::new("t.jsonl"));
        if !bytes.is_empty() {
            let i = flip % bytes.len();
            bytes[i] = byte;
            let _ = load::read(&bytes[..], Path::new("t.jsonl"));
        }
    }
}
