//! What the Alerts section of a tenant's settings, the overview's open alerts and the tenants
//! page's alert counts show.

use serde::{Deserialize, Serialize};

/// The field names of the alerts form (the server's refusals name them).
pub mod alert_fields {
    /// The error-rate threshold, in percent.
    pub const ERROR_RATE: &str = "error_rate_percent";
    /// The error-rate window, in minutes.
    pub const ERROR_WINDOW: &str = "error_window_minutes";
    /// The fewest requests an error rate counts over.
    pub const ERROR_MIN_REQUESTS: &str = "error_min_requests";
    /// Hours of silence.
    pub const SILENCE: &str = "silence_hours";
    /// Days before a secret ends.
    pub const EXPIRY: &str = "expiry_days";
    /// Minutes an application may fail.
    pub const OUTBOUND: &str = "outbound_minutes";
    /// The e-mail addresses.
    pub const EMAIL: &str = "email_to";
    /// The webhook URL.
    pub const WEBHOOK: &str = "webhook_url";
}

/// A tenant's alert rules; `None` turns a rule off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertRules {
    /// Alert when at least this percentage of the identity provider's requests fail.
    pub error_rate_percent: Option<i64>,
    /// Over this many minutes.
    pub error_window_minutes: i64,
    /// Counting only windows with at least this many requests.
    pub error_min_requests: i64,
    /// Alert after this many hours without a request from the identity provider.
    pub silence_hours: Option<i64>,
    /// Alert this many days before a secret's grace period ends.
    pub expiry_days: Option<i64>,
    /// Alert when an application has failed for this many minutes (or has dead letters).
    pub outbound_minutes: Option<i64>,
    /// Where alert e-mail goes.
    pub email_to: Vec<String>,
}

/// An alert, open or resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertRow {
    /// The rule's stored name (`error_rate`, `silence`, `secret_expiry`, `outbound_failing`).
    pub rule: String,
    /// The rule in words ("Identity provider silent").
    pub title: String,
    /// What happened.
    pub summary: String,
    /// When it opened (RFC 3339).
    pub opened_at: String,
    /// When it resolved (RFC 3339); `None` while open.
    pub resolved_at: Option<String>,
}

/// A message an alert owes that has not gone out yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnsentMessage {
    /// `webhook` or `email`.
    pub channel: String,
    /// Failed attempts.
    pub attempts: i64,
    /// The last failure, if any.
    pub error: Option<String>,
}

/// The Alerts section of a tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertPanel {
    /// Whether the tenant has alert settings at all.
    pub configured: bool,
    /// The rules (defaults when not configured).
    pub rules: AlertRules,
    /// The webhook's origin (the URL itself is a credential and never shown).
    pub webhook_origin: Option<String>,
    /// Whether this server can send e-mail (`--smtp-url`).
    pub smtp_configured: bool,
    /// The latest alerts, newest first.
    pub alerts: Vec<AlertRow>,
    /// Messages not sent yet.
    pub unsent: Vec<UnsentMessage>,
}

/// The alerts form as typed (numbers as text: blank turns a rule off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertForm {
    /// Percent, or blank.
    pub error_rate: String,
    /// Minutes.
    pub error_window: String,
    /// Requests.
    pub error_min_requests: String,
    /// Hours, or blank.
    pub silence: String,
    /// Days, or blank.
    pub expiry: String,
    /// Minutes, or blank.
    pub outbound: String,
    /// Addresses, comma-separated.
    pub email_to: String,
    /// A new webhook URL; blank keeps the current one.
    pub webhook_url: String,
    /// Remove the current webhook.
    pub remove_webhook: bool,
}

/// What becomes of a tenant's alert webhook when its settings are saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum WebhookEdit {
    /// It stays.
    Keep,
    /// It goes.
    Remove,
    /// It becomes this URL, with a new signing secret.
    Set(String),
}

impl AlertForm {
    /// What the form asks of the webhook.
    pub fn webhook(&self) -> WebhookEdit {
        match self.webhook_url.trim() {
            "" if self.remove_webhook => WebhookEdit::Remove,
            "" => WebhookEdit::Keep,
            url => WebhookEdit::Set(url.to_owned()),
        }
    }
}

/// Saved alert settings, and a new webhook's signing secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertsSaved {
    /// The section as saved.
    pub panel: AlertPanel,
    /// The signing secret of a webhook set by this save.
    pub webhook_secret: Option<String>,
}
