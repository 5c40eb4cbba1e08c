//! The server side of the dashboard, as a trait: the `scimhub` binary implements it over its
//! database and provides it as Leptos context, so this crate never touches storage. Every
//! method takes the signed-in administrator, and the implementation checks their rights.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::use_context;

use crate::dto::{
    ActionReport, AddedApplication, AdminIdentity, AlertPanel, AlertRules, AlertsSaved, ApiTokenRow, ApplicationAction,
    ApplicationsPanel, AuditPage, ChartRange, Checklist, CreatedApiToken, CredentialChoice, DirectoryQuery,
    DirectoryReset, GroupDetail, GroupPage, LogChart, LogEntryDetail, LogPage, LogQuery, LogRetention, MapperPanel,
    MapperRow, MemberPage, NewApiToken, NewApplication, NewSecret, PageAt, PlatformOverview, SavedMapping,
    ScimIntegration, ScimSettings, SecretKind, TenantAdmins, TenantOverview, TenantPage, TenantSummary, UserDetail,
    UserPage, WebhookEdit,
};
use crate::error::AppError;
use scim::mapping::MapperSpec;

/// What the dashboard's server functions need from the server: the tenant pages here, tenant
/// and administrator management in [`ManagementBackend`], mappers and user detail in
/// [`MappingBackend`].
#[async_trait::async_trait]
pub trait AdminBackend:
    ManagementBackend
    + MappingBackend
    + LogBackend
    + DirectoryBackend
    + OperationsBackend
    + OutboundBackend
    + AlertsBackend
    + ApiTokensBackend
    + Send
    + Sync
    + 'static
{
    /// The administrator signed in on this request's session, if any.
    async fn current_admin(&self, request: &Parts) -> Result<Option<AdminIdentity>, AppError>;
    /// Whether OIDC sign-in is configured.
    fn sso_configured(&self) -> bool;
    /// The tenants this administrator may see.
    async fn list_tenants(&self, admin: &AdminIdentity) -> Result<Vec<TenantSummary>, AppError>;
    /// The overview of one tenant.
    async fn tenant_overview(&self, admin: &AdminIdentity, tenant: &str) -> Result<TenantOverview, AppError>;
    /// The address this request came from, for the audit trail.
    fn client_address(&self, request: &Parts) -> Option<String>;
    /// The Integrations → SCIM panel of a tenant: settings, generated details, credentials and
    /// the newest audit entries.
    async fn scim_integration(&self, admin: &AdminIdentity, tenant: &str) -> Result<ScimIntegration, AppError>;
    /// Validates and saves a tenant's SCIM settings (nothing is saved when a field is refused:
    /// `AppError::InvalidField`), records the change in the audit trail, and returns the
    /// settings as saved.
    async fn update_scim_settings(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        settings: ScimSettings,
    ) -> Result<ScimSettings, AppError>;
    /// Generates a new secret of this kind; the previous ones are revoked, or keep working for
    /// `grace_secs`. Audited without the secret. The answer is the only time the secret is sent.
    async fn rotate_secret(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: SecretKind,
        grace_secs: u64,
    ) -> Result<NewSecret, AppError>;
    /// Revokes every usable secret of this kind at once (also those in a grace period);
    /// audited. Returns how many were usable.
    async fn revoke_secrets(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: SecretKind,
    ) -> Result<u64, AppError>;
    /// Ends the grace period of a superseded secret now (it stops working at once); audited.
    /// `NotFound` unless it is the tenant's and still in its grace period.
    async fn end_grace(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        credential_id: &str,
    ) -> Result<(), AppError>;
    /// Deletes every user and group of the tenant (settings, credentials and logs stay), if
    /// `confirmation` is the tenant's exact name.
    async fn reset_directory(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        confirmation: &str,
    ) -> Result<DirectoryReset, AppError>;
}

/// Tenant and administrator management: the Tenants page, administrators, the audit trail.
#[async_trait::async_trait]
pub trait ManagementBackend: Send + Sync {
    /// A page of the tenants this administrator may see whose name or display name contains
    /// `search` (case-insensitive), by name, from `offset`.
    async fn tenant_page(&self, admin: &AdminIdentity, search: &str, offset: u64) -> Result<TenantPage, AppError>;
    /// Creates a tenant (platform administrators only); audited. A refused field is
    /// `AppError::InvalidField`.
    async fn create_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        display_name: &str,
        profile: &str,
    ) -> Result<TenantSummary, AppError>;
    /// Changes a tenant's display name (platform administrators only); audited.
    async fn rename_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        display_name: &str,
    ) -> Result<TenantSummary, AppError>;
    /// Disables or enables a tenant (platform administrators only); audited. A disabled
    /// tenant's SCIM and token endpoints answer 403; its data is kept.
    async fn set_tenant_disabled(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        disabled: bool,
    ) -> Result<TenantSummary, AppError>;
    /// Deletes a tenant and all its data (platform administrators only), if `confirmation` is
    /// its exact name; audited (the trail outlives the tenant).
    async fn delete_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        confirmation: &str,
    ) -> Result<(), AppError>;
    /// The administrators of a tenant (visible to whoever may see the tenant).
    async fn tenant_admins(&self, admin: &AdminIdentity, tenant: &str) -> Result<TenantAdmins, AppError>;
    /// Grants a principal (`kind` subject, email or claim) the right to administer a tenant
    /// (platform administrators only); audited.
    async fn grant_admin(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: &str,
        principal: &str,
        read_only: bool,
    ) -> Result<TenantAdmins, AppError>;
    /// Removes a principal's right on a tenant (platform administrators only); audited.
    async fn revoke_admin(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: &str,
        principal: &str,
    ) -> Result<TenantAdmins, AppError>;
    /// A page of the audit trail: of one tenant, or platform-wide (`None`, platform
    /// administrators only); entries whose actor, action, summary or address contain `search`.
    async fn audit_page(
        &self,
        admin: &AdminIdentity,
        tenant: Option<&str>,
        search: &str,
        before: Option<i64>,
    ) -> Result<AuditPage, AppError>;
    /// The platform overview (platform administrators only).
    async fn platform_overview(&self, admin: &AdminIdentity) -> Result<PlatformOverview, AppError>;
    /// Remembers the tenant this administrator works in, to offer it first next time.
    async fn remember_tenant(&self, admin: &AdminIdentity, tenant: &str) -> Result<(), AppError>;
    /// The tenant this administrator worked in last, if they may still see it.
    async fn last_tenant(&self, admin: &AdminIdentity) -> Result<Option<String>, AppError>;
}

/// Attribute mappers and the user detail page. Refused input is `AppError::InvalidField` with
/// the field names of [`MapperSpec`] (`name`, `userAttribute`, `claim`, `jsonType`) or `import`.
#[async_trait::async_trait]
pub trait MappingBackend: Send + Sync {
    /// The Mappers section of a tenant.
    async fn mapper_panel(&self, admin: &AdminIdentity, tenant: &str) -> Result<MapperPanel, AppError>;
    /// Creates a mapper (`id` None) or changes one; audited. Existing users are re-derived.
    async fn save_mapper(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        id: Option<String>,
        spec: MapperSpec,
    ) -> Result<MapperRow, AppError>;
    /// Deletes a mapper; audited. Existing users are re-derived.
    async fn delete_mapper(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        id: &str,
    ) -> Result<(), AppError>;
    /// Creates the seven mappers of Microsoft Entra ID's setup guide, skipping any whose user
    /// attribute already has a mapper; returns how many it created. Audited.
    async fn apply_azure_defaults(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
    ) -> Result<u32, AppError>;
    /// The tenant's mappers as a JSON array of [`MapperSpec`] (pretty-printed).
    async fn export_mappers(&self, admin: &AdminIdentity, tenant: &str) -> Result<String, AppError>;
    /// Imports mappers exported from another tenant: with `replace`, they replace the tenant's
    /// mappers, else they are added. All or nothing; returns how many were stored. Audited.
    async fn import_mappers(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        json: &str,
        replace: bool,
    ) -> Result<u32, AppError>;
    /// One user: SCIM resource, internal attributes, claims preview, groups, history.
    async fn user_detail(&self, admin: &AdminIdentity, tenant: &str, user_id: &str) -> Result<UserDetail, AppError>;
    /// Deactivates a user by hand (`active` false); logged as done by this administrator.
    async fn deactivate_user(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        user_id: &str,
    ) -> Result<(), AppError>;
    /// Deletes a user by hand; logged as done by this administrator.
    async fn delete_user(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        user_id: &str,
    ) -> Result<(), AppError>;
}

/// The provisioning log viewer: filtered pages, a row's detail, the activity chart. Reads only:
/// whoever may see the tenant may use all of it.
#[async_trait::async_trait]
pub trait LogBackend: Send + Sync {
    /// A page of the tenant's provisioning log matching `query`, newest first: the rows older
    /// than `before`, or (the live tail) the newest rows newer than `after`. A filter value that
    /// cannot be read is `AppError::InvalidField` with its parameter name (`LogQuery::FROM`, …).
    async fn log_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &LogQuery,
        before: Option<i64>,
        after: Option<i64>,
    ) -> Result<LogPage, AppError>;
    /// One row of the tenant's log with its redacted request and response bodies.
    async fn log_entry(&self, admin: &AdminIdentity, tenant: &str, id: i64) -> Result<LogEntryDetail, AppError>;
    /// The tenant's requests and errors per interval over `range`.
    async fn log_chart(&self, admin: &AdminIdentity, tenant: &str, range: ChartRange) -> Result<LogChart, AppError>;
    /// The credentials the credential filter offers: the tenant's bearer secrets (revoked ones
    /// too) and its OAuth client.
    async fn log_credentials(&self, admin: &AdminIdentity, tenant: &str) -> Result<Vec<CredentialChoice>, AppError>;
}

/// The users and groups lists and the group detail page. Reads only: whoever may see the
/// tenant may use all of it. A SCIM filter that cannot be used is an answer
/// ([`crate::dto::ListPage::filter_error`], a count of `None`), not an error.
#[async_trait::async_trait]
pub trait DirectoryBackend: Send + Sync {
    /// A page of the tenant's users as `query` says.
    async fn user_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<UserPage, AppError>;
    /// How many of the tenant's users `query` matches (its page aside); `None` when its SCIM
    /// filter cannot be used.
    async fn user_count(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<Option<u64>, AppError>;
    /// A page of the tenant's groups as `query` says (its status aside).
    async fn group_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<GroupPage, AppError>;
    /// How many of the tenant's groups `query` matches; `None` when its SCIM filter cannot be
    /// used.
    async fn group_count(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<Option<u64>, AppError>;
    /// One group: its facts, SCIM resource and provisioning history.
    async fn group_detail(&self, admin: &AdminIdentity, tenant: &str, group_id: &str) -> Result<GroupDetail, AppError>;
    /// A page of a group's members, in id order.
    async fn group_members(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        group_id: &str,
        at: &PageAt,
    ) -> Result<MemberPage, AppError>;
}

/// Running a tenant day to day: the retention of its provisioning log and the onboarding
/// checklist of its SCIM integration.
#[async_trait::async_trait]
pub trait OperationsBackend: Send + Sync {
    /// The tenant's log retention and how many rows it would remove now.
    async fn log_retention(&self, admin: &AdminIdentity, tenant: &str) -> Result<LogRetention, AppError>;
    /// How many rows a retention of `days` / `rows` (`None`: no limit) would remove now.
    async fn preview_log_retention(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        days: Option<u32>,
        rows: Option<u64>,
    ) -> Result<u64, AppError>;
    /// Stores the tenant's log retention (audited) and starts pruning. Out-of-range values are
    /// `AppError::InvalidField` with the field `days` or `rows`.
    async fn set_log_retention(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        days: Option<u32>,
        rows: Option<u64>,
    ) -> Result<LogRetention, AppError>;
    /// The onboarding checklist of the tenant's SCIM integration, checked from its data now.
    async fn onboarding_checklist(&self, admin: &AdminIdentity, tenant: &str) -> Result<Checklist, AppError>;
}

/// *Integrations → Applications*: the applications a tenant provisions onward.
#[async_trait::async_trait]
pub trait OutboundBackend: Send + Sync {
    /// The tenant's applications with their delivery health and dead letters.
    async fn applications(&self, admin: &AdminIdentity, tenant: &str) -> Result<ApplicationsPanel, AppError>;
    /// Connects an application (audited, without its secret). A refused field is
    /// `AppError::InvalidField` with a name from [`crate::dto::application_fields`].
    async fn add_application(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        application: NewApplication,
    ) -> Result<AddedApplication, AppError>;
    /// Tests, syncs, pauses, resumes or removes an application, or retries or drops its dead
    /// letters (each change audited).
    async fn application_action(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        name: &str,
        action: ApplicationAction,
    ) -> Result<ActionReport, AppError>;
    /// Replaces a SCIM application's outbound mapping (text, one rule a line; `defaults`: the
    /// defaults) and queues everything in scope to push again (audited). A rule that does not
    /// check is `AppError::InvalidField` on [`crate::dto::application_fields::MAPPING`].
    async fn save_application_mapping(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        name: &str,
        mapping: &str,
        defaults: bool,
    ) -> Result<SavedMapping, AppError>;
    /// A user (id or userName) as the SCIM application would receive it under `mapping` (rules
    /// as text; empty: the stored ones), pretty-printed; an unknown user is
    /// `AppError::InvalidField` on [`crate::dto::application_fields::PREVIEW_USER`], a rule
    /// that does not check on [`crate::dto::application_fields::MAPPING`].
    async fn preview_application_user(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        name: &str,
        user: &str,
        mapping: &str,
    ) -> Result<String, AppError>;
}

/// *Settings → Alerts*: what a tenant's administrators are warned about, and where.
#[async_trait::async_trait]
pub trait AlertsBackend: Send + Sync {
    /// The tenant's alert settings, latest alerts and unsent messages.
    async fn alert_panel(&self, admin: &AdminIdentity, tenant: &str) -> Result<AlertPanel, AppError>;
    /// Stores the tenant's alert settings (audited; a new webhook gets a new signing secret,
    /// returned once). A refused field is `AppError::InvalidField` with a name from
    /// [`crate::dto::alert_fields`].
    async fn save_alerts(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        rules: AlertRules,
        webhook: WebhookEdit,
    ) -> Result<AlertsSaved, AppError>;
    /// Switches the tenant's alerts off (audited); open alerts resolve at the next evaluation.
    async fn alerts_off(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
    ) -> Result<AlertPanel, AppError>;
}

/// Tokens of the administration API: platform administration (a read-only platform
/// administrator may list them). Refused input is `AppError::InvalidField` with a name from
/// [`crate::dto::api_token_fields`].
#[async_trait::async_trait]
pub trait ApiTokensBackend: Send + Sync {
    /// Every token, newest first (never the tokens themselves).
    async fn api_tokens(&self, admin: &AdminIdentity) -> Result<Vec<ApiTokenRow>, AppError>;
    /// Makes a token (audited); the answer is the only time the token is sent.
    async fn create_api_token(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        request: NewApiToken,
    ) -> Result<CreatedApiToken, AppError>;
    /// Revokes a token at once (audited); `NotFound` unless it is usable.
    async fn revoke_api_token(&self, admin: &AdminIdentity, address: Option<String>, id: &str) -> Result<(), AppError>;
}

/// How the backend is stored in Leptos context.
pub type DynBackend = Arc<dyn AdminBackend>;

/// The backend from context.
pub fn backend() -> Result<DynBackend, AppError> {
    use_context::<DynBackend>().ok_or(AppError::Internal)
}

/// The backend and the administrator signed in on this request, if any.
pub async fn signed_in() -> Result<(DynBackend, Option<AdminIdentity>), AppError> {
    let backend = backend()?;
    let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
    let admin = backend.current_admin(&parts).await?;
    Ok((backend, admin))
}

/// The backend and the signed-in administrator; `Unauthenticated` when nobody is signed in
/// (see [`unauthenticated`] for the answer's status).
pub async fn authed() -> Result<(DynBackend, AdminIdentity), AppError> {
    let (backend, admin) = signed_in().await?;
    let admin = admin.ok_or_else(unauthenticated)?;
    Ok((backend, admin))
}

/// `AppError::Unauthenticated`, with status 401 on the answer when the browser called a server
/// function: leptos answers every server-function error with 500, which the server's trace
/// layer logs at error level, so anyone could fill the log by calling without a session. While
/// a page renders on the server (its server functions are called directly, the request is the
/// page's), the page's status stays as it is.
fn unauthenticated() -> AppError {
    let response = use_context::<leptos_axum::ResponseOptions>();
    let path = use_context::<Parts>().map(|parts| parts.uri.path().to_owned());
    if let (Some(response), Some(path)) = (response, path) {
        if leptos::server_fn::axum::server_fn_paths().any(|(fn_path, _)| fn_path == path) {
            response.set_status(http::StatusCode::UNAUTHORIZED);
        }
    }
    AppError::Unauthenticated
}

/// Like [`authed`], with the address the request came from (for the audit trail of changes).
pub async fn authed_with_address() -> Result<(DynBackend, AdminIdentity, Option<String>), AppError> {
    let (backend, admin) = authed().await?;
    let address = use_context::<Parts>().and_then(|parts| backend.client_address(&parts));
    Ok((backend, admin, address))
}
