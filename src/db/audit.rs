//! The `admin_audit` table: the administrators' audit trail — who changed what, when and from
//! where. Append-only (the migrations refuse UPDATE and DELETE), newest first by `audit_id`.
//! Callers describe a change in `detail` and never put a secret there.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row};

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
pub async fn append<'e>(exec: impl sqlx::Executor<'e, Database = Any>, e: &NewAuditEntry) -> Result<(), sqlx::Error> {
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
    .execute(exec)
    .await?;
    Ok(())
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

/// Up to `limit` rows of the tenant older than `before` (all when `None`), newest first.
pub async fn page(
    pool: &AnyPool,
    tenant_id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "select audit_id, tenant_id, occurred_at, actor_subject, actor_label, action, detail, client_addr \
         from admin_audit where tenant_id = $1 and audit_id < $2 order by audit_id desc limit $3",
    )
    .bind(tenant_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
