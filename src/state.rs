//! The state every handler shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::auth::oidc::OidcLogin;
use crate::clock::SharedClock;
use crate::config::ServeConfig;
use crate::db::Db;

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

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
