//! Per-method counters and a bounded request log, for the control plane and
//! for tests that assert what a client asked.

use std::collections::{BTreeMap, VecDeque};

use crate::dispatch::RequestCtx;
use crate::services::RpcError;

/// How many calls the log keeps (the oldest are dropped first).
pub const LOG_CAPACITY: usize = 10_000;

/// One served call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// 0-based sequence number over the dispatcher's life.
    pub seq: u64,
    /// The connection's DC.
    pub dc_id: i32,
    /// The request's time.
    pub now_unix: i32,
    /// Who was logged in on the key, if anyone (after the call).
    pub user_id: Option<i64>,
    /// The inner method's TL name.
    pub method: String,
    /// The wrappers around it, outermost first.
    pub wrappers: Vec<&'static str>,
    /// The rpc_error answered, if any.
    pub error: Option<(i32, String)>,
}

impl CallRecord {
    pub(crate) fn new(
        ctx: &RequestCtx<'_>,
        method: String,
        wrappers: Vec<&'static str>,
        result: &Result<Vec<u8>, RpcError>,
    ) -> Self {
        Self {
            seq: 0,
            dc_id: ctx.dc_id,
            now_unix: ctx.now_unix,
            user_id: ctx.auth.user_id,
            method,
            wrappers,
            error: result.as_ref().err().map(|e| (e.code, e.message.clone())),
        }
    }
}

/// Calls and errors of one method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MethodStats {
    /// Every call.
    pub calls: u64,
    /// Calls answered with an rpc_error.
    pub errors: u64,
}

/// Counters and the recent call log.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Calls per method name.
    pub methods: BTreeMap<String, MethodStats>,
    /// The last [`LOG_CAPACITY`] calls, oldest first.
    pub log: VecDeque<CallRecord>,
    /// Calls served in total.
    pub total: u64,
}

impl Stats {
    pub(crate) fn record(&mut self, mut record: CallRecord) {
        record.seq = self.total;
        self.total += 1;
        let m = self.methods.entry(record.method.clone()).or_default();
        m.calls += 1;
        m.errors += u64::from(record.error.is_some());
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(record);
    }

    /// Calls of `method` so far.
    pub fn calls(&self, method: &str) -> u64 {
        self.methods.get(method).map_or(0, |m| m.calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_bounds_the_log() {
        let mut s = Stats::default();
        for i in 0..LOG_CAPACITY + 5 {
            s.record(CallRecord {
                seq: 0,
                dc_id: 2,
                now_unix: 0,
                user_id: None,
                method: "help.getConfig".into(),
                wrappers: vec![],
                error: (i % 2 == 0).then(|| (400, "X".into())),
            });
        }
        assert_eq!(s.calls("help.getConfig"), (LOG_CAPACITY + 5) as u64);
        assert_eq!(
            s.methods["help.getConfig"].errors,
            (LOG_CAPACITY / 2 + 3) as u64
        );
        assert_eq!(s.log.len(), LOG_CAPACITY);
        assert_eq!(s.log.front().unwrap().seq, 5);
        assert_eq!(s.calls("other"), 0);
    }
}
