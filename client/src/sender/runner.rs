//! The task that owns one connection: it reads frames into the session,
//! writes what the session wants sent, fires its timers, resolves the
//! handles' requests, and reconnects (resending every unanswered request)
//! when the connection drops.

use std::collections::HashMap;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{Decoder, Encoder};

use super::clock::{self, OsRandom};
use super::handle::Command;
use super::{Connector, SenderConfig};
use crate::mtp::{Event, RequestId, Session};
use crate::record::Answer;
use crate::rpc::{InvocationError, RpcError};
use crate::transport::{Codec, TransportError};

/// The read buffer a connection starts with.
pub(crate) const READ_BUFFER: usize = 64 * 1024;
/// A read buffer larger than this is replaced by a new one of
/// [`READ_BUFFER`] once it is empty.
const KEEP_READ_BUFFER: usize = 256 * 1024;

/// One open connection and its buffers.
pub(crate) struct Conn<S> {
    pub(crate) stream: S,
    pub(crate) codec: Codec,
    pub(crate) rbuf: BytesMut,
    pub(crate) wbuf: BytesMut,
}

struct Pending {
    reply: oneshot::Sender<Result<Vec<u8>, InvocationError>>,
    /// The innermost request's constructor id, to name it in errors.
    request_id: u32,
    /// The request as sent, kept for the recorder.
    body: Option<Vec<u8>>,
}

enum Exit {
    /// Asked to close, and nothing is in flight.
    Shutdown,
    /// The connection is gone; reconnect and resend.
    Disconnected(InvocationError),
    /// Nothing more can work (the server forgot our key, a bad codec).
    Fatal(InvocationError),
}

pub(crate) struct Runner<C: Connector> {
    pub(crate) config: SenderConfig,
    pub(crate) connector: C,
    pub(crate) rx: mpsc::UnboundedReceiver<Command>,
    pub(crate) session: Session,
    pub(crate) rng: OsRandom,
    rx_open: bool,
    pending: HashMap<RequestId, Pending>,
}

/// The constructor id of the request inside its wrappers (see
/// [`tl::peel`]); a wrapper that does not decode is reported as itself, a
/// body too short for an id as 0.
fn innermost_id(body: &[u8]) -> u32 {
    match tl::peel::peel(body) {
        Ok(p) => p.method_id,
        Err(e) => e
            .at()
            .and_then(|at| body.get(at..at + 4))
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    }
}

impl<C: Connector> Runner<C> {
    pub(crate) fn new(
        config: SenderConfig,
        connector: C,
        rx: mpsc::UnboundedReceiver<Command>,
        session: Session,
    ) -> Self {
        Self {
            config,
            connector,
            rx,
            session,
            rng: OsRandom::new(),
            rx_open: true,
            pending: HashMap::new(),
        }
    }

    pub(crate) async fn run(mut self, mut conn: Conn<C::Stream>) {
        loop {
            let error = match self.drive(&mut conn).await {
                Exit::Shutdown => return,
                Exit::Fatal(e) => return self.fail_forever(e).await,
                Exit::Disconnected(e) => e,
            };
            tracing::info!(
                dc = self.config.dc_id,
                "connection lost ({error}); reconnecting"
            );
            let pause = crate::invoke::reconnect_pause(&error, self.config.reconnect_backoff);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            loop {
                match self.reconnect().await {
                    Ok(c) => {
                        conn = c;
                        self.session.on_reconnect();
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(dc = self.config.dc_id, "cannot reconnect: {e}");
                        self.fail_pending(&e);
                        // Wait for new work before trying again.
                        match self.next_command().await {
                            Some(()) => continue,
                            None => return,
                        }
                    }
                }
            }
        }
    }

    /// Waits for a command while disconnected; `None` when it is time to end.
    async fn next_command(&mut self) -> Option<()> {
        if !self.rx_open {
            return None;
        }
        let cmd = self.rx.recv().await;
        self.on_command(cmd);
        self.rx_open.then_some(())
    }

    async fn reconnect(&mut self) -> Result<Conn<C::Stream>, InvocationError> {
        let mut delay = self.config.reconnect_backoff;
        let mut last = InvocationError::Dropped;
        for attempt in 0..self.config.reconnect_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            match super::open(&self.config, &mut self.connector).await {
                Ok(conn) => return Ok(conn),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn drive(&mut self, conn: &mut Conn<C::Stream>) -> Exit {
        let Conn {
            stream,
            codec,
            rbuf,
            wbuf,
        } = conn;
        let (mut rd, mut wr) = tokio::io::split(stream);
        loop {
            if !self.rx_open && self.pending.is_empty() && wbuf.is_empty() {
                return Exit::Shutdown;
            }
            let now = clock::now();
            while let Some(frame) = self.session.poll_transmit(now, &mut self.rng) {
                if let Err(e) = codec.encode(Bytes::from(frame), wbuf) {
                    return Exit::Fatal(e.into());
                }
            }
            let deadline = self
                .session
                .poll_timeout()
                .map(tokio::time::Instant::from_std);
            tokio::select! {
                cmd = self.rx.recv(), if self.rx_open => {
                    self.on_command(cmd);
                    self.take_queued();
                }
                read = rd.read_buf(rbuf) => match read {
                    Ok(0) => return Exit::Disconnected(InvocationError::Io("closed by the server".into())),
                    Ok(_) => {
                        if let Some(exit) = self.on_read(codec, rbuf) {
                            return exit;
                        }
                    }
                    Err(e) => return Exit::Disconnected(e.into()),
                },
                written = wr.write_buf(wbuf), if !wbuf.is_empty() => {
                    if let Err(e) = written {
                        return Exit::Disconnected(e.into());
                    }
                }
                () = async { if let Some(d) = deadline { tokio::time::sleep_until(d).await } }, if deadline.is_some() => {
                    self.session.handle_timeout(clock::now());
                }
            }
            if let Some(exit) = self.drain_events() {
                return exit;
            }
        }
    }

    /// Takes every command already queued, so the requests made while the
    /// task slept go out together: the session packs them into one
    /// `msg_container` (docs/architecture.md#layers, `mtp`), one frame and one
    /// write.
    fn take_queued(&mut self) {
        while self.rx_open {
            match self.rx.try_recv() {
                Ok(cmd) => self.on_command(Some(cmd)),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => self.on_command(None),
            }
        }
    }

    fn on_command(&mut self, cmd: Option<Command>) {
        match cmd {
            Some(Command::Invoke { body, reply }) => {
                let request_id = innermost_id(&body);
                let kept = self.config.recorder.as_ref().map(|_| body.clone());
                let id = self.session.push(body);
                self.pending.insert(
                    id,
                    Pending {
                        reply,
                        request_id,
                        body: kept,
                    },
                );
            }
            // Finish what is queued and in flight, accept nothing new.
            Some(Command::Shutdown) => self.rx.close(),
            None => self.rx_open = false,
        }
    }

    fn on_read(&mut self, codec: &mut Codec, rbuf: &mut BytesMut) -> Option<Exit> {
        loop {
            match codec.decode(rbuf) {
                Ok(Some(frame)) => {
                    if let Err(e) = self.session.handle_input(&frame, clock::now()) {
                        if e.is_security() {
                            tracing::warn!(
                                dc = self.config.dc_id,
                                "refused a message: {e}; reconnecting"
                            );
                            return Some(Exit::Disconnected(InvocationError::Protocol(
                                e.to_string(),
                            )));
                        }
                        tracing::debug!(dc = self.config.dc_id, "ignored a message: {e}");
                    }
                }
                Ok(None) => {
                    // A file part grows the buffer to a whole frame (1 MiB
                    // and more); give that back once it is read, so idle
                    // download connections do not each keep a megabyte.
                    if rbuf.is_empty() && rbuf.capacity() > KEEP_READ_BUFFER {
                        *rbuf = BytesMut::with_capacity(READ_BUFFER);
                    }
                    return None;
                }
                Err(TransportError::Status(-404)) => {
                    return Some(Exit::Fatal(InvocationError::Transport(
                        TransportError::Status(-404),
                    )));
                }
                Err(e) => return Some(Exit::Disconnected(e.into())),
            }
        }
    }

    fn drain_events(&mut self) -> Option<Exit> {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Result { request, body } => {
                    self.record(request, Answer::Result(&body));
                    self.resolve(request, Ok(body));
                }
                Event::RpcError {
                    request,
                    code,
                    message,
                } => {
                    self.record(request, Answer::Error(code, &message));
                    let caused_by = self.pending.get(&request).map_or(0, |p| p.request_id);
                    let e = RpcError::parse(code, &message).caused_by(caused_by);
                    self.resolve(request, Err(e.into()));
                }
                Event::Failed { request, error } => {
                    self.resolve(request, Err(InvocationError::Protocol(error.to_string())));
                }
                Event::PingTimeout => {
                    return Some(Exit::Disconnected(InvocationError::Io(
                        "no answer to ping".into(),
                    )));
                }
                Event::NewSession { .. } => {
                    tracing::debug!(dc = self.config.dc_id, "server created a new session")
                }
                // Updates are acknowledged by the session; the exporter needs
                // none but the QR login's `updateLoginToken`.
                Event::Update { body } => {
                    if let Some(signal) = &self.config.login_token {
                        if super::updates::names_login_token(&body) {
                            signal.send_modify(|n| *n += 1);
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Hands the request and its answer to the recorder, if any.
    fn record(&self, request: RequestId, answer: Answer<'_>) {
        if let (
            Some(recorder),
            Some(Pending {
                body: Some(body), ..
            }),
        ) = (&self.config.recorder, self.pending.get(&request))
        {
            recorder.record(self.config.dc_id, body, answer);
        }
    }

    fn resolve(&mut self, request: RequestId, result: Result<Vec<u8>, InvocationError>) {
        if let Some(p) = self.pending.remove(&request) {
            let _ = p.reply.send(result);
        }
    }

    fn fail_pending(&mut self, error: &InvocationError) {
        for (id, p) in self.pending.drain() {
            self.session.forget(id);
            let _ = p.reply.send(Err(error.clone()));
        }
    }

    /// Answers everything, now and later, with `error`.
    async fn fail_forever(mut self, error: InvocationError) {
        tracing::error!(dc = self.config.dc_id, "connection unusable: {error}");
        self.fail_pending(&error);
        while let Some(cmd) = self.rx.recv().await {
            if let Command::Invoke { reply, .. } = cmd {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innermost_id_peels_wrappers() {
        use tl::Serializable;
        let body = tl::functions::InvokeWithTakeout {
            takeout_id: 7,
            query: tl::functions::InvokeWithMessagesRange {
                range: tl::types::MessageRange {
                    min_id: 1,
                    max_id: 2,
                }
                .into(),
                query: tl::functions::messages::GetHistory::default(),
            },
        }
        .to_bytes();
        assert_eq!(innermost_id(&body), 0x4423e6c5);
        assert_eq!(innermost_id(&0x4423e6c5_u32.to_le_bytes()), 0x4423e6c5);
        assert_eq!(innermost_id(&[1, 2]), 0);
        // A wrapper cut short is reported as itself.
        assert_eq!(innermost_id(&0xaca9fd2e_u32.to_le_bytes()), 0xaca9fd2e);
    }
}
