//! *Settings → Alerts* (`app::backend::AlertsBackend`): a tenant's alert rules and channels,
//! saved through `alerts::manage` like the CLI's, and the alerts themselves as the overview and
//! the tenants page show them.

use app::backend::AlertsBackend;
use app::components::when::relative;
use app::dto::{AdminIdentity, AlertPanel, AlertRow, AlertRules, AlertsSaved, UnsentMessage, WebhookEdit};
use app::AppError;
use serde_json::json;

use super::{Backend, OrInternal};
use crate::alerts::manage::{self, SaveError, WebhookInput};
use crate::alerts::settings::{Rules, Stored};
use crate::clock::rfc3339_ms;
use crate::db::{self, alert::Alert};
use crate::secret::Secret;
use crate::tenant::Tenant;

/// The alerts shown in the panel's history.
const RECENT_ALERTS: i64 = 20;

/// An alert as the dashboard shows it.
fn alert_row(alert: Alert) -> AlertRow {
    AlertRow {
        rule: alert.rule.as_str().to_owned(),
        title: alert.rule.title().to_owned(),
        summary: alert.summary,
        opened_at: rfc3339_ms(alert.opened_at),
        resolved_at: alert.resolved_at.map(rfc3339_ms),
    }
}

fn rules_dto(rules: Rules) -> AlertRules {
    AlertRules {
        error_rate_percent: rules.error_rate_percent,
        error_window_minutes: rules.error_window_minutes,
        error_min_requests: rules.error_min_requests,
        silence_hours: rules.silence_hours,
        expiry_days: rules.expiry_days,
        outbound_minutes: rules.outbound_minutes,
        email_to: rules.email_to,
    }
}

impl Backend {
    async fn panel(&self, tenant: &Tenant, stored: Option<Stored>) -> Result<AlertPanel, AppError> {
        let db = &self.state.db;
        let alerts = db::alert::recent(db, &tenant.id, RECENT_ALERTS).await.or_internal()?;
        let unsent = db::alert::unsent(db, &tenant.id).await.or_internal()?;
        Ok(AlertPanel {
            configured: stored.is_some(),
            webhook_origin: stored.as_ref().and_then(|s| s.webhook_origin.clone()),
            rules: rules_dto(stored.map(|s| s.rules).unwrap_or_default()),
            smtp_configured: self.state.config.alerts.smtp_url.is_some(),
            alerts: alerts.into_iter().map(alert_row).collect(),
            unsent: unsent
                .into_iter()
                .map(|(channel, attempts, error)| UnsentMessage { channel, attempts, error })
                .collect(),
        })
    }

    /// The tenant's open alerts, oldest first, each in a sentence for the overview.
    pub(super) async fn open_alerts(&self, tenant: &Tenant) -> Result<Vec<String>, AppError> {
        let open = db::alert::open(&self.state.db, Some(&tenant.id)).await.or_internal()?;
        let now = self.state.clock.now_ms();
        Ok(open
            .into_iter()
            .map(|a| format!("{} — {} (opened {})", a.rule.title(), a.summary, relative(now - a.opened_at)))
            .collect())
    }
}

#[async_trait::async_trait]
impl AlertsBackend for Backend {
    async fn alert_panel(&self, admin: &AdminIdentity, tenant: &str) -> Result<AlertPanel, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let stored = db::alert::settings(&self.state.db, &tenant.id).await.or_internal()?;
        self.panel(&tenant, stored).await
    }

    async fn save_alerts(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        rules: AlertRules,
        webhook: WebhookEdit,
    ) -> Result<AlertsSaved, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let rules = Rules {
            error_rate_percent: rules.error_rate_percent,
            error_window_minutes: rules.error_window_minutes,
            error_min_requests: rules.error_min_requests,
            silence_hours: rules.silence_hours,
            expiry_days: rules.expiry_days,
            outbound_minutes: rules.outbound_minutes,
            email_to: rules.email_to,
        };
        let webhook = match webhook {
            WebhookEdit::Keep => WebhookInput::Keep,
            WebhookEdit::Remove => WebhookInput::Remove,
            WebhookEdit::Set(url) => WebhookInput::Set(Secret::given(url)),
        };
        let now = self.state.clock.now_ms();
        let saved = match manage::save(&self.state.db, &self.state.seal, &tenant.id, rules, webhook, now).await {
            Ok(saved) => saved,
            Err(SaveError::Invalid(refusal)) => {
                return Err(AppError::InvalidField(refusal.field().to_owned(), refusal.to_string()));
            }
            Err(SaveError::Db(e)) => return Err(e).or_internal(),
        };
        self.audit(admin, address, &tenant, "alerts.set", manage::audit_detail(&saved.stored)).await;
        Ok(AlertsSaved {
            panel: self.panel(&tenant, Some(saved.stored)).await?,
            webhook_secret: saved.webhook_secret.map(|s| s.expose().to_owned()),
        })
    }

    async fn alerts_off(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
    ) -> Result<AlertPanel, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        if db::alert::remove(&self.state.db, &tenant.id).await.or_internal()? {
            self.audit(admin, address, &tenant, "alerts.off", json!({})).await;
        }
        self.panel(&tenant, None).await
    }
}
