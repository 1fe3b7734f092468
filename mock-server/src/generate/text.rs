//! Names and message texts with entities for generated worlds.
//!
//! Entity offsets and lengths are in UTF-16 code units, as Telegram's are.

use tl::{enums, types};

use crate::rng::Rng;

/// First names for generated users.
pub const FIRST_NAMES: &[&str] = &[
    "Alice", "Boris", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Katya", "Liam", "Mira", "Nikolai", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tanya", "Umar",
    "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Анна", "Иван", "José", "Zoë",
];

/// Last names for generated users.
pub const LAST_NAMES: &[&str] = &[
    "Andersen",
    "Baker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Volkov",
    "Weber",
    "",
    "",
];

const WORDS: &[&str] = &[
    "the", "meeting", "is", "moved", "to", "tomorrow", "morning", "did", "you", "see", "new",
    "photos", "from", "trip", "I", "think", "we", "should", "order", "pizza", "tonight", "what",
    "about", "project", "deadline", "let's", "call", "later", "train", "was", "late", "again",
    "coffee", "after", "work", "sounds", "good", "can", "send", "me", "file", "please", "thanks",
    "weather", "looks", "great", "for", "weekend", "hiking", "on", "saturday", "bring", "snacks",
    "concert", "tickets", "are", "sold", "out", "maybe", "next", "time", "happy", "birthday",
    "remember", "buy", "milk", "and", "bread", "release", "notes", "ready", "review", "draft",
    "link", "in", "bio", "ok", "sure", "nope", "haha", "really", "wow", "nice", "cat", "dog",
    "garden", "kitchen", "recipe", "soup", "museum", "ticket", "flight", "delayed", "hotel",
];

const EMOJI: &[&str] = &["🙂", "😂", "👍", "🎉", "🔥", "❤️", "🤔", "🚀"];

/// A text and its entities.
#[derive(Debug, Default)]
pub struct Text {
    /// The text.
    pub text: String,
    /// Its entities, ordered by offset.
    pub entities: Vec<enums::MessageEntity>,
    len16: i32,
}

impl Text {
    /// Appends `s`, returning its UTF-16 `(offset, length)`.
    pub fn push(&mut self, s: &str) -> (i32, i32) {
        let offset = self.len16;
        let len = s.encode_utf16().count() as i32;
        self.text.push_str(s);
        self.len16 += len;
        (offset, len)
    }

    /// Appends `s` covered by the entity `make(offset, length)`.
    pub fn push_with(&mut self, s: &str, make: impl FnOnce(i32, i32) -> enums::MessageEntity) {
        let (offset, length) = self.push(s);
        self.entities.push(make(offset, length));
    }
}

/// Context the text generator may mention.
pub struct TextCtx<'a> {
    /// Users that can be mentioned by name: `(id, first name)`.
    pub users: &'a [(i64, String)],
    /// Usernames that can be @mentioned.
    pub usernames: &'a [String],
    /// Custom emoji document ids.
    pub custom_emoji: &'a [i64],
}

/// A sentence of 3..12 words, capitalised, maybe with an emoji.
pub fn sentence(rng: &mut Rng) -> String {
    let n = rng.range_i32(3, 12) as usize;
    let mut words: Vec<String> = (0..n).map(|_| (*rng.pick(WORDS)).to_owned()).collect();
    if let Some(first) = words.first_mut() {
        let mut c = first.chars();
        *first = c
            .next()
            .map(|h| h.to_uppercase().chain(c).collect())
            .unwrap_or_default();
    }
    let mut s = words.join(" ");
    s.push(*rng.pick(&['.', '!', '?', '.']));
    if rng.chance(15) {
        let emoji = *rng.pick(EMOJI);
        s.push(' ');
        s.push_str(emoji);
    }
    s
}

/// A short title of 1..3 capitalised words.
pub fn title(rng: &mut Rng) -> String {
    let n = rng.range_i32(1, 3) as usize;
    (0..n)
        .map(|_| {
            let w = rng.pick(WORDS);
            let mut c = w.chars();
            c.next()
                .map(|h| h.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message text: one to three sentences, often with some entities.
pub fn message(rng: &mut Rng, ctx: &TextCtx<'_>) -> Text {
    let mut t = Text::default();
    t.push(&sentence(rng));
    let extras = if rng.chance(35) {
        rng.range_i32(1, 3)
    } else {
        0
    };
    for _ in 0..extras {
        t.push(" ");
        entity(rng, ctx, &mut t);
    }
    if rng.chance(30) {
        t.push(" ");
        t.push(&sentence(rng));
    }
    t
}

fn entity(rng: &mut Rng, ctx: &TextCtx<'_>, t: &mut Text) {
    use types::*;
    let word = *rng.pick(WORDS);
    match rng.below(12) {
        0 => t.push_with(word, |offset, length| {
            MessageEntityBold { offset, length }.into()
        }),
        1 => t.push_with(word, |offset, length| {
            MessageEntityItalic { offset, length }.into()
        }),
        2 => t.push_with(&format!("{word}()"), |offset, length| {
            MessageEntityCode { offset, length }.into()
        }),
        3 => t.push_with(&format!("https://example.com/{word}"), |offset, length| {
            MessageEntityUrl { offset, length }.into()
        }),
        4 => t.push_with(&format!("#{word}"), |offset, length| {
            MessageEntityHashtag { offset, length }.into()
        }),
        5 => t.push_with("this page", |offset, length| {
            let url = format!("https://example.org/{word}");
            MessageEntityTextUrl {
                offset,
                length,
                url,
            }
            .into()
        }),
        6 if !ctx.usernames.is_empty() => {
            let name = rng.pick(ctx.usernames).clone();
            t.push_with(&format!("@{name}"), |offset, length| {
                MessageEntityMention { offset, length }.into()
            });
        }
        7 if !ctx.users.is_empty() => {
            let (user_id, name) = rng.pick(ctx.users).clone();
            t.push_with(&name, |offset, length| {
                MessageEntityMentionName {
                    offset,
                    length,
                    user_id,
                }
                .into()
            });
        }
        8 if !ctx.custom_emoji.is_empty() => {
            let document_id = *rng.pick(ctx.custom_emoji);
            let emoji = *rng.pick(EMOJI);
            t.push_with(emoji, |offset, length| {
                MessageEntityCustomEmoji {
                    offset,
                    length,
                    document_id,
                }
                .into()
            });
        }
        9 => t.push_with(&format!("let {word} = 1;"), |offset, length| {
            MessageEntityPre {
                offset,
                length,
                language: "rust".into(),
            }
            .into()
        }),
        10 => t.push_with(word, |offset, length| {
            MessageEntitySpoiler { offset, length }.into()
        }),
        _ => t.push_with(word, |offset, length| {
            MessageEntityUnderline { offset, length }.into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_utf16() {
        let mut t = Text::default();
        t.push("🙂é");
        t.push_with("x", |offset, length| {
            types::MessageEntityBold { offset, length }.into()
        });
        let enums::MessageEntity::Bold(b) = &t.entities[0] else {
            panic!()
        };
        assert_eq!((b.offset, b.length), (3, 1));
    }

    #[test]
    fn entities_stay_inside_the_text() {
        let users = vec![(5, "Alice".to_owned())];
        let names = vec!["alice".to_owned()];
        let ctx = TextCtx {
            users: &users,
            usernames: &names,
            custom_emoji: &[9],
        };
        let mut rng = Rng::new(1);
        for _ in 0..300 {
            let t = message(&mut rng, &ctx);
            let len = t.text.encode_utf16().count() as i32;
            for e in &t.entities {
                let v = serde_json::to_value(e).unwrap();
                let (o, l) = (v["offset"].as_i64().unwrap(), v["length"].as_i64().unwrap());
                assert!(o >= 0 && l > 0 && o + l <= i64::from(len), "{t:?}");
            }
        }
    }
}
