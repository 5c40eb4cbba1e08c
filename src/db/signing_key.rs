//! The `signing_key` table: per-tenant keys that sign the access tokens of the tenant's token
//! endpoint. At most one key per tenant is active (a partial unique index enforces it, so two
//! replicas creating a tenant's first key at once cannot both succeed); a retired key stays
//! published, and accepted, until its `expires_at`, by which time every token it signed has
//! expired. The private key is stored in clear text (see docs/architecture.md).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::Db;

/// A private key in PKCS#8 PEM, as stored. Its `Debug` hides the value.
pub struct PrivateKeyPem(pub String);

impl std::fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKeyPem(****)")
    }
}

/// A signing key row.
#[derive(Debug)]
pub struct SigningKeyRow {
    /// Key id (the RFC 7638 thumbprint of the public key), the `kid` of the tokens it signs.
    pub kid: String,
    /// The JWS algorithm (`ES256`).
    pub algorithm: String,
    /// The private key.
    pub private_key_pem: PrivateKeyPem,
    /// The public key as a JWK (JSON text), as published at the `certs` endpoint.
    pub public_jwk: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// When it stopped signing (ms).
    pub retired_at: Option<i64>,
    /// When it stops being published and accepted (ms).
    pub expires_at: Option<i64>,
}

/// A key to store.
#[derive(Debug)]
pub struct NewSigningKey {
    /// Key id.
    pub kid: String,
    /// The JWS algorithm.
    pub algorithm: &'static str,
    /// The private key.
    pub private_key_pem: PrivateKeyPem,
    /// The public JWK (JSON text).
    pub public_jwk: String,
}

const COLUMNS: &str = "kid, algorithm, private_key_pem, public_jwk, created_at, retired_at, expires_at";

fn from_row(row: &AnyRow) -> Result<SigningKeyRow, sqlx::Error> {
    Ok(SigningKeyRow {
        kid: row.try_get("kid")?,
        algorithm: row.try_get("algorithm")?,
        private_key_pem: PrivateKeyPem(row.try_get("private_key_pem")?),
        public_jwk: row.try_get("public_jwk")?,
        created_at: row.try_get("created_at")?,
        retired_at: row.try_get("retired_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// The tenant's active (signing) key, if it has one.
pub async fn active(db: &Db, tenant_id: &str) -> Result<Option<SigningKeyRow>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!("select {COLUMNS} from signing_key where tenant_id = $1 and retired_at is null");
    let row = sqlx::query(&sql).bind(tenant_id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores the tenant's first active key. Fails with a unique violation when the tenant
/// already has an active key (another process created it first).
pub async fn insert_active(db: &Db, tenant_id: &str, key: &NewSigningKey, now_ms: i64) -> Result<(), sqlx::Error> {
    insert(db.writer(), tenant_id, key, now_ms).await
}

async fn insert<'e, E>(executor: E, tenant_id: &str, key: &NewSigningKey, now_ms: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "insert into signing_key (kid, tenant_id, algorithm, private_key_pem, public_jwk, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.kid)
    .bind(tenant_id)
    .bind(key.algorithm)
    .bind(&key.private_key_pem.0)
    .bind(&key.public_jwk)
    .bind(now_ms)
    .execute(executor)
    .await?;
    Ok(())
}

/// Retires the tenant's active key (published and accepted until `old_expires_at`) and makes
/// `key` the active one, in one transaction. Returns the retired key's id, if there was one.
pub async fn rotate(
    db: &Db,
    tenant_id: &str,
    key: &NewSigningKey,
    now_ms: i64,
    old_expires_at: i64,
) -> Result<Option<String>, sqlx::Error> {
    let pool = db.writer();
    let mut tx = super::begin_write(pool).await?;
    let retired: Option<String> =
        sqlx::query_scalar("select kid from signing_key where tenant_id = $1 and retired_at is null")
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query("update signing_key set retired_at = $2, expires_at = $3 where tenant_id = $1 and retired_at is null")
        .bind(tenant_id)
        .bind(now_ms)
        .bind(old_expires_at)
        .execute(&mut *tx)
        .await?;
    insert(&mut *tx, tenant_id, key, now_ms).await?;
    tx.commit().await?;
    Ok(retired)
}

/// The public JWKs of the tenant's keys that are still published (active, or retired but not
/// yet expired): the active key first, then the most recently retired.
pub async fn published(db: &Db, tenant_id: &str, now_ms: i64) -> Result<Vec<String>, sqlx::Error> {
    let pool = db.reader();
    sqlx::query_scalar(
        "select public_jwk from signing_key where tenant_id = $1 and (expires_at is null or expires_at > $2) \
         order by coalesce(retired_at, 9223372036854775807) desc, created_at desc, kid",
    )
    .bind(tenant_id)
    .bind(now_ms)
    .fetch_all(pool)
    .await
}

/// The public JWK of one of the tenant's still-published keys, by key id.
pub async fn published_jwk(db: &Db, tenant_id: &str, kid: &str, now_ms: i64) -> Result<Option<String>, sqlx::Error> {
    let pool = db.reader();
    sqlx::query_scalar(
        "select public_jwk from signing_key where kid = $1 and tenant_id = $2 \
         and (expires_at is null or expires_at > $3)",
    )
    .bind(kid)
    .bind(tenant_id)
    .bind(now_ms)
    .fetch_optional(pool)
    .await
}
