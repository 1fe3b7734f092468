use tl::functions;
use tl::{Serializable, types};

use super::*;

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn requests_are_peeled_and_pinned_and_answers_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let r = Recorder::open(&path, RecordFiles::Small).unwrap();
    let history = functions::messages::GetHistory {
        peer: tl::enums::InputPeer::InputPeerSelf,
        limit: 10,
        ..Default::default()
    };
    let wrapped = functions::InvokeWithTakeout {
        takeout_id: 77,
        query: functions::InvokeWithMessagesRange {
            range: types::MessageRange {
                min_id: 1,
                max_id: 9,
            }
            .into(),
            query: history.clone(),
        },
    };
    let empty: tl::enums::messages::Messages = types::messages::Messages {
        messages: vec![],
        topics: vec![],
        chats: vec![],
        users: vec![],
    }
    .into();
    r.record(4, &wrapped.to_bytes(), Answer::Error(420, "FLOOD_WAIT_1"));
    r.record(4, &wrapped.to_bytes(), Answer::Result(&empty.to_bytes()));
    for _ in 0..2 {
        r.record(
            2,
            &functions::help::GetConfig {}.to_bytes(),
            Answer::Result(&tl::enums::Config::from(types::Config::default()).to_bytes()),
        );
    }
    // Not a schema method: left out.
    r.record(2, &[1, 2, 3, 4], Answer::Error(400, "X"));
    let stats = r.finish().unwrap();
    assert_eq!(
        stats,
        RecordStats {
            exchanges: 3,
            synthesized: 0,
            skipped: 2
        }
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let l = lines(&path);
    assert_eq!(l[0]["format"], FORMAT);
    assert_eq!(l[0]["layer"], tl::LAYER);
    assert_eq!(l[1]["request"]["_"], "messages.getHistory");
    assert_eq!(l[1]["takeout"], 77);
    assert_eq!(l[1]["range"], serde_json::json!({"min_id": 1, "max_id": 9}));
    assert_eq!(l[1]["dc"], 4);
    assert_eq!(l[1]["error"], serde_json::json!([420, "FLOOD_WAIT_1"]));
    assert_eq!(l[2]["response"]["_"], "messages.messages");
    assert_eq!(l[3]["repeat"], true);
    assert_eq!(l[3]["takeout"], false);
    assert!(l[3].get("dc").is_none());
    assert_eq!(l.len(), 4);
    // Appending keeps one header.
    let r = Recorder::open(&path, RecordFiles::Small).unwrap();
    r.record(2, &history.to_bytes(), Answer::Result(&empty.to_bytes()));
    r.finish().unwrap();
    let l = lines(&path);
    assert_eq!(l.len(), 5);
    assert_eq!(l[4]["range"], false);
}

#[test]
fn appending_after_a_crash_drops_the_cut_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let header = format!("{{\"format\":\"{FORMAT}\",\"layer\":{}}}\n", tl::LAYER);
    std::fs::write(
        &path,
        format!("{header}{{\"request\":{{\"_\":\"help.getNea"),
    )
    .unwrap();
    let r = Recorder::open(&path, RecordFiles::Small).unwrap();
    r.record(
        2,
        &functions::help::GetNearestDc {}.to_bytes(),
        Answer::Error(400, "X"),
    );
    r.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&header));
    assert_eq!(text.lines().count(), 2, "{text}");
    assert_eq!(lines(&path)[1]["error"], serde_json::json!([400, "X"]));
}

#[test]
fn lines_reach_the_file_as_they_come_not_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let r = Recorder::open(&path, RecordFiles::Small).unwrap();
    let call = functions::help::GetNearestDc {}.to_bytes();
    for _ in 0..2 * FLUSH_EVERY {
        r.record(2, &call, Answer::Error(420, "FLOOD_WAIT_1"));
    }
    let mut seen = 0;
    for _ in 0..500 {
        seen = std::fs::read_to_string(&path).unwrap().lines().count();
        if seen > 2 * FLUSH_EVERY as usize {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(seen, 1 + 2 * FLUSH_EVERY as usize, "flushed before finish");
    r.finish().unwrap();
}

#[test]
fn appending_to_another_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello\n").unwrap();
    let e = Recorder::open(&path, RecordFiles::Small).unwrap_err();
    assert!(matches!(e, RecordError::NotATranscript { .. }), "{e}");
    std::fs::write(&path, "{\"format\":\"tg-mock-replay/1\",\"layer\":1}\n").unwrap();
    let e = Recorder::open(&path, RecordFiles::Small).unwrap_err();
    assert!(e.to_string().contains("layer 1"), "{e}");
}

#[test]
fn secrets_become_placeholders_and_ignored_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let r = Recorder::open(&path, RecordFiles::Small).unwrap();
    let sign_in = functions::auth::SignIn {
        phone_number: "+999".into(),
        phone_code_hash: "h".into(),
        phone_code: Some("12345".into()),
        email_verification: None,
    };
    let user: tl::enums::auth::Authorization = types::auth::Authorization::default().into();
    r.record(2, &sign_in.to_bytes(), Answer::Result(&user.to_bytes()));
    let check = functions::auth::CheckPassword {
        password: types::InputCheckPasswordSrp {
            srp_id: 5,
            a: vec![7; 256],
            m1: vec![8; 32],
        }
        .into(),
    };
    r.record(2, &check.to_bytes(), Answer::Result(&user.to_bytes()));
    let export = functions::auth::ExportAuthorization { dc_id: 4 };
    let exported: tl::enums::auth::ExportedAuthorization = types::auth::ExportedAuthorization {
        id: 1,
        bytes: vec![9; 64],
    }
    .into();
    r.record(2, &export.to_bytes(), Answer::Result(&exported.to_bytes()));
    let import = functions::auth::ImportAuthorization {
        id: 1,
        bytes: vec![9; 64],
    };
    r.record(4, &import.to_bytes(), Answer::Result(&user.to_bytes()));
    let send_code = functions::auth::SendCode {
        phone_number: "+999".into(),
        api_id: 5,
        api_hash: "0123abcd".into(),
        settings: types::CodeSettings::default().into(),
    };
    r.record(2, &send_code.to_bytes(), Answer::Error(400, "X"));
    r.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("12345"));
    assert!(!text.contains("0123abcd"));
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    for secret in [b64(&[7; 256]), b64(&[8; 32]), b64(&[9; 64])] {
        assert!(!text.contains(&secret), "{secret}");
    }
    let l = lines(&path);
    assert_eq!(
        l[1]["ignore"],
        serde_json::json!(["phone_code", "email_verification"])
    );
    assert_eq!(l[1]["request"]["phone_code"], "");
    assert_eq!(
        l[2]["ignore"],
        serde_json::json!(["password.A", "password.M1"])
    );
    assert_eq!(l[2]["request"]["password"]["srp_id"], 5);
    assert_eq!(l[3]["response"]["bytes"], "");
    assert_eq!(l[4]["ignore"], serde_json::json!(["bytes"]));
    assert_eq!(l[4]["dc"], 4);
    assert_eq!(l[5]["request"]["api_hash"], "");
}

#[test]
fn file_parts_are_kept_or_synthesized_by_size() {
    let part = |offset: i64, len: usize| {
        let request = functions::upload::GetFile {
            location: tl::enums::InputFileLocation::InputPeerPhotoFileLocation(
                types::InputPeerPhotoFileLocation {
                    big: true,
                    peer: tl::enums::InputPeer::InputPeerSelf,
                    photo_id: 3,
                },
            ),
            offset,
            limit: 1 << 20,
            ..Default::default()
        };
        let answer: tl::enums::upload::File = types::upload::File {
            r#type: tl::enums::storage::FileType::FileJpeg,
            mtime: 0,
            bytes: vec![0xab; len],
        }
        .into();
        (request.to_bytes(), answer.to_bytes())
    };
    for (files, offset, len, kept) in [
        (RecordFiles::Small, 0, 1000, true),
        (RecordFiles::Small, 0, SMALL_FILE, false),
        (RecordFiles::Small, 1 << 20, 10, false),
        (RecordFiles::None, 0, 10, false),
        (RecordFiles::All, 1 << 20, SMALL_FILE, true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let r = Recorder::open(&path, files).unwrap();
        let (request, answer) = part(offset, len);
        r.record(1, &request, Answer::Result(&answer));
        let stats = r.finish().unwrap();
        let l = lines(&path);
        let bytes = l[1]["response"]["bytes"].as_str().unwrap();
        if kept {
            assert_eq!(bytes.len(), len.div_ceil(3) * 4);
            assert!(l[1].get("synth").is_none());
            assert_eq!(stats.synthesized, 0);
        } else {
            assert_eq!(bytes, "");
            assert_eq!(l[1]["synth"]["len"], len);
            let sha: String = Sha256::digest(vec![0xab; len])
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(l[1]["synth"]["sha256"], sha);
            assert_eq!(stats.synthesized, 1);
        }
    }
}
