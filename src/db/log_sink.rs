//! Writes the provisioning-log rows of requests that changed nothing (reads, lists, refusals)
//! off the request path: a background task takes them from a queue and appends them in batches,
//! one transaction per batch. The rows of changes never come here — they are written in the
//! change's own transaction (`provisioning::log::commit_logged`).
//!
//! A request's answer does not wait for its read row; a full queue (the database cannot keep up)
//! makes requests wait rather than lose rows. `flush` waits until everything queued before it is
//! written: readers of the log (the dashboard, shutdown, tests) call it first, and so does every
//! change (its own row must come after the rows of the requests before it). With nothing
//! queued, a flush returns at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::log::{self, NewLogEntry};
use super::Db;

/// Rows written in one transaction at most.
const BATCH: usize = 256;
/// How long a batch waits for more rows once its first row came (nobody waits for these rows
/// unless they flush, which writes at once).
const LINGER: std::time::Duration = std::time::Duration::from_millis(5);
/// Rows waiting at most before requests wait for the writer.
const QUEUE: usize = 8192;

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
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let deadline = tokio::time::Instant::now() + LINGER;
        loop {
            while let Some(message) = next.take() {
                match message {
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
        if !rows.is_empty() {
            if let Err(e) = write(&db, &rows).await {
                tracing::error!(error = %e, rows = rows.len(), "could not write provisioning-log rows");
            }
            unwritten.fetch_sub(rows.len(), Ordering::AcqRel);
            rows.clear();
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn write(db: &Db, rows: &[NewLogEntry]) -> Result<(), sqlx::Error> {
    db.write(vec![log::append_statement(rows)]).await.map(drop)
}
