//! Tenants, their administrators, the audit trail and the platform overview.

use app::backend::{AdminBackend, ManagementBackend};
use app::dto::{AuditPage, PlatformOverview, TenantAdmins, TenantOverview, TenantPage, TenantSummary};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::input::{Body, Params};
use super::problem::{Problem, Refusals};
use super::{created, At};

/// A page of tenants.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantSearch {
    /// Part of the name or display name (any case).
    #[serde(default)]
    search: String,
    /// Skip this many (pages of 50).
    #[serde(default)]
    offset: u64,
}

/// A tenant to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewTenant {
    /// The exact, case-sensitive name, as in `/realms/<name>/scim/v2`.
    name: String,
    /// What people call it (the name, without).
    #[serde(default)]
    display_name: String,
    /// `generic` (default) or `azure` (Microsoft Entra ID's request shapes and tokens).
    #[serde(default = "generic")]
    profile: String,
}

fn generic() -> String {
    "generic".to_owned()
}

/// A change to a tenant: each member given is applied.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantChange {
    /// A new display name.
    #[serde(default)]
    display_name: Option<String>,
    /// Disable (its SCIM and token endpoints answer 403, its data stays) or enable it.
    #[serde(default)]
    disabled: Option<bool>,
}

/// The confirmation a destructive operation needs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Confirm {
    /// The tenant's exact name, again.
    confirm: String,
}

/// A right on a tenant, to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewGrant {
    /// `subject`, `email` or `claim` (a value of the rights claim, e.g. an IdP group).
    kind: String,
    /// The subject, email or claim value.
    principal: String,
    /// Only looking.
    #[serde(default)]
    read_only: bool,
}

/// A right on a tenant, to take away.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantKey {
    /// `subject`, `email` or `claim`.
    kind: String,
    /// The subject, email or claim value.
    principal: String,
}

/// A page of the audit trail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditSearch {
    /// One tenant's trail (exact name); the platform-wide trail without (platform tokens).
    #[serde(default)]
    tenant: Option<String>,
    /// Text the actor, action, summary or address contains.
    #[serde(default)]
    search: String,
    /// Entries older than this id (`nextBefore` of the previous page).
    #[serde(default)]
    before: Option<i64>,
}

/// The audit trail as a download.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditExport {
    /// One tenant's trail; the platform-wide trail without (platform tokens).
    #[serde(default)]
    tenant: Option<String>,
    /// Text the entries contain.
    #[serde(default)]
    search: String,
    /// `csv` (default) or `json`.
    #[serde(default)]
    format: Option<String>,
}

/// Lists the tenants this token may see.
#[utoipa::path(get, path = "/tenants", tag = "tenants", params(TenantSearch),
    responses((status = 200, body = TenantPage), Refusals))]
pub async fn list_tenants(caller: Caller, Params(q): Params<TenantSearch>) -> Result<Json<TenantPage>, Problem> {
    Ok(Json(caller.backend.tenant_page(&caller.admin, &q.search, q.offset).await?))
}

/// Creates a tenant (platform tokens).
#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = NewTenant,
    responses((status = 201, body = TenantSummary), Refusals))]
pub async fn create_tenant(caller: Caller, Body(new): Body<NewTenant>) -> Result<Response, Problem> {
    let Caller { backend, admin, address } = caller;
    let made = backend.create_tenant(&admin, address, &new.name, &new.display_name, &new.profile).await?;
    Ok(created(made))
}

/// One tenant: its numbers, endpoint, applications and open alerts.
#[utoipa::path(get, path = "/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "The exact name")),
    responses((status = 200, body = TenantOverview), Refusals))]
pub async fn tenant(caller: Caller, At(tenant): At<String>) -> Result<Json<TenantOverview>, Problem> {
    Ok(Json(caller.backend.tenant_overview(&caller.admin, &tenant).await?))
}

/// Renames, disables or enables a tenant (platform tokens).
#[utoipa::path(patch, path = "/tenants/{tenant}", tag = "tenants", request_body = TenantChange,
    params(("tenant" = String, Path, description = "The exact name")),
    responses((status = 200, body = TenantSummary), Refusals))]
pub async fn change_tenant(
    caller: Caller,
    At(tenant): At<String>,
    Body(change): Body<TenantChange>,
) -> Result<Json<TenantSummary>, Problem> {
    let Caller { backend, admin, address } = caller;
    if change.display_name.is_none() && change.disabled.is_none() {
        return Err(Problem::new(StatusCode::BAD_REQUEST, "give displayName, disabled or both"));
    }
    let mut summary = None;
    if let Some(display_name) = &change.display_name {
        summary = Some(backend.rename_tenant(&admin, address.clone(), &tenant, display_name).await?);
    }
    if let Some(disabled) = change.disabled {
        summary = Some(backend.set_tenant_disabled(&admin, address, &tenant, disabled).await?);
    }
    summary.map(Json).ok_or_else(|| Problem::from(app::AppError::Internal))
}

/// Deletes a tenant and all its data (platform tokens); the audit trail keeps the record.
#[utoipa::path(delete, path = "/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "The exact name"), Confirm),
    responses((status = 204), Refusals))]
pub async fn delete_tenant(
    caller: Caller,
    At(tenant): At<String>,
    Params(c): Params<Confirm>,
) -> Result<StatusCode, Problem> {
    caller.backend.delete_tenant(&caller.admin, caller.address, &tenant, &c.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who administers a tenant.
#[utoipa::path(get, path = "/tenants/{tenant}/admins", tag = "administrators", params(("tenant" = String, Path, description = "The exact name")),
    responses((status = 200, body = TenantAdmins), Refusals))]
pub async fn admins(caller: Caller, At(tenant): At<String>) -> Result<Json<TenantAdmins>, Problem> {
    Ok(Json(caller.backend.tenant_admins(&caller.admin, &tenant).await?))
}

/// Gives a person or group the right to administer a tenant (platform tokens).
#[utoipa::path(post, path = "/tenants/{tenant}/admins", tag = "administrators", request_body = NewGrant,
    params(("tenant" = String, Path, description = "The exact name")),
    responses((status = 200, body = TenantAdmins), Refusals))]
pub async fn grant(
    caller: Caller,
    At(tenant): At<String>,
    Body(g): Body<NewGrant>,
) -> Result<Json<TenantAdmins>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.grant_admin(&admin, address, &tenant, &g.kind, &g.principal, g.read_only).await?))
}

/// Takes a right on a tenant away (platform tokens).
#[utoipa::path(delete, path = "/tenants/{tenant}/admins", tag = "administrators",
    params(("tenant" = String, Path, description = "The exact name"), GrantKey),
    responses((status = 200, body = TenantAdmins), Refusals))]
pub async fn revoke_grant(
    caller: Caller,
    At(tenant): At<String>,
    Params(g): Params<GrantKey>,
) -> Result<Json<TenantAdmins>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.revoke_admin(&admin, address, &tenant, &g.kind, &g.principal).await?))
}

/// A page of the audit trail, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditSearch),
    responses((status = 200, body = AuditPage), Refusals))]
pub async fn audit(caller: Caller, Params(q): Params<AuditSearch>) -> Result<Json<AuditPage>, Problem> {
    let tenant = q.tenant.as_deref().filter(|t| !t.is_empty());
    Ok(Json(caller.backend.audit_page(&caller.admin, tenant, &q.search, q.before).await?))
}

/// The audit trail as CSV or one JSON array, streamed.
#[utoipa::path(get, path = "/audit/export", tag = "audit", params(AuditExport),
    responses((status = 200, description = "CSV (text/csv) or a JSON array of audit rows"), Refusals))]
pub async fn audit_export(caller: Caller, Params(q): Params<AuditExport>) -> Result<Response, Problem> {
    let format = crate::admin::export::Format::of(q.format.as_deref()).map_err(format_refused)?;
    let export = crate::admin::export::AuditExport { tenant: q.tenant, search: q.search, format };
    Ok(caller.backend.audit_export(&caller.admin, export).await?.into_response())
}

/// The format parameter's refusal.
pub(super) fn format_refused(_: crate::admin::export::Refused) -> Problem {
    Problem::field("format", "the format is csv or json")
}

/// Every tenant at a glance (platform tokens).
#[utoipa::path(get, path = "/platform", tag = "tenants",
    responses((status = 200, body = PlatformOverview), Refusals))]
pub async fn platform(caller: Caller) -> Result<Json<PlatformOverview>, Problem> {
    Ok(Json(caller.backend.platform_overview(&caller.admin).await?))
}
