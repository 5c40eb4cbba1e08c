//! Handlers for `/Groups` (RFC 7644 §3.3–§3.6); the work happens in `provisioning::groups`.

use axum::extract::Path;
use scim::list::ListQuery;
use scim::patch::PatchRequest;

use super::error::ApiError;
use super::extract::{ScimBody, ScimContext, ScimQuery};
use super::response::ScimResponse;

type Result = std::result::Result<ScimResponse, ApiError>;

/// The `{tenant}` and `{id}` path parameters.
type TenantAndId = Path<(String, String)>;

/// GET /Groups
pub async fn list(cx: ScimContext, ScimQuery(query): ScimQuery) -> Result {
    Ok(cx.groups().list(&query).await?.into())
}

/// POST /Groups/.search (RFC 7644 §3.4.3)
pub async fn search(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    let query = ListQuery::from_search_request(&body)?;
    Ok(cx.groups().list(&query).await?.into())
}

/// POST /Groups
pub async fn create(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    Ok(cx.groups().create(body).await?.into())
}

/// GET /Groups/{id}
pub async fn get(cx: ScimContext, Path((_, id)): TenantAndId, ScimQuery(query): ScimQuery) -> Result {
    Ok(cx.groups().get(&id, &query).await?.into())
}

/// PUT /Groups/{id}
pub async fn replace(cx: ScimContext, Path((_, id)): TenantAndId, ScimBody(body): ScimBody) -> Result {
    Ok(cx.groups().replace(&id, body).await?.into())
}

/// PATCH /Groups/{id}: 204, or 200 with the group when `attributes`/`excludedAttributes` ask
/// for a body.
pub async fn patch(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    let request = PatchRequest::parse(&body, cx.caller.tolerance)?;
    Ok(cx.groups().patch(&id, request, &query).await?.into())
}

/// DELETE /Groups/{id}
pub async fn delete(cx: ScimContext, Path((_, id)): TenantAndId) -> Result {
    Ok(cx.groups().delete(&id).await?.into())
}
