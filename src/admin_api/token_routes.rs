//! `/api-tokens`: platform tokens list, make and revoke API tokens (a read-only platform token
//! may list them). A token's rights are its scope, so making one is platform administration.

use app::AppError;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;

use super::auth::Caller;
use super::input::Body;
use super::problem::Problem;
use super::tokens::{self, Actor, CreatedToken, TokenError, TokenInfo, TokenRequest};
use super::{created, At};

impl From<TokenError> for Problem {
    fn from(e: TokenError) -> Problem {
        match e {
            TokenError::Refused(refusal) => Problem::field(refusal.field, refusal.message),
            TokenError::Db(e) => internal(e),
        }
    }
}

fn internal(e: sqlx::Error) -> Problem {
    tracing::error!(error = %e, "API token storage failed");
    Problem::from(AppError::Internal)
}

fn platform(caller: &Caller, change: bool) -> Result<(), Problem> {
    let allowed = if change { caller.admin.can_manage_platform() } else { caller.admin.platform_admin };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// Every API token (never the tokens themselves), newest first.
#[utoipa::path(get, path = "/api-tokens", tag = "api tokens",
    responses((status = 200, body = Vec<TokenInfo>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(caller: Caller) -> Result<Json<Vec<TokenInfo>>, Problem> {
    platform(&caller, false)?;
    let state = caller.backend.state();
    Ok(Json(tokens::list(&state.db).await.map_err(internal)?))
}

/// Makes an API token; the answer is the only time the token is sent.
#[utoipa::path(post, path = "/api-tokens", tag = "api tokens", request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(caller: Caller, Body(request): Body<TokenRequest>) -> Result<Response, Problem> {
    platform(&caller, true)?;
    let state = caller.backend.state();
    let by = Actor::of(&caller.admin, caller.address.clone());
    Ok(created(tokens::create(&state.db, state.clock.now_ms(), &request, &by).await?))
}

/// Revokes an API token at once.
#[utoipa::path(delete, path = "/api-tokens/{id}", tag = "api tokens", params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(caller: Caller, At(id): At<String>) -> Result<StatusCode, Problem> {
    platform(&caller, true)?;
    let state = caller.backend.state();
    let by = Actor::of(&caller.admin, caller.address.clone());
    match tokens::revoke(&state.db, state.clock.now_ms(), &id, &by).await.map_err(internal)? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound.into()),
    }
}
