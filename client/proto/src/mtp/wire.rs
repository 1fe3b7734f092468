//! The MTProto envelope types the generated code does not cover.
//!
//! `mtproto.tl` comments these out ("parsed manually") because their
//! `Object` fields hold any serialized object; they are written by hand here,
//! as grammers does in `manual_tl.rs`
//! (<https://core.telegram.org/mtproto/service_messages>).

use tl::Cursor;

use super::error::Error;

/// `msg_container#73f1f8dc messages:vector<message> = MessageContainer;`
pub const MSG_CONTAINER_ID: u32 = 0x73f1_f8dc;
/// `rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;`
pub const RPC_RESULT_ID: u32 = 0xf35c_6d01;
/// `gzip_packed#3072cfa1 packed_data:bytes = Object;`
pub const GZIP_PACKED_ID: u32 = 0x3072_cfa1;
/// `msg_copy#e06046b2 orig_message:Message = MessageCopy;` (unused by
/// Telegram "at this time"; refused like a nested container).
pub const MSG_COPY_ID: u32 = 0xe060_46b2;

/// Bytes of a `message` header: msg_id, seqno, bytes.
pub const MESSAGE_HEADER_LEN: usize = 8 + 4 + 4;

/// `message msg_id:long seqno:int bytes:int body:Object = Message;`
///
/// `bytes` is the length of `body`, which must be a multiple of 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The message id.
    pub msg_id: i64,
    /// The sequence number (odd when content-related).
    pub seq_no: i32,
    /// The serialized object.
    pub body: Vec<u8>,
}

impl Message {
    /// Appends the bare `message` to `buf`.
    pub fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.msg_id.to_le_bytes());
        buf.extend_from_slice(&self.seq_no.to_le_bytes());
        let len = i32::try_from(self.body.len()).unwrap_or(i32::MAX);
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&self.body);
    }

    /// Reads one bare `message`, checking `bytes` is a non-negative multiple
    /// of 4 that fits in what is left.
    pub fn deserialize(cur: &mut Cursor<'_>) -> Result<Self, Error> {
        let msg_id = cur.read_i64()?;
        let seq_no = cur.read_i32()?;
        let declared = cur.read_i32()?;
        let available = cur.remaining();
        let len = usize::try_from(declared)
            .ok()
            .filter(|&n| n % 4 == 0 && n <= available)
            .ok_or(Error::MessageLength {
                declared: declared.into(),
                available,
            })?;
        let body = cur.take(len)?.to_vec();
        Ok(Self {
            msg_id,
            seq_no,
            body,
        })
    }

    /// Bytes this message takes inside a container.
    pub fn wire_len(&self) -> usize {
        MESSAGE_HEADER_LEN + self.body.len()
    }
}

/// The constructor id at the start of `body`.
pub fn constructor_of(body: &[u8]) -> Result<u32, Error> {
    Ok(Cursor::new(body).peek_u32()?)
}

/// `rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcResult<'a> {
    /// The id of the query this answers.
    pub req_msg_id: i64,
    /// The serialized answer (maybe `gzip_packed` or `rpc_error`).
    pub result: &'a [u8],
}

impl<'a> RpcResult<'a> {
    /// Reads a boxed `rpc_result`; `result` is every byte after `req_msg_id`.
    pub fn parse(body: &'a [u8]) -> Result<Self, Error> {
        let mut cur = Cursor::new(body);
        cur.expect_id(RPC_RESULT_ID, "RpcResult")?;
        let req_msg_id = cur.read_i64()?;
        let result = cur.rest();
        // The result is at least a constructor id.
        Cursor::new(result).peek_u32()?;
        Ok(Self { req_msg_id, result })
    }

    /// Appends a boxed `rpc_result` to `buf`.
    pub fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&RPC_RESULT_ID.to_le_bytes());
        buf.extend_from_slice(&self.req_msg_id.to_le_bytes());
        buf.extend_from_slice(self.result);
    }
}

/// Reads the `packed_data` of a boxed `gzip_packed`.
pub fn parse_gzip_packed(body: &[u8]) -> Result<&[u8], Error> {
    let mut cur = Cursor::new(body);
    cur.expect_id(GZIP_PACKED_ID, "gzip_packed")?;
    let data = cur.read_bytes()?;
    if cur.remaining() != 0 {
        return Err(Error::TrailingBytes {
            extra: cur.remaining(),
        });
    }
    Ok(data)
}

/// Appends a boxed `gzip_packed` holding `packed` (already compressed).
pub fn serialize_gzip_packed(packed: &[u8], buf: &mut Vec<u8>) {
    buf.extend_from_slice(&GZIP_PACKED_ID.to_le_bytes());
    tl::ser::bytes(packed, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_round_trip_and_length_checks() {
        let m = Message {
            msg_id: 0x1234_5678_9abc_def0,
            seq_no: 3,
            body: vec![1, 2, 3, 4, 5, 6, 7, 8],
        };
        let mut buf = Vec::new();
        m.serialize(&mut buf);
        assert_eq!(buf.len(), m.wire_len());
        assert_eq!(Message::deserialize(&mut Cursor::new(&buf)), Ok(m));

        for bad in [-4i32, 6, 12] {
            let mut b = buf.clone();
            b[12..16].copy_from_slice(&bad.to_le_bytes());
            assert_eq!(
                Message::deserialize(&mut Cursor::new(&b)),
                Err(Error::MessageLength {
                    declared: bad.into(),
                    available: 8
                })
            );
        }
        assert!(matches!(
            Message::deserialize(&mut Cursor::new(&buf[..10])),
            Err(Error::Decode(_))
        ));
    }

    #[test]
    fn rpc_result_round_trip() {
        let inner = 0x2144_ca19u32.to_le_bytes();
        let mut buf = Vec::new();
        RpcResult {
            req_msg_id: 42,
            result: &inner,
        }
        .serialize(&mut buf);
        assert_eq!(constructor_of(&buf), Ok(RPC_RESULT_ID));
        let r = RpcResult::parse(&buf).expect("parses");
        assert_eq!((r.req_msg_id, r.result), (42, &inner[..]));
        assert!(RpcResult::parse(&buf[..12]).is_err());
        assert!(RpcResult::parse(&inner).is_err());
    }

    #[test]
    fn gzip_packed_framing() {
        let mut buf = Vec::new();
        serialize_gzip_packed(&[9; 300], &mut buf);
        assert_eq!(buf.len() % 4, 0);
        assert_eq!(parse_gzip_packed(&buf), Ok(&[9u8; 300][..]));
        buf.extend_from_slice(&[0; 4]);
        assert_eq!(
            parse_gzip_packed(&buf),
            Err(Error::TrailingBytes { extra: 4 })
        );
        assert!(parse_gzip_packed(&[1, 2, 3]).is_err());
    }
}
