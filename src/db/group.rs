//! The `scim_group` and `group_member` tables. A group row holds the SCIM resource without
//! `members`, `id` and `meta`, plus the columns filters need; each membership is a row of
//! `group_member`, so changing members is a set operation on rows that never loads or rewrites
//! the group's other members. Statements that carry lists of ids are cut into chunks of
//! [`CHUNK`] ids: one statement per chunk, whatever the list's length.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

use super::resource::{self, KeyKind, Position, Seek, Set, Sort, SortColumn, Table, Window};
use super::row::RowRead;
use super::sql::{fetch_in, placeholders, tenant_is, Arg, OrderBy, Select, Statement, Where};
use super::Db;

/// The most ids one statement carries (far below the bind-parameter limits of both dialects).
pub const CHUNK: usize = 1000;

/// A stored group.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    /// The SCIM id.
    pub id: String,
    /// The displayName as sent.
    pub display_name: String,
    /// The externalId, if any.
    pub external_id: Option<String>,
    /// The SCIM resource without `members`, `id` and `meta`.
    pub resource: serde_json::Value,
    /// Incremented on every change, membership changes included; the ETag.
    pub version: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last modification time (ms).
    pub updated_at: i64,
}

/// The values a create or an update writes.
#[derive(Debug, Clone)]
pub struct GroupWrite<'a> {
    /// The displayName.
    pub display_name: &'a str,
    /// The externalId.
    pub external_id: Option<&'a str>,
    /// The resource JSON (without members, id and meta).
    pub resource: &'a serde_json::Value,
}

/// What a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberType {
    /// A user.
    User,
    /// A (nested) group.
    Group,
}

impl MemberType {
    /// The SCIM name (`type` of a member), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::User => "User",
            MemberType::Group => "Group",
        }
    }

    /// The collection the member's resource lives in, for `$ref`.
    pub fn endpoint(self) -> &'static str {
        match self {
            MemberType::User => "Users",
            MemberType::Group => "Groups",
        }
    }

    fn parse(text: &str) -> Result<MemberType, sqlx::Error> {
        match text {
            "User" => Ok(MemberType::User),
            "Group" => Ok(MemberType::Group),
            other => Err(sqlx::Error::Decode(format!("unknown member type {other:?}").into())),
        }
    }
}

/// One member of a group, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The group.
    pub group_id: String,
    /// The member's id.
    pub id: String,
    /// User or group.
    pub member_type: MemberType,
    /// The member's displayName (a user without one: its userName).
    pub display: Option<String>,
    /// A user's userName (`None` for a group).
    pub user_name: Option<String>,
    /// Whether a user is active (`None` for a group).
    pub active: Option<bool>,
}

/// One group a user belongs to directly (its read-only `groups` attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The group.
    pub group_id: String,
    /// The group's displayName.
    pub display: String,
}

/// The folded displayName that the `displayName` filter compares (caseExact false): NFC, then
/// lower case, as userNames are.
pub fn fold_display_name(display_name: &str) -> String {
    scim::text::fold(display_name)
}

/// The orders of the dashboard's group list, each led by an index of `scim_group`.
pub mod sort {
    use super::{KeyKind, SortColumn};

    /// By displayName, case-insensitively.
    pub const DISPLAY_NAME: SortColumn = SortColumn { name: "display_name_ci", kind: KeyKind::Text, nullable: false };
    /// By the time of the last change (membership changes included).
    pub const UPDATED: SortColumn = SortColumn { name: "updated_at", kind: KeyKind::Int, nullable: false };
    /// By creation time.
    pub const CREATED: SortColumn = SortColumn { name: "created_at", kind: KeyKind::Int, nullable: false };
}

const TABLE: Table = Table {
    name: "scim_group",
    id: "group_id",
    columns: "group_id, display_name, external_id, resource, version, created_at, updated_at",
};

fn from_row(row: &dyn RowRead) -> Result<GroupRecord, sqlx::Error> {
    let resource = row.text("resource")?;
    Ok(GroupRecord {
        id: row.text("group_id")?,
        display_name: row.text("display_name")?,
        external_id: row.opt_text("external_id")?,
        resource: serde_json::from_str(&resource).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        version: row.int("version")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// The statement that inserts a new group (version 1) without members.
pub fn insert_statement(tenant_id: &str, id: &str, group: &GroupWrite<'_>, now_ms: i64) -> Statement {
    resource::insert(&TABLE, tenant_id, id, columns(group), now_ms)
}

/// The columns a write of `group`'s attributes sets (members are rows of `group_member`).
fn columns(group: &GroupWrite<'_>) -> Vec<Set> {
    vec![
        Set::to("display_name", group.display_name),
        Set::to("display_name_ci", fold_display_name(group.display_name)),
        Set::to("external_id", group.external_id),
        Set::to("resource", group.resource.to_string()),
    ]
}

/// The statement that overwrites a group's attributes (not its members) if its version is
/// still `expected_version` (else it changes nothing: a conflict).
pub fn update_statement(
    tenant_id: &str,
    id: &str,
    group: &GroupWrite<'_>,
    expected_version: i64,
    now_ms: i64,
) -> Statement {
    resource::update(&TABLE, tenant_id, id, columns(group), expected_version, now_ms)
}

/// The statement that records a change of a group's members: a new version and modification
/// time, nothing else written — if the group is still at `expected_version`.
pub fn touch_statement(tenant_id: &str, id: &str, expected_version: i64, now_ms: i64) -> Statement {
    resource::update(&TABLE, tenant_id, id, vec![], expected_version, now_ms)
}

/// The statements that delete a group at `expected_version` with its members and its own
/// memberships in other groups (whose versions move on). The delete goes first: a group at
/// another version changes nothing.
pub fn delete_statements(tenant_id: &str, id: &str, expected_version: i64, now_ms: i64) -> Vec<Statement> {
    let delete = resource::delete(&TABLE, tenant_id, id, expected_version);
    let members = Statement::new(
        "delete from group_member where tenant_id = $1 and group_id = $2",
        vec![tenant_id.into(), id.into()],
    );
    let mut statements = vec![delete, members];
    statements.extend(remove_memberships_statements(tenant_id, id, now_ms));
    statements
}

/// The group with this id in this tenant: on SQLite read in place.
pub async fn find(db: &Db, tenant_id: &str, id: &str) -> Result<Option<GroupRecord>, sqlx::Error> {
    db.fetch_optional(&resource::get(&TABLE, tenant_id, id), from_row).await
}

/// The group with this id in this tenant, read on `exec` (a transaction, a pool).
pub async fn get<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    id: &str,
) -> Result<Option<GroupRecord>, sqlx::Error> {
    Ok(fetch_in(exec, &resource::get(&TABLE, tenant_id, id), from_row).await?.pop())
}

/// One page of the tenant's groups matching `filter` (placeholders from `$2`), by `order`, then in
/// creation order — stable, so paginated reads see every group once.
pub async fn list(
    db: &Db,
    tenant_id: &str,
    filter: &Where,
    order: Option<&OrderBy>,
    offset: u64,
    limit: u64,
) -> Result<Vec<GroupRecord>, sqlx::Error> {
    db.fetch(&resource::page(&TABLE, tenant_id, filter, order, offset, limit), from_row).await
}

/// One page of the tenant's groups matching `filter` (placeholders from `$2`) in the order
/// `sort` (one of [`sort`]), each with its position (the cursor of the pages beside it).
pub async fn page(
    db: &Db,
    tenant_id: &str,
    filter: &Where,
    sort: Sort,
    seek: &Seek<Position>,
    limit: u64,
) -> Result<Window<(GroupRecord, Position)>, sqlx::Error> {
    let window = resource::keyset_page(db, &TABLE, tenant_id, filter, sort, seek, limit).await?;
    window.try_map(|(row, at)| Ok((from_row(&row)?, at)))
}

/// How many members each of these groups of the tenant has; groups without members are
/// missing from the answer. Counted on the membership table's primary key alone.
pub async fn member_counts(
    db: &Db,
    tenant_id: &str,
    group_ids: &[String],
) -> Result<HashMap<String, u64>, sqlx::Error> {
    let pool = db.reader();
    let mut out = HashMap::with_capacity(group_ids.len());
    for chunk in group_ids.chunks(CHUNK) {
        let sql = format!(
            "select group_id, count(*) as n from group_member where group_id in ({}) and {} group by group_id",
            placeholders(2, chunk.len()),
            tenant_is("tenant_id", 1)
        );
        let query = chunk.iter().fold(sqlx::query(&sql).bind(tenant_id), |q, id| q.bind(id.as_str()));
        for row in query.fetch_all(pool).await? {
            let n: i64 = row.try_get("n")?;
            out.insert(row.try_get("group_id")?, u64::try_from(n).unwrap_or_default());
        }
    }
    Ok(out)
}

/// How many of the tenant's groups match `filter` (placeholders from `$2`).
pub async fn count(db: &Db, tenant_id: &str, filter: &Where) -> Result<u64, sqlx::Error> {
    resource::counted(db, &resource::count(&TABLE, tenant_id, filter)).await
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

/// Which of `ids` name a user or a group of the tenant, described as members of `group_id`
/// would be served (two queries per chunk: users, then groups).
pub async fn member_details(
    db: &Db,
    tenant_id: &str,
    group_id: &str,
    ids: &[String],
) -> Result<HashMap<String, Member>, sqlx::Error> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let (list, tenant) = (placeholders(2, chunk.len()), tenant_is("tenant_id", 1));
        let users = format!(
            "select user_id, display_name, user_name, active from scim_user where user_id in ({list}) and {tenant}"
        );
        let user = |row: &dyn RowRead| {
            let user_name = row.text("user_name")?;
            Ok(Member {
                group_id: group_id.to_owned(),
                id: row.text("user_id")?,
                member_type: MemberType::User,
                display: Some(row.opt_text("display_name")?.unwrap_or_else(|| user_name.clone())),
                user_name: Some(user_name),
                active: Some(row.flag("active")?),
            })
        };
        let groups = format!("select group_id, display_name from scim_group where group_id in ({list}) and {tenant}");
        let group = |row: &dyn RowRead| {
            Ok(Member {
                group_id: group_id.to_owned(),
                id: row.text("group_id")?,
                member_type: MemberType::Group,
                display: Some(row.text("display_name")?),
                user_name: None,
                active: None,
            })
        };
        let args = tenant_and(tenant_id, chunk);
        for member in db.fetch(&Select::new(users, args.clone()), user).await? {
            found.insert(member.id.clone(), member);
        }
        for member in db.fetch(&Select::new(groups, args), group).await? {
            found.insert(member.id.clone(), member);
        }
    }
    Ok(found)
}

/// `tenant_id` and then `ids`: the values of `$1` and of a list from `$2`.
fn tenant_and(tenant_id: &str, ids: &[String]) -> Vec<Arg> {
    std::iter::once(tenant_id.into()).chain(ids.iter().map(|id| Arg::from(id.as_str()))).collect()
}

/// The statements that add these members — not members yet, and each a user or a group of the
/// tenant — to a group: one multi-row insert per chunk, which takes each member's type from its
/// own row and must add every one of them (a member deleted meanwhile is a conflict, never a
/// dangling membership).
pub fn add_members_statements(tenant_id: &str, group_id: &str, ids: &[String], now_ms: i64) -> Vec<Statement> {
    // In id order, so that concurrent writers take index locks in the same order.
    let mut ids = ids.to_vec();
    ids.sort();
    ids.chunks(CHUNK)
        .map(|chunk| {
            let (list, tenant) = (placeholders(4, chunk.len()), tenant_is("tenant_id", 1));
            let sql = format!(
                "insert into group_member (tenant_id, group_id, member_id, member_type, created_at) \
                 select $1, $2, user_id, 'User', $3 from scim_user where user_id in ({list}) and {tenant} \
                 union all \
                 select $1, $2, group_id, 'Group', $3 from scim_group where group_id in ({list}) and {tenant}"
            );
            let mut args = vec![tenant_id.into(), group_id.into(), now_ms.into()];
            args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
            Statement::new(sql, args).expecting(chunk.len() as u64)
        })
        .collect()
}

/// The statements that remove these members (each a member now) from a group: one per chunk,
/// which must remove every one of them.
pub fn remove_members_statements(tenant_id: &str, group_id: &str, ids: &[String]) -> Vec<Statement> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.chunks(CHUNK)
        .map(|chunk| {
            let sql = format!(
                "delete from group_member where tenant_id = $1 and group_id = $2 and member_id in ({})",
                placeholders(3, chunk.len())
            );
            let mut args = vec![tenant_id.into(), group_id.into()];
            args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
            Statement::new(sql, args).expecting(chunk.len() as u64)
        })
        .collect()
}

/// The statements that remove a user's or group's memberships in every group of the tenant
/// (when it is deleted): those groups' versions move on, then the rows go.
pub fn remove_memberships_statements(tenant_id: &str, member_id: &str, now_ms: i64) -> [Statement; 3] {
    [
        // Each group it leaves changed: its events go out with the change (the outbox), read
        // before the memberships go.
        super::outbound::left_groups_statement(tenant_id, member_id, now_ms),
        Statement::new(
            "update scim_group set version = version + 1, updated_at = $3 where tenant_id = $1 and group_id in \
             (select group_id from group_member where tenant_id = $1 and member_id = $2)",
            vec![tenant_id.into(), member_id.into(), now_ms.into()],
        ),
        Statement::new(
            "delete from group_member where tenant_id = $1 and member_id = $2",
            vec![tenant_id.into(), member_id.into()],
        ),
    ]
}

/// The ids of a group's members: all of them, or those among `among` (one query per chunk).
pub async fn member_ids(
    db: &Db,
    tenant_id: &str,
    group_id: &str,
    among: Option<&[String]>,
) -> Result<Vec<String>, sqlx::Error> {
    let base = "select member_id from group_member where tenant_id = $1 and group_id = $2";
    let decode = |row: &dyn RowRead| row.text("member_id");
    let Some(among) = among else {
        return db.fetch(&Select::new(base, vec![tenant_id.into(), group_id.into()]), decode).await;
    };
    let mut out = Vec::new();
    for chunk in among.chunks(CHUNK) {
        let sql = format!("{base} and member_id in ({})", placeholders(3, chunk.len()));
        let mut args = vec![tenant_id.into(), group_id.into()];
        args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
        out.extend(db.fetch(&Select::new(sql, args), decode).await?);
    }
    Ok(out)
}

/// The ids of a group's members that satisfy `condition`, an expression over the member row `r`
/// (placeholders from `$3`), as a `members[…]` value filter translates.
pub async fn member_ids_where(
    db: &Db,
    tenant_id: &str,
    group_id: &str,
    condition: &Where,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!(
        "select r.member_id from group_member r where r.tenant_id = $1 and r.group_id = $2 and ({})",
        condition.sql
    );
    let mut args = vec![tenant_id.into(), group_id.into()];
    args.extend(condition.args.iter().cloned());
    db.fetch(&Select::new(sql, args), |row| row.text("member_id")).await
}

/// Members with their display names. A membership whose member no longer exists (possible on
/// PostgreSQL when a member is deleted while it is being added) is never served.
const MEMBER_SELECT: &str = "select r.group_id, r.member_id, r.member_type, \
     coalesce(u.display_name, u.user_name, g.display_name) as display, u.user_name, u.active from group_member r \
     left join scim_user u on r.member_type = 'User' and u.tenant_id = r.tenant_id and u.user_id = r.member_id \
     left join scim_group g on r.member_type = 'Group' and g.tenant_id = r.tenant_id and g.group_id = r.member_id \
     where (u.user_id is not null or g.group_id is not null) and r.tenant_id = $1";

fn member_from_row(row: &AnyRow) -> Result<Member, sqlx::Error> {
    let kind: String = row.try_get("member_type")?;
    Ok(Member {
        group_id: row.try_get("group_id")?,
        id: row.try_get("member_id")?,
        member_type: MemberType::parse(&kind)?,
        display: row.try_get("display")?,
        user_name: row.try_get("user_name")?,
        // BOOLEAN on PostgreSQL, 0/1 INTEGER on SQLite; NULL for a group.
        active: row
            .try_get::<Option<bool>, _>("active")
            .or_else(|_| row.try_get::<Option<i64>, _>("active").map(|v| v.map(|v| v != 0)))?,
    })
}

/// All members of these groups (one query per chunk of groups), ordered by group and member id.
pub async fn members(
    conn: &mut AnyConnection,
    tenant_id: &str,
    group_ids: &[String],
) -> Result<Vec<Member>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in group_ids.chunks(CHUNK) {
        let sql = format!(
            "{MEMBER_SELECT} and r.group_id in ({}) order by r.group_id, r.member_id",
            placeholders(2, chunk.len())
        );
        let query = chunk.iter().fold(sqlx::query(&sql).bind(tenant_id), |q, id| q.bind(id.as_str()));
        for row in query.fetch_all(&mut *conn).await? {
            out.push(member_from_row(&row)?);
        }
    }
    Ok(out)
}

/// Up to `limit` members of a group whose ids sort after `after` (keyset pagination, for
/// callers that page through a large group).
pub async fn member_page<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    group_id: &str,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Member>, sqlx::Error> {
    members_from(exec, tenant_id, group_id, after.unwrap_or_default(), false, limit).await
}

/// One page of `limit` members of a group in id order, as `seek` (a member id) says.
pub async fn member_window<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    group_id: &str,
    seek: &Seek<String>,
    limit: u64,
) -> Result<Window<Member>, sqlx::Error> {
    let (from, backward) = match seek {
        Seek::First => ("", false),
        Seek::After(id) => (id.as_str(), false),
        Seek::Before(id) => (id.as_str(), true),
    };
    let members = members_from(exec, tenant_id, group_id, from, backward, limit.saturating_add(1)).await?;
    Ok(Window::cut(members, usize::try_from(limit).unwrap_or(usize::MAX), seek))
}

/// Up to `limit` members of a group whose ids sort after `from` (before it, nearest first, when
/// `backward`).
async fn members_from<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    group_id: &str,
    from: &str,
    backward: bool,
    limit: u64,
) -> Result<Vec<Member>, sqlx::Error> {
    let (cmp, dir) = if backward { ("<", "desc") } else { (">", "asc") };
    let sql =
        format!("{MEMBER_SELECT} and r.group_id = $2 and r.member_id {cmp} $3 order by r.member_id {dir} limit $4");
    let rows = sqlx::query(&sql)
        .bind(tenant_id)
        .bind(group_id)
        .bind(from)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(exec)
        .await?;
    rows.iter().map(member_from_row).collect()
}

/// How many members a group has.
pub async fn member_count<'e>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    tenant_id: &str,
    group_id: &str,
) -> Result<u64, sqlx::Error> {
    let row = sqlx::query("select count(*) as n from group_member where tenant_id = $1 and group_id = $2")
        .bind(tenant_id)
        .bind(group_id)
        .fetch_one(exec)
        .await?;
    let n: i64 = row.try_get("n")?;
    Ok(u64::try_from(n).unwrap_or_default())
}
