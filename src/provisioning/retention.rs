//! The background pruning of provisioning logs by each tenant's retention setting.

use std::time::Duration;

use crate::db::log_retention::{self, Retention};
use crate::state::AppState;

/// How often the log is pruned.
const INTERVAL: Duration = Duration::from_secs(300);

/// Rows deleted per statement: small enough that SCIM writes wait at most a few milliseconds
/// for the writer.
const BATCH: i64 = 2_000;

/// Prunes one tenant's log now; returns how many rows went.
pub async fn prune_tenant(state: &AppState, tenant_id: &str, retention: Retention) -> Result<u64, sqlx::Error> {
    if !retention.is_limited() {
        return Ok(0);
    }
    state.flush_logs().await;
    log_retention::prune(&state.db, tenant_id, retention, state.clock.now_ms(), BATCH).await
}

/// Prunes every tenant that limits its log; returns how many rows went.
pub async fn prune_all(state: &AppState) -> Result<u64, sqlx::Error> {
    let mut removed = 0;
    for (tenant_id, retention) in log_retention::limited_tenants(&state.db).await? {
        removed += prune_tenant(state, &tenant_id, retention).await?;
    }
    Ok(removed)
}

/// Prunes every [`INTERVAL`], starting now, for as long as the process runs.
pub fn spawn_pruning(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        loop {
            tick.tick().await;
            if !state.runner.runs_jobs() {
                continue;
            }
            match prune_all(&state).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "pruned the provisioning log"),
                Err(e) => tracing::error!(error = %e, "pruning the provisioning log failed"),
            }
        }
    });
}

/// Prunes one tenant in the background (after its setting changed).
pub fn prune_tenant_in_background(state: &AppState, tenant_id: &str, retention: Retention) {
    let state = state.clone();
    let tenant_id = tenant_id.to_owned();
    tokio::spawn(async move {
        if let Err(e) = prune_tenant(&state, &tenant_id, retention).await {
            tracing::error!(tenant_id, error = %e, "pruning the provisioning log failed");
        }
    });
}
