//! Unit tests of the history services (and of the dialog lists, which
//! answer in the same borrowed way).

use tl::{Deserializable, Serializable};

use super::*;
use crate::dispatch::{AuthState, Dispatcher, RequestCtx, ServerConfig};
use crate::net::Reply;

#[test]
fn a_borrowed_page_serializes_as_the_owned_answer() {
    let world = crate::generate(&crate::GenerateConfig {
        dialogs: 12,
        messages: 600,
        files: 40,
        ..crate::GenerateConfig::default()
    });
    let users = || world.users.iter().take(7).cloned().collect::<Vec<_>>();
    let chats = || world.chats.iter().take(3).cloned().collect::<Vec<_>>();
    for (n, page) in world.messages.to_vec().chunks(97).enumerate() {
        let owned = page.to_vec();
        let answers: [enums::messages::Messages; 3] = [
            types::messages::Messages {
                messages: owned.clone(),
                topics: Vec::new(),
                chats: chats(),
                users: users(),
            }
            .into(),
            types::messages::MessagesSlice {
                count: 1000 + n as i32,
                offset_id_offset: (n % 2 == 0).then_some(n as i32),
                messages: owned.clone(),
                chats: Vec::new(),
                users: users(),
                ..Default::default()
            }
            .into(),
            types::messages::ChannelMessages {
                pts: 5,
                count: 1000,
                inexact: n % 3 == 0,
                messages: owned.clone(),
                chats: chats(),
                users: Vec::new(),
                ..Default::default()
            }
            .into(),
        ];
        for answer in answers {
            let raw: Vec<Vec<u8>> = page.iter().map(|m| m.to_bytes()).collect();
            let borrowed = PageAnswer::from_shell(
                answer.clone(),
                raw.iter().map(|r| Cow::from(r.as_slice())).collect(),
            );
            assert_eq!(borrowed.to_bytes(), answer.to_bytes(), "page {n}");
        }
    }
}

#[test]
fn window_clamps() {
    assert_eq!(window(10, 0, 0, 3), 0..3);
    assert_eq!(window(10, 10, -3, 3), 7..10);
    assert_eq!(window(10, 2, -5, 3), 0..0);
    assert_eq!(window(10, 2, -5, 4), 0..1);
    assert_eq!(window(10, 9, 0, 5), 9..10);
    assert_eq!(window(10, 12, 5, 5), 10..10);
    assert_eq!(window(0, 0, 0, 100), 0..0);
    assert_eq!(window(3, 1, i32::MIN, 100), 0..0);
    assert_eq!(window(3, 1, i32::MAX, 100), 3..3);
}

/// A generated world's first private chat with at least `n` messages, and
/// the ids of its messages (ascending).
fn chat_with(world: &crate::World, n: usize) -> (PeerKey, Vec<i32>) {
    let mut by_peer: std::collections::BTreeMap<PeerKey, Vec<i32>> = Default::default();
    for m in &world.messages {
        if let Some(peer @ PeerKey::User(_)) = crate::world::message_peer(&m) {
            by_peer
                .entry(peer)
                .or_default()
                .push(crate::world::message_id(&m));
        }
    }
    let (peer, mut ids) = by_peer
        .into_iter()
        .find(|(_, ids)| ids.len() >= n)
        .expect("a chat that long");
    ids.sort_unstable();
    (peer, ids)
}

/// The raw answer of `request` as the world's own user.
fn raw_answer<R: tl::RemoteCall>(d: &Dispatcher, request: &R) -> Vec<u8> {
    let mut auth = AuthState {
        user_id: Some(d.index().world().self_id),
        ..AuthState::default()
    };
    let mut ctx = RequestCtx {
        dc_id: 2,
        now_unix: 1_700_000_000,
        auth: &mut auth,
    };
    match d.handle(&mut ctx, &request.to_bytes()) {
        Reply::Result(bytes) => bytes,
        other => panic!("an answer, not {other:?}"),
    }
}

#[test]
fn a_corrupt_message_is_served_as_an_unknown_object_and_nothing_else_changes() {
    assert_eq!(tl::name_for_id(CORRUPT_ID), None, "in no layer of ours");
    let mut world = crate::generate(&crate::GenerateConfig {
        dialogs: 6,
        messages: 400,
        files: 10,
        ..crate::GenerateConfig::default()
    });
    let (peer, ids) = chat_with(&world, 5);
    let bad = ids[ids.len() / 2];
    let crate::world::PeerKey::User(user_id) = peer else {
        unreachable!()
    };
    let access_hash = world
        .users
        .iter()
        .find_map(|u| match u {
            enums::User::User(u) if u.id == user_id => u.access_hash,
            _ => None,
        })
        .unwrap_or(0);
    let request = functions::messages::GetHistory {
        peer: types::InputPeerUser {
            user_id,
            access_hash,
        }
        .into(),
        offset_id: 0,
        offset_date: 0,
        add_offset: 0,
        limit: 100,
        max_id: 0,
        min_id: 0,
        hash: 0,
    };
    let clean = raw_answer(
        &Dispatcher::new(std::sync::Arc::new(world.clone()), ServerConfig::default()).unwrap(),
        &request,
    );
    world.server.corrupt_messages = vec![(peer, bad)];
    let served =
        Dispatcher::new(std::sync::Arc::new(world.clone()), ServerConfig::default()).unwrap();
    let corrupt = raw_answer(&served, &request);
    assert_eq!(corrupt.len(), clean.len());
    let differ: Vec<usize> = (0..clean.len())
        .filter(|&i| clean[i] != corrupt[i])
        .collect();
    assert!(
        differ.len() <= 4,
        "only the constructor id differs: {differ:?}"
    );
    match enums::messages::Messages::from_bytes(&corrupt) {
        Err(tl::DeserializeError::UnexpectedConstructor { id, .. }) => assert_eq!(id, CORRUPT_ID),
        other => panic!("{other:?}"),
    }
    // A page without it decodes.
    let before = functions::messages::GetHistory {
        offset_id: bad,
        ..request
    };
    let page = enums::messages::Messages::from_bytes(&raw_answer(&served, &before)).unwrap();
    assert!(!format!("{page:?}").is_empty());
    // An id that is no message of the peer is refused.
    world.server.corrupt_messages = vec![(peer, -5)];
    let e = Dispatcher::new(std::sync::Arc::new(world), ServerConfig::default())
        .err()
        .expect("refused");
    assert_eq!(e.path, "server.corrupt_messages.0");
}

#[test]
fn a_page_carries_the_worlds_own_users_and_chats_encoded_in_place() {
    let world = crate::generate(&crate::GenerateConfig {
        dialogs: 6,
        messages: 400,
        files: 10,
        ..crate::GenerateConfig::default()
    });
    let (peer, _) = chat_with(&world, 5);
    let crate::world::PeerKey::User(user_id) = peer else {
        unreachable!()
    };
    let access_hash = world
        .users
        .iter()
        .find_map(|u| match u {
            enums::User::User(u) if u.id == user_id => u.access_hash,
            _ => None,
        })
        .unwrap_or(0);
    let served =
        Dispatcher::new(std::sync::Arc::new(world.clone()), ServerConfig::default()).unwrap();
    for limit in [1, 3, 100] {
        let request = functions::messages::GetHistory {
            peer: types::InputPeerUser {
                user_id,
                access_hash,
            }
            .into(),
            limit,
            ..Default::default()
        };
        let bytes = raw_answer(&served, &request);
        let page = enums::messages::Messages::from_bytes(&bytes).unwrap();
        assert_eq!(
            page.to_bytes(),
            bytes,
            "encoded as the owned answer would be"
        );
        let (messages, users, chats) = match &page {
            enums::messages::Messages::Slice(m) => (&m.messages, &m.users, &m.chats),
            enums::messages::Messages::Messages(m) => (&m.messages, &m.users, &m.chats),
            other => panic!("{other:?}"),
        };
        assert!(!messages.is_empty() && messages.len() <= limit as usize);
        assert!(chats.is_empty(), "a private chat mentions no chat");
        // Every user is the world's, in id order, the chat's user among them.
        let ids: Vec<i64> = users
            .iter()
            .map(|u| match u {
                enums::User::User(u) => u.id,
                enums::User::Empty(u) => u.id,
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(ids.contains(&user_id));
        for u in users {
            assert!(world.users.contains(u));
        }
    }
}

#[test]
fn a_dialog_page_is_encoded_as_the_owned_answer_would_be() {
    let world = crate::generate(&crate::GenerateConfig {
        dialogs: 30,
        messages: 600,
        files: 10,
        ..crate::GenerateConfig::default()
    });
    let served =
        Dispatcher::new(std::sync::Arc::new(world.clone()), ServerConfig::default()).unwrap();
    let store = &world.messages;
    for limit in [1, 7, 100] {
        let request = functions::messages::GetDialogs {
            exclude_pinned: false,
            folder_id: None,
            offset_date: 0,
            offset_id: 0,
            offset_peer: enums::InputPeer::Empty,
            limit,
            hash: 0,
        };
        let bytes = raw_answer(&served, &request);
        let page = enums::messages::Dialogs::from_bytes(&bytes).unwrap();
        assert_eq!(
            page.to_bytes(),
            bytes,
            "encoded as the owned answer would be"
        );
        let (dialogs, messages, users) = match &page {
            enums::messages::Dialogs::Slice(d) => (&d.dialogs, &d.messages, &d.users),
            enums::messages::Dialogs::Dialogs(d) => (&d.dialogs, &d.messages, &d.users),
            other => panic!("{other:?}"),
        };
        assert_eq!(dialogs.len(), messages.len());
        assert!(!dialogs.is_empty() && dialogs.len() <= limit as usize);
        // The top messages and users are the world's own.
        for m in messages {
            assert!(store.iter().any(|s| &s == m), "{m:?}");
        }
        for u in users {
            assert!(world.users.contains(u));
        }
    }
}
