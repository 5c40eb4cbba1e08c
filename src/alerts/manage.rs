//! Changing a tenant's alert settings, as the CLI and the dashboard both do it: validation, a new
//! webhook sealed with a new signing secret (shown once), the stored change, and what the audit
//! trail records of it (the webhook's origin, never its URL).

use serde_json::{json, Value};

use super::notify::{secret_binding, url_binding};
use super::settings::{webhook_origin, Invalid, Rules, Stored};
use crate::db::alert::WebhookChange;
use crate::db::{self, Db};
use crate::sealed::SealKey;
use crate::secret::Secret;

/// What becomes of the tenant's webhook.
#[derive(Debug)]
pub enum WebhookInput {
    /// It stays.
    Keep,
    /// It goes.
    Remove,
    /// It becomes this URL (a credential: sealed, shown by its origin only), with a new signing
    /// secret.
    Set(Secret),
}

/// Why a change was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A setting is not acceptable.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The settings as saved, and a new webhook's signing secret (to show once).
#[derive(Debug)]
pub struct Saved {
    /// The stored settings.
    pub stored: Stored,
    /// The signing secret of a webhook set by this change.
    pub webhook_secret: Option<Secret>,
}

/// Checks and stores a tenant's alert settings.
pub async fn save(
    db: &Db,
    seal: &SealKey,
    tenant_id: &str,
    rules: Rules,
    webhook: WebhookInput,
    now_ms: i64,
) -> Result<Saved, SaveError> {
    let rules = rules.checked()?;
    let (change, webhook_secret) = match webhook {
        WebhookInput::Keep => (WebhookChange::Keep, None),
        WebhookInput::Remove => (WebhookChange::Remove, None),
        WebhookInput::Set(url) => {
            let origin = webhook_origin(url.expose())?;
            let secret = crate::outbound::webhook::new_secret();
            let change = WebhookChange::Set {
                origin,
                sealed_url: seal.seal(&url, &url_binding(tenant_id)),
                sealed_secret: seal.seal(&secret, &secret_binding(tenant_id)),
            };
            (change, Some(secret))
        }
    };
    db::alert::save(db, tenant_id, &rules, &change, now_ms).await?;
    let stored = db::alert::settings(db, tenant_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok(Saved { stored, webhook_secret })
}

/// The audit trail's record of saved settings.
pub fn audit_detail(stored: &Stored) -> Value {
    let r = &stored.rules;
    json!({
        "errorRatePercent": r.error_rate_percent,
        "errorWindowMinutes": r.error_window_minutes,
        "errorMinRequests": r.error_min_requests,
        "silenceHours": r.silence_hours,
        "expiryDays": r.expiry_days,
        "outboundMinutes": r.outbound_minutes,
        "emailTo": r.email_to,
        "webhook": stored.webhook_origin,
    })
}
