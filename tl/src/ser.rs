//! Encoding TL values into bytes.
//!
//! Bare values write only their fields; boxed values (enums, functions,
//! `Vector<T>`, `Bool`) start with their 4-byte constructor id.

use crate::{Raw, RawVec};

/// Constructor id of the boxed `Vector t` type.
pub const VECTOR_ID: u32 = 0x1cb5c415;
/// Constructor id of `boolTrue`.
pub const BOOL_TRUE_ID: u32 = 0x997275b5;
/// Constructor id of `boolFalse`.
pub const BOOL_FALSE_ID: u32 = 0xbc799737;

/// A value that can be written in TL binary form.
pub trait Serializable {
    /// Appends the TL encoding of `self` to `buf`.
    fn serialize(&self, buf: &mut Vec<u8>);

    /// The TL encoding of `self` as a new buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        self.serialize(&mut buf);
        buf
    }
}

impl<T: Serializable + ?Sized> Serializable for &T {
    fn serialize(&self, buf: &mut Vec<u8>) {
        (**self).serialize(buf)
    }
}

impl<T: Serializable + ?Sized> Serializable for Box<T> {
    fn serialize(&self, buf: &mut Vec<u8>) {
        (**self).serialize(buf)
    }
}

impl Serializable for i32 {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_le_bytes());
    }
}

impl Serializable for u32 {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_le_bytes());
    }
}

impl Serializable for i64 {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_le_bytes());
    }
}

impl Serializable for f64 {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_le_bytes());
    }
}

impl Serializable for bool {
    /// The boxed `Bool` type: `boolTrue` or `boolFalse`.
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        let id = if *self { BOOL_TRUE_ID } else { BOOL_FALSE_ID };
        id.serialize(buf)
    }
}

impl<const N: usize> Serializable for [u8; N] {
    /// `int128` and `int256`: raw little-endian bytes.
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(self);
    }
}

impl Serializable for String {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        bytes(self.as_bytes(), buf)
    }
}

impl Serializable for str {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        bytes(self.as_bytes(), buf)
    }
}

impl<T: Serializable> Serializable for Vec<T> {
    /// The boxed `Vector<T>`: constructor id, count, items.
    fn serialize(&self, buf: &mut Vec<u8>) {
        VECTOR_ID.serialize(buf);
        (self.len() as i32).serialize(buf);
        for item in self {
            item.serialize(buf);
        }
    }
}

impl<T: Serializable> Serializable for RawVec<T> {
    /// The bare `vector<T>`: count, items.
    fn serialize(&self, buf: &mut Vec<u8>) {
        (self.0.len() as i32).serialize(buf);
        for item in &self.0 {
            item.serialize(buf);
        }
    }
}

impl Serializable for Raw {
    /// Already-encoded bytes, written as they are.
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.0);
    }
}

/// Writes TL `bytes` (and `string`): a 1-byte length up to 253, else `0xfe`
/// and a 3-byte length; then the data, then zero padding to a multiple of 4.
///
/// TL cannot express more than 2^24 - 1 bytes; longer data is a caller bug and
/// is cut to that length (a debug build asserts).
#[inline]
pub fn bytes(data: &[u8], buf: &mut Vec<u8>) {
    debug_assert!(data.len() < 1 << 24, "TL bytes longer than 16 MiB");
    let data = &data[..data.len().min((1 << 24) - 1)];
    let header = if data.len() <= 253 {
        buf.push(data.len() as u8);
        1
    } else {
        let len = data.len() as u32;
        buf.extend_from_slice(&[0xfe, len as u8, (len >> 8) as u8, (len >> 16) as u8]);
        4
    };
    buf.extend_from_slice(data);
    let padding = (4 - (header + data.len()) % 4) % 4;
    buf.extend_from_slice(&[0u8; 3][..padding]);
}

/// Writes a boxed `Vector<bytes>`.
pub fn bytes_vec(items: &[Vec<u8>], buf: &mut Vec<u8>) {
    VECTOR_ID.serialize(buf);
    (items.len() as i32).serialize(buf);
    for item in items {
        bytes(item, buf);
    }
}

/// Writes a bare `vector<bytes>`.
pub fn bytes_raw_vec(items: &RawVec<Vec<u8>>, buf: &mut Vec<u8>) {
    (items.0.len() as i32).serialize(buf);
    for item in &items.0 {
        bytes(item, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bytes_are_padded_to_four() {
        let mut buf = Vec::new();
        bytes(b"abc", &mut buf);
        assert_eq!(buf, [3, b'a', b'b', b'c']);
        buf.clear();
        bytes(b"abcd", &mut buf);
        assert_eq!(buf, [4, b'a', b'b', b'c', b'd', 0, 0, 0]);
        buf.clear();
        bytes(b"", &mut buf);
        assert_eq!(buf, [0, 0, 0, 0]);
    }

    #[test]
    fn long_bytes_use_the_three_byte_length() {
        let data = vec![7u8; 254];
        let mut buf = Vec::new();
        bytes(&data, &mut buf);
        assert_eq!(&buf[..4], &[0xfe, 254, 0, 0]);
        assert_eq!(buf.len(), 4 + 254 + 2);
        assert_eq!(buf.len() % 4, 0);
    }

    #[test]
    fn vectors_and_bools() {
        assert_eq!(
            vec![1i32, 2].to_bytes(),
            [0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]
        );
        assert_eq!(
            RawVec(vec![5i64]).to_bytes(),
            [1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(true.to_bytes(), BOOL_TRUE_ID.to_le_bytes());
        assert_eq!(false.to_bytes(), BOOL_FALSE_ID.to_le_bytes());
    }
}
