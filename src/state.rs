//! The state every handler shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::auth::oidc::OidcLogin;
use crate::clock::SharedClock;
use crate::config::ServeConfig;
use crate::db::Db;
use crate::oauth::remote_keys::RemoteKeys;

/// Shared state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The settings of this process.
    pub config: Arc<ServeConfig>,
    /// The clock.
    pub clock: SharedClock,
    /// Leptos' rendering options.
    pub leptos: LeptosOptions,
    /// Administrator sign-in through OIDC.
    pub oidc: Arc<OidcLogin>,
    /// The cached signing keys of external token issuers (Entra ID).
    pub remote_keys: Arc<RemoteKeys>,
    /// Per-credential rate limiting of the SCIM API (`None`: off).
    pub throttle: Option<Arc<crate::scim_http::throttle::Throttle>>,
}

impl AppState {
    /// The SCIM base URL of a tenant.
    pub fn scim_base_url(&self, tenant: &str) -> String {
        format!("{}/realms/{tenant}/scim/v2", self.config.public_url.base())
    }
}

impl AppState {
    /// The filter limits configured for this process.
    pub fn filter_limits(&self) -> scim::filter::FilterLimits {
        scim::filter::FilterLimits { max_length: self.config.max_filter_length, ..Default::default() }
    }
}

impl AppState {
    /// A SCIM list request on the resource type `mapping` describes, translated to SQL with this
    /// process's limits.
    pub fn list_plan(
        &self,
        query: &scim::list::ListQuery,
        mapping: &'static crate::provisioning::query_sql::Mapping,
    ) -> Result<crate::provisioning::query_sql::ListPlan, scim::ScimError> {
        crate::provisioning::query_sql::plan(
            query,
            mapping,
            self.db.dialect(),
            &self.filter_limits(),
            self.config.max_page_size,
        )
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
