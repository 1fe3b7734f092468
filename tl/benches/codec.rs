//! `cargo bench -p tl`: decoding and encoding a `messages.messagesSlice` of
//! 100 realistic messages (text with entities, photo, video document with
//! attributes, reply, forward, reactions), ours and grammers-tl-types on the
//! same bytes, in one run.
// Test code: an unwrap or expect that fails is a failing test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! defines an undocumented `pub fn benches`.
#![allow(missing_docs)]

#[path = "../tests/support/realistic.rs"]
mod realistic;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn codec(c: &mut Criterion) {
    let ours = realistic::messages_slice(100);
    let bytes = tl::Serializable::to_bytes(&ours);
    let theirs =
        <grammers_tl_types::enums::messages::Messages as grammers_tl_types::Deserializable>::from_bytes(&bytes)
            .expect("grammers decodes our slice");
    assert_eq!(
        grammers_tl_types::Serializable::to_bytes(&theirs),
        bytes,
        "same bytes both ways"
    );

    let mut group = c.benchmark_group("messages_slice_100");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("decode/tl", |b| {
        b.iter(|| {
            <tl::enums::messages::Messages as tl::Deserializable>::from_bytes(black_box(&bytes))
                .unwrap()
        })
    });
    group.bench_function("decode/grammers", |b| {
        b.iter(|| {
            <grammers_tl_types::enums::messages::Messages as grammers_tl_types::Deserializable>::from_bytes(
                black_box(&bytes),
            )
            .unwrap()
        })
    });
    group.bench_function("encode/tl", |b| {
        let mut buf = Vec::with_capacity(bytes.len());
        b.iter(|| {
            buf.clear();
            tl::Serializable::serialize(black_box(&ours), &mut buf);
            buf.len()
        })
    });
    group.bench_function("encode/grammers", |b| {
        let mut buf = Vec::with_capacity(bytes.len());
        b.iter(|| {
            buf.clear();
            grammers_tl_types::Serializable::serialize(black_box(&theirs), &mut buf);
            buf.len()
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
