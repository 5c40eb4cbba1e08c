//! The alert tables: `alert_setting` (a tenant's rules and channels, the webhook sealed),
//! `alert` (opened and resolved alerts, at most one open per rule and subject) and
//! `alert_notice` (the messages owed, deleted once sent). docs/architecture.md, "Alerts".

use super::row::RowRead;
use super::sql::{Arg, Select, Statement};
use super::{Db, Outcome};
use crate::alerts::settings::{Rules, Stored};
use crate::alerts::Rule;

const SETTING_COLUMNS: &str = "error_rate_percent, error_window_minutes, error_min_requests, silence_hours, \
                               expiry_days, outbound_minutes, webhook_origin, email_to, created_at";

fn stored_from_row(row: &dyn RowRead) -> Result<Stored, sqlx::Error> {
    let email_to = row.opt_text("email_to")?.unwrap_or_default();
    Ok(Stored {
        rules: Rules {
            error_rate_percent: row.opt_int("error_rate_percent")?,
            error_window_minutes: row.int("error_window_minutes")?,
            error_min_requests: row.int("error_min_requests")?,
            silence_hours: row.opt_int("silence_hours")?,
            expiry_days: row.opt_int("expiry_days")?,
            outbound_minutes: row.opt_int("outbound_minutes")?,
            email_to: email_to.split(',').filter(|a| !a.is_empty()).map(str::to_owned).collect(),
        },
        webhook_origin: row.opt_text("webhook_origin")?,
        created_at: row.int("created_at")?,
    })
}

/// A tenant's alert settings, if it has any.
pub async fn settings(db: &Db, tenant_id: &str) -> Result<Option<Stored>, sqlx::Error> {
    let select = Select::new(
        format!("select {SETTING_COLUMNS} from alert_setting where tenant_id = $1"),
        vec![tenant_id.into()],
    );
    db.fetch_optional(&select, stored_from_row).await
}

/// A tenant's alert settings as one evaluation round reads them.
#[derive(Debug, Clone)]
pub struct TenantSettings {
    /// The tenant's id.
    pub tenant_id: String,
    /// Whether a platform administrator disabled the tenant (its rules then rest).
    pub disabled: bool,
    /// The settings.
    pub stored: Stored,
}

/// Every tenant's alert settings.
pub async fn all_settings(db: &Db) -> Result<Vec<TenantSettings>, sqlx::Error> {
    let select = Select::new(
        format!(
            "select s.tenant_id, t.disabled_at, {} from alert_setting s join tenant t on t.tenant_id = s.tenant_id \
             order by t.name",
            SETTING_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
        ),
        Vec::new(),
    );
    db.fetch(&select, |row| {
        Ok(TenantSettings {
            tenant_id: row.text("tenant_id")?,
            disabled: row.opt_int("disabled_at")?.is_some(),
            stored: stored_from_row(row)?,
        })
    })
    .await
}

/// What becomes of a tenant's webhook when its settings are saved.
#[derive(Debug, Clone)]
pub enum WebhookChange {
    /// It stays as it is.
    Keep,
    /// It is removed.
    Remove,
    /// It becomes this URL (sealed) with this signing secret (sealed).
    Set {
        /// What is shown of the URL.
        origin: String,
        /// The URL, sealed for the tenant.
        sealed_url: String,
        /// The signing secret, sealed for the tenant.
        sealed_secret: String,
    },
}

/// Stores a tenant's alert settings (creating or replacing them); the webhook as `webhook` says.
pub async fn save(
    db: &Db,
    tenant_id: &str,
    rules: &Rules,
    webhook: &WebhookChange,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let (webhook_columns, webhook_update, webhook_args): (&str, &str, Vec<Arg>) = match webhook {
        WebhookChange::Keep => ("", "", Vec::new()),
        WebhookChange::Remove => (
            ", webhook_origin, webhook_sealed_url, webhook_sealed_secret",
            ", webhook_origin = null, webhook_sealed_url = null, webhook_sealed_secret = null",
            vec![Arg::TextOrNull(None), Arg::TextOrNull(None), Arg::TextOrNull(None)],
        ),
        WebhookChange::Set { origin, sealed_url, sealed_secret } => (
            ", webhook_origin, webhook_sealed_url, webhook_sealed_secret",
            ", webhook_origin = excluded.webhook_origin, webhook_sealed_url = excluded.webhook_sealed_url, \
             webhook_sealed_secret = excluded.webhook_sealed_secret",
            vec![origin.as_str().into(), sealed_url.as_str().into(), sealed_secret.as_str().into()],
        ),
    };
    let placeholders: String = (10..10 + webhook_args.len()).map(|n| format!(", ${n}")).collect();
    let email_to = (!rules.email_to.is_empty()).then(|| rules.email_to.join(","));
    let mut args: Vec<Arg> = vec![
        tenant_id.into(),
        rules.error_rate_percent.into(),
        rules.error_window_minutes.into(),
        rules.error_min_requests.into(),
        rules.silence_hours.into(),
        rules.expiry_days.into(),
        rules.outbound_minutes.into(),
        email_to.as_deref().into(),
        now_ms.into(),
    ];
    args.extend(webhook_args);
    let statement = Statement::new(
        format!(
            "insert into alert_setting (tenant_id, error_rate_percent, error_window_minutes, error_min_requests, \
               silence_hours, expiry_days, outbound_minutes, email_to, created_at, updated_at{webhook_columns}) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9{placeholders}) \
             on conflict (tenant_id) do update set error_rate_percent = excluded.error_rate_percent, \
               error_window_minutes = excluded.error_window_minutes, error_min_requests = excluded.error_min_requests, \
               silence_hours = excluded.silence_hours, expiry_days = excluded.expiry_days, \
               outbound_minutes = excluded.outbound_minutes, email_to = excluded.email_to, \
               updated_at = excluded.updated_at{webhook_update}"
        ),
        args,
    );
    db.write(vec![statement]).await.map(drop)
}

/// Removes a tenant's alert settings (alerts off) and resolves nothing: open alerts stay until
/// the next round resolves them. Whether there were settings.
pub async fn remove(db: &Db, tenant_id: &str) -> Result<bool, sqlx::Error> {
    let statement =
        Statement::new("delete from alert_setting where tenant_id = $1", vec![tenant_id.into()]).expecting(1);
    Ok(db.write(vec![statement]).await? == Outcome::Written)
}

/// The tenant's sealed webhook URL and signing secret, if it has a webhook.
pub async fn webhook(db: &Db, tenant_id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let select = Select::new(
        "select webhook_sealed_url, webhook_sealed_secret from alert_setting \
         where tenant_id = $1 and webhook_sealed_url is not null",
        vec![tenant_id.into()],
    );
    db.fetch_optional(&select, |row| Ok((row.text("webhook_sealed_url")?, row.text("webhook_sealed_secret")?))).await
}

/// An alert, open or resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Its id.
    pub id: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant: String,
    /// The rule that fired.
    pub rule: Rule,
    /// What it is about: a credential's or an application's id; empty for the tenant itself.
    pub subject: String,
    /// What happened, in a sentence.
    pub summary: String,
    /// When it opened (ms).
    pub opened_at: i64,
    /// When it resolved (ms); `None` while open.
    pub resolved_at: Option<i64>,
}

const ALERT_COLUMNS: &str =
    "a.alert_id, a.tenant_id, t.name as tenant, a.rule, a.subject, a.summary, a.opened_at, a.resolved_at";

fn alert_from_row(row: &dyn RowRead) -> Result<Alert, sqlx::Error> {
    Ok(Alert {
        id: row.text("alert_id")?,
        tenant_id: row.text("tenant_id")?,
        tenant: row.text("tenant")?,
        rule: Rule::parse(&row.text("rule")?).ok_or_else(|| sqlx::Error::Decode("alert: unknown rule".into()))?,
        subject: row.text("subject")?,
        summary: row.text("summary")?,
        opened_at: row.int("opened_at")?,
        resolved_at: row.opt_int("resolved_at")?,
    })
}

/// Open alerts, oldest first: of one tenant, or of every tenant.
pub async fn open(db: &Db, tenant_id: Option<&str>) -> Result<Vec<Alert>, sqlx::Error> {
    let (condition, args) = match tenant_id {
        Some(id) => ("and a.tenant_id = $1", vec![id.into()]),
        None => ("", Vec::new()),
    };
    let select = Select::new(
        format!(
            "select {ALERT_COLUMNS} from alert a join tenant t on t.tenant_id = a.tenant_id \
             where a.resolved_at is null {condition} order by a.opened_at, a.alert_id"
        ),
        args,
    );
    db.fetch(&select, alert_from_row).await
}

/// A tenant's latest alerts, open or resolved, newest first.
pub async fn recent(db: &Db, tenant_id: &str, limit: i64) -> Result<Vec<Alert>, sqlx::Error> {
    let select = Select::new(
        format!(
            "select {ALERT_COLUMNS} from alert a join tenant t on t.tenant_id = a.tenant_id \
             where a.tenant_id = $1 order by a.opened_at desc, a.alert_id desc limit $2"
        ),
        vec![tenant_id.into(), limit.into()],
    );
    db.fetch(&select, alert_from_row).await
}

/// Channels a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The tenant's webhook.
    Webhook,
    /// The tenant's e-mail addresses.
    Email,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

fn notices<'a>(
    alert_id: &'a str,
    event: &'a str,
    channels: &'a [Channel],
    now_ms: i64,
) -> impl Iterator<Item = Statement> + 'a {
    channels.iter().map(move |channel| {
        Statement::new(
            "insert into alert_notice (alert_id, channel, event, created_at, next_attempt_at) values ($1, $2, $3, $4, $4)",
            vec![alert_id.into(), channel.as_str().into(), event.into(), now_ms.into()],
        )
    })
}

/// An alert to open.
#[derive(Debug, Clone)]
pub struct Opening<'a> {
    /// The tenant's id.
    pub tenant_id: &'a str,
    /// The rule.
    pub rule: Rule,
    /// Its subject ('' for the tenant).
    pub subject: &'a str,
    /// What happened.
    pub summary: &'a str,
}

/// Opens an alert with its messages, in one transaction, unless one is open already for the same
/// rule and subject (then nothing changes, whichever process got there first). Whether it opened.
pub async fn open_alert(db: &Db, opening: Opening<'_>, channels: &[Channel], now_ms: i64) -> Result<bool, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let insert = Statement::new(
        "insert into alert (alert_id, tenant_id, rule, subject, summary, opened_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (tenant_id, rule, subject) where resolved_at is null do nothing",
        vec![
            id.as_str().into(),
            opening.tenant_id.into(),
            opening.rule.as_str().into(),
            opening.subject.into(),
            opening.summary.into(),
            now_ms.into(),
        ],
    )
    .expecting(1);
    let mut statements = vec![insert];
    statements.extend(notices(&id, "opened", channels, now_ms));
    Ok(db.write(statements).await? == Outcome::Written)
}

/// Resolves an open alert with its messages, in one transaction; whether it was still open.
pub async fn resolve(db: &Db, alert_id: &str, channels: &[Channel], now_ms: i64) -> Result<bool, sqlx::Error> {
    let update = Statement::new(
        "update alert set resolved_at = $2 where alert_id = $1 and resolved_at is null",
        vec![alert_id.into(), now_ms.into()],
    )
    .expecting(1);
    let mut statements = vec![update];
    statements.extend(notices(alert_id, "resolved", channels, now_ms));
    Ok(db.write(statements).await? == Outcome::Written)
}

/// A message owed, with its alert.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Its id.
    pub id: i64,
    /// Where it goes.
    pub channel: String,
    /// `opened` or `resolved`.
    pub event: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When it is due (ms): the value a claim compares.
    pub next_attempt_at: i64,
    /// The alert.
    pub alert: Alert,
}

/// Messages due now, oldest first.
pub async fn due_notices(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<Notice>, sqlx::Error> {
    let select = Select::new(
        format!(
            "select n.notice_id, n.channel, n.event, n.attempts, n.next_attempt_at, {ALERT_COLUMNS} \
             from alert_notice n join alert a on a.alert_id = n.alert_id join tenant t on t.tenant_id = a.tenant_id \
             where n.next_attempt_at <= $1 order by n.notice_id limit $2"
        ),
        vec![now_ms.into(), limit.into()],
    );
    db.fetch(&select, |row| {
        Ok(Notice {
            id: row.int("notice_id")?,
            channel: row.text("channel")?,
            event: row.text("event")?,
            attempts: row.int("attempts")?,
            next_attempt_at: row.int("next_attempt_at")?,
            alert: alert_from_row(row)?,
        })
    })
    .await
}

/// Takes a due message for `lease_ms` (its next attempt moves past the lease), unless another
/// process took it first; whether this one did.
pub async fn claim_notice(db: &Db, notice: &Notice, until_ms: i64) -> Result<bool, sqlx::Error> {
    let claim = Statement::new(
        "update alert_notice set next_attempt_at = $3 where notice_id = $1 and next_attempt_at = $2",
        vec![notice.id.into(), notice.next_attempt_at.into(), until_ms.into()],
    )
    .expecting(1);
    Ok(db.write(vec![claim]).await? == Outcome::Written)
}

/// A message sent: it is owed no more.
pub async fn notice_sent(db: &Db, notice_id: i64) -> Result<(), sqlx::Error> {
    let delete = Statement::new("delete from alert_notice where notice_id = $1", vec![notice_id.into()]);
    db.write(vec![delete]).await.map(drop)
}

/// A message that failed: tried again at `next_attempt_at`.
pub async fn notice_failed(db: &Db, notice_id: i64, next_attempt_at: i64, error: &str) -> Result<(), sqlx::Error> {
    let update = Statement::new(
        "update alert_notice set attempts = attempts + 1, next_attempt_at = $2, last_error = $3 where notice_id = $1",
        vec![notice_id.into(), next_attempt_at.into(), error.into()],
    );
    db.write(vec![update]).await.map(drop)
}

/// Messages not sent yet with their last error, for the dashboard and `scimhub alerts`.
pub async fn unsent(db: &Db, tenant_id: &str) -> Result<Vec<(String, i64, Option<String>)>, sqlx::Error> {
    let select = Select::new(
        "select n.channel, n.attempts, n.last_error from alert_notice n join alert a on a.alert_id = n.alert_id \
         where a.tenant_id = $1 order by n.notice_id",
        vec![tenant_id.into()],
    );
    db.fetch(&select, |row| Ok((row.text("channel")?, row.int("attempts")?, row.opt_text("last_error")?))).await
}

/// The identity provider's authenticated requests in a tenant's log
/// from `from_log_id` on and since `since_ms`: how many, and how many failed (status ≥ 400).
pub async fn requests_since(
    db: &Db,
    tenant_id: &str,
    from_log_id: i64,
    since_ms: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let select = Select::new(
        format!(
            "select count(*) as total, coalesce(sum(case when status >= 400 then 1 else 0 end), 0) as failed \
             from provisioning_log where tenant_id = $1 and log_id >= $2 and occurred_at >= $3 and {FROM_IDP}"
        ),
        vec![tenant_id.into(), from_log_id.into(), since_ms.into()],
    );
    let counts = db.fetch_optional(&select, |row| Ok((row.int("total")?, row.int("failed")?))).await?;
    Ok(counts.unwrap_or((0, 0)))
}

/// Rows of requests the identity provider sent: received (no application) with one of the
/// tenant's credentials — so neither the dashboard's changes nor a stranger's refused requests
/// (a 401 for a wrong token) count: nobody outside can raise a tenant's error rate. A credential
/// the identity provider lost shows as silence instead.
const FROM_IDP: &str = "application_id is null and credential_id is not null";

/// When the identity provider last sent an authenticated request to the tenant (ms), if ever.
pub async fn last_request_at(db: &Db, tenant_id: &str) -> Result<Option<i64>, sqlx::Error> {
    let select = Select::new(
        format!(
            "select occurred_at from provisioning_log where tenant_id = $1 and {FROM_IDP} order by log_id desc limit 1"
        ),
        vec![tenant_id.into()],
    );
    db.fetch_optional(&select, |row| row.int("occurred_at")).await
}

/// The first provisioning-log id written at or after `at_ms` (ids grow with time; a search
/// over the primary key, so a window's rows are read by range instead of by scanning).
pub async fn first_log_id_at(db: &Db, at_ms: i64) -> Result<i64, sqlx::Error> {
    let bounds = Select::new(
        "select coalesce(min(log_id), 0) as low, coalesce(max(log_id), 0) as high from provisioning_log",
        Vec::new(),
    );
    let (mut low, mut high) =
        db.fetch_optional(&bounds, |row| Ok((row.int("low")?, row.int("high")?))).await?.unwrap_or((0, 0));
    high += 1;
    // Invariant: every row before `low` is older than `at_ms`; the row at or after `high` is not.
    while low < high {
        let middle = low + (high - low) / 2;
        let probe = Select::new(
            "select occurred_at from provisioning_log where log_id >= $1 order by log_id limit 1",
            vec![middle.into()],
        );
        match db.fetch_optional(&probe, |row| row.int("occurred_at")).await? {
            Some(occurred_at) if occurred_at < at_ms => low = middle + 1,
            _ => high = middle,
        }
    }
    Ok(low)
}
