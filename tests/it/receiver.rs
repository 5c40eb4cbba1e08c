//! A webhook receiver for the outbound tests: a real HTTP server on a local port that checks
//! each message's Standard Webhooks signature (its own implementation of the check, apart from
//! scimhub's), records what arrived, and answers as the test scripts it (e.g. 429 with
//! `Retry-After`, then 204).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// A message that arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`.
    pub id: String,
    /// The body.
    pub body: Value,
    /// Whether its signature checked out with the receiver's secret.
    pub signed: bool,
    /// When it arrived.
    pub at: Instant,
    /// The status it was answered with.
    pub answered: u16,
}

#[derive(Default)]
struct Inner {
    secret: Option<String>,
    script: VecDeque<(u16, Option<u64>)>,
    received: Vec<Received>,
}

/// The receiver; dropping it stops the server. It runs on a thread and runtime of its own, so
/// it answers while the test waits synchronously (for a CLI command, say).
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    /// Its URL.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (id, timestamp, signatures) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let fresh = timestamp.parse::<u64>().is_ok_and(|t| t.abs_diff(now) < 300);
    fresh && signatures.split(' ').any(|s| s == expected)
}

async fn receive(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let mut inner = inner.lock().unwrap();
    let signed = inner.secret.as_deref().is_some_and(|s| verify(s, &headers, &body));
    let (status, retry_after) = if !signed { (401, None) } else { inner.script.pop_front().unwrap_or((204, None)) };
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.received.push(Received { id, body, signed, at: Instant::now(), answered: status });
    let mut response_headers = HeaderMap::new();
    if let Some(seconds) = retry_after {
        response_headers.insert("retry-after", HeaderValue::from(seconds));
    }
    (StatusCode::from_u16(status).unwrap(), response_headers, "{\"error\":\"scripted answer\"}")
}

impl Receiver {
    /// Starts a receiver on a free local port.
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let router = axum::Router::new().route("/hooks", post(receive)).with_state(inner.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let shutdown = async move {
                    let _ = stopped.await;
                };
                axum::serve(listener, router).with_graceful_shutdown(shutdown).await.unwrap();
            });
        });
        Receiver { inner, url, stop: Some(stop) }
    }

    /// The signing secret to check with (shown once by `scimhub app add`).
    pub fn set_secret(&self, secret: &str) {
        self.inner.lock().unwrap().secret = Some(secret.to_owned());
    }

    /// The next answers, in order (status, `Retry-After` seconds); then 204.
    pub fn script(&self, answers: &[(u16, Option<u64>)]) {
        self.inner.lock().unwrap().script.extend(answers.iter().copied());
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The messages accepted (2xx), in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| (200..300).contains(&r.answered)).collect()
    }

    /// Waits until `done` holds for what was received (the bound only turns a hang into a
    /// failure).
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "waited in vain for {what}; received: {received:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
