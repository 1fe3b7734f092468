use super::*;

#[test]
fn escapes_are_valid_json() {
    let all: String =
        (0u32..0x80).filter_map(char::from_u32).collect::<String>() + "\u{2028}\u{2029}é😀\u{FFFD}";
    let text = escaped(&all);
    let back: String = serde_json::from_str(&text).unwrap();
    assert_eq!(back, all);
    assert_eq!(
        escaped("a\"b\\c\n\r\t\u{1}\u{1f}"),
        r#""a\"b\\c\n\r\t\u0001\u001f""#
    );
    assert_eq!(escaped("x\u{2028}y\u{2029}"), r#""x\u2028y\u2029""#);
    assert_eq!(escaped("\u{2027}\u{202A}"), "\"\u{2027}\u{202A}\"");
}

#[test]
fn layout_matches_tdesktop() {
    let mut out = JsonOut::new();
    out.open_object();
    out.field_str("about", "x");
    out.key("list");
    out.open_array();
    out.close();
    out.key("obj");
    out.open_object();
    out.field_num("a", 1);
    out.key("r");
    out.open_array_shifted();
    out.item();
    out.open_object();
    out.field_bool("b", true);
    out.close();
    out.close();
    out.close();
    out.close();
    let text = String::from_utf8(out.into_bytes()).unwrap();
    let expected = "{\n \"about\": \"x\",\n \"list\": [\n ],\n \"obj\": {\n  \"a\": 1,\n  \"r\": [\n    {\n     \"b\": true\n    }\n   ]\n }\n}";
    assert_eq!(text, expected);
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
}

#[test]
fn floats_are_percent_f_and_never_nan() {
    let mut out = JsonOut::new();
    out.float(55.755826);
    out.raw(" ");
    out.float(1.0);
    out.raw(" ");
    out.float(f64::NAN);
    assert_eq!(out.into_bytes(), b"55.755826 1.000000 null");
}

#[test]
fn peer_ids_and_dates_are_strings() {
    let mut out = JsonOut::new();
    out.open_object();
    for id in [PeerId::User(1), PeerId::Chat(-2), PeerId::Channel(i64::MAX)] {
        out.field_peer_id("from_id", id);
        out.raw(&format!(" {id}"));
    }
    out.field_date("date", 1_710_079_509, &crate::export::time::Utc);
    out.key_escaped("a\"b");
    out.number(i64::MIN);
    out.close();
    let text = String::from_utf8(out.into_bytes()).unwrap();
    let expected = "{\n \"from_id\": \"user1\" user1,\n \"from_id\": \"chat-2\" chat-2,\n \"from_id\": \"channel9223372036854775807\" channel9223372036854775807,\n \"date\": \"2024-03-10T14:05:09\",\n \"date_unixtime\": \"1710079509\",\n \"a\\\"b\": -9223372036854775808\n}";
    assert_eq!(text, expected);
}

#[test]
fn long_strings_and_deep_nesting() {
    // Escapes at every position of the eight-byte words.
    for pad in 0..20 {
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{2028}", "\u{2029}", "—", "é", "\u{7f}",
        ] {
            let text = format!("{}{special}{}", "a".repeat(pad), "b".repeat(pad % 9));
            let back: String = serde_json::from_str(&escaped(&text)).unwrap();
            assert_eq!(back, text);
            let expected = serde_json::to_string(&text)
                .unwrap()
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029");
            assert_eq!(escaped(&text), expected);
        }
    }
    let mut out = JsonOut::new();
    let mut expected = String::new();
    for depth in 0..70 {
        out.open_array();
        out.item();
        expected.push_str("[\n");
        expected.push_str(&" ".repeat(depth + 1));
    }
    out.number(1);
    expected.push('1');
    for depth in (0..70).rev() {
        out.close();
        expected.push('\n');
        expected.push_str(&" ".repeat(depth));
        expected.push(']');
    }
    assert_eq!(String::from_utf8(out.into_bytes()).unwrap(), expected);
}

/// The escapes of the module docs, one character at a time.
fn model_escaped(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            '\0'..='\u{1f}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest::proptest! {
    #[test]
    fn escaped_matches_the_model(
        text in "[a-c \"\\\\\u{0}\n\u{1f}\u{7f}\u{2027}-\u{202a}—жé😀]{0,40}"
    ) {
        proptest::prop_assert_eq!(escaped(&text), model_escaped(&text));
    }
}
