//! What a tenant provisions onward — Integrations → Applications — and its alerts.

use app::backend::{AlertsBackend, OutboundBackend};
use app::dto::{
    ActionReport, AddedApplication, AlertPanel, AlertRules, AlertsSaved, ApplicationAction, ApplicationsPanel,
    NewApplication, SavedMapping, WebhookEdit,
};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::input::{Body, Params};
use super::problem::{Problem, Refusals};
use super::{created, At};

const TENANT: &str = "The tenant's exact name";
const NAME: &str = "The application's name";

/// An outbound mapping to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MappingChange {
    /// The rules, one a line (`target = source`); ignored with `defaults`.
    #[serde(default)]
    rules: String,
    /// Go back to the default mapping.
    #[serde(default)]
    defaults: bool,
}

/// Whose push to preview, under which rules.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// A user's id or userName.
    user: String,
    /// Rules to try (one a line); the stored ones without.
    #[serde(default)]
    rules: String,
}

/// A tenant's alert settings to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertChange {
    /// The rules; a null threshold turns its rule off.
    rules: AlertRules,
    /// `"keep"`, `"remove"`, or `{"set": "<url>"}` (a new signing secret comes back, once).
    #[serde(default = "keep")]
    webhook: WebhookEdit,
}

fn keep() -> WebhookEdit {
    WebhookEdit::Keep
}

/// The alerts form's field names as this API's body spells them.
fn alert_field(mut problem: Problem) -> Problem {
    let Some(field) = &problem.field else { return problem };
    let spelled = match field.as_str() {
        "webhook_url" => "webhook".to_owned(),
        snake => {
            let mut camel = String::from("rules.");
            let mut upper = false;
            for c in snake.chars() {
                match (c, upper) {
                    ('_', _) => upper = true,
                    (c, true) => {
                        camel.extend(c.to_uppercase());
                        upper = false;
                    }
                    (c, false) => camel.push(c),
                }
            }
            camel
        }
    };
    problem.field = Some(spelled);
    problem
}

/// The tenant's applications with their delivery health and dead letters.
#[utoipa::path(get, path = "/tenants/{tenant}/applications", tag = "applications", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = ApplicationsPanel), Refusals))]
pub async fn applications(caller: Caller, At(tenant): At<String>) -> Result<Json<ApplicationsPanel>, Problem> {
    Ok(Json(caller.backend.applications(&caller.admin, &tenant).await?))
}

/// Connects an application (a webhook's signing secret comes back, once).
#[utoipa::path(post, path = "/tenants/{tenant}/applications", tag = "applications", request_body = NewApplication,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 201, body = AddedApplication), Refusals))]
pub async fn add_application(
    caller: Caller,
    At(tenant): At<String>,
    Body(application): Body<NewApplication>,
) -> Result<Response, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(created(backend.add_application(&admin, address, &tenant, application).await?))
}

/// Tests, syncs, pauses, resumes or removes an application, or retries or drops its dead letters.
#[utoipa::path(post, path = "/tenants/{tenant}/applications/{name}/{action}", tag = "applications",
    params(("tenant" = String, Path, description = TENANT), ("name" = String, Path, description = NAME),
        ("action" = ApplicationAction, Path, description = "test, sync, pause, resume, remove, retryDead or skipDead")),
    responses((status = 200, body = ActionReport), Refusals))]
pub async fn application_action(
    caller: Caller,
    At((tenant, name, action)): At<(String, String, ApplicationAction)>,
) -> Result<Json<ActionReport>, Problem> {
    let Caller { backend, admin, address } = caller;
    Ok(Json(backend.application_action(&admin, address, &tenant, &name, action).await?))
}

/// Replaces a SCIM application's outbound mapping and pushes everything in scope again.
#[utoipa::path(put, path = "/tenants/{tenant}/applications/{name}/mapping", tag = "applications", request_body = MappingChange,
    params(("tenant" = String, Path, description = TENANT), ("name" = String, Path, description = NAME)),
    responses((status = 200, body = SavedMapping), Refusals))]
pub async fn save_mapping(
    caller: Caller,
    At((tenant, name)): At<(String, String)>,
    Body(change): Body<MappingChange>,
) -> Result<Json<SavedMapping>, Problem> {
    let Caller { backend, admin, address } = caller;
    let saved =
        backend.save_application_mapping(&admin, address, &tenant, &name, &change.rules, change.defaults).await?;
    Ok(Json(saved))
}

/// A user as the SCIM application would receive it.
#[utoipa::path(get, path = "/tenants/{tenant}/applications/{name}/preview", tag = "applications",
    params(("tenant" = String, Path, description = TENANT), ("name" = String, Path, description = NAME), PreviewParams),
    responses((status = 200, body = serde_json::Value), Refusals))]
pub async fn preview(
    caller: Caller,
    At((tenant, name)): At<(String, String)>,
    Params(p): Params<PreviewParams>,
) -> Result<Json<serde_json::Value>, Problem> {
    let text = caller.backend.preview_application_user(&caller.admin, &tenant, &name, &p.user, &p.rules).await?;
    serde_json::from_str(&text).map(Json).map_err(|_| Problem::from(app::AppError::Internal))
}

/// The tenant's alert settings, latest alerts and unsent messages.
#[utoipa::path(get, path = "/tenants/{tenant}/alerts", tag = "alerts", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = AlertPanel), Refusals))]
pub async fn alerts(caller: Caller, At(tenant): At<String>) -> Result<Json<AlertPanel>, Problem> {
    Ok(Json(caller.backend.alert_panel(&caller.admin, &tenant).await?))
}

/// Stores the tenant's alert settings.
#[utoipa::path(put, path = "/tenants/{tenant}/alerts", tag = "alerts", request_body = AlertChange,
    params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = AlertsSaved), Refusals))]
pub async fn save_alerts(
    caller: Caller,
    At(tenant): At<String>,
    Body(change): Body<AlertChange>,
) -> Result<Json<AlertsSaved>, Problem> {
    let Caller { backend, admin, address } = caller;
    let saved = backend.save_alerts(&admin, address, &tenant, change.rules, change.webhook).await;
    saved.map(Json).map_err(|e| alert_field(e.into()))
}

/// Switches the tenant's alerts off.
#[utoipa::path(delete, path = "/tenants/{tenant}/alerts", tag = "alerts", params(("tenant" = String, Path, description = TENANT)),
    responses((status = 200, body = AlertPanel), Refusals))]
pub async fn alerts_off(caller: Caller, At(tenant): At<String>) -> Result<Json<AlertPanel>, Problem> {
    Ok(Json(caller.backend.alerts_off(&caller.admin, caller.address, &tenant).await?))
}
