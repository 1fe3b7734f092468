//! The HTML of a message's text: each entity as its tag, links only to
//! safe URLs (docs/export-format.md#html).

use crate::export::html::util::{push_esc, push_href_path, push_int, safe_url, safe_url_parts};
use crate::export::model::file::FileRef;
use crate::export::model::{TextKind, TextPart};

/// Renders text parts (docs/export-format.md#messages entities) as HTML.
pub fn text_html(parts: &[TextPart], prefix: &str) -> String {
    let mut out = String::new();
    push_text_html(&mut out, parts, prefix);
    out
}

/// Appends [`text_html`] of `parts`.
pub fn push_text_html(out: &mut String, parts: &[TextPart], prefix: &str) {
    for part in parts {
        push_text_part(out, part, prefix);
    }
}

/// Appends one text part: its text, escaped, between an opening and a
/// closing tag (none for plain text).
fn push_text_part(out: &mut String, part: &TextPart, prefix: &str) {
    let close = match &part.kind {
        TextKind::Plain | TextKind::Unknown | TextKind::Hashtag | TextKind::Cashtag => "",
        TextKind::BotCommand | TextKind::BankCard => open(out, "<span>", "</span>"),
        TextKind::Mention => {
            let name = part.text.trim_start_matches('@');
            match safe_url(&format!("https://t.me/{name}")) {
                Some(url) => open_link(out, "", &url),
                None => "",
            }
        }
        TextKind::Link => match safe_url_parts(&part.text) {
            Some((scheme, url)) => open_link(out, scheme, url),
            None => "",
        },
        TextKind::TextLink { href } => match safe_url_parts(href) {
            Some((scheme, url)) => open_link(out, scheme, url),
            None => "",
        },
        TextKind::Email => open_link(out, "mailto:", &part.text),
        TextKind::Phone => open_link(out, "tel:", &part.text),
        TextKind::MentionName { user_id } => {
            out.push_str("<span class=\"mention\" title=\"user");
            push_int(out, *user_id);
            open(out, "\">", "</span>")
        }
        TextKind::Bold => open(out, "<strong>", "</strong>"),
        TextKind::Italic => open(out, "<em>", "</em>"),
        TextKind::Underline => open(out, "<u>", "</u>"),
        TextKind::Strikethrough => open(out, "<s>", "</s>"),
        TextKind::Code => open(out, "<code>", "</code>"),
        TextKind::Pre { language } => {
            out.push_str("<pre data-language=\"");
            push_esc(out, language, false);
            out.push_str("\">");
            // Not multiline: newlines stay newlines inside <pre>.
            push_esc(out, &part.text, false);
            out.push_str("</pre>");
            return;
        }
        TextKind::Blockquote { collapsed: true } => open(
            out,
            "<blockquote class=\"quote collapsed\">",
            "</blockquote>",
        ),
        TextKind::Blockquote { collapsed: false } => {
            open(out, "<blockquote class=\"quote\">", "</blockquote>")
        }
        TextKind::Spoiler => open(
            out,
            "<span class=\"spoiler hidden\" onclick=\"ShowSpoiler(this)\"><span>",
            "</span></span>",
        ),
        TextKind::CustomEmoji { file, .. } => match file.as_ref().and_then(FileRef::written_path) {
            Some(path) => {
                out.push_str("<span class=\"emoji\" title=\"");
                push_esc(out, &part.text, false);
                out.push_str("\" data-file=\"");
                push_href_path(out, prefix, path);
                open(out, "\">", "</span>")
            }
            None => "",
        },
    };
    push_esc(out, &part.text, true);
    out.push_str(close);
}

/// Appends the opening tag `tag` and gives back its closing tag `close`.
fn open(out: &mut String, tag: &str, close: &'static str) -> &'static str {
    out.push_str(tag);
    close
}

/// Opens a link to `scheme` followed by `url` (neither escaped yet) and
/// gives back its closing tag.
fn open_link(out: &mut String, scheme: &str, url: &str) -> &'static str {
    out.push_str("<a href=\"");
    push_esc(out, scheme, false);
    push_esc(out, url, false);
    open(out, "\">", "</a>")
}
