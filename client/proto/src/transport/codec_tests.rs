//! Unit tests of the codec over every configuration.

use proptest::prelude::*;

use super::super::detect;
use super::super::testutil::{cuts, encode_all, feed, payloads, positions, rng};
use super::*;
use crate::transport::faketls_hello::{HELLO_LEN, check_client_hello, server_hello};

const NOW: u32 = 1_800_000_000;

fn configs() -> Vec<TransportConfig> {
    let proxy: ProxySecret = "dd0123456789abcdef0123456789abcdef".parse().unwrap();
    let simple: ProxySecret = "0123456789abcdef0123456789abcdef".parse().unwrap();
    let tls: ProxySecret = "ee0123456789abcdef0123456789abcdef6578616d706c652e636f6d"
        .parse()
        .unwrap();
    let mut out = Vec::new();
    for kind in TransportKind::ALL {
        out.push(TransportConfig::new(kind));
        if kind != TransportKind::Full {
            for obfuscation in [
                Obfuscation::Obfuscated2,
                Obfuscation::MtProxy(simple.clone()),
                Obfuscation::MtProxy(proxy.clone()),
                Obfuscation::MtProxy(tls.clone()),
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

/// The server codec for a client's first bytes, as the mock builds it: a
/// fake-TLS hello is checked and answered first (the answer is returned).
fn serve(up: &mut BytesMut, config: &TransportConfig, seed: u64) -> (Codec, BytesMut) {
    let detected = detect(up);
    if detected != Detect::FakeTls {
        let codec = Codec::server(detected, secret_of(config), rng(seed)).unwrap();
        return (codec, BytesMut::new());
    }
    let key = secret_of(config).unwrap();
    let info = check_client_hello(&up[..HELLO_LEN], &key, NOW).unwrap();
    let _ = up.split_to(HELLO_LEN);
    let answer = server_hello(&key, &info, 100, &mut *rng(seed));
    let codec = Codec::FakeTls(Box::new(FakeTls::server(key, rng(seed))));
    (codec, BytesMut::from(&answer[..]))
}

#[test]
fn full_cannot_be_obfuscated() {
    let config = TransportConfig {
        obfuscation: Obfuscation::Obfuscated2,
        ..TransportConfig::new(TransportKind::Full)
    };
    assert!(matches!(
        config.client_codec(2, rng(1), NOW),
        Err(TransportError::FullNotObfuscatable)
    ));
}

#[test]
fn dd_secret_forces_padded() {
    let config = TransportConfig {
        obfuscation: Obfuscation::MtProxy("dd00000000000000000000000000000001".parse().unwrap()),
        ..TransportConfig::new(TransportKind::Abridged)
    };
    assert_eq!(config.effective_kind(), TransportKind::PaddedIntermediate);
    let codec = config.client_codec(-2, rng(1), NOW).unwrap();
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
        let mut client = config.client_codec(2, rng(1), NOW).unwrap();
        let mut wire = BytesMut::new();
        client
            .encode(Bytes::from_static(&[0; 24]), &mut wire)
            .unwrap();
        let (mut server, mut back) = serve(&mut wire, &config, 2);
        assert!(server.decode(&mut wire).unwrap().is_some(), "{config:?}");
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
        let mut client = config.client_codec(2, rng(1), NOW).unwrap();
        let mut wire = BytesMut::new();
        client
            .encode(Bytes::from_static(&[0; 24]), &mut wire)
            .unwrap();
        let (mut server, mut back) = serve(&mut wire, &config, 2);
        assert!(server.decode(&mut wire).unwrap().is_some(), "{config:?}");
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
            let mut client = config.client_codec(3, rng(seed), NOW).unwrap();
            let mut up = encode_all(&mut client, &ps);
            let (mut server, mut down) = serve(&mut up, &config, seed ^ 1);
            let (frames, left) = feed(&mut server, &up, &positions(&cs, up.len())).unwrap();
            prop_assert_eq!(left, 0);
            prop_assert_eq!(server.kind(), Some(config.effective_kind()));
            prop_assert_eq!(frames.len(), ps.len());
            down.extend_from_slice(&encode_all(&mut server, &ps));
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
