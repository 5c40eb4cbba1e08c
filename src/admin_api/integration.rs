//! Integrations → SCIM: the settings, the generated endpoint and credentials, secrets, the log
//! retention and the directory reset.

use app::backend::{AdminBackend, OperationsBackend};
use app::dto::{DirectoryReset, LogRetention, NewSecret, ScimIntegration, ScimSettings, SecretKind};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::input::Body;
use super::problem::{Problem, Refusals};
use super::{created, At};

/// A rotation's options.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    /// Seconds the previous secrets keep working (0, the default: revoked at once; at most 30 days).
    #[serde(default)]
    grace_seconds: u64,
}

/// How many secrets a revocation ended.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revoked {
    /// Secrets that were usable and are not any more.
    pub revoked: u64,
}

/// The log retention to keep.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetentionChange {
    /// Prune rows older than this many days (1 to 3650); no age limit when null.
    days: Option<u32>,
    /// Keep only this many of the newest rows (at least 1000); no count limit when null.
    rows: Option<u64>,
}

/// The confirmation of a directory reset.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmation {
    /// The tenant's exact name, again.
    confirm: String,
}

const TENANT: &str = "The tenant's exact name";
const KIND: &str = "`bearer` (the SCIM secret token) or `clientSecret` (the OAuth client's)";

/// The SCIM integration: settings, Tenant URL, token endpoint, credentials, recent audit.
#[utoipa::path(get, path = "/tenants/{tenant}/scim", tag = "scim", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = ScimIntegration), Refusals))]
pub async fn scim(caller: Caller, At(tenant): At<String>) -> Result<Json<ScimIntegration>, Problem> {
    Ok(Json(caller.backend.scim_integration(&caller.admin, &tenant).await?))
}

/// Replaces the SCIM settings (all or nothing: a refused field changes nothing).
#[utoipa::path(put, path = "/tenants/{tenant}/scim/settings", tag = "scim", request_body = ScimSettings,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = ScimSettings), Refusals))]
pub async fn save_settings(
    caller: Caller,
    At(tenant): At<String>,
    Body(settings): Body<ScimSettings>,
) -> Result<Json<ScimSettings>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.update_scim_settings(&admin, address, &tenant, settings).await?))
}

/// Generates a new secret; the answer is the only time it is sent.
#[utoipa::path(post, path = "/tenants/{tenant}/secrets/{kind}", tag = "scim", request_body = Rotation,
    params(("tenant" = String, Path, description = TENANT), ("kind" = SecretKind, Path, description = KIND)),
    responses((status = 201, body = NewSecret), Refusals))]
pub async fn rotate_secret(
    caller: Caller,
    At((tenant, kind)): At<(String, SecretKind)>,
    Body(rotation): Body<Rotation>,
) -> Result<Response, Problem> {
    let Caller { backend, admin, address } = caller;
    if rotation.grace_seconds > app::dto::MAX_GRACE_SECS {
        return Err(Problem::field("graceSeconds", "a grace period lasts at most 30 days (2592000 seconds)"));
    }
    Ok(created(backend.rotate_secret(&admin, address, &tenant, kind, rotation.grace_seconds).await?))
}

/// Revokes every usable secret of this kind at once, those in a grace period too.
#[utoipa::path(delete, path = "/tenants/{tenant}/secrets/{kind}", tag = "scim",
    params(("tenant" = String, Path, description = TENANT), ("kind" = SecretKind, Path, description = KIND)),
    responses((status = 200, body = Revoked), Refusals))]
pub async fn revoke_secrets(
    caller: Caller,
    At((tenant, kind)): At<(String, SecretKind)>,
) -> Result<Json<Revoked>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(Revoked { revoked: backend.revoke_secrets(&admin, address, &tenant, kind).await? }))
}

/// Ends a superseded secret's grace period now.
#[utoipa::path(delete, path = "/tenants/{tenant}/credentials/{id}/grace", tag = "scim",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The credential's id")),
    responses((status = 204), Refusals))]
pub async fn end_grace(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<StatusCode, Problem> {
    caller.backend.end_grace(&caller.admin, caller.address, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The provisioning log's retention, and how many rows it removes now.
#[utoipa::path(get, path = "/tenants/{tenant}/log-retention", tag = "log", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = LogRetention), Refusals))]
pub async fn retention(caller: Caller, At(tenant): At<String>) -> Result<Json<LogRetention>, Problem> {
    Ok(Json(caller.backend.log_retention(&caller.admin, &tenant).await?))
}

/// Sets the provisioning log's retention.
#[utoipa::path(put, path = "/tenants/{tenant}/log-retention", tag = "log", request_body = RetentionChange,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = LogRetention), Refusals))]
pub async fn save_retention(
    caller: Caller,
    At(tenant): At<String>,
    Body(change): Body<RetentionChange>,
) -> Result<Json<LogRetention>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.set_log_retention(&admin, address, &tenant, change.days, change.rows).await?))
}

/// Deletes every user and group of the tenant (settings, credentials and logs stay).
#[utoipa::path(post, path = "/tenants/{tenant}/reset", tag = "scim", request_body = ResetConfirmation,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = DirectoryReset), Refusals))]
pub async fn reset_directory(
    caller: Caller,
    At(tenant): At<String>,
    Body(c): Body<ResetConfirmation>,
) -> Result<Json<DirectoryReset>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.reset_directory(&admin, address, &tenant, &c.confirm).await?))
}
