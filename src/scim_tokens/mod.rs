//! Tokens SCIM clients present (not administrator sign-in: that is `admin_sign_in`).
//!
//! Each tenant's OAuth 2.0 authorization server, for remote token authentication: the token
//! endpoint (client credentials), the keys that verify its tokens, and its discovery document,
//! all under `/realms/{tenant}`. Also the verification of JWT bearer tokens at the SCIM
//! endpoint (`jwt`), including Entra-issued ones with their issuer's keys (`remote_keys`).

pub mod jwt;
pub mod keys;
pub mod remote_keys;
pub mod token;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::db;
use crate::state::AppState;

/// How long clients may cache the key set and the discovery document (seconds). A new key
/// signs at once after a rotation; verifiers that cached the old set see an unknown `kid` and
/// fetch again.
const DOCUMENT_MAX_AGE_SECS: u32 = 300;

/// The routes of every tenant's authorization server.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/realms/{tenant}/protocol/openid-connect/token", post(token::token))
        .route("/realms/{tenant}/protocol/openid-connect/certs", get(certs))
        .route("/realms/{tenant}/.well-known/openid-configuration", get(openid_configuration))
}

/// `GET /realms/{tenant}/protocol/openid-connect/certs`: the JWK set (RFC 7517) of the tenant's
/// keys that are still published — the active one and retired ones whose tokens may not have
/// expired yet. Empty until the first token is issued, and for every name no tenant has (after
/// the same reads), so the answer does not tell whether a tenant exists.
async fn certs(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    if crate::tenant::validate_name(&tenant).is_err() {
        return not_a_tenant_name(&tenant);
    }
    let tenant_id = match db::tenant::by_name(&state.db, &tenant).await {
        Ok(found) => found.map(|t| t.id).unwrap_or_default(),
        Err(e) => return internal(e),
    };
    match db::signing_key::published(&state.db, &tenant_id, state.clock.now_ms()).await {
        Ok(jwks) => {
            let keys: Vec<Value> = jwks.iter().filter_map(|k| serde_json::from_str(k).ok()).collect();
            document(json!({ "keys": keys }))
        }
        Err(e) => internal(e),
    }
}

/// `GET /realms/{tenant}/.well-known/openid-configuration`: the authorization server metadata
/// (RFC 8414 fields, at the OpenID discovery path clients look for). It follows from the name
/// alone, so every valid tenant name has one, whether or not a tenant has it: the answer does
/// not tell.
async fn openid_configuration(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    if crate::tenant::validate_name(&tenant).is_err() {
        return not_a_tenant_name(&tenant);
    }
    document(discovery_document(&jwt::issuer(&state, &tenant)))
}

/// The discovery document of the authorization server with this issuer.
fn discovery_document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
        "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": [],
        "scopes_supported": [jwt::SCOPE],
        "access_token_signing_alg_values_supported": ["ES256"],
    })
}

fn document(body: Value) -> Response {
    let mut response = Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={DOCUMENT_MAX_AGE_SECS}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// The answer for a path segment that no tenant can be named (none could ever exist there).
fn not_a_tenant_name(name: &str) -> Response {
    let description = format!("\"{}\" is not a tenant name", name.chars().take(64).collect::<String>());
    let body = json!({"error": "invalid_request", "error_description": description});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn internal(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "authorization server document failed");
    let body = json!({"error": "server_error", "error_description": "internal error"});
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_names_the_endpoints_below_the_issuer() {
        let doc = discovery_document("https://hub.example/realms/acme");
        assert_eq!(doc["token_endpoint"], "https://hub.example/realms/acme/protocol/openid-connect/token");
        assert_eq!(doc["jwks_uri"], "https://hub.example/realms/acme/protocol/openid-connect/certs");
        assert_eq!(doc["grant_types_supported"], json!(["client_credentials"]));
    }
}
