//! The users and groups a tenant's identity provider provisioned: search, read, and the two
//! changes an administrator makes by hand (deactivate, delete), which run through the SCIM core
//! and are logged like the identity provider's.

use app::backend::{DirectoryBackend, MappingBackend};
use app::dto::{
    DirectoryQuery, GroupDetail, GroupRow, ListPage, MemberPage, PageAt, SortKey, StatusFilter, UserDetail, UserRow,
};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::Caller;
use super::input::Params;
use super::problem::{Problem, Refusals};
use super::At;

const TENANT: &str = "The tenant's exact name";

/// Which page of users or groups.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A SCIM filter (RFC 7644 §3.4.2.2), e.g. `name.familyName sw "J"`.
    #[serde(default)]
    filter: Option<String>,
    /// Plain text a name, display name, external ID or email contains (any case); not with `filter`.
    #[serde(default)]
    search: Option<String>,
    /// Users by status: `all` (default), `active` or `deactivated`.
    #[serde(default)]
    status: Option<StatusFilter>,
    /// `userName`, `displayName`, `lastProvisioned` or `created`.
    #[serde(default)]
    sort: Option<SortKey>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    order: Option<String>,
    /// The page after this cursor (`cursors.next` of a page).
    #[serde(default)]
    after: Option<String>,
    /// The page before this cursor (`cursors.prev` of a page).
    #[serde(default)]
    before: Option<String>,
}

impl ListParams {
    fn query(self) -> Result<DirectoryQuery, Problem> {
        let descending = match self.order.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(Problem::field("order", "the order is asc or desc")),
        };
        let (search, scim_filter) = match (self.filter, self.search) {
            (Some(_), Some(_)) => return Err(Problem::field("search", "give filter or search, not both")),
            (Some(filter), None) => (filter, true),
            (None, search) => (search.unwrap_or_default(), false),
        };
        let at = match (self.after, self.before) {
            (Some(_), Some(_)) => return Err(Problem::field("before", "give after or before, not both")),
            (Some(cursor), None) => PageAt::After(cursor),
            (None, Some(cursor)) => PageAt::Before(cursor),
            (None, None) => PageAt::First,
        };
        Ok(DirectoryQuery {
            search: search.trim().to_owned(),
            scim_filter,
            status: self.status.unwrap_or_default(),
            sort: self.sort,
            descending,
            at,
        })
    }
}

/// A list page as the API answers it: a SCIM filter that cannot be used is a 400 naming it.
fn checked<T>(page: ListPage<T>) -> Result<Json<ListPage<T>>, Problem> {
    match page.filter_error {
        Some(message) => Err(Problem::field("filter", message)),
        None => Ok(Json(page)),
    }
}

/// A page of the tenant's users.
#[utoipa::path(get, path = "/tenants/{tenant}/users", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ListParams),
    responses((status = 200, body = ListPage<UserRow>), Refusals))]
pub async fn users(
    caller: Caller,
    At(tenant): At<String>,
    Params(params): Params<ListParams>,
) -> Result<Json<ListPage<UserRow>>, Problem> {
    let query = params.query()?;
    checked(caller.backend.user_page(&caller.admin, &tenant, &query).await?)
}

/// One user: the SCIM resource, the attributes its mappers derived, its groups and history.
#[utoipa::path(get, path = "/tenants/{tenant}/users/{id}", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The user's SCIM id")),
    responses((status = 200, body = UserDetail), Refusals))]
pub async fn user(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<Json<UserDetail>, Problem> {
    Ok(Json(caller.backend.user_detail(&caller.admin, &tenant, &id).await?))
}

/// Deactivates a user (`active` false), as the identity provider would.
#[utoipa::path(post, path = "/tenants/{tenant}/users/{id}/deactivate", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The user's SCIM id")),
    responses((status = 204), Refusals))]
pub async fn deactivate_user(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<StatusCode, Problem> {
    caller.backend.deactivate_user(&caller.admin, caller.address, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a user, as the identity provider would.
#[utoipa::path(delete, path = "/tenants/{tenant}/users/{id}", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The user's SCIM id")),
    responses((status = 204), Refusals))]
pub async fn delete_user(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<StatusCode, Problem> {
    caller.backend.delete_user(&caller.admin, caller.address, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of the tenant's groups (`status` does not apply).
#[utoipa::path(get, path = "/tenants/{tenant}/groups", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ListParams),
    responses((status = 200, body = ListPage<GroupRow>), Refusals))]
pub async fn groups(
    caller: Caller,
    At(tenant): At<String>,
    Params(params): Params<ListParams>,
) -> Result<Json<ListPage<GroupRow>>, Problem> {
    let query = params.query()?;
    checked(caller.backend.group_page(&caller.admin, &tenant, &query).await?)
}

/// One group: its facts, SCIM resource and provisioning history.
#[utoipa::path(get, path = "/tenants/{tenant}/groups/{id}", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The group's SCIM id")),
    responses((status = 200, body = GroupDetail), Refusals))]
pub async fn group(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<Json<GroupDetail>, Problem> {
    Ok(Json(caller.backend.group_detail(&caller.admin, &tenant, &id).await?))
}

/// The page of cursors a member list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberParams {
    /// The page after this cursor.
    #[serde(default)]
    after: Option<String>,
    /// The page before this cursor.
    #[serde(default)]
    before: Option<String>,
}

/// A page of a group's members, in id order.
#[utoipa::path(get, path = "/tenants/{tenant}/groups/{id}/members", tag = "directory",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The group's SCIM id"), MemberParams),
    responses((status = 200, body = MemberPage), Refusals))]
pub async fn members(
    caller: Caller,
    At((tenant, id)): At<(String, String)>,
    Params(params): Params<MemberParams>,
) -> Result<Json<MemberPage>, Problem> {
    let at = ListParams { after: params.after, before: params.before, ..Default::default() }.query()?.at;
    Ok(Json(caller.backend.group_members(&caller.admin, &tenant, &id, &at).await?))
}
