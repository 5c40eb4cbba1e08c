//! Tokens of the administration API (`/admin/api/v1`), as the dashboard's API tokens page, the
//! API's `/api-tokens` and `scimhub api-token` show and make them.

use serde::{Deserialize, Serialize};

/// The longest a token may live, in days.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// The field names a refused token request names.
pub mod api_token_fields {
    /// What it is for.
    pub const NAME: &str = "name";
    /// The tenants it may use.
    pub const TENANTS: &str = "tenants";
    /// Days until it stops working.
    pub const EXPIRES_DAYS: &str = "expiresDays";
}

/// What a new token is to be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewApiToken {
    /// What it is for (1 to 100 characters), e.g. the pipeline that uses it.
    pub name: String,
    /// Every tenant and platform administration (tenants, administrators, tokens).
    #[serde(default)]
    pub platform: bool,
    /// The tenants (exact names) it may use, when not `platform`.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// It may look, never change.
    #[serde(default)]
    pub read_only: bool,
    /// Days until it stops working (1 to 3650); never, without.
    #[serde(default)]
    pub expires_days: Option<u32>,
}

/// A token as lists show it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenRow {
    /// Its id (to revoke it).
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Every tenant and platform administration.
    pub platform: bool,
    /// The tenants it may use, when not `platform`.
    pub tenants: Vec<String>,
    /// It may look, never change.
    pub read_only: bool,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// When it stops working (RFC 3339), if ever.
    pub expires_at: Option<String>,
    /// When it was last used (RFC 3339, to the minute), if ever.
    pub last_used_at: Option<String>,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

impl ApiTokenRow {
    /// What it may reach, in words: "Platform" or the tenants, and "read-only".
    pub fn scope(&self) -> String {
        let reach = if self.platform { "Platform".to_owned() } else { self.tenants.join(", ") };
        if self.read_only {
            format!("{reach} (read-only)")
        } else {
            reach
        }
    }
}

/// A token just made: the only time the token is sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiToken {
    /// The token, for `Authorization: Bearer …`. Shown this once; only its hash is kept.
    pub token: String,
    /// What was stored.
    #[serde(flatten)]
    pub row: ApiTokenRow,
}

/// The token stays out of logs.
impl std::fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiToken").field("token", &"****").field("row", &self.row).finish()
    }
}
