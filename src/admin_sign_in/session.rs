//! The administrator stored in the session, and the page guard that sends everyone else to
//! the sign-in page and keeps what signed-in administrators see out of every cache.

use app::dto::AdminIdentity;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::state::AppState;

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

/// Whether a path is a server function's: its answers carry tenant data too.
fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Marks a response as not to be stored by the browser or any cache (RFC 9111 §5.2.2.5): the
/// pages, server-function answers and exports of a signed-in administrator would otherwise stay
/// readable from the browser's cache after signing out, on a shared machine.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Redirects page requests without a signed-in administrator (or one whose rights were all
/// revoked) to `/login`. A tenant page (`/tenants/<name>/…`) of a tenant the administrator may
/// not see — or that does not exist — is answered with status 404: the page itself shows
/// nothing of the tenant, and the status says so too. What passes the guard, and every
/// server-function answer, is marked `Cache-Control: no-store`; the sign-in page is not.
pub async fn require_admin(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_public(&path) {
        let response = next.run(request).await;
        return if is_server_fn(&path) { no_store(response) } else { response };
    }
    let identity = match current_admin(&session).await {
        Ok(Some(identity)) => identity,
        Ok(None) => return Redirect::to(&sign_in_then(&request)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "session store failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "session store unavailable").into_response();
        }
    };
    let admin = match crate::rights::resolve(&state.db, &state.config.oidc, identity).await {
        Ok(admin) if crate::rights::has_any_right(&admin) => admin,
        Ok(_) => return Redirect::to("/login?error=not_admin").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not decide the administrator's rights");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
        }
    };
    let hidden = !page_exists(&state, &admin, &path).await;
    // The page's server functions, run while it renders, take the administrator from here
    // instead of deciding the rights again.
    request.extensions_mut().insert(admin);
    let mut response = next.run(request).await;
    if hidden {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    no_store(response)
}

/// `/login`, remembering the page asked for (path and query) to return to after signing in.
fn sign_in_then(request: &Request) -> String {
    match request.uri().path_and_query().map(|p| p.as_str()) {
        None | Some("/") => "/login".to_owned(),
        Some(asked) => format!("/login?return_to={}", percent_encoding::utf8_percent_encode(asked, QUERY_VALUE)),
    }
}

/// What a query value must escape: everything but unreserved characters and `/`.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// Whether the page at `path` shows something the administrator may see: the tenant of a tenant
/// page exists and is theirs, and the user or group of a detail page exists in it. (A database
/// failure counts as existing: the page itself then says what went wrong.)
async fn page_exists(state: &AppState, admin: &AdminIdentity, path: &str) -> bool {
    let Some(name) = app::components::top_bar::tenant_in_path(path) else { return true };
    if !admin.can_access(&name) {
        return false;
    }
    let tenant = match crate::db::tenant::by_name(&state.db, &name).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return false,
        Err(_) => return true,
    };
    let detail = path.split('/').skip(3).collect::<Vec<_>>();
    let (kind, id) = match detail.as_slice() {
        [kind @ ("users" | "groups"), id] if !id.is_empty() => (*kind, percent_decode(id)),
        _ => return true,
    };
    let found = if kind == "users" {
        crate::db::user::get(&state.db, &tenant.id, &id).await.map(|u| u.is_some())
    } else {
        crate::db::group::find(&state.db, &tenant.id, &id).await.map(|g| g.is_some())
    };
    found.unwrap_or(true)
}

/// A path segment's text (`%2F` → `/`); undecodable input stays as it is.
fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
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
