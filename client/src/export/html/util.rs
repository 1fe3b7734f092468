//! Shared pieces of the HTML pages: escaping, safe links, the page
//! skeleton and small formatters.
//!
//! Every piece of user data goes through [`esc`] (text and attributes) or
//! [`href_path`] / [`safe_url`] (links), so no user text can open a tag or
//! leave an attribute, and no `javascript:`-like link is ever written.

use std::io::{self, Write};

use crate::export::model::file::{FileRef, FileStatus, SkipReason};

/// Escapes `&`, `<`, `>`, `"` and `'` for element text and quoted
/// attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_esc(&mut out, text, false);
    out
}

/// [`esc`] with newlines (`\n` or `\r\n`) as `<br>`.
pub fn esc_multiline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_esc(&mut out, text, true);
    out
}

/// Appends `text` escaped as [`esc`] does, with newlines as `<br>` when
/// `multiline` (one pass, no allocation of its own).
///
/// Every byte that needs a replacement is ASCII, so the text between two of
/// them is copied as one slice.
pub fn push_esc(out: &mut String, text: &str, multiline: bool) {
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| MAY_ESCAPE[usize::from(b)]) {
        at += offset;
        let Some((replacement, len)) = escape_at(bytes, at, multiline) else {
            at += 1;
            continue;
        };
        out.push_str(&text[plain_from..at]);
        out.push_str(replacement);
        at += len;
        plain_from = at;
    }
    out.push_str(&text[plain_from..]);
}

/// The bytes [`escape_at`] may replace: markup characters and controls
/// (some controls, like tab, are kept after all).
static MAY_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, b'&' | b'<' | b'>' | b'"' | b'\'' | 0..=0x1f | 0x7f);
        b += 1;
    }
    table
};

/// What replaces the byte at `at` of a text, and how many bytes it
/// replaces; `None` to keep the byte.
fn escape_at(bytes: &[u8], at: usize, multiline: bool) -> Option<(&'static str, usize)> {
    Some(match bytes[at] {
        b'&' => ("&amp;", 1),
        b'<' => ("&lt;", 1),
        b'>' => ("&gt;", 1),
        b'"' => ("&quot;", 1),
        b'\'' => ("&#39;", 1),
        b'\n' if multiline => ("<br>", 1),
        b'\r' if multiline && bytes.get(at + 1) == Some(&b'\n') => ("<br>", 2),
        // Characters HTML does not allow in text.
        0..=0x8 | 0xb | 0xe..=0x1f | 0x7f => ("\u{FFFD}", 1),
        _ => return None,
    })
}

/// A relative file path as an `href`: percent-encoded except for unreserved
/// characters and `/`, so names with `#`, `?`, `%` or quotes still work.
pub fn href_path(prefix: &str, path: &str) -> String {
    let mut out = String::from(prefix);
    push_percent_encoded(&mut out, path);
    out
}

/// Appends [`href_path`] escaped for an attribute, as
/// `esc(&href_path(prefix, path))` (the encoded path needs no escape).
pub fn push_href_path(out: &mut String, prefix: &str, path: &str) {
    push_esc(out, prefix, false);
    push_percent_encoded(out, path);
}

/// Appends `path` percent-encoded as [`href_path`] does.
fn push_percent_encoded(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/@()+,;=!".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// `url` if it is a link a browser may follow from an export (http, https,
/// mailto, tel, tg, ton), with `http://` added when there is no scheme;
/// `None` for `javascript:`, `data:` and other schemes. The result still
/// needs [`esc`].
pub fn safe_url(url: &str) -> Option<String> {
    safe_url_parts(url).map(|(scheme, url)| format!("{scheme}{url}"))
}

/// [`safe_url`] in two parts, without allocating: the scheme to put before
/// the url (`http://` or nothing) and the trimmed url.
pub fn safe_url_parts(url: &str) -> Option<(&'static str, &str)> {
    const SCHEMES: [&str; 6] = ["http", "https", "mailto", "tel", "tg", "ton"];
    let url = url.trim();
    if url.is_empty() || url.chars().any(char::is_control) {
        return None;
    }
    let scheme_end = url.find(':');
    let slash = url.find('/').unwrap_or(url.len());
    match scheme_end {
        Some(end) if end < slash => {
            let scheme = &url[..end];
            SCHEMES
                .iter()
                .any(|known| scheme.eq_ignore_ascii_case(known))
                .then_some(("", url))
        }
        _ => Some(("http://", url)),
    }
}

/// Appends `12.3 MB`-style sizes.
pub fn push_size(out: &mut String, bytes: i64) {
    use std::fmt::Write as _;
    let bytes = bytes.max(0) as f64;
    let _ = if bytes < 1024.0 {
        write!(out, "{bytes} B")
    } else if bytes < 1024.0 * 1024.0 {
        write!(out, "{:.1} KB", bytes / 1024.0)
    } else if bytes < 1024.0 * 1024.0 * 1024.0 {
        write!(out, "{:.1} MB", bytes / (1024.0 * 1024.0))
    } else {
        write!(out, "{:.1} GB", bytes / (1024.0 * 1024.0 * 1024.0))
    };
}

/// `1:02:03` or `02:03`.
pub fn format_duration(seconds: i64) -> String {
    let mut out = String::new();
    push_duration(&mut out, seconds);
    out
}

/// Appends [`format_duration`] of `seconds`.
pub fn push_duration(out: &mut String, seconds: i64) {
    let s = seconds.max(0);
    if s >= 3600 {
        push_int(out, s / 3600);
        out.push(':');
        push2(out, s / 60 % 60);
    } else {
        push2(out, s / 60);
    }
    out.push(':');
    push2(out, s % 60);
}

/// Appends `value` with at least two digits.
fn push2(out: &mut String, value: i64) {
    if (0..10).contains(&value) {
        out.push('0');
    }
    push_int(out, value);
}

/// Appends why a file is missing, as tdesktop's HTML captions (docs/export-format.md#file-texts), with
/// the error for failed downloads, escaped when `escape`; `false` (and
/// nothing appended) if the file was written.
pub fn push_missing_file_text(out: &mut String, file: &FileRef, escape: bool) -> bool {
    let text = match &file.status {
        FileStatus::Downloaded { .. } => return false,
        FileStatus::Skipped(SkipReason::FileSize) => {
            "Exceeds maximum size, change data exporting settings to download."
        }
        FileStatus::Skipped(SkipReason::FileType) => {
            "Not included, change data exporting settings to download."
        }
        FileStatus::Skipped(SkipReason::Failed(error)) => {
            out.push_str("Unavailable, please try again later. (");
            if escape {
                push_esc(out, error, false);
            } else {
                out.push_str(error);
            }
            ")"
        }
        FileStatus::Pending | FileStatus::Skipped(SkipReason::Unavailable) => {
            "Unavailable, please try again later."
        }
    };
    // The fixed texts need no escape.
    out.push_str(text);
    true
}

/// tdesktop's userpic colour index (1 to 8) of a bare id.
pub fn color_index(bare: i64) -> u8 {
    const MAP: [u8; 7] = [0, 7, 4, 1, 6, 3, 5];
    MAP[(bare.unsigned_abs() % 7) as usize] + 1
}

/// Appends up to two initials of a name. They are upper-case letters and
/// digits, which never need an escape.
fn push_initials(out: &mut String, name: &str) {
    name.split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .for_each(|c| out.push(c));
}

/// A round placeholder picture with initials.
pub fn userpic(name: &str, bare: i64, size: u32) -> String {
    let mut out = String::new();
    push_userpic(&mut out, name, bare, size);
    out
}

/// Appends [`userpic`].
pub fn push_userpic(out: &mut String, name: &str, bare: i64, size: u32) {
    let mut digits = itoa::Buffer::new();
    let size = digits.format(size);
    out.push_str("<div class=\"userpic userpic");
    push_int(out, color_index(bare));
    out.push_str("\" style=\"width: ");
    out.push_str(size);
    out.push_str("px; height: ");
    out.push_str(size);
    out.push_str("px\"><div class=\"initials\" style=\"line-height: ");
    out.push_str(size);
    out.push_str("px\">");
    push_initials(out, name);
    out.push_str("</div></div>");
}

/// Appends an integer in decimal.
pub fn push_int(out: &mut String, value: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// Writes the page start: head with the stylesheet and script (found at
/// `prefix`, the way back to the export root), header with an optional back
/// link, and opens `<div class="page_body {body_class}">`.
pub fn write_page_start(
    out: &mut dyn Write,
    prefix: &str,
    title: &str,
    back: Option<&str>,
    body_class: &str,
) -> io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html>")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\"/>")?;
    writeln!(out, "<title>{}</title>", esc(title))?;
    writeln!(
        out,
        "<meta content=\"width=device-width, initial-scale=1.0\" name=\"viewport\"/>"
    )?;
    writeln!(
        out,
        "<link href=\"{prefix}css/style.css\" rel=\"stylesheet\"/>"
    )?;
    writeln!(
        out,
        "<script src=\"{prefix}js/script.js\" type=\"text/javascript\"></script>"
    )?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body onload=\"CheckLocation();\">")?;
    writeln!(out, "<div class=\"page_wrap\">")?;
    writeln!(out, "<div class=\"page_header\">")?;
    writeln!(out, "<div class=\"content\">")?;
    if let Some(back) = back {
        writeln!(out, "<a class=\"back\" href=\"{}\">Back</a>", esc(back))?;
    }
    writeln!(out, "<div class=\"text bold\">{}</div>", esc(title))?;
    writeln!(out, "</div>")?;
    writeln!(out, "</div>")?;
    writeln!(out, "<div class=\"page_body {body_class}\">")
}

/// Closes what [`write_page_start`] opened.
pub fn write_page_end(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "</div>")?;
    writeln!(out, "</div>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_size(bytes: i64) -> String {
        let mut out = String::new();
        push_size(&mut out, bytes);
        out
    }

    fn initials(name: &str) -> String {
        let mut out = String::new();
        push_initials(&mut out, name);
        out
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("a\u{0}b\tc"), "a\u{FFFD}b\tc");
        assert_eq!(esc_multiline("a\nb"), "a<br>b");
    }

    /// The escape, char by char, as it was first written.
    fn esc_by_chars(text: &str, multiline: bool) -> String {
        let mut out = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\n' if multiline => out.push_str("<br>"),
                '\r' if multiline && chars.peek() == Some(&'\n') => {
                    chars.next();
                    out.push_str("<br>");
                }
                '\0'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1f}' | '\u{7f}' => out.push('\u{FFFD}'),
                c => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn escape_by_runs_is_escape_by_chars(
            text in "[a-c\r\n<>&'\"\u{0}-\u{1f}\u{7f}\u{80}\tжé😀]{0,32}",
            multiline: bool,
        ) {
            let mut out = String::from("x");
            push_esc(&mut out, &text, multiline);
            proptest::prop_assert_eq!(out, format!("x{}", esc_by_chars(&text, multiline)));
        }

        #[test]
        fn multiline_is_esc_with_newlines_as_br(text in "[a-c\r\n<&'\"\u{0}\u{7f}\tж]{0,24}") {
            let model = esc(&text).replace("\r\n", "\n").replace('\n', "<br>");
            proptest::prop_assert_eq!(esc_multiline(&text), model);
        }
    }

    proptest::proptest! {
        #[test]
        fn userpic_is_as_formatted(name in "[a-c <>&'\"\u{0}жß1.]{0,12}", bare: i64, size: u32) {
            let model = format!(
                "<div class=\"userpic userpic{}\" style=\"width: {size}px; height: {size}px\">\
                 <div class=\"initials\" style=\"line-height: {size}px\">{}</div></div>",
                color_index(bare),
                esc(&initials(&name))
            );
            proptest::prop_assert_eq!(userpic(&name, bare, size), model);
        }
    }

    #[test]
    fn upper_case_initials_need_no_escape() {
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            if c.is_alphanumeric() {
                for upper in c.to_uppercase() {
                    assert_eq!(esc(&upper.to_string()), upper.to_string());
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn href_path_pushed_is_escaped_href_path(prefix in "(\\.\\./){0,3}", path in "\\PC{0,16}") {
            let mut out = String::new();
            push_href_path(&mut out, &prefix, &path);
            proptest::prop_assert_eq!(out, esc(&href_path(&prefix, &path)));
        }
    }

    #[test]
    fn links() {
        assert_eq!(
            safe_url("https://t.me/x").as_deref(),
            Some("https://t.me/x")
        );
        assert_eq!(
            safe_url("example.com/a:b").as_deref(),
            Some("http://example.com/a:b")
        );
        assert_eq!(safe_url("JavaScript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(safe_url("java\tscript:x"), None);
        assert_eq!(
            href_path("../", "files/a b#?.pdf"),
            "../files/a%20b%23%3F.pdf"
        );
        assert_eq!(href_path("", "ж\"<>"), "%D0%B6%22%3C%3E");
    }

    #[test]
    fn small_formats() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1536), "1.5 KB");
        assert_eq!(format_duration(3723), "1:02:03");
        assert_eq!(format_duration(65), "01:05");
        assert_eq!(format_duration(-5), "00:00");
        assert_eq!(format_duration(600_000), "166:40:00");
        assert_eq!(format_duration(36_000_000_005), "10000000:00:05");
        assert_eq!(initials("alice  bob carol"), "AB");
        assert_eq!(initials("<>"), "");
        assert!((1..=8).contains(&color_index(i64::MIN)));
    }
}
