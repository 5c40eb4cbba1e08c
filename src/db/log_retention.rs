//! Retention of the provisioning log: per tenant, rows older than a number of days and rows
//! beyond a number of the newest are pruned, in small batches so provisioning keeps the writer.

use sqlx::{AnyPool, Row};

use super::Db;

/// A tenant's retention setting; `None` = no limit of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Rows older than this many days go.
    pub days: Option<i64>,
    /// Only this many of the newest rows stay.
    pub rows: Option<i64>,
}

impl Retention {
    /// Whether anything is ever pruned.
    pub fn is_limited(&self) -> bool {
        self.days.is_some() || self.rows.is_some()
    }
}

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The tenant's setting (the default, no limit, for an unknown tenant).
pub async fn get(db: &Db, tenant_id: &str) -> Result<Retention, sqlx::Error> {
    let pool = db.reader();
    let row = sqlx::query("select log_retention_days, log_retention_rows from tenant where tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok(Retention { days: r.try_get(0)?, rows: r.try_get(1)? })).unwrap_or(Ok(Retention::default()))
}

/// Stores the tenant's setting; returns whether the tenant exists.
pub async fn set(db: &Db, tenant_id: &str, retention: Retention, now_ms: i64) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let done = sqlx::query(
        "update tenant set log_retention_days = $2, log_retention_rows = $3, updated_at = $4 where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(retention.days)
    .bind(retention.rows)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenants that limit their log, with their settings.
pub async fn limited_tenants(db: &Db) -> Result<Vec<(String, Retention)>, sqlx::Error> {
    let pool = db.reader();
    let rows = sqlx::query(
        "select tenant_id, log_retention_days, log_retention_rows from tenant \
         where log_retention_days is not null or log_retention_rows is not null",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, Retention { days: r.try_get(1)?, rows: r.try_get(2)? }))).collect()
}

/// The newest log id that `retention` removes, if any: every row with this id or a smaller one
/// goes. Rows are appended in time order, so the age limit and the count limit each cut the log
/// at one id, and the larger cut wins.
async fn cut(pool: &AnyPool, tenant_id: &str, retention: Retention, now_ms: i64) -> Result<Option<i64>, sqlx::Error> {
    let by_age: Option<i64> = match retention.days {
        Some(days) => {
            sqlx::query_scalar("select max(log_id) from provisioning_log where tenant_id = $1 and occurred_at < $2")
                .bind(tenant_id)
                .bind(now_ms.saturating_sub(days.saturating_mul(DAY_MS)))
                .fetch_one(pool)
                .await?
        }
        None => None,
    };
    let by_count: Option<i64> = match retention.rows {
        Some(rows) => {
            sqlx::query_scalar(
                "select log_id from provisioning_log where tenant_id = $1 order by log_id desc limit 1 offset $2",
            )
            .bind(tenant_id)
            .bind(rows)
            .fetch_optional(pool)
            .await?
        }
        None => None,
    };
    Ok(by_age.max(by_count))
}

/// How many rows `retention` would remove now (the preview beside the setting).
pub async fn prunable(db: &Db, tenant_id: &str, retention: Retention, now_ms: i64) -> Result<u64, sqlx::Error> {
    let pool = db.reader();
    let Some(cut) = cut(pool, tenant_id, retention, now_ms).await? else {
        return Ok(0);
    };
    let n: i64 = sqlx::query_scalar("select count(*) from provisioning_log where tenant_id = $1 and log_id <= $2")
        .bind(tenant_id)
        .bind(cut)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Removes what `retention` prunes, `batch` rows per statement; returns how many rows went.
/// Each batch is its own short transaction, so SCIM writes interleave with a long prune.
pub async fn prune(
    db: &Db,
    tenant_id: &str,
    retention: Retention,
    now_ms: i64,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let pool = db.writer();
    let Some(cut) = cut(pool, tenant_id, retention, now_ms).await? else {
        return Ok(0);
    };
    let mut removed = 0;
    loop {
        let done = sqlx::query(
            "delete from provisioning_log where log_id in (select log_id from provisioning_log \
             where tenant_id = $1 and log_id <= $2 order by log_id limit $3)",
        )
        .bind(tenant_id)
        .bind(cut)
        .bind(batch)
        .execute(pool)
        .await?;
        removed += done.rows_affected();
        if done.rows_affected() < u64::try_from(batch).unwrap_or(u64::MAX) {
            return Ok(removed);
        }
        tokio::task::yield_now().await;
    }
}
