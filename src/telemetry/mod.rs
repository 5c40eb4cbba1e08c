//! What an operator watches scimhub by: Prometheus metrics on their own listener
//! (`--metrics-listen`), readiness beside liveness, and a request id on every request.
//!
//! Metrics go through the `metrics` facade into `metrics-exporter-prometheus`'s recorder,
//! installed once per process. Counters and histograms are recorded where things happen (the
//! SCIM gate, the HTTP layer, SQLite's group commit); gauges of state — the log writer's queue,
//! the database pools, each outbound application's queue — are read when Prometheus scrapes,
//! so an idle process does no work for them.

pub mod http;
pub mod readiness;
pub mod request_id;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

use crate::state::AppState;

/// Latency buckets (seconds): from a cached lookup to a request near its timeout.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Group-commit round sizes (writes per commit on SQLite).
const ROUND_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process's recorder, installed on first use.
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The handle that renders this process's metrics; `None` if another recorder was installed
/// first (then nothing is recorded here).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_round_size".into()), &ROUND_BUCKETS))
                // Gauges of applications or pools that are gone stop being set; drop them.
                .map(|b| b.idle_timeout(MetricKindMask::GAUGE, Some(Duration::from_secs(600))))
                .map(PrometheusBuilder::build_recorder);
            match recorder {
                Ok(recorder) => {
                    let handle = recorder.handle();
                    metrics::set_global_recorder(recorder).ok().map(|()| handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "metrics are off: the Prometheus recorder could not be built");
                    None
                }
            }
        })
        .as_ref()
}

/// A status code's class as a label: `2xx`, `4xx`, …
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Records one SCIM request a tenant's identity provider made: counted by tenant, operation and
/// status class, timed by operation. Only requests of an existing tenant come here, so the
/// tenant label takes no value a client could invent.
pub fn scim_request(tenant: &str, operation: &str, status: u16, elapsed: Duration) {
    let labels = [("tenant", tenant.to_owned()), ("operation", operation.to_owned())];
    metrics::counter!(
        "scimhub_scim_requests_total",
        &[labels[0].clone(), labels[1].clone(), ("status", status_class(status).to_owned()),]
    )
    .increment(1);
    metrics::histogram!("scimhub_scim_request_duration_seconds", &labels[1..]).record(elapsed.as_secs_f64());
}

/// Records the size of one group-commit round (SQLite's writes committed together).
pub fn group_commit_round(writes: usize) {
    metrics::histogram!("scimhub_group_commit_round_size").record(writes as f64);
}

/// Reads the gauges of the process's state, then renders every metric in the Prometheus text
/// format.
pub async fn render(state: &AppState) -> String {
    let Some(handle) = recorder() else {
        return String::new();
    };
    let queued = state.log_sink.unwritten() + state.outbound_log.unwritten();
    metrics::gauge!("scimhub_log_writer_queue_rows").set(queued as f64);
    metrics::gauge!("scimhub_periodic_jobs_runner").set(if state.runner.runs_jobs() { 1.0 } else { 0.0 });
    for (name, pool) in [("reader", state.db.reader()), ("writer", state.db.writer())] {
        let labels = [("pool", name)];
        metrics::gauge!("scimhub_db_pool_connections", &labels).set(f64::from(pool.size()));
        metrics::gauge!("scimhub_db_pool_idle_connections", &labels).set(pool.num_idle() as f64);
    }
    if let Some((open, idle)) = state.db.scim_connections() {
        let labels = [("pool", "scim")];
        metrics::gauge!("scimhub_db_pool_connections", &labels).set(open as f64);
        metrics::gauge!("scimhub_db_pool_idle_connections", &labels).set(idle as f64);
    }
    if let Err(e) = outbound_gauges(state).await {
        tracing::warn!(error = %e, "metrics: the outbound queues could not be read");
    }
    handle.render()
}

/// Each outbound application's queue, deliveries and recent failures.
async fn outbound_gauges(state: &AppState) -> Result<(), sqlx::Error> {
    let now = state.clock.now_ms();
    let queues = crate::db::outbound::queues(&state.db).await?;
    let mut failures = std::collections::HashMap::new();
    for q in &queues {
        if !failures.contains_key(&q.tenant_id) {
            let since = now - crate::outbound::manage::FAILURE_WINDOW_MS;
            failures
                .insert(q.tenant_id.clone(), crate::db::log::outbound_failures(&state.db, &q.tenant_id, since).await?);
        }
    }
    for q in queues {
        let failed = failures.get(&q.tenant_id).and_then(|f| f.get(&q.app_id)).copied().unwrap_or(0);
        let labels = [("tenant", q.tenant), ("application", q.application)];
        metrics::gauge!("scimhub_outbound_backlog", &labels).set(q.status.backlog as f64);
        metrics::gauge!("scimhub_outbound_failing", &labels).set(q.status.failing as f64);
        metrics::gauge!("scimhub_outbound_dead_letters", &labels).set(q.status.dead as f64);
        metrics::gauge!("scimhub_outbound_failures_last_hour", &labels).set(failed as f64);
        metrics::gauge!("scimhub_outbound_delivered", &labels).set(q.delivered as f64);
        let age = q.status.oldest_pending_at.map_or(0, |at| (now - at).max(0));
        metrics::gauge!("scimhub_outbound_oldest_pending_age_seconds", &labels).set(age as f64 / 1000.0);
    }
    Ok(())
}
