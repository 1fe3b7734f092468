//! Realistic layer-230 API values, built by hand, shared by the tests and
//! the benchmark (`#[path]`-included, so it needs no crate feature).
#![allow(dead_code)]

use tl::{enums, types};

fn user_peer(id: i64) -> enums::Peer {
    types::PeerUser { user_id: id }.into()
}

fn entities(i: i32) -> Vec<enums::MessageEntity> {
    vec![
        types::MessageEntityBold {
            offset: 0,
            length: 5,
        }
        .into(),
        types::MessageEntityTextUrl {
            offset: 6,
            length: 4,
            url: format!("https://example.org/p/{i}"),
        }
        .into(),
        types::MessageEntityMentionName {
            offset: 11,
            length: 3,
            user_id: 1000 + i64::from(i),
        }
        .into(),
        types::MessageEntityCustomEmoji {
            offset: 15,
            length: 2,
            document_id: 5_000_000 + i64::from(i),
        }
        .into(),
    ]
}

/// A photo with the usual thumbnail ladder.
pub fn photo(i: i32) -> enums::Photo {
    types::Photo {
        id: 6_000_000_000 + i64::from(i),
        access_hash: -7_123_456_789 * i64::from(i + 1),
        file_reference: vec![
            1, 2, 3, 4, i as u8, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ],
        date: 1_700_000_000 + i,
        sizes: vec![
            types::PhotoStrippedSize {
                r#type: "i".into(),
                bytes: vec![0x01, 0x28, 0x1e, 0x99, 0x72, 0x8a],
            }
            .into(),
            types::PhotoSize {
                r#type: "m".into(),
                w: 320,
                h: 240,
                size: 15_321,
            }
            .into(),
            types::PhotoSize {
                r#type: "x".into(),
                w: 800,
                h: 600,
                size: 61_005,
            }
            .into(),
            types::PhotoSizeProgressive {
                r#type: "y".into(),
                w: 1280,
                h: 960,
                sizes: vec![10_000, 30_000, 60_000, 90_000, 123_456],
            }
            .into(),
        ],
        dc_id: 2,
        ..Default::default()
    }
    .into()
}

/// A video document with a file name and a thumbnail.
pub fn document(i: i32) -> enums::Document {
    types::Document {
        id: 7_000_000_000 + i64::from(i),
        access_hash: 8_765_432_100 + i64::from(i),
        file_reference: vec![9; 24],
        date: 1_700_000_100 + i,
        mime_type: "video/mp4".into(),
        size: 12_345_678,
        thumbs: Some(vec![
            types::PhotoSize {
                r#type: "m".into(),
                w: 320,
                h: 180,
                size: 9_000,
            }
            .into(),
        ]),
        dc_id: 4,
        attributes: vec![
            types::DocumentAttributeVideo {
                supports_streaming: true,
                duration: 42.5,
                w: 1920,
                h: 1080,
                preload_prefix_size: Some(131_072),
                video_codec: Some("h264".into()),
                ..Default::default()
            }
            .into(),
            types::DocumentAttributeFilename {
                file_name: format!("holiday-{i}.mp4"),
            }
            .into(),
        ],
        ..Default::default()
    }
    .into()
}

/// The `i`-th message of a busy private chat: text with entities and a
/// reply, a photo, a video, a forward from a channel, and reactions.
pub fn message(i: i32) -> enums::Message {
    let kind = i % 5;
    let mut m = types::Message {
        out: i % 2 == 0,
        id: 10_000 + i,
        from_id: Some(user_peer(if i % 2 == 0 { 1 } else { 2 })),
        peer_id: user_peer(2),
        date: 1_700_000_000 + i * 37,
        message: format!(
            "Hello world, link and @me 😀 — message number {i} with some more text to be typical"
        ),
        entities: Some(entities(i)),
        ..Default::default()
    };
    match kind {
        0 => {
            m.reply_to = Some(
                types::MessageReplyHeader {
                    reply_to_msg_id: Some(10_000 + i - 1),
                    ..Default::default()
                }
                .into(),
            )
        }
        1 => {
            m.media = Some(
                types::MessageMediaPhoto {
                    photo: Some(photo(i)),
                    ..Default::default()
                }
                .into(),
            )
        }
        2 => {
            m.media = Some(
                types::MessageMediaDocument {
                    video: true,
                    document: Some(document(i)),
                    ..Default::default()
                }
                .into(),
            )
        }
        3 => {
            m.fwd_from = Some(
                types::MessageFwdHeader {
                    from_id: Some(
                        types::PeerChannel {
                            channel_id: 1_234_567_890,
                        }
                        .into(),
                    ),
                    date: 1_690_000_000 + i,
                    channel_post: Some(777 + i),
                    post_author: Some("Editor".into()),
                    ..Default::default()
                }
                .into(),
            )
        }
        _ => {
            m.edit_date = Some(1_700_000_500 + i);
            m.reactions = Some(
                types::MessageReactions {
                    can_see_list: true,
                    results: vec![
                        types::ReactionCount {
                            chosen_order: Some(0),
                            reaction: types::ReactionEmoji {
                                emoticon: "👍".into(),
                            }
                            .into(),
                            count: 3,
                        }
                        .into(),
                        types::ReactionCount {
                            chosen_order: None,
                            reaction: types::ReactionEmoji {
                                emoticon: "❤".into(),
                            }
                            .into(),
                            count: 1,
                        }
                        .into(),
                    ],
                    ..Default::default()
                }
                .into(),
            )
        }
    }
    m.into()
}

/// A user as `messages.getHistory` returns it.
pub fn user(id: i64) -> enums::User {
    types::User {
        contact: true,
        mutual_contact: true,
        id,
        access_hash: Some(id * 31),
        first_name: Some(format!("User {id}")),
        last_name: Some("Example".into()),
        username: Some(format!("user{id}")),
        phone: Some(format!("+1555000{id:04}")),
        status: Some(
            types::UserStatusOffline {
                was_online: 1_700_001_000,
            }
            .into(),
        ),
        lang_code: Some("en".into()),
        ..Default::default()
    }
    .into()
}

/// A channel as dialogs and histories return it.
pub fn channel(id: i64) -> enums::Chat {
    types::Channel {
        broadcast: true,
        id,
        access_hash: Some(id ^ 0x5555),
        title: "Example channel".into(),
        username: Some("examplechannel".into()),
        date: 1_600_000_000,
        participants_count: Some(12_345),
        ..Default::default()
    }
    .into()
}

/// `messages.messagesSlice` with `n` realistic messages, their users and a
/// channel.
pub fn messages_slice(n: i32) -> enums::messages::Messages {
    types::messages::MessagesSlice {
        count: n * 10,
        messages: (0..n).map(message).collect(),
        chats: vec![channel(1_234_567_890)],
        users: vec![user(1), user(2), user(1000)],
        ..Default::default()
    }
    .into()
}
