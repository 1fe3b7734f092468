use super::*;
use serde_json::json;

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

#[test]
fn text_keeps_lengths_classes_and_layout() {
    let a = Anonymizer::new(7);
    for s in [
        "Hello, World 2024!\nSecond line",
        "Привет, мир",
        "你好世界 🙂👍🏽 ok",
        "🇩🇪 ☕ שלום مرحبا",
        "",
    ] {
        let t = a.text(s);
        assert_eq!(utf16(&t), utf16(s), "{s} -> {t}");
        assert_eq!(t.len(), s.len(), "{s} -> {t}");
        for (x, y) in s.chars().zip(t.chars()) {
            assert_eq!(x.is_whitespace(), y.is_whitespace(), "{s} -> {t}");
            assert_eq!(x.is_ascii_digit(), y.is_ascii_digit(), "{s} -> {t}");
            assert_eq!(x.is_alphabetic(), y.is_alphabetic(), "{s} -> {t}");
            assert_eq!(x.is_uppercase(), y.is_uppercase(), "{s} -> {t}");
            if x.is_alphabetic() {
                assert_eq!(u32::from(x) >> 7, u32::from(y) >> 7, "{s} -> {t}");
            }
            assert_eq!(x.len_utf16(), y.len_utf16(), "{s} -> {t}");
            if x.is_ascii_punctuation() {
                assert_eq!(x, y);
            }
        }
        assert_eq!(a.text(s), t, "deterministic");
    }
    assert_ne!(a.text("Hello World"), "Hello World");
    assert_ne!(
        Anonymizer::new(8).text("Hello World"),
        a.text("Hello World")
    );
}

#[test]
fn phones_codes_and_names() {
    let a = Anonymizer::new(1);
    let p = a.digits("phone", "+1 555 0100");
    assert_eq!(p.len(), 11);
    assert!(p.starts_with('+') && p.as_bytes()[2] == b' ');
    // Formatting does not change the mapping of the digits.
    assert_eq!(
        a.digits("phone", "15550100"),
        p.chars().filter(char::is_ascii_digit).collect::<String>()
    );
    assert_ne!(a.digits("code", "15550100"), a.digits("phone", "15550100"));
    let f = a.file_name("holiday photos.jpeg");
    assert!(f.ends_with(".jpeg") && f.len() == 19 && f != "holiday photos.jpeg");
    assert_eq!(a.url("https://example.org/x").len(), 21);
    assert!(a.url("https://example.org/x").starts_with("https://"));
    assert!(a.ip("192.168.1.20").starts_with("10."));
    assert!(a.ip("2001:db8::1").starts_with("fd00::"));
    assert_eq!(a.remap64(0), 0);
    assert_eq!(a.remap64(5), a.remap64(5));
    assert_ne!(a.remap64(5), 5);
}

#[test]
fn objects_follow_the_table() {
    let mut a = Anonymizer::new(3);
    let mut v = json!({
        "_": "user", "id": 5, "first_name": "Grace", "phone": "15551234",
        "access_hash": "123456789", "usernames": [{"_": "username", "username": "grace_h"}],
        "photo": {"_": "userProfilePhoto", "photo_id": 9, "dc_id": 2,
                  "stripped_thumb": tl::json::bytes_to_json(&[1, 40, 40, 9, 9, 9, 9])},
    });
    a.walk(&mut v);
    assert_eq!(v["id"], 5);
    assert_eq!(v["_"], "user");
    assert_ne!(v["first_name"], "Grace");
    assert_eq!(v["first_name"].as_str().unwrap().len(), 5);
    assert_eq!(v["access_hash"], a.remap64(123_456_789));
    assert_ne!(v["usernames"][0]["username"], "grace_h");
    assert_eq!(v["photo"]["photo_id"], 9);
    let thumb = tl::json::bytes_from_json(&v["photo"]["stripped_thumb"]).unwrap();
    assert_eq!(&thumb[..3], &[1, 40, 40]);
    assert_ne!(&thumb[3..], &[9, 9, 9, 9]);

    let mut geo = json!({"_": "geoPoint", "long": 13.4, "lat": 52.5, "access_hash": 1});
    a.walk(&mut geo);
    assert!(geo["lat"].as_f64().unwrap().abs() <= 80.0);
    assert_ne!(geo["lat"], 52.5);
    // The same query is kept: the exporter sends it again on replay.
    let mut q = json!({"_": "messages.search", "q": "hello"});
    a.walk(&mut q);
    assert_eq!(q["q"], "hello");
}

fn image_decodes(bytes: &[u8]) {
    image::load_from_memory(bytes).expect("a valid picture");
}

fn line(v: Value) -> String {
    format!("{v}\n")
}

#[test]
fn file_parts_are_synthesized_consistently() {
    let header = json!({"format": crate::replay::FORMAT, "layer": tl::LAYER, "secret": "x"});
    let doc = json!({"_": "document", "id": 77, "access_hash": 5, "file_reference": "AQI=",
        "date": 1, "mime_type": "image/png", "size": 6000, "dc_id": 2, "attributes": [
            {"_": "documentAttributeFilename", "file_name": "secret plans.png"}]});
    let history = json!({"request": {"_": "messages.getHistory", "peer": {"_": "inputPeerSelf"},
        "offset_id": 0, "offset_date": 0, "add_offset": 0, "limit": 10, "max_id": 0, "min_id": 0, "hash": 0},
        "response": {"_": "messages.messages", "messages": [{"_": "message", "id": 1, "date": 1,
          "peer_id": {"_": "peerUser", "user_id": 2}, "message": "top secret",
          "media": {"_": "messageMediaDocument", "document": doc}}],
          "topics": [], "chats": [], "users": []}});
    let part = |offset: u64, len: usize| {
        json!({"request": {"_": "upload.getFile", "location": {"_": "inputDocumentFileLocation",
            "id": 77, "access_hash": 5, "file_reference": "AQI=", "thumb_size": ""},
            "offset": offset, "limit": 4096},
          "response": {"_": "upload.file", "type": {"_": "storage.filePartial"}, "mtime": 1,
            "bytes": tl::json::bytes_to_json(&vec![0xAB; len])}})
    };
    let text = [
        line(header),
        line(history),
        line(part(4096, 1904)),
        line(part(0, 4096)),
    ]
    .concat();
    let mut out = Vec::new();
    let stats = anonymize(text.as_bytes(), &mut out, 9).unwrap();
    assert_eq!(stats.exchanges, 3);
    assert_eq!(stats.file_parts, 2);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("secret"), "{out}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["anonymized"], true);
    let doc = &lines[1]["response"]["messages"][0]["media"]["document"];
    let (hash, reference) = (&doc["access_hash"], &doc["file_reference"]);
    let bytes = |l: &Value| tl::json::bytes_from_json(&l["response"]["bytes"]).unwrap();
    for l in &lines[2..] {
        assert_eq!(&l["request"]["location"]["access_hash"], hash);
        assert_eq!(&l["request"]["location"]["file_reference"], reference);
    }
    let whole = [bytes(&lines[3]), bytes(&lines[2])].concat();
    assert_eq!(whole.len(), 6000);
    assert_eq!(Kind::of(&whole), Kind::Png);
    image_decodes(&whole);
    // Deterministic: the same input and seed give the same bytes.
    let mut again = Vec::new();
    anonymize(text.as_bytes(), &mut again, 9).unwrap();
    assert_eq!(String::from_utf8(again).unwrap(), out);
    let mut other = Vec::new();
    anonymize(text.as_bytes(), &mut other, 10).unwrap();
    assert_ne!(String::from_utf8(other).unwrap(), out);
}

#[test]
fn other_data_keeps_its_keys_and_length() {
    let a = Anonymizer::new(2);
    let data =
        serde_json::to_vec_pretty(&json!({"name": "Ada Lovelace", "n": [1, "two"]})).unwrap();
    let out = a.other_data(&data, 0);
    assert_eq!(out.len(), data.len());
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_ne!(v["name"], "Ada Lovelace");
    assert_eq!(v["n"][0], 1);
}

#[test]
fn bad_lines_are_errors_naming_the_line() {
    let header = format!(
        "{{\"format\":\"{}\",\"layer\":{}}}\n",
        crate::replay::FORMAT,
        tl::LAYER
    );
    let run = |body: &str| anonymize(format!("{header}{body}").as_bytes(), Vec::new(), 1);
    let e =
        run("{\"request\":{\"_\":\"help.getConfig\"},\"error\":[1,\"X\"]}\n{oops\n").unwrap_err();
    assert_eq!(e.line(), Some(3), "{e}");
    let e = run("{\"request\":{\"_\":\"phone.bogusCall\"},\"error\":[1,\"X\"]}\n").unwrap_err();
    assert!(
        matches!(e, TranscriptError::UnknownMethod { line: 2, .. }),
        "{e}"
    );
    let e = anonymize(
        "{\"format\":\"tg-mock-replay/1\",\"layer\":3}\n".as_bytes(),
        Vec::new(),
        1,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            TranscriptError::Layer {
                line: 1,
                found: 3,
                ..
            }
        ),
        "{e}"
    );
    // A cut last line is dropped.
    let stats =
        run("{\"request\":{\"_\":\"help.getConfig\"},\"error\":[1,\"X\"]}\n{\"requ").unwrap();
    assert_eq!((stats.exchanges, stats.dropped_line), (1, Some(3)));
}
