//! Several scimhub processes on one PostgreSQL database, kept in step (docs/scale.md):
//!
//! - **Change notifications.** Every administrative change is audited, and on PostgreSQL each
//!   audit row raises `NOTIFY scimhub_changes` (a trigger, migration 0016) when its transaction
//!   commits — whichever process made it: the dashboard of any replica or the CLI. Each process
//!   listens and clears its short-lived caches of tenants, credentials and mappings, so a
//!   revoked secret or a disabled tenant is refused everywhere within moments instead of after
//!   the cache lifetime (`--cache-ttl-ms`, which stays the fallback when the listener is down).
//! - **One runner for periodic jobs.** Log pruning, session clean-up and alert evaluation run in
//!   one process at a time: the one holding a PostgreSQL session-level advisory lock on a
//!   connection of its own. When that process dies its connection closes, the lock is free, and
//!   another takes it over within [`ELECTION_INTERVAL`]. Outbound delivery needs no runner: its
//!   claims (`FOR UPDATE SKIP LOCKED`) spread it over every process. On SQLite there is one
//!   server process, and it runs every job.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnection, PgListener};
use sqlx::Connection as _;

use crate::state::AppState;

/// The channel change notifications go out on (migration 0016's trigger).
pub const CHANGES_CHANNEL: &str = "scimhub_changes";
/// The advisory-lock key of the periodic jobs' runner ("scimhub" in ASCII).
const RUNNER_LOCK: i64 = 0x0073_6369_6d68_7562;
/// How often a process that is not the runner tries to become it, and the runner checks that
/// its lock connection still stands.
pub const ELECTION_INTERVAL: Duration = Duration::from_secs(2);

/// Whether this process runs the periodic jobs.
#[derive(Debug)]
pub struct Runner(AtomicBool);

impl Runner {
    /// The only process there is (SQLite): it runs every job.
    pub fn sole() -> Arc<Runner> {
        Arc::new(Runner(AtomicBool::new(true)))
    }

    /// One of several processes: none of the jobs until elected.
    pub fn candidate() -> Arc<Runner> {
        Arc::new(Runner(AtomicBool::new(false)))
    }

    /// Whether this process runs the periodic jobs now.
    pub fn runs_jobs(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, runs: bool) {
        if self.0.swap(runs, Ordering::Relaxed) != runs {
            tracing::info!(
                runs_jobs = runs,
                "periodic jobs {}",
                if runs { "run here now" } else { "no longer run here" }
            );
        }
    }
}

/// Clears this process's caches whenever another process (or this one) commits an audited
/// change; after a lost listener connection too, since notifications sent meanwhile are gone.
pub fn spawn_change_listener(state: &AppState, database_url: &str) {
    let (state, url) = (state.clone(), database_url.to_owned());
    tokio::spawn(async move {
        loop {
            match listen(&state, &url).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "change notifications interrupted; caches expire by age meanwhile")
                }
            }
            state.forget_cached();
            tokio::time::sleep(ELECTION_INTERVAL).await;
        }
    });
}

async fn listen(state: &AppState, url: &str) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    // Anything changed before the listener stood is not in the caches any more either.
    state.forget_cached();
    loop {
        // A notification, or `None`: the connection was lost and is made again on the next
        // call, and what was sent meanwhile is lost. Either way nothing cached is trusted.
        listener.try_recv().await?;
        state.forget_cached();
    }
}

/// Takes part in electing the process that runs the periodic jobs, on a connection of its own:
/// while not the runner it tries the lock every [`ELECTION_INTERVAL`]; as the runner it checks
/// every interval that the connection (and so the lock) still stands.
pub fn spawn_election(runner: Arc<Runner>, database_url: &str) {
    let url = database_url.to_owned();
    tokio::spawn(async move {
        let mut connection: Option<PgConnection> = None;
        loop {
            match elect(&url, &mut connection, runner.runs_jobs()).await {
                Ok(runs) => runner.set(runs),
                Err(e) => {
                    tracing::warn!(error = %e, "the periodic jobs' election connection failed");
                    runner.set(false);
                    connection = None;
                }
            }
            tokio::time::sleep(ELECTION_INTERVAL).await;
        }
    });
}

/// One election round: whether this process holds the runner's lock now.
async fn elect(url: &str, connection: &mut Option<PgConnection>, holds: bool) -> Result<bool, sqlx::Error> {
    let conn = match connection {
        Some(conn) => conn,
        None => connection.insert(PgConnection::connect(url).await?),
    };
    if holds {
        sqlx::query("select 1").execute(&mut *conn).await?;
        return Ok(true);
    }
    let (taken,): (bool,) =
        sqlx::query_as("select pg_try_advisory_lock($1)").bind(RUNNER_LOCK).fetch_one(&mut *conn).await?;
    Ok(taken)
}
