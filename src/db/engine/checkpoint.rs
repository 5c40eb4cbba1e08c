//! WAL checkpoints for SQLite, off the writer's path. SQLite's own automatic checkpoint runs on
//! the connection that commits — the group-commit writer — every 1,000 WAL frames and waits
//! there for the fsyncs of the WAL and the database file: measured under a create load, a third
//! of the writer's time (docs/benchmarks.md). Here a thread of its own copies the WAL into the
//! database beside the writer (a passive checkpoint takes no lock a writer needs). A WAL starts
//! again from its beginning only once every frame in it is copied, which never happens while a
//! writer keeps appending; so once the WAL is long, the thread takes the write lock for a moment
//! and restarts it — one pause of the writer per [`RESTART_FRAMES`] instead of one per 1,000.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use rusqlite::Connection;
use sqlx::AnyPool;

/// How often the WAL is copied into the database.
const PAUSE: Duration = Duration::from_millis(50);
/// WAL frames (pages) from which the WAL is restarted under the write lock: 64 MiB of 4 KiB
/// pages.
const RESTART_FRAMES: i64 = 16_384;
/// How long a restart waits for the readers still in the WAL (a long export, say) while it
/// holds the write lock; then it gives up until the next time, having copied what it could.
const READER_WAIT: Duration = Duration::from_millis(100);

/// The checkpointing thread of one database; it stops when this is dropped.
#[derive(Debug)]
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts the thread on a connection of its own; `lock` is sqlx's write pool, whose one
    /// connection every SQLite writer holds. Must be called inside a Tokio runtime.
    pub fn start(connection: Connection, lock: AnyPool) -> std::io::Result<Checkpointer> {
        connection.busy_timeout(READER_WAIT).map_err(std::io::Error::other)?;
        let (stop, stopped) = mpsc::channel::<()>();
        super::direct::spawn_thread("sqlite-checkpoint", move |runtime| {
            // The WAL's length when it was last restarted: a WAL that has not grown since
            // needs no restart (nobody wrote since).
            let mut restarted_at = 0;
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(PAUSE) {
                let result = checkpoint(&connection, "PASSIVE").and_then(|frames| {
                    if frames < RESTART_FRAMES || frames == restarted_at {
                        return Ok(());
                    }
                    // No write lock: the pool is closing, and so is the program.
                    let Ok(held) = runtime.block_on(lock.acquire()) else { return Ok(()) };
                    let restarted = checkpoint(&connection, "RESTART");
                    drop(held);
                    restarted_at = restarted?;
                    Ok(())
                });
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// A checkpoint in `mode` — `PASSIVE` copies what no reader still needs and waits for no one;
/// `RESTART` copies everything, waiting for readers, and has the next write start the WAL anew
/// — and the number of frames in the WAL.
fn checkpoint(connection: &Connection, mode: &str) -> rusqlite::Result<i64> {
    connection.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| row.get(1))
}
