//! Message text as tdesktop's flat parts, inline buttons and reactions
//! (docs/export-format.md#messages).

use tl::enums;

use crate::export::convert::peers::{Peers, peer_id};
use crate::export::model::{
    Button, ButtonData, Reaction, ReactionKind, RecentReaction, TextKind, TextPart,
};

/// tdesktop's `ParseText` (docs/export-format.md#messages): entities in order, each kept only if it
/// starts at or after the end of the previous one and lies inside the text
/// (offsets in UTF-16 code units); plain runs fill the gaps.
pub fn text_parts(text: &str, entities: &[enums::MessageEntity]) -> Vec<TextPart> {
    if entities.is_empty() {
        // One plain part: the text as it is (what the UTF-16 round trip of
        // a whole `str` gives).
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![TextPart::plain(text.to_owned())]
        };
    }
    let size = text.encode_utf16().count() as i64;
    // Parts are asked for in ascending UTF-16 offsets: one pass over the
    // text finds their byte offsets.
    let mut cursor = Utf16Cursor::new(text);
    let mut mid = |from: i64, to: i64| match (cursor.byte_at(from), cursor.byte_at(to)) {
        (Some(a), Some(b)) => text[a..b].to_owned(),
        // An end inside a surrogate pair: what tdesktop's QString slice
        // gives, a lone surrogate, is U+FFFD in UTF-8.
        _ => {
            let units: Vec<u16> = text
                .encode_utf16()
                .skip(from as usize)
                .take((to - from) as usize)
                .collect();
            String::from_utf16_lossy(&units)
        }
    };
    let mut result = Vec::new();
    let mut offset = 0i64;
    for entity in entities {
        let Some((start, length, kind)) = entity_kind(entity) else {
            continue;
        };
        let (start, length) = (i64::from(start), i64::from(length));
        if start < offset || length <= 0 || start + length > size {
            continue;
        }
        if start > offset {
            result.push(TextPart::plain(mid(offset, start)));
        }
        result.push(TextPart {
            kind,
            text: mid(start, start + length),
        });
        offset = start + length;
    }
    if size > offset {
        result.push(TextPart::plain(mid(offset, size)));
    }
    result
}

/// Byte offsets of UTF-16 offsets of a text, asked for in ascending order.
struct Utf16Cursor<'a> {
    chars: std::str::Chars<'a>,
    /// The UTF-16 offset and byte offset reached.
    unit: i64,
    byte: usize,
}

impl<'a> Utf16Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars(),
            unit: 0,
            byte: 0,
        }
    }

    /// The byte offset of UTF-16 offset `target` (not below any earlier
    /// one), `None` inside a surrogate pair.
    fn byte_at(&mut self, target: i64) -> Option<usize> {
        while self.unit < target {
            let c = self.chars.next()?;
            self.unit += c.len_utf16() as i64;
            self.byte += c.len_utf8();
        }
        (self.unit == target).then_some(self.byte)
    }
}

/// The offset, length and kind of an entity; `None` for entity types newer
/// than tdesktop's export (their text stays plain).
fn entity_kind(entity: &enums::MessageEntity) -> Option<(i32, i32, TextKind)> {
    use enums::MessageEntity as E;
    Some(match entity {
        E::Unknown(e) => (e.offset, e.length, TextKind::Unknown),
        E::Mention(e) => (e.offset, e.length, TextKind::Mention),
        E::Hashtag(e) => (e.offset, e.length, TextKind::Hashtag),
        E::BotCommand(e) => (e.offset, e.length, TextKind::BotCommand),
        E::Url(e) => (e.offset, e.length, TextKind::Link),
        E::Email(e) => (e.offset, e.length, TextKind::Email),
        E::Bold(e) => (e.offset, e.length, TextKind::Bold),
        E::Italic(e) => (e.offset, e.length, TextKind::Italic),
        E::Code(e) => (e.offset, e.length, TextKind::Code),
        E::Pre(e) => (
            e.offset,
            e.length,
            TextKind::Pre {
                language: e.language.clone(),
            },
        ),
        E::TextUrl(e) => (
            e.offset,
            e.length,
            TextKind::TextLink {
                href: e.url.clone(),
            },
        ),
        E::MentionName(e) => (
            e.offset,
            e.length,
            TextKind::MentionName { user_id: e.user_id },
        ),
        E::InputMessageEntityMentionName(e) => {
            let user_id = match &e.user_id {
                enums::InputUser::InputUser(u) => u.user_id,
                enums::InputUser::FromMessage(u) => u.user_id,
                _ => 0,
            };
            (e.offset, e.length, TextKind::MentionName { user_id })
        }
        E::Phone(e) => (e.offset, e.length, TextKind::Phone),
        E::Cashtag(e) => (e.offset, e.length, TextKind::Cashtag),
        E::Underline(e) => (e.offset, e.length, TextKind::Underline),
        E::Strike(e) => (e.offset, e.length, TextKind::Strikethrough),
        E::BankCard(e) => (e.offset, e.length, TextKind::BankCard),
        E::Spoiler(e) => (e.offset, e.length, TextKind::Spoiler),
        E::CustomEmoji(e) => (
            e.offset,
            e.length,
            TextKind::CustomEmoji {
                document_id: e.document_id,
                file: None,
            },
        ),
        E::Blockquote(e) => (
            e.offset,
            e.length,
            TextKind::Blockquote {
                collapsed: e.collapsed,
            },
        ),
        E::FormattedDate(_)
        | E::DiffInsert(_)
        | E::DiffReplace(_)
        | E::DiffDelete(_)
        | E::TonAddress(_) => return None,
    })
}

/// The plain text of a `TextWithEntities` (poll questions, to-do items).
pub(in crate::export) fn plain_text(text: &enums::TextWithEntities) -> String {
    let enums::TextWithEntities::TextWithEntities(t) = text;
    t.text.clone()
}

/// Inline keyboard rows (docs/export-format.md#messages `inline_bot_buttons`).
pub(in crate::export) fn buttons(markup: Option<&enums::ReplyMarkup>) -> Vec<Vec<Button>> {
    let Some(enums::ReplyMarkup::ReplyInlineMarkup(markup)) = markup else {
        return Vec::new();
    };
    markup
        .rows
        .iter()
        .map(
            |enums::KeyboardInlineButtonRow::KeyboardInlineButtonRow(row)| {
                row.buttons.iter().map(button).collect()
            },
        )
        .collect()
}

/// One inline button.
fn button(b: &enums::KeyboardInlineButton) -> Button {
    use enums::InlineButtonType as T;
    let enums::KeyboardInlineButton::KeyboardInlineButton(b) = b;
    let text = |s: &str| ButtonData::Text(s.to_owned());
    let (kind, data, forward_text, button_id) = match &b.r#type {
        T::Url(t) => ("url", text(&t.url), None, 0),
        T::UrlAuth(t) => ("auth", text(&t.url), t.fwd_text.clone(), t.button_id),
        T::InputInlineButtonTypeUrlAuth(t) => ("auth", text(&t.url), t.fwd_text.clone(), 0),
        T::WebView(t) => ("web_view", text(&t.url), None, 0),
        T::Callback(t) if t.requires_password => (
            "callback_with_password",
            ButtonData::Bytes(t.data.clone()),
            None,
            0,
        ),
        T::Callback(t) => ("callback", ButtonData::Bytes(t.data.clone()), None, 0),
        T::Game => ("game", ButtonData::None, None, 0),
        T::Buy => ("buy", ButtonData::None, None, 0),
        T::SwitchInline(t) if t.same_peer => ("switch_inline_same", text(&t.query), None, 0),
        T::SwitchInline(t) => ("switch_inline", text(&t.query), None, 0),
        T::UserProfile(t) => ("user_profile", text(&t.user_id.to_string()), None, 0),
        T::InputInlineButtonTypeUserProfile(_) => ("user_profile", ButtonData::None, None, 0),
        T::Copy(t) => ("copy_text", text(&t.copy_text), None, 0),
        T::Disabled => ("default", ButtonData::None, None, 0),
    };
    let data = match data {
        ButtonData::Text(s) if s.is_empty() => ButtonData::None,
        ButtonData::Bytes(b) if b.is_empty() => ButtonData::None,
        other => other,
    };
    Button {
        kind,
        text: b.text.clone(),
        data,
        forward_text: forward_text.unwrap_or_default(),
        button_id: i64::from(button_id),
    }
}

/// Reactions with their recent reactors (docs/export-format.md#messages `reactions`).
pub(in crate::export) fn reactions(
    peers: &Peers,
    tl: Option<&enums::MessageReactions>,
) -> Vec<Reaction> {
    let Some(enums::MessageReactions::MessageReactions(r)) = tl else {
        return Vec::new();
    };
    let mut result: Vec<Reaction> = r
        .results
        .iter()
        .map(|enums::ReactionCount::ReactionCount(c)| Reaction {
            kind: reaction_kind(&c.reaction),
            count: i64::from(c.count),
            recent: Vec::new(),
        })
        .collect();
    for enums::MessagePeerReaction::MessagePeerReaction(recent) in
        r.recent_reactions.iter().flatten()
    {
        let kind = reaction_kind(&recent.reaction);
        if let Some(reaction) = result.iter_mut().find(|r| r.kind == kind) {
            reaction.recent.push(RecentReaction {
                from: peers.peer(peer_id(&recent.peer_id)),
                date: i64::from(recent.date),
            });
        }
    }
    result
}

/// The model's reaction kind.
fn reaction_kind(reaction: &enums::Reaction) -> ReactionKind {
    match reaction {
        enums::Reaction::Empty => ReactionKind::Empty,
        enums::Reaction::Emoji(e) => ReactionKind::Emoji(e.emoticon.clone()),
        enums::Reaction::CustomEmoji(e) => ReactionKind::CustomEmoji {
            document_id: e.document_id,
            file: None,
        },
        enums::Reaction::Paid => ReactionKind::Paid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::types;

    fn bold(offset: i32, length: i32) -> enums::MessageEntity {
        enums::MessageEntity::Bold(types::MessageEntityBold { offset, length })
    }

    #[test]
    fn text_parts_are_flat_and_in_utf16_units() {
        let parts = text_parts("a😀bc", &[bold(1, 2), bold(2, 1), bold(3, 1)]);
        let kinds: Vec<_> = parts
            .iter()
            .map(|p| (p.kind.json_name(), p.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("plain", "a"),
                ("bold", "😀"),
                ("bold", "b"),
                ("plain", "c")
            ]
        );
    }

    #[test]
    fn out_of_range_entities_are_dropped() {
        let parts = text_parts(
            "abc",
            &[
                bold(-1, 2),
                bold(0, 0),
                bold(2, 5),
                bold(i32::MAX, i32::MAX),
            ],
        );
        assert_eq!(parts, [TextPart::plain("abc")]);
        assert!(text_parts("", &[bold(0, 1)]).is_empty());
    }

    /// The definition: slices of the text's UTF-16 units.
    fn text_parts_by_units(text: &str, entities: &[enums::MessageEntity]) -> Vec<TextPart> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let size = units.len() as i64;
        let mid = |from: i64, to: i64| String::from_utf16_lossy(&units[from as usize..to as usize]);
        let mut result = Vec::new();
        let mut offset = 0i64;
        for entity in entities {
            let Some((start, length, kind)) = entity_kind(entity) else {
                continue;
            };
            let (start, length) = (i64::from(start), i64::from(length));
            if start < offset || length <= 0 || start + length > size {
                continue;
            }
            if start > offset {
                result.push(TextPart::plain(mid(offset, start)));
            }
            result.push(TextPart {
                kind,
                text: mid(start, start + length),
            });
            offset = start + length;
        }
        if size > offset {
            result.push(TextPart::plain(mid(offset, size)));
        }
        result
    }

    proptest::proptest! {
        #[test]
        fn parts_are_the_utf16_slices(
            text in "[a\u{e9}\u{1F600}\u{10FFFF} \n]{0,12}",
            spans in proptest::collection::vec((-2i32..16, -1i32..8), 0..6),
        ) {
            let entities: Vec<_> = spans.iter().map(|&(o, l)| bold(o, l)).collect();
            proptest::prop_assert_eq!(
                text_parts(&text, &entities),
                text_parts_by_units(&text, &entities)
            );
        }
    }

    #[test]
    fn a_split_surrogate_pair_becomes_a_replacement_character() {
        let parts = text_parts("😀", &[bold(0, 1)]);
        assert_eq!(parts[0].text, "\u{FFFD}");
        assert_eq!(parts[1].text, "\u{FFFD}");
    }
}
