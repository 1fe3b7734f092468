//! The low-level JSON stream shared by the `result.json` writer: tdesktop's
//! layout (takeout.md D.0) with correct escaping.
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

use std::io::{self, Write};

use super::time::{TimeZone, iso_date};

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

/// A JSON stream in tdesktop's layout.
#[derive(Debug)]
pub struct JsonOut<W> {
    out: W,
    stack: Vec<Frame>,
}

impl<W: Write> JsonOut<W> {
    /// A stream writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            stack: Vec::new(),
        }
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// How many containers are open.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// A stream into memory positioned like this one, for values tdesktop
    /// embeds as escaped JSON text (`invoice_information`,
    /// `requested_peer.peers`).
    pub fn embedded(&self) -> JsonOut<Vec<u8>> {
        JsonOut {
            out: Vec::new(),
            stack: self.stack.clone(),
        }
    }

    /// Starts the next item of the current container (separator and
    /// indentation).
    fn next_item(&mut self) -> io::Result<()> {
        let Some(frame) = self.stack.last_mut() else {
            return Ok(());
        };
        let separator: &[u8] = if frame.had_item { b",\n" } else { b"\n" };
        frame.had_item = true;
        let indent = frame.items;
        self.out.write_all(separator)?;
        write_indent(&mut self.out, indent)
    }

    /// Writes `"key": ` as the next item of the current object.
    pub fn key(&mut self, key: &str) -> io::Result<()> {
        self.next_item()?;
        write_string(&mut self.out, key)?;
        self.out.write_all(b": ")
    }

    /// Starts the next item of the current array.
    pub fn item(&mut self) -> io::Result<()> {
        self.next_item()
    }

    /// The indentation the current value's closing bracket gets.
    fn value_indent(&self) -> usize {
        self.stack.last().map_or(0, |f| f.items)
    }

    /// Opens an object as the current value.
    pub fn open_object(&mut self) -> io::Result<()> {
        self.open(false, 1)
    }

    /// Opens an array as the current value.
    pub fn open_array(&mut self) -> io::Result<()> {
        self.open(true, 1)
    }

    /// Opens an array whose items and closing bracket sit one level deeper
    /// than usual: tdesktop's `reactions` (its serializer pushes an extra
    /// nesting level around that array).
    pub fn open_array_shifted(&mut self) -> io::Result<()> {
        self.open(true, 2)
    }

    fn open(&mut self, array: bool, shift: usize) -> io::Result<()> {
        let base = self.value_indent();
        self.stack.push(Frame {
            items: base + shift,
            close: base + shift - 1,
            had_item: false,
            array,
        });
        self.out.write_all(if array { b"[" } else { b"{" })
    }

    /// Closes the innermost container.
    pub fn close(&mut self) -> io::Result<()> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.out.write_all(b"\n")?;
        write_indent(&mut self.out, frame.close)?;
        self.out.write_all(if frame.array { b"]" } else { b"}" })
    }

    /// A string value.
    pub fn string(&mut self, value: &str) -> io::Result<()> {
        write_string(&mut self.out, value)
    }

    /// Raw JSON text as the value (numbers, `true`, `null`, `[]`).
    pub fn raw(&mut self, value: &str) -> io::Result<()> {
        self.out.write_all(value.as_bytes())
    }

    /// An integer value.
    pub fn number(&mut self, value: i64) -> io::Result<()> {
        write!(self.out, "{value}")
    }

    /// A floating point value as C's `%f` (6 decimals); non-finite values,
    /// which JSON cannot hold, become `null`.
    pub fn float(&mut self, value: f64) -> io::Result<()> {
        if value.is_finite() {
            write!(self.out, "{value:.6}")
        } else {
            self.out.write_all(b"null")
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: bool) -> io::Result<()> {
        self.raw(if value { "true" } else { "false" })
    }

    /// `"key": "value"` (tdesktop `SerializeString`, written even if empty).
    pub fn field_str(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.key(key)?;
        self.string(value)
    }

    /// `"key": "value"`, omitted when empty (tdesktop `push`).
    pub fn field_str_opt(&mut self, key: &str, value: &str) -> io::Result<()> {
        if value.is_empty() {
            return Ok(());
        }
        self.field_str(key, value)
    }

    /// `"key": "value"`, `null` when empty (tdesktop `StringAllowNull`).
    pub fn field_str_or_null(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.key(key)?;
        if value.is_empty() {
            self.raw("null")
        } else {
            self.string(value)
        }
    }

    /// `"key": 123`.
    pub fn field_num(&mut self, key: &str, value: i64) -> io::Result<()> {
        self.key(key)?;
        self.number(value)
    }

    /// `"key": 123`, omitted when zero.
    pub fn field_num_opt(&mut self, key: &str, value: i64) -> io::Result<()> {
        if value == 0 {
            return Ok(());
        }
        self.field_num(key, value)
    }

    /// `"key": true`.
    pub fn field_bool(&mut self, key: &str, value: bool) -> io::Result<()> {
        self.key(key)?;
        self.boolean(value)
    }

    /// `"key": "2024-03-10T14:05:09"` and `"key_unixtime": "1710079509"`.
    pub fn field_date(&mut self, key: &str, unix: i64, tz: &dyn TimeZone) -> io::Result<()> {
        self.field_str(key, &iso_date(unix, tz))?;
        let mut unixtime = String::with_capacity(key.len() + 9);
        unixtime.push_str(key);
        unixtime.push_str("_unixtime");
        self.field_str(&unixtime, &unix.to_string())
    }

    /// An array of integers.
    pub fn numbers(&mut self, values: &[i64]) -> io::Result<()> {
        self.open_array()?;
        for &value in values {
            self.item()?;
            self.number(value)?;
        }
        self.close()
    }

    /// An array of strings, `null` for empty ones if `null_empty`.
    pub fn strings(&mut self, values: &[String], null_empty: bool) -> io::Result<()> {
        self.open_array()?;
        for value in values {
            self.item()?;
            if null_empty && value.is_empty() {
                self.raw("null")?;
            } else {
                self.string(value)?;
            }
        }
        self.close()
    }

    /// Flushes the writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `count` spaces.
fn write_indent(out: &mut impl Write, count: usize) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    let mut left = count;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.write_all(&SPACES[..n])?;
        left -= n;
    }
    Ok(())
}

/// Bytes that may start an escape in [`write_string`]: controls, `"`, the backslash
/// and 0xE2 (the first byte of U+2028 and U+2029).
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

/// Writes `value` as a JSON string (see the module docs for the escapes).
pub fn write_string(out: &mut impl Write, value: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = value.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !MAY_ESCAPE[usize::from(b)] {
            i += 1;
            continue;
        }
        let escape: Option<&[u8]> = match b {
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0..=0x1f => None,
            0xe2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xa8) => {
                Some(b"\\u2028")
            }
            0xe2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xa9) => {
                Some(b"\\u2029")
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_all(&bytes[start..i])?;
        match escape {
            Some(text) => {
                out.write_all(text)?;
                i += if text.len() == 6 { 3 } else { 1 };
            }
            None => {
                write!(out, "\\u{:04x}", b)?;
                i += 1;
            }
        }
        start = i;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// `value` as a JSON string in memory.
pub fn escaped(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + 2);
    // Writing to a Vec cannot fail.
    let _ = write_string(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_valid_json() {
        let all: String = (0u32..0x80).filter_map(char::from_u32).collect::<String>()
            + "\u{2028}\u{2029}é😀\u{FFFD}";
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
        let mut out = JsonOut::new(Vec::new());
        out.open_object().unwrap();
        out.field_str("about", "x").unwrap();
        out.key("list").unwrap();
        out.open_array().unwrap();
        out.close().unwrap();
        out.key("obj").unwrap();
        out.open_object().unwrap();
        out.field_num("a", 1).unwrap();
        out.key("r").unwrap();
        out.open_array_shifted().unwrap();
        out.item().unwrap();
        out.open_object().unwrap();
        out.field_bool("b", true).unwrap();
        out.close().unwrap();
        out.close().unwrap();
        out.close().unwrap();
        out.close().unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        let expected = "{\n \"about\": \"x\",\n \"list\": [\n ],\n \"obj\": {\n  \"a\": 1,\n  \"r\": [\n    {\n     \"b\": true\n    }\n   ]\n }\n}";
        assert_eq!(text, expected);
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }

    #[test]
    fn floats_are_percent_f_and_never_nan() {
        let mut out = JsonOut::new(Vec::new());
        out.float(55.755826).unwrap();
        out.raw(" ").unwrap();
        out.float(1.0).unwrap();
        out.raw(" ").unwrap();
        out.float(f64::NAN).unwrap();
        assert_eq!(out.into_inner(), b"55.755826 1.000000 null");
    }
}
