use super::*;
use tl::types;

fn world() -> World {
    let me: enums::User = types::User {
        is_self: true,
        id: 1,
        ..Default::default()
    }
    .into();
    let other: enums::User = types::User {
        id: 2,
        ..Default::default()
    }
    .into();
    let msg = |id, peer: PeerKey| -> enums::Message {
        types::Message {
            id,
            peer_id: peer.to_peer(),
            date: id,
            ..Default::default()
        }
        .into()
    };
    let channel: enums::Chat = types::Channel {
        id: 7,
        left: true,
        ..Default::default()
    }
    .into();
    World {
        self_id: 1,
        users: vec![me, other],
        chats: vec![channel],
        messages: [
            msg(3, PeerKey::User(2)),
            msg(1, PeerKey::User(2)),
            msg(1, PeerKey::Channel(7)),
        ]
        .into_iter()
        .collect(),
        ..World::default()
    }
}

#[test]
fn indexes_histories_and_left_channels() {
    let idx = Index::build(Arc::new(world())).unwrap();
    assert_eq!(idx.history(PeerKey::User(2)), &[1, 0]);
    assert!(idx.message(PeerKey::User(2), 3).is_some());
    assert!(idx.message(PeerKey::User(2), 2).is_none());
    assert!(idx.common_message(1).is_some());
    assert_eq!(idx.left_channels, vec![0]);
    assert_eq!(idx.newest_range_end(), i32::MAX);
}

#[test]
fn rejects_inconsistent_worlds() {
    let mut w = world();
    let first = w.messages.get(0).unwrap();
    w.messages.push(&first);
    assert_eq!(Index::build(Arc::new(w)).unwrap_err().path, "messages.3.id");

    let mut w = world();
    let mut all = w.messages.to_vec();
    if let enums::Message::Message(m) = &mut all[0] {
        m.peer_id = PeerKey::User(99).to_peer();
    }
    w.messages = all.into();
    let e = Index::build(Arc::new(w)).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("messages.0.peer_id", "unknown user 99")
    );

    let mut w = world();
    w.messages.push(
        &types::MessageEmpty {
            id: 9,
            peer_id: None,
        }
        .into(),
    );
    let e = Index::build(Arc::new(w)).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("messages.3", "messageEmpty cannot be stored")
    );

    // `saved_from_peer` and `saved_from_msg_id` share a flag (api.tl).
    let mut w = world();
    let odd = types::Message {
        id: 9,
        peer_id: PeerKey::User(2).to_peer(),
        fwd_from: Some(
            types::MessageFwdHeader {
                saved_from_peer: Some(PeerKey::User(2).to_peer()),
                ..Default::default()
            }
            .into(),
        ),
        ..Default::default()
    };
    w.messages.push(&odd.into());
    let e = Index::build(Arc::new(w)).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("messages.3", NOT_WIRE)
    );

    let mut w = world();
    w.self_id = 2;
    assert_eq!(Index::build(Arc::new(w)).unwrap_err().path, "users.1");

    let mut w = world();
    let r = |min_id, max_id| types::MessageRange { min_id, max_id }.into();
    w.split_ranges = vec![r(1, 10), r(5, 20)];
    assert_eq!(
        Index::build(Arc::new(w)).unwrap_err().path,
        "split_ranges.1"
    );
}
