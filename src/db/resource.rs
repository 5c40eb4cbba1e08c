//! What the resource tables (`scim_user`, `scim_group`) share: the statements that insert,
//! update and delete a row under its version, the query of a read by id, and filtered, stably
//! ordered pages and counts. Each table module names its columns and maps the rows.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{bind_all, Arg, OrderBy, Select, Statement, Where};
use super::Db;

/// A table of SCIM resources.
#[derive(Debug)]
pub struct Table {
    /// The table's name.
    pub name: &'static str,
    /// Its id column.
    pub id: &'static str,
    /// The columns its rows are read with.
    pub columns: &'static str,
}

/// The query of the row with this id in this tenant.
pub fn get(table: &Table, tenant_id: &str, id: &str) -> Select {
    let sql = format!("select {} from {} where tenant_id = $1 and {} = $2", table.columns, table.name, table.id);
    Select::new(sql, vec![tenant_id.into(), id.into()])
}

/// A column a resource write sets, with its value.
#[derive(Debug, Clone)]
pub struct Set {
    column: &'static str,
    value: Arg,
    keep_stored_if_null: bool,
}

impl Set {
    /// Sets `column` to `value`.
    pub fn to(column: &'static str, value: impl Into<Arg>) -> Set {
        Set { column, value: value.into(), keep_stored_if_null: false }
    }

    /// Sets `column` to `value` unless it is NULL; then an update keeps the stored value (a
    /// write-only attribute the request did not carry, e.g. a password hash).
    pub fn unless_null(column: &'static str, value: impl Into<Arg>) -> Set {
        Set { column, value: value.into(), keep_stored_if_null: true }
    }
}

/// The statement that inserts a new row at version 1, created and updated `now_ms`. A taken
/// unique key (userName, displayName) is a unique violation.
pub fn insert(table: &Table, tenant_id: &str, id: &str, columns: Vec<Set>, now_ms: i64) -> Statement {
    let names: String = columns.iter().map(|c| format!(", {}", c.column)).collect();
    let n = columns.len();
    let values: String = (3..n + 3).map(|i| format!(", ${i}")).collect();
    let sql = format!(
        "insert into {} ({}, tenant_id{names}, version, created_at, updated_at) values ($1, $2{values}, 1, ${at}, ${at})",
        table.name,
        table.id,
        at = n + 3
    );
    let mut args = Vec::with_capacity(n + 3);
    args.extend([id.into(), tenant_id.into()]);
    args.extend(columns.into_iter().map(|c| c.value));
    args.push(now_ms.into());
    Statement::new(sql, args)
}

/// The statement that sets `columns`, moves the version on and stamps `now_ms` — if the row
/// is still at `expected_version` (it expects to change that one row; else a conflict). With no
/// columns it records a change made elsewhere (a group's members).
pub fn update(
    table: &Table,
    tenant_id: &str,
    id: &str,
    columns: Vec<Set>,
    expected_version: i64,
    now_ms: i64,
) -> Statement {
    let n = columns.len();
    let sets: String = columns
        .iter()
        .zip(3..)
        .map(|(c, i)| match c.keep_stored_if_null {
            false => format!("{} = ${i}, ", c.column),
            true => format!("{col} = coalesce(${i}, {col}), ", col = c.column),
        })
        .collect();
    let sql = format!(
        "update {} set {sets}version = version + 1, updated_at = ${} where tenant_id = $1 and {} = $2 and version = ${}",
        table.name,
        n + 3,
        table.id,
        n + 4
    );
    let mut args = Vec::with_capacity(n + 4);
    args.extend([tenant_id.into(), id.into()]);
    args.extend(columns.into_iter().map(|c| c.value));
    args.extend([now_ms.into(), expected_version.into()]);
    Statement::new(sql, args).expecting(1)
}

/// The statement that deletes the row with this id if it is still at `expected_version` (it
/// expects to change that one row; else a conflict).
pub fn delete(table: &Table, tenant_id: &str, id: &str, expected_version: i64) -> Statement {
    let sql = format!("delete from {} where tenant_id = $1 and {} = $2 and version = $3", table.name, table.id);
    Statement::new(sql, vec![tenant_id.into(), id.into(), expected_version.into()]).expecting(1)
}

/// The query of one page of the tenant's rows matching `filter` (placeholders from `$2`), by
/// `order` and then in creation order — stable, so paginated imports see every resource once.
pub fn page(
    table: &Table,
    tenant_id: &str,
    filter: &Where,
    order: Option<&OrderBy>,
    offset: u64,
    limit: u64,
) -> Select {
    let n = filter.args.len();
    let sql = format!(
        "select {} from {} where tenant_id = $1 and ({}) order by {}created_at, {} limit ${} offset ${}",
        table.columns,
        table.name,
        filter.sql,
        order.map(OrderBy::terms).unwrap_or_default(),
        table.id,
        n + 2,
        n + 3
    );
    let mut args = Vec::with_capacity(n + 3);
    args.push(tenant_id.into());
    args.extend(filter.args.iter().cloned());
    args.push(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    args.push(Arg::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    Select::new(sql, args)
}

/// The query of how many of the tenant's rows match `filter` (placeholders from `$2`), as `n`.
pub fn count(table: &Table, tenant_id: &str, filter: &Where) -> Select {
    let sql = format!("select count(*) as n from {} where tenant_id = $1 and ({})", table.name, filter.sql);
    let mut args = Vec::with_capacity(filter.args.len() + 1);
    args.push(tenant_id.into());
    args.extend(filter.args.iter().cloned());
    Select::new(sql, args)
}

/// Runs a [`count`] query.
pub async fn counted(db: &Db, select: &Select) -> Result<u64, sqlx::Error> {
    let n = db.fetch_optional(select, |row| row.int("n")).await?.unwrap_or_default();
    Ok(u64::try_from(n).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Keyset pages
// ---------------------------------------------------------------------------------------------

/// What a sort column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Text.
    Text,
    /// A whole number (a time in ms).
    Int,
}

/// A column a list of resources is sorted by, one that leads an index after `tenant_id`, so
/// that a page is a range read of that index whatever its place in the list. Ties are broken
/// by the table's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortColumn {
    /// The column.
    pub name: &'static str,
    /// What it holds.
    pub kind: KeyKind,
    /// Whether it may be NULL: resources without a value come after the others ascending, and
    /// before them descending (as RFC 7644 §3.4.2.3 asks of `sortBy`).
    pub nullable: bool,
}

/// The order of a list: by a column, then by id, both ascending or both descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub column: SortColumn,
    /// Descending instead of ascending.
    pub descending: bool,
}

/// A row's place in a sorted list: its sort key (`None`: NULL) and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The sort key, [`Arg::Text`] or [`Arg::Int`] as the column's [`KeyKind`] says.
    pub key: Option<Arg>,
    /// The row's id.
    pub id: String,
}

/// Which page of a sorted list.
#[derive(Debug, Clone, PartialEq)]
pub enum Seek<P> {
    /// The first page.
    First,
    /// The page that follows this position.
    After(P),
    /// The page that precedes this position.
    Before(P),
}

impl<P> Seek<P> {
    /// The position the page is read from, if any.
    fn position(&self) -> Option<&P> {
        match self {
            Seek::First => None,
            Seek::After(p) | Seek::Before(p) => Some(p),
        }
    }
}

/// One page of a sorted list and whether the list goes on either side of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Window<T> {
    /// The page's items, in list order.
    pub items: Vec<T>,
    /// Items precede the page.
    pub has_before: bool,
    /// Items follow the page.
    pub has_after: bool,
}

impl<T> Window<T> {
    /// The page of `limit` items read for `seek`: `items` holds up to `limit + 1` of them in
    /// reading order (backwards for [`Seek::Before`]), the extra one telling that the list goes
    /// on in the reading direction. The position `seek` starts from is a row of the other side.
    pub fn cut<P>(mut items: Vec<T>, limit: usize, seek: &Seek<P>) -> Window<T> {
        let more = items.len() > limit;
        items.truncate(limit);
        match seek {
            Seek::First => Window { items, has_before: false, has_after: more },
            Seek::After(_) => Window { items, has_before: true, has_after: more },
            Seek::Before(_) => {
                items.reverse();
                Window { items, has_before: more, has_after: true }
            }
        }
    }

    /// The same page with every item mapped, unless one fails.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Window<U>, E> {
        let items = self.items.into_iter().map(f).collect::<Result<_, _>>()?;
        Ok(Window { items, has_before: self.has_before, has_after: self.has_after })
    }
}

/// The rows of a nullable sort column with and without a value: read one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Values,
    Nulls,
}

/// One page of the tenant's rows matching `filter` (placeholders from `$2`) in the order `sort`,
/// as `seek` says; every row comes with its [`Position`], the cursor of the pages
/// beside it. Each statement is a range read of the index `sort` leads, which stops after
/// `limit + 1` rows: no offset, no count.
pub async fn keyset_page(
    db: &Db,
    table: &Table,
    tenant_id: &str,
    filter: &Where,
    sort: Sort,
    seek: &Seek<Position>,
    limit: u64,
) -> Result<Window<(AnyRow, Position)>, sqlx::Error> {
    let pool = db.reader();
    let backward = matches!(seek, Seek::Before(_));
    // The segments in list order, then in reading order.
    let mut segments = match (sort.column.nullable, sort.descending) {
        (false, _) => vec![Segment::Values],
        (true, false) => vec![Segment::Values, Segment::Nulls],
        (true, true) => vec![Segment::Nulls, Segment::Values],
    };
    if backward {
        segments.reverse();
    }
    let from = seek.position();
    let first = from.map_or(Segment::Values, |p| if p.key.is_some() { Segment::Values } else { Segment::Nulls });
    let start = if from.is_some() { segments.iter().position(|s| *s == first).unwrap_or(0) } else { 0 };
    let want = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
    let mut rows = Vec::new();
    for (i, segment) in segments[start..].iter().enumerate() {
        let scan = Scan { table, column: sort.column, segment: *segment, descending: sort.descending != backward };
        let after = if i == 0 { from } else { None };
        rows.extend(scan.read(pool, tenant_id, filter, after, want - rows.len()).await?);
        if rows.len() >= want {
            break;
        }
    }
    Ok(Window::cut(rows, usize::try_from(limit).unwrap_or(usize::MAX), seek))
}

/// One read of one segment in one direction.
struct Scan<'a> {
    table: &'a Table,
    column: SortColumn,
    segment: Segment,
    descending: bool,
}

impl Scan<'_> {
    async fn read(
        &self,
        pool: &sqlx::AnyPool,
        tenant_id: &str,
        filter: &Where,
        after: Option<&Position>,
        limit: usize,
    ) -> Result<Vec<(AnyRow, Position)>, sqlx::Error> {
        let (col, id) = (self.column.name, self.table.id);
        let (dir, cmp) = if self.descending { ("desc", "<") } else { ("asc", ">") };
        let mut next = filter.args.len() + 2;
        let mut args = filter.args.clone();
        let mut conditions = vec![format!("({})", filter.sql)];
        if self.column.nullable {
            let which = if self.segment == Segment::Values { "is not null" } else { "is null" };
            conditions.push(format!("{col} {which}"));
        }
        match (after, self.segment) {
            // `col >= k` bounds the index range; the rest skips the ties already shown.
            (Some(Position { key: Some(key), id: after_id }), Segment::Values) => {
                conditions.push(format!("{col} {cmp}= ${next} and ({col} {cmp} ${next} or {id} {cmp} ${})", next + 1));
                args.push(key.clone());
                args.push(Arg::Text(after_id.clone()));
                next += 2;
            }
            (Some(Position { id: after_id, .. }), Segment::Nulls) => {
                conditions.push(format!("{id} {cmp} ${next}"));
                args.push(Arg::Text(after_id.clone()));
                next += 1;
            }
            _ => {}
        }
        let order = match self.segment {
            Segment::Values => format!("{col} {dir}, {id} {dir}"),
            Segment::Nulls => format!("{id} {dir}"),
        };
        let sql = format!(
            "select {}, {col} as sort_key from {} where tenant_id = $1 and {} order by {order} limit ${next}",
            self.table.columns,
            self.table.name,
            conditions.join(" and "),
        );
        let rows = bind_all(sqlx::query(&sql).bind(tenant_id), &args)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(pool)
            .await?;
        rows.into_iter()
            .map(|row| {
                let key = match self.column.kind {
                    KeyKind::Text => row.try_get::<Option<String>, _>("sort_key")?.map(Arg::Text),
                    KeyKind::Int => row.try_get::<Option<i64>, _>("sort_key")?.map(Arg::Int),
                };
                let id = row.try_get(self.table.id)?;
                Ok((row, Position { key, id }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table { name: "scim_thing", id: "thing_id", columns: "thing_id" };

    #[test]
    fn writes_number_their_placeholders_in_argument_order() {
        let inserted = insert(&T, "t1", "id1", vec![Set::to("a", "x"), Set::to("b", 2_i64)], 99);
        assert_eq!(
            inserted.sql,
            "insert into scim_thing (thing_id, tenant_id, a, b, version, created_at, updated_at) \
             values ($1, $2, $3, $4, 1, $5, $5)"
        );
        assert_eq!(inserted.args.len(), 5);

        let updated = update(&T, "t1", "id1", vec![Set::to("a", "x"), Set::unless_null("secret", None::<&str>)], 4, 99);
        assert_eq!(
            updated.sql,
            "update scim_thing set a = $3, secret = coalesce($4, secret), version = version + 1, updated_at = $5 \
             where tenant_id = $1 and thing_id = $2 and version = $6"
        );
        assert_eq!(updated.args.len(), 6);
        assert!(updated.met(1) && !updated.met(0), "an update expects its one row");

        let touch = update(&T, "t1", "id1", vec![], 4, 99);
        assert_eq!(
            touch.sql,
            "update scim_thing set version = version + 1, updated_at = $3 where tenant_id = $1 and thing_id = $2 \
             and version = $4"
        );
        assert!(delete(&T, "t1", "id1", 4).sql.ends_with("and thing_id = $2 and version = $3"));
    }
}
