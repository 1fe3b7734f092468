//! One concrete codec type over every transport, so the sender's
//! `Framed<S, Codec>` and the mock server's listener need no generics, and
//! the configuration a client builds it from.
//!
//! Transports: <https://core.telegram.org/mtproto/mtproto-transports>.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{
    Abridged, DEFAULT_MAX_FRAME, Detect, FakeTls, Full, Intermediate, Obfuscated,
    PaddedIntermediate, ProxySecret, QuickAck, Random, Role, SecretKind, StatusFrame,
    TransportError, TransportKind,
};

/// One of the plain framings, chosen at run time.
#[derive(Debug)]
pub enum Framing {
    /// See [`Abridged`].
    Abridged(Abridged),
    /// See [`Intermediate`].
    Intermediate(Intermediate),
    /// See [`PaddedIntermediate`].
    PaddedIntermediate(PaddedIntermediate),
    /// See [`Full`].
    Full(Full),
}

/// Calls `$body` with `$c` bound to the concrete codec inside `$framing`.
macro_rules! each {
    ($framing:expr, $c:ident => $body:expr) => {
        match $framing {
            Framing::Abridged($c) => $body,
            Framing::Intermediate($c) => $body,
            Framing::PaddedIntermediate($c) => $body,
            Framing::Full($c) => $body,
        }
    };
}

impl Framing {
    /// A framing that sends (client) or expects (server) its tag. `random`
    /// is only used for padding.
    pub fn new(kind: TransportKind, role: Role, random: Box<dyn Random>) -> Self {
        Self::build(kind, role, true, random)
    }

    /// A framing without its tag (under obfuscation, or after the listener
    /// consumed it). The full transport has no tag either way.
    pub fn untagged(kind: TransportKind, role: Role, random: Box<dyn Random>) -> Self {
        Self::build(kind, role, false, random)
    }

    fn build(kind: TransportKind, role: Role, tagged: bool, random: Box<dyn Random>) -> Self {
        match (kind, tagged) {
            (TransportKind::Abridged, true) => Framing::Abridged(Abridged::new(role)),
            (TransportKind::Abridged, false) => Framing::Abridged(Abridged::untagged(role)),
            (TransportKind::Intermediate, true) => Framing::Intermediate(Intermediate::new(role)),
            (TransportKind::Intermediate, false) => {
                Framing::Intermediate(Intermediate::untagged(role))
            }
            (TransportKind::PaddedIntermediate, true) => {
                Framing::PaddedIntermediate(PaddedIntermediate::new(role, random))
            }
            (TransportKind::PaddedIntermediate, false) => {
                Framing::PaddedIntermediate(PaddedIntermediate::untagged(role, random))
            }
            (TransportKind::Full, _) => Framing::Full(Full::new(role)),
        }
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(self, max_frame: usize) -> Self {
        match self {
            Framing::Abridged(c) => Framing::Abridged(c.with_max_frame(max_frame)),
            Framing::Intermediate(c) => Framing::Intermediate(c.with_max_frame(max_frame)),
            Framing::PaddedIntermediate(c) => {
                Framing::PaddedIntermediate(c.with_max_frame(max_frame))
            }
            Framing::Full(c) => Framing::Full(c.with_max_frame(max_frame)),
        }
    }

    /// Which framing this is.
    pub fn kind(&self) -> TransportKind {
        match self {
            Framing::Abridged(_) => TransportKind::Abridged,
            Framing::Intermediate(_) => TransportKind::Intermediate,
            Framing::PaddedIntermediate(_) => TransportKind::PaddedIntermediate,
            Framing::Full(_) => TransportKind::Full,
        }
    }
}

impl Decoder for Framing {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        each!(self, c => c.decode(src))
    }
}

impl Encoder<Bytes> for Framing {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        each!(self, c => c.encode(item, dst))
    }
}

impl Encoder<QuickAck> for Framing {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        each!(self, c => c.encode(item, dst))
    }
}

impl Encoder<StatusFrame> for Framing {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        each!(self, c => c.encode(item, dst))
    }
}

/// The codec of one connection: a plain framing, obfuscated2 over one, or
/// that inside fake-TLS records.
#[derive(Debug)]
pub enum Codec {
    /// A framing sent as is.
    Plain(Framing),
    /// A framing under obfuscated2 (boxed: the two AES key schedules are big).
    Obfuscated(Box<Obfuscated>),
    /// Obfuscated2 in fake-TLS records (MTProxy `ee` secrets).
    FakeTls(Box<FakeTls>),
}

/// Calls `$body` with `$c` bound to the codec inside a [`Codec`].
macro_rules! each_codec {
    ($codec:expr, $c:ident => $body:expr) => {
        match $codec {
            Codec::Plain($c) => $body,
            Codec::Obfuscated($c) => $body,
            Codec::FakeTls($c) => $body,
        }
    };
}

impl Codec {
    /// The server side of a connection whose first bytes gave `detect`
    /// ([`super::detect()`]). The bytes must still be in the read buffer: the
    /// codec strips the tag or reads the obfuscated2 init itself. `secret`
    /// is the MTProxy secret obfuscated2 clients must use, if any; `random`
    /// pads outgoing padded-intermediate frames.
    pub fn server(
        detect: Detect,
        secret: Option<[u8; 16]>,
        random: Box<dyn Random>,
    ) -> Result<Codec, TransportError> {
        let kind = match detect {
            Detect::Abridged => TransportKind::Abridged,
            Detect::Intermediate => TransportKind::Intermediate,
            Detect::PaddedIntermediate => TransportKind::PaddedIntermediate,
            Detect::Full => TransportKind::Full,
            Detect::Obfuscated2 => {
                let codec = Obfuscated::server(secret, random);
                return Ok(Codec::Obfuscated(Box::new(codec)));
            }
            // The listener answers the hello first, then uses
            // `Codec::FakeTls(Box::new(FakeTls::server(..)))`.
            Detect::FakeTls | Detect::NeedMore | Detect::Unknown => {
                return Err(TransportError::UnknownTransport(Vec::new()));
            }
        };
        Ok(Codec::Plain(Framing::new(kind, Role::Server, random)))
    }

    /// Sets the largest payload accepted or sent, in bytes.
    pub fn with_max_frame(self, max_frame: usize) -> Self {
        match self {
            Codec::Plain(f) => Codec::Plain(f.with_max_frame(max_frame)),
            Codec::Obfuscated(o) => Codec::Obfuscated(Box::new(o.with_max_frame(max_frame))),
            Codec::FakeTls(t) => Codec::FakeTls(Box::new(t.with_max_frame(max_frame))),
        }
    }

    /// The framing in use; `None` on an obfuscated2 server before the
    /// client's init arrived.
    pub fn kind(&self) -> Option<TransportKind> {
        match self {
            Codec::Plain(f) => Some(f.kind()),
            Codec::Obfuscated(o) => o.kind(),
            Codec::FakeTls(t) => t.kind(),
        }
    }

    /// Whether obfuscated2 is in use (also inside fake-TLS).
    pub fn is_obfuscated(&self) -> bool {
        matches!(self, Codec::Obfuscated(_) | Codec::FakeTls(_))
    }

    /// The DC id carried in the obfuscated2 init (client: the one sent;
    /// server: the one received, once it arrived).
    pub fn dc_id(&self) -> Option<i16> {
        match self {
            Codec::Plain(_) => None,
            Codec::Obfuscated(o) => o.dc_id(),
            Codec::FakeTls(t) => t.dc_id(),
        }
    }
}

impl Decoder for Codec {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        each_codec!(self, c => c.decode(src))
    }
}

impl Encoder<Bytes> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        each_codec!(self, c => c.encode(item, dst))
    }
}

impl Encoder<QuickAck> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        each_codec!(self, c => c.encode(item, dst))
    }
}

impl Encoder<StatusFrame> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        each_codec!(self, c => c.encode(item, dst))
    }
}

/// Whether and how a client obfuscates its connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Obfuscation {
    /// Plain framing.
    #[default]
    None,
    /// Obfuscated2 without a secret (direct connections to Telegram).
    Obfuscated2,
    /// Obfuscated2 keyed with an MTProxy secret.
    MtProxy(ProxySecret),
}

/// What a client needs to build the codec of each new connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportConfig {
    /// The framing asked for (a `dd` MTProxy secret overrides it).
    pub kind: TransportKind,
    /// Obfuscation, if any.
    pub obfuscation: Obfuscation,
    /// The largest payload accepted or sent, in bytes.
    pub max_frame: usize,
}

impl Default for TransportConfig {
    /// Plain intermediate with the default frame limit.
    fn default() -> Self {
        TransportConfig::new(TransportKind::Intermediate)
    }
}

impl TransportConfig {
    /// `kind` without obfuscation and with the default frame limit.
    pub fn new(kind: TransportKind) -> Self {
        TransportConfig {
            kind,
            obfuscation: Obfuscation::None,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// The framing actually used: a `dd` MTProxy secret forces padded
    /// intermediate (<https://core.telegram.org/mtproto/mtproto-transports#padded-intermediate>).
    pub fn effective_kind(&self) -> TransportKind {
        match &self.obfuscation {
            Obfuscation::MtProxy(secret) => secret.transport(self.kind),
            _ => self.kind,
        }
    }

    /// Builds the codec for a new client connection. `dc_id` goes into the
    /// obfuscated2 init (as MTProxies need to route; test DCs are
    /// `10000 + id`, media DCs negative); `random` provides the init, the
    /// padding and the fake-TLS hello's fresh bytes; `unix_time` is the
    /// clock a fake-TLS hello carries. Fails if full is combined with
    /// obfuscation, or if the random source is broken.
    pub fn client_codec(
        &self,
        dc_id: i16,
        random: Box<dyn Random>,
        unix_time: u32,
    ) -> Result<Codec, TransportError> {
        let kind = self.effective_kind();
        let secret = match &self.obfuscation {
            Obfuscation::None => {
                let framing = Framing::new(kind, Role::Client, random);
                return Ok(Codec::Plain(framing.with_max_frame(self.max_frame)));
            }
            Obfuscation::Obfuscated2 => None,
            Obfuscation::MtProxy(secret) if secret.kind() == SecretKind::FakeTls => {
                let codec = FakeTls::client(
                    kind,
                    *secret.key(),
                    secret.domain(),
                    dc_id,
                    unix_time,
                    random,
                )?;
                return Ok(Codec::FakeTls(Box::new(
                    codec.with_max_frame(self.max_frame),
                )));
            }
            Obfuscation::MtProxy(secret) => Some(*secret.key()),
        };
        let codec = Obfuscated::client(kind, secret, dc_id, random)?;
        Ok(Codec::Obfuscated(Box::new(
            codec.with_max_frame(self.max_frame),
        )))
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
