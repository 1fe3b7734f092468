//! Unit tests of the dispatcher.

use tl::Serializable;

use super::*;

#[test]
fn the_log_shows_the_parameters_of_every_served_method() {
    for route in services::routes() {
        assert!(
            PARAMS_METHODS.contains(&route.id),
            "{} is served but its parameters are not logged",
            method_name(route.id)
        );
    }
    let get_file = tl::functions::upload::GetFile {
        precise: true,
        cdn_supported: false,
        location: tl::types::InputDocumentFileLocation {
            id: 5,
            access_hash: 6,
            file_reference: vec![1, 2, 3],
            thumb_size: String::new(),
        }
        .into(),
        offset: 1 << 20,
        limit: 1 << 19,
    };
    let id = tl::functions::upload::GetFile::CONSTRUCTOR_ID;
    let json = params_json(id, &get_file.to_bytes()).expect("decodes");
    assert_eq!(json["_"], "upload.getFile");
    assert_eq!(json["offset"], 1 << 20);
    assert_eq!(json["limit"], 1 << 19);
    assert_eq!(json["location"]["file_reference"], "AQID");
    assert_eq!(params_json(id, &[1, 2, 3]), None, "undecodable");
    assert_eq!(params_json(0x1234_5678, &[]), None, "not served");
}

#[test]
fn secrets_never_reach_the_log() {
    let sign_in = tl::functions::auth::SignIn {
        phone_number: "+42777".into(),
        phone_code_hash: "hash".into(),
        phone_code: Some("12345".into()),
        email_verification: None,
    };
    let mut json = params_json(
        tl::functions::auth::SignIn::CONSTRUCTOR_ID,
        &sign_in.to_bytes(),
    )
    .expect("decodes");
    assert_eq!(json["phone_code"], "12345");
    redact(&mut json);
    assert_eq!(json["phone_code"], REDACTED);
    assert_eq!(json["phone_number"], "+42777", "not a secret");
    assert!(!json.to_string().contains("12345"));

    let check = tl::functions::auth::CheckPassword {
        password: tl::types::InputCheckPasswordSrp {
            srp_id: 7,
            a: vec![0xaa; 256],
            m1: vec![0xbb; 32],
        }
        .into(),
    };
    let mut json = params_json(
        tl::functions::auth::CheckPassword::CONSTRUCTOR_ID,
        &check.to_bytes(),
    )
    .expect("decodes");
    redact(&mut json);
    assert_eq!(json["password"], REDACTED);

    // Other methods are left as they are.
    let mut other = serde_json::json!({"_": "upload.getFile", "bytes": "AQID"});
    redact(&mut other);
    assert_eq!(other["bytes"], "AQID");
}
