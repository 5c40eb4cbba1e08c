//! Server functions of *Integrations → Applications*.

use leptos::prelude::*;

use crate::dto::{ActionReport, AddedApplication, ApplicationAction, ApplicationsPanel, FormOutcome, NewApplication};
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
