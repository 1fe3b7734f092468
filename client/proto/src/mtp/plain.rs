//! Unencrypted messages, used only by the auth key exchange.
//!
//! <https://core.telegram.org/mtproto/description#unencrypted-message>:
//! `auth_key_id = 0 (int64) | message_id (int64) | message_data_length (int32)
//! | message_data`. No salt, session or seqno. Kept apart from the encrypted
//! session (as grammers does) so an encrypted session always has a key.

use std::time::Duration;

use super::Role;
use super::error::Error;
use super::msg_id::MsgIdGen;

/// Bytes before the data: auth_key_id, message_id, length.
const HEADER_LEN: usize = 8 + 8 + 4;

/// One decoded plain message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainMessage {
    /// The message id.
    pub msg_id: i64,
    /// `message_data`.
    pub body: Vec<u8>,
}

/// Serializes a plain message.
pub fn encode(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&0i64.to_le_bytes());
    out.extend_from_slice(&msg_id.to_le_bytes());
    let len = i32::try_from(body.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Parses a plain message: auth_key_id must be 0 and the length must fit in
/// the frame. Up to 15 bytes after the message are the padded intermediate
/// transport's padding and are ignored; more is an error.
pub fn decode(frame: &[u8]) -> Result<PlainMessage, Error> {
    let mut cur = tl::Cursor::new(frame);
    let key_id = cur.read_i64()?;
    if key_id != 0 {
        return Err(Error::NotPlain { got: key_id });
    }
    let msg_id = cur.read_i64()?;
    let declared = cur.read_i32()?;
    let available = cur.remaining();
    let len = usize::try_from(declared)
        .ok()
        .filter(|&n| n <= available)
        .ok_or(Error::MessageLength {
            declared: declared.into(),
            available,
        })?;
    if available - len > 15 {
        return Err(Error::TrailingBytes {
            extra: available - len,
        });
    }
    Ok(PlainMessage {
        msg_id,
        body: cur.take(len)?.to_vec(),
    })
}

/// Plain messages for one side of a key exchange: our msg_ids, and parity
/// checks on the peer's.
#[derive(Clone, Debug)]
pub struct Plain {
    role: Role,
    ids: MsgIdGen,
}

impl Plain {
    /// Plain messaging as `role`, with no time offset yet.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            ids: MsgIdGen::new(0),
        }
    }

    /// Wraps `body` in a plain message with a fresh msg_id (a server's are
    /// responses, ≡ 1 mod 4).
    pub fn pack(&mut self, body: &[u8], unix: Duration) -> Vec<u8> {
        let msg_id = match self.role {
            Role::Client => self.ids.next_client(unix),
            Role::Server => self.ids.next_server(unix, true),
        };
        encode(msg_id, body)
    }

    /// Unwraps a plain message from the peer, checking its msg_id parity.
    pub fn unpack(&self, frame: &[u8]) -> Result<Vec<u8>, Error> {
        let m = decode(frame)?;
        let ok = match self.role {
            Role::Client => m.msg_id & 1 == 1,
            Role::Server => m.msg_id & 3 == 0,
        };
        if !ok {
            return Err(Error::MsgIdParity { msg_id: m.msg_id });
        }
        Ok(m.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `req_pq_multi` message of https://core.telegram.org/mtproto/samples-auth_key
    /// (docs/architecture.md#auth-key-sample): msg_id 0x65C53D50000672D4, length 20.
    #[test]
    fn decodes_the_documented_req_pq_multi() {
        let mut frame = vec![0u8; 8];
        frame.extend_from_slice(&0x65C5_3D50_0006_72D4_i64.to_le_bytes());
        frame.extend_from_slice(&20i32.to_le_bytes());
        frame.extend_from_slice(&0xbe7e_8ef1u32.to_le_bytes());
        frame.extend_from_slice(&[
            0x40, 0x67, 0x09, 0xF6, 0x12, 0xFA, 0xDF, 0xBE, 0xC3, 0xF0, 0x28, 0x9D, 0x0A, 0xA6,
            0x7E, 0xEF,
        ]);
        let m = decode(&frame).expect("valid");
        assert_eq!(m.msg_id, 0x65C5_3D50_0006_72D4);
        assert_eq!(m.body.len(), 20);
        assert_eq!(encode(m.msg_id, &m.body), frame);
        assert_eq!(Plain::new(Role::Server).unpack(&frame), Ok(m.body));
    }

    #[test]
    fn bad_input_is_typed() {
        let good = encode(5, &[1, 2, 3, 4]);
        let mut keyed = good.clone();
        keyed[0] = 1;
        assert_eq!(decode(&keyed), Err(Error::NotPlain { got: 1 }));
        assert_eq!(
            decode(&good[..good.len() - 1]),
            Err(Error::MessageLength {
                declared: 4,
                available: 3
            })
        );
        // Padded-intermediate padding (up to 15 bytes) is ignored; more is not.
        let mut long = good.clone();
        long.extend([0; 15]);
        assert_eq!(decode(&long).unwrap().body, decode(&good).unwrap().body);
        long.push(0);
        assert_eq!(decode(&long), Err(Error::TrailingBytes { extra: 16 }));
        let mut neg = good.clone();
        neg[16..20].copy_from_slice(&(-1i32).to_le_bytes());
        assert!(matches!(
            decode(&neg),
            Err(Error::MessageLength { declared: -1, .. })
        ));
        assert!(matches!(decode(&good[..10]), Err(Error::Decode(_))));
    }

    #[test]
    fn parity_per_role() {
        let t = Duration::from_secs(1_700_000_000);
        let mut client = Plain::new(Role::Client);
        let mut server = Plain::new(Role::Server);
        let from_client = client.pack(b"ping", t);
        let from_server = server.pack(b"pong", t);
        assert_eq!(server.unpack(&from_client), Ok(b"ping".to_vec()));
        assert_eq!(client.unpack(&from_server), Ok(b"pong".to_vec()));
        assert!(matches!(
            client.unpack(&from_client),
            Err(Error::MsgIdParity { .. })
        ));
        assert!(matches!(
            server.unpack(&from_server),
            Err(Error::MsgIdParity { .. })
        ));
    }
}
