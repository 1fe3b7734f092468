//! One bad answer never costs a chat (docs/takeout.md#undecodable-messages):
//! a world whose server sends some messages as objects of a layer the
//! client does not know (`server.corrupt_messages`) exports every other
//! message byte-identically to the world without them, lists each of them
//! in `missing.json` with its id and the decode error, and costs a few
//! requests more; an update of that export equals it.

use std::collections::BTreeMap;

use tg_mock_server::world::{PeerKey, message_id, message_peer};
use tg_mock_server::{GenerateConfig, World, generate};
use tg_takeout::takeout::ExportOptions;
use tl::enums::Message;

use crate::harness::{Server, assert_same_tree, everything, export, options, out_dir, tree};

/// A world with one long private chat (several pages in one split).
fn world(seed: u64) -> World {
    generate(&GenerateConfig {
        seed,
        dialogs: 3,
        messages: 3000,
        files: 30,
        range_size: 0,
        left_channels: 0,
        max_file_size: 64 << 10,
        ..GenerateConfig::default()
    })
}

/// The private chat with the most messages, and their ids ascending.
fn longest_chat(world: &World) -> (PeerKey, Vec<i32>) {
    let mut by_peer: BTreeMap<PeerKey, Vec<i32>> = BTreeMap::new();
    for m in &world.messages {
        if let Some(peer @ PeerKey::User(_)) = message_peer(&m) {
            by_peer.entry(peer).or_default().push(message_id(&m));
        }
    }
    let (peer, mut ids) = by_peer
        .into_iter()
        .max_by_key(|(_, ids)| ids.len())
        .expect("a private chat");
    ids.sort_unstable();
    (peer, ids)
}

/// Whether message `id` of `peer` is a message without a photo or
/// document (so the world without it numbers its pictures as the world
/// with it does).
fn plain(world: &World, peer: PeerKey, id: i32) -> bool {
    use tl::enums::MessageMedia as M;
    world.messages.iter().any(|m| {
        message_peer(&m) == Some(peer)
            && message_id(&m) == id
            && matches!(&m, Message::Message(m) if matches!(
                m.media,
                None | Some(M::Empty | M::Geo(_) | M::Contact(_) | M::Venue(_) | M::Dice(_))
            ))
    })
}

/// A world whose longest chat has several pages, and three plain messages
/// of it: one of the first page (the first if it is plain), one in the
/// middle of a page after it, and the last of the page after that (pages
/// start after each bad message, `docs/takeout.md#undecodable-messages`).
fn world_with_three() -> (World, PeerKey, Vec<i32>) {
    for seed in 14..100 {
        let w = world(seed);
        let (peer, ids) = longest_chat(&w);
        let plain_at = |i: usize| ids.get(i).is_some_and(|&id| plain(&w, peer, id));
        let Some(first) = (0..20).find(|&i| plain_at(i)) else {
            continue;
        };
        // A page starts at first + 101; its middle is 30 to 70 in.
        let middle = (first + 131..first + 171).find(|&i| plain_at(i) && plain_at(i + 100));
        if let Some(middle) = middle {
            let bad = vec![ids[first], ids[middle], ids[middle + 100]];
            return (w, peer, bad);
        }
    }
    panic!("no seed below 100 gives such a world")
}

/// `messages.getHistory` calls since the last reset.
fn history_calls(server: &Server) -> usize {
    server
        .calls()
        .iter()
        .filter(|c| c.0 == "messages.getHistory")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_messages_are_isolated_into_missing_json() {
    // Pages of 100 from the oldest: the first message of the first page;
    // after it, pages start one later, so the 151st is in the middle of
    // one and the 251st the last of the one after the resumption.
    let (clean, peer, bad) = world_with_three();

    // The world without those messages, exported as it is.
    let mut deleted = clean.clone();
    deleted.messages = clean
        .messages
        .iter()
        .filter(|m| !(message_peer(m) == Some(peer) && bad.contains(&message_id(m))))
        .collect();
    let server = Server::start(deleted).await;
    let (_tmp_a, out_a) = out_dir();
    let (report, _) = export(&server, everything(&out_a, 2), &options()).await;
    let report = report.expect("the export of the world without them");
    assert_eq!(report.skipped, 0);
    let expected = tree(&report.out_dir);
    let clean_calls = history_calls(&server);
    drop(server);

    // The world serving them as objects of an unknown layer.
    let mut corrupt = clean.clone();
    corrupt.server.corrupt_messages = bad.iter().map(|&id| (peer, id)).collect();
    let server = Server::start(corrupt).await;
    server.reset();
    let (_tmp_b, out_b) = out_dir();
    let (report, _) = export(&server, everything(&out_b, 2), &options()).await;
    let report = report.expect("the export completes");
    assert_eq!(report.skipped, 3, "three messages missing");
    let mut got = tree(&report.out_dir);
    let missing: serde_json::Value =
        serde_json::from_slice(&got.remove("missing.json").expect("missing.json")).unwrap();
    assert_same_tree(&got, &expected);
    let entries = missing.as_array().expect("a list");
    assert_eq!(entries.len(), 3, "{missing:#}");
    let PeerKey::User(user_id) = peer else {
        unreachable!()
    };
    for (entry, id) in entries.iter().zip(&bad) {
        assert_eq!(entry["section"], "chats", "{entry}");
        assert_eq!(entry["chat_id"], format!("user{user_id}"), "{entry}");
        assert_eq!(entry["message_id"], i64::from(*id), "{entry}");
        assert!(entry.get("file").is_none(), "{entry}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(
            reason.contains("could not be decoded") && reason.contains("0x0badc0de"),
            "{reason}"
        );
    }
    // Few requests more: each message costs the halving of its page, a
    // look past it and a short binary search for its id.
    let extra = history_calls(&server).saturating_sub(clean_calls);
    eprintln!("history calls: {clean_calls} without the bad messages, {extra} more with them");
    assert!(extra <= 60, "{extra} more history calls than {clean_calls}");

    // An update (nothing new) reads the split from the first bad page on
    // again and comes to the same export, missing.json included.
    let before = tree(&report.out_dir);
    let update = ExportOptions {
        update: true,
        ..options()
    };
    let (report, _) = export(&server, everything(&report.out_dir, 2), &update).await;
    let report = report.expect("the update completes");
    assert_eq!(report.skipped, 3);
    assert_same_tree(&tree(&report.out_dir), &before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_range_probe_looks_past_undecodable_newest_and_oldest_messages() {
    // With a date range every split is probed from its newest message
    // (and, with --till, its oldest): the chat's newest and oldest messages
    // do not decode, and still only they are missing.
    let clean = world(14);
    let (peer, ids) = longest_chat(&clean);
    let PeerKey::User(user_id) = peer else {
        unreachable!()
    };
    let bad = [ids[0], ids[ids.len() - 1]];
    let mut corrupt = clean.clone();
    corrupt.server.corrupt_messages = bad.iter().map(|&id| (peer, id)).collect();
    let server = Server::start(corrupt).await;
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 2);
    settings.from_date = Some(1);
    settings.till_date = Some(4_000_000_000);
    let (report, _) = export(&server, settings, &options()).await;
    let report = report.expect("the export completes");
    assert_eq!(report.skipped, 2, "two messages missing");
    let got = tree(&report.out_dir);
    let missing: serde_json::Value =
        serde_json::from_slice(&got["missing.json"]).expect("missing.json");
    let missing: Vec<i64> = missing
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["message_id"].as_i64().expect("a message id"))
        .collect();
    assert_eq!(
        missing,
        bad.iter().map(|&i| i64::from(i)).collect::<Vec<_>>()
    );
    // Every other message of the chat is exported.
    let result: serde_json::Value =
        serde_json::from_slice(&got["result.json"]).expect("result.json");
    let chat = result["chats"]["list"]
        .as_array()
        .expect("chats")
        .iter()
        .find(|c| c["id"] == user_id)
        .expect("the chat is exported");
    let exported: Vec<i64> = chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_i64().expect("an id"))
        .collect();
    let expected: Vec<i64> = ids[1..ids.len() - 1]
        .iter()
        .map(|&i| i64::from(i))
        .collect();
    assert_eq!(exported, expected);
}
