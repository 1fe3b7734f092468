use super::*;
use crate::world::PeerKey;
use tl::types;

fn msg(id: i32, date: i32, text: &str) -> enums::Message {
    types::Message {
        id,
        date,
        peer_id: PeerKey::User(2).to_peer(),
        message: text.into(),
        ..Default::default()
    }
    .into()
}

#[test]
fn messages_read_back_with_their_columns() {
    let all = [msg(5, 100, "a"), msg(2, 50, "longer text"), msg(9, 7, "")];
    let mut store = MessageStore::new();
    for m in &all {
        store.push(m);
    }
    store.shrink();
    assert_eq!(store.len(), 3);
    for (i, m) in all.iter().enumerate() {
        assert_eq!(store.get(i).as_ref(), Some(m));
        assert_eq!(store.raw(i), m.to_bytes());
        assert_eq!(store.id(i), crate::world::message_id(m));
        assert_eq!(store.date(i), crate::world::message_date(m));
        assert_eq!(store.peer(i), Some(PeerKey::User(2)));
        assert!(store.reads_back(i));
        assert!(!store.is_empty_message(i) && !store.may_have_files(i));
    }
    assert_eq!((store.id(3), store.date(3), store.raw(3)), (0, 0, &[][..]));
    assert!(store.get(3).is_none() && store.peer(3).is_none() && !store.reads_back(3));
    assert!(store.heap_bytes() > 0);
    assert_eq!(store.to_vec(), all);
    assert_eq!(store.iter().count(), 3);
    let again: MessageStore = all.to_vec().into();
    assert_eq!(again, store);
    assert_ne!(MessageStore::from(all[..2].to_vec()), store);
}

#[test]
fn flags_mark_empty_messages_files_and_encodings_that_do_not_read_back() {
    let empty: enums::Message = types::MessageEmpty {
        id: 3,
        peer_id: None,
    }
    .into();
    let photo: enums::Message = types::Message {
        id: 4,
        peer_id: PeerKey::Chat(8).to_peer(),
        media: Some(types::MessageMediaPhoto::default().into()),
        ..Default::default()
    }
    .into();
    let edit_photo: enums::Message = types::MessageService {
        id: 5,
        peer_id: PeerKey::Chat(8).to_peer(),
        action: types::MessageActionChatEditPhoto {
            photo: types::PhotoEmpty { id: 1 }.into(),
        }
        .into(),
        ..Default::default()
    }
    .into();
    // `saved_from_peer` and `saved_from_msg_id` share flag 4 (api.tl):
    // one without the other does not read back.
    let odd: enums::Message = types::Message {
        id: 6,
        peer_id: PeerKey::Chat(8).to_peer(),
        fwd_from: Some(
            types::MessageFwdHeader {
                saved_from_peer: Some(PeerKey::User(2).to_peer()),
                ..Default::default()
            }
            .into(),
        ),
        ..Default::default()
    }
    .into();
    let mut store = MessageStore::new();
    for m in [&empty, &photo, &edit_photo, &odd] {
        store.push(m);
    }
    assert!(store.is_empty_message(0) && store.peer(0).is_none());
    assert!(store.may_have_files(1) && store.may_have_files(2));
    assert!((0..3).all(|i| store.reads_back(i)));
    assert!(!store.reads_back(3));
    // A message that does not read back is still given back as it was.
    assert_eq!(store.get(3).as_ref(), Some(&odd));
    assert_eq!(store.to_vec(), [empty, photo, edit_photo, odd]);
    let text = format!("{store:?}");
    assert!(text.starts_with('['), "{text}");
    let big: MessageStore = (1..=60).map(|id| msg(id, id, "x")).collect();
    assert!(format!("{big:?}").contains("60 messages"));
}
