//! Server functions: the dashboard's only way to the server. Each one resolves the signed-in
//! administrator first; the backend then checks their right to the tenant.

use leptos::prelude::*;

use crate::dto::{
    AdminIdentity, DirectoryReset, NewSecret, ScimIntegration, SettingsUpdate, TenantOverview, TenantSummary,
};
use crate::error::AppError;

mod alerts;
mod api_tokens;
mod directory;
mod log;
mod management;
mod mapping;
mod operations;
mod outbound;

pub use alerts::*;
pub use api_tokens::*;
pub use directory::*;
pub use log::*;
pub use management::*;
pub use mapping::*;
pub use operations::*;
pub use outbound::*;

/// Reads a limit typed in a number field: blank is no limit.
#[cfg(feature = "ssr")]
pub(crate) fn limit<T: std::str::FromStr>(field: &str, text: &str) -> Result<Option<T>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AppError::InvalidField(field.to_owned(), format!("\"{text}\" is not a whole number")))
}

/// The signed-in administrator, or `None` (an answer, not an error: the sign-in page asks).
#[server]
pub async fn get_current_admin() -> Result<Option<AdminIdentity>, AppError> {
    Ok(crate::backend::signed_in().await?.1)
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

/// A tenant's overview.
#[server]
pub async fn get_tenant_overview(tenant: String) -> Result<TenantOverview, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.tenant_overview(&admin, &tenant).await
}

/// The Integrations → SCIM panel of a tenant.
#[server]
pub async fn get_scim_integration(tenant: String) -> Result<ScimIntegration, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.scim_integration(&admin, &tenant).await
}

/// Saves a tenant's SCIM settings. A refused field saves nothing and is answered as
/// [`SettingsUpdate::Refused`] (the backend's `AppError::InvalidField`). `azure_tenant_id` may be
/// empty (none); `required_attributes` is a list separated by commas, spaces or lines.
#[server]
pub async fn update_scim_settings(
    tenant: String,
    enabled: bool,
    profile: String,
    azure_tenant_id: String,
    remote_token_auth: bool,
    link_users_by: String,
    required_attributes: String,
) -> Result<SettingsUpdate, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    let azure_tenant_id = Some(azure_tenant_id.trim().to_owned()).filter(|id| !id.is_empty());
    let required_attributes = crate::dto::split_list(&required_attributes);
    let settings = crate::dto::ScimSettings {
        enabled,
        profile,
        azure_tenant_id,
        remote_token_auth,
        link_users_by,
        required_attributes,
    };
    SettingsUpdate::of(backend.update_scim_settings(&admin, address, &tenant, settings).await)
}

/// Generates a new SCIM secret token (shown once in the answer); the previous one is revoked,
/// or keeps working for `grace_secs`.
#[server]
pub async fn rotate_scim_secret(tenant: String, grace_secs: u64) -> Result<NewSecret, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.rotate_secret(&admin, address, &tenant, crate::dto::SecretKind::Bearer, grace_secs).await
}

/// Revokes the tenant's SCIM secret tokens at once. Returns how many were usable.
#[server]
pub async fn revoke_scim_secret(tenant: String) -> Result<u64, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.revoke_secrets(&admin, address, &tenant, crate::dto::SecretKind::Bearer).await
}

/// Generates a new OAuth client secret (shown once in the answer) of the tenant's client id;
/// the previous ones are revoked, or keep working for `grace_secs`.
#[server]
pub async fn rotate_client_secret(tenant: String, grace_secs: u64) -> Result<NewSecret, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.rotate_secret(&admin, address, &tenant, crate::dto::SecretKind::ClientSecret, grace_secs).await
}

/// Revokes the tenant's client secrets at once (access tokens already issued live out their
/// lifetime). Returns how many were usable.
#[server]
pub async fn revoke_client_secret(tenant: String) -> Result<u64, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.revoke_secrets(&admin, address, &tenant, crate::dto::SecretKind::ClientSecret).await
}

/// Ends the grace period of a superseded secret of the tenant now.
#[server]
pub async fn end_grace(tenant: String, credential_id: String) -> Result<(), AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.end_grace(&admin, address, &tenant, &credential_id).await
}

/// Deletes every user and group of a tenant, for a fresh full sync; `confirmation` must be the
/// tenant's exact name.
#[server]
pub async fn reset_directory(tenant: String, confirmation: String) -> Result<DirectoryReset, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.reset_directory(&admin, address, &tenant, &confirmation).await
}
