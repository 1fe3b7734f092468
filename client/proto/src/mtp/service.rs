//! Small helpers to write and read boxed service objects with the generated
//! bare structs.

use tl::{Cursor, Deserializable, Identifiable, Serializable};

use super::error::Error;

/// `v` with its constructor id in front (a boxed object).
pub(super) fn boxed<T: Identifiable + Serializable>(v: &T) -> Vec<u8> {
    let mut buf = T::CONSTRUCTOR_ID.to_le_bytes().to_vec();
    v.serialize(&mut buf);
    buf
}

/// Reads the bare `T` after the constructor id at the start of `body`
/// (the caller already matched the id).
pub(super) fn unbox<T: Identifiable + Deserializable>(body: &[u8]) -> Result<T, Error> {
    let mut cur = Cursor::new(body);
    cur.expect_id(T::CONSTRUCTOR_ID, std::any::type_name::<T>())?;
    Ok(T::deserialize(&mut cur)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxed_round_trip() {
        let ack = tl::types::MsgsAck {
            msg_ids: vec![1, 2, 3],
        };
        let body = boxed(&ack);
        assert_eq!(body[..4], 0x62d6_b459u32.to_le_bytes());
        assert_eq!(unbox::<tl::types::MsgsAck>(&body), Ok(ack));
        assert!(unbox::<tl::types::Pong>(&body).is_err());
    }
}
