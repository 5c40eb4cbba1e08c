//! The `login_link` table: one-time break-glass sign-in links, stored as hashes.

use super::Db;

use crate::secret::SecretHash;

/// Stores a new link's hash, valid until `expires_at` (ms).
pub async fn insert(db: &Db, hash: &SecretHash, now_ms: i64, expires_at: i64) -> Result<(), sqlx::Error> {
    let pool = db.writer();
    sqlx::query("insert into login_link (token_hash, created_at, expires_at) values ($1, $2, $3)")
        .bind(hash.as_str())
        .bind(now_ms)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks the link used if it is unused and unexpired; returns whether it was redeemed. The
/// single conditional update makes a second use fail even when two requests race.
pub async fn redeem(db: &Db, hash: &SecretHash, now_ms: i64) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let done =
        sqlx::query("update login_link set used_at = $2 where token_hash = $1 and used_at is null and expires_at > $2")
            .bind(hash.as_str())
            .bind(now_ms)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
