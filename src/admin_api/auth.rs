//! Who calls the administration API: the token in `Authorization: Bearer …`, and nothing else.
//! Cookies are never read here, so a browser's session cannot be ridden across sites; the
//! dashboard, for its part, never reads a token. Failed attempts count against the caller's
//! address as they do on the SCIM API (`--auth-failures-*`).

use app::dto::AdminIdentity;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::problem::Problem;
use crate::admin::Backend;
use crate::db;
use crate::scim_http::throttle::source_of;
use crate::secret::SecretHash;
use crate::state::AppState;

/// The caller of an API request: the token's rights as an administrator identity, the address
/// the request came from (for the audit trail), and the backend to act through.
pub struct Caller {
    /// What the token may do.
    pub admin: AdminIdentity,
    /// The address the request came from.
    pub address: Option<String>,
    /// The dashboard's backend, which checks `admin`'s rights on every call.
    pub backend: Backend,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let source = source_of(&parts.extensions);
        let limit = state.auth_failures.as_deref();
        if let Some(wait) = limit.and_then(|limit| limit.blocked(source)) {
            return Err(Problem::blocked(wait));
        }
        let refuse = |detail: &str| {
            if let Some(limit) = limit {
                limit.failed(source);
            }
            Problem::unauthenticated(detail)
        };
        let Some(presented) = crate::scim_http::gate::bearer_token(&parts.headers) else {
            return Err(refuse("send an API token as Authorization: Bearer <token>"));
        };
        let now = state.clock.now_ms();
        let found = db::api_token::find_usable(&state.db, &SecretHash::of(presented), now).await.map_err(|e| {
            tracing::error!(error = %e, "could not look up an API token");
            Problem::from(app::AppError::Internal)
        })?;
        let Some(token) = found else {
            return Err(refuse("the API token is unknown, revoked or expired"));
        };
        if let Err(e) = db::api_token::touch(&state.db, &token, now).await {
            // Only the "last used" time is late; the request itself is fine.
            tracing::warn!(error = %e, token = %token.id, "could not record an API token's use");
        }
        let backend = Backend::new(state.clone());
        let address = source.map(|ip| ip.to_string());
        Ok(Caller { admin: super::tokens::identity(&token), address, backend })
    }
}
