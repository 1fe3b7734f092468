//! One fault rule: which calls it hits ([`FaultRule`]) and the one thing
//! that happens to them ([`FaultOutcome`]). In JSON the outcome is one of
//! the keys `error`, `disconnect`, `disconnect_mid_frame`,
//! `bad_server_salt`, `transport_error`, `forget_key`, `quick_ack`; naming
//! two is a parse error.

use serde::{Deserialize, Serialize};

/// What a rule does instead of (or around) the normal answer. The kinds
/// are mutually exclusive; a rule has at most one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Answer with this rpc error (`"error": [code, "MESSAGE"]`).
    Error(i32, String),
    /// Drop the connection instead of answering (`"disconnect": true`).
    Disconnect,
    /// Answer, but drop the connection after writing only the first half
    /// of the transport frame carrying the answer
    /// (`"disconnect_mid_frame": true`).
    DisconnectMidFrame,
    /// Answer `bad_server_salt` about the request (with the right salt),
    /// which the client must send again (`"bad_server_salt": true`).
    BadServerSalt,
    /// Send this negative transport error code (`-429`, `-444`, `-500`...)
    /// instead of the answer and close the connection
    /// (`"transport_error": -429`).
    TransportError(i32),
    /// Forget the auth key the call came with, on the DC it came to, and
    /// answer transport error `-404` as Telegram does for a key it does
    /// not know (`"forget_key": true`).
    ForgetKey,
    /// Send an unrequested quick-ack word (a 32-bit word with its top bit
    /// set) just before the answer (`"quick_ack": true`).
    QuickAck,
}

/// One rule: which calls it hits and what happens to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RuleJson", into = "RuleJson")]
pub struct FaultRule {
    /// The TL method name (`upload.getFile`), or `*` for any.
    pub method: String,
    /// Only the n-th call (1-based) of the method (with `*`: of all calls
    /// together).
    pub nth: Option<u32>,
    /// Every n-th call (counted as for `nth`).
    pub every: Option<u32>,
    /// Each call with this probability (drawn from the script's seed).
    pub probability: Option<f64>,
    /// How many times the rule may fire in all (unlimited if absent).
    pub times: Option<u32>,
    /// What happens to the calls hit; `None` with a `delay_ms` only delays.
    pub outcome: Option<FaultOutcome>,
    /// Hold this call's answer back this many milliseconds more (other
    /// answers of the connection are not held).
    pub delay_ms: Option<u64>,
}

/// The JSON form of a rule: the outcome as one of several keys.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleJson {
    method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nth: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    every: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<(i32, String)>,
    #[serde(default, skip_serializing_if = "is_false")]
    disconnect: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    disconnect_mid_frame: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    bad_server_salt: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transport_error: Option<i32>,
    #[serde(default, skip_serializing_if = "is_false")]
    forget_key: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    quick_ack: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The outcome keys, for the parse error.
const OUTCOME_KEYS: &str = "`error`, `disconnect`, `disconnect_mid_frame`, `bad_server_salt`, `transport_error`, `forget_key` or `quick_ack`";

impl TryFrom<RuleJson> for FaultRule {
    type Error = String;

    fn try_from(j: RuleJson) -> Result<Self, String> {
        let named = [
            j.error.map(|(code, m)| FaultOutcome::Error(code, m)),
            j.disconnect.then_some(FaultOutcome::Disconnect),
            j.disconnect_mid_frame
                .then_some(FaultOutcome::DisconnectMidFrame),
            j.bad_server_salt.then_some(FaultOutcome::BadServerSalt),
            j.transport_error.map(FaultOutcome::TransportError),
            j.forget_key.then_some(FaultOutcome::ForgetKey),
            j.quick_ack.then_some(FaultOutcome::QuickAck),
        ];
        let mut outcomes = named.into_iter().flatten();
        let outcome = outcomes.next();
        if outcomes.next().is_some() {
            return Err(format!(
                "rule for {:?}: only one of {OUTCOME_KEYS}",
                j.method
            ));
        }
        Ok(FaultRule {
            method: j.method,
            nth: j.nth,
            every: j.every,
            probability: j.probability,
            times: j.times,
            outcome,
            delay_ms: j.delay_ms,
        })
    }
}

impl From<FaultRule> for RuleJson {
    fn from(r: FaultRule) -> Self {
        let mut j = RuleJson {
            method: r.method,
            nth: r.nth,
            every: r.every,
            probability: r.probability,
            times: r.times,
            delay_ms: r.delay_ms,
            ..RuleJson::default()
        };
        match r.outcome {
            None => {}
            Some(FaultOutcome::Error(code, m)) => j.error = Some((code, m)),
            Some(FaultOutcome::Disconnect) => j.disconnect = true,
            Some(FaultOutcome::DisconnectMidFrame) => j.disconnect_mid_frame = true,
            Some(FaultOutcome::BadServerSalt) => j.bad_server_salt = true,
            Some(FaultOutcome::TransportError(code)) => j.transport_error = Some(code),
            Some(FaultOutcome::ForgetKey) => j.forget_key = true,
            Some(FaultOutcome::QuickAck) => j.quick_ack = true,
        }
        j
    }
}
