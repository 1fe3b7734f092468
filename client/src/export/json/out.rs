//! The low-level JSON stream shared by the `result.json` writer: tdesktop's
//! layout (docs/export-format.md#json-layout) with correct escaping.
//!
//! Layout: one space of indentation per nesting level, every item on its
//! own line, `": "` after keys, `,\n` between items, the closing bracket on
//! its own line at the parent's indentation (so an empty container is
//! `[` newline indent `]`), no newline at the end of the file.
//!
//! Escaping is where we differ on purpose: tdesktop writes control
//! characters as `\xHH`, which is not JSON (tdesktop issue #27571). We write
//! `\u00HH`, so every file parses. `\n \r \t \" \\` and U+2028/U+2029
//! (`\u2028`, `\u2029`) are escaped as tdesktop does; everything else is raw
//! UTF-8. Strings are Rust `&str`, so invalid UTF-8 and lone surrogates
//! cannot reach the output (the TL decoder and the UTF-16 entity slicing
//! replace them with U+FFFD).

use std::io::Write as _;

use crate::export::model::PeerId;
use crate::export::time::{TimeZone, push_iso_date};

/// An open object or array.
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Indentation of the items.
    items: usize,
    /// Indentation of the closing bracket.
    close: usize,
    /// Whether an item was written.
    had_item: bool,
    /// `]` or `}`.
    array: bool,
}

/// A JSON stream in tdesktop's layout, formatted into memory.
///
/// Writing cannot fail: the owner moves the text to its file now and then
/// ([`Self::bytes`], [`Self::clear`]), the open containers stay as they are.
#[derive(Debug, Default)]
pub struct JsonOut {
    buf: Vec<u8>,
    stack: Vec<Frame>,
}

impl JsonOut {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text written since the last [`Self::clear`].
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets the text written so far (once it is in the file); the open
    /// containers stay open.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The text written since the last [`Self::clear`].
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// How many containers are open.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// A stream positioned like this one, for values tdesktop embeds as
    /// escaped JSON text (`invoice_information`, `requested_peer.peers`).
    pub fn embedded(&self) -> JsonOut {
        JsonOut {
            buf: Vec::new(),
            stack: self.stack.clone(),
        }
    }

    /// Starts the next item of the current container (separator and
    /// indentation).
    fn next_item(&mut self) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let comma = frame.had_item;
        frame.had_item = true;
        let indent = frame.items;
        push_line(&mut self.buf, comma, indent);
    }

    /// Writes `"key": ` as the next item of the current object. `key` is
    /// one of our constants, written as is: use [`Self::key_escaped`] for
    /// keys from elsewhere.
    pub fn key(&mut self, key: &str) {
        self.key_suffixed(key, "");
    }

    /// Writes `"<key><suffix>": ` as the next item of the current object
    /// (`date_unixtime`, `from_id`); both are constants, as for [`Self::key`].
    pub fn key_suffixed(&mut self, key: &str, suffix: &str) {
        debug_assert!(
            is_plain(key) && is_plain(suffix),
            "JSON key {key:?}{suffix:?} needs escaping"
        );
        self.next_item();
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        if !suffix.is_empty() {
            self.buf.extend_from_slice(suffix.as_bytes());
        }
        self.buf.extend_from_slice(b"\": ");
    }

    /// Writes `"key": ` with `key` escaped, for keys that are data (the
    /// keys of `other_data`).
    pub fn key_escaped(&mut self, key: &str) {
        self.next_item();
        push_string(&mut self.buf, key);
        self.buf.extend_from_slice(b": ");
    }

    /// Starts the next item of the current array.
    pub fn item(&mut self) {
        self.next_item();
    }

    /// The indentation the current value's closing bracket gets.
    fn value_indent(&self) -> usize {
        self.stack.last().map_or(0, |f| f.items)
    }

    /// Opens an object as the current value.
    pub fn open_object(&mut self) {
        self.open(false, 1);
    }

    /// Opens an array as the current value.
    pub fn open_array(&mut self) {
        self.open(true, 1);
    }

    /// Opens an array whose items and closing bracket sit one level deeper
    /// than usual: tdesktop's `reactions` (its serializer pushes an extra
    /// nesting level around that array).
    pub fn open_array_shifted(&mut self) {
        self.open(true, 2);
    }

    fn open(&mut self, array: bool, shift: usize) {
        let base = self.value_indent();
        self.stack.push(Frame {
            items: base + shift,
            close: base + shift - 1,
            had_item: false,
            array,
        });
        self.buf.push(if array { b'[' } else { b'{' });
    }

    /// Closes the innermost container.
    pub fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        push_line(&mut self.buf, false, frame.close);
        self.buf.push(if frame.array { b']' } else { b'}' });
    }

    /// A string value.
    pub fn string(&mut self, value: &str) {
        push_string(&mut self.buf, value);
    }

    /// A string value that is one of our constants (a type name), written
    /// as is: printable ASCII without anything to escape.
    pub fn plain(&mut self, value: &'static str) {
        debug_assert!(is_plain(value), "JSON value {value:?} needs escaping");
        self.buf.push(b'"');
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.push(b'"');
    }

    /// Raw JSON text as the value (numbers, `true`, `null`, `[]`).
    pub fn raw(&mut self, value: &str) {
        self.buf.extend_from_slice(value.as_bytes());
    }

    /// An integer value.
    pub fn number(&mut self, value: i64) {
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A floating point value as C's `%f` (6 decimals); non-finite values,
    /// which JSON cannot hold, become `null`.
    pub fn float(&mut self, value: f64) {
        if value.is_finite() {
            // Writing to a Vec cannot fail.
            let _ = write!(self.buf, "{value:.6}");
        } else {
            self.raw("null");
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    /// A date as its string value, `"2024-03-10T14:05:09"`.
    pub fn date(&mut self, unix: i64, tz: &dyn TimeZone) {
        self.buf.push(b'"');
        push_iso_date(&mut self.buf, unix, tz);
        self.buf.push(b'"');
    }

    /// A peer id as its string value, `"user123"` (as [`PeerId`]'s
    /// `Display`).
    pub fn peer_id(&mut self, id: PeerId) {
        self.buf.push(b'"');
        self.buf.extend_from_slice(id.kind_name().as_bytes());
        self.number(id.bare());
        self.buf.push(b'"');
    }

    /// `"key": "value"` (tdesktop `SerializeString`, written even if empty).
    pub fn field_str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }

    /// `"key": "value"` with a constant `value` (see [`Self::plain`]).
    pub fn field_plain(&mut self, key: &str, value: &'static str) {
        self.key(key);
        self.plain(value);
    }

    /// `"key": "value"`, omitted when empty (tdesktop `push`).
    pub fn field_str_opt(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.field_str(key, value);
        }
    }

    /// `"key": "value"`, `null` when empty (tdesktop `StringAllowNull`).
    pub fn field_str_or_null(&mut self, key: &str, value: &str) {
        self.key(key);
        if value.is_empty() {
            self.raw("null");
        } else {
            self.string(value);
        }
    }

    /// `"key": 123`.
    pub fn field_num(&mut self, key: &str, value: i64) {
        self.key(key);
        self.number(value);
    }

    /// `"key": 123`, omitted when zero.
    pub fn field_num_opt(&mut self, key: &str, value: i64) {
        if value != 0 {
            self.field_num(key, value);
        }
    }

    /// `"key": true`.
    pub fn field_bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.boolean(value);
    }

    /// `"key": "2024-03-10T14:05:09"` and `"key_unixtime": "1710079509"`.
    pub fn field_date(&mut self, key: &str, unix: i64, tz: &dyn TimeZone) {
        self.key(key);
        self.date(unix, tz);
        self.key_suffixed(key, "_unixtime");
        self.buf.push(b'"');
        self.number(unix);
        self.buf.push(b'"');
    }

    /// `"key": "user123"`: a peer id (see [`Self::peer_id`]).
    pub fn field_peer_id(&mut self, key: &str, id: PeerId) {
        self.key(key);
        self.peer_id(id);
    }

    /// An array of integers.
    pub fn numbers(&mut self, values: &[i64]) {
        self.open_array();
        for &value in values {
            self.item();
            self.number(value);
        }
        self.close();
    }

    /// An array of strings, `null` for empty ones if `null_empty`.
    pub fn strings(&mut self, values: &[String], null_empty: bool) {
        self.open_array();
        for value in values {
            self.item();
            if null_empty && value.is_empty() {
                self.raw("null");
            } else {
                self.string(value);
            }
        }
        self.close();
    }
}

/// Appends a line break indented by `indent` spaces, after a comma if
/// `comma`.
fn push_line(out: &mut Vec<u8>, comma: bool, indent: usize) {
    const WINDOW: usize = 32;
    const LINE: &[u8; WINDOW + 2] = b",\n                                ";
    let start = usize::from(!comma);
    let len = 2 + indent - start;
    if len > WINDOW {
        return push_deep_line(out, comma, indent);
    }
    // A copy of constant size cut to length: cheaper than a copy of `len`
    // bytes, which is a call to memcpy.
    let end = out.len() + len;
    out.extend_from_slice(&LINE[start..start + WINDOW]);
    out.truncate(end);
}

/// [`push_line`] for indentation deeper than its window (messages never
/// nest that deep; `other_data` may).
#[cold]
#[inline(never)]
fn push_deep_line(out: &mut Vec<u8>, comma: bool, indent: usize) {
    out.extend_from_slice(if comma { b",\n" } else { b"\n" });
    out.resize(out.len() + indent, b' ');
}

/// Whether `key` is written the same escaped or not (printable ASCII
/// without `"` and `\\`).
fn is_plain(key: &str) -> bool {
    key.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !MAY_ESCAPE[usize::from(b)])
}

/// Bytes that may start an escape in [`push_string`]: controls, `"`, the
/// backslash and 0xE2 (the first byte of U+2028 and U+2029).
const MAY_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0xe2] = true;
    table
};

/// The escape of the byte at `bytes[i]`, which [`MAY_ESCAPE`] flags, and
/// how many bytes it replaces; `None` for an 0xE2 that does not start
/// U+2028 or U+2029.
fn escape_at(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    static CONTROLS: [[u8; 6]; 0x20] = {
        let mut table = [*b"\\u0000"; 0x20];
        let mut b = 0;
        while b < 0x20 {
            table[b][4] = HEX[b >> 4];
            table[b][5] = HEX[b & 0xf];
            b += 1;
        }
        table
    };
    let b = bytes[i];
    Some(match b {
        b'\n' => (b"\\n", 1),
        b'\r' => (b"\\r", 1),
        b'\t' => (b"\\t", 1),
        b'"' => (b"\\\"", 1),
        b'\\' => (b"\\\\", 1),
        0..=0x1f => (&CONTROLS[usize::from(b)], 1),
        _ => match bytes.get(i + 1..i + 3) {
            Some([0x80, 0xa8]) => (b"\\u2028", 3),
            Some([0x80, 0xa9]) => (b"\\u2029", 3),
            _ => return None,
        },
    })
}

/// Appends `value` as a JSON string (see the module docs for the escapes).
pub fn push_string(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    loop {
        i += plain_run(&bytes[i..]);
        if i == bytes.len() {
            break;
        }
        let Some((escape, len)) = escape_at(bytes, i) else {
            i += 1;
            continue;
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The length of the run at the start of `bytes` without a byte that
/// [`MAY_ESCAPE`] flags: eight bytes at a time while none is flagged (the
/// last word may overlap the one before), then one at a time.
fn plain_run(bytes: &[u8]) -> usize {
    let word = |at: usize| {
        let eight = bytes.get(at..at + 8).and_then(|b| b.try_into().ok());
        eight.map(u64::from_le_bytes)
    };
    let mut plain = 0;
    loop {
        match word(plain) {
            Some(word) if may_escape_any(word) => break,
            Some(_) => plain += 8,
            None => {
                // Fewer than eight bytes left: the last eight, if any.
                let last = bytes.len().checked_sub(8).and_then(word);
                if last.is_some_and(|word| !may_escape_any(word)) {
                    return bytes.len();
                }
                break;
            }
        }
    }
    let rest = &bytes[plain..];
    plain
        + rest
            .iter()
            .position(|&b| MAY_ESCAPE[usize::from(b)])
            .unwrap_or(rest.len())
}

/// Whether a byte of `word` is one [`MAY_ESCAPE`] flags (exact: the
/// borrows of the subtractions only reach bytes above one that matches).
fn may_escape_any(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte that is below `n` (n <= 0x80).
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let equal = |byte: u8| below(word ^ (ONES * u64::from(byte)), 1);
    below(word, 0x20) | equal(b'"') | equal(b'\\') | equal(0xe2) != 0
}

/// `value` as a JSON string in memory.
pub fn escaped(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + 2);
    push_string(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests;
