//! SQL with its bind values as plain data: fragments for queries whose shape depends on input
//! (SCIM filters, log filters), and whole statements and selects that any driver runs — sqlx
//! here, SQLite in place in [`super::direct`], PostgreSQL pipelined in [`super::pipelined`].
//! Values are always bound, never spliced into the text.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::row::RowRead;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// Text, or NULL (typed as text, as PostgreSQL needs).
    TextOrNull(Option<String>),
    /// A whole number, or NULL (typed as a number).
    IntOrNull(Option<i64>),
}

impl From<&str> for Arg {
    fn from(value: &str) -> Arg {
        Arg::Text(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Arg {
        Arg::Text(value)
    }
}

impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Arg {
        Arg::TextOrNull(value.map(str::to_owned))
    }
}

impl From<i64> for Arg {
    fn from(value: i64) -> Arg {
        Arg::Int(value)
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Arg {
        Arg::IntOrNull(value)
    }
}

impl From<bool> for Arg {
    fn from(value: bool) -> Arg {
        Arg::Bool(value)
    }
}

/// A boolean SQL expression and the values for its placeholders, numbered from a given start.
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    /// The expression text.
    pub sql: String,
    /// Values for its placeholders, in order.
    pub args: Vec<Arg>,
}

impl Where {
    /// The expression that is always true.
    pub fn all() -> Where {
        Where { sql: "1 = 1".into(), args: Vec::new() }
    }
}

/// A sort key for lists (`sortBy`/`sortOrder`): an expression built from the static schema
/// mappings, never from request text.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The expression to sort by.
    pub key: String,
    /// Descending instead of ascending.
    pub descending: bool,
}

impl OrderBy {
    /// The `order by` terms: resources without a value sort last when ascending and first when
    /// descending (RFC 7644 §3.4.2.3), ties in creation order.
    pub fn terms(&self) -> String {
        let (nulls, dir) = if self.descending { ("desc", "desc") } else { ("asc", "asc") };
        format!("({key}) is null {nulls}, {key} {dir}, ", key = self.key)
    }
}

/// Binds `args` to `query` in order.
pub fn bind_all<'q>(mut query: Query<'q, Any, AnyArguments<'q>>, args: &[Arg]) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
            Arg::Float(f) => query.bind(*f),
            Arg::Bool(b) => query.bind(*b),
            Arg::TextOrNull(s) => query.bind(s.clone()),
            Arg::IntOrNull(i) => query.bind(*i),
        };
    }
    query
}

/// A query that reads, with the values of its `$n` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// The query text.
    pub sql: String,
    /// Values for its placeholders, in order.
    pub args: Vec<Arg>,
}

impl Select {
    /// A query and its values.
    pub fn new(sql: impl Into<String>, args: Vec<Arg>) -> Select {
        Select { sql: sql.into(), args }
    }
}

/// Runs a read on a sqlx executor (a transaction's connection, a pool) and decodes its rows.
pub async fn fetch_in<'e, T>(
    exec: impl sqlx::Executor<'e, Database = Any>,
    select: &Select,
    decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let rows = bind_all(sqlx::query(&select.sql), &select.args).fetch_all(exec).await?;
    rows.iter().map(|row| decode(row)).collect()
}

/// A statement that writes, with the values of its `$n` placeholders and, for optimistic
/// concurrency, how many rows it must change (`… where version = $n` changing none means
/// another write came first).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement text.
    pub sql: String,
    /// Values for its placeholders, in order.
    pub args: Vec<Arg>,
    /// The number of rows it must change, if any.
    pub expect_rows: Option<u64>,
}

impl Statement {
    /// A statement and its values, whatever number of rows it changes.
    pub fn new(sql: impl Into<String>, args: Vec<Arg>) -> Statement {
        Statement { sql: sql.into(), args, expect_rows: None }
    }

    /// The same statement, which must change exactly `rows` rows.
    pub fn expecting(self, rows: u64) -> Statement {
        Statement { expect_rows: Some(rows), ..self }
    }

    /// Whether `rows` changed rows are what the statement expects.
    pub fn met(&self, rows: u64) -> bool {
        self.expect_rows.is_none_or(|n| n == rows)
    }

    /// Runs the statement on a sqlx connection; returns the number of rows it changed.
    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        Ok(bind_all(sqlx::query(&self.sql), &self.args).execute(conn).await?.rows_affected())
    }
}

/// `$first, $first+1, …` — `n` numbered placeholders for an `in (…)` list or a row of values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `{column} = ${n}` written so that no index serves it, for a query that also names a list of
/// primary keys: SQLite's planner (which has no statistics here) would otherwise prefer an index
/// led by `tenant_id` and read every row of the tenant — 100,000 users for a page of 25 or a
/// chunk of 1,000 members — instead of looking each id up by its key. PostgreSQL plans the same
/// query from its statistics and looks the ids up either way.
pub fn tenant_is(column: &str, n: usize) -> String {
    format!("{column} || '' = ${n}")
}
