//! The administrator stored in the session, and the page guard that sends everyone else to
//! the sign-in page.

use app::dto::AdminIdentity;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

const ADMIN_KEY: &str = "admin";

/// Errors reading or writing the session.
pub type SessionError = tower_sessions::session::Error;

/// The administrator signed in on this session, if any.
pub async fn current_admin(session: &Session) -> Result<Option<AdminIdentity>, SessionError> {
    session.get::<AdminIdentity>(ADMIN_KEY).await
}

/// Signs `admin` in: a new session id (no fixation), then the identity.
pub async fn sign_in(session: &Session, admin: &AdminIdentity) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(ADMIN_KEY, admin).await
}

/// Signs out: the session and its cookie are gone.
pub async fn sign_out(session: &Session) -> Result<(), SessionError> {
    session.flush().await
}

/// Whether a path is open without a session: the sign-in page, the sign-in flow, server
/// functions (which check the session themselves and answer with an error), health.
fn is_public(path: &str) -> bool {
    path == "/login" || path.starts_with("/auth/") || path.starts_with("/api/") || path == "/healthz"
}

/// Redirects page requests without a signed-in administrator to `/login`.
pub async fn require_admin(session: Session, request: Request, next: Next) -> Response {
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    match current_admin(&session).await {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "session store failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "session store unavailable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_the_sign_in_surface_is_public() {
        assert!(is_public("/login") && is_public("/auth/callback") && is_public("/api/list_tenants123"));
        assert!(!is_public("/") && !is_public("/tenants/acme") && !is_public("/login/../tenants"));
    }
}
