//! The state every handler shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::admin_sign_in::oidc::OidcLogin;
use crate::cache::TtlCache;
use crate::clock::SharedClock;
use crate::config::ServeConfig;
use crate::db::credential::CredentialMatch;
use crate::db::log_sink::LogSink;
use crate::db::Db;
use crate::provisioning::mapping::{Rederivations, TenantMapping};
use crate::scim_tokens::remote_keys::RemoteKeys;
use crate::secret::SecretHash;
use crate::tenant::Tenant;

/// Shared state: one reference count to clone (the router clones it into every request, once
/// per layer that takes state).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state of a process with these parts.
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Shared {
    /// Waits until every provisioning-log row queued so far, received or sent, is written:
    /// what readers of the log call first.
    pub async fn flush_logs(&self) {
        self.log_sink.flush().await;
        self.outbound_log.flush().await;
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// The database.
    pub db: Db,
    /// The settings of this process.
    pub config: Arc<ServeConfig>,
    /// The clock.
    pub clock: SharedClock,
    /// Leptos' rendering options.
    pub leptos: LeptosOptions,
    /// Whether this process runs the periodic jobs (log pruning, session clean-up, alerts): on
    /// PostgreSQL one process of those sharing the database (`replicas`), on SQLite this one.
    pub runner: Arc<crate::replicas::Runner>,
    /// Administrator sign-in through OIDC.
    pub oidc: Arc<OidcLogin>,
    /// The cached signing keys of external token issuers (Entra ID).
    pub remote_keys: Arc<RemoteKeys>,
    /// Per-credential rate limiting of the SCIM API (`None`: off).
    pub throttle: Option<Arc<crate::scim_http::throttle::Throttle>>,
    /// The limit on failed authentications per source address, before authentication, of the
    /// SCIM API and the token endpoint (`None`: off).
    pub auth_failures: Option<Arc<crate::scim_http::throttle::FailureLimit>>,
    /// The provisioning-log rows of requests that changed nothing, written in batches.
    pub log_sink: LogSink,
    /// The provisioning-log rows of requests sent to outbound applications, written in batches
    /// by a writer of their own: a SCIM change flushes `log_sink` first (to keep the order of
    /// the requests it received), and need not wait for the deliveries' rows.
    pub outbound_log: LogSink,
    /// Tenants by name (`None`: no such tenant), for a moment.
    pub tenants: Arc<TtlCache<String, Option<Tenant>>>,
    /// Bearer credentials by the hash of the presented secret, for a moment.
    pub bearers: Arc<TtlCache<SecretHash, Option<CredentialMatch>>>,
    /// Tenants' attribute mappers by tenant id, for a moment.
    pub mappings: Arc<TtlCache<String, Arc<TenantMapping>>>,
    /// The tenants whose users are being re-derived after a mapper change.
    pub rederivations: Arc<Rederivations>,
    /// The key that seals outbound applications' credentials.
    pub seal: crate::sealed::SealKey,
    /// Set once the process is shutting down: readiness turns off.
    pub draining: Arc<crate::telemetry::readiness::Draining>,
}

/// The most tenants or credentials cached.
const CACHE_CAPACITY: usize = 10_000;

/// A fresh tenant cache whose entries live `ttl` (`--cache-ttl-ms`).
pub fn tenant_cache(ttl: std::time::Duration) -> Arc<TtlCache<String, Option<Tenant>>> {
    Arc::new(TtlCache::new(ttl, CACHE_CAPACITY))
}

/// A fresh mapper cache whose entries live `ttl` (`--cache-ttl-ms`).
pub fn mapping_cache(ttl: std::time::Duration) -> Arc<TtlCache<String, Arc<TenantMapping>>> {
    Arc::new(TtlCache::new(ttl, CACHE_CAPACITY))
}

/// A fresh credential cache whose entries live `ttl` (`--cache-ttl-ms`).
pub fn bearer_cache(ttl: std::time::Duration) -> Arc<TtlCache<SecretHash, Option<CredentialMatch>>> {
    Arc::new(TtlCache::new(ttl, CACHE_CAPACITY))
}

impl AppState {
    /// Forgets the cached tenants, credentials and mappers: called after every change an administrator
    /// makes in this process, so SCIM requests see it at once.
    pub fn forget_cached(&self) {
        self.tenants.clear();
        self.bearers.clear();
        self.mappings.clear();
    }

    /// The tenant with this exact name, from the cache or the database.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, sqlx::Error> {
        if let Some(found) = self.tenants.get(&name.to_owned()) {
            return Ok(found);
        }
        let found = crate::db::tenant::by_name(&self.db, name).await?;
        self.tenants.put(name.to_owned(), found.clone());
        Ok(found)
    }

    /// The SCIM base URL of a tenant.
    pub fn scim_base_url(&self, tenant: &str) -> String {
        format!("{}/realms/{tenant}/scim/v2", self.config.public_url.base())
    }
}

impl AppState {
    /// The filter limits configured for this process.
    pub fn filter_limits(&self) -> scim::filter::FilterLimits {
        scim::filter::FilterLimits {
            max_length: self.config.max_filter_length,
            max_depth: self.config.max_filter_depth,
        }
    }
}

impl AppState {
    /// A SCIM list request on the resource type `mapping` describes, its attribute names
    /// resolved against `schema` (a tenant's), translated to SQL with this process's limits.
    pub fn list_plan(
        &self,
        query: &scim::list::ListQuery,
        mapping: &'static crate::db::query_sql::Mapping,
        schema: &'static scim::schema::ResourceSchema,
    ) -> Result<crate::db::query_sql::ListPlan, scim::ScimError> {
        crate::db::query_sql::plan(
            query,
            mapping,
            schema,
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
