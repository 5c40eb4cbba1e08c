//! The administration API, `/admin/api/v1`: what the dashboard does, as JSON for scripts and
//! pipelines. Every operation goes through the dashboard's backend (`crate::admin::Backend`)
//! with the caller's token as the administrator, so the rights rules and the audit entries are
//! the dashboard's own. Only API tokens authenticate here (`auth`); every refusal is RFC 9457
//! problem JSON (`problem`); bodies and queries are read strictly (`input`). The OpenAPI 3.1
//! document at `/admin/api/v1/openapi.json` is generated from the handlers' annotations.

mod auth;
mod directory;
mod input;
mod integration;
mod log;
mod management;
mod mappers;
mod outbound;
mod problem;
mod token_routes;
pub mod tokens;

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use self::problem::{Problem, Refusals, PROBLEM_JSON};
use crate::state::AppState;

/// Where the API lives.
pub const BASE: &str = "/admin/api/v1";

/// The document's frame: title, version, the token scheme; the operations come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "scimhub administration API",
        description = "Tenants, SCIM settings, credentials, mappers, users, groups, the provisioning \
                       log, applications, alerts, administrators, the audit trail and API tokens. Authenticate with an API \
                       token (`scimhub api-token create`) as `Authorization: Bearer <token>`. Errors \
                       are RFC 9457 problem details."
    ),
    security(("token" = [])),
    components(schemas(Problem))
)]
struct Frame;

/// The routes with their OpenAPI operations.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Frame::openapi())
        .routes(routes!(management::list_tenants, management::create_tenant))
        .routes(routes!(management::tenant, management::change_tenant, management::delete_tenant))
        .routes(routes!(management::admins, management::grant, management::revoke_grant))
        .routes(routes!(management::audit))
        .routes(routes!(management::audit_export))
        .routes(routes!(management::platform))
        .routes(routes!(integration::scim))
        .routes(routes!(integration::save_settings))
        .routes(routes!(integration::rotate_secret, integration::revoke_secrets))
        .routes(routes!(integration::end_grace))
        .routes(routes!(integration::retention, integration::save_retention))
        .routes(routes!(integration::reset_directory))
        .routes(routes!(mappers::list, mappers::create))
        .routes(routes!(mappers::update, mappers::delete))
        .routes(routes!(mappers::entra_defaults))
        .routes(routes!(mappers::export))
        .routes(routes!(mappers::import))
        .routes(routes!(directory::users))
        .routes(routes!(directory::user, directory::delete_user))
        .routes(routes!(directory::deactivate_user))
        .routes(routes!(directory::groups))
        .routes(routes!(directory::group))
        .routes(routes!(directory::members))
        .routes(routes!(log::page))
        .routes(routes!(log::entry))
        .routes(routes!(log::export))
        .routes(routes!(outbound::applications, outbound::add_application))
        .routes(routes!(outbound::application_action))
        .routes(routes!(outbound::save_mapping))
        .routes(routes!(outbound::preview))
        .routes(routes!(outbound::alerts, outbound::save_alerts, outbound::alerts_off))
        .routes(routes!(token_routes::list, token_routes::create))
        .routes(routes!(token_routes::revoke))
}

/// The document as served: the operations, under the API's base, with the token scheme.
fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    api.servers = Some(vec![Server::new(BASE)]);
    let components = api.components.get_or_insert_with(Default::default);
    let mut scheme = Http::new(HttpAuthScheme::Bearer);
    scheme.description =
        Some("An API token (scimhub_api_…), made in the dashboard or with `scimhub api-token create`.".into());
    components.add_security_scheme("token", SecurityScheme::Http(scheme));
    api
}

/// The API's router, for `crate::server`. A path the API does not know is a problem too.
pub fn router() -> Router<AppState> {
    let (api_routes, api) = routes().split_for_parts();
    let document = Arc::new(finish(api).to_json().unwrap_or_default());
    let api_routes = api_routes
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document.as_str().to_owned()) }
            }),
        )
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "the API has no such operation") })
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, "this operation does not take that method")
        });
    Router::new().nest(BASE, api_routes)
}

impl From<PathRejection> for Problem {
    fn from(e: PathRejection) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, e.body_text())
    }
}

/// A path parameter, refused as a problem.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct At<T>(pub T);

/// A `201 Created` answer.
fn created<T: serde::Serialize>(body: T) -> axum::response::Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
