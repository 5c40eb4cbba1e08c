//! PostgreSQL on the SCIM hot paths without a round trip per statement. Through sqlx a write
//! was a ping, `BEGIN`, each statement and `COMMIT`, one round trip each — six for a creation
//! with its log row and its outbox row — and every row went through the `Any` driver's copy.
//! Here ([tokio-postgres], pooled by [deadpool-postgres]) a write sends `BEGIN`, its statements
//! and `COMMIT` in one flush and reads the answers together: one round trip, two when a
//! statement must change an expected number of rows (the answer decides `COMMIT` or
//! `ROLLBACK`). A read is one round trip. Statements are prepared once per connection with the
//! parameter types sqlx would send, so both paths mean the same SQL (docs/architecture.md,
//! "PostgreSQL without a round trip per statement").
//!
//! Concurrent writes share transactions ([`rounds`]), as on SQLite.
//!
//! Everything else on PostgreSQL (the dashboard, migrations, background jobs) keeps sqlx's pool.
//!
//! [tokio-postgres]: https://docs.rs/tokio-postgres
//! [deadpool-postgres]: https://docs.rs/deadpool-postgres

mod rounds;

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use deadpool_postgres::{Hook, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use futures_util::future::{join_all, try_join_all};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::failure::{Code, Failure};
use super::row::RowRead;
use super::sql::{Arg, Select, Statement};
use super::Outcome;

/// Prepared statements a connection keeps; past this many distinct texts (a filter of an
/// unusual shape each) the cache starts again, so no client can grow it without bound.
const STATEMENT_CACHE: usize = 256;
/// Uses of a connection after which it prepares its statements again. PostgreSQL plans a
/// prepared statement once for all values (its generic plan) after five executions, for the
/// table as it was then. Planned on a new installation's empty `scim_user`, a lookup walks an
/// index on the tenant alone and filters — reading every user of the tenant, for as long as the
/// statement lives (measured: lookups at a third of their speed and a p99 over 100 ms after an
/// initial sync of 20,000 users). Prepared again, it is planned for the table as it now is.
pub const REPLAN_EVERY: usize = 1_000;
/// How long a request waits for a connection (or for a new one to open) before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool of pipelining PostgreSQL connections.
#[derive(Clone)]
pub struct Pipelined {
    pool: Pool,
    rounds: Arc<rounds::Queue>,
}

impl std::fmt::Debug for Pipelined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("Pipelined").field("size", &status.size).field("max_size", &status.max_size).finish()
    }
}

impl Pipelined {
    /// A pool of at most `connections` connections to the database at `url` (a libpq URL, as
    /// sqlx's pool is given), opened as requests need them.
    pub fn open(url: &str, connections: u32) -> Result<Pipelined, sqlx::Error> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| sqlx::Error::Configuration(Box::new(e)))?;
        // `Fast` recycling checks that the connection is open without a query: no ping per
        // request (sqlx's pool sends one on every acquire). A connection the server dropped fails
        // its next statement and is closed.
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(usize::try_from(connections).unwrap_or(usize::MAX))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(ACQUIRE_TIMEOUT))
            .create_timeout(Some(ACQUIRE_TIMEOUT))
            .post_recycle(Hook::sync_fn(|client, metrics| {
                if metrics.recycle_count % REPLAN_EVERY == 0 {
                    client.statement_cache.clear();
                }
                Ok(())
            }))
            .build()
            .map_err(|e| sqlx::Error::Configuration(Box::new(e)))?;
        Ok(Pipelined { pool, rounds: Arc::default() })
    }

    /// Runs a read and decodes its rows: one round trip once the statement is prepared.
    pub async fn fetch<T>(
        &self,
        select: &Select,
        decode: impl Fn(&dyn RowRead) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let client = self.client().await?;
        let statement = prepare(&client, &select.sql, &select.args).await?;
        let rows = client.query(&statement, &params(&select.args)).await.map_err(error)?;
        rows.iter().map(|row| decode(row)).collect()
    }

    /// The connections open, and how many of them are idle.
    pub fn connections(&self) -> (usize, usize) {
        let status = self.pool.status();
        (status.size, status.available)
    }

    /// Closes the pool: idle connections now, the others as they come back.
    pub fn close(&self) {
        self.pool.close();
    }

    async fn client(&self) -> Result<Object, sqlx::Error> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            PoolError::Closed => sqlx::Error::PoolClosed,
            PoolError::Backend(e) => error(e),
            other => sqlx::Error::Io(std::io::Error::other(other)),
        })
    }
}

/// `BEGIN`, the statements and — unless one must change an expected number of rows — `COMMIT`,
/// sent together. A statement that fails aborts the transaction: the statements after it fail
/// too and the `COMMIT` rolls back, and the first failure is the answer.
async fn transact(client: Object, statements: &[&Statement]) -> Result<Outcome, sqlx::Error> {
    let prepared = try_join_all(statements.iter().map(|s| prepare(&client, &s.sql, &s.args))).await?;
    let arguments: Vec<_> = statements.iter().map(|s| params(&s.args)).collect();
    let checked = statements.iter().any(|s| s.expect_rows.is_some());
    // Each future sends its message when first polled, and `join!` polls them in this order.
    let (begun, changed, committed) = tokio::join!(
        client.batch_execute("BEGIN"),
        join_all(prepared.iter().zip(&arguments).map(|(statement, args)| client.execute(statement, args))),
        async {
            match checked {
                true => Ok(()),
                false => client.batch_execute("COMMIT").await,
            }
        },
    );
    let outcome = finish(&client, statements, checked, begun, changed, committed).await;
    if outcome.as_ref().is_err_and(|e| !matches!(e, sqlx::Error::Database(_))) {
        // The connection failed mid-transaction: it must not go back to the pool.
        drop(Object::take(client));
    }
    outcome
}

/// The outcome of a pipelined transaction from its answers; ends it if it is still open.
async fn finish(
    client: &Object,
    statements: &[&Statement],
    checked: bool,
    begun: Result<(), tokio_postgres::Error>,
    changed: Vec<Result<u64, tokio_postgres::Error>>,
    committed: Result<(), tokio_postgres::Error>,
) -> Result<Outcome, sqlx::Error> {
    let settled = settle(statements, begun, changed);
    if !checked {
        // The `COMMIT` was sent: it committed, or — after a failure — rolled back.
        return settled.and(committed).map(|()| Outcome::Written).map_err(error);
    }
    let end = if settled.as_ref().is_ok_and(|o| *o == Outcome::Written) { "COMMIT" } else { "ROLLBACK" };
    client.batch_execute(end).await.map_err(error)?;
    settled.map_err(error)
}

/// What the statements' answers, in order, decide — as if each had waited for the one before:
/// the first failure, or a conflict at the first statement that changed other than the rows it
/// expected (what follows it may have failed only because of it, e.g. a row it did not insert).
fn settle(
    statements: &[&Statement],
    begun: Result<(), tokio_postgres::Error>,
    changed: Vec<Result<u64, tokio_postgres::Error>>,
) -> Result<Outcome, tokio_postgres::Error> {
    begun?;
    for (statement, rows) in statements.iter().zip(changed) {
        if !statement.met(rows?) {
            return Ok(Outcome::Conflict);
        }
    }
    Ok(Outcome::Written)
}

/// The statement prepared on this connection, from its cache when it was prepared before. The
/// parameter types are the arguments' own, as sqlx declares them, so PostgreSQL casts a
/// `bigint` argument to an `integer` column rather than refusing it.
async fn prepare(client: &Object, sql: &str, args: &[Arg]) -> Result<tokio_postgres::Statement, sqlx::Error> {
    let types: Vec<Type> = args.iter().map(pg_type).collect();
    if client.statement_cache.size() >= STATEMENT_CACHE {
        client.statement_cache.clear();
    }
    let statement = client.prepare_typed_cached(sql, &types).await.map_err(error)?;
    // A placeholder without a value would fail only when its statement is sent — after `BEGIN`,
    // with `COMMIT` behind it — so it is refused here, before anything is sent.
    match statement.params().len() {
        wanted if wanted == args.len() => Ok(statement),
        wanted => Err(sqlx::Error::Protocol(format!("{wanted} placeholders but {} values", args.len()))),
    }
}

fn pg_type(arg: &Arg) -> Type {
    match arg {
        Arg::Text(_) | Arg::TextOrNull(_) => Type::TEXT,
        Arg::Int(_) | Arg::IntOrNull(_) => Type::INT8,
        Arg::Float(_) => Type::FLOAT8,
        Arg::Bool(_) => Type::BOOL,
    }
}

fn params(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|arg| arg as &(dyn ToSql + Sync)).collect()
}

impl ToSql for Arg {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Arg::Text(s) => s.to_sql(ty, out),
            Arg::Int(i) => i.to_sql(ty, out),
            Arg::Float(f) => f.to_sql(ty, out),
            Arg::Bool(b) => b.to_sql(ty, out),
            Arg::TextOrNull(s) => s.to_sql(ty, out),
            Arg::IntOrNull(i) => i.to_sql(ty, out),
        }
    }

    /// Every statement is prepared with each argument's own type ([`pg_type`]).
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A tokio-postgres error as the sqlx error the rest of the program handles: what the server
/// refused is a database error; a lost connection, an I/O error.
pub fn error(e: tokio_postgres::Error) -> sqlx::Error {
    match e.as_db_error() {
        Some(db) => Failure::new(Code::Postgres(db.code().clone()), db.message().to_owned()).into_sqlx(),
        None => sqlx::Error::Io(std::io::Error::other(e)),
    }
}
