use proptest::prelude::*;
use tl::random::strategy;

use super::*;

fn message(id: i32, peer: i64, date: i32) -> enums::Message {
    types::Message {
        id,
        peer_id: types::PeerUser { user_id: peer }.into(),
        date,
        message: format!("message {id}"),
        ..Default::default()
    }
    .into()
}

fn dialog(peer: i64, top: i32) -> enums::Dialog {
    types::Dialog {
        peer: types::PeerUser { user_id: peer }.into(),
        top_message: top,
        ..Default::default()
    }
    .into()
}

fn user(id: i64) -> enums::User {
    types::User {
        id,
        access_hash: Some(id * 10),
        first_name: Some(format!("user {id}")),
        ..Default::default()
    }
    .into()
}

/// A slice of three dialogs whose messages come in the given order.
fn slice(messages: Vec<enums::Message>) -> Vec<u8> {
    enums::messages::Dialogs::from(types::messages::DialogsSlice {
        count: 50,
        dialogs: vec![dialog(1, 10), dialog(2, 20), dialog(3, 30)],
        messages,
        chats: vec![],
        users: vec![user(1), user(2), user(3)],
    })
    .to_bytes()
}

#[test]
fn a_slice_gives_the_last_dialogs_top_message_date_wherever_it_is() {
    let ordered = vec![
        message(10, 1, 100),
        message(20, 2, 200),
        message(30, 3, 300),
    ];
    let first = vec![
        message(30, 3, 300),
        message(10, 1, 100),
        message(20, 2, 200),
    ];
    for messages in [ordered, first] {
        let page = DialogsPage::from_bytes(&slice(messages)).unwrap();
        assert!(!page.complete && !page.not_modified);
        assert_eq!(page.last, Some((PeerId::User(3), 30, 300)));
        assert_eq!(page.dialogs.len(), 3);
        assert_eq!(page.users, vec![user(1), user(2), user(3)]);
    }
}

#[test]
fn a_missing_top_message_gives_date_zero() {
    // Same id, other peer; same peer, other id.
    let messages = vec![message(30, 2, 300), message(31, 3, 310)];
    let page = DialogsPage::from_bytes(&slice(messages)).unwrap();
    assert_eq!(page.last, Some((PeerId::User(3), 30, 0)));
}

#[test]
fn the_whole_list_and_not_modified() {
    let whole = enums::messages::Dialogs::from(types::messages::Dialogs {
        dialogs: vec![dialog(1, 10)],
        messages: vec![message(10, 1, 100)],
        chats: vec![],
        users: vec![user(1)],
    });
    let page = DialogsPage::from_bytes(&whole.to_bytes()).unwrap();
    assert!(page.complete);
    assert_eq!(page.last, Some((PeerId::User(1), 10, 100)));

    let empty = enums::messages::Dialogs::from(types::messages::Dialogs::default());
    let page = DialogsPage::from_bytes(&empty.to_bytes()).unwrap();
    assert!(page.complete);
    assert_eq!(page.last, None);

    let same = enums::messages::Dialogs::from(types::messages::DialogsNotModified { count: 3 });
    let page = DialogsPage::from_bytes(&same.to_bytes()).unwrap();
    assert!(page.not_modified);
    assert!(DialogsPage::from_bytes(&true.to_bytes()).is_err());
}

#[test]
fn bad_bytes_in_a_message_it_does_not_need_still_fail() {
    let bytes = slice(vec![
        message(10, 1, 100),
        message(20, 2, 200),
        message(30, 3, 300),
    ]);
    let full = enums::messages::Dialogs::from_bytes(&bytes).unwrap();
    let enums::messages::Dialogs::Slice(s) = full else {
        panic!("a slice")
    };
    // Damage the first message's constructor id.
    let first = s.messages[0].to_bytes();
    let at = bytes.windows(first.len()).position(|w| w == first).unwrap();
    let mut damaged = bytes.clone();
    damaged[at] ^= 0xff;
    assert!(enums::messages::Dialogs::from_bytes(&damaged).is_err());
    assert!(DialogsPage::from_bytes(&damaged).is_err());
    for len in 0..bytes.len() {
        assert!(
            DialogsPage::from_bytes(&bytes[..len]).is_err(),
            "cut at {len}"
        );
    }
}

/// What the listing read from a fully decoded answer before pages were
/// read lean (the first matching message).
fn full_last(d: &types::messages::DialogsSlice) -> Option<(PeerId, i32, i32)> {
    let (peer, top) = d.dialogs.iter().rev().find_map(|dialog| match dialog {
        enums::Dialog::Dialog(d) => Some((peer_id(&d.peer), d.top_message)),
        _ => None,
    })?;
    let date = d.messages.iter().find_map(|m| match m {
        enums::Message::Message(m) if m.id == top && peer_id(&m.peer_id) == peer => Some(m.date),
        enums::Message::Service(m) if m.id == top && peer_id(&m.peer_id) == peer => Some(m.date),
        _ => None,
    });
    Some((peer, top, date.unwrap_or(0)))
}

proptest! {
    #[test]
    fn a_lean_page_keeps_what_a_full_decode_gives(
        mut d in strategy::<types::messages::DialogsSlice>(3),
        top_at in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
    ) {
        // Most generated pages carry no matching message: make one match.
        if let (Some(enums::Dialog::Dialog(last)), false) = (d.dialogs.last(), d.messages.is_empty()) {
            let (peer, top) = (last.peer.clone(), last.top_message);
            let i = top_at.index(d.messages.len());
            if let enums::Message::Message(m) = &mut d.messages[i] {
                m.id = top;
                m.peer_id = peer;
            }
        }
        let bytes = enums::messages::Dialogs::from(d.clone()).to_bytes();
        let page = DialogsPage::from_bytes(&bytes).unwrap();
        prop_assert!(!page.complete && !page.not_modified);
        prop_assert_eq!(&page.dialogs, &d.dialogs);
        prop_assert_eq!(&page.chats, &d.chats);
        prop_assert_eq!(&page.users, &d.users);
        prop_assert_eq!(page.last, full_last(&d));
        let len = cut.index(bytes.len());
        prop_assert!(DialogsPage::from_bytes(&bytes[..len]).is_err());
    }
}
