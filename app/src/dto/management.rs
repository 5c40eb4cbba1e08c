//! What the tenant and administrator management pages show.

use serde::{Deserialize, Serialize};

use super::AuditRow;

/// A tenant on the Tenants page: its state and health at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantRow {
    /// Exact, case-sensitive name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// `generic` or `azure`.
    pub profile: String,
    /// Disabled tenants keep their data; their SCIM and token endpoints answer 403.
    pub disabled: bool,
    /// Whether its SCIM endpoint is switched on.
    pub scim_enabled: bool,
    /// Provisioned users.
    pub users: u64,
    /// Requests in the last 24 hours.
    pub requests_24h: u64,
    /// Failed requests in the last 24 hours.
    pub errors_24h: u64,
    /// The identity provider's last request (RFC 3339), if any.
    pub last_request_at: Option<String>,
    /// Whether this administrator may only look at it.
    pub read_only: bool,
    /// Its open alerts.
    pub open_alerts: u64,
}

/// A page of tenants matching a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantPage {
    /// The tenants on this page, by name.
    pub rows: Vec<TenantRow>,
    /// All tenants matching.
    pub total: u64,
    /// 0-based offset of the first row.
    pub offset: u64,
    /// Rows per page.
    pub page_size: u64,
}

/// The number of tenants a page shows.
pub const TENANT_PAGE_SIZE: u64 = 25;

/// A right to administer a tenant (or the platform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GrantRow {
    /// `subject`, `email` or `claim`.
    pub kind: String,
    /// The subject, email or claim value.
    pub principal: String,
    /// Only looking allowed.
    pub read_only: bool,
    /// When it was given (RFC 3339).
    pub created_at: String,
    /// Who gave it.
    pub created_by: String,
}

/// The administrators of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantAdmins {
    /// The tenant's exact name.
    pub tenant: String,
    /// Its display name.
    pub display_name: String,
    /// Grants on this tenant.
    pub grants: Vec<GrantRow>,
    /// Platform administrators by grant (they manage every tenant).
    pub platform_grants: Vec<GrantRow>,
    /// Platform administrators by the server's configuration, in words.
    pub configured: Vec<String>,
    /// The claim whose values `claim` grants match (`--admin-claim`), if configured.
    pub rights_claim: Option<String>,
    /// Whether the viewer may add and remove administrators.
    pub can_manage: bool,
}

impl TenantAdmins {
    /// The field name of a grant's principal in [`crate::AppError::InvalidField`].
    pub const PRINCIPAL: &'static str = "principal";
}

/// The kinds of principal a grant can name: (value, label).
pub const PRINCIPAL_KINDS: [(&str, &str); 3] =
    [("email", "Email"), ("subject", "OIDC subject"), ("claim", "Group or role (claim value)")];

/// A filtered page of the audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries.
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
}

/// The platform overview a platform administrator sees first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlatformOverview {
    /// Tenants in all.
    pub tenants: u64,
    /// Disabled tenants.
    pub disabled: u64,
    /// The latest break-glass sign-ins, newest first.
    pub break_glass: Vec<AuditRow>,
}

/// Field names of the tenant forms in [`crate::AppError::InvalidField`].
pub mod tenant_fields {
    /// The tenant name.
    pub const NAME: &str = "name";
    /// The display name.
    pub const DISPLAY_NAME: &str = "displayName";
    /// The profile.
    pub const PROFILE: &str = "profile";
    /// The typed confirmation of a deletion.
    pub const CONFIRM: &str = "confirm";
}
