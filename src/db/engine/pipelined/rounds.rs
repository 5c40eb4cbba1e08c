//! Concurrent writes committed together on PostgreSQL, as SQLite's group commit does
//! ([`super::super::group_commit`]). A write joins a queue; at most [`PARALLEL`] rounds run at
//! once, each taking the writes waiting (up to [`ROUND_STATEMENTS`] statements) into one
//! transaction: one `BEGIN`, one `COMMIT` — one WAL flush, one transaction's bookkeeping in
//! PostgreSQL — and one round trip for all of them. A write is answered once its round committed.
//!
//! A round is all or nothing. When it fails — a statement refused (a userName taken), a row
//! count unmet (a concurrent change), a deadlock between two rounds — nothing of it is kept and
//! each of its writes runs again in a transaction of its own, so its answer is the one it would
//! have had alone. Only a connection lost mid-round, when the `COMMIT` may or may not have
//! happened, fails every write of the round, as it failed the one write it carried before.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use futures_util::future::join_all;
use tokio::sync::oneshot;

use super::super::sql::Statement;
use super::super::Outcome;
use super::{transact, Pipelined};

/// Rounds in flight at once, each on a connection of its own: enough to keep PostgreSQL busy
/// on every core while one round's answers travel back, few enough that the writes arriving
/// meanwhile gather into the next rounds (measured, docs/benchmarks.md).
const PARALLEL: usize = 4;
/// The most statements one round sends (a round takes at least one write, whatever its size).
const ROUND_STATEMENTS: usize = 256;

type Answer = Result<Outcome, sqlx::Error>;

/// One write's statements and where its answer goes.
struct Job {
    statements: Vec<Statement>,
    answer: oneshot::Sender<Answer>,
}

/// The writes waiting for a round, and how many rounds run.
#[derive(Default)]
pub(super) struct Queue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Job>,
    runners: usize,
}

impl Queue {
    /// Queues a write; `true` when the caller is to start a runner (fewer than [`PARALLEL`] run).
    fn push(&self, job: Job) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.waiting.push_back(job);
        let start = state.runners < PARALLEL;
        state.runners += usize::from(start);
        start
    }

    /// The writes of the next round, in the order they came; `None` — and one runner fewer,
    /// decided under the same lock as [`Queue::push`] so no write is left waiting — when none.
    fn next_round(&self) -> Option<Vec<Job>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut round = Vec::new();
        let mut statements = 0;
        while let Some(job) = state.waiting.pop_front() {
            if !round.is_empty() && statements + job.statements.len() > ROUND_STATEMENTS {
                state.waiting.push_front(job);
                break;
            }
            statements += job.statements.len();
            round.push(job);
        }
        if round.is_empty() {
            state.runners -= 1;
            return None;
        }
        Some(round)
    }
}

impl Pipelined {
    /// Runs the statements in one transaction, all or none; answers once it is committed. The
    /// work runs on a task of its own, so a caller that goes away (a client that hung up)
    /// neither leaves a transaction open on a pooled connection nor stops a write half-way: it
    /// completes, or fails, as a whole.
    pub async fn write(&self, statements: Vec<Statement>) -> Answer {
        let (answer, wait) = oneshot::channel();
        if self.rounds.push(Job { statements, answer }) {
            let runner = self.clone();
            tokio::spawn(async move {
                while let Some(round) = runner.rounds.next_round() {
                    runner.round(round).await;
                }
            });
        }
        wait.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Commits the writes together, or each alone when together they fail.
    async fn round(&self, mut round: Vec<Job>) {
        if round.len() == 1 {
            if let Some(job) = round.pop() {
                self.alone(job).await;
            }
            return;
        }
        let client = match self.client().await {
            Ok(client) => client,
            // No connection for the round: none for its writes alone either.
            Err(e) => return answer_all(round, &e),
        };
        let statements: Vec<&Statement> = round.iter().flat_map(|job| &job.statements).collect();
        match transact(client, &statements).await {
            Ok(Outcome::Written) => {
                for job in round {
                    let _ = job.answer.send(Ok(Outcome::Written));
                }
            }
            // The connection was lost: the round may or may not have committed.
            Err(lost @ sqlx::Error::Io(_)) => answer_all(round, &lost),
            Ok(Outcome::Conflict) | Err(_) => {
                join_all(round.into_iter().map(|job| self.alone(job))).await;
            }
        }
    }

    /// Runs a write in a transaction of its own and answers it.
    async fn alone(&self, job: Job) {
        let statements: Vec<&Statement> = job.statements.iter().collect();
        let answer = match self.client().await {
            Ok(client) => transact(client, &statements).await,
            Err(e) => Err(e),
        };
        let _ = job.answer.send(answer);
    }
}

/// Gives every write of the round the round's failure.
fn answer_all(round: Vec<Job>, failure: &sqlx::Error) {
    for job in round {
        let again = match failure {
            sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
            sqlx::Error::Io(e) => sqlx::Error::Io(std::io::Error::new(e.kind(), e.to_string())),
            other => sqlx::Error::Io(std::io::Error::other(other.to_string())),
        };
        let _ = job.answer.send(Err(again));
    }
}
