//! Moving a SQLite database up to PostgreSQL (`scimhub migrate`): every row of every table,
//! in one PostgreSQL transaction, into a new, empty database.
//!
//! Both databases are first brought to this build's schema (opening them migrates them), so the
//! tables and columns are the same on both sides. The tables and their order come from
//! PostgreSQL's catalogue — parents before the tables whose foreign keys name them — and each
//! column is read from SQLite as the type PostgreSQL declares for it (SQLite keeps flags as
//! 0/1 integers). Identity columns keep their values, and their sequences continue after the
//! largest one. The copy is checked by counting every table on both sides before it commits.
//! The source is only read; stop the server first, or move a backup (`scimhub backup`).

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt as _;
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Arguments as _, Row as _};

use super::engine::sqlite_path;
use super::{Db, DbError};

/// Rows per INSERT statement (PostgreSQL takes at most 65,535 values in one).
const ROWS_PER_INSERT: usize = 500;

/// Why a move failed; nothing is kept in the target then.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The source is not a SQLite file or the target not a PostgreSQL database.
    #[error("move from a sqlite:// file to a postgres:// database (got {0} → {1})")]
    Direction(String, String),
    /// The source file does not exist (opening it would make a new, empty database).
    #[error("there is no SQLite database at {0}")]
    NoSource(String),
    /// The target already holds rows.
    #[error("the target database is not empty (table {0} has rows): move into a new, empty database")]
    NotEmpty(String),
    /// A column type this move does not know.
    #[error("column {table}.{column} has the type {kind}, which the move does not know")]
    Type {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its PostgreSQL type.
        kind: String,
    },
    /// A table's rows differ in number after the copy.
    #[error("table {table}: {source_rows} rows in SQLite, {target_rows} copied")]
    Count {
        /// The table.
        table: String,
        /// Rows in the source.
        source_rows: i64,
        /// Rows in the target.
        target_rows: i64,
    },
    /// Opening (and migrating) a database failed.
    #[error("opening a database: {0}")]
    Open(#[from] DbError),
    /// A query failed.
    #[error("{0}")]
    Query(#[from] sqlx::Error),
}

/// What a move copied: each table with its rows, in the order copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Table and rows.
    pub tables: Vec<(String, i64)>,
}

/// A column and how its values travel.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    identity: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Text,
    Float,
}

/// Copies every row of the SQLite database `from` into the empty PostgreSQL database `to`.
pub async fn sqlite_to_postgres(from: &str, to: &str) -> Result<Moved, TransferError> {
    let Some(path) = sqlite_path(from) else {
        return Err(TransferError::Direction(scheme(from), scheme(to)));
    };
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(TransferError::Direction(scheme(from), scheme(to)));
    }
    if !std::path::Path::new(path).is_file() {
        return Err(TransferError::NoSource(path.to_owned()));
    }
    // Opening brings both to this build's schema; the pools below then read and write raw.
    Db::connect(from).await?.close().await;
    Db::connect(to).await?.close().await;
    let source = SqlitePoolOptions::new().max_connections(1).connect(from).await?;
    let target = PgPoolOptions::new().max_connections(2).connect(to).await?;
    let tables = tables_in_order(&target).await?;
    let mut tx = target.begin().await?;
    let mut moved = Vec::new();
    for table in &tables {
        let (rows,): (i64,) = sqlx::query_as(&format!("select count(*) from {table}")).fetch_one(&mut *tx).await?;
        if rows > 0 {
            return Err(TransferError::NotEmpty(table.clone()));
        }
        let columns = columns(&target, table).await?;
        let copied = copy_table(&source, &mut tx, table, &columns).await?;
        let (source_rows,): (i64,) =
            sqlx::query_as(&format!("select count(*) from {table}")).fetch_one(&source).await?;
        let (target_rows,): (i64,) =
            sqlx::query_as(&format!("select count(*) from {table}")).fetch_one(&mut *tx).await?;
        if source_rows != target_rows || copied != target_rows {
            return Err(TransferError::Count { table: table.clone(), source_rows, target_rows });
        }
        for identity in columns.iter().filter(|c| c.identity) {
            sqlx::query(&format!(
                "select setval(pg_get_serial_sequence('{table}', '{c}'), coalesce(max({c}), 0) + 1, false) from {table}",
                c = identity.name
            ))
            .execute(&mut *tx)
            .await?;
        }
        moved.push((table.clone(), target_rows));
    }
    tx.commit().await?;
    source.close().await;
    target.close().await;
    Ok(Moved { tables: moved })
}

/// The scheme of a URL, for messages (never its credentials).
fn scheme(url: &str) -> String {
    url.split_once("://").map_or("?", |(s, _)| s).to_owned()
}

/// scimhub's tables, each after the tables its foreign keys name.
async fn tables_in_order(target: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    let names: Vec<(String,)> = sqlx::query_as(
        "select table_name::text from information_schema.tables \
         where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> '_sqlx_migrations' \
         order by table_name",
    )
    .fetch_all(target)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "select distinct child.relname::text, parent.relname::text from pg_constraint c \
         join pg_class child on child.oid = c.conrelid join pg_class parent on parent.oid = c.confrelid \
         join pg_namespace n on n.oid = child.relnamespace \
         where c.contype = 'f' and n.nspname = current_schema() and child.oid <> parent.oid",
    )
    .fetch_all(target)
    .await?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = names.into_iter().map(|(n,)| (n, BTreeSet::new())).collect();
    for (child, parent) in edges {
        parents.entry(child).or_default().insert(parent);
    }
    let mut ordered = Vec::new();
    while !parents.is_empty() {
        // Ready: every table it names is copied already (no longer waiting).
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, named)| named.iter().all(|parent| !parents.contains_key(parent)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            // A cycle of foreign keys (none in scimhub's schema): the rest in name order.
            ordered.extend(parents.keys().cloned());
            break;
        }
        for table in ready {
            parents.remove(&table);
            ordered.push(table);
        }
    }
    Ok(ordered)
}

/// A table's columns with their types, in order.
async fn columns(target: &PgPool, table: &str) -> Result<Vec<Column>, TransferError> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "select column_name::text, data_type::text, is_identity::text, column_default::text \
         from information_schema.columns where table_schema = current_schema() and table_name = $1 \
         order by ordinal_position",
    )
    .bind(table)
    .fetch_all(target)
    .await?;
    rows.into_iter()
        .map(|(name, data_type, is_identity, default)| {
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Int,
                "boolean" => Kind::Bool,
                "text" | "character varying" => Kind::Text,
                "double precision" | "real" => Kind::Float,
                other => {
                    return Err(TransferError::Type { table: table.to_owned(), column: name, kind: other.to_owned() })
                }
            };
            let identity = is_identity == "YES" || default.is_some_and(|d| d.starts_with("nextval("));
            Ok(Column { name, kind, identity })
        })
        .collect()
}

/// Copies one table's rows in batches; returns how many.
async fn copy_table(
    source: &SqlitePool,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    table: &str,
    columns: &[Column],
) -> Result<i64, TransferError> {
    let names = columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let overriding = if columns.iter().any(|c| c.identity) { " overriding system value" } else { "" };
    let select = format!("select {names} from {table}");
    let mut rows = sqlx::query(&select).fetch(source);
    let mut batch: Vec<SqliteRow> = Vec::with_capacity(ROWS_PER_INSERT);
    let mut copied = 0;
    loop {
        let next = rows.try_next().await?;
        let end = next.is_none();
        if let Some(row) = next {
            batch.push(row);
        }
        if batch.len() == ROWS_PER_INSERT || (end && !batch.is_empty()) {
            let mut arguments = PgArguments::default();
            let mut tuples = Vec::with_capacity(batch.len());
            for row in &batch {
                let first = arguments.len() + 1;
                for (i, column) in columns.iter().enumerate() {
                    bind(&mut arguments, row, i, column.kind)?;
                }
                tuples.push(format!(
                    "({})",
                    (first..first + columns.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
                ));
            }
            let insert = format!("insert into {table} ({names}){overriding} values {}", tuples.join(", "));
            sqlx::query_with(&insert, arguments).execute(&mut **tx).await?;
            copied += i64::try_from(batch.len()).unwrap_or(i64::MAX);
            batch.clear();
        }
        if end {
            return Ok(copied);
        }
    }
}

/// Binds column `i` of a SQLite row as PostgreSQL's type for it.
fn bind(arguments: &mut PgArguments, row: &SqliteRow, i: usize, kind: Kind) -> Result<(), sqlx::Error> {
    let added = match kind {
        Kind::Int => arguments.add(row.try_get::<Option<i64>, _>(i)?),
        Kind::Bool => arguments.add(row.try_get::<Option<i64>, _>(i)?.map(|v| v != 0)),
        Kind::Text => arguments.add(row.try_get::<Option<String>, _>(i)?),
        Kind::Float => arguments.add(row.try_get::<Option<f64>, _>(i)?),
    };
    added.map_err(sqlx::Error::Encode)
}
