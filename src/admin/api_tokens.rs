//! The API tokens of the administration API, for the dashboard and the API itself: platform
//! administration, so the rights check is here, once (see `crate::admin_api::tokens` for what
//! a token is and may do).

use app::backend::ApiTokensBackend;
use app::dto::{AdminIdentity, ApiTokenRow, CreatedApiToken, NewApiToken};
use app::AppError;

use super::{Backend, OrInternal as _};
use crate::admin_api::tokens::{self, Actor, TokenError};

#[async_trait::async_trait]
impl ApiTokensBackend for Backend {
    async fn api_tokens(&self, admin: &AdminIdentity) -> Result<Vec<ApiTokenRow>, AppError> {
        Self::require_platform(admin)?;
        tokens::list(&self.state.db).await.or_internal()
    }

    async fn create_api_token(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        request: NewApiToken,
    ) -> Result<CreatedApiToken, AppError> {
        Self::require_platform_change(admin)?;
        let by = Actor::of(admin, address);
        match tokens::create(&self.state.db, self.state.clock.now_ms(), &request, &by).await {
            Ok(made) => Ok(made),
            Err(TokenError::Refused(refusal)) => Err(AppError::InvalidField(refusal.field.to_owned(), refusal.message)),
            Err(TokenError::Db(e)) => Err(super::internal(e)),
        }
    }

    async fn revoke_api_token(&self, admin: &AdminIdentity, address: Option<String>, id: &str) -> Result<(), AppError> {
        Self::require_platform_change(admin)?;
        let by = Actor::of(admin, address);
        match tokens::revoke(&self.state.db, self.state.clock.now_ms(), id, &by).await.or_internal()? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }
}
