//! Group commit for SQLite: one writer thread owns the write connection and runs the statements
//! of many requests in one transaction. A request is answered after the transaction that holds
//! its statements committed — with `synchronous = FULL`, after the fsync that made it durable —
//! so one commit (and one fsync) serves every request that arrived while the previous one ran.
//!
//! One request's failure undoes only its own statements. A request whose *first* statement
//! fails or changes fewer rows than expected changed nothing (SQLite undoes a failed statement
//! on its own), so rounds run without savepoints; only when a request fails after one of its
//! statements took effect is the round rolled back and run again with each request in a
//! savepoint of its own. (A savepoint per request costs a copy of every page the request
//! touches into the statement journal — the same dozen index pages again for each request of
//! a round.)
//!
//! The thread takes its jobs from the queue itself and holds sqlx's one SQLite write connection
//! while rounds follow one another (for at most [`HOLD`] at a time), so the writes the rest of
//! the program makes through sqlx never interleave with a round (and never see `SQLITE_BUSY`).

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use sqlx::AnyPool;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::direct;
use super::failure::Failure;
use super::sql::Statement;
use super::Outcome;

/// Requests committed in one transaction at most.
const ROUND: usize = 512;
/// How long the writer keeps sqlx's write connection while rounds follow one another; then it
/// lets a waiting sqlx write go first.
const HOLD: Duration = Duration::from_millis(10);
/// How long a round waits for more jobs while it has fewer than the round before: a commit
/// writes every page it changed, so fewer, fuller rounds write less (measured: 5 requests a
/// round became 8.5 under a create load, docs/benchmarks.md).
const LINGER: Duration = Duration::from_micros(300);

type Answer = Result<Outcome, sqlx::Error>;

/// One request's statements and where its answer goes.
struct Job {
    statements: Vec<Statement>,
    answer: oneshot::Sender<Answer>,
}

/// The sending side of the writer: cheap to share, one per database.
#[derive(Debug)]
pub struct GroupCommit {
    jobs: Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread on `connection`; `lock` is sqlx's write pool, whose one
    /// connection the thread holds while it writes. Must be called inside a Tokio runtime, on
    /// which the thread waits for that connection. The thread stops when the last handle is
    /// dropped.
    pub fn start(connection: Connection, lock: AnyPool) -> std::io::Result<GroupCommit> {
        let (jobs, queue) = mpsc::channel();
        direct::spawn_thread("sqlite-writer", move |runtime| write_rounds(&connection, &queue, &lock, runtime))?;
        Ok(GroupCommit { jobs })
    }

    /// Runs `statements` together — all of them or, on an error or an unmet expectation, none —
    /// and answers once they are committed.
    pub async fn write(&self, statements: Vec<Statement>) -> Answer {
        let (answer, wait) = oneshot::channel();
        self.jobs.send(Job { statements, answer }).map_err(|_| sqlx::Error::PoolClosed)?;
        wait.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

/// The writer thread: waits for a job, takes sqlx's write connection, and commits rounds of the
/// jobs waiting until none are left or [`HOLD`] is over; until every handle is gone.
fn write_rounds(connection: &Connection, queue: &Receiver<Job>, lock: &AnyPool, runtime: &Handle) {
    let mut last_round = 1;
    while let Ok(first) = queue.recv() {
        let held = match runtime.block_on(lock.acquire()) {
            Ok(held) => held,
            Err(e) => {
                let failure = format!("the SQLite write lock is unavailable: {e}");
                for job in waiting(first, queue, 1) {
                    let _ = job.answer.send(Err(sqlx::Error::Protocol(failure.clone())));
                }
                continue;
            }
        };
        let since = Instant::now();
        let mut next = Some(first);
        while let Some(first) = next {
            let jobs = waiting(first, queue, last_round);
            last_round = jobs.len();
            crate::telemetry::group_commit_round(last_round);
            let (batches, answers): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.statements, j.answer)).unzip();
            for (answer, outcome) in answers.into_iter().zip(commit_round(connection, &batches)) {
                let _ = answer.send(outcome);
            }
            next = if since.elapsed() < HOLD { queue.try_recv().ok() } else { None };
        }
        drop(held);
    }
}

/// `first` and the jobs waiting behind it, [`ROUND`] at most; while fewer than `expected` (the
/// size of the round before), waits up to [`LINGER`] for more.
fn waiting(first: Job, queue: &Receiver<Job>, expected: usize) -> Vec<Job> {
    let mut jobs = vec![first];
    let deadline = Instant::now() + LINGER;
    while jobs.len() < ROUND {
        match queue.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) if jobs.len() < expected => {
                match queue.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            Err(_) => break,
        }
    }
    jobs
}

/// Runs the batches in one transaction and commits; the outcome of each batch.
fn commit_round(connection: &Connection, batches: &[Vec<Statement>]) -> Vec<Answer> {
    let fail_all = |e: rusqlite::Error| {
        roll_back(connection);
        let failure = direct::failure(e).unwrap_or_else(|other| Failure::sqlite_other(other.to_string()));
        batches.iter().map(|_| Err(failure.clone().into_sqlx())).collect()
    };
    if let Err(e) = run(connection, "BEGIN IMMEDIATE") {
        return fail_all(e);
    }
    let outcomes = match apply_plain(connection, batches) {
        Some(outcomes) => outcomes,
        None => {
            // A request failed after a statement of its own took effect: start over, each
            // request in a savepoint.
            roll_back(connection);
            let each = run(connection, "BEGIN IMMEDIATE")
                .and_then(|()| batches.iter().map(|batch| apply_in_savepoint(connection, batch)).collect());
            match each {
                Ok(outcomes) => outcomes,
                Err(e) => return fail_all(e),
            }
        }
    };
    match run(connection, "COMMIT") {
        Ok(()) => outcomes,
        Err(e) => fail_all(e),
    }
}

/// Runs every batch in the open transaction without savepoints; `None` if one failed after a
/// statement of its own took effect (only a savepoint could undo that one alone) or SQLite
/// ended the transaction.
fn apply_plain(connection: &Connection, batches: &[Vec<Statement>]) -> Option<Vec<Answer>> {
    let mut outcomes = Vec::with_capacity(batches.len());
    for batch in batches {
        let (outcome, partial) = apply(connection, batch);
        if partial || connection.is_autocommit() {
            return None;
        }
        outcomes.push(outcome);
    }
    Some(outcomes)
}

/// Runs one request's statements in a savepoint, undone unless all ran and met their
/// expectations. The outer error is the savepoint's own failure, which ends the round.
fn apply_in_savepoint(connection: &Connection, statements: &[Statement]) -> Result<Answer, rusqlite::Error> {
    run(connection, "SAVEPOINT request")?;
    let (outcome, _) = apply(connection, statements);
    if !matches!(outcome, Ok(Outcome::Written)) {
        run(connection, "ROLLBACK TO request")?;
    }
    run(connection, "RELEASE request")?;
    Ok(outcome)
}

/// Runs the statements in order up to the first that fails or misses its expectation; the
/// outcome, and whether a statement before that one ran (and may have changed something).
fn apply(connection: &Connection, statements: &[Statement]) -> (Answer, bool) {
    for (position, statement) in statements.iter().enumerate() {
        let outcome = match direct::execute(connection, statement) {
            Ok(changed) if statement.met(changed) => continue,
            Ok(_) => Ok(Outcome::Conflict),
            Err(e) => Err(e),
        };
        return (outcome, position > 0);
    }
    (Ok(Outcome::Written), false)
}

/// Rolls back the open transaction, if SQLite has not already ended it.
fn roll_back(connection: &Connection) {
    if !connection.is_autocommit() {
        let _ = run(connection, "ROLLBACK");
    }
}

fn run(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(drop)
}
