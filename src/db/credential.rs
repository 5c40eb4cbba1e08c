//! The `credential` table: SCIM bearer secrets, stored as hashes.

use sqlx::{AnyPool, Row};

use crate::secret::SecretHash;

/// A credential found by the hash of a presented secret.
#[derive(Debug, Clone)]
pub struct CredentialMatch {
    /// The credential's id (recorded in the provisioning log).
    pub id: String,
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// The stored hash (compared again in constant time).
    pub hash: SecretHash,
    /// When it was last used (ms), to throttle the `last_used_at` updates.
    pub last_used_at: Option<i64>,
}

/// The usable (not revoked, not expired) bearer credential with this hash, of any tenant.
pub async fn find_active_bearer(
    pool: &AnyPool,
    hash: &SecretHash,
    now_ms: i64,
) -> Result<Option<CredentialMatch>, sqlx::Error> {
    let row = sqlx::query(
        "select credential_id, tenant_id, secret_hash, last_used_at from credential \
         where secret_hash = $1 and kind = 'bearer' and revoked_at is null \
         and (expires_at is null or expires_at > $2)",
    )
    .bind(hash.as_str())
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(CredentialMatch {
            id: row.try_get("credential_id")?,
            tenant_id: row.try_get("tenant_id")?,
            hash: SecretHash::from_stored(row.try_get("secret_hash")?),
            last_used_at: row.try_get("last_used_at")?,
        })
    })
    .transpose()
}

/// Replaces the tenant's bearer secret: revokes every active one and stores the new hash, in
/// one transaction. Returns the new credential's id.
pub async fn rotate_bearer(
    pool: &AnyPool,
    tenant_id: &str,
    hash: &SecretHash,
    now_ms: i64,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "update credential set revoked_at = $2 where tenant_id = $1 and kind = 'bearer' and revoked_at is null",
    )
    .bind(tenant_id)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into credential (credential_id, tenant_id, kind, secret_hash, created_at) \
         values ($1, $2, 'bearer', $3, $4)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(hash.as_str())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records that a credential was used.
pub async fn touch(pool: &AnyPool, tenant_id: &str, credential_id: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("update credential set last_used_at = $3 where tenant_id = $1 and credential_id = $2")
        .bind(tenant_id)
        .bind(credential_id)
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(())
}
