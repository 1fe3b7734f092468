use super::*;

#[test]
fn synthesized_ranges_agree_with_the_whole() {
    let whole = synth_bytes(42, 0, 1000);
    for (off, len) in [(0, 1), (3, 17), (8, 8), (999, 1), (500, 500), (13, 0)] {
        assert_eq!(synth_bytes(42, off as u64, len), whole[off..off + len]);
    }
    assert_ne!(synth_bytes(43, 0, 64), synth_bytes(42, 0, 64));
}

#[test]
fn far_offsets_are_cheap() {
    let b = synth_bytes(7, 2 * 1024 * 1024 * 1024 - 10, 10);
    assert_eq!(b.len(), 10);
    assert_eq!(synth_bytes(7, u64::MAX - 3, 10).len(), 3);
}

#[test]
fn documents_and_thumbs_are_indexed_and_blobs_checked() {
    let doc: enums::Document = tl::types::Document {
        id: 9,
        access_hash: 1,
        file_reference: vec![1],
        size: 5,
        dc_id: 4,
        thumbs: Some(vec![
            tl::types::PhotoSize {
                r#type: "m".into(),
                w: 1,
                h: 1,
                size: 3,
            }
            .into(),
        ]),
        ..Default::default()
    }
    .into();
    let mut world = World {
        custom_emoji: vec![doc],
        ..World::default()
    };
    let main = FileKey::Document {
        id: 9,
        thumb: String::new(),
    };
    let store = FileStore::build(&world).unwrap();
    let e = store.get(&main).unwrap();
    assert_eq!(
        (e.dc_id, e.size, e.references.clone()),
        (4, 5, vec![vec![1]])
    );
    assert_eq!(FileStore::read(&world, e, 3, 100).len(), 2);
    assert!(FileStore::read(&world, e, 5, 100).is_empty());

    world.blobs.push(crate::world::Blob {
        key: main.clone(),
        file: "x".into(),
        data: b"hello".to_vec(),
    });
    let store = FileStore::build(&world).unwrap();
    let e = store.get(&main).unwrap();
    assert_eq!(FileStore::read(&world, e, 1, 3), b"ell");

    world.blobs[0].data.pop();
    let err = FileStore::build(&world).unwrap_err();
    assert_eq!(err.path, "blobs.0");
}
