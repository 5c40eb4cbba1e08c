//! The `admin_preference` table: what the dashboard remembers per administrator (the tenant
//! they last worked in).

use sqlx::Row;

use super::Db;

/// Remembers `tenant` as the administrator's last tenant.
pub async fn set_last_tenant(db: &Db, subject: &str, tenant: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    let pool = db.writer();
    sqlx::query(
        "insert into admin_preference (subject, last_tenant, updated_at) values ($1, $2, $3) \
         on conflict (subject) do update set last_tenant = excluded.last_tenant, updated_at = excluded.updated_at",
    )
    .bind(subject)
    .bind(tenant)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// The administrator's last tenant, if one was remembered.
pub async fn last_tenant(db: &Db, subject: &str) -> Result<Option<String>, sqlx::Error> {
    let pool = db.reader();
    let row = sqlx::query("select last_tenant from admin_preference where subject = $1")
        .bind(subject)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("last_tenant")?,
        None => None,
    })
}
