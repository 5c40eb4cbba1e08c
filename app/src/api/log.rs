//! Server functions of the provisioning log viewer. A filter value the server cannot read comes
//! back as [`FormOutcome::Refused`] with its parameter name, shown next to its field.

use leptos::prelude::*;

use crate::dto::{ChartRange, CredentialChoice, FormOutcome, LogChart, LogEntryDetail, LogPage, LogQuery};
use crate::error::AppError;

/// A page of a tenant's provisioning log matching `query`: older than `before`, or the newest
/// rows newer than `after` (the live tail).
#[server]
pub async fn get_log_page(
    tenant: String,
    query: LogQuery,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<FormOutcome<LogPage>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    FormOutcome::of(backend.log_page(&admin, &tenant, &query, before, after).await)
}

/// One row of a tenant's provisioning log with its redacted bodies.
#[server]
pub async fn get_log_entry(tenant: String, id: i64) -> Result<LogEntryDetail, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.log_entry(&admin, &tenant, id).await
}

/// A tenant's requests and errors over `range`.
#[server]
pub async fn get_log_chart(tenant: String, range: ChartRange) -> Result<LogChart, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.log_chart(&admin, &tenant, range).await
}

/// The credentials the log's credential filter offers.
#[server]
pub async fn get_log_credentials(tenant: String) -> Result<Vec<CredentialChoice>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.log_credentials(&admin, &tenant).await
}
