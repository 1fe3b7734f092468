use super::*;

/// A chat's messages for the model server: ids ascending, dates = ids * 10,
/// some of them bad.
struct Chat {
    ids: Vec<i32>,
    bad: Vec<i32>,
}

impl Chat {
    /// What a Telegram history request answers: the ids of the window, or
    /// the decode error of the first bad message in it.
    fn serve(&self, ask: &Ask) -> Result<Vec<i32>, String> {
        let n = self.ids.len() as i64;
        // Newest-first position of the first message older than the offset.
        let pos = if ask.offset_date != 0 {
            self.ids
                .iter()
                .rev()
                .position(|&id| id * 10 < ask.offset_date)
                .map_or(n, |p| p as i64)
        } else if ask.offset_id == 0 {
            0
        } else {
            self.ids.iter().filter(|&&id| id >= ask.offset_id).count() as i64
        };
        // The window is clamped to the list after it is placed (as the
        // mock server does, `services/history.rs` `window`).
        let from = pos + i64::from(ask.add_offset);
        let (start, end) = (from.clamp(0, n), (from + i64::from(ask.limit)).clamp(0, n));
        let window: Vec<i32> = (start..end)
            .map(|j| self.ids[(n - 1 - j) as usize])
            .collect();
        match window.iter().find(|id| self.bad.contains(id)) {
            Some(id) => Err(format!("bad {id}")),
            None => Ok(window),
        }
    }
}

/// Runs an isolation of the page at `offset_id` (limit 100) to its end:
/// the pages it read, what it found, and the requests it sent.
fn isolate(chat: &Chat, offset_id: i32, offset_date: i32, budget: u32) -> (Vec<i32>, Next, u32) {
    let mut iso = Isolation::new(offset_id, offset_date, 100, i32::MAX - 1, budget);
    let mut read = Vec::new();
    let mut next = iso.start();
    let mut sent = 0;
    for _ in 0..10_000 {
        let Next::Send(ask) = next else { break };
        sent += 1;
        let answer = chat.serve(&ask);
        next = match &answer {
            Ok(ids) => {
                if ask.page {
                    let mut ids = ids.clone();
                    ids.sort_unstable();
                    read.extend(ids);
                }
                iso.answer(Reply::Decoded(ids))
            }
            Err(e) => iso.answer(Reply::Undecodable(e)),
        };
    }
    (read, next, sent)
}

/// `ids` with gaps: every third id is another chat's.
fn gappy(n: i32) -> Vec<i32> {
    (1..=n * 3 / 2).filter(|i| i % 3 != 0).collect()
}

#[test]
fn one_bad_message_is_found_exactly_wherever_it_is() {
    let ids = gappy(150);
    for at in [0, 1, 37, 50, 98, 99] {
        let bad = ids[at];
        let chat = Chat {
            ids: ids.clone(),
            bad: vec![bad],
        };
        let (read, next, sent) = isolate(&chat, 1, 0, 200);
        let Next::Found { bad: found, resume } = next else {
            panic!("at {at}: {next:?}")
        };
        assert_eq!(found, vec![(bad, format!("bad {bad}"))], "at {at}");
        assert!(resume > bad && !ids.iter().any(|&i| i > bad && i < resume));
        let before: Vec<i32> = ids.iter().copied().filter(|&i| i < bad).collect();
        assert_eq!(
            read, before,
            "at {at}: every message before it, once, in order"
        );
        assert!(sent <= 20, "at {at}: {sent} requests");
    }
}

#[test]
fn runs_of_bad_messages_and_the_end_of_the_chat() {
    let ids = gappy(60);
    let cases: Vec<Vec<i32>> = vec![
        vec![ids[10], ids[11], ids[12]],
        vec![ids[57], ids[58], ids[59]],
        vec![ids[59]],
        vec![ids[0], ids[1]],
    ];
    for bad in cases {
        let chat = Chat {
            ids: ids.clone(),
            bad: bad.clone(),
        };
        let (read, next, sent) = isolate(&chat, 1, 0, 300);
        let Next::Found { bad: found, resume } = next else {
            panic!("{bad:?}: {next:?}")
        };
        let found: Vec<i32> = found.into_iter().map(|(id, _)| id).collect();
        assert_eq!(found, bad);
        assert_eq!(resume, bad[bad.len() - 1] + 1);
        let before: Vec<i32> = ids.iter().copied().filter(|&i| i < bad[0]).collect();
        assert_eq!(read, before);
        assert!(sent <= 80, "{bad:?}: {sent} requests");
    }
}

#[test]
fn a_date_start_is_turned_into_an_id_first() {
    let ids = gappy(300);
    let bad = ids[140];
    let chat = Chat {
        ids: ids.clone(),
        bad: vec![bad],
    };
    // The page at the date of ids[100] (the date probe answers ids[99]).
    let (read, next, _) = isolate(&chat, 0, ids[100] * 10, 200);
    assert_eq!(
        next,
        Next::Found {
            bad: vec![(bad, format!("bad {bad}"))],
            resume: bad + 1
        }
    );
    assert_eq!(read, ids[100..140].to_vec());
}

#[test]
fn the_budget_and_contradictions_end_it_cleanly() {
    let ids = gappy(200);
    // Everything bad: halving, then a run, all within the budget.
    let chat = Chat {
        ids: ids.clone(),
        bad: ids.clone(),
    };
    let (read, next, sent) = isolate(&chat, 1, 0, 30);
    assert!(read.is_empty());
    assert!(matches!(next, Next::GiveUp(_)), "{next:?}");
    assert!(sent <= 30);
    // A generous budget still stops at the longest run looked for.
    let (_, next, sent) = isolate(&chat, 1, 0, 10_000);
    let Next::GiveUp(reason) = next else {
        panic!("{next:?}")
    };
    assert!(reason.contains("in a row"), "{reason}");
    assert!(sent <= 80);
    // A page that decodes when asked again: nothing is bad.
    let fine = Chat {
        ids: ids.clone(),
        bad: Vec::new(),
    };
    let (read, next, _) = isolate(&fine, 1, 0, 100);
    assert_eq!(read, ids[..100].to_vec());
    assert_eq!(
        next,
        Next::Found {
            bad: Vec::new(),
            resume: ids[99] + 1
        }
    );
    // An answer with no request is refused, not a panic.
    let mut iso = Isolation::new(1, 0, 100, 10, 5);
    assert!(matches!(iso.answer(Reply::Decoded(&[])), Next::GiveUp(_)));
}

#[test]
fn random_chats_every_good_message_once_every_bad_one_found() {
    let mut rng = tl::splitmix::SplitMix64::new(7);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64u32);
    for case in 0..cases {
        let n = 1 + (rng.next_u64() % 250) as i32;
        let mut ids = Vec::new();
        let mut id = 1 + (rng.next_u64() % 5) as i32;
        for _ in 0..n {
            ids.push(id);
            id += 1 + (rng.next_u64() % 4) as i32;
        }
        let bad: Vec<i32> = ids
            .iter()
            .copied()
            .filter(|_| rng.next_u64() % 20 == 0)
            .collect();
        let chat = Chat {
            ids: ids.clone(),
            bad: bad.clone(),
        };
        // Page through as `history.rs` does: normal pages, isolating each
        // one that fails.
        let (mut read, mut found, mut from, mut sent) = (Vec::new(), Vec::new(), 1, 0);
        for _ in 0..1000 {
            let page = chat.serve(&Ask::window(from, 0, 100, true));
            sent += 1;
            match page {
                Ok(page) if page.is_empty() => break,
                Ok(mut page) => {
                    page.sort_unstable();
                    from = page[page.len() - 1] + 1;
                    read.extend(page);
                }
                Err(_) => {
                    let (more, next, n) = isolate(&chat, from, 0, 1000);
                    sent += n;
                    read.extend(more);
                    match next {
                        Next::Found { bad, resume } => {
                            found.extend(bad.into_iter().map(|(id, _)| id));
                            from = resume;
                        }
                        Next::End => break,
                        other => panic!("case {case}: {other:?}"),
                    }
                }
            }
        }
        let good: Vec<i32> = ids.iter().copied().filter(|i| !bad.contains(i)).collect();
        assert_eq!(read, good, "case {case}");
        assert_eq!(found, bad, "case {case}");
        // Per bad message: the halving (7 failed and 7 read windows), a
        // look past it and a short search; a bad last message is searched
        // for up to the largest id (31 steps).
        let at_end = if bad.last() == ids.last() { 32 } else { 0 };
        let bound = n as u32 / 100 + 3 + bad.len() as u32 * 22 + at_end;
        assert!(sent <= bound, "case {case}: {sent} > {bound}");
    }
}
