//! The way parts get onto download connections: per DC a [`Controller`]
//! says how many connections and parts in flight; a part waits for a
//! [`Lease`] naming the least loaded connection, and for its share of the
//! memory budget (shared by every DC). The parts waiting for a lease are
//! counted: the controller grows only while some wait. A DC paused by a
//! flood wait hands out no lease until the wait is over. Connections the
//! controller no longer wants, and all of a DC's once it has been idle for
//! [`IDLE`], are closed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::controller::{Controller, Limits};
use crate::Client;
use crate::locked::lock;
use crate::rpc::InvocationError;

/// How long a DC's download connections stay open with nothing to do.
pub const IDLE: Duration = Duration::from_secs(10);

/// What a DC's downloads look like now (for progress).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DcLoad {
    /// The DC.
    pub dc: i32,
    /// Connections the controller uses.
    pub connections: usize,
    /// Parts in flight now.
    pub in_flight: usize,
}

/// The gates of every DC.
pub(crate) struct Gates {
    client: Client,
    limits: Limits,
    memory: Arc<Semaphore>,
    start: Instant,
    dcs: Mutex<HashMap<i32, Arc<Gate>>>,
}

struct Gate {
    dc: i32,
    state: Mutex<State>,
    notify: Notify,
}

struct State {
    controller: Controller,
    /// Parts in flight per connection.
    loads: Vec<usize>,
    in_use: usize,
    /// Parts waiting for a lease (the controller grows only while some
    /// wait).
    waiting: usize,
    /// Bumped at every lease (the idle timer checks it).
    epoch: u64,
    /// Whether an idle timer runs.
    timer: bool,
}

/// The right to send one part on connection `lane` of a DC, holding a
/// part's share of the memory budget until dropped (after the part is
/// written).
pub(crate) struct Lease {
    gate: Arc<Gate>,
    client: Client,
    start: Instant,
    pub(crate) lane: usize,
    memory: Option<OwnedSemaphorePermit>,
}

impl Lease {
    /// The part came back with `bytes` bytes.
    pub(crate) fn done(&self, bytes: u64) {
        let now = self.start.elapsed();
        let mut s = lock(&self.gate.state);
        let waiting = s.waiting > 0;
        s.controller.completed(now, bytes, waiting);
    }

    /// The part was answered with a flood wait of `wait`: the DC pauses.
    pub(crate) fn flood_wait(&self, wait: Duration) {
        let now = self.start.elapsed();
        lock(&self.gate.state).controller.flood_wait(now, wait);
    }

    /// The connection was closed with transport error `-429`.
    pub(crate) fn transport_flood(&self) {
        let now = self.start.elapsed();
        lock(&self.gate.state).controller.transport_flood(now);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (close_from, idle_epoch) = {
            let mut s = lock(&self.gate.state);
            if let Some(load) = s.loads.get_mut(self.lane) {
                *load = load.saturating_sub(1);
            }
            s.in_use = s.in_use.saturating_sub(1);
            // Connections above the controller's count close once unused.
            let wanted = s.controller.connections();
            let unused_above = s.loads.iter().skip(wanted).all(|&l| l == 0);
            let close_from = (unused_above && self.lane >= wanted).then_some(wanted);
            let idle = s.in_use == 0 && !s.timer;
            s.timer |= idle;
            (close_from, idle.then_some(s.epoch))
        };
        self.memory = None;
        self.gate.notify.notify_waiters();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (client, gate) = (self.client.clone(), self.gate.clone());
        if let Some(from) = close_from {
            let (client, dc) = (client.clone(), gate.dc);
            runtime.spawn(async move { client.close_downloads(dc, from).await });
        }
        if let Some(mut seen) = idle_epoch {
            // One timer per DC: it ends once the DC was idle for IDLE.
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(IDLE).await;
                    {
                        let mut s = lock(&gate.state);
                        if !(s.in_use == 0 && s.epoch == seen) {
                            seen = s.epoch;
                            continue;
                        }
                        s.timer = false;
                    }
                    client.close_downloads(gate.dc, 0).await;
                    break;
                }
            });
        }
    }
}

/// A part waiting for a lease: counted in [`State::waiting`] until
/// dropped (it got one or gave up).
struct Waiter<'g>(&'g Gate);

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut s = lock(&self.0.state);
        s.waiting = s.waiting.saturating_sub(1);
    }
}

impl Gates {
    /// Gates within `limits`; the memory budget is `limits.parts` parts over
    /// every DC.
    pub(crate) fn new(client: Client, limits: Limits) -> Self {
        Self {
            client,
            limits,
            memory: Arc::new(Semaphore::new(limits.parts.max(1))),
            start: Instant::now(),
            dcs: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, dc: i32) -> Arc<Gate> {
        lock(&self.dcs)
            .entry(dc)
            .or_insert_with(|| {
                Arc::new(Gate {
                    dc,
                    state: Mutex::new(State {
                        controller: Controller::new(self.limits),
                        loads: vec![0; self.limits.connections.max(1)],
                        in_use: 0,
                        waiting: 0,
                        epoch: 0,
                        timer: false,
                    }),
                    notify: Notify::new(),
                })
            })
            .clone()
    }

    /// Waits until DC `dc` may carry one more part; the lease names the
    /// connection.
    pub(crate) async fn acquire(&self, dc: i32) -> Result<Lease, InvocationError> {
        let gate = self.gate(dc);
        lock(&gate.state).waiting += 1;
        let waiter = Waiter(&gate);
        let lane = loop {
            let notified = gate.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let pause = {
                let mut s = lock(&gate.state);
                let now = self.start.elapsed();
                let until = s.controller.paused_until();
                if now < until {
                    Some(until - now)
                } else if s.in_use < s.controller.in_flight() {
                    let open = s.controller.connections().min(s.loads.len());
                    let lane = (0..open).min_by_key(|&i| (s.loads[i], i)).unwrap_or(0);
                    s.loads[lane] += 1;
                    s.in_use += 1;
                    s.epoch += 1;
                    break lane;
                } else {
                    None
                }
            };
            match pause {
                Some(wait) => tokio::time::sleep(wait).await,
                None => notified.await,
            }
        };
        drop(waiter);
        // Dropped on failure, the lease gives the connection back.
        let mut lease = Lease {
            gate,
            client: self.client.clone(),
            start: self.start,
            lane,
            memory: None,
        };
        let memory = self.memory.clone().acquire_owned().await;
        lease.memory = Some(memory.map_err(|_| InvocationError::Dropped)?);
        Ok(lease)
    }

    /// Every DC's connections and parts in flight, by DC.
    pub(crate) fn loads(&self) -> Vec<DcLoad> {
        let mut loads: Vec<DcLoad> = lock(&self.dcs)
            .values()
            .map(|g| {
                let s = lock(&g.state);
                DcLoad {
                    dc: g.dc,
                    connections: s.loads.iter().filter(|&&l| l > 0).count(),
                    in_flight: s.in_use,
                }
            })
            .collect();
        loads.sort_by_key(|l| l.dc);
        loads
    }
}
