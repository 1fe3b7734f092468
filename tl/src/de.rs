//! Decoding TL values from bytes.
//!
//! Decoding never panics and never allocates more than the input justifies:
//! every length read from the input is checked against the bytes that remain
//! before anything is reserved.

use std::fmt;

use crate::ser::{BOOL_FALSE_ID, BOOL_TRUE_ID, VECTOR_ID};
use crate::{Raw, RawVec};

/// Why a buffer could not be decoded as the requested TL type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeserializeError {
    /// The input ended while `needed` more bytes were expected.
    UnexpectedEof {
        /// Bytes the next read needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A constructor id that the expected type does not have.
    UnexpectedConstructor {
        /// The id read from the input.
        id: u32,
        /// The TL type that was expected.
        expected: &'static str,
    },
    /// A vector or string length that cannot fit in what is left of the input.
    LengthOverflow {
        /// The length read from the input.
        len: i64,
        /// Bytes that were left.
        remaining: usize,
    },
}

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEof { needed, remaining } => write!(
                f,
                "unexpected end of TL data: needed {needed} more bytes, {remaining} left"
            ),
            Self::UnexpectedConstructor { id, expected } => {
                write!(f, "unexpected constructor {id:#010x}")?;
                if let Some(name) = crate::name_for_id(*id) {
                    write!(f, " ({name})")?;
                }
                write!(f, " where {expected} was expected")
            }
            Self::LengthOverflow { len, remaining } => write!(
                f,
                "TL length {len} does not fit in the {remaining} bytes left"
            ),
        }
    }
}

impl std::error::Error for DeserializeError {}

/// Result of a decode.
pub type Result<T> = std::result::Result<T, DeserializeError>;

/// A read position over a borrowed buffer.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The unread part of the buffer.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(DeserializeError::UnexpectedEof {
                needed: n,
                remaining: self.remaining(),
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Takes the next `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads a little-endian `u32` (constructor ids, flag words).
    #[inline]
    pub fn read_u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `int`.
    #[inline]
    pub fn read_i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `long`.
    #[inline]
    pub fn read_i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// Reads the next `u32` without consuming it.
    pub fn peek_u32(&self) -> Result<u32> {
        self.clone().read_u32()
    }

    /// Reads TL `bytes`/`string` data, borrowed from the input.
    #[inline]
    pub fn read_bytes(&mut self) -> Result<&'a [u8]> {
        let first = self.take(1)?[0];
        let (len, header) = if first == 0xfe {
            let b = self.take(3)?;
            (
                usize::from(b[0]) | usize::from(b[1]) << 8 | usize::from(b[2]) << 16,
                4,
            )
        } else if first == 0xff {
            // 0xff is not a valid length prefix in TL.
            return Err(DeserializeError::LengthOverflow {
                len: 0xff,
                remaining: self.remaining(),
            });
        } else {
            (usize::from(first), 1)
        };
        if len > self.remaining() {
            return Err(DeserializeError::LengthOverflow {
                len: len as i64,
                remaining: self.remaining(),
            });
        }
        let data = self.take(len)?;
        let padding = (4 - (header + len) % 4) % 4;
        self.take(padding)?;
        Ok(data)
    }

    /// Reads a vector length and checks that `len` items of at least
    /// `min_size` bytes each (or one byte for empty items) fit in the rest.
    #[inline]
    pub fn read_len(&mut self, min_size: usize) -> Result<usize> {
        let len = self.read_i32()?;
        let remaining = self.remaining();
        if len < 0 || len as usize > remaining / min_size.max(1) {
            return Err(DeserializeError::LengthOverflow {
                len: len.into(),
                remaining,
            });
        }
        Ok(len as usize)
    }

    /// Reads the boxed `Vector` constructor id.
    #[inline]
    pub fn expect_vector(&mut self) -> Result<()> {
        match self.read_u32()? {
            VECTOR_ID => Ok(()),
            id => Err(DeserializeError::UnexpectedConstructor {
                id,
                expected: "Vector",
            }),
        }
    }

    /// Reads a constructor id and checks it is `expected_id`.
    #[inline]
    pub fn expect_id(&mut self, expected_id: u32, expected: &'static str) -> Result<()> {
        match self.read_u32()? {
            id if id == expected_id => Ok(()),
            id => Err(DeserializeError::UnexpectedConstructor { id, expected }),
        }
    }
}

/// A value that can be read from TL binary form.
pub trait Deserializable: Sized {
    /// The fewest bytes any value of this type takes on the wire; bounds the
    /// length of vectors of it.
    const MIN_SIZE: usize;

    /// Reads a value, advancing the cursor past it.
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self>;

    /// Moves the cursor past a value without building it (no allocation in
    /// the generated types). It fails wherever [`Self::deserialize`] fails
    /// and consumes the same bytes when it succeeds.
    #[inline]
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        Self::deserialize(buf).map(drop)
    }

    /// Reads a value from the start of `bytes` (trailing bytes are ignored).
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::deserialize(&mut Cursor::new(bytes))
    }
}

impl<T: Deserializable> Deserializable for Box<T> {
    const MIN_SIZE: usize = T::MIN_SIZE;
    #[inline]
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        T::deserialize(buf).map(Box::new)
    }
    #[inline]
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        T::skip(buf)
    }
}

macro_rules! le_int {
    ($($ty:ty),*) => {$(
        impl Deserializable for $ty {
            const MIN_SIZE: usize = std::mem::size_of::<$ty>();
            #[inline]
            fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
                Ok(<$ty>::from_le_bytes(buf.array()?))
            }
            #[inline]
            fn skip(buf: &mut Cursor<'_>) -> Result<()> {
                buf.take(std::mem::size_of::<$ty>()).map(drop)
            }
        }
    )*};
}
le_int!(i32, u32, i64, f64);

impl Deserializable for bool {
    const MIN_SIZE: usize = 4;
    #[inline]
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        match buf.read_u32()? {
            BOOL_TRUE_ID => Ok(true),
            BOOL_FALSE_ID => Ok(false),
            id => Err(DeserializeError::UnexpectedConstructor {
                id,
                expected: "Bool",
            }),
        }
    }
}

impl<const N: usize> Deserializable for [u8; N] {
    const MIN_SIZE: usize = N;
    #[inline]
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        buf.array()
    }
    #[inline]
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        buf.take(N).map(drop)
    }
}

impl Deserializable for String {
    const MIN_SIZE: usize = 4;
    /// Telegram's strings are UTF-8; invalid sequences are replaced rather
    /// than failing the whole object.
    #[inline]
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        let data = buf.read_bytes()?;
        Ok(match std::str::from_utf8(data) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(data).into_owned(),
        })
    }
    #[inline]
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        buf.read_bytes().map(drop)
    }
}

impl<T: Deserializable> Deserializable for Vec<T> {
    const MIN_SIZE: usize = 8;
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        buf.expect_vector()?;
        let len = buf.read_len(T::MIN_SIZE)?;
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            out.push(T::deserialize(buf)?);
        }
        Ok(out)
    }
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        buf.expect_vector()?;
        RawVec::<T>::skip(buf)
    }
}

impl<T: Deserializable> Deserializable for RawVec<T> {
    const MIN_SIZE: usize = 4;
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        let len = buf.read_len(T::MIN_SIZE)?;
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            out.push(T::deserialize(buf)?);
        }
        Ok(RawVec(out))
    }
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        let len = buf.read_len(T::MIN_SIZE)?;
        for _ in 0..len {
            T::skip(buf)?;
        }
        Ok(())
    }
}

impl Deserializable for Raw {
    const MIN_SIZE: usize = 0;
    /// Takes every remaining byte.
    fn deserialize(buf: &mut Cursor<'_>) -> Result<Self> {
        let n = buf.remaining();
        Ok(Raw(buf.take(n)?.to_vec()))
    }
    fn skip(buf: &mut Cursor<'_>) -> Result<()> {
        buf.take(buf.remaining()).map(drop)
    }
}

/// Reads TL `bytes` into an owned buffer.
#[inline]
pub fn bytes(buf: &mut Cursor<'_>) -> Result<Vec<u8>> {
    buf.read_bytes().map(<[u8]>::to_vec)
}

/// Reads a boxed `Vector<bytes>`.
pub fn bytes_vec(buf: &mut Cursor<'_>) -> Result<Vec<Vec<u8>>> {
    buf.expect_vector()?;
    let len = buf.read_len(4)?;
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        out.push(bytes(buf)?);
    }
    Ok(out)
}

/// Reads a bare `vector<bytes>`.
pub fn bytes_raw_vec(buf: &mut Cursor<'_>) -> Result<RawVec<Vec<u8>>> {
    let len = buf.read_len(4)?;
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        out.push(bytes(buf)?);
    }
    Ok(RawVec(out))
}

/// Skips TL `bytes`.
#[inline]
pub fn skip_bytes(buf: &mut Cursor<'_>) -> Result<()> {
    buf.read_bytes().map(drop)
}

/// Skips a boxed `Vector<bytes>`.
pub fn skip_bytes_vec(buf: &mut Cursor<'_>) -> Result<()> {
    buf.expect_vector()?;
    skip_bytes_raw_vec(buf)
}

/// Skips a bare `vector<bytes>`.
pub fn skip_bytes_raw_vec(buf: &mut Cursor<'_>) -> Result<()> {
    let len = buf.read_len(4)?;
    for _ in 0..len {
        skip_bytes(buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Serializable;

    #[test]
    fn bytes_round_trip_at_the_length_boundaries() {
        for len in [0usize, 1, 3, 4, 253, 254, 255, 1000, 70_000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = Vec::new();
            crate::ser::bytes(&data, &mut buf);
            assert_eq!(buf.len() % 4, 0);
            let mut cur = Cursor::new(&buf);
            assert_eq!(bytes(&mut cur).unwrap(), data);
            assert_eq!(cur.remaining(), 0);
        }
    }

    #[test]
    fn huge_vector_length_is_refused_before_allocating() {
        let mut buf = Vec::new();
        VECTOR_ID.serialize(&mut buf);
        i32::MAX.serialize(&mut buf);
        assert!(matches!(
            Vec::<i64>::from_bytes(&buf),
            Err(DeserializeError::LengthOverflow { .. })
        ));
        let mut buf = Vec::new();
        VECTOR_ID.serialize(&mut buf);
        (-1i32).serialize(&mut buf);
        assert!(Vec::<i32>::from_bytes(&buf).is_err());
    }

    #[test]
    fn string_length_past_the_end_is_refused() {
        assert_eq!(
            String::from_bytes(&[0xfe, 0xff, 0xff, 0x00, b'a']),
            Err(DeserializeError::LengthOverflow {
                len: 0xffff,
                remaining: 1
            })
        );
        assert!(String::from_bytes(&[0xff, 0, 0, 0]).is_err());
    }

    #[test]
    fn bool_takes_only_its_two_ids() {
        assert_eq!(bool::from_bytes(&BOOL_TRUE_ID.to_le_bytes()), Ok(true));
        assert!(matches!(
            bool::from_bytes(&[1, 2, 3, 4]),
            Err(DeserializeError::UnexpectedConstructor { .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut buf = Vec::new();
        crate::ser::bytes(&[0x66, 0xff, 0x6f], &mut buf);
        assert_eq!(String::from_bytes(&buf).unwrap(), "f\u{fffd}o");
    }
}
