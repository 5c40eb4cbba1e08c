//! The SCIM 2.0 API at `/realms/{tenant}/scim/v2` (RFC 7644). Every route passes the gate
//! (tenant, credential, body limit, provisioning log) before its handler runs.

pub mod bulk;
pub mod discovery;
pub mod extract;
pub mod gate;
pub mod groups;
pub mod response;
pub mod search;
pub mod throttle;
pub mod users;

use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use axum::Router;

use crate::state::AppState;

/// The SCIM routes of all tenants.
pub fn router(state: AppState) -> Router<AppState> {
    let base = "/realms/{tenant}/scim/v2";
    Router::new()
        .route(&format!("{base}/ServiceProviderConfig"), get(discovery::service_provider_config))
        .route(&format!("{base}/ResourceTypes"), get(discovery::resource_types))
        .route(&format!("{base}/ResourceTypes/{{id}}"), get(discovery::resource_type))
        .route(&format!("{base}/Schemas"), get(discovery::schemas))
        .route(&format!("{base}/Schemas/{{id}}"), get(discovery::schema))
        .route(&format!("{base}/.search"), post(search::search_all))
        .route(&format!("{base}/Bulk"), post(bulk::bulk))
        .route(&format!("{base}/Users"), get(users::list).post(users::create))
        .route(&format!("{base}/Users/.search"), post(users::search))
        .route(
            &format!("{base}/Users/{{id}}"),
            get(users::get).put(users::replace).patch(users::patch).delete(users::delete),
        )
        .route(&format!("{base}/Groups"), get(groups::list).post(groups::create))
        .route(&format!("{base}/Groups/.search"), post(groups::search))
        .route(
            &format!("{base}/Groups/{{id}}"),
            get(groups::get).put(groups::replace).patch(groups::patch).delete(groups::delete),
        )
        .route(&format!("{base}/{{*rest}}"), any(discovery::unknown_endpoint))
        .route(base, any(discovery::unknown_endpoint))
        .route_layer(from_fn_with_state(state, gate::gate))
}
