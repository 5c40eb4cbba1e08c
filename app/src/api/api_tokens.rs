//! Server functions of the API tokens page (platform administrators; the backend checks).

use leptos::prelude::*;

use crate::dto::{ApiTokenRow, CreatedApiToken, FormOutcome};
use crate::error::AppError;

/// Every API token, newest first.
#[server]
pub async fn get_api_tokens() -> Result<Vec<ApiTokenRow>, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.api_tokens(&admin).await
}

/// Makes an API token as the form says: `tenants` comma-separated, `expires_days` blank for
/// never. The answer is the only time the token is shown.
#[server]
pub async fn create_api_token(
    name: String,
    platform: bool,
    tenants: String,
    read_only: bool,
    expires_days: String,
) -> Result<FormOutcome<CreatedApiToken>, AppError> {
    use crate::dto::{api_token_fields, NewApiToken};
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    let expires_days = match super::limit::<u32>(api_token_fields::EXPIRES_DAYS, &expires_days) {
        Ok(days) => days,
        Err(e) => return FormOutcome::of(Err(e)),
    };
    let tenants = if platform {
        Vec::new()
    } else {
        tenants.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
    };
    let request = NewApiToken { name, platform, tenants, read_only, expires_days };
    FormOutcome::of(backend.create_api_token(&admin, address, request).await)
}

/// Revokes an API token at once.
#[server]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.revoke_api_token(&admin, address, &id).await
}
