//! Server functions of a tenant's Alerts settings.

use leptos::prelude::*;

use crate::dto::{AlertForm, AlertPanel, AlertsSaved, FormOutcome};
use crate::error::AppError;

/// The tenant's alert settings, latest alerts and unsent messages.
#[server]
pub async fn get_alert_panel(tenant: String) -> Result<AlertPanel, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.alert_panel(&admin, &tenant).await
}

/// Stores the tenant's alert settings as typed (a blank number turns its rule off).
#[server]
pub async fn save_alerts(tenant: String, form: AlertForm) -> Result<FormOutcome<AlertsSaved>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(match rules_of(&form) {
        Ok(rules) => backend.save_alerts(&admin, address, &tenant, rules, form.webhook()).await,
        Err(e) => Err(e),
    })
}

/// The rules a form asks for; a number that is not one is refused by its field.
#[cfg(feature = "ssr")]
fn rules_of(form: &AlertForm) -> Result<crate::dto::AlertRules, AppError> {
    use super::limit;
    use crate::dto::alert_fields as field;
    let required = |name: &str, text: &str| {
        limit(name, text)?.ok_or_else(|| AppError::InvalidField(name.to_owned(), "enter a whole number".to_owned()))
    };
    Ok(crate::dto::AlertRules {
        error_rate_percent: limit(field::ERROR_RATE, &form.error_rate)?,
        error_window_minutes: required(field::ERROR_WINDOW, &form.error_window)?,
        error_min_requests: required(field::ERROR_MIN_REQUESTS, &form.error_min_requests)?,
        silence_hours: limit(field::SILENCE, &form.silence)?,
        expiry_days: limit(field::EXPIRY, &form.expiry)?,
        outbound_minutes: limit(field::OUTBOUND, &form.outbound)?,
        email_to: form.email_to.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect(),
    })
}

/// Switches the tenant's alerts off.
#[server]
pub async fn alerts_off(tenant: String) -> Result<AlertPanel, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.alerts_off(&admin, address, &tenant).await
}
