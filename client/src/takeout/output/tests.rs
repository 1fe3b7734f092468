use super::*;
use crate::export::time::utc;

#[test]
fn root_is_out_when_empty_else_a_dated_subfolder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(choose_root(&out, 0, &utc(), false).unwrap(), out);
    std::fs::create_dir(&out).unwrap();
    assert_eq!(choose_root(&out, 0, &utc(), false).unwrap(), out);
    std::fs::write(out.join("x"), b"").unwrap();
    let day = 1_710_079_509; // 2024-03-10
    let first = choose_root(&out, day, &utc(), false).unwrap();
    assert_eq!(first, out.join("DataExport_2024-03-10"));
    std::fs::create_dir(&first).unwrap();
    std::fs::write(first.join("result.json"), b"{}").unwrap();
    assert_eq!(
        choose_root(&out, day, &utc(), false).unwrap(),
        out.join("DataExport_2024-03-10 (1)")
    );
    assert_eq!(
        choose_root(&out, day, &utc(), true).unwrap(),
        out.join("ChatExport_2024-03-10")
    );
    // An unfinished export of ours is continued.
    std::fs::create_dir(first.join(WORK_DIR)).unwrap();
    assert_eq!(choose_root(&out, day, &utc(), false).unwrap(), first);
}

#[test]
fn stale_writer_temps_are_removed_and_nothing_else() {
    for (name, ours) in [
        ("result.json.17.part", true),
        ("messages.html.-9223372036854775808.part", true),
        ("chats.html.5.part", true),
        ("result.json.part", false),
        (".5.part", false),
        ("a.b.part", false),
        ("a.5.partial", false),
        ("a.5-.part", false),
        ("photo.jpg", false),
    ] {
        assert_eq!(is_writer_temp(name), ours, "{name}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let files = [
        ("result.json.17.part", false),
        ("result.json.42.part", true),
        ("result.json", true),
        ("chats/chat_01/messages.html.-3.part", false),
        ("chats/chat_01/photos/p.jpg.part", true),
        (".tg-takeout/tmp/x.3.part", true),
        ("lists/chats.html.9.part", false),
    ];
    for (path, _) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }
    assert_eq!(remove_stale_temps(root, 42).unwrap(), 3);
    for (path, kept) in files {
        assert_eq!(root.join(path).exists(), kept, "{path}");
    }
    assert_eq!(remove_stale_temps(&root.join("absent"), 1).unwrap(), 0);
}

#[tokio::test]
async fn writers_commit_only_on_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let mut out = Output::start(tmp.path(), Format::Json, utc(), false, 1);
    out.send(Command::EndList).await.unwrap();
    drop(out);
    // Give the thread a moment: nothing is committed.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!tmp.path().join("result.json").exists());

    let out = Output::start(tmp.path(), Format::Json, utc(), false, 1);
    out.finish().await.unwrap();
    let text = std::fs::read_to_string(tmp.path().join("result.json")).unwrap();
    assert!(text.starts_with('{'));
}

#[tokio::test]
async fn both_formats_write_the_same_as_each_alone() {
    // JSON and HTML run on two threads; each must see every command in
    // order and give what it gives alone.
    let chat = ChatInfo {
        id: crate::export::model::PeerId::User(7),
        name: "Ada".into(),
        last_name: String::new(),
        dialog_type: crate::export::model::DialogType::Personal,
        is_left: false,
        folder: "chats/chat_1/".into(),
    };
    let commands = || {
        vec![
            Command::StartChat(chat.clone()),
            Command::Messages(Vec::new()),
            Command::EndChat,
        ]
    };
    let run = |format| {
        let commands = commands();
        async move {
            let tmp = tempfile::tempdir().unwrap();
            let mut out = Output::start(tmp.path(), format, utc(), false, 1);
            for command in commands {
                out.send(command).await.unwrap();
            }
            out.finish().await.unwrap();
            tmp
        }
    };
    let both = run(Format::Both).await;
    let json = run(Format::Json).await;
    let html = run(Format::Html).await;
    let read = |dir: &tempfile::TempDir, name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read(&both, "result.json"), read(&json, "result.json"));
    assert_eq!(
        read(&both, "export_results.html"),
        read(&html, "export_results.html")
    );
    assert!(!html.path().join("result.json").exists());
    assert!(!json.path().join("export_results.html").exists());
}

#[test]
fn missing_json_lists_items_and_goes_when_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let item = MissingItem {
        section: "chats".into(),
        chat: Some("Grace".into()),
        chat_id: Some("user2".into()),
        message_id: Some(3),
        file: Some("chats/chat_1/photos/p.jpg".into()),
        reason: "LOCATION_INVALID".into(),
    };
    write_missing(tmp.path(), &[item]).unwrap();
    let value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("missing.json")).unwrap()).unwrap();
    assert_eq!(value[0]["reason"], "LOCATION_INVALID");
    write_missing(tmp.path(), &[]).unwrap();
    assert!(!tmp.path().join("missing.json").exists());
}
