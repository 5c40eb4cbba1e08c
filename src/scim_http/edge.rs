//! Before the gate: the canonical spelling of SCIM paths (applied before routing, by
//! `server::router`) and the early refusal of bodies announced larger than the limit.

use axum::extract::{Request, State};
use axum::http::uri::PathAndQuery;
use axum::http::{header, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim::ScimError;

use super::error::ApiError;
use crate::state::AppState;

/// The endpoint names right below `/scim/v2`, as the routes spell them.
const ENDPOINTS: [&str; 8] =
    ["Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk", ".search", "Me"];

/// `/Users/.search` and `/Groups/.search`.
const SEARCH: &str = ".search";

/// The canonical form of a SCIM path, if it differs: the endpoint name (and a `.search` after
/// `Users` or `Groups`) spelled as the routes spell it, whatever its case, and one trailing
/// slash removed. The tenant name, `scim/v2` and ids stay as they are. `None` for other paths.
pub fn canonical_path(path: &str) -> Option<String> {
    let (tenant, below) = path.strip_prefix("/realms/")?.split_once('/')?;
    let below = below.strip_prefix("scim/v2/")?;
    let below = below.strip_suffix('/').unwrap_or(below);
    let mut segments: Vec<&str> = below.split('/').collect();
    if let Some(first) = segments.first_mut() {
        if let Some(name) = ENDPOINTS.iter().find(|name| name.eq_ignore_ascii_case(first)) {
            *first = name;
        }
    }
    if let ["Users" | "Groups", second, ..] = segments.as_mut_slice() {
        if second.eq_ignore_ascii_case(SEARCH) {
            *second = SEARCH;
        }
    }
    let canonical = format!("/realms/{tenant}/scim/v2/{}", segments.join("/"));
    (canonical != path).then_some(canonical)
}

/// Rewrites a request's URI to the canonical SCIM path ([`canonical_path`]), keeping the query.
pub fn canonicalize(mut request: Request) -> Request {
    let Some(path) = canonical_path(request.uri().path()) else {
        return request;
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Answers 413 at once, before authentication, to a request whose `Content-Length` is above
/// `--max-body-bytes`: the body is never read (no `100 Continue` is sent) and the connection is
/// closed after the answer. It tells the client nothing about the tenant. A body without a
/// length (chunked) is cut at the limit by the gate.
pub async fn refuse_oversized(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config.max_body_bytes;
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        let mut response = ApiError(ScimError::payload_too_large(limit)).into_response();
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_and_a_trailing_slash_are_canonicalized() {
        let canonical = |p: &str| canonical_path(p);
        assert_eq!(canonical("/realms/Acme/scim/v2/users").as_deref(), Some("/realms/Acme/scim/v2/Users"));
        assert_eq!(canonical("/realms/Acme/scim/v2/Users/").as_deref(), Some("/realms/Acme/scim/v2/Users"));
        assert_eq!(
            canonical("/realms/Acme/scim/v2/GROUPS/AbC-1/").as_deref(),
            Some("/realms/Acme/scim/v2/Groups/AbC-1")
        );
        assert_eq!(canonical("/realms/a/scim/v2/users/.SEARCH").as_deref(), Some("/realms/a/scim/v2/Users/.search"));
        assert_eq!(
            canonical("/realms/a/scim/v2/serviceproviderconfig").as_deref(),
            Some("/realms/a/scim/v2/ServiceProviderConfig")
        );
        assert_eq!(canonical("/realms/a/scim/v2/me").as_deref(), Some("/realms/a/scim/v2/Me"));
        assert_eq!(canonical("/realms/a/scim/v2/schemas/urn:x").as_deref(), Some("/realms/a/scim/v2/Schemas/urn:x"));
        // Canonical already, unknown, or not SCIM: left alone.
        assert_eq!(canonical("/realms/a/scim/v2/Users/abc"), None);
        assert_eq!(canonical("/realms/a/scim/v2/Widgets"), None);
        assert_eq!(canonical("/realms/a/SCIM/v2/users"), None);
        assert_eq!(canonical("/realms/a/protocol/openid-connect/token"), None);
        assert_eq!(canonical("/admin/"), None);
        // One slash only.
        assert_eq!(canonical("/realms/a/scim/v2/Users//").as_deref(), Some("/realms/a/scim/v2/Users/"));
    }

    #[test]
    fn the_query_survives_the_rewrite() {
        let request = Request::builder()
            .uri("/realms/a/scim/v2/users/?filter=userName%20eq%20%22x%22")
            .body(axum::body::Body::empty())
            .unwrap();
        let request = canonicalize(request);
        assert_eq!(request.uri().path(), "/realms/a/scim/v2/Users");
        assert_eq!(request.uri().query(), Some("filter=userName%20eq%20%22x%22"));
    }
}
