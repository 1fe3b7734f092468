use super::*;
use crate::{Identifiable, Serializable};

#[test]
fn long_accepts_numbers_and_decimal_strings() {
    assert_eq!(i64::from_json(&Value::from(-5)), Ok(-5));
    assert_eq!(
        i64::from_json(&Value::from("9007199254740993")),
        Ok(9007199254740993)
    );
    assert!(i32::from_json(&Value::from(1i64 << 40)).is_err());
}

#[test]
fn errors_carry_their_path() {
    let v: Value = serde_json::json!([{"a": 1}, "x"]);
    let err = Vec::<Vec<i32>>::from_json(&v).unwrap_err();
    assert_eq!(err.to_string(), "at 0: expected an array, found an object");
}

#[test]
fn calls_and_results_by_method_id() {
    use crate::{functions, types};
    let call = functions::messages::GetHistory {
        peer: crate::enums::InputPeer::InputPeerSelf,
        offset_id: 5,
        limit: 10,
        ..Default::default()
    };
    let json = call_to_json(&call.to_bytes()).unwrap();
    assert_eq!(json["_"], "messages.getHistory");
    assert_eq!(json["offset_id"], 5);
    assert_eq!(call_from_json(&json).unwrap(), call.to_bytes());
    let id = functions::messages::GetHistory::CONSTRUCTOR_ID;
    let m = method(id).unwrap();
    assert_eq!(m.name, "messages.getHistory");
    assert_eq!(method_named("messages.getHistory").unwrap().id, id);
    let mut long_as_text = json.clone();
    long_as_text["hash"] = Value::from("0");
    assert_eq!(m.canonical_call(&long_as_text).unwrap(), json);

    let answer: crate::enums::messages::Messages = types::messages::Messages {
        messages: vec![],
        topics: vec![],
        chats: vec![],
        users: vec![],
    }
    .into();
    let rjson = result_to_json(id, &answer.to_bytes()).unwrap();
    assert_eq!(result_from_json(id, &rjson).unwrap(), answer.to_bytes());
    // Bool and vectors of the return type.
    let finish = functions::account::FinishTakeoutSession::CONSTRUCTOR_ID;
    assert_eq!(
        result_to_json(finish, &true.to_bytes()).unwrap(),
        Value::Bool(true)
    );
    assert!(matches!(
        result_from_json(finish, &serde_json::json!({"_": "config"})),
        Err(MethodJsonError::Json(_))
    ));
    // Wrappers and unknown ids have no codec.
    assert!(method(functions::InvokeWithLayer::<Raw>::CONSTRUCTOR_ID).is_none());
    assert!(method_named("invokeWithTakeout").is_none());
    assert!(matches!(
        call_to_json(&[1, 2, 3, 4]),
        Err(MethodJsonError::UnknownMethod(_))
    ));
    assert!(matches!(
        call_to_json(&[1]),
        Err(MethodJsonError::Decode(_))
    ));
    assert!(matches!(
        call_from_json(&serde_json::json!({"_": "nope"})),
        Err(MethodJsonError::UnknownMethod(_))
    ));
    // The table is sorted and complete for the project's methods.
    assert!(methods().windows(2).all(|w| w[0].id < w[1].id));
    assert!(methods().len() > 600, "{}", methods().len());
}

#[test]
fn bytes_are_base64() {
    assert_eq!(bytes_to_json(b"hi"), Value::from("aGk="));
    assert_eq!(bytes_from_json(&Value::from("aGk=")).unwrap(), b"hi");
    assert!(<[u8; 16]>::from_json(&Value::from("aGk=")).is_err());
}
