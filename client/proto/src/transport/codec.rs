//! One concrete codec type over every transport, so the sender's
//! `Framed<S, Codec>` and the mock server's listener need no generics, and
//! the configuration a client builds it from.
//!
//! Transports: <https://core.telegram.org/mtproto/mtproto-transports>.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{
    Abridged, DEFAULT_MAX_FRAME, Detect, Full, Intermediate, Obfuscated, PaddedIntermediate,
    ProxySecret, QuickAck, Random, Role, StatusFrame, TransportError, TransportKind,
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

/// The codec of one connection: a plain framing, or obfuscated2 over one.
#[derive(Debug)]
pub enum Codec {
    /// A framing sent as is.
    Plain(Framing),
    /// A framing under obfuscated2 (boxed: the two AES key schedules are big).
    Obfuscated(Box<Obfuscated>),
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
            Detect::NeedMore | Detect::Unknown => {
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
        }
    }

    /// The framing in use; `None` on an obfuscated2 server before the
    /// client's init arrived.
    pub fn kind(&self) -> Option<TransportKind> {
        match self {
            Codec::Plain(f) => Some(f.kind()),
            Codec::Obfuscated(o) => o.kind(),
        }
    }

    /// Whether obfuscated2 is in use.
    pub fn is_obfuscated(&self) -> bool {
        matches!(self, Codec::Obfuscated(_))
    }

    /// The DC id carried in the obfuscated2 init (client: the one sent;
    /// server: the one received, once it arrived).
    pub fn dc_id(&self) -> Option<i16> {
        match self {
            Codec::Plain(_) => None,
            Codec::Obfuscated(o) => o.dc_id(),
        }
    }
}

impl Decoder for Codec {
    type Item = BytesMut;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, TransportError> {
        match self {
            Codec::Plain(c) => c.decode(src),
            Codec::Obfuscated(c) => c.decode(src),
        }
    }
}

impl Encoder<Bytes> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), TransportError> {
        match self {
            Codec::Plain(c) => c.encode(item, dst),
            Codec::Obfuscated(c) => c.encode(item, dst),
        }
    }
}

impl Encoder<QuickAck> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: QuickAck, dst: &mut BytesMut) -> Result<(), TransportError> {
        match self {
            Codec::Plain(c) => c.encode(item, dst),
            Codec::Obfuscated(c) => c.encode(item, dst),
        }
    }
}

impl Encoder<StatusFrame> for Codec {
    type Error = TransportError;

    fn encode(&mut self, item: StatusFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        match self {
            Codec::Plain(c) => c.encode(item, dst),
            Codec::Obfuscated(c) => c.encode(item, dst),
        }
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
    /// `10000 + id`, media DCs negative); `random` provides the init and
    /// the padding. Fails if full is combined with obfuscation, or if the
    /// random source is broken.
    pub fn client_codec(
        &self,
        dc_id: i16,
        random: Box<dyn Random>,
    ) -> Result<Codec, TransportError> {
        let kind = self.effective_kind();
        let secret = match &self.obfuscation {
            Obfuscation::None => {
                let framing = Framing::new(kind, Role::Client, random);
                return Ok(Codec::Plain(framing.with_max_frame(self.max_frame)));
            }
            Obfuscation::Obfuscated2 => None,
            Obfuscation::MtProxy(secret) => Some(*secret.key()),
        };
        let codec = Obfuscated::client(kind, secret, dc_id, random)?;
        Ok(Codec::Obfuscated(Box::new(
            codec.with_max_frame(self.max_frame),
        )))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::detect;
    use super::super::testutil::{cuts, encode_all, feed, payloads, positions, rng};
    use super::*;

    fn configs() -> Vec<TransportConfig> {
        let proxy: ProxySecret = "dd0123456789abcdef0123456789abcdef".parse().unwrap();
        let simple: ProxySecret = "0123456789abcdef0123456789abcdef".parse().unwrap();
        let mut out = Vec::new();
        for kind in TransportKind::ALL {
            out.push(TransportConfig::new(kind));
            if kind != TransportKind::Full {
                for obfuscation in [
                    Obfuscation::Obfuscated2,
                    Obfuscation::MtProxy(simple.clone()),
                    Obfuscation::MtProxy(proxy.clone()),
                ] {
                    out.push(TransportConfig {
                        obfuscation,
                        ..TransportConfig::new(kind)
                    });
                }
            }
        }
        out
    }

    fn secret_of(config: &TransportConfig) -> Option<[u8; 16]> {
        match &config.obfuscation {
            Obfuscation::MtProxy(s) => Some(*s.key()),
            _ => None,
        }
    }

    #[test]
    fn full_cannot_be_obfuscated() {
        let config = TransportConfig {
            obfuscation: Obfuscation::Obfuscated2,
            ..TransportConfig::new(TransportKind::Full)
        };
        assert!(matches!(
            config.client_codec(2, rng(1)),
            Err(TransportError::FullNotObfuscatable)
        ));
    }

    #[test]
    fn dd_secret_forces_padded() {
        let config = TransportConfig {
            obfuscation: Obfuscation::MtProxy(
                "dd00000000000000000000000000000001".parse().unwrap(),
            ),
            ..TransportConfig::new(TransportKind::Abridged)
        };
        assert_eq!(config.effective_kind(), TransportKind::PaddedIntermediate);
        let codec = config.client_codec(-2, rng(1)).unwrap();
        assert_eq!(codec.kind(), Some(TransportKind::PaddedIntermediate));
        assert_eq!(codec.dc_id(), Some(-2));
    }

    #[test]
    fn server_needs_a_decision() {
        assert!(Codec::server(Detect::NeedMore, None, rng(1)).is_err());
        assert!(Codec::server(Detect::Unknown, None, rng(1)).is_err());
    }

    #[test]
    fn status_through_every_config() {
        for config in configs() {
            let mut client = config.client_codec(2, rng(1)).unwrap();
            let mut wire = BytesMut::new();
            client
                .encode(Bytes::from_static(&[0; 24]), &mut wire)
                .unwrap();
            let mut server = Codec::server(detect(&wire), secret_of(&config), rng(2)).unwrap();
            assert!(server.decode(&mut wire).unwrap().is_some(), "{config:?}");
            let mut back = BytesMut::new();
            server.encode(StatusFrame(-404), &mut back).unwrap();
            assert_eq!(
                client.decode(&mut back),
                Err(TransportError::Status(-404)),
                "{config:?}"
            );
        }
    }

    #[test]
    fn unrequested_quick_acks_are_skipped_through_every_config() {
        for config in configs() {
            let mut client = config.client_codec(2, rng(1)).unwrap();
            let mut wire = BytesMut::new();
            client
                .encode(Bytes::from_static(&[0; 24]), &mut wire)
                .unwrap();
            let mut server = Codec::server(detect(&wire), secret_of(&config), rng(2)).unwrap();
            assert!(server.decode(&mut wire).unwrap().is_some(), "{config:?}");
            let mut back = BytesMut::new();
            server.encode(QuickAck(0x1234_5678), &mut back).unwrap();
            server.encode(QuickAck(0x7fff_0000), &mut back).unwrap();
            server
                .encode(Bytes::from(vec![7u8; 32]), &mut back)
                .unwrap();
            // Fed a byte at a time: a partial quick ack waits for the rest.
            let mut frames = Vec::new();
            let mut buf = BytesMut::new();
            for b in back.iter() {
                buf.extend_from_slice(&[*b]);
                if let Some(f) = client.decode(&mut buf).unwrap() {
                    frames.push(f);
                }
            }
            assert_eq!(frames.len(), 1, "{config:?}");
            assert!(frames[0].starts_with(&[7u8; 32]), "{config:?}");
            // An error code after a quick ack is still an error.
            let mut back = BytesMut::new();
            server.encode(QuickAck(5), &mut back).unwrap();
            server.encode(StatusFrame(-429), &mut back).unwrap();
            assert_eq!(
                client.decode(&mut back),
                Err(TransportError::Status(-429)),
                "{config:?}"
            );
        }
    }

    proptest! {
        /// Detect, then serve: every client configuration round-trips
        /// through the server codec `detect` picks, in both directions.
        #[test]
        fn detect_then_round_trip(ps in payloads(), cs in cuts(), seed in any::<u64>()) {
            prop_assume!(ps.iter().all(|p| p.len() >= 24 || super::super::status_of(&p[..4]).is_none()));
            for config in configs() {
                let mut client = config.client_codec(3, rng(seed)).unwrap();
                let up = encode_all(&mut client, &ps);
                let mut server = Codec::server(detect(&up), secret_of(&config), rng(seed ^ 1)).unwrap();
                let (frames, left) = feed(&mut server, &up, &positions(&cs, up.len())).unwrap();
                prop_assert_eq!(left, 0);
                prop_assert_eq!(server.kind(), Some(config.effective_kind()));
                prop_assert_eq!(frames.len(), ps.len());
                let down = encode_all(&mut server, &ps);
                let (back, left) = feed(&mut client, &down, &positions(&cs, down.len())).unwrap();
                prop_assert_eq!(left, 0);
                prop_assert_eq!(back.len(), ps.len());
                for ((up, down), p) in frames.iter().zip(&back).zip(&ps) {
                    // Padded frames may keep up to 12 padding bytes.
                    prop_assert!(up.starts_with(p) && up.len() - p.len() <= 12);
                    prop_assert!(down.starts_with(p) && down.len() - p.len() <= 12);
                }
            }
        }
    }
}
