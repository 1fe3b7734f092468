//! Scripted faults, deterministic from a seed: rpc errors or dropped
//! connections at chosen calls of a method. [`Faulty`] wraps any
//! [`Handler`]; the script can be replaced while the server runs (the
//! control plane does).
//!
//! ```json
//! {"seed": 7, "rules": [
//!   {"method": "upload.getFile", "nth": 3, "error": [420, "FLOOD_WAIT_2"]},
//!   {"method": "messages.getHistory", "every": 5, "disconnect": true},
//!   {"method": "*", "probability": 0.01, "error": [500, "INTERNAL"]}
//! ]}
//! ```

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tl::{Deserializable, functions};

use super::{Handler, Reply, Request};

/// One rule: which calls it hits and what happens to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The TL method name (`upload.getFile`), or `*` for any.
    pub method: String,
    /// Only the n-th call (1-based) of the method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u32>,
    /// Every n-th call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// Each call with this probability (drawn from the script's seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// How many times the rule may fire in all (unlimited if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Answer with this rpc error: `[code, "MESSAGE"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<(i32, String)>,
    /// Drop the connection instead of answering.
    #[serde(default)]
    pub disconnect: bool,
}

/// A whole fault script.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultScript {
    /// Seed of the random draws of `probability` rules.
    #[serde(default)]
    pub seed: u64,
    /// Rules, the first that fires wins.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultScript {
    /// Checks that every rule says when and what.
    pub fn validate(&self) -> Result<(), String> {
        for (i, r) in self.rules.iter().enumerate() {
            if r.error.is_none() && !r.disconnect {
                return Err(format!("rule {i}: needs `error` or `disconnect`"));
            }
            if r.method.is_empty() {
                return Err(format!("rule {i}: `method` is empty (use \"*\" for any)"));
            }
            if r.nth == Some(0) || r.every == Some(0) {
                return Err(format!("rule {i}: `nth` and `every` count from 1"));
            }
            if r.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err(format!("rule {i}: `probability` must be within 0 and 1"));
            }
        }
        Ok(())
    }
}

/// The wrappers peeled to find the method a request calls.
pub(crate) fn innermost(body: &[u8]) -> (u32, Vec<u8>) {
    let mut body = body.to_vec();
    for _ in 0..8 {
        let Some(id) = body
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        else {
            break;
        };
        let inner = match id {
            0xda9b0d0d => {
                functions::InvokeWithLayer::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            0xc1cd5ea9 => {
                functions::InitConnection::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            0xbf9459b7 => {
                functions::InvokeWithoutUpdates::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            0xaca9fd2e => {
                functions::InvokeWithTakeout::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            0x365275f2 => {
                functions::InvokeWithMessagesRange::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            0xcb9f372d => {
                functions::InvokeAfterMsg::<tl::Raw>::from_bytes(&body).map(|w| w.query.0)
            }
            _ => return (id, body),
        };
        match inner {
            Ok(inner) => body = inner,
            Err(_) => return (id, body),
        }
    }
    (0, body)
}

/// The TL name of the method a request calls, wrappers peeled.
pub fn method_name(body: &[u8]) -> &'static str {
    tl::name_for_id(innermost(body).0).unwrap_or("unknown")
}

#[derive(Default)]
struct State {
    script: FaultScript,
    calls: HashMap<&'static str, u32>,
    fired: Vec<u32>,
    draws: u64,
}

/// A handler with a fault script in front of it.
pub struct Faulty<H> {
    inner: H,
    state: Mutex<State>,
}

impl<H> Faulty<H> {
    /// `inner` with no faults yet.
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            state: Mutex::new(State::default()),
        }
    }

    /// The wrapped handler.
    pub fn inner(&self) -> &H {
        &self.inner
    }

    /// Replaces the script and resets the call counters.
    pub fn set_script(&self, script: FaultScript) -> Result<(), String> {
        script.validate()?;
        let mut s = self.state.lock().expect("faults");
        s.fired = vec![0; script.rules.len()];
        s.script = script;
        s.calls.clear();
        s.draws = 0;
        Ok(())
    }

    /// The script in force.
    pub fn script(&self) -> FaultScript {
        self.state.lock().expect("faults").script.clone()
    }

    /// Whether the script hits this call of `method`, and how.
    fn fault_for(&self, method: &'static str) -> Option<Reply> {
        let mut s = self.state.lock().expect("faults");
        let n = {
            let c = s.calls.entry(method).or_insert(0);
            *c += 1;
            *c
        };
        for i in 0..s.script.rules.len() {
            let rule = s.script.rules[i].clone();
            if rule.method != "*" && rule.method != method {
                continue;
            }
            if rule.times.is_some_and(|t| s.fired[i] >= t) {
                continue;
            }
            let mut hit = rule.nth.is_none_or(|k| k == n) && rule.every.is_none_or(|k| n % k == 0);
            if let Some(p) = rule.probability {
                // SplitMix64 over (seed, draw number): the same script gives
                // the same faults on the same sequence of calls.
                let mut z = s
                    .script
                    .seed
                    .wrapping_add(s.draws.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                s.draws += 1;
                hit &= ((z >> 11) as f64 / (1u64 << 53) as f64) < p;
            }
            if hit {
                let reply = match (&rule.error, rule.disconnect) {
                    (_, true) => Reply::Disconnect,
                    (Some((code, message)), false) => Reply::Error {
                        code: *code,
                        message: message.clone(),
                    },
                    (None, false) => continue,
                };
                s.fired[i] += 1;
                return Some(reply);
            }
        }
        None
    }
}

impl<H: Handler> Handler for Faulty<H> {
    type KeyState = H::KeyState;

    fn handle(&self, request: Request<'_>, state: &mut Self::KeyState) -> Reply {
        match self.fault_for(method_name(request.body)) {
            Some(reply) => reply,
            None => self.inner.handle(request, state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::Serializable;

    struct Ok;
    impl Handler for Ok {
        type KeyState = ();
        fn handle(&self, _: Request<'_>, _: &mut ()) -> Reply {
            Reply::Result(vec![1])
        }
    }

    fn call(f: &Faulty<Ok>, body: &[u8]) -> Reply {
        f.handle(
            Request {
                dc_id: 2,
                auth_key_id: 1,
                body,
                now_unix: 0,
            },
            &mut (),
        )
    }

    fn history() -> Vec<u8> {
        let inner = functions::InvokeWithMessagesRange {
            range: tl::types::MessageRange {
                min_id: 1,
                max_id: 9,
            }
            .into(),
            query: functions::messages::GetHistory::default(),
        };
        functions::InvokeWithTakeout {
            takeout_id: 5,
            query: inner,
        }
        .to_bytes()
    }

    #[test]
    fn method_names_are_found_inside_wrappers() {
        assert_eq!(method_name(&history()), "messages.getHistory");
        assert_eq!(
            method_name(&functions::help::GetConfig {}.to_bytes()),
            "help.getConfig"
        );
        assert_eq!(method_name(&[1, 2]), "unknown");
    }

    #[test]
    fn nth_every_times_and_disconnect() {
        let f = Faulty::new(Ok);
        let script: FaultScript = serde_json::from_str(
            r#"{"rules": [
                {"method": "messages.getHistory", "nth": 2, "error": [420, "FLOOD_WAIT_1"]},
                {"method": "help.getConfig", "every": 2, "times": 1, "disconnect": true}
            ]}"#,
        )
        .unwrap();
        f.set_script(script).unwrap();
        let h = history();
        assert_eq!(call(&f, &h), Reply::Result(vec![1]));
        assert_eq!(
            call(&f, &h),
            Reply::Error {
                code: 420,
                message: "FLOOD_WAIT_1".into()
            }
        );
        assert_eq!(call(&f, &h), Reply::Result(vec![1]));
        let c = functions::help::GetConfig {}.to_bytes();
        assert_eq!(call(&f, &c), Reply::Result(vec![1]));
        assert_eq!(call(&f, &c), Reply::Disconnect);
        assert_eq!(call(&f, &c), Reply::Result(vec![1]));
        assert_eq!(call(&f, &c), Reply::Result(vec![1]), "times: 1");
    }

    #[test]
    fn probabilities_are_deterministic_from_the_seed() {
        let run = |seed| {
            let f = Faulty::new(Ok);
            let rule = FaultRule {
                method: "*".into(),
                probability: Some(0.3),
                error: Some((500, "INTERNAL".into())),
                ..Default::default()
            };
            f.set_script(FaultScript {
                seed,
                rules: vec![rule],
            })
            .unwrap();
            (0..200)
                .map(|_| call(&f, &history()) != Reply::Result(vec![1]))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((30..90).contains(&hits), "{hits} of 200 at p = 0.3");
    }

    #[test]
    fn bad_scripts_are_refused() {
        let f = Faulty::new(Ok);
        let bad = |json: &str| {
            f.set_script(serde_json::from_str(json).unwrap())
                .unwrap_err()
        };
        assert!(bad(r#"{"rules": [{"method": "x"}]}"#).contains("needs `error` or `disconnect`"));
        assert!(
            bad(r#"{"rules": [{"method": "x", "nth": 0, "disconnect": true}]}"#)
                .contains("count from 1")
        );
        assert!(serde_json::from_str::<FaultScript>(r#"{"rules": [{"methd": "x"}]}"#).is_err());
    }
}
