//! The storage engine: how SQL runs, whatever the table. [`Db`] opens and migrates either
//! dialect (sqlx's `Any` driver, so every query is written once); statements are values
//! ([`sql::Select`], [`sql::Statement`]) that [`Db::fetch`] and [`Db::write`] run — on SQLite in
//! place, without sqlx's per-statement thread hand-off ([`direct`]), writes gathered into shared
//! transactions ([`group_commit`]) and the WAL checkpointed off the writer's path
//! ([`checkpoint`]); on PostgreSQL over pipelining connections, a transaction in one round trip,
//! concurrent writes again gathered into shared transactions ([`pipelined`]). Rows decode
//! through [`row::RowRead`] whichever ran them.

pub mod checkpoint;
pub mod direct;
pub mod failure;
pub mod group_commit;
pub mod pipelined;
pub mod row;
pub mod sql;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};

use self::direct::Direct;
use self::pipelined::Pipelined;
use self::row::RowRead;
use self::sql::{Select, Statement};

/// The most PostgreSQL connections a process holds for its requests unless configured (`serve
/// --database-connections`), shared as [`postgres_pools`] says.
pub const POSTGRES_CONNECTIONS: u32 = 16;

/// How long sqlx's PostgreSQL pool keeps a connection (and the plans of its prepared statements).
const SQLX_CONNECTION_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How `connections` are shared on PostgreSQL: (the hot path's pool, sqlx's pool). sqlx's — the
/// dashboard, the API, migrations, background jobs — gets a quarter and at least two (a
/// transaction may read beside itself); the hot path the rest and at least one.
pub fn postgres_pools(connections: u32) -> (u32, u32) {
    let sqlx = (connections / 4).max(2);
    (connections.saturating_sub(sqlx).max(1), sqlx)
}

/// The SQL dialect behind a pool; queries are shared, a few fragments differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Errors opening or migrating the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A SQLite database must be a file (its connections share it).
    #[error("SQLite needs a database file, not {0}")]
    NotAFile(String),
    /// The URL names no supported database.
    #[error("unsupported database URL (use sqlite://… or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// The SQLite file's directory could not be created.
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    /// A database error.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The database handle: a read pool and a write pool (the same pool on PostgreSQL; on SQLite a
/// single writer connection, which serialises writes without `SQLITE_BUSY` retries while WAL
/// lets readers proceed), and the connections of the hot paths: on SQLite the direct ones, on
/// PostgreSQL the pipelining ones.
#[derive(Debug, Clone)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    hot: HotPath,
}

/// The connections [`Db::fetch`] and [`Db::write`] run on.
#[derive(Debug, Clone)]
enum HotPath {
    /// SQLite's direct connections, and its database file.
    Sqlite(Arc<Direct>, std::path::PathBuf),
    /// PostgreSQL's pipelining connections.
    Postgres(Pipelined),
}

/// What became of the statements given to [`Db::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// All ran and are committed.
    Written,
    /// One changed another number of rows than it expected (another write came first): none
    /// was kept.
    Conflict,
}

/// How SQLite makes commits durable (`PRAGMA synchronous` in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Durability {
    /// Commits reach the OS before they return: they survive a crash of the process, not of
    /// the machine.
    #[default]
    Normal,
    /// Commits are fsync'd before they return: they survive a power loss.
    Full,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        }
    }
}

impl Db {
    /// Opens (creating a SQLite file and its directory if needed) and migrates the database,
    /// with the default durability.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Self::connect_with(url, Durability::default(), POSTGRES_CONNECTIONS).await
    }

    /// [`Db::connect`] with this SQLite durability, and on PostgreSQL at most `pg_connections`
    /// connections in all ([`postgres_pools`]; three at the least).
    pub async fn connect_with(url: &str, durability: Durability, pg_connections: u32) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        match dialect_of(url)? {
            Dialect::Sqlite => {
                let path = sqlite_path(url).ok_or_else(|| DbError::NotAFile(url.to_owned()))?;
                ensure_sqlite_dir(url)?;
                let options = AnyConnectOptions::from_str(&with_create_mode(url))?;
                let read = sqlite_pool(8, durability).connect_with(options.clone()).await?;
                let write = sqlite_pool(1, durability).connect_with(options).await?;
                sqlx::migrate!("migrations/sqlite").run(&write).await?;
                let direct = Direct::open(Path::new(path), durability, write.clone())?;
                Ok(Db { read, write, hot: HotPath::Sqlite(Arc::new(direct), Path::new(path).to_owned()) })
            }
            Dialect::Postgres => {
                let (hot, other) = postgres_pools(pg_connections);
                let pool = AnyPoolOptions::new()
                    .max_connections(other)
                    .acquire_timeout(Duration::from_secs(10))
                    // A connection prepares its statements anew when it is replaced, so a plan
                    // made on a nearly empty table (`pipelined::REPLAN_EVERY`) lasts this long.
                    .max_lifetime(SQLX_CONNECTION_LIFETIME)
                    .connect(url)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                let pipelined = Pipelined::open(url, hot)?;
                Ok(Db { read: pool.clone(), write: pool, hot: HotPath::Postgres(pipelined) })
            }
        }
    }

    /// Whether the database answers with every migration this build knows applied — and, for
    /// SQLite, its file is still where it was opened (a deleted or unmounted file keeps
    /// answering through the open descriptor, but nothing written would survive a restart).
    pub async fn schema_is_current(&self) -> Result<bool, sqlx::Error> {
        if let HotPath::Sqlite(_, file) = &self.hot {
            if !file.exists() {
                return Err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{} is gone", file.display()),
                )));
            }
        }
        let migrator = match self.dialect() {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("select max(version) from _sqlx_migrations where success").fetch_one(&self.read).await?;
        Ok(applied == Some(latest))
    }

    /// The dialect of this database.
    pub fn dialect(&self) -> Dialect {
        match self.hot {
            HotPath::Sqlite(..) => Dialect::Sqlite,
            HotPath::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The pool for queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for statements and transactions that write.
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// PostgreSQL: the SCIM path's connections open, and how many of them are idle.
    pub fn scim_connections(&self) -> Option<(usize, usize)> {
        match &self.hot {
            HotPath::Sqlite(..) => None,
            HotPath::Postgres(pipelined) => Some(pipelined.connections()),
        }
    }

    /// Runs a read and decodes its rows: on SQLite in place, on PostgreSQL in one round trip.
    pub async fn fetch<T>(
        &self,
        select: &Select,
        decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        match &self.hot {
            HotPath::Sqlite(direct, _) => direct.fetch(select, decode),
            HotPath::Postgres(pipelined) => pipelined.fetch(select, decode).await,
        }
    }

    /// [`Db::fetch`] of a query that finds at most one row.
    pub async fn fetch_optional<T>(
        &self,
        select: &Select,
        decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
    ) -> Result<Option<T>, sqlx::Error> {
        Ok(self.fetch(select, decode).await?.into_iter().next())
    }

    /// Runs `statements` in one transaction: all of them, or — on an error or an unmet
    /// expectation ([`Outcome::Conflict`]) — none. The transaction is shared with other
    /// requests' statements (group commit on SQLite, rounds on PostgreSQL, each sent in one round
    /// trip — two when a statement expects a number of rows); a failure of one request undoes
    /// only its own. Either way it is committed when this returns.
    pub async fn write(&self, statements: Vec<Statement>) -> Result<Outcome, sqlx::Error> {
        match &self.hot {
            HotPath::Sqlite(direct, _) => direct.write(statements).await,
            HotPath::Postgres(pipelined) => pipelined.write(statements).await,
        }
    }

    /// Closes every pool, waiting for sqlx's checked-out connections.
    pub async fn close(&self) {
        if let HotPath::Postgres(pipelined) = &self.hot {
            pipelined.close();
        }
        self.write.close().await;
        self.read.close().await;
    }
}

/// The settings of every SQLite connection: WAL lets readers run beside the writer; NORMAL
/// survives a process crash (an OS crash may lose the last commits), FULL a power loss; foreign
/// keys enforce cascades; temporary storage in memory, so the statement journal of a savepoint
/// (one per request in a group-commit round) is not a file created and removed every round.
fn sqlite_pragmas(durability: Durability) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
         PRAGMA temp_store = MEMORY;",
        durability.pragma()
    )
}

fn sqlite_pool(max: u32, durability: Durability) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A ping would cost a hand-off to the connection's thread on every acquire; a local
        // file does not drop connections.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                sqlx::query(&sqlite_pragmas(durability)).execute(&mut *conn).await?;
                Ok(())
            })
        })
}

fn dialect_of(url: &str) -> Result<Dialect, DbError> {
    if url.starts_with("sqlite:") {
        Ok(Dialect::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else {
        Err(DbError::UnsupportedUrl(url.to_owned()))
    }
}

/// The file path of a `sqlite://path?…` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn ensure_sqlite_dir(url: &str) -> Result<(), DbError> {
    if let Some(dir) = sqlite_path(url).and_then(|p| Path::new(p).parent()) {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| DbError::DataDir(dir.display().to_string(), e))?;
        }
    }
    Ok(())
}

/// SQLite opens read-write and creates the file unless the URL says otherwise.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Begins a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`, which takes the write
/// lock at once and waits for it on the busy timeout. A deferred transaction that reads before
/// it writes cannot wait: when another connection — the server's writer, seen from the command
/// line — holds the lock or committed since the read, SQLite answers `SQLITE_BUSY` ("database is
/// locked") at once rather than let two writers wait on each other. On PostgreSQL, a plain begin.
pub async fn begin_write(pool: &AnyPool) -> Result<Transaction<'static, Any>, sqlx::Error> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// Whether an error is SQLite's "database is locked" (`SQLITE_BUSY` or `SQLITE_LOCKED`, any
/// extended code): another connection held a lock past the busy timeout, or a deferred
/// transaction could not upgrade. The statement or transaction changed nothing; it may be run
/// again.
pub fn is_busy(err: &sqlx::Error) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        || db.try_downcast_ref::<failure::Failure>().is_some_and(|f| f.sqlite_code().is_some());
    sqlite
        && db.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| matches!(code & 0xff, BUSY | LOCKED))
}

/// Whether an error is a unique-constraint violation (mapped to 409 `uniqueness` at the edge).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Tells a write that a unique index refused (a name or key already taken) apart from every
/// other database failure, so the caller answers it in its own terms. Import it with
/// `use crate::db::UniqueViolationExt;`.
pub trait UniqueViolationExt<T> {
    /// A unique violation becomes `conflict()` in the outer `Err`; everything else — the value
    /// or any other error — stays as it was inside `Ok`, for the caller's usual mapping:
    ///
    /// ```ignore
    /// let tenant = db::tenant::insert_named(pool, name, display_name, profile, now)
    ///     .await
    ///     .on_unique(|| AppError::Invalid(format!("A tenant named \"{name}\" already exists.")))?
    ///     .or_internal()?;
    /// ```
    fn on_unique<E>(self, conflict: impl FnOnce() -> E) -> Result<Result<T, sqlx::Error>, E>;

    /// `Ok(None)` when a unique index refused the write, for a `let … else` or a `match` that
    /// handles it in place (e.g. reading the row that won); any other error stays an error.
    fn unique_as_none(self) -> Result<Option<T>, sqlx::Error>;
}

impl<T> UniqueViolationExt<T> for Result<T, sqlx::Error> {
    fn on_unique<E>(self, conflict: impl FnOnce() -> E) -> Result<Result<T, sqlx::Error>, E> {
        match self {
            Err(e) if is_unique_violation(&e) => Err(conflict()),
            other => Ok(other),
        }
    }

    fn unique_as_none(self) -> Result<Option<T>, sqlx::Error> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_and_paths() {
        assert_eq!(with_create_mode("sqlite://data/a.db"), "sqlite://data/a.db?mode=rwc");
        assert_eq!(with_create_mode("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
        assert_eq!(sqlite_path("sqlite://data/a.db?mode=rwc"), Some("data/a.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert!(matches!(dialect_of("mysql://x"), Err(DbError::UnsupportedUrl(_))));
        assert_eq!(dialect_of("postgresql://h/db").ok(), Some(Dialect::Postgres));
    }

    #[test]
    fn postgres_connections_are_shared_within_the_budget() {
        assert_eq!(postgres_pools(16), (12, 4));
        assert_eq!(postgres_pools(8), (6, 2));
        assert_eq!(postgres_pools(4), (2, 2));
        assert_eq!(postgres_pools(2), (1, 2));
        assert_eq!(postgres_pools(1000), (750, 250));
    }

    #[tokio::test]
    async fn sqlite_durability_is_a_setting() {
        for (durability, expected) in [(Durability::Normal, 1), (Durability::Full, 2)] {
            let dir = std::env::temp_dir().join(format!("scimhub-durability-{}", uuid::Uuid::new_v4().simple()));
            let url = format!("sqlite://{}/d.db", dir.display());
            let db = Db::connect_with(&url, durability, POSTGRES_CONNECTIONS).await.unwrap();
            for pool in [db.reader(), db.writer()] {
                let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(pool).await.unwrap();
                assert_eq!(level, expected, "{durability:?}");
            }
            let direct = db.fetch(&Select::new("PRAGMA synchronous", vec![]), |row| row.int("synchronous")).await;
            assert_eq!(direct.unwrap(), vec![expected], "{durability:?}, in place");
            db.close().await;
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[tokio::test]
    async fn unique_violations_are_told_apart_from_other_errors() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("create table t (a text primary key)").execute(&pool).await.unwrap();
        let insert = || sqlx::query("insert into t (a) values ('x')").execute(&pool);
        let first = insert().await.map(|r| r.rows_affected());
        assert_eq!(first.unique_as_none().unwrap(), Some(1));
        assert!(matches!(insert().await.on_unique(|| "taken"), Err("taken")));
        assert!(matches!(insert().await.unique_as_none(), Ok(None)));

        let missing = sqlx::query("insert into nowhere values (1)").execute(&pool).await;
        assert!(matches!(missing.on_unique(|| "taken"), Ok(Err(sqlx::Error::Database(_)))));
        let missing = sqlx::query("insert into nowhere values (1)").execute(&pool).await;
        assert!(matches!(missing.unique_as_none(), Err(sqlx::Error::Database(_))));
        assert!(matches!(Ok::<_, sqlx::Error>(7).on_unique(|| "taken"), Ok(Ok(7))));
    }
}
