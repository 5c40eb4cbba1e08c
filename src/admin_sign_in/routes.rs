//! The sign-in surface: `/auth/login` → provider → `/auth/callback`, `/auth/logout`, and
//! `/auth/link/{token}` for break-glass links.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_sessions::Session;

use super::{login_link, session};
use crate::state::AppState;

/// The `/auth/*` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/auth/link/{token}", get(link))
}

fn to_login(code: &str) -> Response {
    Redirect::to(&format!("/login?error={code}")).into_response()
}

async fn login(State(state): State<AppState>, session: Session, Query(q): Query<HashMap<String, String>>) -> Response {
    match state.oidc.start(&session, q.get("return_to").map(String::as_str)).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "could not start OIDC sign-in");
            to_login(e.code())
        }
    }
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(error) = q.get("error") {
        tracing::warn!(%error, description = q.get("error_description").map(String::as_str), "the provider refused sign-in");
        return to_login("failed");
    }
    let (Some(code), Some(st)) = (q.get("code"), q.get("state")) else {
        return to_login("state_mismatch");
    };
    let (admin, return_to) = match state.oidc.finish(&session, code, st).await {
        Ok(signed_in) => signed_in,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC sign-in refused");
            return to_login(e.code());
        }
    };
    match crate::rights::resolve(&state.db, &state.config.oidc, admin).await {
        Ok(admin) if crate::rights::has_any_right(&admin) => match session::sign_in(&session, &admin).await {
            Ok(()) => {
                tracing::info!(subject = %admin.subject, email = admin.email.as_deref(), "administrator signed in");
                Redirect::to(&return_to).into_response()
            }
            Err(e) => {
                tracing::error!(error = %e, "could not store the session");
                to_login("failed")
            }
        },
        Ok(admin) => {
            tracing::warn!(subject = %admin.subject, email = admin.email.as_deref(), "sign-in refused: no administration rights");
            to_login("not_admin")
        }
        Err(e) => {
            tracing::error!(error = %e, "could not decide the administrator's rights");
            to_login("failed")
        }
    }
}

async fn logout(session: Session) -> Response {
    if let Err(e) = session::sign_out(&session).await {
        tracing::error!(error = %e, "could not end the session");
    }
    Redirect::to("/login").into_response()
}

async fn link(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    match login_link::redeem(&state.db, state.clock.as_ref(), &token).await {
        Ok(Some(admin)) => match session::sign_in(&session, &admin).await {
            Ok(()) => {
                let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
                tracing::warn!(
                    address = address.as_deref(),
                    "break-glass administrator signed in with a one-time link"
                );
                login_link::record_use(&state, &admin, address).await;
                Redirect::to("/").into_response()
            }
            Err(e) => {
                tracing::error!(error = %e, "could not store the session");
                to_login("failed")
            }
        },
        Ok(None) => to_login("link_invalid"),
        Err(e) => {
            tracing::error!(error = %e, "could not redeem a login link");
            to_login("failed")
        }
    }
}
