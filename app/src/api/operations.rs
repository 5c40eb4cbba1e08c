//! Server functions of the log retention form and the onboarding checklist.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::limit;
use crate::dto::{Checklist, FormOutcome, LogRetention};
use crate::error::AppError;

/// The tenant's provisioning-log retention.
#[server]
pub async fn get_log_retention(tenant: String) -> Result<LogRetention, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.log_retention(&admin, &tenant).await
}

/// How many rows the retention typed so far would remove now.
#[server]
pub async fn preview_log_retention(tenant: String, days: String, rows: String) -> Result<FormOutcome<u64>, AppError> {
    use crate::dto::retention_fields::{DAYS, ROWS};
    let (backend, admin) = crate::backend::authed().await?;
    let typed = limit(DAYS, &days).and_then(|d| Ok((d, limit(ROWS, &rows)?)));
    FormOutcome::of(match typed {
        Ok((days, rows)) => backend.preview_log_retention(&admin, &tenant, days, rows).await,
        Err(e) => Err(e),
    })
}

/// Stores the tenant's provisioning-log retention.
#[server]
pub async fn set_log_retention(
    tenant: String,
    days: String,
    rows: String,
) -> Result<FormOutcome<LogRetention>, AppError> {
    use crate::dto::retention_fields::{DAYS, ROWS};
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    let typed = limit(DAYS, &days).and_then(|d| Ok((d, limit(ROWS, &rows)?)));
    FormOutcome::of(match typed {
        Ok((days, rows)) => backend.set_log_retention(&admin, address, &tenant, days, rows).await,
        Err(e) => Err(e),
    })
}

/// The onboarding checklist of the tenant's SCIM integration.
#[server]
pub async fn get_onboarding_checklist(tenant: String) -> Result<Checklist, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.onboarding_checklist(&admin, &tenant).await
}
