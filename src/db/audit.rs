//! The `admin_audit` table: the administrators' audit trail — who changed what, when and from
//! where. Append-only (the migrations refuse UPDATE and DELETE), newest first by `audit_id`.
//! Callers describe a change in `detail` and never put a secret there.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{bind_all, placeholders, Arg};
use super::Db;

/// A row to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// The tenant the change concerns; `None` for changes that concern no tenant.
    pub tenant_id: Option<String>,
    /// When (ms).
    pub occurred_at: i64,
    /// The administrator's stable subject.
    pub actor_subject: String,
    /// How the administrator is shown (email, name or subject).
    pub actor_label: String,
    /// What was done, e.g. `scim_settings.update` or `scim_secret.rotate`.
    pub action: String,
    /// The change, as a JSON object (never a secret).
    pub detail: serde_json::Value,
    /// The address the administrator's request came from, if known.
    pub client_addr: Option<String>,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its id (increasing).
    pub id: i64,
    /// The values written.
    pub entry: NewAuditEntry,
}

/// Appends a row.
pub async fn append(db: &Db, e: &NewAuditEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into admin_audit (tenant_id, occurred_at, actor_subject, actor_label, action, detail, client_addr) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.tenant_id.as_deref())
    .bind(e.occurred_at)
    .bind(&e.actor_subject)
    .bind(&e.actor_label)
    .bind(&e.action)
    .bind(e.detail.to_string())
    .bind(e.client_addr.as_deref())
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Appends a row for a change that is already committed: a failed append must not fail the
/// request (the caller would lose its answer, a new secret with it), so the entry is written to
/// the server log in full instead — the trail of last resort.
pub async fn append_or_log(db: &Db, e: &NewAuditEntry) {
    if let Err(error) = append(db, e).await {
        tracing::error!(
            %error, tenant = e.tenant_id.as_deref().unwrap_or("-"), actor = %e.actor_subject, action = %e.action,
            detail = %e.detail, "could not write the audit trail"
        );
    }
}

fn from_row(row: &AnyRow) -> Result<AuditEntry, sqlx::Error> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEntry {
        id: row.try_get("audit_id")?,
        entry: NewAuditEntry {
            tenant_id: row.try_get("tenant_id")?,
            occurred_at: row.try_get("occurred_at")?,
            actor_subject: row.try_get("actor_subject")?,
            actor_label: row.try_get("actor_label")?,
            action: row.try_get("action")?,
            // Written by `append` as JSON; anything else is kept as a string rather than lost.
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            client_addr: row.try_get("client_addr")?,
        },
    })
}

/// Which entries of the trail to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter<'a> {
    /// Only this tenant's entries (by tenant id); all when `None`.
    pub tenant_id: Option<&'a str>,
    /// Only entries with these actions.
    pub actions: &'a [&'a str],
    /// Only entries whose actor, action, detail or address contain this (case-insensitive).
    pub text: Option<&'a str>,
    /// Only entries older than this id.
    pub before: Option<i64>,
}

/// Up to `limit` entries matching `filter`, newest first.
pub async fn search(db: &Db, filter: &AuditFilter<'_>, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let pool = db.reader();
    let mut conditions = vec!["audit_id < $1".to_owned()];
    let mut args = vec![Arg::Int(filter.before.unwrap_or(i64::MAX))];
    if let Some(tenant_id) = filter.tenant_id {
        args.push(Arg::Text(tenant_id.to_owned()));
        conditions.push(format!("tenant_id = ${}", args.len()));
    }
    if !filter.actions.is_empty() {
        conditions.push(format!("action in ({})", placeholders(args.len() + 1, filter.actions.len())));
        args.extend(filter.actions.iter().map(|a| Arg::Text((*a).to_owned())));
    }
    if let Some(text) = filter.text.filter(|t| !t.is_empty()) {
        args.push(Arg::Text(format!("%{}%", text.to_lowercase())));
        let n = args.len();
        conditions.push(format!(
            "(lower(actor_label) like ${n} or lower(actor_subject) like ${n} or lower(action) like ${n} \
             or lower(detail) like ${n} or lower(coalesce(client_addr, '')) like ${n})"
        ));
    }
    args.push(Arg::Int(i64::from(limit)));
    let sql = format!(
        "select audit_id, tenant_id, occurred_at, actor_subject, actor_label, action, detail, client_addr \
         from admin_audit where {} order by audit_id desc limit ${}",
        conditions.join(" and "),
        args.len()
    );
    let rows = bind_all(sqlx::query(&sql), &args).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` rows of the tenant older than `before` (all when `None`), newest first.
pub async fn page(db: &Db, tenant_id: &str, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let filter = AuditFilter { tenant_id: Some(tenant_id), before, ..AuditFilter::default() };
    search(db, &filter, limit).await
}
