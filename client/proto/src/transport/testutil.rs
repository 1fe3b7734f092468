//! Test helpers shared by the transport tests: a seeded random source,
//! chunked feeding of decoders and proptest strategies.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::sample::Index;
use tokio_util::codec::{Decoder, Encoder};

use super::{Random, TransportError};

/// A deterministic xorshift64* generator (not for real use).
pub(crate) fn rng(seed: u64) -> Box<dyn Random> {
    let mut state = seed | 1;
    Box::new(move |buf: &mut [u8]| {
        for b in buf {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            *b = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
    })
}

/// Encodes every payload in turn into one stream.
pub(crate) fn encode_all<E>(enc: &mut E, payloads: &[Vec<u8>]) -> BytesMut
where
    E: Encoder<Bytes, Error = TransportError>,
{
    let mut out = BytesMut::new();
    for p in payloads {
        enc.encode(Bytes::copy_from_slice(p), &mut out)
            .expect("encode");
    }
    out
}

/// Feeds `stream` to `dec` in pieces cut at `cuts` (positions, any order),
/// decoding as many frames as possible after each piece. Returns the frames
/// and how many bytes were left undecoded.
pub(crate) fn feed<D>(
    dec: &mut D,
    stream: &[u8],
    cuts: &[usize],
) -> Result<(Vec<BytesMut>, usize), TransportError>
where
    D: Decoder<Item = BytesMut, Error = TransportError>,
{
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(stream.len())).collect();
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut at = 0;
    for cut in cuts {
        buf.extend_from_slice(&stream[at..cut]);
        at = cut;
        while let Some(frame) = dec.decode(&mut buf)? {
            frames.push(frame);
        }
    }
    Ok((frames, buf.len()))
}

/// Between 1 and 6 payloads of 1..=300 words (so that both abridged length
/// forms occur), with random contents.
pub(crate) fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        (1usize..=300).prop_flat_map(|words| prop::collection::vec(any::<u8>(), words * 4)),
        1..6,
    )
}

/// Up to 12 cut points, resolved against the stream length by [`positions`].
pub(crate) fn cuts() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..12)
}

/// Resolves proptest indices into positions within `len` bytes.
pub(crate) fn positions(cuts: &[Index], len: usize) -> Vec<usize> {
    cuts.iter().map(|i| i.index(len + 1)).collect()
}
