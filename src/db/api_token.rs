//! The `api_token` table: the tokens scripts present to the administration API
//! (`/admin/api/v1`). Only a token's SHA-256 is stored; its scope is the platform or a list of
//! tenants (`api_token_tenant`, which loses a tenant when the tenant is deleted).

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use super::row::RowRead;
use super::Db;
use crate::secret::SecretHash;

/// `last_used_at` is written at most this often per token (ms), so reads stay reads.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A stored token, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id (shown in lists, used to revoke it).
    pub id: String,
    /// What it is for, as its creator named it.
    pub name: String,
    /// Every tenant and platform administration.
    pub platform: bool,
    /// The tenants it may use (exact names, sorted) when not `platform`.
    pub tenants: Vec<String>,
    /// It may look, never change.
    pub read_only: bool,
    /// When it was made (ms).
    pub created_at: i64,
    /// Who made it (an administrator's label, or `cli:<user>`).
    pub created_by: String,
    /// When it stops working (ms), if ever.
    pub expires_at: Option<i64>,
    /// When it was last used (ms, to the minute).
    pub last_used_at: Option<i64>,
    /// When it was revoked (ms).
    pub revoked_at: Option<i64>,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct TokenRecord<'a> {
    /// What it is for.
    pub name: &'a str,
    /// Every tenant and platform administration (then `tenant_ids` is empty).
    pub platform: bool,
    /// The ids of the tenants it may use.
    pub tenant_ids: &'a [String],
    /// It may look, never change.
    pub read_only: bool,
    /// When it stops working (ms), if ever.
    pub expires_at: Option<i64>,
    /// Who makes it.
    pub created_by: &'a str,
}

const COLUMNS: &str =
    "token_id, name, platform, read_only, created_at, created_by, expires_at, last_used_at, revoked_at";

fn from_row(row: &AnyRow, tenants: Vec<String>) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        id: row.try_get("token_id")?,
        name: row.try_get("name")?,
        platform: row.flag("platform")?,
        tenants,
        read_only: row.flag("read_only")?,
        created_at: row.int("created_at")?,
        created_by: row.try_get("created_by")?,
        expires_at: row.opt_int("expires_at")?,
        last_used_at: row.opt_int("last_used_at")?,
        revoked_at: row.opt_int("revoked_at")?,
    })
}

/// Stores a token with its hash and scope, in one transaction; returns its id.
pub async fn create(db: &Db, token: &TokenRecord<'_>, hash: &SecretHash, now_ms: i64) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = super::begin_write(db.writer()).await?;
    sqlx::query(
        "insert into api_token (token_id, name, token_hash, platform, read_only, created_at, created_by, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(token.name)
    .bind(hash.as_str())
    .bind(token.platform)
    .bind(token.read_only)
    .bind(now_ms)
    .bind(token.created_by)
    .bind(token.expires_at)
    .execute(&mut *tx)
    .await?;
    for tenant_id in token.tenant_ids {
        sqlx::query("insert into api_token_tenant (token_id, tenant_id) values ($1, $2)")
            .bind(&id)
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The usable (not revoked, not expired) token with this hash, with its tenants.
pub async fn find_usable(db: &Db, hash: &SecretHash, now_ms: i64) -> Result<Option<ApiToken>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {COLUMNS}, token_hash from api_token where token_hash = $1 and revoked_at is null \
         and (expires_at is null or expires_at > $2)"
    );
    let Some(row) = sqlx::query(&sql).bind(hash.as_str()).bind(now_ms).fetch_optional(pool).await? else {
        return Ok(None);
    };
    // The index found it by equality; the comparison that decides is the constant-time one.
    if !SecretHash::from_stored(row.try_get("token_hash")?).matches(hash) {
        return Ok(None);
    }
    let id: String = row.try_get("token_id")?;
    let tenants = sqlx::query_scalar(
        "select t.name from api_token_tenant a join tenant t on t.tenant_id = a.tenant_id \
         where a.token_id = $1 order by t.name",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?;
    from_row(&row, tenants).map(Some)
}

/// Every token, revoked and expired ones too, newest first.
pub async fn list(db: &Db) -> Result<Vec<ApiToken>, sqlx::Error> {
    let pool = db.reader();
    let scopes = sqlx::query(
        "select a.token_id, t.name from api_token_tenant a join tenant t on t.tenant_id = a.tenant_id order by t.name",
    )
    .fetch_all(pool)
    .await?;
    let mut tenants: HashMap<String, Vec<String>> = HashMap::new();
    for row in &scopes {
        tenants.entry(row.try_get("token_id")?).or_default().push(row.try_get("name")?);
    }
    let sql = format!("select {COLUMNS} from api_token order by created_at desc, token_id");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("token_id")?;
            from_row(row, tenants.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Revokes a token now; returns whether a usable one was revoked.
pub async fn revoke(db: &Db, id: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update api_token set revoked_at = $2 where token_id = $1 and revoked_at is null")
        .bind(id)
        .bind(now_ms)
        .execute(db.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records that a token was used, unless that was recorded less than a minute ago.
pub async fn touch(db: &Db, token: &ApiToken, now_ms: i64) -> Result<(), sqlx::Error> {
    if token.last_used_at.is_some_and(|at| now_ms - at < TOUCH_EVERY_MS) {
        return Ok(());
    }
    sqlx::query("update api_token set last_used_at = $2 where token_id = $1")
        .bind(&token.id)
        .bind(now_ms)
        .execute(db.writer())
        .await?;
    Ok(())
}
