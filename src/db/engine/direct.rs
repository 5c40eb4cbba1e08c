//! SQLite without sqlx's per-statement hand-off. sqlx runs every SQLite connection on a thread
//! of its own and sends each statement there and back — two thread switches per statement,
//! tens of microseconds against a statement that takes a few. The SCIM hot paths use SQLite
//! directly instead (docs/architecture.md, "SQLite without per-statement hand-offs"):
//!
//! - reads run in place, on the calling thread, on a connection from a small pool;
//! - writes go to one writer thread that commits many requests' statements in one transaction
//!   ([`super::group_commit`]).
//!
//! Everything else (the dashboard, migrations, background jobs) keeps using sqlx's pools.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sqlx::AnyPool;
use tokio::runtime::Handle;

use super::checkpoint::Checkpointer;
use super::failure::{Code, Failure};
use super::group_commit::GroupCommit;
use super::row::RowRead;
use super::sql::{Arg, Select, Statement};
use super::{Durability, Outcome};

/// Idle read connections kept for reuse; more are opened while many readers run at once.
const IDLE_READERS: usize = 8;
/// Prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 128;

/// The direct SQLite connections of one database file.
#[derive(Debug)]
pub struct Direct {
    path: PathBuf,
    durability: Durability,
    idle: Mutex<Vec<Connection>>,
    writer: GroupCommit,
    _checkpoints: Checkpointer,
}

impl Direct {
    /// Opens the writer connection and starts the group-commit writer and the checkpointer;
    /// `lock` is sqlx's writer pool, whose one connection every SQLite write holds (so sqlx's
    /// writes and the writer thread's never overlap).
    pub fn open(path: &Path, durability: Durability, lock: AnyPool) -> Result<Direct, sqlx::Error> {
        let connection = open_connection(path, durability).map_err(error)?;
        // The writer keeps SQLite's default page cache (2 MiB): when a B-tree page splits,
        // SQLite renumbers the new pages through page 262,145, and the next commit then walks
        // every page in the cache to drop it again; with 16 MiB that walk was a tenth of the
        // writer's time (docs/architecture.md).

        // Checkpoints are the checkpointer's (`db::checkpoint`), not the writer's.
        connection.pragma_update(None, "wal_autocheckpoint", 0).map_err(error)?;
        let checkpointer = open_connection(path, durability).map_err(error)?;
        Ok(Direct {
            path: path.to_owned(),
            durability,
            idle: Mutex::new(Vec::new()),
            writer: GroupCommit::start(connection, lock.clone()).map_err(sqlx::Error::Io)?,
            _checkpoints: Checkpointer::start(checkpointer, lock).map_err(sqlx::Error::Io)?,
        })
    }

    /// Runs a read in place and decodes its rows.
    pub fn fetch<T>(
        &self,
        select: &Select,
        decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let connection = self.reader()?;
        let rows = query(&connection, select, decode);
        self.put_back(connection);
        rows
    }

    /// Runs the statements in one transaction with other requests' (group commit); answers once
    /// it is committed.
    pub async fn write(&self, statements: Vec<Statement>) -> Result<Outcome, sqlx::Error> {
        self.writer.write(statements).await
    }

    fn reader(&self) -> Result<Connection, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        match idle {
            Some(connection) => Ok(connection),
            None => {
                let connection = open_connection(&self.path, self.durability).map_err(error)?;
                connection.pragma_update(None, "query_only", true).map_err(error)?;
                // No memory map (`mmap_size` stays 0): in WAL mode SQLite unmaps a connection's
                // whole map when a read transaction finds that another connection committed,
                // which under writes is every read — an munmap, TLB shoot-downs on every core
                // and a page fault per page touched again. Copying the few pages of an indexed
                // lookup from the kernel's page cache costs less (docs/architecture.md).
                Ok(connection)
            }
        }
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(connection);
        }
    }
}

/// Starts a thread that runs `work` with the current Tokio runtime, on which it may wait for
/// sqlx's write connection, as its context (sqlx hands a dropped connection back to its pool on
/// a task). Must be called inside a Tokio runtime.
pub fn spawn_thread(name: &str, work: impl FnOnce(&Handle) + Send + 'static) -> std::io::Result<()> {
    let runtime = Handle::current();
    std::thread::Builder::new().name(name.into()).spawn(move || {
        let _context = runtime.enter();
        work(&runtime);
    })?;
    Ok(())
}

/// A connection with the settings sqlx's connections get (WAL, durability, foreign keys,
/// busy timeout).
fn open_connection(path: &Path, durability: Durability) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(path, OpenFlags::default())?;
    connection.execute_batch(&super::sqlite_pragmas(durability))?;
    connection.busy_timeout(Duration::from_secs(10))?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

/// Runs a read on `connection` and decodes its rows.
pub fn query<T>(
    connection: &Connection,
    select: &Select,
    decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut statement = connection.prepare_cached(&numbered(&select.sql)).map_err(error)?;
    bind(&mut statement, &select.args)?;
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// Runs a statement on `connection`; returns the number of rows it changed.
pub fn execute(connection: &Connection, statement: &Statement) -> Result<u64, sqlx::Error> {
    let mut prepared = connection.prepare_cached(&numbered(&statement.sql)).map_err(error)?;
    bind(&mut prepared, &statement.args)?;
    let changed = prepared.raw_execute().map_err(error)?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

/// The SQL with PostgreSQL's `$n` placeholders written as SQLite's `?n`, which SQLite binds by
/// that number. (SQLite reads `$n` as a *named* parameter, numbered by first appearance; mapping
/// names back to numbers costs a linear search per parameter — quadratic for a many-row insert.)
/// Quoted text and identifiers are left alone.
fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Binds the values to the statement's `?n` placeholders (see [`numbered`]).
fn bind(statement: &mut rusqlite::Statement<'_>, args: &[Arg]) -> Result<(), sqlx::Error> {
    let wanted = statement.parameter_count();
    if args.len() < wanted {
        return Err(sqlx::Error::Protocol(format!("{wanted} placeholders but only {} values", args.len())));
    }
    for (index, arg) in (1..=wanted).zip(args) {
        match arg {
            Arg::Text(s) => statement.raw_bind_parameter(index, s),
            Arg::Int(i) => statement.raw_bind_parameter(index, i),
            Arg::Float(f) => statement.raw_bind_parameter(index, f),
            Arg::Bool(b) => statement.raw_bind_parameter(index, b),
            Arg::TextOrNull(s) => statement.raw_bind_parameter(index, s),
            Arg::IntOrNull(i) => statement.raw_bind_parameter(index, i),
        }
        .map_err(error)?;
    }
    Ok(())
}

/// A rusqlite error as the sqlx error the rest of the program handles.
pub fn error(e: rusqlite::Error) -> sqlx::Error {
    failure(e).map_or_else(|other| sqlx::Error::Decode(Box::new(other)), Failure::into_sqlx)
}

/// The SQLite failure inside a rusqlite error, or the error itself when it is not one.
pub fn failure(e: rusqlite::Error) -> Result<Failure, rusqlite::Error> {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            Ok(Failure::new(Code::Sqlite(code.extended_code), message.unwrap_or_else(|| code.to_string())))
        }
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use sqlx::error::ErrorKind;

    use super::*;

    fn scratch() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection.execute_batch("create table t (a text primary key, b integer, c text)").unwrap();
        connection
    }

    #[test]
    fn placeholders_bind_by_their_number_not_their_order() {
        let connection = scratch();
        let insert = Statement::new(
            "insert into t (b, a, c) values ($2, $1, $3)",
            vec!["x".into(), 7.into(), None::<&str>.into()],
        );
        assert_eq!(execute(&connection, &insert).unwrap(), 1);
        let select = Select::new("select a, b, c from t where b = $2 and a = $1", vec!["x".into(), 7.into()]);
        let rows = query(&connection, &select, |row| Ok((row.text("a")?, row.int("b")?, row.opt_text("c")?))).unwrap();
        assert_eq!(rows, vec![("x".to_owned(), 7, None)]);
    }

    #[test]
    fn placeholders_inside_quotes_are_text() {
        assert_eq!(
            numbered("select '$1', \"$2\", $3 from t where x = $12"),
            "select '$1', \"$2\", ?3 from t where x = ?12"
        );
        assert_eq!(numbered("json_extract(r, '$.a') = $1"), "json_extract(r, '$.a') = ?1");
        assert!(matches!(numbered("select 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_null() {
        let connection = scratch();
        let insert = Statement::new("insert into t (a, b) values ($1, $2)", vec!["x".into()]);
        assert!(matches!(execute(&connection, &insert), Err(sqlx::Error::Protocol(_))));
        let count: i64 = connection.query_row("select count(*) from t", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 0);
    }

    #[test]
    fn constraint_failures_are_sqlx_database_errors_of_their_kind() {
        let connection = scratch();
        let insert = Statement::new("insert into t (a) values ($1)", vec!["x".into()]);
        execute(&connection, &insert).unwrap();
        let err = execute(&connection, &insert).unwrap_err();
        assert!(super::super::is_unique_violation(&err), "{err:?}");
        let err = execute(&connection, &Statement::new("insert into nowhere values (1)", vec![])).unwrap_err();
        assert!(matches!(&err, sqlx::Error::Database(e) if e.kind() == ErrorKind::Other), "{err:?}");
    }
}
