//! Handlers for `/Groups` (RFC 7644 §3.3–§3.6); the work happens in `provisioning::groups`.

use axum::extract::Path;
use scim::list::ListQuery;

use super::extract::{ScimBody, ScimContext, ScimQuery};
use super::response::ScimResponse;
use crate::error::ApiError;

type Result = std::result::Result<ScimResponse, ApiError>;

/// The `{tenant}` and `{id}` path parameters.
type TenantAndId = Path<(String, String)>;

/// GET /Groups
pub async fn list(cx: ScimContext, ScimQuery(query): ScimQuery) -> Result {
    cx.groups().list(&query).await
}

/// POST /Groups/.search (RFC 7644 §3.4.3)
pub async fn search(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    let query = ListQuery::from_search_request(&body)?;
    cx.groups().list(&query).await
}

/// POST /Groups
pub async fn create(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    cx.groups().create(body).await
}

/// GET /Groups/{id}
pub async fn get(cx: ScimContext, Path((_, id)): TenantAndId, ScimQuery(query): ScimQuery) -> Result {
    cx.groups().get(&id, &query).await
}

/// PUT /Groups/{id}
pub async fn replace(cx: ScimContext, Path((_, id)): TenantAndId, ScimBody(body): ScimBody) -> Result {
    cx.groups().replace(&id, body).await
}

/// PATCH /Groups/{id}: 204, or 200 with the group when `attributes`/`excludedAttributes` ask
/// for a body.
pub async fn patch(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    cx.groups().patch(&id, body, &query).await
}

/// DELETE /Groups/{id}
pub async fn delete(cx: ScimContext, Path((_, id)): TenantAndId) -> Result {
    cx.groups().delete(&id).await
}
