//! Server functions: the dashboard's only way to the server. Each one resolves the signed-in
//! administrator first; the backend then checks their right to the tenant.

use leptos::prelude::*;

use crate::dto::{AdminIdentity, LogPage, TenantOverview, TenantSummary, UserPage};
use crate::error::AppError;

/// The signed-in administrator, or `None`.
#[server]
pub async fn get_current_admin() -> Result<Option<AdminIdentity>, AppError> {
    match crate::backend::authed().await {
        Ok((_, admin)) => Ok(Some(admin)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether "Sign in with SSO" can work.
#[server]
pub async fn get_sso_configured() -> Result<bool, AppError> {
    Ok(crate::backend::backend()?.sso_configured())
}

/// The tenants the administrator may see.
#[server]
pub async fn list_tenants() -> Result<Vec<TenantSummary>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.list_tenants(&admin).await
}

/// Creates a tenant.
#[server]
pub async fn create_tenant(name: String, profile: String) -> Result<TenantSummary, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.create_tenant(&admin, name.trim(), &profile).await
}

/// A tenant's overview.
#[server]
pub async fn get_tenant_overview(tenant: String) -> Result<TenantOverview, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.tenant_overview(&admin, &tenant).await
}

/// A page of a tenant's users.
#[server]
pub async fn list_users(tenant: String, start_index: u64) -> Result<UserPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.list_users(&admin, &tenant, start_index).await
}

/// A page of a tenant's provisioning log.
#[server]
pub async fn list_log(tenant: String, before: Option<i64>) -> Result<LogPage, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.list_log(&admin, &tenant, before).await
}
