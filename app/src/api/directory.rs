//! Server functions of the users and groups lists and the group detail page. The list state
//! travels as JSON ([`DirectoryQuery`] holds enums and a cursor).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::dto::{DirectoryQuery, GroupDetail, GroupPage, MemberPage, PageAt, UserPage};
use crate::error::AppError;

/// A page of a tenant's users.
#[server(input = Json)]
pub async fn get_user_page(tenant: String, query: DirectoryQuery) -> Result<UserPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.user_page(&admin, &tenant, &query).await
}

/// How many of a tenant's users the search and status match; `None` when the SCIM filter is
/// refused.
#[server(input = Json)]
pub async fn count_users(tenant: String, query: DirectoryQuery) -> Result<Option<u64>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.user_count(&admin, &tenant, &query).await
}

/// A page of a tenant's groups.
#[server(input = Json)]
pub async fn get_group_page(tenant: String, query: DirectoryQuery) -> Result<GroupPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.group_page(&admin, &tenant, &query).await
}

/// How many of a tenant's groups the search matches; `None` when the SCIM filter is refused.
#[server(input = Json)]
pub async fn count_groups(tenant: String, query: DirectoryQuery) -> Result<Option<u64>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.group_count(&admin, &tenant, &query).await
}

/// One group of a tenant.
#[server]
pub async fn get_group_detail(tenant: String, group: String) -> Result<GroupDetail, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.group_detail(&admin, &tenant, &group).await
}

/// A page of a group's members.
#[server(input = Json)]
pub async fn get_group_members(tenant: String, group: String, at: PageAt) -> Result<MemberPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.group_members(&admin, &tenant, &group, &at).await
}
