//! The `tenant` table: a customer directory with its SCIM settings, including how its SCIM
//! endpoint authenticates callers (bearer secret, its own token endpoint, Entra-issued tokens).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::row::RowRead;
use super::sql::{bind_all, placeholders, Arg};
use super::Db;
use crate::tenant::{AuthSettings, LinkMatch, Profile, ProvisioningSettings, Settings, Tenant};

const COLUMNS: &str = "tenant_id, name, display_name, profile, scim_enabled, created_at, azure_tenant_id, \
                       remote_token_auth, token_ttl_secs, azure_audiences, azure_subjects, azure_jwks_url, \
                       link_users_by, required_attributes, disabled_at";

fn from_row(row: &AnyRow) -> Result<Tenant, sqlx::Error> {
    let profile: String = row.try_get("profile")?;
    Ok(Tenant {
        id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        profile: Profile::parse(&profile).unwrap_or(Profile::Generic),
        scim_enabled: row.flag("scim_enabled")?,
        disabled_at: row.try_get("disabled_at")?,
        created_at: row.try_get("created_at")?,
        auth: AuthSettings {
            azure_tenant_id: row.try_get("azure_tenant_id")?,
            remote_token_auth: row.flag("remote_token_auth")?,
            token_ttl_secs: row.try_get("token_ttl_secs")?,
            azure_audiences: list_from_column(row.try_get("azure_audiences")?),
            azure_subjects: list_from_column(row.try_get("azure_subjects")?),
            azure_jwks_url: row.try_get("azure_jwks_url")?,
        },
        provisioning: ProvisioningSettings {
            link_users_by: row
                .try_get::<Option<String>, _>("link_users_by")?
                .and_then(|s| LinkMatch::parse(&s).ok().flatten()),
            required_attributes: list_from_column(row.try_get("required_attributes")?),
        },
    })
}

/// A stored JSON list (NULL or unreadable = empty, i.e. the default).
fn list_from_column(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// A list as stored: NULL when empty.
fn list_to_column(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| serde_json::Value::from(list.to_vec()).to_string())
}

/// Inserts a tenant whose display name is its name; a taken name is a unique violation.
pub async fn insert(db: &Db, name: &str, profile: Profile, now_ms: i64) -> Result<Tenant, sqlx::Error> {
    insert_named(db, name, name, profile, now_ms).await
}

/// Inserts a tenant; a taken name is a unique violation.
pub async fn insert_named(
    db: &Db,
    name: &str,
    display_name: &str,
    profile: Profile,
    now_ms: i64,
) -> Result<Tenant, sqlx::Error> {
    let pool = db.writer();
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "insert into tenant (tenant_id, name, display_name, profile, scim_enabled, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(name)
    .bind(display_name)
    .bind(profile.as_str())
    .bind(true)
    .bind(now_ms)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(Tenant {
        id,
        name: name.to_owned(),
        display_name: display_name.to_owned(),
        profile,
        scim_enabled: true,
        disabled_at: None,
        created_at: now_ms,
        auth: AuthSettings::default(),
        provisioning: ProvisioningSettings::default(),
    })
}

/// Saves a tenant's settings (validated by the caller with the `parse_*` functions). Returns
/// whether the tenant exists.
pub async fn update_settings(db: &Db, tenant_id: &str, settings: &Settings, now_ms: i64) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let auth = &settings.auth;
    let done = sqlx::query(
        "update tenant set profile = $2, scim_enabled = $3, azure_tenant_id = $4, remote_token_auth = $5, \
         token_ttl_secs = $6, azure_audiences = $7, azure_subjects = $8, azure_jwks_url = $9, updated_at = $10, \
         link_users_by = $11, required_attributes = $12 where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(settings.profile.as_str())
    .bind(settings.scim_enabled)
    .bind(auth.azure_tenant_id.as_deref())
    .bind(auth.remote_token_auth)
    .bind(auth.token_ttl_secs)
    .bind(list_to_column(&auth.azure_audiences))
    .bind(list_to_column(&auth.azure_subjects))
    .bind(auth.azure_jwks_url.as_deref())
    .bind(now_ms)
    .bind(settings.provisioning.link_users_by.map(LinkMatch::as_str))
    .bind(list_to_column(&settings.provisioning.required_attributes))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant with this exact (case-sensitive) name.
pub async fn by_name(db: &Db, name: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!("select {COLUMNS} from tenant where name = $1");
    let row = sqlx::query(&sql).bind(name).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The tenant with this id.
pub async fn by_id(db: &Db, tenant_id: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!("select {COLUMNS} from tenant where tenant_id = $1");
    let row = sqlx::query(&sql).bind(tenant_id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a tenant's display name; returns whether the tenant exists.
pub async fn rename(db: &Db, tenant_id: &str, display_name: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let done = sqlx::query("update tenant set display_name = $2, updated_at = $3 where tenant_id = $1")
        .bind(tenant_id)
        .bind(display_name)
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables (at `now_ms`) or enables a tenant; returns whether the tenant exists.
pub async fn set_disabled(db: &Db, tenant_id: &str, disabled: bool, now_ms: i64) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let done = sqlx::query("update tenant set disabled_at = $2, updated_at = $3 where tenant_id = $1")
        .bind(tenant_id)
        .bind(disabled.then_some(now_ms))
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a tenant and, by cascade, everything it holds (users, groups, credentials, keys,
/// log, grants); the audit trail stays. Returns whether it existed.
pub async fn delete(db: &Db, tenant_id: &str) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let done = sqlx::query("delete from tenant where tenant_id = $1").bind(tenant_id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Which tenants a search may return.
#[derive(Debug, Clone, Copy)]
pub enum Visible<'a> {
    /// Every tenant (platform administrators).
    All,
    /// Only these names.
    Only(&'a [String]),
}

/// A page of the tenants whose name or display name contains `search` (case-insensitive), by
/// name, and how many match in all.
pub async fn search(
    db: &Db,
    search: &str,
    visible: Visible<'_>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Tenant>, u64), sqlx::Error> {
    let pool = db.reader();
    let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
    let mut condition = "(lower(name) like $1 escape '\\' or lower(display_name) like $1 escape '\\')".to_owned();
    let mut args = vec![Arg::Text(pattern)];
    if let Visible::Only(names) = visible {
        if names.is_empty() {
            return Ok((Vec::new(), 0));
        }
        condition.push_str(&format!(" and name in ({})", placeholders(2, names.len())));
        args.extend(names.iter().map(|n| Arg::Text(n.clone())));
    }
    let count_sql = format!("select count(*) as n from tenant where {condition}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &args).fetch_one(pool).await?.try_get("n")?;
    let n = args.len();
    let page_sql =
        format!("select {COLUMNS} from tenant where {condition} order by name limit ${} offset ${}", n + 1, n + 2);
    let rows = bind_all(sqlx::query(&page_sql), &args)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let tenants = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((tenants, u64::try_from(total).unwrap_or_default()))
}

/// `text` with the `like` wildcards and the escape character escaped (escape character `\`).
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// All tenants, by name.
pub async fn list(db: &Db) -> Result<Vec<Tenant>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!("select {COLUMNS} from tenant order by name");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_stored_as_json_or_null() {
        let audiences = vec!["api://scimhub".to_owned(), "spn:x".to_owned()];
        assert_eq!(list_from_column(list_to_column(&audiences)), audiences);
        assert_eq!(list_to_column(&[]), None);
        assert_eq!(list_from_column(Some("not json".into())), Vec::<String>::new());
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
