//! The rule table and the character mapping of text.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    Keep,
    Text,
    Phone,
    Code,
    FileName,
    Url,
    Ip,
    Remap64,
    Bytes,
    Stripped,
    SrpB,
    Lat,
    Long,
    Day,
    Month,
    Year,
    Image,
}

pub(super) const TEXT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "username",
    "title",
    "about",
    "message",
    "caption",
    "description",
    "address",
    "vcard",
    "post_author",
    "from_name",
    "quote_text",
    "hint",
    "email_unconfirmed_pattern",
    "device_model",
    "platform",
    "system_version",
    "app_name",
    "app_version",
    "country",
    "region",
    "browser",
    "domain",
    "performer",
    "site_name",
    "author",
    "provider",
    "venue_id",
    "prize_description",
    "private_forward_name",
    "bot_inline_placeholder",
    "placeholder",
    "rank",
    "text",
    "short_name",
    "name",
    "reason",
    "api_hash",
    "phone_code_hash",
    "email",
];

pub(super) const BYTES_FIELDS: &[&str] = &[
    "file_reference",
    "salt1",
    "salt2",
    "salt",
    "secure_random",
    "A",
    "M1",
    "token",
    "future_auth_token",
    "waveform",
    "logout_tokens",
];

/// The rules of the table in the module documentation.
pub(super) fn rules() -> Vec<(&'static str, &'static str, Rule)> {
    let mut rules: Vec<(&str, &str, Rule)> = Vec::new();
    rules.extend(TEXT_FIELDS.iter().map(|f| ("*", *f, Rule::Text)));
    rules.extend(BYTES_FIELDS.iter().map(|f| ("*", *f, Rule::Bytes)));
    rules.extend([
        ("*", "phone", Rule::Phone),
        ("*", "phone_number", Rule::Phone),
        ("*", "phone_code", Rule::Code),
        ("*", "file_name", Rule::FileName),
        ("*", "url", Rule::Url),
        ("*", "display_url", Rule::Url),
        ("*", "embed_url", Rule::Url),
        ("*", "ip", Rule::Ip),
        ("*", "access_hash", Rule::Remap64),
        ("*", "srp_id", Rule::Remap64),
        ("*", "stripped_thumb", Rule::Stripped),
        ("*", "srp_B", Rule::SrpB),
        ("geoPoint", "lat", Rule::Lat),
        ("geoPoint", "long", Rule::Long),
        ("inputGeoPoint", "lat", Rule::Lat),
        ("inputGeoPoint", "long", Rule::Long),
        ("birthday", "day", Rule::Day),
        ("birthday", "month", Rule::Month),
        ("birthday", "year", Rule::Year),
        ("photoStrippedSize", "bytes", Rule::Stripped),
        ("photoCachedSize", "bytes", Rule::Image),
        ("photoPathSize", "bytes", Rule::Bytes),
        ("auth.exportedAuthorization", "bytes", Rule::Bytes),
        ("auth.importAuthorization", "bytes", Rule::Bytes),
        ("keyboardButtonCallback", "data", Rule::Bytes),
        ("messages.search", "q", Rule::Keep),
    ]);
    rules
}

/// One character of rewritten text, chosen by the random word `r`.
pub(super) fn map_char(c: char, r: u64) -> char {
    let code = u32::from(c);
    if c.is_ascii_digit() {
        return char::from(b'0' + (r % 10) as u8);
    }
    if c.is_alphabetic() || (c.is_numeric() && !c.is_ascii()) {
        return same_block(c, r);
    }
    match code {
        // Skin tones stay (they only modify the emoji before them).
        0x1F3FB..=0x1F3FF => c,
        // Regional indicators (flags): another indicator.
        0x1F1E6..=0x1F1FF => char::from_u32(0x1F1E6 + (r % 26) as u32).unwrap_or(c),
        // Emoji outside the BMP (two UTF-16 units): an emoticon.
        0x1F000..=0x1FAFF => char::from_u32(0x1F600 + (r % 80) as u32).unwrap_or(c),
        // Emoji in the BMP (one unit): a miscellaneous symbol.
        0x2600..=0x27BF => char::from_u32(0x2600 + (r % 0x54) as u32).unwrap_or(c),
        _ => c,
    }
}

/// A letter (or numeral) of the same 128-code-point block, of the same
/// case, chosen by `r`: same script, same UTF-8 and UTF-16 length.
pub(super) fn same_block(c: char, r: u64) -> char {
    let class = |x: char| {
        (
            x.is_alphabetic(),
            x.is_numeric(),
            x.is_lowercase(),
            x.is_uppercase(),
        )
    };
    let want = class(c);
    let base = u32::from(c) & !0x7F;
    let start = (r % 128) as u32;
    (0..128)
        .filter_map(|j| char::from_u32(base + (start + j) % 128))
        .find(|&x| class(x) == want && !x.is_ascii_digit())
        .unwrap_or(c)
}
