//! Server functions of tenant and administrator management. Refused input comes back as
//! [`FormOutcome::Refused`]; the backend checks every right.

use leptos::prelude::*;

use crate::dto::{AuditPage, FormOutcome, PlatformOverview, TenantAdmins, TenantPage, TenantSummary};
use crate::error::AppError;

/// A page of the tenants the administrator may see, filtered by `search` (name or display
/// name, case-insensitive).
#[server]
pub async fn list_tenant_page(search: String, offset: u64) -> Result<TenantPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.tenant_page(&admin, search.trim(), offset).await
}

/// Creates a tenant (platform administrators).
#[server]
pub async fn create_tenant(
    name: String,
    display_name: String,
    profile: String,
) -> Result<FormOutcome<TenantSummary>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.create_tenant(&admin, address, name.trim(), display_name.trim(), &profile).await)
}

/// Changes a tenant's display name (platform administrators).
#[server]
pub async fn rename_tenant(tenant: String, display_name: String) -> Result<FormOutcome<TenantSummary>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.rename_tenant(&admin, address, &tenant, display_name.trim()).await)
}

/// Disables or enables a tenant (platform administrators).
#[server]
pub async fn set_tenant_disabled(tenant: String, disabled: bool) -> Result<TenantSummary, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.set_tenant_disabled(&admin, address, &tenant, disabled).await
}

/// Deletes a tenant and all its data once `confirmation` is its exact name (platform
/// administrators).
#[server]
pub async fn delete_tenant(tenant: String, confirmation: String) -> Result<FormOutcome<()>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.delete_tenant(&admin, address, &tenant, &confirmation).await)
}

/// The administrators of a tenant.
#[server]
pub async fn get_tenant_admins(tenant: String) -> Result<TenantAdmins, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.tenant_admins(&admin, &tenant).await
}

/// Grants a principal the right to administer a tenant (platform administrators).
#[server]
pub async fn grant_tenant_admin(
    tenant: String,
    kind: String,
    principal: String,
    read_only: bool,
) -> Result<FormOutcome<TenantAdmins>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.grant_admin(&admin, address, &tenant, &kind, &principal, read_only).await)
}

/// Removes a principal's right on a tenant (platform administrators).
#[server]
pub async fn revoke_tenant_admin(tenant: String, kind: String, principal: String) -> Result<TenantAdmins, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.revoke_admin(&admin, address, &tenant, &kind, &principal).await
}

/// A page of the audit trail of a tenant, or platform-wide when `tenant` is empty.
#[server]
pub async fn get_audit_page(tenant: String, search: String, before: Option<i64>) -> Result<AuditPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    let tenant = Some(tenant).filter(|t| !t.is_empty());
    backend.audit_page(&admin, tenant.as_deref(), search.trim(), before).await
}

/// The platform overview (platform administrators).
#[server]
pub async fn get_platform_overview() -> Result<PlatformOverview, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.platform_overview(&admin).await
}

/// Remembers the tenant the administrator works in.
#[server]
pub async fn remember_tenant(tenant: String) -> Result<(), AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.remember_tenant(&admin, &tenant).await
}

/// The tenant the administrator worked in last, if any.
#[server]
pub async fn get_last_tenant() -> Result<Option<String>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.last_tenant(&admin).await
}
