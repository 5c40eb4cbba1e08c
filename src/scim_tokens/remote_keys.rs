//! The signing keys of external issuers (Entra ID), fetched from their JWKS URL and cached in
//! memory. A cached set is used for an hour; a token with a `kid` the cache lacks triggers a
//! refresh (keys roll over), but at most one fetch per URL a minute, so tokens with made-up
//! key ids cannot make scimhub hammer the identity provider. When a refresh fails, the keys
//! fetched before keep working for up to a day. Times come from the application clock.
//!
//! Only a key set that was fetched, and is the latest answer of its URL, can prove a `kid`
//! unknown (401). While the last attempt failed (or gave no usable key), a `kid` the usable
//! keys lack is a temporary failure: [`JwtError::KeysUnavailable`] with the time until the next
//! fetch is allowed, which the client gets as `503` with `Retry-After`. Requests that arrive
//! while a fetch is under way wait for its outcome instead of answering from the state before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::DecodingKey;

use super::jwt::JwtError;

/// How long a fetched key set is used before it is fetched again (ms).
pub const TTL_MS: i64 = 3_600_000;
/// The shortest interval between two fetches of one URL (ms).
pub const MIN_REFRESH_INTERVAL_MS: i64 = 60_000;
/// How long keys stay usable when refreshing them fails (ms).
pub const STALE_LIMIT_MS: i64 = 86_400_000;
/// The largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// The shortest `Retry-After` given while the keys cannot be fetched (ms).
const MIN_RETRY_MS: i64 = 1_000;

/// Errors fetching a key set (logged, never shown to clients).
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    #[error("not a JWK set: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no RSA signature key with a key id in the set")]
    NoKeys,
}

/// What the cache knows about one URL.
#[derive(Default)]
struct Entry {
    /// Verification keys by `kid`, from the last fetch that gave any.
    keys: HashMap<String, DecodingKey>,
    /// When `keys` were fetched (ms); `None` before the first successful fetch.
    fetched_at: Option<i64>,
    /// When the last fetch that completed was started (ms), successful or not.
    attempted_at: Option<i64>,
    /// Whether that fetch failed (or gave no usable key).
    failed: bool,
    /// Serialises the fetches of this URL.
    fetching: Arc<tokio::sync::Mutex<()>>,
}

/// What to do about a `kid`, given what the cache knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// The cached key is usable.
    Use,
    /// Fetch the set (or wait for the fetch under way) and decide again.
    Fetch,
    /// The latest set, fetched successfully, has no such key.
    Unknown,
    /// The last fetch failed and no usable key has this `kid`: try again after this long (ms).
    Unavailable(i64),
}

impl Entry {
    fn decide(&self, kid: &str, now_ms: i64) -> Decision {
        let known = self.keys.contains_key(kid);
        let age = self.fetched_at.map(|t| now_ms - t);
        if known && age.is_some_and(|a| a < TTL_MS) {
            return Decision::Use;
        }
        let Some(attempted_at) = self.attempted_at else {
            return Decision::Fetch;
        };
        let next_fetch_at = attempted_at.saturating_add(MIN_REFRESH_INTERVAL_MS);
        if now_ms >= next_fetch_at {
            Decision::Fetch
        } else if known && age.is_some_and(|a| a < STALE_LIMIT_MS) {
            Decision::Use
        } else if self.failed {
            Decision::Unavailable((next_fetch_at - now_ms).max(MIN_RETRY_MS))
        } else {
            Decision::Unknown
        }
    }

    /// Records the outcome of a fetch started at `started_ms`. A failed fetch keeps the keys
    /// fetched before.
    fn record(&mut self, started_ms: i64, fetched: Option<HashMap<String, DecodingKey>>) {
        self.attempted_at = Some(started_ms);
        self.failed = fetched.is_none();
        if let Some(keys) = fetched {
            self.keys = keys;
            self.fetched_at = Some(started_ms);
        }
    }
}

/// The in-memory cache of remote key sets, shared by all requests of this process.
pub struct RemoteKeys {
    client: reqwest::Client,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys").finish_non_exhaustive()
    }
}

impl RemoteKeys {
    /// An empty cache with its HTTP client (10-second timeout, no redirects).
    pub fn new() -> Result<RemoteKeys, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("scimhub/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(RemoteKeys { client, entries: Mutex::new(HashMap::new()) })
    }

    /// The verification key with this `kid` published at `url`.
    pub async fn key(&self, url: &str, kid: &str, now_ms: i64) -> Result<DecodingKey, JwtError> {
        if let Some(answer) = self.answer(url, kid, now_ms) {
            return answer;
        }
        let fetching = self.with_entry(url, |e| e.fetching.clone());
        let _fetching = fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(answer) = self.answer(url, kid, now_ms) {
            return answer;
        }
        let fetched = match self.fetch(url).await {
            Ok(keys) => Some(keys),
            Err(error) => {
                tracing::warn!(%url, %error, "could not fetch the token issuer's signing keys");
                None
            }
        };
        self.with_entry(url, |e| e.record(now_ms, fetched));
        // Not `Fetch` again: the attempt just recorded is younger than the refresh interval.
        self.answer(url, kid, now_ms).unwrap_or(Err(unavailable(MIN_REFRESH_INTERVAL_MS)))
    }

    /// The answer the cache gives now, or `None` when the set must be fetched first.
    fn answer(&self, url: &str, kid: &str, now_ms: i64) -> Option<Result<DecodingKey, JwtError>> {
        self.with_entry(url, |e| match e.decide(kid, now_ms) {
            Decision::Use => Some(e.keys.get(kid).cloned().ok_or(JwtError::UnknownKey)),
            Decision::Fetch => None,
            Decision::Unknown => Some(Err(JwtError::UnknownKey)),
            Decision::Unavailable(wait_ms) => Some(Err(unavailable(wait_ms))),
        })
    }

    fn with_entry<T>(&self, url: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update of plain data.
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        f(entries.entry(url.to_owned()).or_default())
    }

    async fn fetch(&self, url: &str) -> Result<HashMap<String, DecodingKey>, FetchError> {
        let mut response = self.client.get(url).send().await?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body)?;
        if keys.is_empty() {
            // Microsoft always publishes keys: an empty set is a broken answer, not a revocation
            // of every key, so it is treated as a failed fetch.
            return Err(FetchError::NoKeys);
        }
        Ok(keys)
    }
}

fn unavailable(wait_ms: i64) -> JwtError {
    JwtError::KeysUnavailable { retry_after: Duration::from_millis(wait_ms.max(MIN_RETRY_MS).unsigned_abs()) }
}

/// The RSA signature keys with a `kid` of a JWK set; keys of other types or uses, and keys
/// this library cannot read, are skipped rather than failing the whole set.
fn parse_jwks(body: &[u8]) -> Result<HashMap<String, DecodingKey>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body)?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
        .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
        .filter(|jwk| jwk.common.public_key_use.as_ref().is_none_or(|u| *u == PublicKeyUse::Signature))
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(&jwk).ok()?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Poll;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use tokio::sync::Notify;

    use super::*;

    const T0: i64 = 1_800_000_000_000;
    /// A public RSA key in JWK form (the modulus need not be a real one to be parsed).
    const RSA: &str = r#"{"kty": "RSA", "use": "sig", "kid": "a", "n": "sXch", "e": "AQAB"}"#;

    #[test]
    fn only_rsa_signature_keys_with_an_id_are_kept() {
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "use": "sig", "kid": "a", "n": "sXch", "e": "AQAB", "x5t": "a", "x5c": ["MII"]},
            {"kty": "RSA", "kid": "b", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "use": "enc", "kid": "c", "n": "sXch", "e": "AQAB"},
            {"kty": "oct", "kid": "d", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "n": "sXch", "e": "AQAB"},
            {"kty": "weird", "kid": "f"}
        ]});
        let keys = parse_jwks(body.to_string().as_bytes()).unwrap();
        let mut ids: Vec<&String> = keys.keys().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b"]);
        assert!(parse_jwks(b"{}").is_err());
    }

    fn set(kids: &[&str]) -> Option<HashMap<String, DecodingKey>> {
        let jwk: Jwk = serde_json::from_str(RSA).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        Some(kids.iter().map(|kid| ((*kid).to_owned(), key.clone())).collect())
    }

    #[test]
    fn a_set_fetched_successfully_decides_known_and_unknown_keys() {
        let mut entry = Entry::default();
        assert_eq!(entry.decide("a", T0), Decision::Fetch, "nothing fetched yet");
        entry.record(T0, set(&["a"]));
        assert_eq!(entry.decide("a", T0), Decision::Use);
        // A kid the latest set lacks is unknown until the next fetch is allowed.
        assert_eq!(entry.decide("x", T0 + MIN_REFRESH_INTERVAL_MS - 1), Decision::Unknown);
        assert_eq!(entry.decide("x", T0 + MIN_REFRESH_INTERVAL_MS), Decision::Fetch);
        assert_eq!(entry.decide("a", T0 + TTL_MS - 1), Decision::Use);
        assert_eq!(entry.decide("a", T0 + TTL_MS), Decision::Fetch, "the set's lifetime is over");
    }

    #[test]
    fn while_fetching_fails_an_unverifiable_kid_is_a_temporary_failure() {
        let mut entry = Entry::default();
        entry.record(T0, None);
        // Not "unknown": nothing was fetched that could prove it so.
        assert_eq!(entry.decide("a", T0), Decision::Unavailable(MIN_REFRESH_INTERVAL_MS));
        assert_eq!(entry.decide("a", T0 + 20_000), Decision::Unavailable(MIN_REFRESH_INTERVAL_MS - 20_000));
        assert_eq!(entry.decide("a", T0 + MIN_REFRESH_INTERVAL_MS - 10), Decision::Unavailable(MIN_RETRY_MS));
        assert_eq!(entry.decide("a", T0 + MIN_REFRESH_INTERVAL_MS), Decision::Fetch);

        // Keys fetched before keep working when a refresh fails; a kid they lack (a key rolled
        // over while the URL is unreachable) waits for a fetch that works.
        entry.record(T0, set(&["a"]));
        let later = T0 + TTL_MS;
        entry.record(later, None);
        assert_eq!(entry.decide("a", later), Decision::Use);
        assert_eq!(entry.decide("new", later), Decision::Unavailable(MIN_REFRESH_INTERVAL_MS));
        // …for a day.
        let day = T0 + STALE_LIMIT_MS;
        entry.record(day, None);
        assert_eq!(entry.decide("a", day), Decision::Unavailable(MIN_REFRESH_INTERVAL_MS));
        // A fetch that works again ends the failure.
        entry.record(day + MIN_REFRESH_INTERVAL_MS, set(&["b"]));
        assert_eq!(entry.decide("a", day + MIN_REFRESH_INTERVAL_MS), Decision::Unknown);
        assert_eq!(entry.decide("b", day + MIN_REFRESH_INTERVAL_MS), Decision::Use);
    }

    /// A JWKS server that answers `body` with `status`; the first request waits for `release`.
    struct Jwks {
        url: String,
        hits: Arc<AtomicUsize>,
        arrived: Arc<Notify>,
        release: Arc<Notify>,
    }

    async fn jwks(status: StatusCode, body: &'static str) -> Jwks {
        let hits = Arc::new(AtomicUsize::new(0));
        let (arrived, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (h, a, r) = (hits.clone(), arrived.clone(), release.clone());
        let app = axum::Router::new().route(
            "/keys",
            axum::routing::get(move || {
                let (h, a, r) = (h.clone(), a.clone(), r.clone());
                async move {
                    if h.fetch_add(1, Ordering::SeqCst) == 0 {
                        a.notify_one();
                        r.notified().await;
                    }
                    (status, body).into_response()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Jwks { url, hits, arrived, release }
    }

    fn retry_after(result: Result<DecodingKey, JwtError>) -> Duration {
        match result {
            Err(JwtError::KeysUnavailable { retry_after }) => retry_after,
            Err(other) => panic!("expected KeysUnavailable, got {other:?}"),
            Ok(_) => panic!("expected KeysUnavailable, got a key"),
        }
    }

    #[tokio::test]
    async fn requests_during_a_failing_fetch_wait_for_it_and_get_a_temporary_failure() {
        let server = jwks(StatusCode::BAD_GATEWAY, "down").await;
        let keys = Arc::new(RemoteKeys::new().unwrap());
        let first = tokio::spawn({
            let (keys, url) = (keys.clone(), server.url.clone());
            async move { keys.key(&url, "a", T0).await }
        });
        server.arrived.notified().await;
        // The first request is fetching: a second one waits for that fetch's outcome rather
        // than answering from the state before it.
        let mut second = std::pin::pin!(keys.key(&server.url, "a", T0 + 1_000));
        let pending = std::future::poll_fn(|cx| Poll::Ready(second.as_mut().poll(cx).is_pending())).await;
        assert!(pending, "a request during the fetch answered without waiting for it");
        server.release.notify_one();
        assert_eq!(retry_after(first.await.unwrap()), Duration::from_millis(MIN_REFRESH_INTERVAL_MS.unsigned_abs()));
        assert_eq!(retry_after(second.await), Duration::from_millis(59_000));
        assert_eq!(retry_after(keys.key(&server.url, "a", T0 + 59_999).await), Duration::from_secs(1));
        assert_eq!(server.hits.load(Ordering::SeqCst), 1, "one fetch per refresh interval");
    }

    #[tokio::test]
    async fn an_empty_key_set_is_a_failed_fetch() {
        let server = jwks(StatusCode::OK, r#"{"keys": []}"#).await;
        server.release.notify_one();
        let keys = RemoteKeys::new().unwrap();
        assert_eq!(retry_after(keys.key(&server.url, "a", T0).await), Duration::from_secs(60));
    }
}
