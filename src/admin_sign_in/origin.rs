//! Cross-site request refusal for the dashboard: a state-changing request (server functions,
//! sign-out) whose browser says it comes from another origin is refused before it reaches the
//! session. SameSite=Lax cookies already keep most cross-site posts out; this closes the rest
//! (same-site but cross-origin pages, older browsers). Requests without `Origin` and
//! `Sec-Fetch-Site` come from non-browser clients, which carry no ambient cookies.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[after_scheme..].find('/').map(|i| after_scheme + i).unwrap_or(url.len());
    &url[..end]
}

/// Whether a request may go on: safe methods always; others only from the public origin.
fn allowed(method: &Method, origin: Option<&str>, fetch_site: Option<&str>, public_origin: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    match (origin, fetch_site) {
        // Browsers send `null` from privacy-sensitive contexts (sandboxed frames, some
        // redirects): only their fetch metadata can vouch for such a request.
        (Some("null"), site) => site == Some("same-origin"),
        (Some(origin), _) => origin == public_origin,
        (None, Some(site)) => site == "same-origin" || site == "none",
        (None, None) => true,
    }
}

/// Refuses cross-origin state-changing requests with 403.
pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let public_origin = origin_of(state.config.public_url.base());
    if allowed(
        request.method(),
        text(header::ORIGIN),
        text(header::HeaderName::from_static("sec-fetch-site")),
        public_origin,
    ) {
        next.run(request).await
    } else {
        tracing::warn!(origin = text(header::ORIGIN), path = %request.uri().path(), "cross-origin request refused");
        (StatusCode::FORBIDDEN, "cross-origin request refused").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://hub.example.com/"), "https://hub.example.com");
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(origin_of("https://hub.example.com/base/path"), "https://hub.example.com");
    }

    #[test]
    fn only_the_public_origin_may_change_state() {
        let public = "https://hub.example.com";
        assert!(allowed(&Method::POST, Some(public), None, public));
        assert!(!allowed(&Method::POST, Some("https://evil.example"), Some("cross-site"), public));
        assert!(!allowed(&Method::POST, Some("null"), None, public));
        assert!(!allowed(&Method::POST, Some("null"), Some("cross-site"), public));
        assert!(allowed(&Method::POST, Some("null"), Some("same-origin"), public));
        assert!(!allowed(&Method::POST, None, Some("cross-site"), public));
        assert!(allowed(&Method::POST, None, Some("same-origin"), public));
        assert!(allowed(&Method::POST, None, None, public), "non-browser clients");
        assert!(allowed(&Method::GET, Some("https://evil.example"), None, public));
    }
}
