use super::*;
use tl::types;

fn page(ids: &[i32]) -> enums::messages::Messages {
    types::messages::MessagesSlice {
        count: 99,
        messages: ids
            .iter()
            .map(|&id| {
                types::Message {
                    id,
                    date: id * 10,
                    ..Default::default()
                }
                .into()
            })
            .collect(),
        ..Default::default()
    }
    .into()
}

fn key(min_id: i32, max_id: i32, migrated: bool) -> SplitKey {
    SplitKey {
        min_id,
        max_id,
        migrated,
    }
}

#[test]
fn pages_read_back_per_split_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let path = pages_path(tmp.path(), &PeerId::User(7));
    let mut log = PageLog::create(path.clone()).unwrap();
    log.append(key(1, 10, true), &page(&[1, 2])).unwrap();
    log.append(key(1, 10, false), &page(&[3])).unwrap();
    log.append(key(11, 20, false), &page(&[11])).unwrap();
    log.append(key(11, 20, false), &page(&[12])).unwrap();
    log.append(key(21, i32::MAX, false), &page(&[21])).unwrap();
    log.finish().unwrap();
    let mut r = PageReader::open(path.clone()).unwrap().unwrap();
    let keys = vec![
        key(1, 10, true),
        key(1, 10, false),
        key(11, 20, false),
        key(21, i32::MAX, false),
    ];
    assert_eq!(r.keys().unwrap(), keys);
    assert_eq!(r.take(key(1, 10, true)).unwrap(), Some(page(&[1, 2])));
    assert_eq!(r.take(key(1, 10, true)).unwrap(), None);
    // The split 1..10 is no longer asked for: passed over.
    assert_eq!(r.take(key(11, 20, false)).unwrap(), Some(page(&[11])));
    assert_eq!(r.take(key(11, 20, false)).unwrap(), Some(page(&[12])));
    assert_eq!(r.take(key(30, 40, false)).unwrap(), None);
    assert_eq!(r.take(key(21, i32::MAX, false)).unwrap(), Some(page(&[21])));
    assert_eq!(r.take(key(21, i32::MAX, false)).unwrap(), None);
    assert!(PageReader::open(tmp.path().join("none")).unwrap().is_none());
    // A cut file is an error naming the file and the page.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let mut r = PageReader::open(path).unwrap().unwrap();
    let mut err = None;
    for _ in 0..10 {
        let k = r.next.as_ref().map(|(k, _)| *k);
        match k.map(|k| r.take(k)) {
            Some(Err(e)) => {
                err = Some(e);
                break;
            }
            Some(Ok(_)) => {}
            None => break,
        }
    }
    let err = err.expect("the cut page fails").to_string();
    assert!(err.contains("user7.pages page 4"), "{err}");
}

fn settings() -> Settings {
    Settings::default()
}

#[test]
fn update_checks_settings_then_moves_the_export_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("export");
    let tz = crate::export::time::utc();
    let asked = Recorded::new(&settings(), &tz);
    let err = prepare_update(&root, &asked).unwrap_err();
    assert!(matches!(err, UpdateError::NotAnExport(_)), "{err}");
    // A finished export: its state and output.
    let work = root.join(WORK_DIR);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(root.join("result.json"), b"{}").unwrap();
    complete(&root, &work, &asked).unwrap();
    std::fs::remove_dir_all(&work).unwrap();
    assert!(root.join(STATE_DIR).join(SETTINGS).is_file());
    let other = Settings {
        size_limit: 1,
        ..settings()
    };
    let err = prepare_update(&root, &Recorded::new(&other, &tz)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("size_limit: 8388608 -> 1") && text.contains("was exported with other"),
        "{text}"
    );
    assert!(root.join("result.json").is_file(), "nothing moved");
    let prev = prepare_update(&root, &asked).unwrap();
    assert!(prev.join("result.json").is_file() && prev.join(STATE_DIR).is_dir());
    let names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from(WORK_DIR)]);
    // Again (a rerun after a kill): the same previous export, nothing moved.
    std::fs::write(root.join("result.json"), b"partial").unwrap();
    assert_eq!(prepare_update(&root, &asked).unwrap(), prev);
    assert_eq!(std::fs::read(prev.join("result.json")).unwrap(), b"{}");
    // A bad version is refused with the file named.
    std::fs::write(prev.join(STATE_DIR).join(SETTINGS), "{\"version\": 9}").unwrap();
    let err = prepare_update(&root, &asked).unwrap_err().to_string();
    assert!(
        err.contains("settings.json") && err.contains("version"),
        "{err}"
    );
}

#[test]
fn the_file_index_is_sorted_and_deduplicated() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, work) = (tmp.path().join("r"), tmp.path().join("r").join(WORK_DIR));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join(JOURNAL),
        "[2,\"photo\",5,\"x\",3,\"b\"]\n[1,\"photo\",9,\"x\",3,\"a\"]\n[2,\"photo\",5,\"x\",3,\"b\"]\n[2,\"pho",
    )
    .unwrap();
    let tz = crate::export::time::utc();
    complete(&root, &work, &Recorded::new(&settings(), &tz)).unwrap();
    let index = std::fs::read_to_string(root.join(STATE_DIR).join(FILES)).unwrap();
    assert_eq!(
        index,
        "[1,\"photo\",9,\"x\",3,\"a\"]\n[2,\"photo\",5,\"x\",3,\"b\"]\n"
    );
}
