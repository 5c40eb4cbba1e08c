//! Attribute mappers: list, create, change, delete, Entra ID's defaults, export and import.
//! Every change re-derives the tenant's users, as in the dashboard.

use app::backend::MappingBackend;
use app::dto::{MapperPanel, MapperRow};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use scim::mapping::MapperSpec;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::input::{Body, Params};
use super::problem::{Problem, Refusals};
use super::{created, At};

const TENANT: &str = "The tenant's exact name";

/// How many mappers an operation stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stored {
    /// Mappers created or imported.
    pub stored: u32,
}

/// How an import treats the tenant's mappers.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportMode {
    /// Replace the tenant's mappers (else the imported ones are added).
    #[serde(default)]
    replace: bool,
}

/// The tenant's mappers, in the order they apply, and any re-derivation under way.
#[utoipa::path(get, path = "/tenants/{tenant}/mappers", tag = "mappers", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = MapperPanel), Refusals))]
pub async fn list(caller: Caller, At(tenant): At<String>) -> Result<Json<MapperPanel>, Problem> {
    Ok(Json(caller.backend.mapper_panel(&caller.admin, &tenant).await?))
}

/// Creates a mapper.
#[utoipa::path(post, path = "/tenants/{tenant}/mappers", tag = "mappers", request_body = MapperSpec,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 201, body = MapperRow), Refusals))]
pub async fn create(caller: Caller, At(tenant): At<String>, Body(spec): Body<MapperSpec>) -> Result<Response, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(created(backend.save_mapper(&admin, address, &tenant, None, spec).await?))
}

/// Replaces a mapper's configuration.
#[utoipa::path(put, path = "/tenants/{tenant}/mappers/{id}", tag = "mappers", request_body = MapperSpec,
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The mapper's id")),
    responses((status = 200, body = MapperRow), Refusals))]
pub async fn update(
    caller: Caller,
    At((tenant, id)): At<(String, String)>,
    Body(spec): Body<MapperSpec>,
) -> Result<Json<MapperRow>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.save_mapper(&admin, address, &tenant, Some(id), spec).await?))
}

/// Deletes a mapper.
#[utoipa::path(delete, path = "/tenants/{tenant}/mappers/{id}", tag = "mappers",
    params(("tenant" = String, Path, description = TENANT), ("id" = String, Path, description = "The mapper's id")),
    responses((status = 204), Refusals))]
pub async fn delete(caller: Caller, At((tenant, id)): At<(String, String)>) -> Result<StatusCode, Problem> {
    caller.backend.delete_mapper(&caller.admin, caller.address, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates the mappers of Microsoft Entra ID's setup guide that the tenant lacks.
#[utoipa::path(post, path = "/tenants/{tenant}/mappers/entra-defaults", tag = "mappers",
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = Stored), Refusals))]
pub async fn entra_defaults(caller: Caller, At(tenant): At<String>) -> Result<Json<Stored>, Problem> {
    let stored = caller.backend.apply_azure_defaults(&caller.admin, caller.address, &tenant).await?;
    Ok(Json(Stored { stored }))
}

/// The tenant's mappers as a JSON array, to import elsewhere.
#[utoipa::path(get, path = "/tenants/{tenant}/mappers/export", tag = "mappers", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = Vec<MapperSpec>), Refusals))]
pub async fn export(caller: Caller, At(tenant): At<String>) -> Result<Json<Vec<MapperSpec>>, Problem> {
    let text = caller.backend.export_mappers(&caller.admin, &tenant).await?;
    serde_json::from_str(&text).map(Json).map_err(|_| Problem::from(app::AppError::Internal))
}

/// Imports mappers as exported (all or nothing).
#[utoipa::path(post, path = "/tenants/{tenant}/mappers/import", tag = "mappers", request_body = Vec<MapperSpec>,
    params(("tenant" = String, Path, description = TENANT), ImportMode),
    responses((status = 200, body = Stored), Refusals))]
pub async fn import(
    caller: Caller,
    At(tenant): At<String>,
    Params(mode): Params<ImportMode>,
    Body(specs): Body<Vec<MapperSpec>>,
) -> Result<Json<Stored>, Problem> {
    let Caller { backend, admin, address } = caller;
    // Checked strictly here; the backend reads the dashboard's text form.
    let json = serde_json::to_string(&specs).map_err(|_| Problem::from(app::AppError::Internal))?;
    Ok(Json(Stored { stored: backend.import_mappers(&admin, address, &tenant, &json, mode.replace).await? }))
}
