//! The connection task against a scripted server on an in-memory pipe.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, DuplexStream};
use tokio_util::codec::Decoder;

use super::*;
use crate::mtp::envelope::{self, AuthKey, Direction};
use crate::mtp::{SeededRandom, container};
use crate::transport::{Codec, Detect, TransportKind};

/// Hands out one end of a pipe, once.
struct Pipe(Option<DuplexStream>);

impl Connector for Pipe {
    type Stream = DuplexStream;

    async fn connect(&mut self) -> io::Result<DuplexStream> {
        self.0
            .take()
            .ok_or_else(|| io::Error::other("one connection only"))
    }
}

/// The first frame the client sends on `end`, decrypted: its body.
async fn first_message(end: &mut DuplexStream, key: &AuthKey) -> envelope::Opened {
    let random = Box::new(SeededRandom::new(1));
    let mut codec = Codec::server(Detect::Intermediate, None, random).expect("a server codec");
    let mut buf = BytesMut::new();
    for _ in 0..1000 {
        if let Some(frame) = codec.decode(&mut buf).expect("well-framed") {
            return envelope::open(key, Direction::ClientToServer, &frame).expect("opens");
        }
        let n = end.read_buf(&mut buf).await.expect("reads");
        assert!(n > 0, "the client closed before a whole frame");
    }
    panic!("no whole frame in 1000 reads");
}

#[tokio::test]
async fn requests_queued_together_go_out_in_one_container() {
    let key = [7u8; 256];
    let (client_end, mut server_end) = tokio::io::duplex(1 << 20);
    let mut config = SenderConfig::new(2);
    config.transport = TransportConfig::new(TransportKind::Intermediate);
    config.mtp.ping_interval = None;
    config.mtp.future_salts = false;
    let sender = connect(config, Pipe(Some(client_end)), Some(key))
        .await
        .expect("connects");
    let bodies: Vec<Vec<u8>> = (0..8u32)
        .map(|i| (0x1000_0000 + i).to_le_bytes().to_vec())
        .collect();
    // On one thread, join_all queues every request before the connection's
    // task runs again: it wakes up once to eight of them.
    let calls =
        futures_util::future::join_all(bodies.iter().map(|b| sender.handle.invoke_raw(b.clone())));
    let auth_key = AuthKey::new(key);
    let first = first_message(&mut server_end, &auth_key);
    let opened = tokio::select! {
        _ = calls => panic!("nobody answered"),
        opened = tokio::time::timeout(Duration::from_secs(10), first) => opened.expect("a frame in time"),
    };
    assert!(container::is_container(&opened.body), "one container");
    let inside: Vec<Vec<u8>> = container::unpack(opened.msg_id, &opened.body)
        .expect("a container")
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(inside, bodies, "all eight requests, in order, in one frame");
}
