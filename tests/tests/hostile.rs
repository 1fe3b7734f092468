//! Hostile names: a world (built here on top of the small fixture) whose
//! document file names, chat titles, user names, sticker emoji, MIME types
//! and other data hold path separators, `..`, absolute paths, NUL and other
//! control characters, bidi overrides, reserved Windows names, names of a
//! thousand characters, empty names and names of dots. Exported (whole, or
//! the hostile chat alone into an occupied folder) into a folder nested two
//! levels inside a temporary folder: nothing may be written or changed
//! outside the export folder, every name written must be sane, the pages'
//! links must lead to the files, and `result.json` must still be valid
//! JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tg_mock_server::World;
use tg_mock_server::world::PeerKey;
use tl::{enums, types};

use crate::harness::{Server, everything, export, options};
use crate::output::{
    assert_safe_relative, check_chat, check_html_links, check_result_json, file_values,
};
use crate::util::small_world;

/// The account of the small fixture.
const SELF: i64 = 1001;
/// The hostile user and the chat with them.
const HOSTILE: i64 = 1666;
/// A markup payload that must never reach an HTML page unescaped.
const SCRIPT: &str = "<script>alert(1)</script>";

/// Document file names that try to leave the chat folder or break file
/// systems; `escape_abs` is an absolute path inside the test's own temporary
/// folder, so an escape would be seen by the walk.
fn hostile_names(escape_abs: &str) -> Vec<String> {
    let mut names: Vec<String> = [
        "../../../../escaped-to-nest.txt",
        "../../../../../escaped-to-outer.txt",
        "../../../../../../../../../../../../../tmp/tg-takeout-hostile-escape.txt",
        "..\\..\\..\\..\\escaped-backslash.txt",
        "/etc/passwd",
        "C:\\x",
        "C:x.txt",
        "a\0b.txt",
        "\0",
        "ctl\u{1}\u{1f}\u{7f}\r\n\t.txt",
        "CON",
        "nul.txt",
        "LPT1.log",
        "com9.tar.gz",
        "\u{202E}gpj.exe",
        "\u{200F}\u{2066}rtl\u{2067}.txt",
        "",
        ".",
        "..",
        "...",
        ". .",
        "   ",
        "trailing dot.",
        "trailing space ",
        "dir/",
        "/",
        "a/../../b.txt",
        "~/.bashrc",
        "%2e%2e%2fencoded.txt",
        "<>:\"|?*.txt",
        ".hidden",
        "Report.PDF",
        "report.pdf",
        "REPORT.pdf",
        "same.txt",
        "same.txt",
        SCRIPT,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    names.push(escape_abs.to_owned());
    names.push(format!("{}.txt", "a".repeat(1000)));
    names.push("ж".repeat(1000));
    names.push(format!("x.{}", "e".repeat(300)));
    names.push(format!("{}.pdf", "🙂".repeat(300)));
    names.push(format!("{}{}", "../".repeat(200), "deep.txt"));
    names.push("..".repeat(200));
    names
}

fn document(id: i64, name: Option<&str>, mime: &str, size: i32, sticker: bool) -> enums::Document {
    let mut attributes: Vec<enums::DocumentAttribute> = Vec::new();
    if sticker {
        attributes.push(
            types::DocumentAttributeSticker {
                alt: format!("../\0{SCRIPT}"),
                stickerset: enums::InputStickerSet::Empty,
                ..Default::default()
            }
            .into(),
        );
    }
    if let Some(name) = name {
        attributes.push(
            types::DocumentAttributeFilename {
                file_name: name.to_owned(),
            }
            .into(),
        );
    }
    types::Document {
        id,
        access_hash: id * 7,
        file_reference: vec![2, 1, 2, 3],
        date: 1_700_000_000,
        mime_type: mime.to_owned(),
        size: i64::from(size),
        thumbs: Some(vec![
            types::PhotoSize {
                r#type: "m".into(),
                w: 90,
                h: 90,
                size: 64,
            }
            .into(),
        ]),
        dc_id: 2,
        attributes,
        ..Default::default()
    }
    .into()
}

/// The small fixture with a hostile user, chat titles, a custom emoji and
/// other data, and a chat full of hostile documents.
fn hostile_world(escape_abs: &str) -> World {
    let mut world = small_world();
    world.users.push(
        types::User {
            id: HOSTILE,
            access_hash: Some(6666),
            first_name: Some(format!("../../{SCRIPT}\0\u{202E}")),
            last_name: Some("C:\\x /etc/passwd".into()),
            username: Some("hostile".into()),
            contact: true,
            ..Default::default()
        }
        .into(),
    );
    for chat in &mut world.chats {
        if let enums::Chat::Channel(c) = chat {
            c.title = format!("{}/../{SCRIPT}\u{1}", c.title);
        }
    }
    if let Some(enums::Document::Document(d)) = world.custom_emoji.first_mut() {
        for a in &mut d.attributes {
            if let enums::DocumentAttribute::CustomEmoji(e) = a {
                e.alt = "..\\\u{0}".into();
            }
        }
    }
    world.other_data = Some(serde_json::json!({
        "../escape": "\u{0}\u{1}/etc/passwd",
        SCRIPT: ["C:\\x", "\u{202E}"],
    }));
    world.dialogs.push(
        types::Dialog {
            peer: PeerKey::User(HOSTILE).to_peer(),
            top_message: 1,
            notify_settings: types::PeerNotifySettings::default().into(),
            ..Default::default()
        }
        .into(),
    );
    let names = hostile_names(escape_abs);
    let mut docs: Vec<enums::Document> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            document(
                9_000 + i as i64,
                Some(name),
                "text/plain",
                40 + i as i32,
                false,
            )
        })
        .collect();
    let n = docs.len() as i64;
    // No file name: named from the MIME type, which is hostile too.
    docs.push(document(9_000 + n, None, "../../etc/x\0", 33, false));
    docs.push(document(9_001 + n, None, "", 34, false));
    docs.push(document(
        9_002 + n,
        Some("../sticker.webp"),
        "image/webp",
        35,
        true,
    ));
    let first_id = 100;
    for (i, doc) in docs.into_iter().enumerate() {
        let id = first_id + i as i32;
        world.messages.push(
            &types::Message {
                id,
                date: 1_700_030_000 + id,
                out: i % 2 == 0,
                from_id: Some(PeerKey::User(if i % 2 == 0 { SELF } else { HOSTILE }).to_peer()),
                peer_id: PeerKey::User(HOSTILE).to_peer(),
                message: format!("{SCRIPT} ../../\u{0}\u{202E} #{i}"),
                media: Some(
                    types::MessageMediaDocument {
                        document: Some(doc),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            }
            .into(),
        );
    }
    world
}

/// Every file and folder under `root` by path relative to it (folders end
/// in `/`), with the contents of files.
fn walk(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn go(root: &Path, dir: &Path, depth: usize, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        assert!(depth < 32, "folders nest too deep under {}", dir.display());
        let entries = std::fs::read_dir(dir).expect("readable folder");
        for entry in entries {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(root).unwrap().to_owned();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            assert!(
                !meta.file_type().is_symlink(),
                "{}: a symlink",
                rel.display()
            );
            if meta.is_dir() {
                out.insert(rel, None);
                go(root, &path, depth + 1, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).expect("readable file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    go(root, root, 0, &mut out);
    out
}

/// A name a file system and a Windows user accept as one plain file name
/// (docs/export-format.md#file-names sanitizing, and at most 255 bytes).
fn assert_sane_name(name: &str, at: &Path) {
    const BIDI: [char; 8] = [
        '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202D}', '\u{202E}', '\u{2066}',
        '\u{2067}',
    ];
    assert!(
        !name.is_empty() && name.len() <= 255,
        "{}: length {}",
        at.display(),
        name.len()
    );
    assert!(name != "." && name != "..", "{}", at.display());
    assert!(
        !name
            .chars()
            .any(|c| (c as u32) < 32 || BIDI.contains(&c) || "/\\<>:\"|?*".contains(c)),
        "{}: {name:?} holds a forbidden character",
        at.display()
    );
    assert!(
        !name.ends_with(' ') && !name.ends_with('.'),
        "{}: {name:?} ends in a space or a dot",
        at.display()
    );
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && (b'1'..=b'9').contains(&stem.as_bytes()[3]));
    assert!(
        !reserved,
        "{}: {name:?} is a reserved device name",
        at.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_stay_inside_the_export_folder() {
    hostile_export(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_stay_inside_a_single_chat_export() {
    hostile_export(true).await;
}

/// Exports the hostile world (all of it, or only the hostile chat) and
/// checks the folders around and inside the export.
async fn hostile_export(single: bool) {
    let outer = tempfile::tempdir().expect("temp dir");
    let nest = outer.path().join("nest");
    std::fs::create_dir(&nest).unwrap();
    let out = nest.join("export");
    // Files that must not change, at every level an escape could reach.
    for (path, body) in [
        (outer.path().join("sentinel.txt"), "outer"),
        (nest.join("sentinel.txt"), "nest"),
        (nest.join("escaped-to-nest.txt"), "keep"),
        (outer.path().join("escaped-to-outer.txt"), "keep"),
    ] {
        std::fs::write(path, body).unwrap();
    }
    if single {
        // An occupied folder: the export goes to a new subfolder (docs/export-format.md#root-folder),
        // past one of the same name.
        let old = out.join("ChatExport_2023-11-14");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("result.json"), "old").unwrap();
        std::fs::write(out.join("keep.txt"), "keep").unwrap();
    }
    let escape_abs = outer.path().join("absolute-escape.txt");
    let tmp_escape = Path::new("/tmp/tg-takeout-hostile-escape.txt");
    let tmp_escape_before = std::fs::read(tmp_escape).ok();
    let passwd_before = std::fs::read("/etc/passwd").ok();
    let before = walk(outer.path());

    let world = hostile_world(escape_abs.to_str().expect("a UTF-8 temp path"));
    let server = Server::start(world).await;
    let mut settings = everything(&out, 4);
    settings.single_chat = single.then_some(HOSTILE);
    let (result, _) = export(&server, settings, &options()).await;
    let report = result.expect("the export succeeds");
    let root = if single {
        out.join("ChatExport_2023-11-14 (1)")
    } else {
        out.clone()
    };
    assert_eq!(report.out_dir, root);
    assert_eq!(
        report.skipped, 0,
        "every hostile file is written somewhere safe"
    );

    // Outside the export folder nothing appeared and nothing changed.
    let after = walk(outer.path());
    let export_dir = root.strip_prefix(outer.path()).unwrap();
    for (path, contents) in &after {
        if !path.starts_with(export_dir) {
            assert_eq!(
                before.get(path),
                Some(contents),
                "{} changed",
                path.display()
            );
        }
    }
    for path in before.keys() {
        assert!(after.contains_key(path), "{} was removed", path.display());
    }
    assert!(!escape_abs.exists());
    assert_eq!(std::fs::read(tmp_escape).ok(), tmp_escape_before);
    assert_eq!(std::fs::read("/etc/passwd").ok(), passwd_before);

    // Inside, every name is sane.
    let inside = walk(&root);
    for path in inside.keys() {
        for component in path.components() {
            let name = component.as_os_str().to_str().expect("UTF-8 names");
            assert_sane_name(name, path);
        }
    }
    assert!(
        !inside.keys().any(|p| {
            p.to_str()
                .is_some_and(|p| p.contains(".tg-takeout/") || p.ends_with(".part"))
        }),
        "no work files are left"
    );

    // result.json is valid and points at the files written.
    let text = std::fs::read_to_string(root.join("result.json")).expect("result.json");
    let result = if single {
        let chat: Value = serde_json::from_str(&text).expect("result.json parses");
        check_chat(&chat, "$");
        chat
    } else {
        check_result_json(&text)
    };
    let chat = if single {
        &result
    } else {
        result["chats"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == HOSTILE)
            .expect("the hostile chat")
    };
    assert_eq!(chat["id"], HOSTILE);
    let messages = chat["messages"].as_array().unwrap();
    let documents = hostile_names("").len() + 3;
    assert_eq!(messages.len(), documents);
    let mut values = BTreeMap::new();
    file_values(&result, "$", &mut values);
    let mut paths: Vec<&String> = Vec::new();
    for (at, value) in &values {
        if value.starts_with('(') || value.is_empty() {
            continue;
        }
        assert_safe_relative(value, at);
        assert!(
            inside.contains_key(Path::new(value)),
            "{at}: {value} is written"
        );
        if at.contains(".messages[") && !at.ends_with("document_id") {
            paths.push(value);
        }
    }
    let unique: std::collections::BTreeSet<String> =
        paths.iter().map(|p| p.to_lowercase()).collect();
    assert_eq!(
        unique.len(),
        paths.len(),
        "no two files share a name, whatever the case"
    );
    for m in messages {
        let file = m["file"].as_str().expect("a file");
        // A single chat's folders sit in the export root (docs/export-format.md#root-folder).
        assert_eq!(file.starts_with("chats/chat_"), !single, "{file}");
        assert!(
            inside[Path::new(file)]
                .as_ref()
                .is_some_and(|b| b.len() as i64 == m["file_size"]),
            "{file}: the whole file"
        );
    }

    // Links of the pages lead to the files, never out of the folder.
    let by_name: BTreeMap<String, Vec<u8>> = inside
        .iter()
        .filter_map(|(p, c)| Some((p.to_str()?.to_owned(), c.clone()?)))
        .collect();
    check_html_links(&by_name);
    // No page carries the markup unescaped.
    for (path, contents) in &inside {
        let Some(bytes) = contents else { continue };
        if path.extension().is_some_and(|e| e == "html") {
            let html = String::from_utf8_lossy(bytes);
            assert!(
                !html.contains(SCRIPT),
                "{} holds raw markup",
                path.display()
            );
            assert!(!html.contains('\0'), "{} holds NUL", path.display());
        }
    }
}

#[test]
fn the_sanity_check_rejects_bad_names() {
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "CON",
        "nul.txt",
        "x.",
        "x ",
        "\u{202E}x",
    ] {
        let caught = std::panic::catch_unwind(|| assert_sane_name(bad, Path::new(bad)));
        assert!(caught.is_err(), "{bad:?} passed");
    }
    let long = "a".repeat(256);
    assert!(std::panic::catch_unwind(|| assert_sane_name(&long, Path::new("x"))).is_err());
    assert_sane_name("report (1).tar.gz", Path::new("ok"));
}
