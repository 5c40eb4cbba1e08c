//! The SCIM 2.0 API at `/realms/{tenant}/scim/v2` (RFC 7644). Every route passes the gate
//! (tenant, credential, body limit, provisioning log) before its handler runs; a body
//! announced over the limit is refused even before it (`edge`).

pub mod bulk;
pub mod discovery;
pub mod edge;
pub mod error;
pub mod extract;
pub mod gate;
pub mod groups;
pub mod response;
pub mod search;
pub mod throttle;
pub mod users;

use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;

use crate::state::AppState;

/// The SCIM routes of all tenants. Endpoint names are matched as the canonical spelling that
/// `edge::canonicalize` gives them before routing. The gate is a `layer`, not a `route_layer`,
/// so that the 405 of a method an endpoint does not offer is also behind authentication.
pub fn router(state: AppState) -> Router<AppState> {
    let base = "/realms/{tenant}/scim/v2";
    // Other methods: 405 with SCIM error JSON; axum adds `Allow`.
    let only = |methods: MethodRouter<AppState>| methods.fallback(discovery::method_not_allowed);
    Router::new()
        .route(&format!("{base}/ServiceProviderConfig"), only(get(discovery::service_provider_config)))
        .route(&format!("{base}/ResourceTypes"), only(get(discovery::resource_types)))
        .route(&format!("{base}/ResourceTypes/{{id}}"), only(get(discovery::resource_type)))
        .route(&format!("{base}/Schemas"), only(get(discovery::schemas)))
        .route(&format!("{base}/Schemas/{{id}}"), only(get(discovery::schema)))
        .route(&format!("{base}/.search"), only(post(search::search_all)))
        .route(&format!("{base}/Bulk"), only(post(bulk::bulk)))
        .route(&format!("{base}/Users"), only(get(users::list).post(users::create)))
        .route(&format!("{base}/Users/.search"), only(post(users::search)))
        .route(
            &format!("{base}/Users/{{id}}"),
            only(get(users::get).put(users::replace).patch(users::patch).delete(users::delete)),
        )
        .route(&format!("{base}/Groups"), only(get(groups::list).post(groups::create)))
        .route(&format!("{base}/Groups/.search"), only(post(groups::search)))
        .route(
            &format!("{base}/Groups/{{id}}"),
            only(get(groups::get).put(groups::replace).patch(groups::patch).delete(groups::delete)),
        )
        .route(&format!("{base}/Me"), any(discovery::me))
        .route(&format!("{base}/{{*rest}}"), any(discovery::unknown_endpoint))
        .route(base, any(discovery::unknown_endpoint))
        .layer(from_fn_with_state(state.clone(), gate::gate))
        .layer(from_fn_with_state(state, edge::refuse_oversized))
}
