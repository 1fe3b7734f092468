//! Property tests: paging the mock exactly as tdesktop's export does
//! (docs/takeout.md#dialogs, #history) sees every dialog and message exactly once.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Client, generated};
use proptest::prelude::*;
use tg_mock_server::world::{Index, PeerKey, message_id, message_is_from, range_bounds};
use tg_mock_server::{GenerateConfig, generate};
use tl::{enums, functions, types};

fn input_peer(idx: &Index, key: PeerKey) -> enums::InputPeer {
    match key {
        PeerKey::User(user_id) => {
            let access_hash = match idx.user(user_id) {
                Some(enums::User::User(u)) => u.access_hash.unwrap_or(0),
                _ => 0,
            };
            types::InputPeerUser {
                user_id,
                access_hash,
            }
            .into()
        }
        PeerKey::Chat(chat_id) => types::InputPeerChat { chat_id }.into(),
        PeerKey::Channel(channel_id) => {
            let access_hash = match idx.chat(key) {
                Some(enums::Chat::Channel(c)) => c.access_hash.unwrap_or(0),
                Some(enums::Chat::ChannelForbidden(c)) => c.access_hash,
                _ => 0,
            };
            types::InputPeerChannel {
                channel_id,
                access_hash,
            }
            .into()
        }
    }
}

fn splits(c: &mut Client) -> Vec<(i32, i32)> {
    let ranges = c
        .tcall(None, functions::messages::GetSplitRanges {})
        .unwrap();
    let mut out: Vec<(i32, i32)> = ranges.iter().map(range_bounds).collect();
    if out.is_empty() {
        out.push((1, i32::MAX));
    }
    out
}

fn dialogs_request(
    limit: i32,
    offset: (i32, i32, enums::InputPeer),
) -> functions::messages::GetDialogs {
    functions::messages::GetDialogs {
        exclude_pinned: false,
        folder_id: None,
        offset_date: offset.0,
        offset_id: offset.1,
        offset_peer: offset.2,
        limit,
        hash: 0,
    }
}

/// docs/takeout.md#dialogs: the count probes and the dialog list per split, newest split
/// first. Returns each dialog's split indices and the summed probe counts.
fn dialog_list(
    c: &mut Client,
    ranges: &[(i32, i32)],
    limit: i32,
) -> (BTreeMap<PeerKey, BTreeSet<usize>>, usize) {
    let idx = c.d.clone();
    let idx = idx.index();
    let mut found: BTreeMap<PeerKey, BTreeSet<usize>> = BTreeMap::new();
    let mut probe_total = 0;
    for (split, &range) in ranges.iter().enumerate().rev() {
        let probe = c
            .tcall(
                Some(range),
                dialogs_request(1, (0, 0, enums::InputPeer::Empty)),
            )
            .unwrap();
        probe_total += match probe {
            enums::messages::Dialogs::Dialogs(d) => d.dialogs.len(),
            enums::messages::Dialogs::Slice(d) => d.count as usize,
            enums::messages::Dialogs::NotModified(_) => panic!("not modified"),
        };
        let mut offset = (0, 0, enums::InputPeer::Empty);
        loop {
            let answer = c
                .tcall(Some(range), dialogs_request(limit, offset.clone()))
                .unwrap();
            let (dialogs, messages, last_page) = match answer {
                enums::messages::Dialogs::Dialogs(d) => (d.dialogs, d.messages, true),
                enums::messages::Dialogs::Slice(d) => (d.dialogs, d.messages, false),
                enums::messages::Dialogs::NotModified(_) => panic!("not modified"),
            };
            if dialogs.is_empty() {
                break;
            }
            let mut last = None;
            for d in &dialogs {
                let enums::Dialog::Dialog(d) = d else {
                    continue;
                };
                let key = PeerKey::from_peer(&d.peer);
                assert!(
                    found.entry(key).or_default().insert(split),
                    "{key} twice in split {split}"
                );
                last = Some((key, d.top_message));
            }
            if last_page {
                break;
            }
            let (key, top) = last.unwrap();
            let date = messages
                .iter()
                .find(|m| {
                    tg_mock_server::world::message_peer(m) == Some(key) && message_id(m) == top
                })
                .map(tg_mock_server::world::message_date)
                .unwrap();
            if date == 0 {
                break;
            }
            offset = (date, top, input_peer(idx, key));
        }
    }
    (found, probe_total)
}

fn history_request(
    peer: enums::InputPeer,
    offset_id: i32,
    add_offset: i32,
    limit: i32,
) -> functions::messages::GetHistory {
    functions::messages::GetHistory {
        peer,
        offset_id,
        offset_date: 0,
        add_offset,
        limit,
        max_id: 0,
        min_id: 0,
        hash: 0,
    }
}

fn unpack(m: enums::messages::Messages) -> (Vec<enums::Message>, Option<usize>) {
    match m {
        enums::messages::Messages::Messages(m) => (m.messages, None),
        enums::messages::Messages::Slice(m) => (m.messages, Some(m.count as usize)),
        enums::messages::Messages::ChannelMessages(m) => (m.messages, Some(m.count as usize)),
        enums::messages::Messages::NotModified(_) => panic!("not modified"),
    }
}

/// docs/takeout.md#history (or docs/takeout.md#only-my-messages with `only_mine`): every message of one dialog over its
/// splits, oldest first, and the sum of the per-split count probes.
fn fetch_history(
    c: &mut Client,
    peer: enums::InputPeer,
    ranges: Vec<(i32, i32)>,
    limit: i32,
    only_mine: bool,
) -> (Vec<i32>, usize) {
    let call = |c: &mut Client, range, offset_id, add_offset, limit| {
        let r = history_request(peer.clone(), offset_id, add_offset, limit);
        if only_mine {
            let s = functions::messages::Search {
                peer: r.peer,
                q: String::new(),
                from_id: Some(enums::InputPeer::InputPeerSelf),
                filter: enums::MessagesFilter::InputMessagesFilterEmpty,
                offset_id,
                add_offset,
                limit,
                ..Default::default()
            };
            c.tcall(Some(range), s)
        } else {
            c.tcall(Some(range), r)
        }
    };
    let mut ids = Vec::new();
    let mut total = 0;
    for range in ranges {
        let (probe, count) = unpack(call(c, range, 0, 0, 1).unwrap());
        let count = count.unwrap_or(probe.len());
        total += count;
        if count == 0 {
            continue;
        }
        let mut largest_plus_one = 1;
        loop {
            let (mut page, count) =
                unpack(call(c, range, largest_plus_one, -limit, limit).unwrap());
            if page.is_empty() {
                break;
            }
            page.reverse();
            ids.extend(page.iter().map(message_id));
            largest_plus_one = message_id(page.last().unwrap()) + 1;
            if count.is_none() {
                break;
            }
        }
    }
    (ids, total)
}

fn world_ids(idx: &Index, key: PeerKey, only_mine: bool) -> Vec<i32> {
    let me = idx.world().self_id;
    idx.history(key)
        .iter()
        .map(|&i| idx.messages().get(i).unwrap())
        .filter(|m| !only_mine || message_is_from(m, me))
        .map(|m| message_id(&m))
        .collect()
}

fn expected_splits(idx: &Index, ranges: &[(i32, i32)], key: PeerKey) -> BTreeSet<usize> {
    if !key.in_common_box() {
        return BTreeSet::from([ranges.len() - 1]);
    }
    let ids = world_ids(idx, key, false);
    (0..ranges.len())
        .filter(|&i| {
            ids.iter()
                .any(|&id| (ranges[i].0..=ranges[i].1).contains(&id))
        })
        .collect()
}

proptest! {
    #[test]
    fn export_paging_sees_every_dialog_and_message_once(
        seed in any::<u64>(),
        messages in 20usize..260,
        dialogs in 1usize..14,
        range_size in 0i32..90,
        dialog_limit in 1i32..=100,
        history_limit in 1i32..=100,
    ) {
        let cfg = GenerateConfig { seed, messages, dialogs, files: 5, range_size, ..GenerateConfig::default() };
        let d = generated(&cfg);
        let idx = d.index();
        let mut c = Client::new(&d, cfg.home_dc);
        c.start_takeout();
        let ranges = splits(&mut c);
        let (found, probe_total) = dialog_list(&mut c, &ranges, dialog_limit);

        // Every dialog with messages, exactly in the splits holding them.
        let mut expected_total = 0;
        for &(key, _) in &idx.dialogs {
            let want = expected_splits(idx, &ranges, key);
            expected_total += want.len();
            let got = found.get(&key).cloned().unwrap_or_default();
            prop_assert_eq!(&got, &want, "{}", key);
        }
        prop_assert_eq!(probe_total, expected_total);

        for (&key, split_set) in &found {
            let peer_ranges: Vec<(i32, i32)> = split_set.iter().map(|&i| ranges[i]).collect();
            let readable = !matches!(idx.chat(key), Some(enums::Chat::Channel(ch)) if ch.left && ch.username.is_none());
            let (ids, total) = fetch_history(&mut c, input_peer(idx, key), peer_ranges.clone(), history_limit, !readable);
            let want = world_ids(idx, key, !readable);
            prop_assert_eq!(total, want.len(), "{}", key);
            prop_assert_eq!(ids, want, "{}", key);
        }

        // Left channels: only-my-messages search over the last split.
        let last = vec![*ranges.last().unwrap()];
        for &pos in &idx.left_channels {
            let key = tg_mock_server::world::chat_key(&idx.world().chats[pos]).unwrap();
            let (ids, total) = fetch_history(&mut c, input_peer(idx, key), last.clone(), history_limit, true);
            let want = world_ids(idx, key, true);
            prop_assert_eq!(total, want.len());
            prop_assert_eq!(ids, want);
        }
    }

    #[test]
    fn left_channels_page_by_offset(seed in any::<u64>(), left in 0usize..9, page in 1usize..5) {
        let cfg = GenerateConfig { seed, messages: 40, dialogs: 4, left_channels: left, ..GenerateConfig::default() };
        let d = common::dispatcher(generate(&cfg), page);
        let mut c = Client::new(&d, cfg.home_dc);
        c.start_takeout();
        let mut got = Vec::new();
        loop {
            let offset = got.len() as i32;
            match c.tcall(None, functions::channels::GetLeftChannels { offset }).unwrap() {
                enums::messages::Chats::Chats(ch) => { got.extend(ch.chats); break; }
                enums::messages::Chats::Slice(ch) => {
                    prop_assert_eq!(ch.count as usize, left);
                    if ch.chats.is_empty() { break; }
                    got.extend(ch.chats);
                }
            }
        }
        let want: Vec<enums::Chat> = d.index().left_channels.iter().map(|&i| d.index().world().chats[i].clone()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn top_peers_photos_and_stories_page(seed in any::<u64>(), dialogs in 1usize..20, limit in 1i32..6) {
        let cfg = GenerateConfig { seed, messages: 30, dialogs, ..GenerateConfig::default() };
        let d = generated(&cfg);
        let world = d.index().world();
        let mut c = Client::new(&d, cfg.home_dc);
        c.start_takeout();

        // docs/takeout.md#sections top peers: offset = the longest category so far.
        let mut got: BTreeMap<String, Vec<enums::TopPeer>> = BTreeMap::new();
        let mut offset = 0;
        loop {
            let req = functions::contacts::GetTopPeers { correspondents: true, bots_inline: true, phone_calls: true, offset, limit, ..Default::default() };
            let enums::contacts::TopPeers::TopPeers(t) = c.tcall(None, req).unwrap() else { panic!("disabled") };
            let mut done = true;
            let mut longest = 0;
            for cat in t.categories {
                let enums::TopPeerCategoryPeers::TopPeerCategoryPeers(cat) = cat;
                done &= offset as usize + cat.peers.len() >= cat.count as usize;
                longest = longest.max(cat.peers.len());
                got.entry(format!("{:?}", cat.category)).or_default().extend(cat.peers);
            }
            if done { break; }
            offset += longest as i32;
        }
        for cat in &world.top_peers {
            let enums::TopPeerCategoryPeers::TopPeerCategoryPeers(cat) = cat;
            prop_assert_eq!(got.get(&format!("{:?}", cat.category)).cloned().unwrap_or_default(), cat.peers.clone());
        }

        // docs/takeout.md#sections userpics: max_id = the last photo's id.
        let mut photos = Vec::new();
        let mut max_id = 0;
        loop {
            let req = functions::photos::GetUserPhotos { user_id: enums::InputUser::InputUserSelf, offset: 0, max_id, limit };
            let (page, last) = match c.tcall(None, req).unwrap() {
                enums::photos::Photos::Photos(p) => (p.photos, true),
                enums::photos::Photos::Slice(p) => (p.photos, false),
            };
            let empty = page.is_empty();
            if let Some(enums::Photo::Photo(p)) = page.last() { max_id = p.id; }
            photos.extend(page);
            if last || empty { break; }
        }
        let mut want = world.profile_photos.clone();
        want.sort_by_key(|p| match p { enums::Photo::Photo(p) => -p.id, _ => 0 });
        prop_assert_eq!(photos, want);

        // docs/takeout.md#sections stories: offset_id = the last story's id, until an empty page.
        let mut stories = Vec::new();
        let mut offset_id = 0;
        loop {
            let req = functions::stories::GetStoriesArchive { peer: enums::InputPeer::InputPeerSelf, offset_id, limit };
            let enums::stories::Stories::Stories(s) = c.tcall(None, req).unwrap();
            prop_assert_eq!(s.count as usize, world.stories.len());
            let Some(enums::StoryItem::StoryItem(last)) = s.stories.last() else { break };
            offset_id = last.id;
            stories.extend(s.stories);
        }
        prop_assert_eq!(stories.len(), world.stories.len());
        let descending = stories.windows(2).all(|w| match (&w[0], &w[1]) {
            (enums::StoryItem::StoryItem(a), enums::StoryItem::StoryItem(b)) => a.id > b.id,
            _ => false,
        });
        prop_assert!(descending);
    }
}

/// The export flow over the hand-written fixture (2 split ranges, a
/// migrated group, a left private channel).
#[test]
fn small_fixture_exports_completely() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    let world = tg_mock_server::fixture::load(&dir).unwrap();
    let d = common::dispatcher(world, 100);
    let idx = d.index();
    for limit in [1, 2, 3, 100] {
        let mut c = Client::new(&d, 2);
        c.auth.user_id = Some(idx.world().self_id);
        let enums::account::Takeout::Takeout(t) = c
            .call(&functions::account::InitTakeoutSession::default())
            .unwrap();
        c.takeout = Some(t.id);
        let ranges = splits(&mut c);
        assert_eq!(ranges, vec![(1, 10), (11, i32::MAX)]);
        let (found, _) = dialog_list(&mut c, &ranges, limit);
        assert_eq!(found.len(), idx.dialogs.len());
        // The basic group has messages on both sides of the split.
        assert_eq!(found[&PeerKey::Chat(3001)], BTreeSet::from([0, 1]));
        assert_eq!(found[&PeerKey::Channel(4001)], BTreeSet::from([1]));
        let mut total = 0;
        for (&key, split_set) in &found {
            let peer_ranges: Vec<(i32, i32)> = split_set.iter().map(|&i| ranges[i]).collect();
            let (ids, count) =
                fetch_history(&mut c, input_peer(idx, key), peer_ranges, limit, false);
            assert_eq!(ids, world_ids(idx, key, false), "{key}");
            assert_eq!(count, ids.len());
            total += ids.len();
        }
        let old = PeerKey::Channel(4003);
        let r = c.tcall(
            Some(ranges[1]),
            history_request(input_peer(idx, old), 0, 0, 1),
        );
        assert_eq!(r.unwrap_err().1, "CHANNEL_PRIVATE");
        let (mine, _) = fetch_history(&mut c, input_peer(idx, old), vec![ranges[1]], limit, true);
        assert_eq!(mine, vec![1]);
        assert_eq!(total + 2, idx.messages().len());
    }
}

#[test]
fn history_counts_and_windows_match_telegram() {
    // Hand-checked windows on a fixed world: newest first, add_offset and
    // max_id/min_id as Telegram applies them.
    let cfg = GenerateConfig {
        seed: 9,
        messages: 120,
        dialogs: 3,
        range_size: 0,
        left_channels: 0,
        ..GenerateConfig::default()
    };
    let d = generated(&cfg);
    let idx = d.index();
    let &(key, _) = idx
        .dialogs
        .iter()
        .find(|(k, _)| k.in_common_box() && world_ids(idx, *k, false).len() >= 10)
        .unwrap();
    let ids = world_ids(idx, key, false);
    let mut c = Client::new(&d, cfg.home_dc);
    c.login();
    let peer = input_peer(idx, key);
    let get = |c: &mut Client, offset_id, add_offset, limit, max_id, min_id| {
        let r = functions::messages::GetHistory {
            peer: peer.clone(),
            offset_id,
            offset_date: 0,
            add_offset,
            limit,
            max_id,
            min_id,
            hash: 0,
        };
        let (page, count) = unpack(c.call(&r).unwrap());
        (page.iter().map(message_id).collect::<Vec<_>>(), count)
    };
    let n = ids.len();
    let newest: Vec<i32> = ids.iter().rev().copied().collect();
    assert_eq!(get(&mut c, 0, 0, 3, 0, 0), (newest[..3].to_vec(), Some(n)));
    assert_eq!(get(&mut c, 0, 0, 1000, 0, 0), (newest.clone(), None));
    // Older than ids[5]: ids[4], ids[3]...
    assert_eq!(get(&mut c, ids[5], 0, 2, 0, 0).0, vec![ids[4], ids[3]]);
    // add_offset -2 from ids[5]: the two messages at and above ids[5]... newer ones.
    assert_eq!(get(&mut c, ids[5], -2, 2, 0, 0).0, vec![ids[6], ids[5]]);
    // max_id/min_id are exclusive and change the count.
    let (page, count) = get(&mut c, 0, 0, 100, ids[5], ids[1]);
    assert_eq!(page, vec![ids[4], ids[3], ids[2]]);
    assert_eq!(count, None);
    assert_eq!(get(&mut c, 0, 0, 2, ids[5], ids[1]).1, Some(3));
    // Limit 0 is a pure count.
    assert_eq!(get(&mut c, 0, 0, 0, 0, 0), (vec![], Some(n)));
}
