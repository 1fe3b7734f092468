//! The generator's whole output for `fixtures/mini.tl`, as insta snapshots,
//! plus targeted checks of the cases it must get right.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tl_codegen::{Config, Outputs, generate, parse_layered_schema};

struct Generated {
    common: String,
    types: String,
    enums: String,
    functions: String,
}

fn generate_mini() -> Generated {
    let text = include_str!("fixtures/mini.tl");
    let (layer, defs) = parse_layered_schema(text, "mini.tl").expect("mini.tl parses");
    let mut out = Outputs {
        common: Vec::new(),
        types: Vec::new(),
        enums: Vec::new(),
        functions: Vec::new(),
    };
    generate(&mut out, &defs, layer, &Config::default()).expect("mini.tl generates");
    let s = |v: Vec<u8>| String::from_utf8(v).expect("generated code is UTF-8");
    Generated {
        common: s(out.common),
        types: s(out.types),
        enums: s(out.enums),
        functions: s(out.functions),
    }
}

#[test]
fn snapshots() {
    let g = generate_mini();
    insta::assert_snapshot!("common", g.common);
    insta::assert_snapshot!("types", g.types);
    insta::assert_snapshot!("enums", g.enums);
    insta::assert_snapshot!("functions", g.functions);
}

#[test]
fn layer_and_names() {
    let g = generate_mini();
    assert!(g.common.contains("pub const LAYER: i32 = 7;"));
    assert!(g.common.contains("0xdde8a54c => \"inputPeerUser\","));
    assert!(g.common.contains("0x4423e6c5 => \"messages.getHistory\","));
}

#[test]
fn bare_and_boxed_encoding() {
    let g = generate_mini();
    // Bare structs write only fields; functions and enums write their id.
    assert!(!g.types.contains("serialize(&0xdde8a54cu32"));
    assert!(
        g.functions
            .contains("crate::Serializable::serialize(&0x4423e6c5u32, buf);")
    );
    assert!(
        g.enums
            .contains("crate::Serializable::serialize(&self.constructor_id(), buf);")
    );
    assert!(
        g.functions
            .contains("buf.expect_id(0x4423e6c5, \"messages.getHistory\")?;")
    );
}

#[test]
fn flags_true_flags_and_two_words() {
    let g = generate_mini();
    assert!(g.types.contains("pub is_self: bool,"));
    assert!(g.types.contains("pub first_name: Option<String>,"));
    assert!(
        g.types
            .contains("let close_friend = f_flags2 & (1 << 2) != 0;")
    );
    // `video` and `live` share bit 3: either sets it.
    assert!(
        g.types
            .contains("(if self.video.is_some() { 1 << 3 } else { 0 })")
    );
    assert!(g.types.contains("(if self.live { 1 << 3 } else { 0 })"));
}

#[test]
fn primitive_types() {
    let g = generate_mini();
    for field in [
        "pub long: f64,",
        "pub nonce: [u8; 16],",
        "pub new_nonce: [u8; 32],",
        "pub payload: Vec<u8>,",
        "pub ok: bool,",
        "pub hashes: Vec<Vec<u8>>,",
        "pub r#type: String,",
        "pub salts: crate::RawVec<crate::types::FutureSalt>,",
    ] {
        assert!(g.types.contains(field), "missing {field}");
    }
    assert!(
        g.types
            .contains("crate::ser::bytes_vec(&self.hashes, buf);")
    );
}

#[test]
fn recursion_is_boxed_once() {
    let g = generate_mini();
    assert!(g.types.contains("pub text: Box<crate::enums::RichText>,"));
    assert!(g.types.contains("pub texts: Vec<crate::enums::RichText>,"));
    assert!(
        g.types.contains("pub text: crate::enums::RichText,"),
        "message.text is outside the cycle"
    );
}

#[test]
fn generics_namespaces_and_returns() {
    let g = generate_mini();
    assert!(g.functions.contains("pub struct InvokeWithLayer<X> {"));
    assert!(
        g.functions
            .contains("impl<X: crate::RemoteCall> crate::RemoteCall for InvokeWithLayer<X> {")
    );
    assert!(g.functions.contains("type Return = X::Return;"));
    assert!(g.functions.contains("type Return = Vec<i64>;"));
    assert!(g.functions.contains("type Return = bool;"));
    assert!(g.functions.contains("pub mod messages {"));
    assert!(g.enums.contains("pub enum Messages {"));
    assert!(
        g.enums
            .contains("    NotModified(crate::types::messages::MessagesNotModified),")
    );
}

#[test]
fn enum_variants() {
    let g = generate_mini();
    assert!(
        g.enums
            .contains("    Empty,\n    InputPeerSelf,\n    User(crate::types::InputPeerUser),")
    );
}

#[test]
fn docs_link_and_quote_tl() {
    let g = generate_mini();
    assert!(g.types.contains(
        "/// [Read `inputPeerUser` docs](https://core.telegram.org/constructor/inputPeerUser)."
    ));
    assert!(
        g.types
            .contains("/// inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer;")
    );
    assert!(
        g.functions
            .contains("https://core.telegram.org/method/messages.getHistory")
    );
    assert!(
        g.enums
            .contains("https://core.telegram.org/type/messages.Messages")
    );
}

#[test]
fn schema_errors_name_the_line() {
    let err =
        parse_layered_schema("// LAYER 1\na#1 = A;\nbroken#xyz = A;\n", "bad.tl").unwrap_err();
    assert_eq!(err.line, 3);
    let defs = tl_codegen::parse_schema("a#1 x:Missing = A;", "bad.tl").unwrap();
    let mut out = Outputs {
        common: Vec::new(),
        types: Vec::new(),
        enums: Vec::new(),
        functions: Vec::new(),
    };
    let err = generate(&mut out, &defs, 1, &Config::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("line 1: a: unknown type `Missing`"),
        "{err}"
    );
}
