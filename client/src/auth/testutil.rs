//! Test helpers: hex, and the values of the official worked example
//! (`testdata/samples-auth_key.txt`, from
//! <https://core.telegram.org/mtproto/samples-auth_key>).

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
    let line = SAMPLE.lines().find(|l| l.starts_with(&prefix)).expect("key");
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
