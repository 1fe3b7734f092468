//! MTProxy fake-TLS (`ee` secrets): obfuscated2 carried in TLS records
//! after a fake handshake ([`super::faketls_hello`] has the handshake and
//! the sources).
//!
//! A client codec writes its ClientHello and a ChangeCipherSpec record
//! before its first frame and checks the proxy's three-record answer before
//! it decodes anything else. A server codec starts after the handshake
//! (which the listener does with [`check_client_hello`] and
//! [`server_hello`], as it must refuse replays across connections).
//!
//! Outgoing bytes go in application-data records of at most
//! [`MAX_RECORD_OUT`] bytes: a frame longer than that spans several
//! records. Incoming records may split and join frames anywhere;
//! ChangeCipherSpec records are skipped.
//!
//! [`check_client_hello`]: super::faketls_hello::check_client_hello
//! [`server_hello`]: super::faketls_hello::server_hello

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::faketls_hello::{self, CHANGE_CIPHER_SPEC, DIGEST_LEN, FakeTlsError, HELLO_LEN};
use super::{Obfuscated, QuickAck, Random, StatusFrame, TransportError, TransportKind};

/// The most payload bytes in one record this codec writes (16 KiB, TLS's
/// plaintext record limit).
pub const MAX_RECORD_OUT: usize = 1 << 14;
/// The most payload bytes accepted in one incoming record: TLS 1.2's
/// ciphertext limit (2^14 + 2048, RFC 5246 section 6.2.3), which covers
/// what proxies send (`mtprotoproxy` writes up to 2^14 + 24).
pub const MAX_RECORD_IN: usize = (1 << 14) + 2048;
/// The TLS record header: type, version, big-endian length.
const HEADER: usize = 5;

/// Obfuscated2 inside fake-TLS records, in either role.
pub struct FakeTls {
    inner: Obfuscated,
    key: [u8; 16],
    /// Client: the hello, until it is written before the first frame.
    hello: Option<Box<[u8; HELLO_LEN]>>,
    /// Client: our hello's digest, until the proxy's answer is verified.
    awaiting: Option<[u8; DIGEST_LEN]>,
    /// The record payloads received: the obfuscated2 stream.
    plain: BytesMut,
}

impl std::fmt::Debug for FakeTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTls")
            .field("inner", &self.inner)
            .field("handshake_done", &self.awaiting.is_none())
            .finish_non_exhaustive()
    }
}

impl FakeTls {
    /// A client codec: the hello for `domain` at `unix_time` keyed with the
    /// secret's `key`, then obfuscated2 over `kind` keyed with it too.
    /// `random` gives the hello's fresh bytes, the obfuscated2 init and the
    /// padding.
    pub fn client(
        kind: TransportKind,
        key: [u8; 16],
        domain: &[u8],
        dc_id: i16,
        unix_time: u32,
        mut random: Box<dyn Random>,
    ) -> Result<Self, TransportError> {
        let (hello, digest) = faketls_hello::client_hello(&key, domain, unix_time, &mut *random)?;
        let inner = Obfuscated::client(kind, Some(key), dc_id, random)?;
        Ok(FakeTls {
            inner,
            key,
            hello: Some(Box::new(hello)),
            awaiting: Some(digest),
            plain: BytesMut::new(),
        })
    }

    /// A server codec for a connection whose hello was checked and
    /// answered: it reads the client's obfuscated2 init from the records.
    pub fn server(key: [u8; 16], random: Box<dyn Random>) -> Self {
        FakeTls {
            inner: Obfuscated::server(Some(key), random),
            key,
            hello: None,
            awaiting: None,
            plain: BytesMut::new(),
        }
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.inner = self.inner.with_max_frame(max_frame);
        self
    }

    /// The inner framing; `None` on a server before the init arrived.
    pub fn kind(&self) -> Option<TransportKind> {
        self.inner.kind()
    }

    /// The DC id of the obfuscated2 init.
    pub fn dc_id(&self) -> Option<i16> {
        self.inner.dc_id()
    }

    /// Client: checks and drops the proxy's answer once it is all there.
    /// `Ok(false)` while more bytes are needed.
    fn answer(&mut self, src: &mut BytesMut) -> Result<bool, TransportError> {
        let Some(digest) = self.awaiting else {
            return Ok(true);
        };
        let Some(len) = faketls_hello::server_hello_len(src)? else {
            src.reserve(HEADER);
            return Ok(false);
        };
        faketls_hello::verify_server_hello(&src[..len], &self.key, &digest)?;
        src.advance(len);
        self.awaiting = None;
        Ok(true)
    }

    /// Moves the next whole record's payload from `src` to `plain`.
    /// `Ok(false)` while it has not all arrived.
    fn next_record(&mut self, src: &mut BytesMut) -> Result<bool, TransportError> {
        let Some(&[kind, v0, v1, l0, l1]) = src.first_chunk::<HEADER>() else {
            return Ok(false);
        };
        if ![0x17, 0x14].contains(&kind) || [v0, v1] != [3, 3] {
            return Err(FakeTlsError::BadRecord {
                kind,
                version: [v0, v1],
            }
            .into());
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        if len > MAX_RECORD_IN {
            return Err(FakeTlsError::RecordTooLarge(len).into());
        }
        if src.len() < HEADER + len {
            src.reserve(HEADER + len - src.len());
            return Ok(false);
        }
        if kind == 0x17 {
            self.plain.extend_from_slice(&src[HEADER..HEADER + len]);
        }
        src.advance(HEADER + len);
        Ok(true)
    }

    /// Encodes with obfuscated2, then cuts what it appended into records; a
    /// client's hello and ChangeCipherSpec go first.
    fn encode_with<I>(&mut self, item: I, dst: &mut BytesMut) -> Result<(), TransportError>
    where
        Obfuscated: Encoder<I, Error = TransportError>,
    {
        let mut stream = BytesMut::new();
        self.inner.encode(item, &mut stream)?;
        if let Some(hello) = self.hello.take() {
            dst.extend_from_slice(&hello[..]);
            dst.extend_from_slice(&CHANGE_CIPHER_SPEC);
        }
        write_records(&stream, dst);
        Ok(())
    }
}

/// Appends `stream` to `dst` as application-data records of at most
/// [`MAX_RECORD_OUT`] bytes.
pub(crate) fn write_records(stream: &[u8], dst: &mut BytesMut) {
    dst.reserve(stream.len() + stream.len().div_ceil(MAX_RECORD_OUT) * HEADER);
    for chunk in stream.chunks(MAX_RECORD_OUT) {
        dst.extend_from_slice(&[0x17, 3, 3]);
        // chunks are at most 2^14 bytes
        dst.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        dst.extend_from_slice(chunk);
    }
}

impl From<FakeTlsError> for TransportError {
    fn from(e: FakeTlsError) -> Self {
        TransportError::FakeTls(e)
    }
}

impl Decoder for FakeTls {
    type Item = BytesMut;
    type Error = TransportError;

    /// Takes whole records off `src` (so its bytes are bounded by one
    /// record) and decodes frames from their payloads.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        if !self.answer(src)? {
            return Ok(None);
        }
        loop {
            if let Some(frame) = self.inner.decode(&mut self.plain)? {
                return Ok(Some(frame));
            }
            if !self.next_record(src)? {
                return Ok(None);
            }
        }
    }
}

impl Encoder<Bytes> for FakeTls {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

impl Encoder<QuickAck> for FakeTls {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

impl Encoder<StatusFrame> for FakeTls {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        self.encode_with(item, dst)
    }
}

#[cfg(test)]
#[path = "faketls_tests.rs"]
mod tests;
