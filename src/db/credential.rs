//! The `credential` table: a tenant's SCIM bearer secrets and OAuth client secrets, stored as
//! hashes. A credential is usable while it is neither revoked nor past its `expires_at`; a
//! rotation with a grace period sets the old one's `expires_at` instead of revoking it, so the
//! old and the new secret work side by side until then. Several client secrets of one client
//! can be active at once, so rotating never breaks a provisioning job that still uses the old
//! one.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::secret::SecretHash;

use super::Db;

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A static secret sent as `Authorization: Bearer <secret>` to the SCIM endpoint.
    Bearer,
    /// An OAuth 2.0 client secret, exchanged at the tenant's token endpoint for access tokens.
    ClientSecret,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bearer => "bearer",
            Kind::ClientSecret => "client_secret",
        }
    }

    fn parse(s: &str) -> Kind {
        if s == "client_secret" {
            Kind::ClientSecret
        } else {
            Kind::Bearer
        }
    }
}

/// A credential found by the hash of a presented secret.
#[derive(Debug, Clone)]
pub struct CredentialMatch {
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// The stored hash (compared again in constant time).
    pub hash: SecretHash,
    /// The credential: its id is recorded in the provisioning log, its `last_used_at`
    /// throttles the updates of that column.
    pub info: CredentialInfo,
}

/// A credential as the dashboard shows it: never the secret, only its facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialInfo {
    /// The credential's id.
    pub id: String,
    /// Bearer secret or client secret.
    pub kind: Kind,
    /// The OAuth client id (client secrets only).
    pub client_id: Option<String>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last successful use (ms), updated at most once a minute.
    pub last_used_at: Option<i64>,
    /// When it stops working (ms): set by a rotation with a grace period.
    pub expires_at: Option<i64>,
}

/// The result of a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The new credential's id.
    pub credential_id: String,
    /// The OAuth client id (client secrets only).
    pub client_id: Option<String>,
    /// How many previously active credentials now expire or were revoked.
    pub superseded: u64,
}

/// The client id of the tenant's newest client secret, revoked or not.
const LATEST_CLIENT_ID: &str = "select client_id from credential where tenant_id = $1 and kind = 'client_secret' \
                                order by created_at desc, credential_id desc limit 1";

const ACTIVE: &str = "revoked_at is null and (expires_at is null or expires_at > $2)";

const INFO_COLUMNS: &str = "credential_id, kind, client_id, created_at, last_used_at, expires_at";

fn info_from_row(row: &AnyRow) -> Result<CredentialInfo, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(CredentialInfo {
        id: row.try_get("credential_id")?,
        kind: Kind::parse(&kind),
        client_id: row.try_get("client_id")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn match_from_row(row: &AnyRow) -> Result<CredentialMatch, sqlx::Error> {
    Ok(CredentialMatch {
        tenant_id: row.try_get("tenant_id")?,
        hash: SecretHash::from_stored(row.try_get("secret_hash")?),
        info: info_from_row(row)?,
    })
}

/// The usable (not revoked, not expired) credential of this kind with this hash, of any
/// tenant (the caller checks the tenant, and for client secrets the client id).
pub async fn find_active(
    db: &Db,
    kind: Kind,
    hash: &SecretHash,
    now_ms: i64,
) -> Result<Option<CredentialMatch>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {INFO_COLUMNS}, tenant_id, secret_hash from credential \
         where secret_hash = $1 and kind = $3 and {ACTIVE}"
    );
    let row = sqlx::query(&sql).bind(hash.as_str()).bind(now_ms).bind(kind.as_str()).fetch_optional(pool).await?;
    row.as_ref().map(match_from_row).transpose()
}

/// The usable (not revoked, not expired) bearer credential with this hash, of any tenant.
pub async fn find_active_bearer(
    db: &Db,
    hash: &SecretHash,
    now_ms: i64,
) -> Result<Option<CredentialMatch>, sqlx::Error> {
    find_active(db, Kind::Bearer, hash, now_ms).await
}

/// Replaces the tenant's bearer secret: revokes every active one and stores the new hash, in
/// one transaction. Returns the new credential's id.
pub async fn rotate_bearer(db: &Db, tenant_id: &str, hash: &SecretHash, now_ms: i64) -> Result<String, sqlx::Error> {
    Ok(rotate(db, tenant_id, Kind::Bearer, hash, now_ms, 0).await?.credential_id)
}

/// Stores a new secret of this kind for the tenant, in one transaction. The active ones it
/// supersedes are revoked at once when `grace_ms` is 0, and otherwise keep working until
/// `now + grace_ms` (or their earlier expiry, if a previous rotation set one).
///
/// A client secret belongs to the tenant's OAuth client, whose id stays what it was (the
/// client id of the tenant's newest client secret, revoked or not), so only the secret
/// changes in the identity provider; the tenant's first client secret gets a new client id.
pub async fn rotate(
    db: &Db,
    tenant_id: &str,
    kind: Kind,
    hash: &SecretHash,
    now_ms: i64,
    grace_ms: i64,
) -> Result<Rotated, sqlx::Error> {
    let pool = db.writer();
    let mut tx = super::begin_write(pool).await?;
    let client_id = match kind {
        Kind::Bearer => None,
        Kind::ClientSecret => {
            let existing: Option<String> =
                sqlx::query_scalar(LATEST_CLIENT_ID).bind(tenant_id).fetch_optional(&mut *tx).await?;
            Some(existing.unwrap_or_else(new_client_id))
        }
    };
    let superseded = supersede(&mut tx, tenant_id, kind, client_id.as_deref(), now_ms, grace_ms).await?;
    let credential_id = insert(&mut tx, tenant_id, kind, client_id.as_deref(), hash, now_ms).await?;
    tx.commit().await?;
    Ok(Rotated { credential_id, client_id, superseded })
}

/// A new OAuth client id: not secret, but unguessable so it identifies nothing by itself.
fn new_client_id() -> String {
    format!("scimhub-{}", uuid::Uuid::new_v4().simple())
}

/// Revokes (or, with a grace period, schedules the expiry of) the active credentials of a kind
/// (and client id). Those that already expire before the grace period ends keep their expiry.
async fn supersede(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    kind: Kind,
    client_id: Option<&str>,
    now_ms: i64,
    grace_ms: i64,
) -> Result<u64, sqlx::Error> {
    // $2 is the new expiry with a grace period, the revocation time without.
    let (mut sql, at) = if grace_ms > 0 {
        (
            "update credential set expires_at = $2 where tenant_id = $1 and kind = $3 and revoked_at is null \
             and (expires_at is null or expires_at > $2)"
                .to_owned(),
            now_ms.saturating_add(grace_ms),
        )
    } else {
        (format!("update credential set revoked_at = $2 where tenant_id = $1 and kind = $3 and {ACTIVE}"), now_ms)
    };
    if client_id.is_some() {
        sql.push_str(" and client_id = $4");
    }
    let mut query = sqlx::query(&sql).bind(tenant_id).bind(at).bind(kind.as_str());
    if let Some(client_id) = client_id {
        query = query.bind(client_id);
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    kind: Kind,
    client_id: Option<&str>,
    hash: &SecretHash,
    now_ms: i64,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "insert into credential (credential_id, tenant_id, kind, client_id, secret_hash, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(kind.as_str())
    .bind(client_id)
    .bind(hash.as_str())
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Revokes the tenant's bearer secrets at once (including those in a grace period). Returns
/// how many were active.
pub async fn revoke_bearer(db: &Db, tenant_id: &str, now_ms: i64) -> Result<u64, sqlx::Error> {
    let pool = db.writer();
    let sql = format!("update credential set revoked_at = $2 where tenant_id = $1 and kind = 'bearer' and {ACTIVE}");
    Ok(sqlx::query(&sql).bind(tenant_id).bind(now_ms).execute(pool).await?.rows_affected())
}

/// Revokes the tenant's client secrets at once: all of them, or only those of one client id.
/// Access tokens already issued stay valid until they expire (at most the tenant's token
/// lifetime); rotate the signing key as well to end them sooner. Returns how many were active.
pub async fn revoke_client_secrets(
    db: &Db,
    tenant_id: &str,
    client_id: Option<&str>,
    now_ms: i64,
) -> Result<u64, sqlx::Error> {
    let pool = db.writer();
    let base =
        format!("update credential set revoked_at = $2 where tenant_id = $1 and kind = 'client_secret' and {ACTIVE}");
    let done = match client_id {
        Some(client_id) => {
            sqlx::query(&format!("{base} and client_id = $3"))
                .bind(tenant_id)
                .bind(now_ms)
                .bind(client_id)
                .execute(pool)
                .await?
        }
        None => sqlx::query(&base).bind(tenant_id).bind(now_ms).execute(pool).await?,
    };
    Ok(done.rows_affected())
}

/// Ends the grace period of one superseded credential now: revokes it if it is still in its grace
/// period (usable, with an expiry), in one statement. Returns its kind if it was.
pub async fn end_grace(
    db: &Db,
    tenant_id: &str,
    credential_id: &str,
    now_ms: i64,
) -> Result<Option<Kind>, sqlx::Error> {
    let sql = format!(
        "update credential set revoked_at = $2 where tenant_id = $1 and credential_id = $3 \
         and expires_at is not null and {ACTIVE} returning kind"
    );
    let kind: Option<String> =
        sqlx::query_scalar(&sql).bind(tenant_id).bind(now_ms).bind(credential_id).fetch_optional(db.writer()).await?;
    Ok(kind.as_deref().map(Kind::parse))
}

/// The tenant's usable credentials (bearer and client secrets), newest first: what the
/// dashboard's credentials panel lists with their created and last-used times.
pub async fn list_active(db: &Db, tenant_id: &str, now_ms: i64) -> Result<Vec<CredentialInfo>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {INFO_COLUMNS} from credential where tenant_id = $1 and {ACTIVE} order by created_at desc, credential_id"
    );
    let rows = sqlx::query(&sql).bind(tenant_id).bind(now_ms).fetch_all(pool).await?;
    rows.iter().map(info_from_row).collect()
}

/// The client id of the tenant's OAuth client (its newest client secret's), if it has one.
pub async fn client_id(db: &Db, tenant_id: &str) -> Result<Option<String>, sqlx::Error> {
    let pool = db.reader();
    sqlx::query_scalar(LATEST_CLIENT_ID).bind(tenant_id).fetch_optional(pool).await
}

/// Records that a credential was used.
pub async fn touch(db: &Db, tenant_id: &str, credential_id: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    let pool = db.writer();
    sqlx::query("update credential set last_used_at = $3 where tenant_id = $1 and credential_id = $2")
        .bind(tenant_id)
        .bind(credential_id)
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_client_ids_are_distinct() {
        for kind in [Kind::Bearer, Kind::ClientSecret] {
            assert_eq!(Kind::parse(kind.as_str()), kind);
        }
        let (a, b) = (new_client_id(), new_client_id());
        assert_ne!(a, b);
        assert!(a.starts_with("scimhub-") && a.len() == "scimhub-".len() + 32);
    }
}
