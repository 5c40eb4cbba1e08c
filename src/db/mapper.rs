//! The `attribute_mapper` table: each tenant's mappers, in the order they apply, and the
//! tenant's mapping revision, which every change to them increments.

use scim::mapping::{ClaimType, MapperSpec};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

use super::row::RowRead;
use super::Db;

/// A stored mapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMapper {
    /// Its id.
    pub id: String,
    /// Its configuration.
    pub spec: MapperSpec,
}

const COLUMNS: &str = "mapper_id, name, user_attribute, claim, json_type, multivalued, id_token, access_token, \
                       userinfo, introspection, invert";

fn from_row(row: &AnyRow) -> Result<StoredMapper, sqlx::Error> {
    let json_type: String = row.try_get("json_type")?;
    let json_type = ClaimType::parse(&json_type)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown claim JSON type \"{json_type}\"").into()))?;
    Ok(StoredMapper {
        id: row.try_get("mapper_id")?,
        spec: MapperSpec {
            name: row.try_get("name")?,
            user_attribute: row.try_get("user_attribute")?,
            claim: row.try_get("claim")?,
            json_type,
            multivalued: row.flag("multivalued")?,
            invert: row.flag("invert")?,
            id_token: row.flag("id_token")?,
            access_token: row.flag("access_token")?,
            userinfo: row.flag("userinfo")?,
            introspection: row.flag("introspection")?,
        },
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds a mapper's columns in their order in both statements: name, name_ci, user_attribute,
/// user_attribute_ci, claim, json_type and the five flags.
fn bind_spec<'q>(query: AnyQuery<'q>, spec: &'q MapperSpec) -> AnyQuery<'q> {
    query
        .bind(spec.name.as_str())
        .bind(spec.name.to_lowercase())
        .bind(spec.user_attribute.as_str())
        .bind(spec.user_attribute.to_lowercase())
        .bind(spec.claim.as_str())
        .bind(spec.json_type.as_str())
        .bind(spec.multivalued)
        .bind(spec.id_token)
        .bind(spec.access_token)
        .bind(spec.userinfo)
        .bind(spec.introspection)
        .bind(spec.invert)
}

/// The tenant's mappers in the order they apply.
pub async fn list<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
) -> Result<Vec<StoredMapper>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from attribute_mapper where tenant_id = $1 order by position, created_at");
    sqlx::query(&sql).bind(tenant_id).fetch_all(exec).await?.iter().map(from_row).collect()
}

/// Adds a mapper after the tenant's others. A taken name or user attribute is a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    spec: &MapperSpec,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let next: i64 =
        sqlx::query_scalar("select coalesce(max(position), 0) + 1 from attribute_mapper where tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await?;
    let query = sqlx::query(
        "insert into attribute_mapper (mapper_id, tenant_id, position, name, name_ci, user_attribute, \
         user_attribute_ci, claim, json_type, multivalued, id_token, access_token, userinfo, introspection, \
         invert, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $16)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(next);
    bind_spec(query, spec).bind(now_ms).execute(&mut *conn).await?;
    Ok(())
}

/// Changes a mapper in place; returns whether it exists.
pub async fn update(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    spec: &MapperSpec,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let query = sqlx::query(
        "update attribute_mapper set name = $3, name_ci = $4, user_attribute = $5, user_attribute_ci = $6, \
         claim = $7, json_type = $8, multivalued = $9, id_token = $10, access_token = $11, userinfo = $12, \
         introspection = $13, invert = $14, updated_at = $15 where tenant_id = $1 and mapper_id = $2",
    )
    .bind(tenant_id)
    .bind(id);
    let done = bind_spec(query, spec).bind(now_ms).execute(&mut *conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a mapper; returns whether it existed.
pub async fn delete(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from attribute_mapper where tenant_id = $1 and mapper_id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes all the tenant's mappers (an import that replaces them).
pub async fn delete_all(conn: &mut AnyConnection, tenant_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from attribute_mapper where tenant_id = $1").bind(tenant_id).execute(&mut *conn).await?;
    Ok(())
}

/// The tenant's mapping revision.
pub async fn revision<'e>(exec: impl sqlx::Executor<'e, Database = Any>, tenant_id: &str) -> Result<i64, sqlx::Error> {
    let revision: Option<i64> = sqlx::query_scalar("select mapping_revision from tenant where tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(exec)
        .await?;
    Ok(revision.unwrap_or_default())
}

/// Increments the tenant's mapping revision: call it in the transaction of every change.
pub async fn bump_revision(conn: &mut AnyConnection, tenant_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update tenant set mapping_revision = mapping_revision + 1 where tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tenants some of whose users were derived by older mappers than the current ones.
pub async fn tenants_behind(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let pool = db.reader();
    sqlx::query_scalar(
        "select t.tenant_id from tenant t where exists (select 1 from scim_user u \
         where u.tenant_id = t.tenant_id and u.mapping_revision <> t.mapping_revision)",
    )
    .fetch_all(pool)
    .await
}
