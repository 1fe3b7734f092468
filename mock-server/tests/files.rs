//! `upload.getFile`: parts concatenate to the file, the offset/limit rules,
//! FILE_MIGRATE, file references, other data and peer photos.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, generated};
use proptest::prelude::*;
use tg_mock_server::blobs::{FileEntry, FileStore};
use tg_mock_server::world::{FileKey, PeerKey};
use tg_mock_server::{Dispatcher, GenerateConfig};
use tl::{enums, functions, types};

fn cfg(seed: u64) -> GenerateConfig {
    GenerateConfig {
        seed,
        messages: 60,
        dialogs: 5,
        files: 12,
        max_file_size: 3 << 20,
        file_dcs: vec![2, 3, 4],
        ..GenerateConfig::default()
    }
}

fn location(key: &FileKey, e: &FileEntry, reference: Vec<u8>) -> enums::InputFileLocation {
    match key.clone() {
        FileKey::Photo { id, thumb } => types::InputPhotoFileLocation {
            id,
            access_hash: e.access_hash,
            file_reference: reference,
            thumb_size: thumb,
        }
        .into(),
        FileKey::Document { id, thumb } => types::InputDocumentFileLocation {
            id,
            access_hash: e.access_hash,
            file_reference: reference,
            thumb_size: thumb,
        }
        .into(),
    }
}

fn get_file(
    location: enums::InputFileLocation,
    precise: bool,
    offset: i64,
    limit: i32,
) -> functions::upload::GetFile {
    functions::upload::GetFile {
        precise,
        cdn_supported: false,
        location,
        offset,
        limit,
    }
}

/// Every file, sorted (the store's map order is not deterministic).
fn files(d: &Dispatcher) -> Vec<(FileKey, FileEntry)> {
    let mut v: Vec<_> = d
        .index()
        .files
        .iter()
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// A logged-in client with a takeout session on `dc`.
fn client_on(d: &std::sync::Arc<Dispatcher>, dc: i32, takeout: Option<i64>) -> Client {
    let mut c = Client::new(d, dc);
    c.auth.user_id = Some(d.index().world().self_id);
    c.takeout = takeout;
    c
}

fn bytes_of(f: enums::upload::File) -> Vec<u8> {
    match f {
        enums::upload::File::File(f) => f.bytes,
        other => panic!("{other:?}"),
    }
}

proptest! {
    #[test]
    fn parts_concatenate_to_the_file(seed in any::<u64>(), pick in any::<prop::sample::Index>(), k in 0u32..=8, precise in any::<bool>(), kib in 1i32..=1024) {
        let d = generated(&cfg(seed));
        let all = files(&d);
        let (key, entry) = pick.get(&all).clone();
        let mut main = Client::new(&d, 2);
        main.start_takeout();
        let mut c = client_on(&d, entry.dc_id, main.takeout);
        let loc = location(&key, &entry, entry.references[0].clone());
        let mut got: Vec<u8> = Vec::new();
        let mut offset: i64 = 0;
        loop {
            // Non-precise: a power-of-two part; precise: any KiB multiple, cut at MiB boundaries.
            let limit = if precise {
                let room = (1 << 20) - (offset % (1 << 20));
                (i64::from(kib) * 1024).min(room) as i32
            } else {
                4096 << k
            };
            let part = bytes_of(c.tcall(None, get_file(loc.clone(), precise, offset, limit)).unwrap());
            prop_assert!(part.len() <= limit as usize);
            if part.is_empty() { break; }
            got.extend(&part);
            offset += i64::from(limit);
            if offset as u64 >= entry.size { break; }
        }
        prop_assert_eq!(got.len() as u64, entry.size);
        prop_assert_eq!(got, FileStore::read(d.index().world(), &entry, 0, entry.size as usize));
    }

    #[test]
    fn offset_and_limit_rules(offset in prop_oneof![0i64..(3 << 20), any::<i64>()], limit in prop_oneof![0i32..(2 << 20), any::<i32>()], precise in any::<bool>()) {
        let d = generated(&cfg(1));
        let (key, entry) = files(&d).into_iter().next().unwrap();
        let mut c = client_on(&d, entry.dc_id, None);
        let loc = location(&key, &entry, entry.references[0].clone());
        let r = c.call(&get_file(loc, precise, offset, limit));
        // The rules of core.telegram.org/api/files, written independently.
        let align = if precise { 1024 } else { 4096 };
        let offset_ok = offset >= 0 && offset % align == 0;
        let limit_ok = limit > 0
            && i64::from(limit) % align == 0
            && limit <= 1 << 20
            && (precise || (1 << 20) % limit == 0)
            && offset.checked_add(i64::from(limit) - 1).is_none_or(|end| offset >> 20 == end >> 20);
        match (offset_ok, limit_ok, r) {
            (true, true, Ok(_)) => {}
            (false, _, Err((400, m))) => prop_assert_eq!(m, "OFFSET_INVALID"),
            (true, false, Err((400, m))) => prop_assert_eq!(m, "LIMIT_INVALID"),
            (o, l, r) => prop_assert!(false, "offset ok {} limit ok {} but {:?}", o, l, r),
        }
    }
}

#[test]
fn wrong_dc_reference_and_location() {
    let d = generated(&cfg(5));
    let all = files(&d);
    let (key, entry) = all
        .iter()
        .find(|(_, e)| e.dc_id != 2)
        .cloned()
        .expect("a file off the home DC");
    let mut home = client_on(&d, 2, None);
    let loc = location(&key, &entry, entry.references[0].clone());
    let migrate = format!("FILE_MIGRATE_{}", entry.dc_id);
    assert_eq!(
        home.call(&get_file(loc.clone(), false, 0, 4096))
            .unwrap_err(),
        (303, migrate)
    );

    let mut there = client_on(&d, entry.dc_id, None);
    assert!(there.call(&get_file(loc, false, 0, 4096)).is_ok());
    let stale = location(&key, &entry, vec![9, 9, 9]);
    assert_eq!(
        there.call(&get_file(stale, false, 0, 4096)).unwrap_err().1,
        "FILE_REFERENCE_EXPIRED"
    );

    let mut wrong_hash = entry.clone();
    wrong_hash.access_hash ^= 1;
    let bad = location(&key, &wrong_hash, entry.references[0].clone());
    assert_eq!(
        there.call(&get_file(bad, false, 0, 4096)).unwrap_err().1,
        "LOCATION_INVALID"
    );
    let unknown = FileKey::Photo {
        id: 1,
        thumb: "y".into(),
    };
    let bad = location(&unknown, &entry, vec![]);
    assert_eq!(
        there.call(&get_file(bad, false, 0, 4096)).unwrap_err().1,
        "LOCATION_INVALID"
    );

    // Not logged in on that DC: 401 first (tdesktop then imports its authorization).
    let mut fresh = Client::new(&d, entry.dc_id);
    let loc = location(&key, &entry, entry.references[0].clone());
    assert_eq!(
        fresh.call(&get_file(loc, false, 0, 4096)).unwrap_err().0,
        401
    );
}

#[test]
fn other_data_through_the_takeout_location() {
    let d = generated(&cfg(2));
    let mut c = Client::new(&d, 2);
    c.start_takeout();
    let loc = || enums::InputFileLocation::InputTakeoutFileLocation;
    assert_eq!(
        c.call(&get_file(loc(), false, 0, 4096)).unwrap_err(),
        (403, "TAKEOUT_REQUIRED".into())
    );
    // As tdesktop does for a file of unknown size: step by the limit until
    // a part comes back empty.
    let mut data = Vec::new();
    for offset in (0..).step_by(4096) {
        let part = bytes_of(c.tcall(None, get_file(loc(), false, offset, 4096)).unwrap());
        if part.is_empty() {
            break;
        }
        data.extend(part);
    }
    let json: serde_json::Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(Some(json), d.index().world().other_data);

    let mut world = d.index().world().clone();
    world.other_data = None;
    let d = common::dispatcher(world, 100);
    let mut c = Client::new(&d, 2);
    c.start_takeout();
    let r = c.tcall(None, get_file(loc(), false, 0, 4096));
    assert_eq!(r.unwrap_err().1, "TAKEOUT_FILE_EMPTY");
}

#[test]
fn peer_photos_download() {
    let d = generated(&cfg(3));
    let world = d.index().world().clone();
    let mut c = client_on(&d, 2, None);
    let (user_id, access_hash, photo_id) = world
        .users
        .iter()
        .find_map(|u| match u {
            enums::User::User(u) => match &u.photo {
                Some(enums::UserProfilePhoto::UserProfilePhoto(p)) => {
                    Some((u.id, u.access_hash?, p.photo_id))
                }
                _ => None,
            },
            _ => None,
        })
        .unwrap();
    let peer: enums::InputPeer = types::InputPeerUser {
        user_id,
        access_hash,
    }
    .into();
    for big in [false, true] {
        let loc: enums::InputFileLocation = types::InputPeerPhotoFileLocation {
            big,
            peer: peer.clone(),
            photo_id,
        }
        .into();
        let first = bytes_of(c.call(&get_file(loc.clone(), false, 0, 1 << 20)).unwrap());
        let (_, size, _) = d.index().files.peer_photo(photo_id, big).unwrap();
        assert_eq!(first.len() as u64, size);
        assert!(bytes_of(c.call(&get_file(loc, false, 1 << 20, 4096)).unwrap()).is_empty());
    }
    let loc: enums::InputFileLocation = types::InputPeerPhotoFileLocation {
        big: false,
        peer,
        photo_id: photo_id + 1,
    }
    .into();
    assert_eq!(
        c.call(&get_file(loc, false, 0, 4096)).unwrap_err().1,
        "LOCATION_INVALID"
    );
    assert!(d.index().knows(PeerKey::User(user_id)));
}
