use super::*;
use crate::takeout::plan::Settings;

fn entry(peer: PeerId, kind: DialogType, splits: Vec<i32>, to: Option<PeerId>) -> Entry {
    Entry {
        peer,
        input: enums::InputPeer::Empty,
        chat: ChatInfo {
            id: peer,
            name: String::new(),
            last_name: String::new(),
            dialog_type: kind,
            is_left: false,
            folder: String::new(),
        },
        splits,
        migrated_to: to,
    }
}

#[test]
fn migrated_groups_merge_with_negative_splits() {
    let plan = Settings::default().validate().unwrap();
    let group = PeerId::Channel(40);
    let entries = vec![
        entry(group, DialogType::PrivateSupergroup, vec![1], None),
        entry(
            PeerId::Chat(30),
            DialogType::PrivateGroup,
            vec![1, 0],
            Some(group),
        ),
        entry(PeerId::User(2), DialogType::Personal, vec![1, 0], None),
        entry(
            PeerId::Channel(50),
            DialogType::PublicChannel,
            vec![1],
            None,
        ),
    ];
    let dialogs = filter_and_merge(entries, &plan, 2);
    assert_eq!(dialogs.len(), 2, "channel filtered, basic group merged");
    assert_eq!(dialogs[0].chat.id, group);
    assert_eq!(dialogs[0].splits, vec![-2, -1, 1]);
    assert!(dialogs[0].migrated_from.is_some());
    assert!(dialogs[0].only_my, "private groups are not full by default");
    assert_eq!(dialogs[1].splits, vec![0, 1]);
    assert!(!dialogs[1].only_my);
}

#[test]
fn unmerged_migrated_group_needs_its_own_type() {
    let settings = Settings {
        sections: vec![Section::PublicGroups],
        full_chats: vec![],
        ..Settings::default()
    };
    let plan = settings.validate().unwrap();
    let entries = vec![entry(
        PeerId::Chat(30),
        DialogType::PrivateGroup,
        vec![0],
        Some(PeerId::Channel(99)),
    )];
    assert!(filter_and_merge(entries, &plan, 1).is_empty());
}

#[test]
fn single_chat_ids() {
    assert!(matches_id(PeerId::User(5), 5));
    assert!(matches_id(PeerId::Chat(5), -5));
    assert!(matches_id(PeerId::Channel(5), -1_000_000_000_005));
    assert!(matches_id(PeerId::Channel(5), 5));
    assert!(!matches_id(PeerId::User(5), -5));
}

fn listed(peer: PeerId) -> Listed {
    Listed {
        peer,
        input: enums::InputPeer::Empty,
        chat: entry(peer, DialogType::Personal, vec![], None).chat,
        migrated_to: None,
    }
}

#[test]
fn split_lists_merge_into_one_record_per_chat_in_first_seen_order() {
    let (a, b, c) = (PeerId::User(1), PeerId::Chat(2), PeerId::User(3));
    let mut merged = Merged::default();
    // Newest split first, as the lists are merged.
    merged.add(2, vec![listed(a), listed(b)]);
    merged.add(1, vec![listed(b), listed(c), listed(c)]);
    merged.add(0, vec![listed(a)]);
    let got: Vec<(PeerId, Vec<i32>)> = merged
        .entries
        .iter()
        .map(|e| (e.peer, e.splits.clone()))
        .collect();
    assert_eq!(got, vec![(a, vec![2, 0]), (b, vec![2, 1]), (c, vec![1])]);
    assert_eq!(merged.seen.len(), 3);
}

#[test]
fn split_lists_in_flight_grow_with_parallel_and_stay_bounded() {
    assert_eq!(lists_in_flight(0), LISTS_PER_PARALLEL);
    assert_eq!(lists_in_flight(1), LISTS_PER_PARALLEL);
    assert!(lists_in_flight(2) > lists_in_flight(1));
    assert_eq!(lists_in_flight(1000), MAX_LISTS);
}
