//! Handlers for `/Users` (RFC 7644 §3.3–§3.6); the work happens in `provisioning::users`.

use axum::extract::Path;
use scim::list::ListQuery;

use super::extract::{ScimBody, ScimContext, ScimQuery};
use super::response::ScimResponse;
use crate::error::ApiError;

type Result = std::result::Result<ScimResponse, ApiError>;

/// The `{tenant}` and `{id}` path parameters.
type TenantAndId = Path<(String, String)>;

/// GET /Users
pub async fn list(cx: ScimContext, ScimQuery(query): ScimQuery) -> Result {
    cx.users().list(&query).await
}

/// POST /Users/.search (RFC 7644 §3.4.3)
pub async fn search(cx: ScimContext, ScimBody(body): ScimBody) -> Result {
    let query = ListQuery::from_search_request(&body)?;
    cx.users().list(&query).await
}

/// POST /Users
pub async fn create(cx: ScimContext, ScimQuery(query): ScimQuery, ScimBody(body): ScimBody) -> Result {
    cx.users().create(body, &query).await
}

/// GET /Users/{id}
pub async fn get(cx: ScimContext, Path((_, id)): TenantAndId, ScimQuery(query): ScimQuery) -> Result {
    cx.users().get(&id, &query).await
}

/// PUT /Users/{id}
pub async fn replace(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    cx.users().replace(&id, body, &query).await
}

/// PATCH /Users/{id}
pub async fn patch(
    cx: ScimContext,
    Path((_, id)): TenantAndId,
    ScimQuery(query): ScimQuery,
    ScimBody(body): ScimBody,
) -> Result {
    cx.users().patch(&id, body, &query).await
}

/// DELETE /Users/{id}
pub async fn delete(cx: ScimContext, Path((_, id)): TenantAndId) -> Result {
    cx.users().delete(&id).await
}
