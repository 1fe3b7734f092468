//! The one error type of the `mtp` layer.
//!
//! Every check the MTProto documents ask for on a received message
//! (<https://core.telegram.org/mtproto/security_guidelines#mtproto-encrypted-messages>,
//! <https://core.telegram.org/mtproto/description#important-checks>) has its own
//! variant, so tests can `assert_eq!` on exactly which check fired. A message
//! that fails a check is dropped whole: nothing in it is acted upon.

use tl::DeserializeError;

/// Why a frame or message was refused, or why a request failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// The frame is too short to be an encrypted message, or its encrypted
    /// part is not a whole number of 16-byte AES blocks.
    #[error("encrypted frame of {len} bytes has an impossible length")]
    FrameLength {
        /// Length of the frame.
        len: usize,
    },
    /// The frame names another authorization key.
    #[error("auth_key_id {got:#018x} is not ours ({expected:#018x})")]
    AuthKeyId {
        /// The id in the frame (little-endian int64).
        got: i64,
        /// The id of our key.
        expected: i64,
    },
    /// The `msg_key` does not match the SHA-256 of the decrypted data: the
    /// frame was tampered with, corrupted, or encrypted in the other direction.
    #[error("msg_key does not match the decrypted data")]
    MsgKey,
    /// The `message_data_length` field is negative, not a multiple of 4, or
    /// larger than the plaintext.
    #[error("message length {declared} does not fit in {available} bytes")]
    MessageLength {
        /// The length the message declares.
        declared: i64,
        /// The bytes actually there.
        available: usize,
    },
    /// The padding after the message is outside 12..=1024 bytes.
    #[error("padding of {padding} bytes is outside 12..=1024")]
    Padding {
        /// Bytes of padding found.
        padding: usize,
    },
    /// The message belongs to another session (a security error for a client).
    #[error("session_id {got:#018x} is not ours ({expected:#018x})")]
    SessionId {
        /// The session id in the message.
        got: i64,
        /// Ours.
        expected: i64,
    },
    /// A msg_id with the wrong low bits for the sender's role (client ids are
    /// divisible by 4, server ids are odd).
    #[error("msg_id {msg_id:#018x} has the wrong parity for its sender")]
    MsgIdParity {
        /// The offending id.
        msg_id: i64,
    },
    /// A msg_id seen recently: a replay or a duplicate delivery.
    #[error("msg_id {msg_id:#018x} was already received")]
    DuplicateMsgId {
        /// The repeated id.
        msg_id: i64,
    },
    /// A msg_id lower than every id in the window of recent ids.
    #[error("msg_id {msg_id:#018x} is older than every recent message")]
    StaleMsgId {
        /// The old id.
        msg_id: i64,
    },
    /// A msg_id whose time is more than 300 s in the past or 30 s in the
    /// future of ours.
    #[error("msg_id {msg_id:#018x} is {skew} s away from our clock")]
    MsgIdTime {
        /// The id.
        msg_id: i64,
        /// Its time minus ours, in seconds.
        skew: i64,
    },
    /// A container inside a container, or inside `gzip_packed`.
    #[error("a container is nested where it may not be")]
    NestedContainer,
    /// A message in a container whose msg_id is not lower than the
    /// container's own.
    #[error("message {inner:#018x} is not older than its container {container:#018x}")]
    ContainerMsgId {
        /// The inner id.
        inner: i64,
        /// The container id.
        container: i64,
    },
    /// A container that claims more messages than allowed.
    #[error("container holds {count} messages")]
    ContainerCount {
        /// The count it declares.
        count: i64,
    },
    /// Bytes left after the last message of a container or a plain message.
    #[error("{extra} unexpected bytes after the message")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// TL data that does not decode.
    #[error("undecodable TL data: {0}")]
    Decode(#[from] DeserializeError),
    /// `gzip_packed` data that is not valid gzip.
    #[error("corrupt gzip_packed data: {0}")]
    Gzip(String),
    /// `gzip_packed` data that inflates beyond the configured limit.
    #[error("gzip_packed data inflates beyond {limit} bytes")]
    GzipTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A plain (unencrypted) frame whose auth_key_id is not 0.
    #[error("plain message with auth_key_id {got:#018x}")]
    NotPlain {
        /// The id found.
        got: i64,
    },
    /// The server refused the request with a `bad_msg_notification` code
    /// that resending cannot fix.
    #[error("the peer refused the message with bad_msg_notification {code}")]
    BadMsg {
        /// The error code.
        code: i32,
    },
    /// The request was refused and resent too many times.
    #[error("gave up after resending {attempts} times")]
    TooManyResends {
        /// Resends done.
        attempts: u32,
    },
    /// Server role: the message was refused, and a `bad_msg_notification` or
    /// `bad_server_salt` with this code was queued for the client.
    #[error("refused the client's message with code {code}")]
    Refused {
        /// The code sent back.
        code: i32,
    },
    /// A message that this role never receives (for example an `rpc_result`
    /// sent to the server, or a `future_salts` answering nothing we asked).
    #[error("unexpected message {constructor:#010x}")]
    Unexpected {
        /// Its constructor id.
        constructor: u32,
    },
}

impl Error {
    /// Whether the error says the frame failed authentication or integrity
    /// checks. The security guidelines recommend closing the connection and
    /// retrying on a new one after such an error.
    pub fn is_security(&self) -> bool {
        matches!(
            self,
            Self::FrameLength { .. }
                | Self::AuthKeyId { .. }
                | Self::MsgKey
                | Self::MessageLength { .. }
                | Self::Padding { .. }
                | Self::SessionId { .. }
                | Self::MsgIdParity { .. }
        )
    }
}
