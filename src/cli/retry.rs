//! Writes from the command line beside a running server. The server's writer holds SQLite's
//! write lock most of the time under load; a statement waits for it on the busy timeout, but a
//! transaction that read before it writes gets "database is locked" at once when the server
//! committed since its read (`SQLITE_BUSY_SNAPSHOT`). A command's write is one statement or one
//! transaction, so a refused attempt changed nothing and is run again.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::db;

/// How long a command keeps retrying a write the database refuses as busy.
const PATIENCE: Duration = Duration::from_secs(60);
/// The pause after the first refusal; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Runs `write` again while SQLite answers that the database is busy (for up to a minute);
/// any other outcome is returned as it is.
pub(super) async fn when_busy<T, E, F, Fut>(mut write: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::error::Error + 'static,
{
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        match write().await {
            Err(e) if is_busy(&e) && started.elapsed() < PATIENCE => {
                tracing::info!("the database is busy (the server is writing); trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            outcome => return outcome,
        }
    }
}

/// Whether `e`, or an error it wraps, is SQLite's "database is locked".
fn is_busy(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if e.downcast_ref::<sqlx::Error>().is_some_and(db::is_busy) {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::scim_tokens::keys::KeyError;

    fn sqlite_error(extended_code: i32) -> sqlx::Error {
        let e = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(extended_code), None);
        db::engine::direct::failure(e).unwrap().into_sqlx()
    }

    #[test]
    fn busy_and_locked_are_told_from_other_failures() {
        for code in [rusqlite::ffi::SQLITE_BUSY, 517 /* BUSY_SNAPSHOT */, rusqlite::ffi::SQLITE_LOCKED] {
            assert!(db::is_busy(&sqlite_error(code)), "{code}");
            assert!(is_busy(&KeyError::Db(sqlite_error(code))), "{code}, wrapped");
        }
        assert!(!db::is_busy(&sqlite_error(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)));
        assert!(!db::is_busy(&sqlx::Error::PoolTimedOut));
    }

    #[tokio::test]
    async fn a_busy_write_is_run_again_and_other_failures_are_not() {
        let attempts = AtomicUsize::new(0);
        let done = when_busy(|| async {
            match attempts.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(sqlite_error(517)),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(done.unwrap(), 2);

        attempts.store(0, Ordering::SeqCst);
        let failed: Result<(), _> = when_busy(|| async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err(sqlite_error(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE))
        })
        .await;
        assert!(failed.is_err());
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }
}
