//! The evidence the onboarding checklist looks for in a tenant's provisioning log: requests
//! made by the identity provider (with a credential), not by the dashboard.

use sqlx::Row;

use super::Db;

/// A log row that proves a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The row's id.
    pub log_id: i64,
    /// When (ms).
    pub occurred_at: i64,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The userName, if the row names one.
    pub user_name: Option<String>,
}

const COLUMNS: &str = "log_id, occurred_at, method, path, user_name";

fn evidence(row: &sqlx::any::AnyRow) -> Result<Evidence, sqlx::Error> {
    Ok(Evidence {
        log_id: row.try_get("log_id")?,
        occurred_at: row.try_get("occurred_at")?,
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        user_name: row.try_get("user_name")?,
    })
}

/// The identity provider's first request to the tenant.
pub async fn first_request(db: &Db, tenant_id: &str) -> Result<Option<Evidence>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {COLUMNS} from provisioning_log where tenant_id = $1 and credential_id is not null \
         order by log_id limit 1"
    );
    sqlx::query(&sql).bind(tenant_id).fetch_optional(pool).await?.as_ref().map(evidence).transpose()
}

/// The identity provider's first successful user request of this operation (`create`,
/// `deactivate`).
pub async fn first_user_operation(db: &Db, tenant_id: &str, operation: &str) -> Result<Option<Evidence>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {COLUMNS} from provisioning_log where tenant_id = $1 and operation = $2 and status < 300 \
         and resource_type = 'User' and credential_id is not null order by log_id limit 1"
    );
    sqlx::query(&sql).bind(tenant_id).bind(operation).fetch_optional(pool).await?.as_ref().map(evidence).transpose()
}

/// The number of failed requests since `since_ms` (a row of repeated refusals counts as many)
/// and the newest of them.
pub async fn errors_since(db: &Db, tenant_id: &str, since_ms: i64) -> Result<(u64, Option<Evidence>), sqlx::Error> {
    let pool = db.reader();
    let count: i64 = sqlx::query_scalar(
        "select coalesce(cast(sum(repeat_count) as bigint), 0) from provisioning_log \
         where tenant_id = $1 and occurred_at >= $2 and status >= 400",
    )
    .bind(tenant_id)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    if count == 0 {
        return Ok((0, None));
    }
    let sql = format!(
        "select {COLUMNS} from provisioning_log where tenant_id = $1 and occurred_at >= $2 and status >= 400 \
         order by log_id desc limit 1"
    );
    let newest = sqlx::query(&sql).bind(tenant_id).bind(since_ms).fetch_optional(pool).await?;
    Ok((u64::try_from(count).unwrap_or_default(), newest.as_ref().map(evidence).transpose()?))
}
