//! Every HTTP request counted and timed by the surface it reached (the SCIM API, the token
//! endpoint, the dashboard and its server functions, the site's files) and its status class.
//! The surface comes from a fixed list, never from the path itself, so no client can add label
//! values.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::status_class;

/// The surface a path belongs to.
pub fn surface(path: &str) -> &'static str {
    if path.starts_with("/realms/") {
        if path.contains("/scim/") {
            "scim"
        } else {
            "token"
        }
    } else if path.starts_with("/pkg/") || path.starts_with("/favicon") {
        "assets"
    } else if path == "/healthz" || path == "/readyz" {
        "health"
    } else if path.starts_with("/auth/") || path == "/login" {
        "sign_in"
    } else {
        "dashboard"
    }
}

/// The middleware.
pub async fn count(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let surface = surface(request.uri().path());
    let response = next.run(request).await;
    let status = status_class(response.status().as_u16());
    metrics::counter!("scimhub_http_requests_total", "surface" => surface, "status" => status).increment(1);
    metrics::histogram!("scimhub_http_request_duration_seconds", "surface" => surface)
        .record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_a_fixed_set_of_surfaces() {
        assert_eq!(surface("/realms/acme/scim/v2/Users"), "scim");
        assert_eq!(surface("/realms/acme/protocol/openid-connect/token"), "token");
        assert_eq!(surface("/pkg/scimhub.abc.wasm"), "assets");
        assert_eq!(surface("/tenants/acme/log"), "dashboard");
        assert_eq!(surface("/auth/callback"), "sign_in");
        assert_eq!(surface("/readyz"), "health");
    }
}
