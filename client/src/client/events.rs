//! What the client tells while it works ([`ClientEvent`]), to every
//! subscriber of [`Client::events`].

use std::time::Duration;

use tokio::sync::mpsc;

use super::Client;
use crate::invoke::RetryReason;
use crate::locked::lock;

/// Something the user may want to see while the client works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A call is waiting before it is retried.
    Retrying {
        /// The TL name of the request.
        request: &'static str,
        /// Why.
        reason: RetryReason,
        /// How long.
        after: Duration,
    },
}

impl Client {
    /// Receives [`ClientEvent`]s from now on. Every subscriber gets every
    /// event; dropping the receiver unsubscribes.
    pub fn events(&self) -> mpsc::UnboundedReceiver<ClientEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.inner.events).push(tx);
        rx
    }

    pub(super) fn emit(&self, event: ClientEvent) {
        lock(&self.inner.events).retain(|tx| tx.send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{AppInfo, ClientConfig};
    use crate::dc::Network;

    fn client() -> Client {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
        Client::new(ClientConfig::new(
            Network::Custom(addr),
            AppInfo::new(1, "x"),
        ))
        .unwrap()
    }

    #[test]
    fn every_subscriber_gets_every_event() {
        let client = client();
        let event = |seconds| ClientEvent::Retrying {
            request: "messages.getHistory",
            reason: RetryReason::FloodWait { seconds },
            after: Duration::from_secs(u64::from(seconds)),
        };
        let mut first = client.events();
        let mut second = client.events();
        let dropped = client.events();
        drop(dropped);
        client.emit(event(1));
        client.emit(event(2));
        for rx in [&mut first, &mut second] {
            assert_eq!(rx.try_recv().unwrap(), event(1));
            assert_eq!(rx.try_recv().unwrap(), event(2));
            assert!(rx.try_recv().is_err());
        }
        // The dropped receiver was unsubscribed on the first event.
        assert_eq!(client.inner.events.lock().unwrap().len(), 2);
    }
}
