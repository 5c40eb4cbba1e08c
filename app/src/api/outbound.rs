//! Server functions of *Integrations → Applications*.

use leptos::prelude::*;

use crate::dto::{
    ActionReport, AddedApplication, ApplicationAction, ApplicationsPanel, FormOutcome, NewApplication, SavedMapping,
};
use crate::error::AppError;

/// The tenant's applications with their health.
#[server]
pub async fn get_applications(tenant: String) -> Result<ApplicationsPanel, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.applications(&admin, &tenant).await
}

/// Connects an application; a refused field comes back as `Refused`.
#[server]
pub async fn add_application(
    tenant: String,
    application: NewApplication,
) -> Result<FormOutcome<AddedApplication>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.add_application(&admin, address, &tenant, application).await)
}

/// Tests, syncs, pauses, resumes or removes an application, or retries or drops its dead
/// letters.
#[server]
pub async fn act_on_application(
    tenant: String,
    name: String,
    action: ApplicationAction,
) -> Result<ActionReport, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.application_action(&admin, address, &tenant, &name, action).await
}

/// Replaces a SCIM application's outbound mapping (`defaults`: back to the defaults) and queues
/// everything in scope to push again; a rule that does not check comes back as `Refused`.
#[server]
pub async fn save_application_mapping(
    tenant: String,
    name: String,
    mapping: String,
    defaults: bool,
) -> Result<FormOutcome<SavedMapping>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.save_application_mapping(&admin, address, &tenant, &name, &mapping, defaults).await)
}

/// A user (id or userName) as the SCIM application would receive it under `mapping` (the
/// rules as typed; empty: as stored), pretty-printed.
#[server]
pub async fn preview_application_user(
    tenant: String,
    name: String,
    user: String,
    mapping: String,
) -> Result<FormOutcome<String>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    FormOutcome::of(backend.preview_application_user(&admin, &tenant, &name, &user, &mapping).await)
}
