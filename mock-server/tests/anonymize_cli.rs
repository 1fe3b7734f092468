//! `tg-mock-server anonymize` and `import` on the command line: a small
//! transcript is anonymized (names and the phone gone, the new phone
//! printed) and imported into a fixture that loads; a bad line fails with
//! its number and leaves no output behind.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tg-mock-server");

fn transcript() -> String {
    let header = format!(
        "{{\"format\":\"tg-mock-replay/1\",\"layer\":{}}}\n",
        tl::LAYER
    );
    let send_code = serde_json::json!({
        "request": {"_": "auth.sendCode", "phone_number": "9996621234", "api_id": 0, "api_hash": "",
                    "settings": {"_": "codeSettings"}},
        "ignore": ["api_hash", "api_id"], "takeout": false, "range": false,
        "response": {"_": "auth.sentCode", "type": {"_": "auth.sentCodeTypeApp", "length": 5},
                     "phone_code_hash": "abc123"}});
    let users = serde_json::json!({
        "request": {"_": "users.getUsers", "id": [{"_": "inputUserSelf"}]},
        "takeout": false, "range": false,
        "response": [{"_": "user", "self": true, "id": 1001, "access_hash": 2001,
                      "first_name": "Augusta", "last_name": "Lovelace", "phone": "9996621234",
                      "username": "countess_ada"}]});
    format!("{header}{send_code}\n{users}\n")
}

#[test]
fn anonymize_then_import_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(&input, transcript()).unwrap();
    let run = Command::new(BIN)
        .args(["anonymize", "--seed", "3"])
        .arg(&input)
        .arg(&output)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("2 exchanges"), "{stdout}");
    let text = std::fs::read_to_string(&output).unwrap();
    for personal in ["Augusta", "Lovelace", "9996621234", "countess_ada"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let phone = stdout
        .lines()
        .find_map(|l| l.strip_prefix("the account's phone number is now "))
        .expect("the new phone is printed");
    assert_eq!(phone.len(), 10);
    assert!(text.contains(phone));

    let fixture = dir.path().join("fixture");
    let run = Command::new(BIN)
        .arg("import")
        .arg(&output)
        .arg("--out")
        .arg(&fixture)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let world = tg_mock_server::fixture::load(&fixture).expect("the imported fixture loads");
    assert_eq!(world.self_id, 1001);
    assert_eq!(world.login.phone, phone);
}

#[test]
fn a_bad_line_fails_with_its_number_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(&input, format!("{}{{broken\n{{\"x\":1}}\n", transcript())).unwrap();
    let run = Command::new(BIN)
        .arg("anonymize")
        .arg(&input)
        .arg(&output)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("in.jsonl: line 4: not JSON"), "{stderr}");
    assert!(!output.exists(), "no half-anonymized file");
    let run = Command::new(BIN)
        .arg("import")
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("fixture"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("line 4"));
}
