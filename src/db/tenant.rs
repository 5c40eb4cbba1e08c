//! The `tenant` table: a customer directory with its SCIM settings.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::get_flag;

/// Which request shapes a tenant's SCIM endpoint tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// RFC 7644 as written (recommended in most cases).
    Generic,
    /// Also Microsoft Entra ID's known deviations.
    Azure,
}

impl Profile {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::Azure => "azure",
        }
    }

    /// Parses a stored or typed name (case-insensitive).
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "generic" => Some(Profile::Generic),
            "azure" => Some(Profile::Azure),
            _ => None,
        }
    }
}

/// A tenant row.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Internal id (UUID).
    pub id: String,
    /// The case-sensitive name used in URLs.
    pub name: String,
    /// A human-friendly name.
    pub display_name: String,
    /// The SCIM profile.
    pub profile: Profile,
    /// Whether the SCIM endpoint answers.
    pub scim_enabled: bool,
    /// Creation time (ms).
    pub created_at: i64,
}

/// Why a tenant name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantNameError {
    /// Empty or longer than 64 characters.
    #[error("a tenant name has 1 to 64 characters")]
    Length,
    /// A character outside `[A-Za-z0-9_-]`.
    #[error("a tenant name may contain only letters, digits, '-' and '_'")]
    Characters,
}

/// Checks the tenant name rules: 1–64 of `[A-Za-z0-9_-]`, case-sensitive.
pub fn validate_name(name: &str) -> Result<(), TenantNameError> {
    if name.is_empty() || name.len() > 64 {
        return Err(TenantNameError::Length);
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(TenantNameError::Characters);
    }
    Ok(())
}

const COLUMNS: &str = "tenant_id, name, display_name, profile, scim_enabled, created_at";

fn from_row(row: &AnyRow) -> Result<Tenant, sqlx::Error> {
    let profile: String = row.try_get("profile")?;
    Ok(Tenant {
        id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        profile: Profile::parse(&profile).unwrap_or(Profile::Generic),
        scim_enabled: get_flag(row, "scim_enabled")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a tenant; a taken name is a unique violation.
pub async fn insert(pool: &AnyPool, name: &str, profile: Profile, now_ms: i64) -> Result<Tenant, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "insert into tenant (tenant_id, name, display_name, profile, scim_enabled, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(name)
    .bind(name)
    .bind(profile.as_str())
    .bind(true)
    .bind(now_ms)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(Tenant {
        id,
        name: name.to_owned(),
        display_name: name.to_owned(),
        profile,
        scim_enabled: true,
        created_at: now_ms,
    })
}

/// The tenant with this exact (case-sensitive) name.
pub async fn by_name(pool: &AnyPool, name: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from tenant where name = $1");
    let row = sqlx::query(&sql).bind(name).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// All tenants, by name.
pub async fn list(pool: &AnyPool) -> Result<Vec<Tenant>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from tenant order by name");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_follow_the_rules() {
        assert_eq!(validate_name("Acme_1-x"), Ok(()));
        assert_eq!(validate_name(""), Err(TenantNameError::Length));
        assert_eq!(validate_name(&"a".repeat(65)), Err(TenantNameError::Length));
        assert_eq!(validate_name(&"a".repeat(64)), Ok(()));
        assert_eq!(validate_name("acme corp"), Err(TenantNameError::Characters));
        assert_eq!(validate_name("acmé"), Err(TenantNameError::Characters));
        assert_eq!(validate_name("../x"), Err(TenantNameError::Characters));
    }

    #[test]
    fn profiles_parse_case_insensitively() {
        assert_eq!(Profile::parse("Azure"), Some(Profile::Azure));
        assert_eq!(Profile::parse("GENERIC"), Some(Profile::Generic));
        assert_eq!(Profile::parse("okta"), None);
    }
}
