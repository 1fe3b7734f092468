//! The HTTP control plane (hyper): health, counters and the request log,
//! the fault script, and loading another world, so a test or a person can
//! steer a running mock server.
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | `/health` | | `ok` |
//! | GET | `/stats` | | per-method counters and the request log (JSON) |
//! | DELETE | `/stats` | | clears them |
//! | GET | `/log` | | the request log alone (JSON array, oldest first); `?since=SEQ`: entries from that `seq` on |
//! | GET | `/faults` | | the fault script (JSON) |
//! | PUT or POST | `/faults` | a fault script | `204`, or `400` with the reason |
//! | POST | `/world` | `{"fixture": "DIR"}` | `204`, or `400` with the reason |
//! | PUT | `/takeout-delay` | `{"seconds": N}` | `204`: `account.initTakeoutSession` answers `TAKEOUT_INIT_DELAY_X` for N seconds, counting down |
//! | DELETE | `/takeout-delay` | | `204`: the delay is lifted (the user approved the export elsewhere) |
//! | POST | `/forget-key` | `{"dc": N}` | `200` `{"forgotten": K}`: DC N forgets its K auth keys; the next request with one gets transport error `-404`; `400` for a DC not served |

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::net::FaultScript;

/// What the control plane can do to a server.
pub trait Control: Send + Sync + 'static {
    /// Counters and the request log.
    fn stats(&self) -> serde_json::Value;
    /// The request log: a JSON array of entries, oldest first, each with a
    /// `seq` (by default the `log` of [`Control::stats`]).
    fn log(&self) -> serde_json::Value {
        self.stats()
            .get("log")
            .cloned()
            .unwrap_or(serde_json::Value::Array(Vec::new()))
    }
    /// Clears the counters and the log.
    fn reset_stats(&self);
    /// The fault script in force.
    fn faults(&self) -> FaultScript;
    /// Replaces the fault script.
    fn set_faults(&self, script: FaultScript) -> Result<(), String>;
    /// Serves the world of another fixture directory from now on.
    fn load_world(&self, fixture: &std::path::Path) -> Result<(), String>;
    /// Delays takeouts for `seconds` from now (`None`: lifts the delay).
    fn set_takeout_delay(&self, seconds: Option<u32>) -> Result<(), String> {
        let _ = seconds;
        Err("this server has no takeout delay to set".into())
    }
    /// Forgets every auth key of DC `dc` (the next request with one gets
    /// transport error `-404`); how many there were.
    fn forget_keys(&self, dc: i32) -> Result<usize, String> {
        let _ = dc;
        Err("this server cannot forget keys".into())
    }
}

/// The body of `POST /forget-key`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Forget {
    dc: i32,
}

/// The body of `PUT /takeout-delay`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Delay {
    seconds: u32,
}

/// The largest request body accepted.
const MAX_BODY: usize = 1 << 20;

fn reply(status: StatusCode, body: impl Into<Bytes>, json: bool) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    let kind = if json {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(kind),
    );
    r
}

async fn body_json<T: serde::de::DeserializeOwned>(req: Request<Incoming>) -> Result<T, String> {
    let limited = http_body_util::Limited::new(req.into_body(), MAX_BODY);
    let bytes = limited
        .collect()
        .await
        .map_err(|e| format!("cannot read the body: {e}"))?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))
}

/// The `since` of a `/log` query string (0 without one).
fn since(query: Option<&str>) -> Result<u64, String> {
    let mut since = 0;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("since", n)) => {
                since = n
                    .parse()
                    .map_err(|_| format!("`since` must be a number, not {n:?}"))?;
            }
            _ => return Err(format!("unknown parameter {pair:?}; /log takes `since`")),
        }
    }
    Ok(since)
}

async fn route(control: Arc<dyn Control>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let text = |s: StatusCode, b: String| reply(s, b, false);
    match (req.method().clone(), req.uri().path()) {
        (Method::GET, "/health") => text(StatusCode::OK, "ok\n".into()),
        (Method::GET, "/stats") => reply(StatusCode::OK, control.stats().to_string(), true),
        (Method::GET, "/log") => match since(req.uri().query()) {
            Ok(since) => {
                let mut log = control.log();
                if let serde_json::Value::Array(entries) = &mut log {
                    entries.retain(|e| e["seq"].as_u64().is_none_or(|s| s >= since));
                }
                reply(StatusCode::OK, log.to_string(), true)
            }
            Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        },
        (Method::DELETE, "/stats") => {
            control.reset_stats();
            text(StatusCode::NO_CONTENT, String::new())
        }
        (Method::GET, "/faults") => reply(
            StatusCode::OK,
            serde_json::to_string(&control.faults()).unwrap_or_default(),
            true,
        ),
        (Method::PUT | Method::POST, "/faults") => match body_json::<FaultScript>(req)
            .await
            .and_then(|s| control.set_faults(s))
        {
            Ok(()) => text(StatusCode::NO_CONTENT, String::new()),
            Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        },
        (Method::POST, "/world") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Load {
                fixture: std::path::PathBuf,
            }
            match body_json::<Load>(req)
                .await
                .and_then(|l| control.load_world(&l.fixture))
            {
                Ok(()) => text(StatusCode::NO_CONTENT, String::new()),
                Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            }
        }
        (Method::PUT, "/takeout-delay") => {
            let set = match body_json::<Delay>(req).await {
                Ok(d) => control.set_takeout_delay(Some(d.seconds)),
                Err(e) => Err(e),
            };
            match set {
                Ok(()) => text(StatusCode::NO_CONTENT, String::new()),
                Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            }
        }
        (Method::DELETE, "/takeout-delay") => match control.set_takeout_delay(None) {
            Ok(()) => text(StatusCode::NO_CONTENT, String::new()),
            Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        },
        (Method::POST, "/forget-key") => {
            match body_json::<Forget>(req)
                .await
                .and_then(|f| control.forget_keys(f.dc))
            {
                Ok(n) => reply(StatusCode::OK, format!("{{\"forgotten\":{n}}}"), true),
                Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            }
        }
        (
            _,
            "/health" | "/stats" | "/log" | "/faults" | "/world" | "/takeout-delay" | "/forget-key",
        ) => text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n".into(),
        ),
        _ => text(
            StatusCode::NOT_FOUND,
            "unknown path; see /health, /stats, /log, /faults, /world, /takeout-delay, /forget-key\n"
                .into(),
        ),
    }
}

/// Serves the control plane on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, control: Arc<dyn Control>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let control = control.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let control = control.clone();
                async move { Ok::<_, Infallible>(route(control, req).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("control connection: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[derive(Default)]
    struct Fake {
        faults: Mutex<FaultScript>,
        loaded: Mutex<Vec<std::path::PathBuf>>,
        delays: Mutex<Vec<Option<u32>>>,
        forgotten: Mutex<Vec<i32>>,
    }

    impl Control for Fake {
        fn stats(&self) -> serde_json::Value {
            serde_json::json!({"calls": {"help.getConfig": 2}, "log": [
                {"seq": 0, "method": "help.getConfig"},
                {"seq": 1, "method": "upload.getFile"},
            ]})
        }
        fn reset_stats(&self) {}
        fn faults(&self) -> FaultScript {
            self.faults.lock().unwrap().clone()
        }
        fn set_faults(&self, script: FaultScript) -> Result<(), String> {
            script.validate()?;
            *self.faults.lock().unwrap() = script;
            Ok(())
        }
        fn load_world(&self, fixture: &std::path::Path) -> Result<(), String> {
            self.loaded.lock().unwrap().push(fixture.into());
            Ok(())
        }
        fn set_takeout_delay(&self, seconds: Option<u32>) -> Result<(), String> {
            self.delays.lock().unwrap().push(seconds);
            Ok(())
        }
        fn forget_keys(&self, dc: i32) -> Result<usize, String> {
            if dc == 9 {
                return Err("this server does not serve DC 9".into());
            }
            self.forgotten.lock().unwrap().push(dc);
            Ok(2)
        }
    }

    /// A minimal HTTP/1.1 client: one request per connection.
    async fn http(
        addr: std::net::SocketAddr,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String) {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let status = out[9..12].parse().unwrap();
        let body = out
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    #[tokio::test]
    async fn endpoints() {
        let fake = Arc::new(Fake::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(serve(listener, fake.clone()));
        assert_eq!(http(addr, "GET", "/health", "").await, (200, "ok\n".into()));
        assert!(
            http(addr, "GET", "/stats", "")
                .await
                .1
                .starts_with(r#"{"calls":{"help.getConfig":2}"#)
        );
        let seqs = |body: String| -> Vec<u64> {
            let log: serde_json::Value = serde_json::from_str(&body).unwrap();
            log.as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(seqs(http(addr, "GET", "/log", "").await.1), [0, 1]);
        assert_eq!(seqs(http(addr, "GET", "/log?since=1", "").await.1), [1]);
        assert_eq!(http(addr, "GET", "/log?since=x", "").await.0, 400);
        assert_eq!(http(addr, "GET", "/log?limit=3", "").await.0, 400);
        let script = r#"{"seed":3,"rules":[{"method":"upload.getFile","nth":2,"error":[420,"FLOOD_WAIT_1"]}]}"#;
        assert_eq!(http(addr, "PUT", "/faults", script).await.0, 204);
        assert_eq!(fake.faults().rules[0].nth, Some(2));
        let script = r#"{"latency_ms":50,"rate_limits":[{"method":"*","max_calls":9}]}"#;
        assert_eq!(http(addr, "POST", "/faults", script).await.0, 204);
        assert_eq!(fake.faults().latency_ms, 50);
        assert_eq!(fake.faults().rate_limits[0].max_calls, 9);
        let (status, body) = http(addr, "PUT", "/faults", r#"{"rules":[{"method":"x"}]}"#).await;
        assert_eq!(
            (status, body.as_str()),
            (
                400,
                "rule 0: needs `error`, `disconnect`, `disconnect_mid_frame`, `bad_server_salt`, `transport_error`, `forget_key`, `quick_ack` or `delay_ms`\n"
            )
        );
        let (status, body) = http(addr, "POST", "/faults", r#"{"latency":5}"#).await;
        assert_eq!(status, 400);
        assert!(
            body.starts_with("invalid JSON: unknown field `latency`"),
            "{body}"
        );
        assert_eq!(
            http(addr, "POST", "/world", r#"{"fixture":"fixtures/small"}"#)
                .await
                .0,
            204
        );
        assert_eq!(
            fake.loaded.lock().unwrap()[0],
            std::path::PathBuf::from("fixtures/small")
        );
        let delay = r#"{"seconds":86400}"#;
        assert_eq!(http(addr, "PUT", "/takeout-delay", delay).await.0, 204);
        assert_eq!(http(addr, "DELETE", "/takeout-delay", "").await.0, 204);
        assert_eq!(*fake.delays.lock().unwrap(), [Some(86_400), None]);
        let (status, body) = http(addr, "PUT", "/takeout-delay", r#"{"secs":1}"#).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(http(addr, "GET", "/takeout-delay", "").await.0, 405);
        assert_eq!(
            http(addr, "POST", "/forget-key", r#"{"dc":4}"#).await,
            (200, r#"{"forgotten":2}"#.into())
        );
        assert_eq!(*fake.forgotten.lock().unwrap(), [4]);
        assert_eq!(
            http(addr, "POST", "/forget-key", r#"{"dc":9}"#).await,
            (400, "this server does not serve DC 9\n".into())
        );
        assert_eq!(
            http(addr, "POST", "/forget-key", r#"{"key":1}"#).await.0,
            400
        );
        assert_eq!(http(addr, "GET", "/forget-key", "").await.0, 405);
        assert_eq!(http(addr, "GET", "/nope", "").await.0, 404);
        assert_eq!(http(addr, "POST", "/health", "").await.0, 405);
        task.abort();
    }
}
