//! Group commit for SQLite: one writer thread owns the write connection and runs the statements
//! of many requests in one transaction, each request's in a savepoint of its own, so that one
//! request's failure undoes only its own statements. A request is answered after the
//! transaction that holds its statements committed — with `synchronous = FULL`, after the fsync
//! that made it durable — so one commit (and one fsync) serves every request that arrived while
//! the previous one ran.
//!
//! A round holds sqlx's one SQLite write connection while it runs, so the writes the rest of the
//! program makes through sqlx never interleave with a round (and never see `SQLITE_BUSY`).

use rusqlite::Connection;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::direct::{self, SqliteFailure};
use super::sql::Statement;
use super::Outcome;

/// Requests committed in one transaction at most.
const ROUND: usize = 512;

type Answer = Result<Outcome, sqlx::Error>;

/// One request's statements and where its answer goes.
struct Job {
    statements: Vec<Statement>,
    answer: oneshot::Sender<Answer>,
}

/// The jobs of one transaction, and the signal that it is over.
struct Round {
    jobs: Vec<Job>,
    finished: oneshot::Sender<()>,
}

/// The sending side of the writer: cheap to share, one per database.
#[derive(Debug)]
pub struct GroupCommit {
    jobs: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread on `connection`, and the task that gathers requests into rounds
    /// on the current Tokio runtime. Both stop when the last handle is dropped.
    pub fn start(connection: Connection, lock: AnyPool) -> std::io::Result<GroupCommit> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let (rounds, to_write) = std::sync::mpsc::channel();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || write_rounds(&connection, &to_write))?;
        tokio::spawn(gather(queue, lock, rounds));
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

/// Takes the jobs that are waiting, holds sqlx's write connection, hands the round to the writer
/// thread and waits for it to finish; the jobs that arrive meanwhile make the next round.
async fn gather(mut queue: mpsc::UnboundedReceiver<Job>, lock: AnyPool, rounds: std::sync::mpsc::Sender<Round>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        let held = lock.acquire().await;
        take_waiting(&mut queue, &mut jobs);
        let held = match held {
            Ok(held) => held,
            Err(e) => {
                let failure = format!("the SQLite write lock is unavailable: {e}");
                for job in jobs {
                    let _ = job.answer.send(Err(sqlx::Error::Protocol(failure.clone())));
                }
                continue;
            }
        };
        let (finished, over) = oneshot::channel();
        if rounds.send(Round { jobs, finished }).is_err() {
            return;
        }
        let _ = over.await;
        drop(held);
    }
}

fn take_waiting(queue: &mut mpsc::UnboundedReceiver<Job>, jobs: &mut Vec<Job>) {
    while jobs.len() < ROUND {
        match queue.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
}

/// The writer thread: one transaction per round, until the gathering task is gone.
fn write_rounds(connection: &Connection, rounds: &std::sync::mpsc::Receiver<Round>) {
    for Round { jobs, finished } in rounds {
        let (batches, answers): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.statements, j.answer)).unzip();
        for (answer, outcome) in answers.into_iter().zip(commit_round(connection, &batches)) {
            let _ = answer.send(outcome);
        }
        let _ = finished.send(());
    }
}

/// Runs each batch in a savepoint of one transaction and commits; the outcome of each batch.
fn commit_round(connection: &Connection, batches: &[Vec<Statement>]) -> Vec<Answer> {
    let fail_all = |e: rusqlite::Error| {
        let failure = direct::failure(e).unwrap_or_else(|other| SqliteFailure::other(other.to_string()));
        batches.iter().map(|_| Err(failure.clone().into_sqlx())).collect()
    };
    if let Err(e) = run(connection, "BEGIN IMMEDIATE") {
        return fail_all(e);
    }
    let mut outcomes = Vec::with_capacity(batches.len());
    for batch in batches {
        match apply_in_savepoint(connection, batch) {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => {
                let _ = run(connection, "ROLLBACK");
                return fail_all(e);
            }
        }
    }
    if let Err(e) = run(connection, "COMMIT") {
        let _ = run(connection, "ROLLBACK");
        return fail_all(e);
    }
    outcomes
}

/// Runs one request's statements in a savepoint, undone unless all ran and met their
/// expectations. The outer error is the savepoint's own failure, which ends the round.
fn apply_in_savepoint(connection: &Connection, statements: &[Statement]) -> Result<Answer, rusqlite::Error> {
    run(connection, "SAVEPOINT request")?;
    let outcome = apply(connection, statements);
    if !matches!(outcome, Ok(Outcome::Written)) {
        run(connection, "ROLLBACK TO request")?;
    }
    run(connection, "RELEASE request")?;
    Ok(outcome)
}

fn apply(connection: &Connection, statements: &[Statement]) -> Answer {
    for statement in statements {
        if !statement.met(direct::execute(connection, statement)?) {
            return Ok(Outcome::Conflict);
        }
    }
    Ok(Outcome::Written)
}

fn run(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(drop)
}
