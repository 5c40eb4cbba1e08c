//! Running a tenant day to day (`app::backend::OperationsBackend`): the retention of its
//! provisioning log and the onboarding checklist of its SCIM integration.

use app::backend::OperationsBackend;
use app::dto::{
    retention_fields, AdminIdentity, Checklist, ChecklistItem, LogRetention, MAX_RETENTION_DAYS, MIN_RETENTION_ROWS,
};
use app::AppError;
use serde_json::json;

use super::{Backend, OrInternal};
use crate::clock::rfc3339_ms;
use crate::db;
use crate::db::log_retention::{self, Retention};
use crate::db::onboarding::{self, Evidence};
use crate::provisioning::retention::prune_tenant_in_background;
use crate::tenant::Tenant;

/// The most rows a retention may keep.
const MAX_RETENTION_ROWS: u64 = 1_000_000_000;

/// The window of the "no errors" step.
const ERROR_WINDOW_MS: i64 = 3_600_000;

/// Checks a retention as typed: `None` means no limit of that kind.
fn retention_of(days: Option<u32>, rows: Option<u64>) -> Result<Retention, AppError> {
    let refuse = |field: &str, message: String| AppError::InvalidField(field.to_owned(), message);
    if let Some(d) = days {
        if !(1..=MAX_RETENTION_DAYS).contains(&d) {
            return Err(refuse(
                retention_fields::DAYS,
                format!("keep from 1 to {MAX_RETENTION_DAYS} days, or leave it empty for no age limit"),
            ));
        }
    }
    if let Some(r) = rows {
        if !(MIN_RETENTION_ROWS..=MAX_RETENTION_ROWS).contains(&r) {
            return Err(refuse(
                retention_fields::ROWS,
                format!(
                    "keep from {MIN_RETENTION_ROWS} to {MAX_RETENTION_ROWS} rows, or leave it empty for no count limit"
                ),
            ));
        }
    }
    Ok(Retention { days: days.map(i64::from), rows: rows.and_then(|r| i64::try_from(r).ok()) })
}

fn retention_dto(retention: Retention, prunable: u64) -> LogRetention {
    LogRetention {
        days: retention.days.and_then(|d| u32::try_from(d).ok()),
        rows: retention.rows.and_then(|r| u64::try_from(r).ok()),
        prunable,
    }
}

/// A link that opens the tenant's log with this row on top.
fn log_link(tenant: &Tenant, row: &Evidence) -> String {
    format!("/tenants/{}/log?before={}", tenant.name, row.log_id + 1)
}

/// One step of the checklist.
fn item(key: &str, label: &str, done: bool, evidence: String, link: Option<String>) -> ChecklistItem {
    ChecklistItem { key: key.to_owned(), label: label.to_owned(), done, evidence, link }
}

/// A step proved by a log row: done with its description, or not done with what to do.
fn logged_step(
    tenant: &Tenant,
    key: &str,
    label: &str,
    found: Option<Evidence>,
    describe: impl Fn(&Evidence) -> String,
    missing: &str,
) -> ChecklistItem {
    match found {
        Some(row) => item(key, label, true, describe(&row), Some(log_link(tenant, &row))),
        None => item(key, label, false, missing.to_owned(), None),
    }
}

fn user_of(row: &Evidence) -> &str {
    row.user_name.as_deref().unwrap_or("a user")
}

impl Backend {
    async fn prunable(&self, tenant: &Tenant, retention: Retention) -> Result<u64, AppError> {
        self.state.flush_logs().await;
        log_retention::prunable(&self.state.db, &tenant.id, retention, self.state.clock.now_ms()).await.or_internal()
    }
}

#[async_trait::async_trait]
impl OperationsBackend for Backend {
    async fn log_retention(&self, admin: &AdminIdentity, tenant: &str) -> Result<LogRetention, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let retention = log_retention::get(&self.state.db, &tenant.id).await.or_internal()?;
        Ok(retention_dto(retention, self.prunable(&tenant, retention).await?))
    }

    async fn preview_log_retention(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        days: Option<u32>,
        rows: Option<u64>,
    ) -> Result<u64, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let retention = retention_of(days, rows)?;
        self.prunable(&tenant, retention).await
    }

    async fn set_log_retention(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        days: Option<u32>,
        rows: Option<u64>,
    ) -> Result<LogRetention, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let retention = retention_of(days, rows)?;
        let before = log_retention::get(&self.state.db, &tenant.id).await.or_internal()?;
        let now = self.state.clock.now_ms();
        if !log_retention::set(&self.state.db, &tenant.id, retention, now).await.or_internal()? {
            return Err(AppError::NotFound);
        }
        let prunable = self.prunable(&tenant, retention).await?;
        let detail = json!({
            "from": { "days": before.days, "rows": before.rows },
            "to": { "days": retention.days, "rows": retention.rows },
            "prunable": prunable,
        });
        self.audit(admin, address, &tenant, "log_retention.update", detail).await;
        prune_tenant_in_background(&self.state, &tenant.id, retention);
        Ok(retention_dto(retention, prunable))
    }

    async fn onboarding_checklist(&self, admin: &AdminIdentity, tenant: &str) -> Result<Checklist, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        self.state.flush_logs().await;
        let db = &self.state.db;
        let mappers = db::mapper::list(db.reader(), &tenant.id).await.or_internal()?.len();
        let first = onboarding::first_request(db, &tenant.id).await.or_internal()?;
        let created = onboarding::first_user_operation(db, &tenant.id, "create").await.or_internal()?;
        let deactivated = onboarding::first_user_operation(db, &tenant.id, "deactivate").await.or_internal()?;
        let since = self.state.clock.now_ms() - ERROR_WINDOW_MS;
        let (errors, newest_error) = onboarding::errors_since(db, &tenant.id, since).await.or_internal()?;

        let enabled = tenant.scim_enabled && tenant.disabled_at.is_none();
        let endpoint = self.state.scim_base_url(&tenant.name);
        let mut items = vec![
            item(
                "enabled",
                "SCIM endpoint enabled",
                enabled,
                if enabled {
                    format!("The endpoint answers at {endpoint}")
                } else if tenant.disabled_at.is_some() {
                    "The tenant is disabled by a platform administrator".to_owned()
                } else {
                    "Switch the SCIM endpoint on in the settings below".to_owned()
                },
                None,
            ),
            item(
                "mappers",
                "Attribute mappers configured",
                mappers > 0,
                match mappers {
                    0 => "No mappers yet: apply the defaults or add one".to_owned(),
                    1 => "1 mapper".to_owned(),
                    n => format!("{n} mappers"),
                },
                Some(format!("/tenants/{}/integrations/scim/mappers", tenant.name)),
            ),
            logged_step(
                &tenant,
                "first_request",
                "First request received from the identity provider",
                first,
                |row| {
                    let what = if row.path.contains("filter=") { " (a connection test's lookup)" } else { "" };
                    format!("{} {}{what} at {}", row.method, row.path, rfc3339_ms(row.occurred_at))
                },
                "Nothing yet: run Test Connection (Entra ID) or your client's connection test",
            ),
            logged_step(
                &tenant,
                "pilot_user",
                "Pilot user provisioned",
                created,
                |row| format!("{} created at {}", user_of(row), rfc3339_ms(row.occurred_at)),
                "No user created yet: provision one pilot user (Entra ID: Provision on demand)",
            ),
            logged_step(
                &tenant,
                "deactivation",
                "Deactivation observed",
                deactivated,
                |row| format!("{} deactivated at {}", user_of(row), rfc3339_ms(row.occurred_at)),
                "No deactivation yet: unassign or disable the pilot user in the identity provider",
            ),
        ];
        let requested = items.iter().any(|i| i.key == "first_request" && i.done);
        items.push(match (requested, newest_error) {
            (false, _) => item("no_errors", "No errors in the last hour", false, "No requests yet".to_owned(), None),
            (true, None) => item("no_errors", "No errors in the last hour", true, "No failed request".to_owned(), None),
            (true, Some(row)) => item(
                "no_errors",
                "No errors in the last hour",
                false,
                format!("{errors} failed request(s); the latest: {} {}", row.method, row.path),
                Some(log_link(&tenant, &row)),
            ),
        });
        Ok(Checklist { items })
    }
}
