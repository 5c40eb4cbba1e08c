//! A request id on every request: the client's `X-Request-Id` when it is a plausible id, else a
//! new one. It is in the request's trace span (so in every log line the request causes), in its
//! provisioning-log row, and in the response's `X-Request-Id`, so a report from an identity
//! provider, a load balancer's log and scimhub's own can be matched.
//!
//! Written here rather than with tower-http's `SetRequestId`: that keeps whatever a client sends,
//! and the id goes into logs, so a hostile value (control characters, megabytes) is replaced.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id accepted from a client.
const MAX_LEN: usize = 128;

/// The request's id, in its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub Arc<str>);

/// Whether a client's id may be kept: 1–128 characters of letters, digits and `-_.:/+=@`.
fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

/// The id of a request with these headers: the client's, if acceptable, else a new UUID.
pub fn of(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| acceptable(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The middleware: sets the id on the request (header and extension) and on the response.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = of(request.headers());
    let value = HeaderValue::from_str(&id).ok();
    if let Some(value) = &value {
        request.headers_mut().insert(HEADER, value.clone());
    }
    request.extensions_mut().insert(RequestId(id.into()));
    let mut response = next.run(request).await;
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_ids_are_kept_and_others_replaced() {
        let headers = |v: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(HEADER, HeaderValue::from_str(v).unwrap());
            h
        };
        assert_eq!(of(&headers("entra-7f3a:01")), "entra-7f3a:01");
        for hostile in ["a b", "x\"y", &"z".repeat(MAX_LEN + 1), "<script>"] {
            let id = of(&headers(hostile));
            assert!(id != hostile && uuid::Uuid::parse_str(&id).is_ok(), "{hostile:?} became {id}");
        }
        assert!(uuid::Uuid::parse_str(&of(&axum::http::HeaderMap::new())).is_ok());
    }
}
