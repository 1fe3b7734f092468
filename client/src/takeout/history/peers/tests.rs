use tl::types;

use super::*;

fn user(id: i64, name: &str) -> enums::User {
    types::User {
        id,
        access_hash: Some(id),
        first_name: Some(name.into()),
        ..Default::default()
    }
    .into()
}

fn message(id: i32, from: i64) -> enums::Message {
    types::Message {
        id,
        date: 1_700_000_000 + id,
        peer_id: types::PeerChat { chat_id: 9 }.into(),
        from_id: Some(types::PeerUser { user_id: from }.into()),
        message: format!("text {id}"),
        ..Default::default()
    }
    .into()
}

/// A one-message slice page of chat 9 mentioning `users`.
fn page(id: i32, users: Vec<enums::User>) -> enums::messages::Messages {
    types::messages::MessagesSlice {
        count: 500,
        offset_id_offset: Some(3),
        messages: vec![message(id, 1)],
        chats: vec![
            types::Chat {
                id: 9,
                title: "group".into(),
                ..Default::default()
            }
            .into(),
        ],
        users,
        ..Default::default()
    }
    .into()
}

fn messages_of(page: &enums::messages::Messages) -> Vec<enums::Message> {
    super::super::page_parts(page).0.to_vec()
}

#[test]
fn identical_lists_are_decoded_once_and_give_the_same_peers() {
    let mut cache = PeerCache::default();
    let users = vec![user(1, "Ann"), user(2, "Bob")];
    let first = page(10, users.clone());
    let second = page(11, users);
    let (decoded, peers) = cache.decode(&first.to_bytes()).unwrap();
    assert_eq!(decoded, first, "a first page comes whole");
    assert_eq!(*peers, Peers::from_messages(&first));

    let (decoded, again) = cache.decode(&second.to_bytes()).unwrap();
    assert!(
        Arc::ptr_eq(&peers, &again),
        "the same peers, not decoded again"
    );
    assert_eq!(messages_of(&decoded), messages_of(&second));
    assert_eq!(
        super::super::page::header(&decoded.to_bytes()),
        super::super::page::header(&second.to_bytes())
    );
    let enums::messages::Messages::Slice(lean) = &decoded else {
        panic!("a slice")
    };
    assert!(lean.users.is_empty() && lean.chats.is_empty());
    assert_eq!(lean.offset_id_offset, Some(3));
}

#[test]
fn other_lists_are_decoded_and_the_cache_stays_small() {
    let mut cache = PeerCache::default();
    let pages: Vec<_> = (0..=ENTRIES as i64)
        .map(|i| page(i as i32 + 1, vec![user(i + 1, "U")]))
        .collect();
    for p in &pages {
        let (decoded, peers) = cache.decode(&p.to_bytes()).unwrap();
        assert_eq!(&decoded, p, "new lists come whole");
        assert_eq!(*peers, Peers::from_messages(p));
    }
    assert_eq!(cache.entries.len(), ENTRIES);
    // The oldest was dropped: its lists are decoded again.
    let (decoded, _) = cache.decode(&pages[0].to_bytes()).unwrap();
    assert_eq!(decoded, pages[0]);
    // The newest is kept.
    let (decoded, _) = cache.decode(&pages[ENTRIES].to_bytes()).unwrap();
    assert_ne!(decoded, pages[ENTRIES]);
}

#[test]
fn large_lists_are_not_kept() {
    let mut cache = PeerCache::default();
    let many: Vec<_> = (1..=100)
        .map(|i| user(i, "a rather long first name"))
        .collect();
    let p = page(1, many);
    for _ in 0..2 {
        let (decoded, _) = cache.decode(&p.to_bytes()).unwrap();
        assert_eq!(decoded, p);
    }
    assert!(cache.entries.is_empty());
}

#[test]
fn bad_bytes_fail_as_a_whole_decode_does() {
    let mut cache = PeerCache::default();
    let users = vec![user(1, "Ann")];
    cache.decode(&page(1, users.clone()).to_bytes()).unwrap();
    let bytes = page(2, users).to_bytes();
    // Cut anywhere: an error, cached lists or not.
    for len in 0..bytes.len() {
        assert_eq!(
            cache.decode(&bytes[..len]).is_err(),
            decode(&bytes[..len]).is_err(),
            "cut at {len}"
        );
        assert!(cache.decode(&bytes[..len]).is_err(), "cut at {len}");
    }
    // A damaged message before identical lists still fails.
    let text = b"text 2";
    let at = bytes.windows(text.len()).position(|w| w == text).unwrap();
    let mut damaged = bytes.clone();
    damaged[at - 1] = 0xff; // the string's length prefix
    assert!(decode(&damaged).is_err());
    assert!(cache.decode(&damaged).is_err());

    let same = enums::messages::Messages::from(types::messages::MessagesNotModified { count: 4 });
    let (decoded, peers) = cache.decode(&same.to_bytes()).unwrap();
    assert_eq!(decoded, same);
    assert_eq!(*peers, Peers::default());
}
