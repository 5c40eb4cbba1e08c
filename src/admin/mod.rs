//! The dashboard's backend: implements `app::backend::AdminBackend` over the database. Every
//! tenant-scoped method checks the administrator's right to that tenant here, on the server,
//! and answers `NotFound` — not `Forbidden` — so a tenant's existence does not leak; a tenant
//! the administrator may only look at answers changes with `Forbidden`. The rights themselves
//! are decided afresh on every request (`crate::rights`).

mod alerts;
mod api_tokens;
mod audit_text;
mod directory;
pub mod export;
mod log_viewer;
mod management;
mod mapping;
mod operations;
mod outbound;
pub(crate) mod settings;

pub use self::management::BREAK_GLASS_ACTION;

use std::net::SocketAddr;

use app::backend::AdminBackend;
use app::dto::{
    AdminIdentity, AuditRow, CredentialRow, DirectoryReset, NewSecret, ScimIntegration, ScimSettings, SecretKind,
    TenantOverview, TenantSummary, MAX_GRACE_SECS,
};
use app::AppError;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use serde_json::{json, Value};

use self::audit_text::{audit_summary, grace_words};
use self::log_viewer::log_row;
use self::settings::{apply_settings, settings_changes, settings_dto};
use tower_sessions::Session;

use crate::clock::rfc3339_ms;
use crate::db::audit::{AuditEntry, NewAuditEntry};
use crate::db::credential::{CredentialInfo, Kind};
use crate::db::{self, sql::Where};
use crate::secret::Secret;
use crate::state::AppState;
use crate::tenant::Tenant;

/// Audit entries the integration panel shows.
const AUDIT_ROWS: u32 = 20;

/// The backend over this process's state.
#[derive(Clone)]
pub struct Backend {
    state: AppState,
}

impl Backend {
    /// A backend on `state`.
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    /// The process's state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The tenant, if this administrator may see it.
    async fn tenant(&self, admin: &AdminIdentity, name: &str) -> Result<Tenant, AppError> {
        let found = match admin.can_access(name) {
            true => db::tenant::by_name(&self.state.db, name).await.or_internal()?,
            false => None,
        };
        match found {
            Some(tenant) => Ok(tenant),
            None => Err(self.missing_tenant(admin, name).await),
        }
    }

    /// Why `name` names no tenant for this administrator: a tenant they may see whose name
    /// differs only in case is suggested (the dashboard only: the SCIM API answers 404 alike
    /// for every name, so it tells nobody which tenants exist); else `NotFound`.
    async fn missing_tenant(&self, admin: &AdminIdentity, name: &str) -> AppError {
        let wanted = name.to_lowercase();
        let Ok(tenants) = db::tenant::list(&self.state.db).await else {
            return AppError::NotFound;
        };
        let mut alike = tenants.into_iter().filter(|t| t.name.to_lowercase() == wanted && admin.can_access(&t.name));
        match (alike.next(), alike.next()) {
            (Some(tenant), None) => AppError::TenantInOtherCase(tenant.name),
            _ => AppError::NotFound,
        }
    }

    /// The tenant, if this administrator may change it: `NotFound` if they may not see it,
    /// `Forbidden` if they may only look.
    async fn tenant_for_change(&self, admin: &AdminIdentity, name: &str) -> Result<Tenant, AppError> {
        let tenant = self.tenant(admin, name).await?;
        if admin.can_change(&tenant.name) {
            Ok(tenant)
        } else {
            Err(AppError::Forbidden)
        }
    }

    async fn summary(&self, tenant: &Tenant) -> Result<TenantSummary, AppError> {
        let (users, _) = db::user::totals(&self.state.db, &tenant.id).await.or_internal()?;
        Ok(TenantSummary {
            name: tenant.name.clone(),
            display_name: tenant.display_name.clone(),
            profile: tenant.profile.as_str().to_owned(),
            user_count: users,
            disabled: tenant.disabled_at.is_some(),
        })
    }

    /// Appends an audit entry of a change the administrator made to `tenant`, which is already
    /// committed (the `db::` functions it used run their own transactions), so a failed append
    /// is logged instead of failing the request ([`db::audit::append_or_log`]).
    async fn audit(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &Tenant,
        action: &str,
        detail: Value,
    ) {
        // Every change an administrator makes is audited here: SCIM requests must see it now.
        self.state.forget_cached();
        let entry = NewAuditEntry {
            tenant_id: Some(tenant.id.clone()),
            occurred_at: self.state.clock.now_ms(),
            actor_subject: admin.subject.clone(),
            actor_label: admin.label(),
            action: action.to_owned(),
            detail,
            client_addr,
        };
        db::audit::append_or_log(&self.state.db, &entry).await;
    }
}

/// What a statement that changes one row reports, as an answer: `NotFound` when it changed
/// none (the tenant or the row went meanwhile), so the change is neither confirmed nor audited.
fn changed_one(changed: Result<bool, sqlx::Error>) -> Result<(), AppError> {
    if changed.or_internal()? {
        Ok(())
    } else {
        Err(AppError::NotFound)
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

/// An audit entry as the dashboard lists it; `tenant_name` names the entry's tenant.
fn audit_row(a: AuditEntry, tenant_name: impl Fn(&str) -> Option<String>) -> AuditRow {
    AuditRow {
        id: a.id,
        time: rfc3339_ms(a.entry.occurred_at),
        tenant: a.entry.tenant_id.as_deref().map(|id| tenant_name(id).unwrap_or_else(|| id.to_owned())),
        summary: audit_summary(&a.entry.action, &a.entry.detail),
        action: a.entry.action,
        actor: a.entry.actor_label,
        client_addr: a.entry.client_addr,
    }
}

/// Logs a server-side failure, with the line that gave up on it, and hides it from the browser.
#[track_caller]
pub(crate) fn internal(e: impl std::fmt::Display) -> AppError {
    let at = std::panic::Location::caller();
    tracing::error!(error = %e, file = at.file(), line = at.line(), "dashboard request failed");
    AppError::Internal
}

/// Turns any failure the administrator cannot act on into [`AppError::Internal`] (see
/// [`internal`]): `db::tenant::list(pool).await.or_internal()?`. A refusal the administrator can
/// act on is mapped before this (e.g. [`db::UniqueViolationExt::on_unique`]).
pub(crate) trait OrInternal<T> {
    /// The value, or [`AppError::Internal`] after logging the error.
    fn or_internal(self) -> Result<T, AppError>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self) -> Result<T, AppError> {
        match self {
            Ok(value) => Ok(value),
            Err(e) => Err(internal(e)),
        }
    }
}

#[async_trait::async_trait]
impl AdminBackend for Backend {
    async fn current_admin(&self, request: &Parts) -> Result<Option<AdminIdentity>, AppError> {
        // Decided already by the page guard for this request (`admin_sign_in::session::require_admin`).
        if let Some(admin) = request.extensions.get::<AdminIdentity>() {
            return Ok(Some(admin.clone()));
        }
        let Some(session) = request.extensions.get::<Session>() else {
            return Ok(None);
        };
        let Some(identity) = crate::admin_sign_in::session::current_admin(session).await.or_internal()? else {
            return Ok(None);
        };
        let admin = crate::rights::resolve(&self.state.db, &self.state.config.oidc, identity).await.or_internal()?;
        // Rights revoked since sign-in: the session no longer counts.
        Ok(crate::rights::has_any_right(&admin).then_some(admin))
    }

    fn sso_configured(&self) -> bool {
        self.state.oidc.is_configured()
    }

    async fn list_tenants(&self, admin: &AdminIdentity) -> Result<Vec<TenantSummary>, AppError> {
        let tenants = db::tenant::list(&self.state.db).await.or_internal()?;
        let mut out = Vec::new();
        for tenant in tenants.iter().filter(|t| admin.can_access(&t.name)) {
            out.push(self.summary(tenant).await?);
        }
        Ok(out)
    }

    async fn tenant_overview(&self, admin: &AdminIdentity, tenant: &str) -> Result<TenantOverview, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        self.state.flush_logs().await;
        let db = &self.state.db;
        let (users, active) = db::user::totals(db, &tenant.id).await.or_internal()?;
        let groups = db::group::count(&self.state.db, &tenant.id, &Where::all()).await.or_internal()?;
        let day_ago = self.state.clock.now_ms() - 24 * 3600 * 1000;
        let (requests, errors, last) = db::log::activity(db, &tenant.id, day_ago).await.or_internal()?;
        Ok(TenantOverview {
            scim_endpoint: self.state.scim_base_url(&tenant.name),
            scim_enabled: tenant.scim_enabled,
            tenant: self.summary(&tenant).await?,
            users,
            active,
            groups,
            requests_24h: requests,
            errors_24h: errors,
            last_request_at: last.map(rfc3339_ms),
            applications: self.application_rows(&tenant).await?,
            open_alerts: self.open_alerts(&tenant).await?,
        })
    }

    fn client_address(&self, request: &Parts) -> Option<String> {
        request.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
    }

    async fn scim_integration(&self, admin: &AdminIdentity, tenant: &str) -> Result<ScimIntegration, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let db = &self.state.db;
        let now = self.state.clock.now_ms();
        let credentials = db::credential::list_active(db, &tenant.id, now).await.or_internal()?;
        let client_id = db::credential::client_id(db, &tenant.id).await.or_internal()?;
        let audit = db::audit::page(db, &tenant.id, None, AUDIT_ROWS).await.or_internal()?;
        let audit = audit.into_iter().map(|a| audit_row(a, |_| Some(tenant.name.clone()))).collect();
        Ok(ScimIntegration {
            settings: settings_dto(&tenant.settings()),
            scim_endpoint: self.state.scim_base_url(&tenant.name),
            token_endpoint: format!(
                "{}/protocol/openid-connect/token",
                crate::scim_tokens::jwt::issuer(&self.state, &tenant.name)
            ),
            tenant: tenant.name,
            client_id,
            credentials: credentials.into_iter().map(credential_row).collect(),
            audit,
        })
    }

    async fn update_scim_settings(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        settings: ScimSettings,
    ) -> Result<ScimSettings, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let before = tenant.settings();
        let after = apply_settings(&before, &settings)?;
        let changes = settings_changes(&settings_dto(&before), &settings_dto(&after));
        if !changes.is_empty() {
            let now = self.state.clock.now_ms();
            changed_one(db::tenant::update_settings(&self.state.db, &tenant.id, &after, now).await)?;
            self.audit(admin, client_addr, &tenant, "scim_settings.update", json!({ "changes": changes })).await;
            tracing::info!(tenant = %tenant.name, by = %admin.label(), "SCIM settings updated");
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
        let tenant = self.tenant_for_change(admin, tenant).await?;
        if grace_secs > MAX_GRACE_SECS {
            return Err(AppError::InvalidField(
                "graceSecs".into(),
                format!("The grace period is at most {}.", grace_words(MAX_GRACE_SECS)),
            ));
        }
        let grace_ms = i64::try_from(grace_secs).unwrap_or(0).saturating_mul(1000);
        let secret = Secret::generate(secret_prefix(kind));
        let now = self.state.clock.now_ms();
        let rotated = db::credential::rotate(&self.state.db, &tenant.id, kind_of(kind), &secret.hash(), now, grace_ms)
            .await
            .or_internal()?;
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
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let (db, now) = (&self.state.db, self.state.clock.now_ms());
        let revoked = match kind {
            SecretKind::Bearer => db::credential::revoke_bearer(db, &tenant.id, now).await,
            SecretKind::ClientSecret => db::credential::revoke_client_secrets(db, &tenant.id, None, now).await,
        }
        .or_internal()?;
        tracing::info!(tenant = %tenant.name, by = %admin.label(), kind = kind.label(), revoked, "secrets revoked");
        self.audit(admin, client_addr, &tenant, &secret_action(kind, "revoke"), json!({ "revoked": revoked })).await;
        Ok(revoked)
    }

    async fn end_grace(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        credential_id: &str,
    ) -> Result<(), AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let now = self.state.clock.now_ms();
        let kind =
            match db::credential::end_grace(&self.state.db, &tenant.id, credential_id, now).await.or_internal()? {
                Some(Kind::Bearer) => SecretKind::Bearer,
                Some(Kind::ClientSecret) => SecretKind::ClientSecret,
                None => return Err(AppError::NotFound),
            };
        tracing::info!(tenant = %tenant.name, by = %admin.label(), kind = kind.label(), "grace period ended");
        let detail = json!({ "credentialId": credential_id });
        self.audit(admin, client_addr, &tenant, &secret_action(kind, "end_grace"), detail).await;
        Ok(())
    }

    async fn reset_directory(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        tenant: &str,
        confirmation: &str,
    ) -> Result<DirectoryReset, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        if confirmation != tenant.name {
            return Err(AppError::InvalidField(
                "confirmation".into(),
                format!("Type the tenant's exact name, \"{}\", to confirm (it is case-sensitive).", tenant.name),
            ));
        }
        let removed = db::directory::reset(&self.state.db, &tenant.id).await.or_internal()?;
        tracing::warn!(tenant = %tenant.name, by = %admin.label(), users = removed.users, groups = removed.groups, "directory reset");
        let detail = json!({ "users": removed.users, "groups": removed.groups });
        self.audit(admin, client_addr, &tenant, "directory.reset", detail).await;
        Ok(DirectoryReset { users: removed.users, groups: removed.groups })
    }
}
