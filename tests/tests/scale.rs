//! Scale: an account with many split ranges and many dialogs costs the
//! exporter calls in proportion to the work (history pages and dialog-list
//! pages; the first page of a split is its count probe), not to chats ×
//! ranges; and the progress totals count chats, not chat ×
//! range pairs (docs/takeout.md#dialogs).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tg_mock_server::World;
use tg_mock_server::world::{PeerKey, message_id, message_peer, range_bounds};
use tg_takeout::takeout::ProgressEvent;

use crate::export::{expected_chats, expected_generated_messages, messages_in};
use crate::harness::{Server, everything, export, options, out_dir, tree};

/// Calls besides pages and probes: login leftovers, the takeout session,
/// the split ranges, left channels, the other sections, custom emoji.
const OTHER_CALLS: u64 = 100;

/// The messages of `world` per (peer, index of the split range) as the
/// history in a range sees them: common-box peers by the range holding
/// the id, channels (whose ids the ranges do not divide) in the last one.
fn messages_per_pair(world: &World) -> BTreeMap<(PeerKey, usize), u64> {
    let bounds: Vec<(i32, i32)> = world.split_ranges.iter().map(range_bounds).collect();
    let last = bounds.len().saturating_sub(1);
    let mut pairs = BTreeMap::new();
    for m in &world.messages {
        let m = &m;
        let Some(peer) = message_peer(m) else {
            continue;
        };
        let range = if peer.in_common_box() {
            let id = message_id(m);
            bounds
                .iter()
                .position(|&(lo, hi)| (lo..=hi).contains(&id))
                .unwrap_or(last)
        } else {
            last
        };
        *pairs.entry((peer, range)).or_insert(0) += 1;
    }
    pairs
}

/// Messages of first pages one chat keeps while its splits are counted
/// (`HOLD` in client/src/takeout/history/start.rs) and first pages in
/// flight per chat (`FIRST_AT_ONCE`): a chat with more messages may probe
/// its remaining splits and ask again for the pages in flight.
const HOLD: u64 = 1_000;
const FIRST_AT_ONCE: u64 = 16;

/// The calls an export of every section of `world` may make at most with
/// no date range: per (chat, range) pair with messages its history pages
/// (one more where a full last page cannot tell it is the last; a first
/// page is the split's count, no probe), per chat that can fill the hold
/// a probe per pair and [`FIRST_AT_ONCE`] pages asked again, per
/// range its dialog-list pages, and [`OTHER_CALLS`].
fn call_budget(world: &World) -> (u64, usize) {
    let pairs = messages_per_pair(world);
    let history: u64 = pairs
        .values()
        .map(|&n| n.div_ceil(100) + u64::from(n > 100))
        .sum();
    let mut per_peer: BTreeMap<PeerKey, (u64, u64)> = BTreeMap::new();
    for (&(peer, _), &n) in &pairs {
        let e = per_peer.entry(peer).or_default();
        *e = (e.0 + n, e.1 + 1);
    }
    // A chat is one peer, or a supergroup and the basic group it was
    // migrated from (whose channel side is one pair): one of them holds
    // half of a full hold.
    let probes: u64 = per_peer
        .values()
        .filter(|&&(messages, _)| messages >= HOLD / 2)
        .map(|&(_, pairs)| pairs + FIRST_AT_ONCE + 1)
        .sum();
    let mut per_range: BTreeMap<usize, BTreeSet<PeerKey>> = BTreeMap::new();
    for &(peer, range) in pairs.keys() {
        per_range.entry(range).or_default().insert(peer);
    }
    // A page more per range: the last page may come back full.
    let dialog_pages: u64 = per_range
        .values()
        .map(|peers| peers.len() as u64 / 100 + 1)
        .sum();
    (history + probes + dialog_pages + OTHER_CALLS, pairs.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_ranges_and_dialogs_cost_pages_only() {
    let config = tg_mock_server::GenerateConfig {
        seed: 16,
        dialogs: 400,
        messages: 20_000,
        files: 0,
        range_size: 40,
        ..tg_mock_server::GenerateConfig::default()
    };
    let world = tg_mock_server::generate(&config);
    let ranges = world.split_ranges.len();
    assert!(ranges >= 450, "{ranges} split ranges");
    let (budget, pairs) = call_budget(&world);
    // The shape this test is about: far fewer pairs than chats × ranges.
    assert!(pairs * 10 < 400 * ranges, "{pairs} pairs");

    let server = Server::start(world.clone()).await;
    server.reset();
    let (_tmp, out) = out_dir();
    let (result, events) = export(&server, everything(&out, 4), &options()).await;
    let report = result.expect("export");
    let stats = server.api.inner().dispatcher().stats();
    let files = tree(&out);
    let result: Value = serde_json::from_slice(&files["result.json"]).unwrap();
    assert_eq!(messages_in(&result), expected_generated_messages(&world));
    assert!(
        stats.total <= budget,
        "{} calls for a budget of {budget} ({pairs} chat × range pairs, {ranges} ranges): {:?}",
        stats.total,
        stats
            .methods
            .iter()
            .map(|(m, s)| (m.as_str(), s.calls))
            .collect::<Vec<_>>()
    );

    // Progress: every total is the number of chats written.
    let chats = expected_chats(&world) as u64;
    assert_eq!(report.chats, chats);
    let counted: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::DialogsCounted { total } => Some(*total),
            _ => None,
        })
        .collect();
    assert_eq!(counted, vec![chats], "dialogs_counted");
    let started: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::ChatStarted { index, total, .. } => Some((*index, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(started.len() as u64, chats);
    for (i, &(index, total)) in started.iter().enumerate() {
        assert_eq!((index, total), (i as u64 + 1, chats), "chat_started");
    }
}
