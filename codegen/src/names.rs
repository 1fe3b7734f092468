//! Every rule that turns a TL name into a Rust name.

/// Splits a TL identifier into words at `_`, `.` and case changes:
/// `resPQ` → `res PQ`, `inputStickerSetID` → `input Sticker Set ID`,
/// `JSONValue` → `JSON Value`.
pub fn words(name: &str) -> Vec<&str> {
    let bytes = name.as_bytes();
    let mut out = Vec::new();
    let mut start = None;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'_' || c == b'.' {
            if let Some(s) = start.take() {
                out.push(&name[s..i]);
            }
            continue;
        }
        if let Some(s) = start {
            let prev = bytes[i - 1];
            let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower));
            if boundary {
                out.push(&name[s..i]);
                start = Some(i);
            }
        } else {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&name[s..]);
    }
    out
}

/// `inputPeerUser` → `InputPeerUser`, `resPQ` → `ResPq`,
/// `p_q_inner_data_dc` → `PQInnerDataDc`.
pub fn upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// A TL parameter name as a Rust field: `snake_case`, keywords raw
/// (`type` → `r#type`), and `self` → `is_self` (it is always a flag).
pub fn field(name: &str) -> String {
    let snake = if name.bytes().any(|c| c.is_ascii_uppercase()) {
        words(name)
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("_")
    } else {
        name.to_owned()
    };
    match snake.as_str() {
        "self" => "is_self".to_owned(),
        "crate" | "super" | "Self" => format!("{snake}_"),
        s if KEYWORDS.contains(&s) => format!("r#{s}"),
        _ => snake,
    }
}

/// The variant of constructor `ctor` in the enum for type `ty`: the
/// constructor's name without the type's prefix when what remains is a
/// usable name (`inputPeerUser` in `InputPeer` → `User`), else the whole
/// constructor name (`message` in `Message` → `Message`, `inputPeerSelf` →
/// `InputPeerSelf` since `Self` is reserved).
pub fn variant(ty: &str, ctor: &str) -> String {
    let ty = upper_camel(ty);
    let ctor = upper_camel(ctor);
    match ctor.strip_prefix(&ty) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) && rest != "Self" => {
            rest.to_owned()
        }
        _ => ctor,
    }
}

/// A TL namespace as a Rust module name.
pub fn module(namespace: &str) -> String {
    field(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_camel_names() {
        assert_eq!(upper_camel("inputPeerUser"), "InputPeerUser");
        assert_eq!(upper_camel("resPQ"), "ResPq");
        assert_eq!(upper_camel("p_q_inner_data_dc"), "PQInnerDataDc");
        assert_eq!(upper_camel("server_DH_params_ok"), "ServerDhParamsOk");
        assert_eq!(upper_camel("JSONValue"), "JsonValue");
        assert_eq!(upper_camel("inputStickerSetID"), "InputStickerSetId");
        assert_eq!(upper_camel("storage.fileMp3"), "StorageFileMp3");
        assert_eq!(upper_camel("messages.getHistory"), "MessagesGetHistory");
    }

    #[test]
    fn field_names() {
        assert_eq!(field("user_id"), "user_id");
        assert_eq!(field("type"), "r#type");
        assert_eq!(field("self"), "is_self");
        assert_eq!(field("A"), "a");
        assert_eq!(field("M1"), "m1");
        assert_eq!(field("g_a"), "g_a");
    }

    #[test]
    fn variant_names() {
        assert_eq!(variant("InputPeer", "inputPeerUser"), "User");
        assert_eq!(variant("InputPeer", "inputPeerSelf"), "InputPeerSelf");
        assert_eq!(variant("Message", "message"), "Message");
        assert_eq!(variant("Message", "messageService"), "Service");
        assert_eq!(variant("Server_DH_Params", "server_DH_params_ok"), "Ok");
        assert_eq!(
            variant("Set_client_DH_params_answer", "dh_gen_ok"),
            "DhGenOk"
        );
        assert_eq!(variant("P_Q_inner_data", "p_q_inner_data"), "PQInnerData");
        assert_eq!(variant("Messages", "messagesSlice"), "Slice");
        assert_eq!(
            variant("InputFileLocation", "inputFileLocation2"),
            "InputFileLocation2"
        );
    }
}
