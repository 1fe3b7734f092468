//! The start steps (docs/takeout.md#start-steps): right after
//! `account.initTakeoutSession`, UserpicsCount (`photos.getUserPhotos`,
//! `limit=0`) and StoriesCount (`stories.getStoriesArchive`, `limit=0`),
//! each only when its section is selected, in that order and wrapped in the
//! takeout, then the split ranges; their counts are the sections' progress
//! totals.

use tg_takeout::takeout::{ProgressEvent, Section};

use crate::harness::{Call, Server, everything, export, options, out_dir};
use crate::util::small_world;

/// The methods called after `account.initTakeoutSession`, up to and
/// including `messages.getSplitRanges`, each checked to be in the takeout.
fn start(calls: &[Call]) -> Vec<String> {
    let init = calls
        .iter()
        .position(|c| c.0 == "account.initTakeoutSession")
        .expect("initTakeoutSession");
    let mut out = Vec::new();
    for (method, wrappers, error) in &calls[init + 1..] {
        assert!(
            wrappers.contains(&"invokeWithTakeout"),
            "{method} {wrappers:?}"
        );
        assert_eq!(error, &None, "{method}");
        out.push(method.clone());
        if method == "messages.getSplitRanges" {
            break;
        }
    }
    out
}

/// `(name, total)` of every `SectionCounted` event, and whether they all
/// came before the first `Section` event.
fn counted(events: &[ProgressEvent]) -> (Vec<(String, u64)>, bool) {
    let mut first_section = None;
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            ProgressEvent::SectionCounted { name, total } => {
                out.push((name.clone(), *total));
            }
            ProgressEvent::Section { .. } if first_section.is_none() => first_section = Some(i),
            _ => {}
        }
    }
    let before = events.iter().enumerate().all(|(i, e)| {
        !matches!(e, ProgressEvent::SectionCounted { .. }) || first_section.is_none_or(|f| i < f)
    });
    (out, before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userpics_and_stories_are_counted_first_in_order() {
    let world = small_world();
    let (photos, stories) = (world.profile_photos.len(), world.stories.len());
    assert!(photos > 0 && stories > 0, "the fixture has both");
    let server = Server::start(world).await;
    server.reset();
    let (_tmp, out) = out_dir();
    let (result, events) = export(&server, everything(&out, 4), &options()).await;
    result.expect("the export succeeds");
    assert_eq!(
        start(&server.calls()),
        [
            "photos.getUserPhotos",
            "stories.getStoriesArchive",
            "messages.getSplitRanges",
        ]
    );
    let (totals, before) = counted(&events);
    assert_eq!(
        totals,
        [
            ("profile_pictures".to_owned(), photos as u64),
            ("stories".to_owned(), stories as u64),
        ]
    );
    assert!(before, "the counts come before the first section");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_selected_sections_are_counted() {
    let world = small_world();
    let stories = world.stories.len() as u64;
    let server = Server::start(world).await;
    let chats = Section::ALL.into_iter().filter(|s| s.is_chat());
    let cases = [
        (
            chats.clone().collect::<Vec<_>>(),
            vec![],
            vec!["messages.getSplitRanges"],
        ),
        (
            chats.chain([Section::Stories]).collect(),
            vec![("stories".to_owned(), stories)],
            vec!["stories.getStoriesArchive", "messages.getSplitRanges"],
        ),
    ];
    for (sections, totals, calls) in cases {
        server.reset();
        let (_tmp, out) = out_dir();
        let mut settings = everything(&out, 2);
        settings.sections = sections.clone();
        let (result, events) = export(&server, settings, &options()).await;
        result.expect("the export succeeds");
        assert_eq!(start(&server.calls()), calls, "{sections:?}");
        assert_eq!(counted(&events).0, totals, "{sections:?}");
    }
    // Without any chat the counts come before the sections all the same.
    server.reset();
    let (_tmp, out) = out_dir();
    let mut settings = everything(&out, 2);
    settings.sections = vec![Section::Userpics, Section::Contacts];
    let (result, events) = export(&server, settings, &options()).await;
    result.expect("the export succeeds");
    let calls = server.calls();
    let init = calls
        .iter()
        .position(|c| c.0 == "account.initTakeoutSession")
        .unwrap();
    assert_eq!(calls[init + 1].0, "photos.getUserPhotos");
    let (totals, before) = counted(&events);
    assert_eq!(totals.len(), 1);
    assert!(before);
}
