//! The `admin_grant` table: who may administer which tenant. A grant names a principal — an
//! OIDC subject, an email, or a value of the configured rights claim (an IdP group or role) —
//! and either one tenant (optionally read-only) or the whole platform.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::row::RowRead;
use super::sql::{bind_all, placeholders, Arg};
use super::Db;

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The identity's OIDC subject (`sub`), compared exactly.
    Subject(String),
    /// The identity's verified email, compared case-insensitively.
    Email(String),
    /// A value of the rights claim in the identity's ID token (e.g. a group), compared exactly.
    Claim(String),
}

/// Why a principal is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrincipalError {
    /// Not `subject`, `email` or `claim`.
    #[error("\"{0}\" is not a kind of principal: use subject, email or claim")]
    Kind(String),
    /// Empty or longer than 256 characters.
    #[error("a principal has 1 to 256 characters")]
    Length,
    /// An email without `@`.
    #[error("\"{0}\" is not an email address")]
    Email(String),
}

impl Principal {
    /// Parses `kind` and `value` as typed (value trimmed; emails folded to lower case).
    pub fn parse(kind: &str, value: &str) -> Result<Principal, PrincipalError> {
        let value = value.trim();
        if value.is_empty() || value.len() > 256 {
            return Err(PrincipalError::Length);
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "subject" | "sub" => Ok(Principal::Subject(value.to_owned())),
            "email" => match value.split_once('@') {
                Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                    Ok(Principal::Email(value.to_lowercase()))
                }
                _ => Err(PrincipalError::Email(value.chars().take(80).collect())),
            },
            "claim" | "group" | "role" => Ok(Principal::Claim(value.to_owned())),
            other => Err(PrincipalError::Kind(other.chars().take(40).collect())),
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::Subject(_) => "subject",
            Principal::Email(_) => "email",
            Principal::Claim(_) => "claim",
        }
    }

    /// The stored value.
    pub fn value(&self) -> &str {
        match self {
            Principal::Subject(v) | Principal::Email(v) | Principal::Claim(v) => v,
        }
    }

    fn from_columns(kind: &str, value: String) -> Principal {
        match kind {
            "email" => Principal::Email(value),
            "claim" => Principal::Claim(value),
            _ => Principal::Subject(value),
        }
    }
}

/// A stored grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Its id.
    pub id: String,
    /// The tenant (exact name), or `None` for platform administration.
    pub tenant: Option<String>,
    /// Who it is for.
    pub principal: Principal,
    /// Whether it only allows looking.
    pub read_only: bool,
    /// When it was given (ms).
    pub created_at: i64,
    /// Who gave it (an administrator's label, or `cli`).
    pub created_by: String,
}

const SELECT: &str = "select g.grant_id, t.name as tenant_name, g.principal_kind, g.principal, g.read_only, \
                      g.created_at, g.created_by from admin_grant g left join tenant t on t.tenant_id = g.tenant_id";

fn from_row(row: &AnyRow) -> Result<Grant, sqlx::Error> {
    let kind: String = row.try_get("principal_kind")?;
    Ok(Grant {
        id: row.try_get("grant_id")?,
        tenant: row.try_get("tenant_name")?,
        principal: Principal::from_columns(&kind, row.try_get("principal")?),
        read_only: row.flag("read_only")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

/// Gives `principal` the right to administer `tenant_id` (or the platform, with `None`); an
/// existing grant to the same principal and scope is replaced (its read-only flag changes).
pub async fn put(
    db: &Db,
    tenant_id: Option<&str>,
    principal: &Principal,
    read_only: bool,
    now_ms: i64,
    by: &str,
) -> Result<(), sqlx::Error> {
    let pool = db.writer();
    let mut tx = super::begin_write(pool).await?;
    delete_in(&mut tx, tenant_id, principal).await?;
    sqlx::query(
        "insert into admin_grant (grant_id, tenant_id, principal_kind, principal, read_only, created_at, created_by) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(tenant_id)
    .bind(principal.kind())
    .bind(principal.value())
    .bind(read_only && tenant_id.is_some())
    .bind(now_ms)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Removes the grant of `principal` on `tenant_id` (or the platform); returns whether it existed.
pub async fn revoke(db: &Db, tenant_id: Option<&str>, principal: &Principal) -> Result<bool, sqlx::Error> {
    let pool = db.writer();
    let mut tx = super::begin_write(pool).await?;
    let removed = delete_in(&mut tx, tenant_id, principal).await?;
    tx.commit().await?;
    Ok(removed)
}

async fn delete_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant_id: Option<&str>,
    principal: &Principal,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "delete from admin_grant where coalesce(tenant_id, '') = $1 and principal_kind = $2 and principal = $3",
    )
    .bind(tenant_id.unwrap_or_default())
    .bind(principal.kind())
    .bind(principal.value())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The grants on one tenant (not the platform ones), by kind and principal.
pub async fn of_tenant(db: &Db, tenant_id: &str) -> Result<Vec<Grant>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!("{SELECT} where g.tenant_id = $1 order by g.principal_kind, g.principal");
    let rows = sqlx::query(&sql).bind(tenant_id).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Every grant, platform ones first, then by tenant name and principal.
pub async fn all(db: &Db) -> Result<Vec<Grant>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "{SELECT} order by case when g.tenant_id is null then 0 else 1 end, t.name, g.principal_kind, g.principal"
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// The grants that apply to an identity: its subject, its email, and its rights-claim values.
pub async fn matching(
    db: &Db,
    subject: &str,
    email: Option<&str>,
    claim_values: &[String],
) -> Result<Vec<Grant>, sqlx::Error> {
    let pool = db.reader();
    let mut args = vec![Arg::Text(subject.to_owned()), Arg::Text(email.map(str::to_lowercase).unwrap_or_default())];
    let mut condition =
        "(g.principal_kind = 'subject' and g.principal = $1) or (g.principal_kind = 'email' and g.principal = $2)"
            .to_owned();
    if !claim_values.is_empty() {
        condition.push_str(&format!(
            " or (g.principal_kind = 'claim' and g.principal in ({}))",
            placeholders(3, claim_values.len())
        ));
        args.extend(claim_values.iter().map(|v| Arg::Text(v.clone())));
    }
    let sql = format!("{SELECT} where {condition}");
    let rows = bind_all(sqlx::query(&sql), &args).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_parse_and_fold_emails() {
        assert_eq!(Principal::parse("email", " Ada@Example.COM "), Ok(Principal::Email("ada@example.com".into())));
        assert_eq!(Principal::parse("SUBJECT", "abc|123"), Ok(Principal::Subject("abc|123".into())));
        assert_eq!(Principal::parse("group", "MSP-Admins"), Ok(Principal::Claim("MSP-Admins".into())));
        assert_eq!(Principal::parse("email", "ada"), Err(PrincipalError::Email("ada".into())));
        assert_eq!(Principal::parse("email", "@x"), Err(PrincipalError::Email("@x".into())));
        assert_eq!(Principal::parse("user", "x"), Err(PrincipalError::Kind("user".into())));
        assert_eq!(Principal::parse("claim", "  "), Err(PrincipalError::Length));
        assert_eq!(Principal::parse("claim", &"x".repeat(257)), Err(PrincipalError::Length));
        let p = Principal::parse("claim", "g").unwrap();
        assert_eq!((p.kind(), p.value()), ("claim", "g"));
        assert_eq!(Principal::from_columns("claim", "g".into()), p);
    }
}
