//! Tenant and administrator management: the Tenants page, a tenant's administrators, the audit
//! trail viewer and the platform overview. Changing tenants and rights is for platform
//! administrators only; everything is audited.

use app::backend::ManagementBackend;
use app::dto::{
    tenant_fields, AdminIdentity, AuditPage, GrantRow, PlatformOverview, TenantAdmins, TenantPage, TenantRow,
    TenantSummary, TENANT_PAGE_SIZE,
};
use app::AppError;
use serde_json::json;

use super::{audit_row, changed_one, Backend, OrInternal};
use crate::clock::rfc3339_ms;
use crate::db::audit::AuditFilter;
use crate::db::grant::{Grant, Principal};
use crate::db::tenant::Visible;
use crate::db::{self, UniqueViolationExt};
use crate::tenant::{Profile, Tenant};

/// Audit entries per page of the viewer.
const AUDIT_PAGE: u32 = 50;

/// Break-glass sign-ins the platform overview lists.
const BREAK_GLASS_ROWS: u32 = 10;

/// The audit action of a break-glass sign-in.
pub const BREAK_GLASS_ACTION: &str = "admin.break_glass";

fn field(name: &str, message: impl Into<String>) -> AppError {
    AppError::InvalidField(name.to_owned(), message.into())
}

fn grant_row(g: &Grant) -> GrantRow {
    GrantRow {
        kind: g.principal.kind().to_owned(),
        principal: g.principal.value().to_owned(),
        read_only: g.read_only,
        created_at: rfc3339_ms(g.created_at),
        created_by: g.created_by.clone(),
    }
}

impl Backend {
    /// Platform administrators only: anyone else is `Forbidden`.
    pub(crate) fn require_platform(admin: &AdminIdentity) -> Result<(), AppError> {
        if admin.platform_admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Platform administrators that may change things only (not a read-only API token).
    pub(crate) fn require_platform_change(admin: &AdminIdentity) -> Result<(), AppError> {
        if admin.can_manage_platform() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The tenant, for a platform administrator's change (others: `NotFound` or `Forbidden`).
    async fn tenant_for_platform(&self, admin: &AdminIdentity, name: &str) -> Result<Tenant, AppError> {
        let tenant = self.tenant(admin, name).await?;
        Self::require_platform_change(admin)?;
        Ok(tenant)
    }

    /// A page of entries, their tenants named.
    pub(crate) async fn audit_page_of(&self, filter: &AuditFilter<'_>, limit: u32) -> Result<AuditPage, AppError> {
        let db = &self.state.db;
        let entries = db::audit::search(db, filter, limit).await.or_internal()?;
        let next_before = (entries.len() == limit as usize).then(|| entries.last().map(|e| e.id)).flatten();
        let names: std::collections::HashMap<String, String> =
            db::tenant::list(db).await.or_internal()?.into_iter().map(|t| (t.id, t.name)).collect();
        let rows = entries.into_iter().map(|e| audit_row(e, |id| names.get(id).cloned())).collect();
        Ok(AuditPage { rows, next_before })
    }
}

#[async_trait::async_trait]
impl ManagementBackend for Backend {
    async fn tenant_page(&self, admin: &AdminIdentity, search: &str, offset: u64) -> Result<TenantPage, AppError> {
        let db = &self.state.db;
        self.state.flush_logs().await;
        let visible = if admin.platform_admin { Visible::All } else { Visible::Only(&admin.tenants) };
        let (tenants, total) = db::tenant::search(db, search, visible, offset, TENANT_PAGE_SIZE).await.or_internal()?;
        let day_ago = self.state.clock.now_ms() - 24 * 3600 * 1000;
        let mut open_alerts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for alert in db::alert::open(db, None).await.or_internal()? {
            *open_alerts.entry(alert.tenant_id).or_default() += 1;
        }
        let mut rows = Vec::with_capacity(tenants.len());
        for t in tenants {
            let (users, _) = db::user::totals(db, &t.id).await.or_internal()?;
            let (requests, errors, last) = db::log::activity(db, &t.id, day_ago).await.or_internal()?;
            rows.push(TenantRow {
                read_only: !admin.can_change(&t.name),
                name: t.name,
                display_name: t.display_name,
                profile: t.profile.as_str().to_owned(),
                disabled: t.disabled_at.is_some(),
                scim_enabled: t.scim_enabled,
                users,
                requests_24h: requests,
                errors_24h: errors,
                last_request_at: last.map(rfc3339_ms),
                open_alerts: open_alerts.get(&t.id).copied().unwrap_or(0),
            });
        }
        Ok(TenantPage { rows, total, offset, page_size: TENANT_PAGE_SIZE })
    }

    async fn create_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        display_name: &str,
        profile: &str,
    ) -> Result<TenantSummary, AppError> {
        Self::require_platform_change(admin)?;
        crate::tenant::validate_name(name).map_err(|e| field(tenant_fields::NAME, format!("{e}.")))?;
        let display_name = if display_name.is_empty() { name } else { display_name };
        crate::tenant::validate_display_name(display_name)
            .map_err(|e| field(tenant_fields::DISPLAY_NAME, format!("{e}.")))?;
        let profile = Profile::parse(profile)
            .ok_or_else(|| field(tenant_fields::PROFILE, "Choose the Generic or the Azure profile."))?;
        let now = self.state.clock.now_ms();
        let tenant = db::tenant::insert_named(&self.state.db, name, display_name, profile, now)
            .await
            .on_unique(|| field(tenant_fields::NAME, format!("A tenant named \"{name}\" already exists.")))?
            .or_internal()?;
        let detail = json!({ "name": tenant.name, "displayName": tenant.display_name, "profile": profile.as_str() });
        self.audit(admin, client_addr, &tenant, "tenant.create", detail).await;
        self.summary(&tenant).await
    }

    async fn rename_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        display_name: &str,
    ) -> Result<TenantSummary, AppError> {
        let mut tenant = self.tenant_for_platform(admin, name).await?;
        crate::tenant::validate_display_name(display_name)
            .map_err(|e| field(tenant_fields::DISPLAY_NAME, format!("{e}.")))?;
        if tenant.display_name != display_name {
            let now = self.state.clock.now_ms();
            changed_one(db::tenant::rename(&self.state.db, &tenant.id, display_name, now).await)?;
            let detail = json!({ "from": tenant.display_name, "to": display_name });
            self.audit(admin, client_addr, &tenant, "tenant.rename", detail).await;
            tenant.display_name = display_name.to_owned();
        }
        self.summary(&tenant).await
    }

    async fn set_tenant_disabled(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        disabled: bool,
    ) -> Result<TenantSummary, AppError> {
        let mut tenant = self.tenant_for_platform(admin, name).await?;
        if tenant.disabled_at.is_some() != disabled {
            let now = self.state.clock.now_ms();
            changed_one(db::tenant::set_disabled(&self.state.db, &tenant.id, disabled, now).await)?;
            let action = if disabled { "tenant.disable" } else { "tenant.enable" };
            self.audit(admin, client_addr, &tenant, action, json!({ "name": tenant.name })).await;
            tenant.disabled_at = disabled.then_some(now);
            tracing::info!(tenant = %tenant.name, by = %admin.label(), disabled, "tenant state changed");
        }
        self.summary(&tenant).await
    }

    async fn delete_tenant(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        confirmation: &str,
    ) -> Result<(), AppError> {
        let tenant = self.tenant_for_platform(admin, name).await?;
        if confirmation != tenant.name {
            return Err(field(
                tenant_fields::CONFIRM,
                format!("Type the tenant's exact name, \"{}\" (case-sensitive), to delete it.", tenant.name),
            ));
        }
        let db = &self.state.db;
        let (users, _) = db::user::totals(db, &tenant.id).await.or_internal()?;
        changed_one(db::tenant::delete(&self.state.db, &tenant.id).await)?;
        let detail = json!({ "name": tenant.name, "displayName": tenant.display_name, "users": users });
        self.audit(admin, client_addr, &tenant, "tenant.delete", detail).await;
        tracing::warn!(tenant = %tenant.name, by = %admin.label(), users, "tenant deleted with all its data");
        Ok(())
    }

    async fn tenant_admins(&self, admin: &AdminIdentity, name: &str) -> Result<TenantAdmins, AppError> {
        let tenant = self.tenant(admin, name).await?;
        let db = &self.state.db;
        let grants = db::grant::of_tenant(db, &tenant.id).await.or_internal()?;
        let platform: Vec<Grant> =
            db::grant::all(db).await.or_internal()?.into_iter().filter(|g| g.tenant.is_none()).collect();
        let config = &self.state.config.oidc;
        let mut configured: Vec<String> = config
            .admin_emails
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| format!("email {e}"))
            .collect();
        if let (Some(claim), Some(value)) = (&config.admin_claim, &config.admin_claim_value) {
            configured.push(format!("claim {claim} = {value}"));
        }
        Ok(TenantAdmins {
            tenant: tenant.name,
            display_name: tenant.display_name,
            grants: grants.iter().map(grant_row).collect(),
            platform_grants: platform.iter().map(grant_row).collect(),
            configured,
            rights_claim: config.admin_claim.clone(),
            can_manage: admin.can_manage_platform(),
        })
    }

    async fn grant_admin(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        kind: &str,
        principal: &str,
        read_only: bool,
    ) -> Result<TenantAdmins, AppError> {
        let tenant = self.tenant_for_platform(admin, name).await?;
        let principal =
            Principal::parse(kind, principal).map_err(|e| field(TenantAdmins::PRINCIPAL, format!("{e}.")))?;
        let now = self.state.clock.now_ms();
        db::grant::put(&self.state.db, Some(&tenant.id), &principal, read_only, now, &admin.label())
            .await
            .or_internal()?;
        let detail = json!({ "kind": principal.kind(), "principal": principal.value(), "readOnly": read_only });
        self.audit(admin, client_addr, &tenant, "admin.grant", detail).await;
        self.tenant_admins(admin, name).await
    }

    async fn revoke_admin(
        &self,
        admin: &AdminIdentity,
        client_addr: Option<String>,
        name: &str,
        kind: &str,
        principal: &str,
    ) -> Result<TenantAdmins, AppError> {
        let tenant = self.tenant_for_platform(admin, name).await?;
        let principal = Principal::parse(kind, principal).map_err(|e| AppError::Invalid(e.to_string()))?;
        if db::grant::revoke(&self.state.db, Some(&tenant.id), &principal).await.or_internal()? {
            let detail = json!({ "kind": principal.kind(), "principal": principal.value() });
            self.audit(admin, client_addr, &tenant, "admin.revoke", detail).await;
        }
        self.tenant_admins(admin, name).await
    }

    async fn audit_page(
        &self,
        admin: &AdminIdentity,
        tenant: Option<&str>,
        search: &str,
        before: Option<i64>,
    ) -> Result<AuditPage, AppError> {
        let tenant = match tenant {
            Some(name) => Some(self.tenant(admin, name).await?),
            None => {
                Self::require_platform(admin)?;
                None
            }
        };
        let filter = AuditFilter {
            tenant_id: tenant.as_ref().map(|t| t.id.as_str()),
            text: Some(search),
            before,
            ..AuditFilter::default()
        };
        self.audit_page_of(&filter, AUDIT_PAGE).await
    }

    async fn platform_overview(&self, admin: &AdminIdentity) -> Result<PlatformOverview, AppError> {
        Self::require_platform(admin)?;
        let tenants = db::tenant::list(&self.state.db).await.or_internal()?;
        let filter = AuditFilter { actions: &[BREAK_GLASS_ACTION], ..AuditFilter::default() };
        let break_glass = self.audit_page_of(&filter, BREAK_GLASS_ROWS).await?.rows;
        Ok(PlatformOverview {
            tenants: tenants.len() as u64,
            disabled: tenants.iter().filter(|t| t.disabled_at.is_some()).count() as u64,
            break_glass,
        })
    }

    /// Remembers a tenant the administrator may see; any other name is ignored (the page that
    /// asks shows "not found" already).
    async fn remember_tenant(&self, admin: &AdminIdentity, name: &str) -> Result<(), AppError> {
        let tenant = match self.tenant(admin, name).await {
            Ok(tenant) => tenant,
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let now = self.state.clock.now_ms();
        db::preference::set_last_tenant(&self.state.db, &admin.subject, &tenant.name, now).await.or_internal()
    }

    async fn last_tenant(&self, admin: &AdminIdentity) -> Result<Option<String>, AppError> {
        let last = db::preference::last_tenant(&self.state.db, &admin.subject).await.or_internal()?;
        Ok(last.filter(|t| admin.can_access(t)))
    }
}
