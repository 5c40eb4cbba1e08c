//! The dashboard's backend: implements `app::backend::AdminBackend` over the database. Every
//! tenant-scoped method checks the administrator's right to that tenant here, on the server,
//! and answers `NotFound` — not `Forbidden` — so a tenant's existence does not leak.

use std::net::SocketAddr;

use app::backend::AdminBackend;
use app::dto::{
    AdminIdentity, AuditRow, CredentialRow, DirectoryReset, LogPage, LogRow, NewSecret, ScimIntegration, ScimSettings,
    SecretKind, TenantOverview, TenantSummary, UserPage, UserRow, MAX_GRACE_SECS,
};
use app::AppError;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use serde_json::{json, Value};
use tower_sessions::Session;

use crate::clock::rfc3339_ms;
use crate::db::audit::{AuditEntry, NewAuditEntry};
use crate::db::credential::{CredentialInfo, Kind};
use crate::db::tenant::{LinkMatch, Profile, ProvisioningSettings, Settings, Tenant};
use crate::db::{self, is_unique_violation, sql::Where};
use crate::secret::Secret;
use crate::state::AppState;

/// Rows per dashboard page.
const PAGE_SIZE: u64 = 50;

/// Audit entries the integration panel shows.
const AUDIT_ROWS: u32 = 20;

/// The backend over this process's state.
pub struct Backend {
    state: AppState,
}

impl Backend {
    /// A backend on `state`.
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    /// The tenant, if this administrator may see it.
    async fn tenant(&self, admin: &AdminIdentity, name: &str) -> Result<Tenant, AppError> {
        if !admin.can_access(name) {
            return Err(AppError::NotFound);
        }
        db::tenant::by_name(self.state.db.reader(), name).await.map_err(internal)?.ok_or(AppError::NotFound)
    }

    async fn summary(&self, tenant: &Tenant) -> Result<TenantSummary, AppError> {
        let (users, _) = db::user::totals(self.state.db.reader(), &tenant.id).await.map_err(internal)?;
        Ok(TenantSummary {
            name: tenant.name.clone(),
            display_name: tenant.display_name.clone(),
            profile: tenant.profile.as_str().to_owned(),
            user_count: users,
        })
    }

    /// Appends an audit entry of a change the administrator made to `tenant`. The change is
    /// already committed (the `db::` functions it used run their own transactions), so a failed
    /// append does not fail the request: it is logged in full instead, the server log being the
    /// trail of last resort, and the administrator still gets the answer (a rotated secret
    /// would otherwise be lost).
    async fn audit(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &Tenant,
        action: &str,
        detail: Value,
    ) {
        let entry = NewAuditEntry {
            tenant_id: Some(tenant.id.clone()),
            occurred_at: self.state.clock.now_ms(),
            actor_subject: admin.subject.clone(),
            actor_label: admin.label(),
            action: action.to_owned(),
            detail,
            client_addr,
        };
        if let Err(e) = db::audit::append(self.state.db.writer(), &entry).await {
            tracing::error!(
                error = %e, tenant = %tenant.name, actor = %entry.actor_subject, action = %entry.action,
                detail = %entry.detail, "could not write the audit trail"
            );
        }
    }
}

/// The secret's prefix, which lets secret scanners recognise it (the CLI uses the same).
fn secret_prefix(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Bearer => "scimhub_",
        SecretKind::ClientSecret => "scimhub_cs_",
    }
}

fn kind_of(kind: SecretKind) -> Kind {
    match kind {
        SecretKind::Bearer => Kind::Bearer,
        SecretKind::ClientSecret => Kind::ClientSecret,
    }
}

/// The audit action of a rotation or revocation.
fn secret_action(kind: SecretKind, verb: &str) -> String {
    let noun = match kind {
        SecretKind::Bearer => "scim_secret",
        SecretKind::ClientSecret => "client_secret",
    };
    format!("{noun}.{verb}")
}

fn credential_row(c: CredentialInfo) -> CredentialRow {
    let kind = match c.kind {
        Kind::Bearer => SecretKind::Bearer,
        Kind::ClientSecret => SecretKind::ClientSecret,
    };
    CredentialRow {
        id: c.id,
        kind,
        // Only the hash is stored, so the prefix is all that can be shown.
        hint: format!("{}…", secret_prefix(kind)),
        client_id: c.client_id,
        created_at: rfc3339_ms(c.created_at),
        last_used_at: c.last_used_at.map(rfc3339_ms),
        expires_at: c.expires_at.map(rfc3339_ms),
    }
}

fn settings_dto(s: &Settings) -> ScimSettings {
    ScimSettings {
        enabled: s.scim_enabled,
        profile: s.profile.as_str().to_owned(),
        azure_tenant_id: s.auth.azure_tenant_id.clone(),
        remote_token_auth: s.auth.remote_token_auth,
        link_users_by: s.provisioning.link_users_by.map_or("off", LinkMatch::as_str).to_owned(),
        required_attributes: s.provisioning.required_attributes.clone(),
    }
}

/// Checks the panel's input and applies it to the current settings; a refused field is
/// `InvalidField` with a message that explains the expected form.
fn apply_settings(current: &Settings, input: &ScimSettings) -> Result<Settings, AppError> {
    let field = |name: &str, message: String| AppError::InvalidField(name.to_owned(), message);
    let profile = Profile::parse(&input.profile)
        .ok_or_else(|| field(ScimSettings::PROFILE, "Choose the Generic or the Azure profile.".into()))?;
    let azure_tenant_id = match input.azure_tenant_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(
            db::tenant::parse_azure_tenant_id(id).map_err(|e| field(ScimSettings::AZURE_TENANT_ID, format!("{e}.")))?,
        ),
        None if profile == Profile::Azure => {
            return Err(field(
                ScimSettings::AZURE_TENANT_ID,
                "The Azure profile needs the Azure tenant ID of your Microsoft Entra ID tenant (Entra admin \
                 center → Overview → Tenant ID)."
                    .into(),
            ))
        }
        None => None,
    };
    let link_users_by =
        LinkMatch::parse(&input.link_users_by).map_err(|e| field(ScimSettings::LINK_USERS_BY, format!("{e}.")))?;
    let required_attributes = db::tenant::parse_required_attributes(&input.required_attributes)
        .map_err(|e| field(ScimSettings::REQUIRED_ATTRIBUTES, format!("{e}.")))?;
    let mut next = current.clone();
    next.profile = profile;
    next.scim_enabled = input.enabled;
    next.auth.azure_tenant_id = azure_tenant_id;
    next.auth.remote_token_auth = input.remote_token_auth;
    next.provisioning = ProvisioningSettings { link_users_by, required_attributes };
    Ok(next)
}

/// What changed between two settings, as the audit detail: `{"field": {"from": …, "to": …}}`.
fn settings_changes(before: &ScimSettings, after: &ScimSettings) -> serde_json::Map<String, Value> {
    let mut changes = serde_json::Map::new();
    let mut note = |name: &str, from: Value, to: Value| {
        if from != to {
            changes.insert(name.to_owned(), json!({ "from": from, "to": to }));
        }
    };
    note("enabled", before.enabled.into(), after.enabled.into());
    note("profile", before.profile.clone().into(), after.profile.clone().into());
    note("azureTenantId", json!(before.azure_tenant_id), json!(after.azure_tenant_id));
    note("remoteTokenAuth", before.remote_token_auth.into(), after.remote_token_auth.into());
    note("linkUsersBy", before.link_users_by.clone().into(), after.link_users_by.clone().into());
    note("requiredAttributes", json!(before.required_attributes), json!(after.required_attributes));
    changes
}

/// An audit entry in words.
fn audit_summary(action: &str, detail: &Value) -> String {
    let grace = |d: &Value| match d["graceSecs"].as_u64().unwrap_or(0) {
        0 if d["superseded"].as_u64().unwrap_or(0) == 0 => String::new(),
        0 => "; the previous one was revoked".to_owned(),
        secs => format!("; the previous one works for {} more", grace_words(secs)),
    };
    match action {
        "scim_settings.update" => {
            let Some(changes) = detail["changes"].as_object() else {
                return "Updated the SCIM settings".to_owned();
            };
            // In the form's order, whatever order the JSON object keeps.
            let parts: Vec<String> =
                ["enabled", "profile", "azureTenantId", "remoteTokenAuth", "linkUsersBy", "requiredAttributes"]
                .into_iter()
                .filter_map(|field| Some((field, changes.get(field)?)))
                .map(|(field, change)| {
                    let (from, to) = (&change["from"], &change["to"]);
                    match field {
                        "enabled" => {
                            format!("endpoint {}", if to.as_bool() == Some(true) { "enabled" } else { "disabled" })
                        }
                        "profile" => format!("profile {} → {}", profile_word(from), profile_word(to)),
                        "azureTenantId" => match to.as_str() {
                            Some(id) => format!("Azure tenant ID set to {id}"),
                            None => "Azure tenant ID removed".to_owned(),
                        },
                        "linkUsersBy" => match to.as_str() {
                            Some("off") | None => "user linking on creation off".to_owned(),
                            Some(by) => format!("user linking on creation by {by}"),
                        },
                        "requiredAttributes" => match to.as_array().map(Vec::as_slice) {
                            Some([]) | None => "no attributes required".to_owned(),
                            Some(list) => format!(
                                "required attributes: {}",
                                list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                            ),
                        },
                        _ => format!(
                            "remote token authentication {}",
                            if to.as_bool() == Some(true) { "on" } else { "off" }
                        ),
                    }
                })
                .collect();
            format!("Updated the SCIM settings: {}", parts.join("; "))
        }
        "scim_secret.rotate" => format!("Generated a new SCIM secret token{}", grace(detail)),
        "client_secret.rotate" => format!(
            "Generated a new client secret for {}{}",
            detail["clientId"].as_str().unwrap_or("the OAuth client"),
            grace(detail)
        ),
        "scim_secret.revoke" => format!("Revoked {} SCIM secret token(s)", detail["revoked"].as_u64().unwrap_or(0)),
        "client_secret.revoke" => format!("Revoked {} client secret(s)", detail["revoked"].as_u64().unwrap_or(0)),
        "directory.reset" => format!(
            "Reset the directory: deleted {} user(s) and {} group(s)",
            detail["users"].as_u64().unwrap_or(0),
            detail["groups"].as_u64().unwrap_or(0)
        ),
        other => other.to_owned(),
    }
}

fn profile_word(v: &Value) -> &'static str {
    match v.as_str() {
        Some("azure") => "Azure",
        _ => "Generic",
    }
}

/// A grace period in words ("1 hour", "7 days", "90 seconds").
fn grace_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn audit_row(a: AuditEntry) -> AuditRow {
    AuditRow {
        id: a.id,
        time: rfc3339_ms(a.entry.occurred_at),
        summary: audit_summary(&a.entry.action, &a.entry.detail),
        actor: a.entry.actor_label,
        client_addr: a.entry.client_addr,
    }
}

/// Logs a server-side failure and hides it from the browser.
fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "dashboard request failed");
    AppError::Internal
}

#[async_trait::async_trait]
impl AdminBackend for Backend {
    async fn current_admin(&self, request: &Parts) -> Result<Option<AdminIdentity>, AppError> {
        let Some(session) = request.extensions.get::<Session>() else {
            return Ok(None);
        };
        crate::auth::session::current_admin(session).await.map_err(internal)
    }

    fn sso_configured(&self) -> bool {
        self.state.oidc.is_configured()
    }

    async fn list_tenants(&self, admin: &AdminIdentity) -> Result<Vec<TenantSummary>, AppError> {
        let tenants = db::tenant::list(self.state.db.reader()).await.map_err(internal)?;
        let mut out = Vec::new();
        for tenant in tenants.iter().filter(|t| admin.can_access(&t.name)) {
            out.push(self.summary(tenant).await?);
        }
        Ok(out)
    }

    async fn create_tenant(&self, admin: &AdminIdentity, name: &str, profile: &str) -> Result<TenantSummary, AppError> {
        if !admin.platform_admin {
            return Err(AppError::Forbidden);
        }
        db::tenant::validate_name(name).map_err(|e| AppError::Invalid(e.to_string()))?;
        let profile =
            Profile::parse(profile).ok_or_else(|| AppError::Invalid("the profile is Generic or Azure".into()))?;
        let tenant = db::tenant::insert(self.state.db.writer(), name, profile, self.state.clock.now_ms())
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::Invalid(format!("a tenant named \"{name}\" already exists"))
                } else {
                    internal(e)
                }
            })?;
        tracing::info!(tenant = %tenant.name, by = %admin.label(), "tenant created");
        self.summary(&tenant).await
    }

    async fn tenant_overview(&self, admin: &AdminIdentity, tenant: &str) -> Result<TenantOverview, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let pool = self.state.db.reader();
        let (users, active) = db::user::totals(pool, &tenant.id).await.map_err(internal)?;
        let day_ago = self.state.clock.now_ms() - 24 * 3600 * 1000;
        let (requests, errors, last) = db::log::activity(pool, &tenant.id, day_ago).await.map_err(internal)?;
        Ok(TenantOverview {
            scim_endpoint: self.state.scim_base_url(&tenant.name),
            scim_enabled: tenant.scim_enabled,
            tenant: self.summary(&tenant).await?,
            users,
            active,
            requests_24h: requests,
            errors_24h: errors,
            last_request_at: last.map(rfc3339_ms),
        })
    }

    async fn list_users(&self, admin: &AdminIdentity, tenant: &str, start_index: u64) -> Result<UserPage, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let pool = self.state.db.reader();
        let start_index = start_index.max(1);
        let total = db::user::count(pool, &tenant.id, &Where::all()).await.map_err(internal)?;
        let records = db::user::list(pool, &tenant.id, &Where::all(), None, start_index - 1, PAGE_SIZE)
            .await
            .map_err(internal)?;
        Ok(UserPage {
            users: records
                .into_iter()
                .map(|r| UserRow {
                    id: r.id,
                    user_name: r.user_name,
                    display_name: r.display_name,
                    external_id: r.external_id,
                    active: r.active,
                    last_modified: rfc3339_ms(r.updated_at),
                })
                .collect(),
            total,
            start_index,
            page_size: PAGE_SIZE,
        })
    }

    async fn list_log(&self, admin: &AdminIdentity, tenant: &str, before: Option<i64>) -> Result<LogPage, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let limit = u32::try_from(PAGE_SIZE).unwrap_or(50);
        let rows = db::log::page(self.state.db.reader(), &tenant.id, before, limit).await.map_err(internal)?;
        let next_before = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.id)).flatten();
        Ok(LogPage {
            rows: rows
                .into_iter()
                .map(|r| {
                    let e = r.entry;
                    LogRow {
                        id: r.id,
                        time: rfc3339_ms(e.occurred_at),
                        method: e.method,
                        path: e.path,
                        operation: e.operation,
                        status: e.status,
                        resource: e.resource_id.map(|id| format!("{}/{id}", e.resource_type.unwrap_or_default())),
                        user_name: e.user_name,
                        detail: e.detail.or(e.scim_type),
                        latency_ms: e.latency_us as f64 / 1000.0,
                    }
                })
                .collect(),
            next_before,
        })
    }

    fn client_address(&self, request: &Parts) -> Option<String> {
        request.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
    }

    async fn scim_integration(&self, admin: &AdminIdentity, tenant: &str) -> Result<ScimIntegration, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let pool = self.state.db.reader();
        let now = self.state.clock.now_ms();
        let credentials = db::credential::list_active(pool, &tenant.id, now).await.map_err(internal)?;
        let client_id = db::credential::client_id(pool, &tenant.id).await.map_err(internal)?;
        let audit = db::audit::page(pool, &tenant.id, None, AUDIT_ROWS).await.map_err(internal)?;
        Ok(ScimIntegration {
            settings: settings_dto(&tenant.settings()),
            scim_endpoint: self.state.scim_base_url(&tenant.name),
            token_endpoint: format!(
                "{}/protocol/openid-connect/token",
                crate::oauth::jwt::issuer(&self.state, &tenant.name)
            ),
            tenant: tenant.name,
            client_id,
            credentials: credentials.into_iter().map(credential_row).collect(),
            audit: audit.into_iter().map(audit_row).collect(),
        })
    }

    async fn update_scim_settings(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        settings: ScimSettings,
    ) -> Result<ScimSettings, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let before = tenant.settings();
        let after = apply_settings(&before, &settings)?;
        let changes = settings_changes(&settings_dto(&before), &settings_dto(&after));
        if !changes.is_empty() {
            let now = self.state.clock.now_ms();
            if !db::tenant::update_settings(self.state.db.writer(), &tenant.id, &after, now).await.map_err(internal)? {
                return Err(AppError::NotFound);
            }
            tracing::info!(tenant = %tenant.name, by = %admin.label(), "SCIM settings updated");
            self.audit(admin, client_addr, &tenant, "scim_settings.update", json!({ "changes": changes })).await;
        }
        Ok(settings_dto(&after))
    }

    async fn rotate_secret(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: SecretKind,
        grace_secs: u64,
    ) -> Result<NewSecret, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        if grace_secs > MAX_GRACE_SECS {
            return Err(AppError::InvalidField(
                "graceSecs".into(),
                format!("The grace period is at most {}.", grace_words(MAX_GRACE_SECS)),
            ));
        }
        let grace_ms = i64::try_from(grace_secs).unwrap_or(0).saturating_mul(1000);
        let secret = Secret::generate(secret_prefix(kind));
        let now = self.state.clock.now_ms();
        let rotated =
            db::credential::rotate(self.state.db.writer(), &tenant.id, kind_of(kind), &secret.hash(), now, grace_ms)
                .await
                .map_err(internal)?;
        tracing::info!(tenant = %tenant.name, by = %admin.label(), kind = kind.label(), "secret rotated");
        let detail = json!({
            "credentialId": rotated.credential_id,
            "clientId": rotated.client_id,
            "graceSecs": grace_secs,
            "superseded": rotated.superseded,
        });
        self.audit(admin, client_addr, &tenant, &secret_action(kind, "rotate"), detail).await;
        Ok(NewSecret {
            kind,
            secret: secret.expose().to_owned(),
            credential_id: rotated.credential_id,
            client_id: rotated.client_id,
            superseded: rotated.superseded,
            previous_valid_until: (rotated.superseded > 0 && grace_ms > 0).then(|| rfc3339_ms(now + grace_ms)),
        })
    }

    async fn revoke_secrets(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        kind: SecretKind,
    ) -> Result<u64, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let (pool, now) = (self.state.db.writer(), self.state.clock.now_ms());
        let revoked = match kind {
            SecretKind::Bearer => db::credential::revoke_bearer(pool, &tenant.id, now).await,
            SecretKind::ClientSecret => db::credential::revoke_client_secrets(pool, &tenant.id, None, now).await,
        }
        .map_err(internal)?;
        tracing::info!(tenant = %tenant.name, by = %admin.label(), kind = kind.label(), revoked, "secrets revoked");
        self.audit(admin, client_addr, &tenant, &secret_action(kind, "revoke"), json!({ "revoked": revoked })).await;
        Ok(revoked)
    }

    async fn reset_directory(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        confirmation: &str,
    ) -> Result<DirectoryReset, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        if confirmation != tenant.name {
            return Err(AppError::InvalidField(
                "confirmation".into(),
                format!("Type the tenant's exact name, \"{}\", to confirm (it is case-sensitive).", tenant.name),
            ));
        }
        let removed = db::directory::reset(self.state.db.writer(), &tenant.id).await.map_err(internal)?;
        tracing::warn!(tenant = %tenant.name, by = %admin.label(), users = removed.users, groups = removed.groups, "directory reset");
        let detail = json!({ "users": removed.users, "groups": removed.groups });
        self.audit(admin, client_addr, &tenant, "directory.reset", detail).await;
        Ok(DirectoryReset { users: removed.users, groups: removed.groups })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(enabled: bool, profile: &str, azure: Option<&str>, remote: bool) -> ScimSettings {
        ScimSettings {
            enabled,
            profile: profile.into(),
            azure_tenant_id: azure.map(str::to_owned),
            remote_token_auth: remote,
            link_users_by: "off".into(),
            required_attributes: Vec::new(),
        }
    }

    #[test]
    fn grace_periods_read_as_words() {
        assert_eq!(grace_words(3600), "1 hour");
        assert_eq!(grace_words(7 * 86_400), "7 days");
        assert_eq!(grace_words(120), "2 minutes");
        assert_eq!(grace_words(61), "61 seconds");
    }

    #[test]
    fn settings_changes_name_only_what_changed_and_read_in_form_order() {
        let before = dto(true, "generic", None, false);
        let after = dto(false, "azure", Some("72f988bf-86f1-41af-91ab-2d7cd011db47"), true);
        let changes = settings_changes(&before, &after);
        assert_eq!(changes.len(), 4);
        assert!(settings_changes(&before, &before).is_empty());
        let summary = audit_summary("scim_settings.update", &json!({ "changes": changes }));
        assert_eq!(
            summary,
            "Updated the SCIM settings: endpoint disabled; profile Generic → Azure; Azure tenant ID set to \
             72f988bf-86f1-41af-91ab-2d7cd011db47; remote token authentication on"
        );
        let back = json!({ "changes": settings_changes(&after, &before) });
        assert_eq!(
            audit_summary("scim_settings.update", &back),
            "Updated the SCIM settings: endpoint enabled; profile Azure → Generic; Azure tenant ID removed; \
             remote token authentication off"
        );
        let mut advanced = before.clone();
        advanced.link_users_by = "email".into();
        advanced.required_attributes = vec!["displayName".into(), "emails".into()];
        let change = json!({ "changes": settings_changes(&before, &advanced) });
        assert_eq!(
            audit_summary("scim_settings.update", &change),
            "Updated the SCIM settings: user linking on creation by email; required attributes: displayName, emails"
        );
        let undo = json!({ "changes": settings_changes(&advanced, &before) });
        assert_eq!(
            audit_summary("scim_settings.update", &undo),
            "Updated the SCIM settings: user linking on creation off; no attributes required"
        );
        assert_eq!(audit_summary("something.else", &Value::Null), "something.else");
    }

    #[test]
    fn panel_input_is_checked_field_by_field() {
        let current = Settings {
            profile: Profile::Generic,
            scim_enabled: true,
            auth: crate::db::tenant::AuthSettings::default(),
            provisioning: ProvisioningSettings::default(),
        };
        let field_of = |input: ScimSettings| match apply_settings(&current, &input) {
            Err(AppError::InvalidField(field, _)) => Some(field),
            _ => None,
        };
        assert_eq!(field_of(dto(true, "azure", None, false)).as_deref(), Some(ScimSettings::AZURE_TENANT_ID));
        assert_eq!(field_of(dto(true, "azure", Some("x"), false)).as_deref(), Some(ScimSettings::AZURE_TENANT_ID));
        assert_eq!(field_of(dto(true, "okta", None, false)).as_deref(), Some(ScimSettings::PROFILE));
        let advanced = |link: &str, required: &[&str]| ScimSettings {
            link_users_by: link.into(),
            required_attributes: required.iter().map(|r| (*r).to_owned()).collect(),
            ..dto(true, "generic", None, false)
        };
        assert_eq!(field_of(advanced("mail", &[])).as_deref(), Some(ScimSettings::LINK_USERS_BY));
        assert_eq!(field_of(advanced("off", &["meta"])).as_deref(), Some(ScimSettings::REQUIRED_ATTRIBUTES));
        let linked = apply_settings(&current, &advanced("externalId", &["displayName"])).unwrap();
        assert_eq!(linked.provisioning.link_users_by, Some(LinkMatch::ExternalId));
        assert_eq!(linked.provisioning.required_attributes, vec!["displayName".to_owned()]);
        let next = apply_settings(&current, &dto(false, "Azure", Some(" 72F988BF-86F1-41AF-91AB-2D7CD011DB47 "), true))
            .unwrap();
        assert_eq!(next.profile, Profile::Azure);
        assert_eq!(next.auth.azure_tenant_id.as_deref(), Some("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!next.scim_enabled && next.auth.remote_token_auth);
        assert_eq!(next.auth.token_ttl_secs, current.auth.token_ttl_secs);
        // The Generic profile needs no Azure tenant ID; an empty field removes it.
        assert_eq!(apply_settings(&next, &dto(true, "generic", Some(""), false)).unwrap().auth.azure_tenant_id, None);
    }
}
