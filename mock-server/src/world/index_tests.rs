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

/// The newest message of `key` with an id in `lo..=hi`, searched in its
/// history (what `range_tops` answers for every chat at once).
fn top_by_search(idx: &Index, key: PeerKey, lo: i32, hi: i32) -> Option<usize> {
    let history = idx.history(key);
    let end = history.partition_point(|&i| idx.messages().id(i) <= hi);
    let last = *history.get(end.checked_sub(1)?)?;
    (idx.messages().id(last) >= lo).then_some(last)
}

#[test]
fn range_tops_are_every_chats_newest_message_in_the_range() {
    let world = crate::generate(&crate::GenerateConfig {
        seed: 5,
        dialogs: 40,
        messages: 3_000,
        files: 0,
        range_size: 20,
        ..Default::default()
    });
    let idx = Index::build(Arc::new(world)).unwrap();
    let mut ranges: Vec<(i32, i32)> = idx.world().split_ranges.iter().map(range_bounds).collect();
    assert!(ranges.len() > 50, "{} ranges", ranges.len());
    // Ranges that are no split range too: empty, partial, everything.
    ranges.extend([
        (0, 0),
        (7, 13),
        (15, 400),
        (1, i32::MAX),
        (i32::MAX, i32::MAX),
    ]);
    let common: Vec<PeerKey> = idx
        .peers
        .keys()
        .copied()
        .filter(|k| k.in_common_box())
        .collect();
    assert!(common.len() > 10);
    let mut listed = 0;
    for (lo, hi) in ranges {
        let tops = idx.range_tops(lo, hi);
        for &key in &common {
            assert_eq!(
                tops.get(&key).copied(),
                top_by_search(&idx, key, lo, hi),
                "{key} in {lo}..={hi}"
            );
        }
        assert!(tops.keys().all(|k| k.in_common_box()));
        listed += tops.len();
        // The dialogs listed from the tops are those a scan of every
        // dialog finds (what `services::dialogs` lists for the range).
        let mut from_tops: Vec<_> = tops.keys().filter_map(|&k| idx.dialog_of(k)).collect();
        let mut scanned: Vec<_> = idx
            .dialogs
            .iter()
            .copied()
            .filter(|&(k, _)| k.in_common_box() && top_by_search(&idx, k, lo, hi).is_some())
            .collect();
        from_tops.sort_unstable();
        scanned.sort_unstable();
        assert_eq!(from_tops, scanned, "{lo}..={hi}");
    }
    assert!(listed > 100);
    for &(k, d) in &idx.dialogs {
        assert_eq!(idx.dialog_of(k), Some((k, d)));
    }
    assert_eq!(idx.dialog_of(PeerKey::User(-1)), None);
    // And a common-box message by id, whatever its chat.
    for &(id, at) in idx.common.iter().step_by(97) {
        let found = idx.common_message(id).unwrap();
        assert_eq!(Some(found), idx.messages().get(at));
    }
}
