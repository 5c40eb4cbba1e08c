//! The HTTP request span: method, version and a redacted path. tower-http's default span
//! records the whole URI at debug level, which would put a break-glass link's token
//! (`/auth/link/<token>`), an OAuth `code` or a client's `?access_token=` into the logs. Headers
//! (Authorization) are not recorded, as with the default.

use axum::http::{Request, Uri};
use tower_http::trace::MakeSpan;
use tracing::Span;

use crate::provisioning::log::redact_query;

/// Paths whose last segment is a secret token.
const TOKEN_PATHS: [&str; 1] = ["/auth/link/"];

/// Makes each request's span with [`redacted_uri`] instead of the URI.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactedSpan;

impl<B> MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        // At info level, so its fields (the request id first) are on every line logged
        // within the request.
        let id = request.headers().get(&crate::telemetry::request_id::HEADER).and_then(|v| v.to_str().ok());
        tracing::info_span!(
            "request",
            request_id = id.unwrap_or_default(),
            method = %request.method(),
            uri = %redacted_uri(request.uri()),
            version = ?request.version(),
        )
    }
}

/// The request's path and query with secrets replaced: a token path segment, and the values
/// [`redact_query`] replaces.
pub fn redacted_uri(uri: &Uri) -> String {
    let path = uri.path();
    let path = match TOKEN_PATHS.iter().find(|prefix| path.starts_with(*prefix)) {
        Some(prefix) => format!("{prefix}[redacted]"),
        None => path.to_owned(),
    };
    match uri.query() {
        Some(query) => redact_query(&format!("{path}?{query}")).0.into_owned(),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_and_secret_parameters_are_redacted() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        assert_eq!(redacted_uri(&uri("/auth/link/AbC-123_secret")), "/auth/link/[redacted]");
        assert_eq!(
            redacted_uri(&uri("/auth/callback?code=oauth-code&state=s")),
            "/auth/callback?code=[redacted]&state=s"
        );
        assert_eq!(
            redacted_uri(&uri("/realms/a/scim/v2/Users?filter=password%20eq%20%22pw-secret%22&access_token=t")),
            "/realms/a/scim/v2/Users?filter=password%20eq%20%22[redacted]%22&access_token=[redacted]"
        );
        assert_eq!(
            redacted_uri(&uri("/realms/a/scim/v2/Users/42?attributes=id")),
            "/realms/a/scim/v2/Users/42?attributes=id"
        );
    }
}
