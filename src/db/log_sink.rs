//! Writes the provisioning-log rows of requests that changed nothing (reads, lists, refusals)
//! off the request path: a background task takes them from a queue and appends them in batches,
//! one transaction per batch. The rows of changes never come here — they are written in the
//! change's own transaction (`provisioning::log::write_logged`).
//!
//! A request's answer does not wait for its read row; a full queue (the database cannot keep up)
//! makes requests wait rather than lose rows. `flush` waits until everything queued before it is
//! written: readers of the log (the dashboard, shutdown, tests) call it first, and so does every
//! change (its own row must come after the rows of the requests before it). With nothing
//! queued, a flush returns at once.
//!
//! Repeated identical refusals ([`log::is_refusal`]: same tenant, client address, status and
//! reason, no credential) within [`REFUSAL_WINDOW_MS`] of the first are one row: the first is
//! written as any row, the others raise its `repeat_count` and `last_seen_at` with the next
//! batch. Only this task writes those counts, so it keeps them in memory; a killed process
//! loses at most the increments of the batch being gathered, and the next refusal after a
//! restart starts a new row.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::log::{self, NewLogEntry, RefusalKey};
use super::sql::Statement;
use super::Db;

/// Rows written in one transaction at most.
const BATCH: usize = 256;
/// How long a batch waits for more rows once its first row came (nobody waits for these rows
/// unless they flush, which writes at once).
const LINGER: std::time::Duration = std::time::Duration::from_millis(5);
/// Rows waiting at most before requests wait for the writer.
const QUEUE: usize = 8192;
/// How long after the first of identical refusals the others join its row (ms of arrival
/// time, by the application clock).
pub const REFUSAL_WINDOW_MS: i64 = 60_000;
/// Refusal rows counted at once at most; beyond that, new refusals are rows of their own.
const MAX_OPEN_REFUSALS: usize = 10_000;

enum Message {
    Row(Box<NewLogEntry>),
    Flush(oneshot::Sender<()>),
}

/// The queue's sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct LogSink {
    queue: mpsc::Sender<Message>,
    /// Rows queued and not yet written (or given up on).
    unwritten: Arc<AtomicUsize>,
}

impl LogSink {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(db: Db) -> LogSink {
        let (queue, rx) = mpsc::channel(QUEUE);
        let unwritten = Arc::new(AtomicUsize::new(0));
        tokio::spawn(write_batches(db, rx, unwritten.clone()));
        LogSink { queue, unwritten }
    }

    /// Queues a row.
    pub async fn append(&self, entry: NewLogEntry) {
        self.unwritten.fetch_add(1, Ordering::AcqRel);
        if self.queue.send(Message::Row(Box::new(entry))).await.is_err() {
            self.unwritten.fetch_sub(1, Ordering::AcqRel);
            tracing::error!("the provisioning log writer has stopped; a row was lost");
        }
    }

    /// Rows queued and not yet written.
    pub fn unwritten(&self) -> usize {
        self.unwritten.load(Ordering::Acquire)
    }

    /// Waits until every row queued before this call is written.
    pub async fn flush(&self) {
        // Every row counts itself before it is queued and is counted off after it is written:
        // none outstanding means the rows queued before this call are written.
        if self.unwritten.load(Ordering::Acquire) == 0 {
            return;
        }
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(db: Db, mut rx: mpsc::Receiver<Message>, unwritten: Arc<AtomicUsize>) {
    let mut rows: Vec<NewLogEntry> = Vec::with_capacity(BATCH);
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    let mut refusals = Refusals::default();
    // Refusals counted into an earlier row in this batch.
    let mut repeats = 0;
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let deadline = tokio::time::Instant::now() + LINGER;
        loop {
            while let Some(message) = next.take() {
                match message {
                    Message::Row(row) if log::is_refusal(&row) => match refusals.count(*row) {
                        Some(first) => rows.push(first),
                        None => repeats += 1,
                    },
                    Message::Row(row) => rows.push(*row),
                    Message::Flush(done) => flushes.push(done),
                }
                if rows.len() < BATCH {
                    next = rx.try_recv().ok();
                }
            }
            // A flush is waited for: write now. Otherwise gather a little longer, so that one
            // commit carries the rows of many requests.
            if rows.len() >= BATCH || !flushes.is_empty() {
                break;
            }
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(message)) => next = Some(message),
                Ok(None) | Err(_) => break,
            }
        }
        let counts = refusals.take_counts();
        if !rows.is_empty() || !counts.is_empty() {
            let mut statements = log::append_statements(&rows);
            statements.extend(counts);
            if let Err(e) = db.write(statements).await {
                tracing::error!(error = %e, rows = rows.len(), "could not write provisioning-log rows");
            }
        }
        unwritten.fetch_sub(rows.len() + repeats, Ordering::AcqRel);
        rows.clear();
        repeats = 0;
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// A refusal row that later identical refusals join.
#[derive(Debug)]
struct OpenRefusal {
    /// When the first refusal arrived: the row's `occurred_at` (ms).
    first_seen: i64,
    /// The refusals it stands for.
    count: u64,
    /// That many are written.
    written: u64,
    /// When the last one arrived (ms).
    last_seen_at: i64,
}

/// The refusal rows of the current windows.
#[derive(Debug, Default)]
struct Refusals {
    open: HashMap<RefusalKey, OpenRefusal>,
    /// The keys whose count grew since it was last written.
    grown: Vec<RefusalKey>,
    /// Counts of rows whose window closed before they were written.
    closed: Vec<Statement>,
}

/// Open refusal rows above which those whose window ended are forgotten.
const PRUNE_OPEN_REFUSALS: usize = 1024;

impl Refusals {
    /// Counts a refusal: the row to write when it starts a row (the first of its kind in its
    /// window), `None` when an earlier row stands for it.
    fn count(&mut self, refusal: NewLogEntry) -> Option<NewLogEntry> {
        let key = RefusalKey::of(&refusal);
        let at = refusal.occurred_at;
        if let Some(open) = self.open.get_mut(&key) {
            if at < open.first_seen + REFUSAL_WINDOW_MS {
                if open.count == open.written {
                    self.grown.push(key);
                }
                open.count += 1;
                open.last_seen_at = open.last_seen_at.max(at);
                return None;
            }
            // Its window is over: the count is written, and this refusal starts a new row.
            self.close(&key);
        }
        if self.open.len() >= PRUNE_OPEN_REFUSALS {
            self.close_before(at);
        }
        if self.open.len() < MAX_OPEN_REFUSALS {
            let opened = OpenRefusal { first_seen: at, count: 1, written: 1, last_seen_at: at };
            self.open.insert(key, opened);
        }
        Some(refusal)
    }

    /// Forgets the row of `key`, keeping its unwritten count.
    fn close(&mut self, key: &RefusalKey) {
        if let Some(open) = self.open.remove(key) {
            if open.count > open.written {
                self.closed.push(log::refusal_count_statement(key, open.first_seen, open.count, open.last_seen_at));
            }
        }
    }

    /// Forgets the rows whose window ended before `now` (ms), keeping their unwritten counts.
    fn close_before(&mut self, now: i64) {
        let ended: Vec<RefusalKey> = self
            .open
            .iter()
            .filter(|(_, open)| open.first_seen + REFUSAL_WINDOW_MS <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &ended {
            self.close(key);
        }
    }

    /// The statements that write the counts that grew since the last call.
    fn take_counts(&mut self) -> Vec<Statement> {
        let mut counts = std::mem::take(&mut self.closed);
        for key in self.grown.drain(..) {
            if let Some(open) = self.open.get_mut(&key).filter(|open| open.count > open.written) {
                open.written = open.count;
                counts.push(log::refusal_count_statement(&key, open.first_seen, open.count, open.last_seen_at));
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(at: i64, addr: &str) -> NewLogEntry {
        NewLogEntry {
            tenant_id: "t".into(),
            occurred_at: at,
            status: 401,
            detail: Some("invalid".into()),
            client_addr: Some(addr.into()),
            ..NewLogEntry::default()
        }
    }

    #[test]
    fn identical_refusals_of_a_window_are_one_row_with_a_count() {
        let mut refusals = Refusals::default();
        assert!(refusals.count(refusal(1_000, "a")).is_some(), "the first starts a row");
        assert!(refusals.take_counts().is_empty(), "a row of one needs no count");
        assert!(refusals.count(refusal(1_500, "a")).is_none());
        assert!(refusals.count(refusal(1_200, "a")).is_none());
        assert!(refusals.count(refusal(2_000, "b")).is_some(), "another address starts its own row");
        let counts = refusals.take_counts();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].args[..2], [3_i64.into(), 1_500_i64.into()], "count 3, last seen at 1500");
        assert!(refusals.take_counts().is_empty(), "written once");
        // The window ends: the next one starts a row, the open count is written first.
        assert!(refusals.count(refusal(1_000 + REFUSAL_WINDOW_MS - 1, "a")).is_none());
        assert!(refusals.count(refusal(1_000 + REFUSAL_WINDOW_MS, "a")).is_some());
        let counts = refusals.take_counts();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].args[..2], [4_i64.into(), (1_000 + REFUSAL_WINDOW_MS - 1).into()]);
    }
}
