//! The cheap, cloneable side of a connection: queue a request, await its
//! answer. The runner task owns the connection.

use tokio::sync::{mpsc, oneshot};

use crate::rpc::InvocationError;
use tl::{Deserializable, RemoteCall};

/// What a handle asks of the runner.
pub(crate) enum Command {
    /// Send a serialized request and answer on `reply`.
    Invoke {
        body: Vec<u8>,
        reply: oneshot::Sender<Result<Vec<u8>, InvocationError>>,
    },
    /// Finish the requests in flight, then close.
    Shutdown,
}

/// A handle to one connection. Clone it freely; the connection closes when
/// every handle is dropped (after answering what is in flight) or on
/// [`SenderHandle::shutdown`].
#[derive(Clone, Debug)]
pub struct SenderHandle {
    pub(crate) tx: mpsc::UnboundedSender<Command>,
}

impl SenderHandle {
    /// Sends `request` and decodes its answer.
    pub async fn invoke<R: RemoteCall>(&self, request: &R) -> Result<R::Return, InvocationError> {
        let body = self.invoke_raw(request.to_bytes()).await?;
        Ok(R::Return::from_bytes(&body)?)
    }

    /// Sends an already serialized request; the answer's bytes.
    pub async fn invoke_raw(&self, body: Vec<u8>) -> Result<Vec<u8>, InvocationError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Invoke { body, reply })
            .map_err(|_| InvocationError::Dropped)?;
        rx.await.map_err(|_| InvocationError::Dropped)?
    }

    /// Asks the connection to close once the requests in flight are done.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Command::Shutdown);
    }

    /// Whether two handles lead to the same connection.
    pub fn same_channel(&self, other: &SenderHandle) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// Whether the connection task has ended.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
