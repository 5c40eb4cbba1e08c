//! `/api-tokens`: platform tokens list, make and revoke API tokens (a read-only platform token
//! may list them). A token's rights are its scope, so making one is platform administration.

use app::backend::ApiTokensBackend;
use app::dto::{ApiTokenRow, CreatedApiToken, NewApiToken};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;

use super::auth::Caller;
use super::input::Body;
use super::problem::{Problem, Refusals};
use super::{created, At};

/// Every API token (never the tokens themselves), newest first.
#[utoipa::path(get, path = "/api-tokens", tag = "api tokens",
    responses((status = 200, body = Vec<ApiTokenRow>), Refusals))]
pub async fn list(caller: Caller) -> Result<Json<Vec<ApiTokenRow>>, Problem> {
    Ok(Json(caller.backend.api_tokens(&caller.admin).await?))
}

/// Makes an API token; the answer is the only time the token is sent.
#[utoipa::path(post, path = "/api-tokens", tag = "api tokens", request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), Refusals))]
pub async fn create(caller: Caller, Body(request): Body<NewApiToken>) -> Result<Response, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(created(backend.create_api_token(&admin, address, request).await?))
}

/// Revokes an API token at once.
#[utoipa::path(delete, path = "/api-tokens/{id}", tag = "api tokens", params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), Refusals))]
pub async fn revoke(caller: Caller, At(id): At<String>) -> Result<StatusCode, Problem> {
    caller.backend.revoke_api_token(&caller.admin, caller.address, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
