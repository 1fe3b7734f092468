//! Test helpers: hex, and the values of the official worked example
//! (`testdata/samples-auth_key.txt`, from
//! <https://core.telegram.org/mtproto/samples-auth_key>).

/// A 2048-bit prime that is not safe, with p mod 3 = 2 (`openssl prime
/// -generate -bits 2048`).
pub(crate) const UNSAFE_PRIME: &str = "EEB2710F40E75692344D418CB7E4F8A69031E8481DCF5438B3EFA842621F5D68D03A34C050D6398EF10CAAFB7D96A8C190CF2600FBAA84CB2305A8148E650FFC4E50B8473D319F0EE6A921658BED073EDCBDA7948DB4A99139956A1CBCFD4B29A34EA28BC0822789E0F315129B6C2E741FEC43531C5AB811D675B05BCC3A90A0DD7D40881B14143299656BD78924B074411BB6295058ACC745F52F323CE61C4A8BEC3336912ECAA6CACC009D89CE837F69705D4D37C060EF81A523780CAAC2812D63FBEDB0A490B0B1F56FA0BE5236B6819520E45862616A99A890F61292A3B97367F36F2C2F8E902427E39FCC7CBDD035E2FF3F7D0DB7B62C6D35B5BB3794A1";

const SAMPLE: &str = include_str!("testdata/samples-auth_key.txt");

/// Hex (any case, spaces ignored) to bytes.
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| (c as char).to_digit(16).expect("hex digit") as u8)
        .collect();
    assert!(digits.len() % 2 == 0, "odd hex length");
    digits.chunks(2).map(|d| d[0] << 4 | d[1]).collect()
}

/// `bytes` as a fixed-size array.
pub(crate) fn arr<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().expect("length")
}

/// The value of a `key = HEX` line of the sample.
pub(crate) fn value(key: &str) -> Vec<u8> {
    let prefix = format!("{key} = ");
    let line = SAMPLE
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {key} in the sample"));
    hex(&line[prefix.len()..])
}

/// A `key = N` decimal line of the sample.
pub(crate) fn decimal(key: &str) -> u64 {
    let prefix = format!("{key} = ");
    let line = SAMPLE
        .lines()
        .find(|l| l.starts_with(&prefix))
        .expect("key");
    line[prefix.len()..].trim().parse().expect("decimal")
}

/// The bytes of a `dump NAME` block of the sample (a whole plain message).
pub(crate) fn dump(name: &str) -> Vec<u8> {
    let start = format!("dump {name}");
    SAMPLE
        .lines()
        .skip_while(|l| *l != start)
        .skip(1)
        .take_while(|l| *l != "end")
        .flat_map(|l| hex(l.split_once('|').expect("dump line").1))
        .collect()
}

/// The TL body of a dumped plain message (after auth_key_id, msg_id, length).
pub(crate) fn body(name: &str) -> Vec<u8> {
    dump(name)[20..].to_vec()
}
