//! Sending what alerts owe: a message when an alert opens and one when it resolves, to the
//! tenant's webhook and e-mail addresses. Messages wait in `alert_notice` until sent; a failed
//! one is tried again with the outbound deliveries' backoff, so a restart or a receiver that is
//! down loses none.
//!
//! - Webhook: a POST of JSON whose `text` is the whole message (what Slack and Microsoft Teams
//!   incoming webhooks show), with the alert's fields beside it for programs, signed as
//!   Standard Webhooks says (`webhook-id` stable across retries, `webhook-timestamp`,
//!   `webhook-signature`) with the tenant's alert signing secret.
//! - E-mail: plain text over SMTP (`--smtp-url`, lettre), from `--alert-from`.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;

use crate::alerts::settings::Stored;
use crate::clock::rfc3339_ms;
use crate::db::alert::{self, Notice};
use crate::secret::Secret;
use crate::state::AppState;

/// How long a claimed message is this process's to send before another may try.
const LEASE_MS: i64 = 60_000;
/// Messages sent per round at most.
const BATCH: i64 = 50;

/// What the sealed webhook URL is bound to (the row's tenant and its role).
pub fn url_binding(tenant_id: &str) -> String {
    format!("alert-webhook-url:{tenant_id}")
}

/// What the sealed signing secret is bound to.
pub fn secret_binding(tenant_id: &str) -> String {
    format!("alert-webhook-secret:{tenant_id}")
}

/// Why a message was not sent. Never carries the webhook's URL: it is a credential.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// E-mail is asked for but the server has no SMTP relay.
    #[error("no SMTP server is configured (--smtp-url)")]
    NoSmtp,
    /// The SMTP relay refused or failed.
    #[error("the SMTP server failed: {0}")]
    Smtp(String),
    /// An address that cannot be used.
    #[error("cannot send to {0}")]
    Address(String),
    /// The webhook answered other than 2xx.
    #[error("the webhook answered HTTP {0}")]
    Status(u16),
    /// The webhook could not be reached.
    #[error("the webhook is unreachable: {0}")]
    Unreachable(String),
    /// The stored webhook cannot be opened (another secret key?).
    #[error("the stored webhook cannot be opened: {0}")]
    Sealed(#[from] crate::sealed::SealError),
    /// The webhook's signature could not be made.
    #[error("cannot sign: {0}")]
    Signing(String),
}

/// Sends alert messages.
pub struct Sender {
    http: reqwest::Client,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Sender {
    /// A sender with the server's SMTP relay and sender address, if set.
    pub fn new(state: &AppState) -> anyhow::Result<Sender> {
        let args = &state.config.alerts;
        let smtp = match &args.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => None,
        };
        let from = args.alert_from.parse().map_err(|e| anyhow::anyhow!("--alert-from is not an address: {e}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("scimhub/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender { http, smtp, from })
    }

    /// Sends the messages due now; each failure is recorded on its message and tried later.
    pub async fn send_due(&self, state: &AppState) -> Result<(), sqlx::Error> {
        let db = &state.db;
        let now = state.clock.now_ms();
        for notice in alert::due_notices(db, now, BATCH).await? {
            if !alert::claim_notice(db, &notice, now + LEASE_MS).await? {
                continue;
            }
            let Some(stored) = alert::settings(db, &notice.alert.tenant_id).await? else {
                // Alerts were switched off since: nobody is to be told any more.
                alert::notice_sent(db, notice.id).await?;
                continue;
            };
            match self.send(state, &stored, &notice).await {
                Ok(()) => alert::notice_sent(db, notice.id).await?,
                Err(e) => {
                    let wait = state.config.outbound.backoff().wait(notice.attempts, None);
                    let next = now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
                    tracing::warn!(tenant = notice.alert.tenant, channel = notice.channel, error = %e, "alert message not sent");
                    alert::notice_failed(db, notice.id, next, &e.to_string()).await?;
                }
            }
        }
        Ok(())
    }

    async fn send(&self, state: &AppState, stored: &Stored, notice: &Notice) -> Result<(), NotifyError> {
        let message = Text::of(notice, state.config.public_url.base());
        match notice.channel.as_str() {
            "webhook" => match alert::webhook(&state.db, &notice.alert.tenant_id).await {
                Ok(Some((sealed_url, sealed_secret))) => {
                    let tenant_id = &notice.alert.tenant_id;
                    let url = state.seal.open(&sealed_url, &url_binding(tenant_id))?;
                    let secret = state.seal.open(&sealed_secret, &secret_binding(tenant_id))?;
                    self.post(&url, &secret, notice, &message, state.clock.now_ms()).await
                }
                // The webhook was removed since.
                Ok(None) => Ok(()),
                Err(e) => Err(NotifyError::Unreachable(format!("reading the webhook: {e}"))),
            },
            // The addresses were removed since: nobody is to be told by e-mail any more.
            _ if stored.rules.email_to.is_empty() => Ok(()),
            _ => self.mail(&stored.rules.email_to, &message).await,
        }
    }

    async fn post(
        &self,
        url: &Secret,
        secret: &Secret,
        notice: &Notice,
        text: &Text,
        now_ms: i64,
    ) -> Result<(), NotifyError> {
        let a = &notice.alert;
        let body = json!({
            "text": text.full(),
            "type": format!("alert.{}", notice.event),
            "alert": {
                "id": a.id,
                "tenant": a.tenant,
                "rule": a.rule.as_str(),
                "title": a.rule.title(),
                "subject": a.subject,
                "summary": a.summary,
                "opened_at": rfc3339_ms(a.opened_at),
                "resolved_at": a.resolved_at.map(rfc3339_ms),
                "url": text.link,
            },
        })
        .to_string();
        let id = format!("msg_alert_{}_{}", a.id, notice.event);
        let timestamp = now_ms / 1000;
        let signature = crate::outbound::webhook::signature(secret, &id, timestamp, &body)
            .map_err(|e| NotifyError::Signing(e.to_string()))?;
        let answer = self
            .http
            .post(url.expose())
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(e.without_url().to_string()))?;
        let status = answer.status();
        status.is_success().then_some(()).ok_or(NotifyError::Status(status.as_u16()))
    }

    async fn mail(&self, to: &[String], text: &Text) -> Result<(), NotifyError> {
        let smtp = self.smtp.as_ref().ok_or(NotifyError::NoSmtp)?;
        let mut builder = Message::builder().from(self.from.clone()).subject(&text.subject);
        for address in to {
            builder = builder.to(address.parse().map_err(|_| NotifyError::Address(address.clone()))?);
        }
        let message = builder
            .header(ContentType::TEXT_PLAIN)
            .body(text.full())
            .map_err(|e| NotifyError::Address(e.to_string()))?;
        smtp.send(message).await.map(drop).map_err(|e| NotifyError::Smtp(e.to_string()))
    }
}

/// A message's words: the same in the webhook's `text` and the e-mail.
struct Text {
    subject: String,
    body: String,
    link: String,
}

impl Text {
    fn of(notice: &Notice, base_url: &str) -> Text {
        let a = &notice.alert;
        let link = format!("{base_url}/tenants/{}", a.tenant);
        let (subject, body) = match (notice.event.as_str(), a.resolved_at) {
            ("resolved", Some(resolved_at)) => (
                format!("[scimhub] Resolved: {} in tenant {}", a.rule.title(), a.tenant),
                format!(
                    "Resolved at {}: {} in tenant {}, open since {}.\nIt said: {}",
                    rfc3339_ms(resolved_at),
                    a.rule.title(),
                    a.tenant,
                    rfc3339_ms(a.opened_at),
                    a.summary
                ),
            ),
            _ => (
                format!("[scimhub] Alert: {} in tenant {}", a.rule.title(), a.tenant),
                format!("{} in tenant {} since {}.\n{}", a.rule.title(), a.tenant, rfc3339_ms(a.opened_at), a.summary),
            ),
        };
        Text { subject, body, link }
    }

    fn full(&self) -> String {
        format!("{}\n{}\nOpen the tenant: {}", self.subject, self.body, self.link)
    }
}
