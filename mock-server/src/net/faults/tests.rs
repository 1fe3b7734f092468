//! Unit tests of the fault scripts.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tl::Serializable;
use tl::functions;

use super::super::{ConnFaults, Handler, Reply, Request};
use super::handler::{Outcome, State};
use super::*;

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
            conn_id: 1,
            body,
            now_unix: 0,
        },
        &mut (),
    )
}

fn script(json: &str) -> FaultScript {
    serde_json::from_str(json).expect("parses")
}

fn faulty(json: &str) -> Faulty<Ok> {
    let f = Faulty::new(Ok);
    f.set_script(script(json)).expect("valid");
    f
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

fn config() -> Vec<u8> {
    functions::help::GetConfig {}.to_bytes()
}

fn ok() -> Reply {
    Reply::Result(vec![1])
}

fn error(code: i32, message: &str) -> Reply {
    Reply::Error {
        code,
        message: message.into(),
    }
}

#[test]
fn called_methods_are_found_inside_wrappers() {
    assert_eq!(called_method(&history()), "messages.getHistory");
    assert_eq!(called_method(&config()), "help.getConfig");
    assert_eq!(called_method(&[1, 2]), "unknown");
}

#[test]
fn nth_every_times_and_disconnect() {
    let f = faulty(
        r#"{"rules": [
            {"method": "messages.getHistory", "nth": 2, "error": [420, "FLOOD_WAIT_1"]},
            {"method": "help.getConfig", "every": 2, "times": 1, "disconnect": true}
        ]}"#,
    );
    let h = history();
    assert_eq!(call(&f, &h), ok());
    assert_eq!(call(&f, &h), error(420, "FLOOD_WAIT_1"));
    assert_eq!(call(&f, &h), ok());
    let c = config();
    assert_eq!(call(&f, &c), ok());
    assert_eq!(call(&f, &c), Reply::Disconnect);
    assert_eq!(call(&f, &c), ok());
    assert_eq!(call(&f, &c), ok(), "times: 1");
}

#[test]
fn mid_frame_bad_salt_and_delays() {
    let f = faulty(
        r#"{"rules": [
            {"method": "*", "every": 2, "times": 2, "delay_ms": 200},
            {"method": "messages.getHistory", "nth": 2, "disconnect_mid_frame": true},
            {"method": "help.getConfig", "nth": 1, "bad_server_salt": true, "delay_ms": 50},
            {"method": "help.getConfig", "nth": 2, "error": [500, "INTERNAL"]}
        ]}"#,
    );
    let h = history();
    assert_eq!(call(&f, &h), ok());
    // The delay-only rule fires, then the mid-frame rule decides: both apply.
    assert_eq!(
        call(&f, &h),
        Reply::Delayed {
            delay: Duration::from_millis(200),
            reply: Box::new(Reply::DisconnectMidFrame(Box::new(ok())))
        }
    );
    let c = config();
    assert_eq!(
        call(&f, &c),
        Reply::Delayed {
            delay: Duration::from_millis(50),
            reply: Box::new(Reply::BadServerSalt)
        }
    );
    assert_eq!(
        call(&f, &c),
        Reply::Delayed {
            delay: Duration::from_millis(200),
            reply: Box::new(error(500, "INTERNAL"))
        }
    );
    // "*" counts every call together: calls 2 and 4 were delayed, and
    // the rule fired its two times.
    assert_eq!(call(&f, &c), ok());
    assert_eq!(call(&f, &c), ok());
}

#[test]
fn probabilities_are_deterministic_from_the_seed() {
    let run = |seed| {
        let f = Faulty::new(Ok);
        let rule = FaultRule {
            method: "*".into(),
            probability: Some(0.3),
            outcome: Some(FaultOutcome::Error(500, "INTERNAL".into())),
            ..Default::default()
        };
        f.set_script(FaultScript {
            seed,
            rules: vec![rule],
            ..Default::default()
        })
        .unwrap();
        (0..200)
            .map(|_| call(&f, &history()) != ok())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
    let hits = run(7).iter().filter(|h| **h).count();
    assert!((30..90).contains(&hits), "{hits} of 200 at p = 0.3");
}

#[test]
fn rate_limits_answer_flood_wait_within_the_window() {
    let mut s = State::default();
    let limits = r#"{"rate_limits": [
        {"method": "upload.getFile", "max_calls": 3, "per_secs": 2, "flood_wait_secs": 7},
        {"method": "*", "max_calls": 5, "per_secs": 10}
    ]}"#;
    s.script = script(limits);
    s.windows = vec![VecDeque::new(); 2];
    let t0 = Instant::now();
    let at = |ms| t0 + Duration::from_millis(ms);
    let flood = |secs: u32| Outcome::Fault(error(420, &format!("FLOOD_WAIT_{secs}")));
    for i in 0..3 {
        assert_eq!(s.decide("upload.getFile", at(i * 100)).1, Outcome::Serve);
    }
    assert_eq!(
        s.decide("upload.getFile", at(500)).1,
        flood(7),
        "4th in 2 s"
    );
    assert_eq!(s.decide("upload.getFile", at(1999)).1, flood(7));
    // The first call left the window: room for one more.
    assert_eq!(s.decide("upload.getFile", at(2000)).1, Outcome::Serve);
    assert_eq!(s.decide("upload.getFile", at(2050)).1, flood(7));
    // "*" counts every call: 4 served so far, one more fits.
    assert_eq!(s.decide("help.getConfig", at(3000)).1, Outcome::Serve);
    // Full until the first call (at 0 ms) is 10 s old: 10 s - 3.5 s left.
    assert_eq!(s.decide("help.getConfig", at(3500)).1, flood(7));
    assert_eq!(s.decide("help.getConfig", at(9999)).1, flood(1));
    assert_eq!(s.decide("help.getConfig", at(10_000)).1, Outcome::Serve);
    assert!(
        s.windows.iter().all(|w| w.len() <= 5),
        "windows stay bounded"
    );
}

#[test]
fn the_documented_script_parses_and_applies_to_connections() {
    let s = script(
        r#"{"seed": 7,
         "latency_ms": 50,
         "bandwidth_bytes_per_sec": 1000000,
         "clock_skew_secs": -600,
         "drop_after_responses": 5,
         "rate_limits": [{"method": "upload.getFile", "max_calls": 20, "per_secs": 1, "flood_wait_secs": 2}],
         "rules": [
           {"method": "upload.getFile", "nth": 3, "error": [420, "FLOOD_WAIT_2"]},
           {"method": "messages.getHistory", "every": 5, "disconnect": true},
           {"method": "messages.getDialogs", "nth": 2, "disconnect_mid_frame": true},
           {"method": "help.getConfig", "nth": 1, "bad_server_salt": true},
           {"method": "*", "nth": 4, "delay_ms": 200}
         ]}"#,
    );
    s.validate().expect("valid");
    assert_eq!(
        s.connection_faults(),
        ConnFaults {
            latency: Duration::from_millis(50),
            bandwidth: Some(1_000_000),
            clock_skew: -600,
            drop_after_responses: Some(5),
        }
    );
    assert_eq!(s.rate_limits[0].flood_wait_secs, Some(2));
    assert_eq!(s.rules.len(), 5);
    // It round-trips through JSON (GET /faults).
    let again: FaultScript = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(again, s);
    // Defaults: no faults, and nothing but the seed and rules written.
    let none = script("{}");
    assert_eq!(none, FaultScript::default());
    assert_eq!(none.connection_faults(), ConnFaults::default());
    assert_eq!(
        serde_json::to_string(&none).unwrap(),
        r#"{"seed":0,"rules":[]}"#
    );
    let limit = script(r#"{"rate_limits": [{"method": "*", "max_calls": 1}]}"#);
    assert_eq!(limit.rate_limits[0].per_secs, 1);
    assert_eq!(limit.rate_limits[0].flood_wait_secs, None);

    let f = faulty(r#"{"latency_ms": 20, "clock_skew_secs": 30}"#);
    assert_eq!(f.connection_faults().latency, Duration::from_millis(20));
    f.set_script(FaultScript::default()).unwrap();
    assert_eq!(f.connection_faults(), ConnFaults::default());
}

#[test]
fn bad_scripts_are_refused() {
    let f = Faulty::new(Ok);
    let bad = |json: &str| f.set_script(script(json)).unwrap_err();
    assert!(bad(r#"{"rules": [{"method": "x"}]}"#).contains("needs `error`"));
    assert!(
        bad(r#"{"rules": [{"method": "x", "nth": 0, "disconnect": true}]}"#)
            .contains("count from 1")
    );
    let cases = [
        (r#"{"rules": [{"method": "x"}]}"#, ScriptError::NoAction(0)),
        (
            r#"{"rules": [{"method": "x", "transport_error": 404}]}"#,
            ScriptError::TransportCode(0),
        ),
        (
            r#"{"rules": [{"method": "x", "delay_ms": 1}, {"method": "", "delay_ms": 1}]}"#,
            ScriptError::EmptyMethod(1),
        ),
        (
            r#"{"rules": [{"method": "x", "every": 0, "delay_ms": 1}]}"#,
            ScriptError::ZeroCount(0),
        ),
        (
            r#"{"rules": [{"method": "x", "probability": 1.5, "disconnect": true}]}"#,
            ScriptError::Probability(0),
        ),
        (
            r#"{"rules": [{"method": "x", "delay_ms": 600001}]}"#,
            ScriptError::Delay(0),
        ),
    ];
    for (json, want) in cases {
        assert_eq!(script(json).validate(), Err(want), "{json}");
    }
    for json in [
        r#"{"latency_ms": 60001}"#,
        r#"{"bandwidth_bytes_per_sec": 0}"#,
        r#"{"clock_skew_secs": -400000000}"#,
        r#"{"drop_after_responses": 0}"#,
    ] {
        assert!(
            matches!(script(json).validate(), Err(ScriptError::Setting { .. })),
            "{json}"
        );
    }
    for json in [
        r#"{"rate_limits": [{"method": "", "max_calls": 1}]}"#,
        r#"{"rate_limits": [{"method": "x", "max_calls": 0}]}"#,
        r#"{"rate_limits": [{"method": "x", "max_calls": 1, "per_secs": 0}]}"#,
        r#"{"rate_limits": [{"method": "x", "max_calls": 1, "flood_wait_secs": 999999999}]}"#,
    ] {
        assert!(
            matches!(
                script(json).validate(),
                Err(ScriptError::RateLimit { index: 0, .. })
            ),
            "{json}"
        );
    }
    // Unknown or mistyped fields are JSON errors.
    for json in [
        r#"{"rules": [{"methd": "x"}]}"#,
        r#"{"latency": 5}"#,
        r#"{"rate_limits": [{"method": "x"}]}"#,
        r#"{"rate_limits": [{"method": "x", "max_calls": 1, "burst": 2}]}"#,
        r#"{"latency_ms": -1}"#,
    ] {
        assert!(serde_json::from_str::<FaultScript>(json).is_err(), "{json}");
    }
    assert_eq!(
        f.script(),
        FaultScript::default(),
        "refused scripts change nothing"
    );
}

#[test]
fn transport_errors_forgotten_keys_and_quick_acks() {
    let f = faulty(
        r#"{"rules": [
            {"method": "messages.getHistory", "nth": 1, "transport_error": -429},
            {"method": "messages.getHistory", "nth": 2, "forget_key": true},
            {"method": "messages.getHistory", "nth": 3, "quick_ack": true, "delay_ms": 5}
        ]}"#,
    );
    let h = history();
    assert_eq!(call(&f, &h), Reply::TransportError(-429));
    assert_eq!(call(&f, &h), Reply::ForgetKey);
    assert_eq!(
        call(&f, &h),
        Reply::Delayed {
            delay: Duration::from_millis(5),
            reply: Box::new(Reply::QuickAck(Box::new(ok())))
        }
    );
    assert_eq!(call(&f, &h), ok());
}

#[test]
fn every_outcome_round_trips_through_json() {
    let outcomes = [
        FaultOutcome::Error(420, "FLOOD_WAIT_3".into()),
        FaultOutcome::Disconnect,
        FaultOutcome::DisconnectMidFrame,
        FaultOutcome::BadServerSalt,
        FaultOutcome::TransportError(-444),
        FaultOutcome::ForgetKey,
        FaultOutcome::QuickAck,
    ];
    for outcome in outcomes {
        let rule = FaultRule {
            method: "*".into(),
            nth: Some(2),
            outcome: Some(outcome),
            ..Default::default()
        };
        let json = serde_json::to_string(&rule).unwrap();
        let again: FaultRule = serde_json::from_str(&json).unwrap();
        assert_eq!(again, rule, "{json}");
    }
    let json = serde_json::to_string(&FaultRule {
        method: "*".into(),
        outcome: Some(FaultOutcome::TransportError(-429)),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(json, r#"{"method":"*","transport_error":-429}"#);
}
