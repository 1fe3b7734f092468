//! Per-method counters and a bounded request log, for the control plane and
//! for tests that assert what a client asked.
//!
//! Every call the dispatcher serves is logged, and so is every call a
//! scripted fault kept from it (an error, a disconnect, `bad_server_salt`, a
//! rate limit), marked with the fault; only served calls count in
//! [`MethodStats::calls`].

use std::collections::{BTreeMap, VecDeque};

use crate::dispatch::RequestCtx;

/// How many calls the log keeps (the oldest are dropped first).
pub const LOG_CAPACITY: usize = 10_000;

/// One served call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// 0-based sequence number over the dispatcher's life.
    pub seq: u64,
    /// The connection's DC.
    pub dc_id: i32,
    /// The connection (numbered per DC), if the call came over one.
    pub conn_id: Option<u64>,
    /// The auth key the call was encrypted with, if it came over a
    /// connection.
    pub auth_key_id: Option<i64>,
    /// The request's time.
    pub now_unix: i32,
    /// Who was logged in on the key, if anyone (after the call).
    pub user_id: Option<i64>,
    /// The inner method's TL name.
    pub method: String,
    /// The wrappers around it, outermost first.
    pub wrappers: Vec<&'static str>,
    /// The inner method's parameters as TL JSON (`{"_": "upload.getFile",
    /// ...}`), if the mock knows the method and it decoded; filled in when
    /// the log is read (`Dispatcher::stats`), from the query's bytes.
    pub params: Option<serde_json::Value>,
    /// The inner method's constructor id and bytes, kept until the log is
    /// read: turning every call into JSON as it is served cost the mock a
    /// fifth of its CPU on an export of many small pages.
    query: Option<(u32, Vec<u8>)>,
    /// The rpc_error answered, if any.
    pub error: Option<(i32, String)>,
    /// The scripted fault that answered instead of the dispatcher, if any:
    /// `rpc_error`, `disconnect` or `bad_server_salt`.
    pub fault: Option<&'static str>,
}

impl CallRecord {
    pub(crate) fn new(
        ctx: &RequestCtx<'_>,
        origin: Origin,
        (method, wrappers, query): Logged,
        error: Option<(i32, String)>,
    ) -> Self {
        Self {
            seq: 0,
            dc_id: ctx.dc_id,
            conn_id: origin.conn_id,
            auth_key_id: origin.auth_key_id,
            now_unix: ctx.now_unix,
            user_id: ctx.auth.user_id,
            method,
            wrappers,
            params: None,
            query,
            error,
            fault: None,
        }
    }

    /// The record's JSON form (one entry of the control plane's `log`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "seq": self.seq,
            "dc": self.dc_id,
            "conn": self.conn_id,
            "auth_key_id": self.auth_key_id,
            "time": self.now_unix,
            "user": self.user_id,
            "method": self.method,
            "wrappers": self.wrappers,
            "params": self.params,
            "error": self.error.as_ref().map(|(code, msg)| serde_json::json!([code, msg])),
            "fault": self.fault,
        })
    }
}

/// What the log keeps of a call as it is served: the inner method's name,
/// the wrappers, and its constructor id and bytes (see [`CallRecord`]).
pub(crate) type Logged = (String, Vec<&'static str>, Option<(u32, Vec<u8>)>);

/// Where a call came from, for the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The connection (numbered per DC).
    pub conn_id: Option<u64>,
    /// The auth key.
    pub auth_key_id: Option<i64>,
}

/// Calls and errors of one method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MethodStats {
    /// Every call the dispatcher served.
    pub calls: u64,
    /// Served calls answered with an rpc_error.
    pub errors: u64,
    /// Calls a scripted fault answered instead (not in `calls`).
    pub faults: u64,
}

/// Counters and the recent call log.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Calls per method name.
    pub methods: BTreeMap<String, MethodStats>,
    /// The last [`LOG_CAPACITY`] calls, oldest first.
    pub log: VecDeque<CallRecord>,
    /// Calls logged in total (served and faulted).
    pub total: u64,
}

impl Stats {
    pub(crate) fn record(&mut self, mut record: CallRecord) {
        record.seq = self.total;
        self.total += 1;
        // A known method is counted without cloning its name (one call
        // of many thousands of small pages costs the mock little).
        let m = match self.methods.get_mut(record.method.as_str()) {
            Some(m) => m,
            None => self.methods.entry(record.method.clone()).or_default(),
        };
        if record.fault.is_some() {
            m.faults += 1;
        } else {
            m.calls += 1;
            m.errors += u64::from(record.error.is_some());
        }
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(record);
    }

    /// The stats to read (a copy): every logged call's `params` made from
    /// its query by `params` (id, bytes), here rather than as calls are
    /// served.
    pub(crate) fn read(mut self, params: impl Fn(u32, &[u8]) -> Option<serde_json::Value>) -> Self {
        for r in &mut self.log {
            if let Some((id, query)) = r.query.take() {
                r.params = params(id, &query);
            }
        }
        self
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
                conn_id: Some(1),
                auth_key_id: Some(7),
                now_unix: 0,
                user_id: None,
                method: "help.getConfig".into(),
                wrappers: vec![],
                params: None,
                query: (i == 0).then(|| (1, vec![i as u8])),
                error: (i % 2 == 0).then(|| (400, "X".into())),
                fault: None,
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

        // A faulted call is logged, not counted as served.
        let mut faulted = s.log.back().unwrap().clone();
        faulted.fault = Some("disconnect");
        faulted.error = None;
        s.record(faulted.clone());
        assert_eq!(s.calls("help.getConfig"), (LOG_CAPACITY + 5) as u64);
        assert_eq!(s.methods["help.getConfig"].faults, 1);
        assert_eq!(s.total, (LOG_CAPACITY + 6) as u64);
        let json = s.log.back().unwrap().to_json();
        assert_eq!(json["fault"], "disconnect");
        assert_eq!(json["conn"], 1);
        assert_eq!(json["seq"], LOG_CAPACITY + 5);
        assert!(json["error"].is_null() && json["params"].is_null());

        // Parameters are made from the kept query only when the log is
        // read, once.
        let mut s = Stats::default();
        let mut record = faulted.clone();
        record.query = Some((7, vec![1, 2]));
        s.record(record);
        assert_eq!(s.log[0].params, None);
        let read = s
            .clone()
            .read(|id, q| Some(serde_json::json!([id, q.len()])));
        assert_eq!(read.log[0].params, Some(serde_json::json!([7, 2])));
        assert_eq!(read.log[0].query, None);
        assert_eq!(s.read(|_, _| None).log[0].params, None);
    }
}
