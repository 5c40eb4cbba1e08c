//! The signing keys of external issuers (Entra ID), fetched from their JWKS URL and cached in
//! memory. A cached set is used for an hour; a token with a `kid` the cache lacks triggers a
//! refresh (keys roll over), but at most one fetch per URL a minute, so tokens with made-up
//! key ids cannot make scimhub hammer the identity provider. When a refresh fails, the keys
//! fetched before keep working for up to a day. Times come from the application clock.

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
}

#[derive(Default)]
struct Entry {
    /// RSA signature keys by `kid`.
    keys: HashMap<String, Jwk>,
    /// When `keys` were fetched (ms); `None` before the first successful fetch.
    fetched_at: Option<i64>,
    /// When a fetch was last attempted (ms), successful or not.
    attempted_at: Option<i64>,
    /// Serialises the fetches of this URL.
    fetching: Arc<tokio::sync::Mutex<()>>,
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

/// What the cache knows about a `kid` of a URL.
struct Lookup {
    key: Option<Jwk>,
    fresh: bool,
    usable_stale: bool,
    may_fetch: bool,
    fetching: Arc<tokio::sync::Mutex<()>>,
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
        let first = self.lookup(url, kid, now_ms);
        if first.fresh {
            if let Some(jwk) = first.key {
                return to_decoding_key(&jwk);
            }
        }
        if !first.may_fetch {
            return match first.key {
                Some(jwk) if first.usable_stale => to_decoding_key(&jwk),
                _ => Err(JwtError::UnknownKey),
            };
        }
        let _fetching = first.fetching.lock().await;
        // Another request may have fetched while this one waited.
        let again = self.lookup(url, kid, now_ms);
        if !again.may_fetch {
            return match again.key {
                Some(jwk) if again.usable_stale => to_decoding_key(&jwk),
                _ => Err(JwtError::UnknownKey),
            };
        }
        self.with_entry(url, |e| e.attempted_at = Some(now_ms));
        match self.fetch(url).await {
            Ok(keys) => {
                let found = keys.get(kid).cloned();
                self.with_entry(url, |e| {
                    e.keys = keys;
                    e.fetched_at = Some(now_ms);
                });
                found.as_ref().map(to_decoding_key).unwrap_or(Err(JwtError::UnknownKey))
            }
            Err(error) => {
                tracing::warn!(%url, %error, "could not fetch the token issuer's signing keys");
                match again.key {
                    Some(jwk) if again.usable_stale => to_decoding_key(&jwk),
                    Some(_) => Err(JwtError::KeysUnavailable),
                    None if again.usable_stale => Err(JwtError::UnknownKey),
                    None => Err(JwtError::KeysUnavailable),
                }
            }
        }
    }

    fn lookup(&self, url: &str, kid: &str, now_ms: i64) -> Lookup {
        self.with_entry(url, |e| Lookup {
            key: e.keys.get(kid).cloned(),
            fresh: e.fetched_at.is_some_and(|t| now_ms - t < TTL_MS),
            usable_stale: e.fetched_at.is_some_and(|t| now_ms - t < STALE_LIMIT_MS),
            may_fetch: e.attempted_at.is_none_or(|t| now_ms - t >= MIN_REFRESH_INTERVAL_MS),
            fetching: e.fetching.clone(),
        })
    }

    fn with_entry<T>(&self, url: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update of plain data.
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        f(entries.entry(url.to_owned()).or_default())
    }

    async fn fetch(&self, url: &str) -> Result<HashMap<String, Jwk>, FetchError> {
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
        Ok(parse_jwks(&body)?)
    }
}

/// The RSA signature keys with a `kid` of a JWK set; keys of other types or uses, and keys
/// this library cannot read, are skipped rather than failing the whole set.
fn parse_jwks(body: &[u8]) -> Result<HashMap<String, Jwk>, serde_json::Error> {
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
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, jwk)))
        .collect())
}

fn to_decoding_key(jwk: &Jwk) -> Result<DecodingKey, JwtError> {
    DecodingKey::from_jwk(jwk).map_err(|_| JwtError::UnknownKey)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
