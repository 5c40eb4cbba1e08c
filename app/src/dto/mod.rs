//! The data the dashboard shows, as it crosses the wire between server functions and the
//! browser. Nothing here carries a secret, except [`NewSecret`] and [`AlertsSaved`]: the answers
//! that show a freshly generated secret once.

use serde::{Deserialize, Serialize};

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

/// How an administrator signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// Through the configured OpenID provider.
    Oidc,
    /// With a one-time break-glass link from the CLI.
    BreakGlass,
    /// With an administration API token (`/admin/api/v1`): its rights are the token's scope,
    /// not grants.
    ApiToken,
    /// On the server's own command line (`scimhub mapper …`): whoever may run it may do anything.
    Cli,
}

/// The signed-in administrator and what they may manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminIdentity {
    /// The identity's stable subject at its provider.
    pub subject: String,
    /// Its email, if known.
    pub email: Option<String>,
    /// Its display name, if known.
    pub name: Option<String>,
    /// Platform administrators manage every tenant (decided by the server on every request).
    pub platform_admin: bool,
    /// Tenants (exact names) a tenant administrator may see, read-only ones included.
    pub tenants: Vec<String>,
    /// Of [`AdminIdentity::tenants`], those it may only look at.
    #[serde(default)]
    pub read_only_tenants: Vec<String>,
    /// The values of the rights claim (e.g. `groups`) in its ID token, which grants may name.
    #[serde(default)]
    pub claim_values: Vec<String>,
    /// How they signed in.
    pub via: SignInMethod,
    /// Whether it may change nothing at all, platform administration included (a read-only API
    /// token).
    #[serde(default)]
    pub read_only: bool,
}

impl AdminIdentity {
    /// A newly signed-in identity, with no rights yet (the server decides them).
    pub fn new(subject: String, email: Option<String>, name: Option<String>, via: SignInMethod) -> AdminIdentity {
        AdminIdentity {
            subject,
            email,
            name,
            platform_admin: false,
            tenants: Vec::new(),
            read_only_tenants: Vec::new(),
            claim_values: Vec::new(),
            via,
            read_only: false,
        }
    }

    /// Whether this administrator may see `tenant`.
    pub fn can_access(&self, tenant: &str) -> bool {
        self.platform_admin || self.tenants.iter().any(|t| t == tenant)
    }

    /// Whether this administrator may change `tenant` (not only look at it).
    pub fn can_change(&self, tenant: &str) -> bool {
        !self.read_only
            && (self.platform_admin || (self.can_access(tenant) && !self.read_only_tenants.iter().any(|t| t == tenant)))
    }

    /// Whether it may manage the platform: tenants, administrators, API tokens.
    pub fn can_manage_platform(&self) -> bool {
        self.platform_admin && !self.read_only
    }

    /// What the top bar shows.
    pub fn label(&self) -> String {
        self.email.clone().or_else(|| self.name.clone()).unwrap_or_else(|| self.subject.clone())
    }
}

/// A tenant in lists and the selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// Whether a platform administrator disabled it.
    pub disabled: bool,
}

/// The tenant overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// Groups.
    pub groups: u64,
    /// Requests in the last 24 hours.
    pub requests_24h: u64,
    /// Failed requests in the last 24 hours.
    pub errors_24h: u64,
    /// When the identity provider last called (RFC 3339), if ever.
    pub last_request_at: Option<String>,
    /// The applications the tenant provisions onward, with their health.
    pub applications: Vec<ApplicationRow>,
    /// Its open alerts, oldest first, each in a sentence ("Identity provider silent — …, opened
    /// 3 h ago"): text, since the overview is in the dashboard's main bundle, kept small.
    pub open_alerts: Vec<String>,
}

/// The settings of a tenant's SCIM endpoint that the integration panel edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScimSettings {
    /// Whether the SCIM endpoint answers (a disabled one answers 403 and stores nothing).
    pub enabled: bool,
    /// `generic` or `azure`.
    pub profile: String,
    /// The customer's Entra tenant ID (a lower-case GUID); required for the Azure profile.
    pub azure_tenant_id: Option<String>,
    /// Whether access tokens from the tenant's token endpoint (OAuth 2.0 client credentials)
    /// are accepted.
    pub remote_token_auth: bool,
    /// User linking on creation: `off`, `userName`, `email` or `externalId`.
    pub link_users_by: String,
    /// SCIM attribute paths every provisioned user must carry.
    pub required_attributes: Vec<String>,
}

impl ScimSettings {
    /// The field name of the profile in [`crate::AppError::InvalidField`].
    pub const PROFILE: &'static str = "profile";
    /// The field name of the Azure tenant ID in [`crate::AppError::InvalidField`].
    pub const AZURE_TENANT_ID: &'static str = "azureTenantId";
    /// The field name of user linking in [`crate::AppError::InvalidField`].
    pub const LINK_USERS_BY: &'static str = "linkUsersBy";
    /// The field name of the required attributes in [`crate::AppError::InvalidField`].
    pub const REQUIRED_ATTRIBUTES: &'static str = "requiredAttributes";
}

/// The entries of a list typed as text: separated by commas, spaces or lines, blanks dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()).map(str::to_owned).collect()
}

/// The choices of user linking on creation: (value, label, what it does).
pub const LINK_CHOICES: [(&str, &str, &str); 4] = [
    ("off", "Off", "A POST for a userName that is taken is answered with 409 (uniqueness)."),
    (
        "userName",
        "By userName",
        "A POST whose userName matches an existing user without an identity-provider link (no externalId) adopts \
         that user.",
    ),
    (
        "email",
        "By email",
        "A POST whose email (the primary one, else the work one, else the first) matches an email of exactly one \
         existing user without an identity-provider link adopts that user.",
    ),
    (
        "externalId",
        "By externalId",
        "A POST whose externalId is already a user's adopts that user: the identity provider lost track of the id it \
         was given and provisions again.",
    ),
];

/// The answer to a form the dashboard submits.
///
/// A refused field is an answer, not an HTTP error: browsers log every 4xx/5xx response as a
/// console error, and a mistyped ID is the user's everyday business, not a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum FormOutcome<T> {
    /// Saved; the result as stored (e.g. the Azure tenant ID in lower case).
    Saved(T),
    /// Nothing saved: `field` (a field-name constant such as [`ScimSettings::PROFILE`]) is
    /// refused, and `message` says why and what is expected.
    #[serde(rename_all = "camelCase")]
    Refused {
        /// The refused field.
        field: String,
        /// Why, and the expected form.
        message: String,
    },
}

impl<T> FormOutcome<T> {
    /// The outcome of a backend call: `AppError::InvalidField` becomes `Refused`, other errors
    /// stay errors.
    pub fn of(result: Result<T, crate::AppError>) -> Result<FormOutcome<T>, crate::AppError> {
        match result {
            Ok(saved) => Ok(FormOutcome::Saved(saved)),
            Err(crate::AppError::InvalidField(field, message)) => Ok(FormOutcome::Refused { field, message }),
            Err(e) => Err(e),
        }
    }

    /// The message of the refused field `field`, if a form action's last answer (`None` before
    /// the first) refused it.
    pub fn refusal(answer: &Option<Result<FormOutcome<T>, crate::AppError>>, field: &str) -> Option<String> {
        match answer {
            Some(Ok(FormOutcome::Refused { field: f, message })) if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

/// The answer to a settings update from the panel.
pub type SettingsUpdate = FormOutcome<ScimSettings>;

/// Which secret of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SecretKind {
    /// The SCIM secret token, sent as `Authorization: Bearer …` to the SCIM endpoint.
    Bearer,
    /// An OAuth 2.0 client secret, exchanged at the token endpoint for access tokens.
    ClientSecret,
}

impl SecretKind {
    /// What the panel calls it.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::Bearer => "SCIM secret token",
            SecretKind::ClientSecret => "client secret",
        }
    }
}

/// A usable credential, as the panel lists it: never the secret, only a masked hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialRow {
    /// The credential's id.
    pub id: String,
    /// Bearer secret or client secret.
    pub kind: SecretKind,
    /// The masked secret, e.g. `scimhub_…` (secrets are stored hashed; only this is known).
    pub hint: String,
    /// The OAuth client id (client secrets only).
    pub client_id: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last successful use (RFC 3339), if ever.
    pub last_used_at: Option<String>,
    /// When it stops working (RFC 3339): the end of a rotation's grace period.
    pub expires_at: Option<String>,
}

/// An entry of the administrators' audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// When (RFC 3339).
    pub time: String,
    /// The tenant it concerns (exact name; the id of a deleted tenant), if any.
    pub tenant: Option<String>,
    /// The action's code, e.g. `scim_secret.rotate`.
    pub action: String,
    /// Who (the administrator's label).
    pub actor: String,
    /// What, in words.
    pub summary: String,
    /// The address the change came from, if known.
    pub client_addr: Option<String>,
}

/// The Integrations → SCIM panel of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScimIntegration {
    /// The tenant's exact name.
    pub tenant: String,
    /// Its current settings.
    pub settings: ScimSettings,
    /// `<public-url>/realms/<tenant>/scim/v2`.
    pub scim_endpoint: String,
    /// `<public-url>/realms/<tenant>/protocol/openid-connect/token`.
    pub token_endpoint: String,
    /// The tenant's OAuth client id, once a client secret was generated.
    pub client_id: Option<String>,
    /// The usable credentials, newest first.
    pub credentials: Vec<CredentialRow>,
    /// The newest entries of the audit trail (at most 20), newest first.
    pub audit: Vec<AuditRow>,
}

/// A secret just generated by a rotation: the only time it is ever sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewSecret {
    /// Which secret.
    pub kind: SecretKind,
    /// The secret in clear text, to be copied now.
    pub secret: String,
    /// The new credential's id.
    pub credential_id: String,
    /// The OAuth client id (client secrets only).
    pub client_id: Option<String>,
    /// How many previous secrets were superseded.
    pub superseded: u64,
    /// Until when the superseded ones keep working (RFC 3339); `None` when they were revoked.
    pub previous_valid_until: Option<String>,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("kind", &self.kind)
            .field("secret", &"****")
            .field("credential_id", &self.credential_id)
            .field("client_id", &self.client_id)
            .field("superseded", &self.superseded)
            .field("previous_valid_until", &self.previous_valid_until)
            .finish()
    }
}

/// The grace periods the panel offers for a rotation, in seconds, with their labels.
pub const GRACE_PERIODS: [(u64, &str); 4] = [(0, "None"), (3600, "1 hour"), (86_400, "1 day"), (604_800, "7 days")];

/// The longest grace period the server accepts (30 days, as the CLI).
pub const MAX_GRACE_SECS: u64 = 30 * 86_400;

/// What resetting a tenant's directory removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DirectoryReset {
    /// Users deleted.
    pub users: u64,
    /// Groups deleted.
    pub groups: u64,
}
