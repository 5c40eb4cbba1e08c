//! A tenant's whole directory at once: the reset an admin asks for before a fresh full sync.

use super::Db;

/// What a reset removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// Users deleted.
    pub users: u64,
    /// Groups deleted.
    pub groups: u64,
}

/// Deletes every user, group and membership of the tenant in one transaction; its settings,
/// credentials and logs stay.
pub async fn reset(db: &Db, tenant_id: &str) -> Result<Removed, sqlx::Error> {
    let pool = db.writer();
    let mut tx = super::begin_write(pool).await?;
    sqlx::query("delete from group_member where tenant_id = $1").bind(tenant_id).execute(&mut *tx).await?;
    let groups = sqlx::query("delete from scim_group where tenant_id = $1").bind(tenant_id).execute(&mut *tx).await?;
    let users = sqlx::query("delete from scim_user where tenant_id = $1").bind(tenant_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Removed { users: users.rows_affected(), groups: groups.rows_affected() })
}
