use super::gate::HEAD_RESERVE;
use super::*;
use tl::types;
use tokio::sync::Semaphore;

#[tokio::test]
async fn the_head_reads_on_when_the_others_hold_the_budget() {
    use std::time::Duration;
    use tokio::time::timeout;
    let wait = Duration::from_millis(20);
    // A budget of one full page.
    let budget = Arc::new(Semaphore::new(FULL_PAGE as usize));
    let (mut first, head) = Gate::new(budget.clone());
    let (mut second, _second) = Gate::new(budget.clone());
    let held = second.admit(FULL_PAGE).await.expect("the budget's page");
    assert!(timeout(wait, first.admit(1)).await.is_err(), "budget spent");
    head.promote();
    let mut own = Vec::new();
    for _ in 0..HEAD_RESERVE {
        own.push(first.admit(FULL_PAGE).await.expect("the head's reserve"));
    }
    assert!(
        timeout(wait, first.admit(1)).await.is_err(),
        "reserve spent"
    );
    own.pop();
    assert!(
        first.admit(FULL_PAGE).await.is_some(),
        "a page written, one more read"
    );
    drop(held);
    assert!(
        timeout(wait, second.admit(FULL_PAGE))
            .await
            .unwrap()
            .is_some()
    );
    // The writer gone: a waiting fetcher stops.
    let (mut orphan, head) = Gate::new(Arc::new(Semaphore::new(0)));
    drop(head);
    assert!(orphan.admit(1).await.is_none());
}

/// Pages of a message or two weigh little: the head may have many of them
/// read ahead where it may have [`HEAD_RESERVE`] full ones, and a permit
/// taken for a full page gives back what a small page does not need.
#[tokio::test]
async fn small_pages_weigh_their_messages() {
    use super::gate::{MIN_WEIGHT, settle, weight};
    use std::time::Duration;
    use tokio::time::timeout;
    assert_eq!(
        (weight(0), weight(1), weight(7), weight(100), weight(5000)),
        (MIN_WEIGHT, MIN_WEIGHT, 7, FULL_PAGE, FULL_PAGE)
    );
    let wait = Duration::from_millis(20);
    let (mut gate, head) = Gate::new(Arc::new(Semaphore::new(0)));
    head.promote();
    let small = HEAD_RESERVE * FULL_PAGE as usize / MIN_WEIGHT as usize;
    let mut own = Vec::new();
    for _ in 0..small {
        own.push(gate.admit(weight(1)).await.expect("a small page"));
    }
    assert!(
        timeout(wait, gate.admit(weight(1))).await.is_err(),
        "reserve spent"
    );
    own.clear();
    // A full page's permit, settled for a page of 2 messages, leaves room
    // for the rest of the reserve's small pages.
    let mut permit = gate.admit(FULL_PAGE).await.expect("a full page");
    settle(&mut permit, 2);
    assert_eq!(permit.num_permits(), MIN_WEIGHT as usize);
    for _ in 1..small {
        own.push(gate.admit(weight(2)).await.expect("a small page"));
    }
    assert!(
        timeout(wait, gate.admit(weight(1))).await.is_err(),
        "reserve spent"
    );
    drop(permit);
    assert!(gate.admit(weight(1)).await.is_some());
}

#[test]
fn dates_are_half_open() {
    let d = Dates {
        from: Some(10),
        till: Some(20),
    };
    assert!(!d.contains(9) && d.contains(10) && d.contains(19) && !d.contains(20));
    assert!(Dates::default().contains(0));
}

#[test]
fn page_parts_of_each_kind() {
    let m: enums::Message = types::Message {
        id: 7,
        date: 70,
        ..Default::default()
    }
    .into();
    let full: enums::messages::Messages = types::messages::Messages {
        messages: vec![m.clone()],
        ..Default::default()
    }
    .into();
    assert_eq!(page_parts(&full).1, 1);
    assert!(page_parts(&full).2);
    let slice: enums::messages::Messages = types::messages::MessagesSlice {
        count: 50,
        messages: vec![m.clone()],
        ..Default::default()
    }
    .into();
    assert_eq!((page_parts(&slice).1, page_parts(&slice).2), (50, false));
    assert_eq!(id_date(&m), (7, Some(70)));
}

#[test]
fn the_hold_keeps_first_pages_up_to_its_limit_in_order() {
    use super::start::Hold;
    let mut hold = Hold::new(250, 3);
    // Three asked, the fourth waits for an answer.
    assert!(hold.ask() && hold.ask() && hold.ask());
    assert!(!hold.ask(), "the window is full");
    assert!(hold.answered(100), "kept: 100 of 250");
    assert!(hold.ask(), "an answer frees a place");
    assert!(hold.answered(0), "an empty split keeps nothing");
    assert!(hold.answered(100), "kept: 200");
    assert_eq!(hold.held(), 200);
    assert!(hold.ask());
    // One page may tip it over; then the hold is full.
    assert!(hold.answered(100));
    assert_eq!(hold.held(), 300);
    assert!(
        !hold.answered(7),
        "full: the answers in flight keep only counts"
    );
    assert!(!hold.ask(), "full: no more first pages");
    assert!(!hold.answered(1));
    assert_eq!(hold.held(), 300);
}

#[test]
fn a_window_of_zero_still_asks_one_at_a_time() {
    use super::start::Hold;
    let mut hold = Hold::new(10, 0);
    assert!(hold.ask());
    assert!(!hold.ask());
    assert!(hold.answered(1));
    assert!(hold.ask());
}

#[test]
fn a_page_header_says_what_the_decoded_page_does() {
    use super::page::header;
    use tl::Serializable as _;
    let m = |id: i32| -> enums::Message {
        types::Message {
            id,
            date: 70,
            message: "x".repeat(id as usize),
            ..Default::default()
        }
        .into()
    };
    let user: enums::User = types::User {
        id: 5,
        ..Default::default()
    }
    .into();
    let pages: Vec<enums::messages::Messages> = vec![
        types::messages::Messages {
            messages: vec![m(1), m(2)],
            users: vec![user.clone()],
            ..Default::default()
        }
        .into(),
        types::messages::MessagesSlice {
            count: 50,
            messages: vec![m(3)],
            ..Default::default()
        }
        .into(),
        // Every optional field of the header present.
        types::messages::MessagesSlice {
            inexact: true,
            count: 51,
            next_rate: Some(9),
            offset_id_offset: Some(4),
            search_flood: Some(
                types::SearchPostsFlood {
                    query_is_free: true,
                    total_daily: 10,
                    remains: 3,
                    wait_till: Some(99),
                    stars_amount: 7,
                }
                .into(),
            ),
            messages: vec![m(4), m(5), m(6)],
            users: vec![user.clone()],
            ..Default::default()
        }
        .into(),
        types::messages::ChannelMessages {
            pts: 8,
            count: 70,
            offset_id_offset: Some(2),
            messages: vec![m(7)],
            ..Default::default()
        }
        .into(),
        types::messages::ChannelMessages {
            count: 0,
            ..Default::default()
        }
        .into(),
        types::messages::MessagesNotModified { count: 3 }.into(),
    ];
    for page in &pages {
        let (messages, count, complete) = page_parts(page);
        let bytes = page.to_bytes();
        assert_eq!(
            header(&bytes),
            Some((count, messages.len(), complete)),
            "{page:?}"
        );
        assert!(header(&bytes[..4]).is_none(), "cut short: {page:?}");
    }
    // Messages that do not decode leave the header readable.
    // (id, flags, count, then the vector's id and length: the message's
    // constructor at 20).
    let mut bad = pages[1].to_bytes();
    bad[20..24].copy_from_slice(&0xdead_beef_u32.to_le_bytes());
    assert!(super::page::decode(&bad).is_err());
    assert_eq!(header(&bad), Some((50, 1, false)));
    // Not a page at all.
    assert_eq!(header(&0xdead_beef_u32.to_le_bytes()), None);
    assert_eq!(header(&[]), None);
}

/// Every history request's future is moved into the fetcher's queue of
/// first pages: it stays small (the connection setup and the rare retry
/// paths it may await are boxed, `client/src/client/mod.rs`; before, some
/// 6 KB were moved and allocated per request).
#[test]
fn a_history_request_future_stays_small() {
    fn size4<'a, A: 'a, B, C, D: 'a, Fut>(_: impl FnOnce(&'a A, B, C, &'a D) -> Fut) -> usize {
        std::mem::size_of::<Fut>()
    }
    fn size2<'a, A: 'a, B: 'a, Fut>(_: impl FnOnce(&'a A, &'a B) -> Fut) -> usize {
        std::mem::size_of::<Fut>()
    }
    type Wrapped = tl::functions::InvokeWithTakeout<
        tl::functions::InvokeWithMessagesRange<AsBytes<super::page::HistoryCall>>,
    >;
    let invoke = size2(crate::Client::invoke::<Wrapped>);
    let first = size4(super::start::first);
    assert!(invoke <= 1024, "Client::invoke's future: {invoke} bytes");
    assert!(first <= 3072, "a first page's future: {first} bytes");
}
