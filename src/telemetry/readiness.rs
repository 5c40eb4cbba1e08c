//! `/readyz`: whether this process should get traffic — its database answers, the schema is the
//! one this build expects (every migration applied), and it is not draining for a shutdown. A
//! load balancer stops sending requests once it answers 503, while the in-flight ones finish.
//! `/healthz` stays the liveness check (the process and its database answer).

use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// Set when the process has begun shutting down.
#[derive(Debug, Default)]
pub struct Draining(AtomicBool);

impl Draining {
    /// Marks the process as shutting down: readiness turns off.
    pub fn begin(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether it is shutting down.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The handler: `200 ready`, or `503` with the reason.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    if state.draining.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready: shutting down".into());
    }
    match state.db.schema_is_current().await {
        Ok(true) => (StatusCode::OK, "ready".into()),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "not ready: database migrations are not all applied".into()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready: the database does not answer".into())
        }
    }
}
