//! The dashboard's backend: implements `app::backend::AdminBackend` over the database. Every
//! tenant-scoped method checks the administrator's right to that tenant here, on the server,
//! and answers `NotFound` — not `Forbidden` — so a tenant's existence does not leak.

use app::backend::AdminBackend;
use app::dto::{AdminIdentity, LogPage, LogRow, TenantOverview, TenantSummary, UserPage, UserRow};
use app::AppError;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::clock::rfc3339_ms;
use crate::db::tenant::{Profile, Tenant};
use crate::db::{self, is_unique_violation, sql::Where};
use crate::state::AppState;

/// Rows per dashboard page.
const PAGE_SIZE: u64 = 50;

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
}
