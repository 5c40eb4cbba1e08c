//! The `scim_user` table: each user's SCIM resource as JSON plus the indexed columns that
//! filters and uniqueness need. `id` and `meta` are not stored in the JSON: they are derived
//! from the columns when the resource is served.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, Row};

use super::credential::Kind;
use super::group::{Membership, CHUNK};
use super::resource::{self, KeyKind, Position, Seek, Set, Sort, SortColumn, Table, Window};
use super::row::RowRead;
use super::sql::{fetch_in, placeholders, tenant_is, Arg, OrderBy, Select, Statement, Where};
use super::{Db, Dialect};

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The SCIM id.
    pub id: String,
    /// The userName as sent.
    pub user_name: String,
    /// The externalId, if any.
    pub external_id: Option<String>,
    /// The displayName, if any.
    pub display_name: Option<String>,
    /// Whether the user is active.
    pub active: bool,
    /// The SCIM resource without `id` and `meta`.
    pub resource: serde_json::Value,
    /// Incremented on every change; the ETag.
    pub version: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last modification time (ms).
    pub updated_at: i64,
    /// The internal attributes the tenant's mappers derived (empty before any were).
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// The mapping revision `attributes` follow.
    pub mapping_revision: i64,
}

/// The values a create or an update writes.
#[derive(Debug, Clone)]
pub struct UserWrite<'a> {
    /// The userName.
    pub user_name: &'a str,
    /// The externalId.
    pub external_id: Option<&'a str>,
    /// The displayName.
    pub display_name: Option<&'a str>,
    /// The active flag.
    pub active: bool,
    /// The resource JSON (without id and meta).
    pub resource: &'a serde_json::Value,
    /// The hash of a password the client set, if any.
    pub password_hash: Option<&'a str>,
    /// The internal attributes derived from `resource` by the tenant's mappers.
    pub attributes: &'a serde_json::Map<String, serde_json::Value>,
    /// The mapping revision of the mappers that derived them.
    pub mapping_revision: i64,
}

/// The folded userName that the unique index and filters compare (userName has caseExact
/// false): NFC, then lower case, so canonically equivalent spellings are one name.
pub fn fold_user_name(user_name: &str) -> String {
    scim::text::fold(user_name)
}

/// The orders of the dashboard's user list, each led by an index of `scim_user`.
pub mod sort {
    use super::{KeyKind, SortColumn};

    /// By userName, case-insensitively.
    pub const USER_NAME: SortColumn = SortColumn { name: "user_name_ci", kind: KeyKind::Text, nullable: false };
    /// By displayName, as stored (users without one last).
    pub const DISPLAY_NAME: SortColumn = SortColumn { name: "display_name", kind: KeyKind::Text, nullable: true };
    /// By the time of the last change.
    pub const UPDATED: SortColumn = SortColumn { name: "updated_at", kind: KeyKind::Int, nullable: false };
    /// By creation time.
    pub const CREATED: SortColumn = SortColumn { name: "created_at", kind: KeyKind::Int, nullable: false };
}

/// The columns a user is read with.
macro_rules! user_columns {
    () => {
        "user_id, user_name, external_id, display_name, active, resource, version, created_at, updated_at, \
         attributes, mapping_revision"
    };
}

const TABLE: Table = Table { name: "scim_user", id: "user_id", columns: user_columns!() };

/// [`TABLE`] on PostgreSQL with each user's direct groups as a JSON array of `[group id,
/// displayName]` pairs in the column `member_of`, by displayName: a correlated subquery on the
/// `group_member_by_member` index, so a user and its groups take one round trip.
const TABLE_WITH_GROUPS: Table = Table {
    columns: concat!(
        user_columns!(),
        ", (select json_agg(json_build_array(m.group_id, g.display_name) order by g.display_name, m.group_id)::text \
         from group_member m join scim_group g on g.group_id = m.group_id \
         where m.tenant_id = scim_user.tenant_id and m.member_id = scim_user.user_id) as member_of"
    ),
    ..TABLE
};

/// Whether a read of users also reads the groups each is a direct member of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Groups {
    /// Only the users.
    Skip,
    /// The users with their groups.
    Read,
}

impl Groups {
    /// [`Groups::Read`] when `wanted`.
    pub fn when(wanted: bool) -> Self {
        if wanted {
            Groups::Read
        } else {
            Groups::Skip
        }
    }
}

/// A user with the groups it is a direct member of (empty unless read with [`Groups::Read`]).
pub type WithGroups = (UserRecord, Vec<Membership>);

/// Runs a read of users built on `table`, with their groups when `groups` asks. On PostgreSQL
/// the groups come in the same statement (one round trip instead of two); on SQLite, where a
/// statement is a call in this process, a second statement for the whole page is cheaper than
/// the correlated subquery (3.5 µs against 10 µs a row, measured — docs/architecture.md, Groups).
async fn fetch_with(
    db: &Db,
    tenant_id: &str,
    select: impl Fn(&'static Table) -> Select,
    groups: Groups,
) -> Result<Vec<WithGroups>, sqlx::Error> {
    if (groups, db.dialect()) == (Groups::Read, Dialect::Postgres) {
        return db
            .fetch(&select(&TABLE_WITH_GROUPS), |row| {
                let groups = match row.opt_text("member_of")? {
                    None => Vec::new(),
                    Some(text) => decode::<Vec<(String, String)>>(&text)?
                        .into_iter()
                        .map(|(group_id, display)| Membership { group_id, display })
                        .collect(),
                };
                Ok((from_row(row)?, groups))
            })
            .await;
    }
    let mut users: Vec<WithGroups> =
        db.fetch(&select(&TABLE), from_row).await?.into_iter().map(|user| (user, Vec::new())).collect();
    if groups == Groups::Read {
        attach_groups(db, tenant_id, &mut users).await?;
    }
    Ok(users)
}

/// Reads the direct groups of these users (of one tenant), one statement per chunk of ids, and
/// puts each user's in its slot, by displayName.
async fn attach_groups(db: &Db, tenant_id: &str, users: &mut [WithGroups]) -> Result<(), sqlx::Error> {
    let slots: HashMap<String, usize> = users.iter().enumerate().map(|(i, (u, _))| (u.id.clone(), i)).collect();
    for start in (0..users.len()).step_by(CHUNK) {
        let chunk = &users[start..users.len().min(start + CHUNK)];
        let sql = format!(
            "select m.member_id, m.group_id, g.display_name from group_member m \
             join scim_group g on g.group_id = m.group_id \
             where m.tenant_id = $1 and m.member_id in ({}) order by g.display_name, m.group_id",
            placeholders(2, chunk.len())
        );
        let ids = chunk.iter().map(|(u, _)| Arg::from(u.id.as_str()));
        let args = std::iter::once(Arg::from(tenant_id)).chain(ids).collect();
        let decode = |row: &dyn RowRead| {
            Ok((
                row.text("member_id")?,
                Membership { group_id: row.text("group_id")?, display: row.text("display_name")? },
            ))
        };
        for (member, membership) in db.fetch(&Select::new(sql, args), decode).await? {
            if let Some(&slot) = slots.get(&member) {
                users[slot].1.push(membership);
            }
        }
    }
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn from_row(row: &dyn RowRead) -> Result<UserRecord, sqlx::Error> {
    let resource = row.text("resource")?;
    let attributes = row.opt_text("attributes")?;
    Ok(UserRecord {
        id: row.text("user_id")?,
        user_name: row.text("user_name")?,
        external_id: row.opt_text("external_id")?,
        display_name: row.opt_text("display_name")?,
        active: row.flag("active")?,
        resource: decode(&resource)?,
        version: row.int("version")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
        attributes: attributes.as_deref().map(decode).transpose()?.unwrap_or_default(),
        mapping_revision: row.int("mapping_revision")?,
    })
}

fn attributes_text(user: &UserWrite<'_>) -> String {
    json_text(user.attributes)
}

/// A JSON object as text (serialising a map of JSON values cannot fail).
fn json_text(map: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| String::from("{}"))
}

/// The values of a user's written columns, bound at `$3`…`$11` by [`insert_statement`] and
/// [`update_statement`] alike.
/// The columns a write of `user` sets. The password hash is kept when the write carries none.
fn columns(user: &UserWrite<'_>) -> Vec<Set> {
    vec![
        Set::to("user_name", user.user_name),
        Set::to("user_name_ci", fold_user_name(user.user_name)),
        Set::to("external_id", user.external_id),
        Set::to("display_name", user.display_name),
        Set::to("active", user.active),
        Set::to("resource", user.resource.to_string()),
        Set::unless_null("password_hash", user.password_hash),
        Set::to("attributes", attributes_text(user)),
        Set::to("mapping_revision", user.mapping_revision),
    ]
}

/// The statement that inserts a new user (version 1). A taken userName is a unique violation.
pub fn insert_statement(tenant_id: &str, id: &str, user: &UserWrite<'_>, now_ms: i64) -> Statement {
    resource::insert(&TABLE, tenant_id, id, columns(user), now_ms)
}

/// Inserts a new user (version 1) on a sqlx connection (seeding, tests).
pub async fn insert(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    user: &UserWrite<'_>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    insert_statement(tenant_id, id, user, now_ms).execute(conn).await.map(drop)
}

/// The statement that overwrites a user if its version is still `expected_version` (it expects
/// to change that one row). The password hash is kept when the write carries none.
pub fn update_statement(
    tenant_id: &str,
    id: &str,
    user: &UserWrite<'_>,
    expected_version: i64,
    now_ms: i64,
) -> Statement {
    resource::update(&TABLE, tenant_id, id, columns(user), expected_version, now_ms)
}

/// The user with this id in this tenant.
pub async fn get(db: &Db, tenant_id: &str, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    Ok(get_with(db, tenant_id, id, Groups::Skip).await?.map(|(user, _)| user))
}

/// The user with this id in this tenant, with its groups when `groups` asks (one statement).
pub async fn get_with(db: &Db, tenant_id: &str, id: &str, groups: Groups) -> Result<Option<WithGroups>, sqlx::Error> {
    Ok(fetch_with(db, tenant_id, |table| resource::get(table, tenant_id, id), groups).await?.into_iter().next())
}

/// The user with this userName (compared as the tenant's uniqueness compares it) in this tenant.
pub async fn by_user_name(db: &Db, tenant_id: &str, user_name: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    let filter = Where { sql: "user_name_ci = $2".into(), args: vec![Arg::Text(fold_user_name(user_name))] };
    Ok(list(db, tenant_id, &filter, None, 0, 1).await?.into_iter().next())
}

/// The statement that deletes a user if its version is still `expected_version` (it expects to
/// change that one row).
pub fn delete_statement(tenant_id: &str, id: &str, expected_version: i64) -> Statement {
    resource::delete(&TABLE, tenant_id, id, expected_version)
}

/// One page of the tenant's users matching `filter` (placeholders from `$2`), by `order`, then in
/// creation order — stable, so paginated imports see every user once.
pub async fn list(
    db: &Db,
    tenant_id: &str,
    filter: &Where,
    order: Option<&OrderBy>,
    offset: u64,
    limit: u64,
) -> Result<Vec<UserRecord>, sqlx::Error> {
    let page = Page { filter, order, offset, limit };
    Ok(list_with(db, tenant_id, &page, Groups::Skip).await?.into_iter().map(|(user, _)| user).collect())
}

/// [`list`], each user with its groups when `groups` asks (in the same statement).
pub async fn list_with(
    db: &Db,
    tenant_id: &str,
    query: &Page<'_>,
    groups: Groups,
) -> Result<Vec<WithGroups>, sqlx::Error> {
    let select = |table| resource::page(table, tenant_id, query.filter, query.order, query.offset, query.limit);
    fetch_with(db, tenant_id, select, groups).await
}

/// Which page of a tenant's users [`list_with`] reads: those matching `filter` (placeholders
/// from `$2`), by `order`, then in creation order.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The condition.
    pub filter: &'a Where,
    /// The order before creation order.
    pub order: Option<&'a OrderBy>,
    /// How many matching users to skip.
    pub offset: u64,
    /// How many to read at most.
    pub limit: u64,
}

/// One page of the tenant's users matching `filter` (placeholders from `$2`) in the order
/// `sort` (one of [`sort`]), each with its position (the cursor of the pages beside it).
pub async fn page(
    db: &Db,
    tenant_id: &str,
    filter: &Where,
    sort: Sort,
    seek: &Seek<Position>,
    limit: u64,
) -> Result<Window<(UserRecord, Position)>, sqlx::Error> {
    let window = resource::keyset_page(db, &TABLE, tenant_id, filter, sort, seek, limit).await?;
    window.try_map(|(row, at)| Ok((from_row(&row)?, at)))
}

/// Who made a user's last change, as the provisioning log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// An administrator, on the dashboard (its requests carry no credential).
    Dashboard,
    /// A SCIM client, with this credential.
    Credential {
        /// The credential's id.
        id: String,
        /// Its kind (`None` if the credential is gone).
        kind: Option<Kind>,
        /// Its OAuth client id (client secrets only).
        client_id: Option<String>,
    },
}

/// Who last changed each of these users of the tenant: the newest successful request other
/// than a read about each in the provisioning log. Users without one (the rows were pruned)
/// are missing from the answer. One statement per chunk of ids, each user's row found by the
/// log's (tenant, resource, id) index.
pub async fn last_writers(db: &Db, tenant_id: &str, ids: &[String]) -> Result<HashMap<String, Writer>, sqlx::Error> {
    let pool = db.reader();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "select l.resource_id, l.credential_id, c.kind, c.client_id from provisioning_log l \
             left join credential c on c.credential_id = l.credential_id \
             where l.log_id in (select (select m.log_id from provisioning_log m \
                 where m.tenant_id = $1 and m.resource_id = u.user_id and m.method <> 'GET' \
                 and m.status >= 200 and m.status < 300 order by m.log_id desc limit 1) \
             from scim_user u where u.user_id in ({}) and {})",
            placeholders(2, chunk.len()),
            tenant_is("u.tenant_id", 1)
        );
        let query = chunk.iter().fold(sqlx::query(&sql).bind(tenant_id), |q, id| q.bind(id.as_str()));
        for row in query.fetch_all(pool).await? {
            let credential: Option<String> = row.try_get("credential_id")?;
            let kind: Option<String> = row.try_get("kind")?;
            let writer = match credential {
                None => Writer::Dashboard,
                Some(id) => Writer::Credential {
                    id,
                    kind: kind
                        .map(|k| if k == Kind::ClientSecret.as_str() { Kind::ClientSecret } else { Kind::Bearer }),
                    client_id: row.try_get("client_id")?,
                },
            };
            out.insert(row.try_get("resource_id")?, writer);
        }
    }
    Ok(out)
}

/// How many of the tenant's users match `filter` (placeholders from `$2`).
pub async fn count(db: &Db, tenant_id: &str, filter: &Where) -> Result<u64, sqlx::Error> {
    resource::counted(db, &resource::count(&TABLE, tenant_id, filter)).await
}

/// Counts for the dashboard: (all, active).
pub async fn totals(db: &Db, tenant_id: &str) -> Result<(u64, u64), sqlx::Error> {
    let pool = db.reader();
    let row = sqlx::query(
        "select count(*) as n, coalesce(sum(case when active then 1 else 0 end), 0) as a \
         from scim_user where tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_one(pool)
    .await?;
    let all: i64 = row.try_get("n")?;
    let active: i64 = row.try_get("a")?;
    Ok((u64::try_from(all).unwrap_or_default(), u64::try_from(active).unwrap_or_default()))
}

/// Up to `limit` of the tenant's users, by id after `after_id`, whose attributes do not follow
/// the mapping revision `revision`.
pub async fn behind<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    revision: i64,
    after_id: &str,
    limit: i64,
) -> Result<Vec<UserRecord>, sqlx::Error> {
    let sql = format!(
        "select {} from scim_user where tenant_id = $1 and mapping_revision <> $2 and user_id > $3 \
         order by user_id limit $4",
        TABLE.columns
    );
    let select = Select::new(sql, vec![tenant_id.into(), revision.into(), after_id.into(), limit.into()]);
    fetch_in(exec, &select, from_row).await
}

/// How many of the tenant's users do not follow the mapping revision `revision`.
pub async fn count_behind(db: &Db, tenant_id: &str, revision: i64) -> Result<u64, sqlx::Error> {
    let pool = db.reader();
    let n: i64 = sqlx::query_scalar("select count(*) from scim_user where tenant_id = $1 and mapping_revision <> $2")
        .bind(tenant_id)
        .bind(revision)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Stores re-derived attributes if the user is still at `version` (a SCIM write in between
/// derived them itself); returns whether it did. The version does not change: the resource
/// did not.
pub async fn set_attributes<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    id: &str,
    attributes: &serde_json::Map<String, serde_json::Value>,
    revision: i64,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update scim_user set attributes = $3, mapping_revision = $4 \
         where tenant_id = $1 and user_id = $2 and version = $5",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(json_text(attributes))
    .bind(revision)
    .bind(version)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What [`refold_queued`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Refolded {
    /// Users and groups whose stored fold changed.
    pub changed: u64,
    /// Users left with their old fold because another user of the tenant already has the new
    /// one: two userNames that differ only in Unicode normalisation, both accepted before the
    /// fold was NFC. Both stay reachable by id; renaming or deleting one ends the clash.
    pub clashes: u64,
}

/// A folded name column whose rows migration 0009 queues in `unicode_refold`.
struct FoldedColumn {
    kind: &'static str,
    table: &'static str,
    id: &'static str,
    name: &'static str,
    folded: &'static str,
    fold: fn(&str) -> String,
    /// Whether a unique index covers (tenant, fold).
    unique: bool,
}

const FOLDED_COLUMNS: [FoldedColumn; 2] = [
    FoldedColumn {
        kind: "user",
        table: "scim_user",
        id: "user_id",
        name: "user_name",
        folded: "user_name_ci",
        fold: fold_user_name,
        unique: true,
    },
    FoldedColumn {
        kind: "group",
        table: "scim_group",
        id: "group_id",
        name: "display_name",
        folded: "display_name_ci",
        fold: super::group::fold_display_name,
        unique: false,
    },
];

/// How many queued rows one transaction refolds.
const REFOLD_CHUNK: usize = 500;

/// Refolds the users and groups that migration 0009 queued in `unicode_refold` (those with
/// non-ASCII names, whose fold changed when it became NFC, then lower case) and empties the
/// queue. Run at start-up, before serving; once the queue is empty it costs one lookup per kind.
pub async fn refold_queued(db: &Db) -> Result<Refolded, sqlx::Error> {
    let mut outcome = Refolded::default();
    for column in &FOLDED_COLUMNS {
        refold(db, column, &mut outcome).await?;
    }
    if outcome != Refolded::default() {
        tracing::info!(changed = outcome.changed, clashes = outcome.clashes, "refolded non-ASCII names (NFC)");
    }
    Ok(outcome)
}

async fn refold(db: &Db, c: &FoldedColumn, outcome: &mut Refolded) -> Result<(), sqlx::Error> {
    let FoldedColumn { kind, table, id, name, folded, .. } = c;
    let select = format!(
        "select q.id, t.tenant_id, t.{name} as name, t.{folded} as folded from unicode_refold q \
         join {table} t on t.{id} = q.id where q.kind = $1 order by q.id limit {REFOLD_CHUNK}"
    );
    // Where the fold is unique, a row whose new fold another row has keeps its old one.
    let guard = if c.unique {
        format!(" and not exists (select 1 from {table} o where o.tenant_id = $3 and o.{folded} = $1 and o.{id} <> $2)")
    } else {
        String::new()
    };
    let update = format!("update {table} set {folded} = $1 where {id} = $2 and tenant_id = $3{guard}");
    loop {
        let mut tx = db.writer().begin().await?;
        let rows = sqlx::query(&select).bind(*kind).fetch_all(&mut *tx).await?;
        if rows.is_empty() {
            // What is left was deleted since the migration queued it.
            sqlx::query("delete from unicode_refold where kind = $1").bind(*kind).execute(&mut *tx).await?;
            return tx.commit().await;
        }
        for row in rows {
            let row_id: String = row.try_get("id")?;
            let tenant_id: String = row.try_get("tenant_id")?;
            let old: String = row.try_get("folded")?;
            let new = (c.fold)(&row.try_get::<String, _>("name")?);
            if new != old {
                let done = sqlx::query(&update).bind(&new).bind(&row_id).bind(&tenant_id).execute(&mut *tx).await?;
                if done.rows_affected() == 1 {
                    outcome.changed += 1;
                } else {
                    outcome.clashes += 1;
                    tracing::warn!(
                        tenant_id = %tenant_id, user_id = %row_id,
                        "two userNames of this tenant differ only in Unicode normalisation; this one keeps its old fold"
                    );
                }
            }
            sqlx::query("delete from unicode_refold where kind = $1 and id = $2")
                .bind(*kind)
                .bind(&row_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
}
