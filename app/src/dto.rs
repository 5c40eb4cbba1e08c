//! The data the dashboard shows, as it crosses the wire between server functions and the
//! browser. Nothing here carries a secret.

use serde::{Deserialize, Serialize};

/// How an administrator signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// Through the configured OpenID provider.
    Oidc,
    /// With a one-time break-glass link from the CLI.
    BreakGlass,
}

/// The signed-in administrator and what they may manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminIdentity {
    /// The identity's stable subject at its provider.
    pub subject: String,
    /// Its email, if known.
    pub email: Option<String>,
    /// Its display name, if known.
    pub name: Option<String>,
    /// Platform administrators manage every tenant.
    pub platform_admin: bool,
    /// Tenants (exact names) a tenant administrator manages.
    pub tenants: Vec<String>,
    /// How they signed in.
    pub via: SignInMethod,
}

impl AdminIdentity {
    /// Whether this administrator may see and manage `tenant`.
    pub fn can_access(&self, tenant: &str) -> bool {
        self.platform_admin || self.tenants.iter().any(|t| t == tenant)
    }

    /// What the top bar shows.
    pub fn label(&self) -> String {
        self.email.clone().or_else(|| self.name.clone()).unwrap_or_else(|| self.subject.clone())
    }
}

/// A tenant in lists and the selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    /// Exact, case-sensitive name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// `generic` or `azure`.
    pub profile: String,
    /// Number of provisioned users.
    pub user_count: u64,
}

/// The tenant overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantOverview {
    /// The tenant.
    pub tenant: TenantSummary,
    /// Whether its SCIM endpoint answers.
    pub scim_enabled: bool,
    /// Its SCIM base URL.
    pub scim_endpoint: String,
    /// Users in all.
    pub users: u64,
    /// Active users.
    pub active: u64,
    /// Requests in the last 24 hours.
    pub requests_24h: u64,
    /// Failed requests in the last 24 hours.
    pub errors_24h: u64,
    /// When the identity provider last called (RFC 3339), if ever.
    pub last_request_at: Option<String>,
}

/// A user in the Users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    /// SCIM id.
    pub id: String,
    /// userName.
    pub user_name: String,
    /// displayName.
    pub display_name: Option<String>,
    /// externalId.
    pub external_id: Option<String>,
    /// Active or deactivated.
    pub active: bool,
    /// Last modification (RFC 3339).
    pub last_modified: String,
}

/// A page of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// The users on this page.
    pub users: Vec<UserRow>,
    /// All users matching.
    pub total: u64,
    /// 1-based index of the first user on this page.
    pub start_index: u64,
    /// Page size.
    pub page_size: u64,
}

/// A provisioning-log row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    /// Row id (for keyset pagination).
    pub id: i64,
    /// When (RFC 3339).
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Operation.
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// Resource type and id.
    pub resource: Option<String>,
    /// userName.
    pub user_name: Option<String>,
    /// SCIM error detail or keyword.
    pub detail: Option<String>,
    /// Latency in milliseconds.
    pub latency_ms: f64,
}

/// A page of the provisioning log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    /// The rows.
    pub rows: Vec<LogRow>,
    /// Pass as `before` to get the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
}
