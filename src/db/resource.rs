//! What the resource tables (`scim_user`, `scim_group`) share: a read by id, a delete by id,
//! and filtered, stably ordered pages and counts. Each table module maps the rows.

use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use super::sql::{bind_all, OrderBy, Where};

/// A table of SCIM resources.
#[derive(Debug)]
pub struct Table {
    /// The table's name.
    pub name: &'static str,
    /// Its id column.
    pub id: &'static str,
    /// The columns its rows are read with.
    pub columns: &'static str,
}

/// The row with this id in this tenant.
pub async fn get<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    table: &Table,
    tenant_id: &str,
    id: &str,
) -> Result<Option<AnyRow>, sqlx::Error> {
    let sql = format!("select {} from {} where tenant_id = $1 and {} = $2", table.columns, table.name, table.id);
    sqlx::query(&sql).bind(tenant_id).bind(id).fetch_optional(exec).await
}

/// Deletes the row with this id; returns whether it existed.
pub async fn delete<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    table: &Table,
    tenant_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!("delete from {} where tenant_id = $1 and {} = $2", table.name, table.id);
    let done = sqlx::query(&sql).bind(tenant_id).bind(id).execute(exec).await?;
    Ok(done.rows_affected() == 1)
}

/// One page of the tenant's rows matching `filter` (placeholders from `$2`), by `order` and
/// then in creation order — stable, so paginated imports see every resource once.
pub async fn page<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    table: &Table,
    tenant_id: &str,
    filter: &Where,
    order: Option<&OrderBy>,
    offset: u64,
    limit: u64,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let n = filter.args.len();
    let sql = format!(
        "select {} from {} where tenant_id = $1 and ({}) order by {}created_at, {} limit ${} offset ${}",
        table.columns,
        table.name,
        filter.sql,
        order.map(OrderBy::terms).unwrap_or_default(),
        table.id,
        n + 2,
        n + 3
    );
    bind_all(sqlx::query(&sql).bind(tenant_id), &filter.args)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(exec)
        .await
}

/// How many of the tenant's rows match `filter` (placeholders from `$2`).
pub async fn count(pool: &sqlx::AnyPool, table: &Table, tenant_id: &str, filter: &Where) -> Result<u64, sqlx::Error> {
    let sql = format!("select count(*) as n from {} where tenant_id = $1 and ({})", table.name, filter.sql);
    let row = bind_all(sqlx::query(&sql).bind(tenant_id), &filter.args).fetch_one(pool).await?;
    let n: i64 = row.try_get("n")?;
    Ok(u64::try_from(n).unwrap_or_default())
}
