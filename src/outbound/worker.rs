//! The delivery loop. Every `POLL` (or at once when this process committed a change) it looks
//! for applications with events due and runs one task per application: claim the events first
//! in line for their resources (a lease the process extends while it lives, and `SKIP LOCKED`
//! on PostgreSQL, so that several processes share the work without delivering one event twice), deliver them concurrently —
//! different resources at once, one resource in order — and record each outcome: delivered
//! events go, failed ones wait with exponential backoff and jitter (or as long as the target's
//! `Retry-After` says), permanent failures go to the dead-letter list.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::task::JoinSet;

use super::application::{Application, Kind};
use super::client::{Client, DeliveryError};
use super::scim_target::Delivery;
use super::webhook;
use crate::clock::SharedClock;
use crate::db::outbound::{self as store, Event, Failure};
use crate::db::Db;

/// How often the queue is looked at when nothing wakes the loop.
const POLL: Duration = Duration::from_millis(200);

/// How long a claim holds its events unless extended: a process that dies holding them frees
/// them this long after its last heartbeat.
const LEASE_MS: i64 = 15_000;

/// How often a living process extends its leases.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Deliveries in flight per application: a slow request holds one slot, not the others. The
/// slots are refilled with one claim once half of them are free.
const IN_FLIGHT: usize = 64;

/// How long to wait before retrying (`--outbound-retry-*`).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first wait.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait before attempt `attempts + 1`: `base · 2^attempts`, at most `max`, ±20 % at
    /// random so that many failed events do not come back at the same moment; or the target's
    /// `Retry-After` (at most an hour).
    pub fn wait(&self, attempts: i64, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(Duration::from_secs(3600));
        }
        let exponent = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
        let wait = self.base.saturating_mul(2u32.saturating_pow(exponent)).min(self.max);
        wait.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
    }
}

/// The delivery loop's shared parts.
pub struct Worker {
    db: Db,
    client: Client,
    clock: SharedClock,
    backoff: Backoff,
    busy: Mutex<HashSet<String>>,
    /// This process's id on its claims.
    instance: String,
    /// The events being delivered now: the heartbeat extends their leases, and only theirs.
    in_flight: Mutex<HashSet<i64>>,
}

/// An event in flight: it leaves the set when its delivery ends, however it ends (a task that is
/// aborted drops it too), so its lease is no longer extended.
struct Tracked {
    worker: Arc<Worker>,
    event_id: i64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Ok(mut in_flight) = self.worker.in_flight.lock() {
            in_flight.remove(&self.event_id);
        }
    }
}

impl Worker {
    /// A worker on this database.
    pub fn new(db: Db, client: Client, clock: SharedClock, backoff: Backoff) -> Arc<Worker> {
        let instance = uuid::Uuid::new_v4().to_string();
        Arc::new(Worker {
            db,
            client,
            clock,
            backoff,
            busy: Mutex::new(HashSet::new()),
            instance,
            in_flight: Mutex::new(HashSet::new()),
        })
    }

    /// Runs the loop, and the heartbeat that keeps this process's claims, for as long as the
    /// process does.
    pub fn spawn(self: &Arc<Self>) {
        let worker = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                let until = worker.clock.now_ms() + LEASE_MS;
                let ids: Vec<i64> = worker.in_flight.lock().map(|s| s.iter().copied().collect()).unwrap_or_default();
                if let Err(e) = store::extend_leases(&worker.db, &ids, until).await {
                    tracing::error!(error = %e, "outbound delivery: extending claims failed");
                }
            }
        });
        let worker = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(e) = worker.round().await {
                    tracing::error!(error = %e, "outbound delivery: reading the queue failed");
                }
                tokio::time::sleep(POLL).await;
            }
        });
    }

    /// Starts a task for each application with events due that has none running.
    async fn round(self: &Arc<Self>) -> Result<(), sqlx::Error> {
        for app_id in store::due_apps(&self.db, self.clock.now_ms()).await? {
            let started = self.busy.lock().map(|mut busy| busy.insert(app_id.clone())).unwrap_or(false);
            if started {
                let worker = Arc::clone(self);
                tokio::spawn(async move {
                    if let Err(e) = worker.drain(&app_id).await {
                        tracing::error!(app_id, error = %e, "outbound delivery failed");
                    }
                    if let Ok(mut busy) = worker.busy.lock() {
                        busy.remove(&app_id);
                    }
                });
            }
        }
        Ok(())
    }

    /// Delivers an application's due events until none is left (or it is paused or removed),
    /// up to [`IN_FLIGHT`] at once.
    pub async fn drain(self: &Arc<Self>, app_id: &str) -> Result<(), sqlx::Error> {
        let mut tasks = JoinSet::new();
        loop {
            if tasks.len() <= IN_FLIGHT / 2 {
                let room = i64::try_from(IN_FLIGHT - tasks.len()).unwrap_or(0);
                let claimed = match self.claim(app_id, room).await {
                    Ok(claimed) => claimed,
                    Err(e) if tasks.is_empty() => return Err(e),
                    Err(e) => {
                        tracing::error!(app_id, error = %e, "outbound delivery: claiming events failed");
                        Vec::new()
                    }
                };
                if claimed.is_empty() && tasks.is_empty() {
                    return Ok(());
                }
                for (app, event) in claimed {
                    let tracked = self.track(event.id);
                    tasks.spawn(async move {
                        let result = tracked.worker.deliver(&app, event).await;
                        drop(tracked);
                        result
                    });
                }
            }
            match tasks.join_next().await {
                Some(Ok(Err(e))) => {
                    tracing::error!(app_id, error = %e, "outbound delivery: recording an outcome failed")
                }
                Some(Err(e)) => tracing::error!(app_id, error = %e, "an outbound delivery task ended abnormally"),
                Some(Ok(Ok(()))) | None => {}
            }
        }
    }

    /// Claims up to `room` events of the application (none while it is paused or gone), each
    /// with the application as it is now.
    async fn claim(&self, app_id: &str, room: i64) -> Result<Vec<(Arc<Application>, Event)>, sqlx::Error> {
        let Some(app) = store::get(&self.db, app_id).await?.filter(|a| !a.paused) else {
            return Ok(Vec::new());
        };
        let now = self.clock.now_ms();
        let lease = store::Lease { holder: &self.instance, until: now + LEASE_MS };
        let events = store::claim(&self.db, app_id, now, lease, room).await?;
        let app = Arc::new(app);
        Ok(events.into_iter().map(|event| (Arc::clone(&app), event)).collect())
    }

    /// Marks an event in flight until the returned guard goes.
    fn track(self: &Arc<Self>, event_id: i64) -> Tracked {
        if let Ok(mut in_flight) = self.in_flight.lock() {
            in_flight.insert(event_id);
        }
        Tracked { worker: Arc::clone(self), event_id }
    }

    /// Delivers one event and records what came of it.
    async fn deliver(&self, app: &Application, event: Event) -> Result<(), sqlx::Error> {
        let now = self.clock.now_ms();
        let result = match app.kind {
            Kind::Scim => Delivery { db: &self.db, client: &self.client, app, now_ms: now }.deliver(&event).await,
            Kind::Webhook => webhook::deliver(&self.db, &self.client, app, &event, now).await,
        };
        let now = self.clock.now_ms();
        match result {
            Ok(covered) => store::delivered(&self.db, &app.id, &covered, now).await,
            Err(DeliveryError::Db(e)) => {
                store::release(&self.db, &[event.id]).await?;
                Err(e)
            }
            Err(e) => {
                let failure = if e.is_permanent() {
                    Failure::Dead
                } else {
                    let wait = self.backoff.wait(event.attempts, e.retry_after());
                    Failure::RetryAt(now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
                };
                tracing::warn!(app = app.name, event = event.id, error = %e, "outbound delivery failed");
                store::failed(&self.db, &app.id, event.id, failure, &e.to_string(), now).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_honours_retry_after() {
        let backoff = Backoff { base: Duration::from_millis(1000), max: Duration::from_secs(60) };
        let within =
            |d: Duration, ms: u64| d >= Duration::from_millis(ms * 8 / 10) && d <= Duration::from_millis(ms * 12 / 10);
        assert!(within(backoff.wait(0, None), 1000));
        assert!(within(backoff.wait(3, None), 8000));
        assert!(within(backoff.wait(40, None), 60_000));
        assert_eq!(backoff.wait(5, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(backoff.wait(0, Some(Duration::from_secs(86_400))), Duration::from_secs(3600));
    }
}
