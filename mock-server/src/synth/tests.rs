use super::*;

fn spec(kind: Kind, size: usize, seed: u64) -> Spec<'static> {
    Spec {
        kind,
        size,
        seed,
        width: 320,
        height: 240,
        label: "42",
    }
}

fn decodes(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("decodes");
    (img.width(), img.height())
}

#[test]
fn kinds_by_magic() {
    for kind in [Kind::Jpeg, Kind::Png, Kind::Webp] {
        let s = synthesize(&spec(kind, 20_000, 1));
        assert_eq!(s.kind, kind);
        assert_eq!(Kind::of(&s.bytes), kind);
    }
    assert_eq!(Kind::of(b"OggS\0"), Kind::Other);
    assert_eq!(Kind::of(b""), Kind::Other);
    assert_eq!(Kind::from_mime("image/webp"), Kind::Webp);
}

#[test]
fn exact_sizes_that_decode() {
    let sizes = [
        200, 333, 700, 1_000, 2_001, 4_096, 6_000, 12_345, 24_000, 65_541, 65_542, 65_543, 131_081,
        200_000,
    ];
    for kind in [Kind::Jpeg, Kind::Png, Kind::Webp] {
        for (i, &size) in sizes.iter().enumerate() {
            let s = synthesize(&spec(kind, size, i as u64));
            assert_eq!(s.bytes.len(), size, "{kind:?} {size}");
            assert_ne!(s.kind, Kind::Other, "{kind:?} {size}");
            assert_eq!(Kind::of(&s.bytes), s.kind);
            assert_eq!(decodes(&s.bytes), (s.width, s.height), "{kind:?} {size}");
        }
    }
}

#[test]
fn full_size_pictures_keep_their_dimensions() {
    for (kind, w, h, size) in [
        (Kind::Jpeg, 160, 120, 100_000),
        (Kind::Jpeg, 160, 160, 2_000),
        (Kind::Jpeg, 160, 120, 6_000),
        (Kind::Webp, 160, 160, 4_000),
        (Kind::Png, 160, 90, 2_000),
    ] {
        let s = synthesize(&Spec {
            kind,
            size,
            seed: 7,
            width: w,
            height: h,
            label: "AB",
        });
        assert_eq!((s.kind, s.width, s.height), (kind, w, h));
        assert_eq!(s.bytes.len(), size);
        assert_eq!(decodes(&s.bytes), (w, h));
    }
}

#[test]
fn deterministic_for_a_seed() {
    for kind in [Kind::Jpeg, Kind::Png, Kind::Webp, Kind::Other] {
        let a = synthesize(&spec(kind, 9_000, 5));
        assert_eq!(a, synthesize(&spec(kind, 9_000, 5)));
        assert_ne!(a.bytes, synthesize(&spec(kind, 9_000, 6)).bytes);
    }
}

#[test]
fn fallbacks() {
    // WebP files are even-sized: an odd one is a PNG.
    let s = synthesize(&spec(Kind::Webp, 10_001, 3));
    assert_eq!((s.kind, s.bytes.len()), (Kind::Png, 10_001));
    decodes(&s.bytes);
    // Too small for a JPEG, still a PNG.
    let s = synthesize(&spec(Kind::Jpeg, 120, 3));
    assert_eq!((s.kind, s.bytes.len()), (Kind::Png, 120));
    decodes(&s.bytes);
    // Too small for any picture: filler.
    for size in [0, 1, 50] {
        let s = synthesize(&spec(Kind::Jpeg, size, 3));
        assert_eq!((s.kind, s.bytes.len()), (Kind::Other, size));
    }
    let s = synthesize(&spec(Kind::Other, 77, 3));
    assert_eq!((s.kind, s.bytes.len()), (Kind::Other, 77));
    // Huge dimensions are drawn smaller.
    let s = synthesize(&Spec {
        width: 10_000,
        height: 5_000,
        ..spec(Kind::Png, 50_000, 1)
    });
    assert_eq!((s.width, s.height), (MAX_SIDE, MAX_SIDE / 2));
    // The sizes of a photo share one drawing.
    let spec = |size| Spec {
        width: 1280,
        height: 960,
        ..spec(Kind::Jpeg, size, 4)
    };
    let (x, y) = (synthesize(&spec(60_000)), synthesize(&spec(300_000)));
    assert_eq!((x.width, x.height, y.width, y.height), (160, 120, 160, 120));
}

#[test]
fn like_keeps_kind_size_and_dimensions() {
    let original = synthesize(&Spec {
        width: 150,
        height: 100,
        ..spec(Kind::Webp, 9_000, 11)
    });
    let copy = like(&original.bytes, 12, "X");
    assert_eq!(
        (copy.kind, copy.bytes.len(), copy.width, copy.height),
        (Kind::Webp, 9_000, 150, 100)
    );
    assert_ne!(copy.bytes, original.bytes);
    let other = like(b"OggS and some audio", 1, "");
    assert_eq!((other.kind, other.bytes.len()), (Kind::Other, 19));
}
