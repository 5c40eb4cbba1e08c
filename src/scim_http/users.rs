//! Handlers for `/Users` (RFC 7644 §3.3–§3.6); the work happens in `provisioning::users`.

use axum::extract::Path;
use scim::list::ListQuery;
use scim::patch::PatchRequest;

use super::error::ApiError;
use super::extract::{ScimBody, ScimContext, ScimQuery};
use super::response::ScimResponse;

type Result = std::result::Result<ScimResponse, ApiError>;

/// The `{tenant}` and `{id}` path parameters.
type TenantAndId = Path<(String, String)>;

/// GET /Users
pub async fn list(cx: ScimContext, ScimQuery(query): ScimQuery) -> Result {
    Ok(cx.users().list(&query).await?.into())
}

/// POST /Users/.search (RFC 7644 §3.4.3)
pub async fn search(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    let query = ListQuery::from_search_request(&body)?;
    Ok(cx.users().list(&query).await?.into())
}

/// POST /Users
pub async fn create(cx: ScimContext, ScimQuery(query): ScimQuery, ScimBody(body): ScimBody) -> Result {
    Ok(cx.users().create(body, &query).await?.into())
}

/// GET /Users/{id}
pub async fn get(cx: ScimContext, Path((_, id)): TenantAndId, ScimQuery(query): ScimQuery) -> Result {
    Ok(cx.users().get(&id, &query).await?.into())
}

/// PUT /Users/{id}
pub async fn replace(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    Ok(cx.users().replace(&id, body, &query).await?.into())
}

/// PATCH /Users/{id}
pub async fn patch(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    let request = PatchRequest::parse(&body, cx.caller.tolerance)?;
    Ok(cx.users().patch(&id, request, &query).await?.into())
}

/// DELETE /Users/{id}
pub async fn delete(cx: ScimContext, Path((_, id)): TenantAndId) -> Result {
    Ok(cx.users().delete(&id).await?.into())
}
