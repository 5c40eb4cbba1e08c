//! The `provisioning_log` table: one row per SCIM request, newest first by `log_id`.

use sqlx::{Any, Row};

/// A row to append.
#[derive(Debug, Clone, Default)]
pub struct NewLogEntry {
    /// The tenant.
    pub tenant_id: String,
    /// When the request arrived (ms).
    pub occurred_at: i64,
    /// The credential that authenticated it, if any did.
    pub credential_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query, relative to the SCIM base.
    pub path: String,
    /// What the request did: create, replace, update, deactivate, delete, read, list, discovery.
    pub operation: String,
    /// `User`, `Group` or none.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The user's userName (or group's displayName).
    pub user_name: Option<String>,
    /// HTTP status of the response.
    pub status: u16,
    /// SCIM error keyword.
    pub scim_type: Option<String>,
    /// SCIM error detail.
    pub detail: Option<String>,
    /// Time to answer (µs).
    pub latency_us: i64,
    /// Redacted, truncated request body.
    pub request_excerpt: Option<String>,
    /// Redacted, truncated response body.
    pub response_excerpt: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
}

/// A stored row.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Its id (increasing).
    pub id: i64,
    /// The values written.
    pub entry: NewLogEntry,
}

/// Appends a row.
pub async fn append<'e>(exec: impl sqlx::Executor<'e, Database = Any>, e: &NewLogEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into provisioning_log (tenant_id, occurred_at, credential_id, method, path, operation, \
         resource_type, resource_id, user_name, status, scim_type, detail, latency_us, request_excerpt, \
         response_excerpt, client_addr, user_agent) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&e.tenant_id)
    .bind(e.occurred_at)
    .bind(e.credential_id.as_deref())
    .bind(&e.method)
    .bind(&e.path)
    .bind(&e.operation)
    .bind(e.resource_type.as_deref())
    .bind(e.resource_id.as_deref())
    .bind(e.user_name.as_deref())
    .bind(i64::from(e.status))
    .bind(e.scim_type.as_deref())
    .bind(e.detail.as_deref())
    .bind(e.latency_us)
    .bind(e.request_excerpt.as_deref())
    .bind(e.response_excerpt.as_deref())
    .bind(e.client_addr.as_deref())
    .bind(e.user_agent.as_deref())
    .execute(exec)
    .await?;
    Ok(())
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<LogEntry, sqlx::Error> {
    let status: i64 = row.try_get("status")?;
    Ok(LogEntry {
        id: row.try_get("log_id")?,
        entry: NewLogEntry {
            tenant_id: row.try_get("tenant_id")?,
            occurred_at: row.try_get("occurred_at")?,
            credential_id: row.try_get("credential_id")?,
            method: row.try_get("method")?,
            path: row.try_get("path")?,
            operation: row.try_get("operation")?,
            resource_type: row.try_get("resource_type")?,
            resource_id: row.try_get("resource_id")?,
            user_name: row.try_get("user_name")?,
            status: u16::try_from(status).unwrap_or_default(),
            scim_type: row.try_get("scim_type")?,
            detail: row.try_get("detail")?,
            latency_us: row.try_get("latency_us")?,
            request_excerpt: row.try_get("request_excerpt")?,
            response_excerpt: row.try_get("response_excerpt")?,
            client_addr: row.try_get("client_addr")?,
            user_agent: row.try_get("user_agent")?,
        },
    })
}

/// The newest `limit` rows about one resource (a user's or group's history), newest first.
pub async fn for_resource(
    pool: &sqlx::AnyPool,
    tenant_id: &str,
    resource_id: &str,
    limit: u32,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "select * from provisioning_log where tenant_id = $1 and resource_id = $2 order by log_id desc limit $3",
    )
    .bind(tenant_id)
    .bind(resource_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` rows of the tenant older than `before` (all when `None`), newest first.
pub async fn page(
    pool: &sqlx::AnyPool,
    tenant_id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "select * from provisioning_log where tenant_id = $1 and log_id < $2 order by log_id desc limit $3",
    )
    .bind(tenant_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The tenant's request and error counts since `since_ms`, and the time of its last request.
pub async fn activity(
    pool: &sqlx::AnyPool,
    tenant_id: &str,
    since_ms: i64,
) -> Result<(u64, u64, Option<i64>), sqlx::Error> {
    let row = sqlx::query(
        "select count(*) as n, coalesce(sum(case when status >= 400 then 1 else 0 end), 0) as e, \
         (select max(occurred_at) from provisioning_log where tenant_id = $1) as last \
         from provisioning_log where tenant_id = $1 and occurred_at >= $2",
    )
    .bind(tenant_id)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    let n: i64 = row.try_get("n")?;
    let e: i64 = row.try_get("e")?;
    Ok((u64::try_from(n).unwrap_or_default(), u64::try_from(e).unwrap_or_default(), row.try_get("last")?))
}
