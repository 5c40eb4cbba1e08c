//! Assembling and running the HTTP server: the SCIM API, the sign-in routes and the Leptos
//! dashboard (with its session layer and page guard) on one router.

use std::sync::Arc;

use app::backend::DynBackend;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::{header, HeaderValue};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceExt as _;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::admin_sign_in::oidc::OidcLogin;
use crate::clock::{SharedClock, SystemClock};
use crate::config::ServeConfig;
use crate::db::session_store::DbSessionStore;
use crate::db::Db;
use crate::state::{AppState, Shared};

mod listen;
mod site_assets;
mod tls;

/// How long an idle dashboard session lives.
const SESSION_IDLE: time::Duration = time::Duration::hours(8);

/// Builds an [`AppState`] from settings (tests swap the clock).
pub struct AppStateBuilder {
    config: ServeConfig,
    clock: SharedClock,
    leptos: Option<LeptosOptions>,
}

impl AppStateBuilder {
    /// A builder with the system clock.
    pub fn new(config: ServeConfig) -> Self {
        Self { config, clock: Arc::new(SystemClock), leptos: None }
    }

    /// Uses these site options instead of the environment's (where the dashboard's files are).
    pub fn leptos_options(mut self, options: LeptosOptions) -> Self {
        self.leptos = Some(options);
        self
    }

    /// Uses this clock instead.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Connects and migrates the database and prepares sign-in.
    pub async fn build(self) -> anyhow::Result<AppState> {
        // Counting starts before the first request, whether or not anyone scrapes.
        crate::telemetry::recorder();
        let config = &self.config;
        let db =
            Db::connect_with(&config.database.database_url, config.durability, config.database_connections).await?;
        // Names stored before uniqueness was decided after NFC get their new fold once.
        crate::db::user::refold_queued(&db).await?;
        let oidc = OidcLogin::new(self.config.oidc.clone(), self.config.public_url.base())?;
        let throttle = crate::scim_http::throttle::Throttle::new(self.config.rate_limit).map(Arc::new);
        let cache_ttl = std::time::Duration::from_millis(self.config.cache_ttl_ms);
        let seal = crate::sealed::SealKey::load(&self.config.seal, &self.config.database.database_url)?;
        let runner = match db.dialect() {
            crate::db::Dialect::Sqlite => crate::replicas::Runner::sole(),
            crate::db::Dialect::Postgres => crate::replicas::Runner::candidate(),
        };
        Ok(AppState::new(Shared {
            seal,
            throttle,
            auth_failures: self.config.auth_failures.limit().map(Arc::new),
            log_sink: crate::db::log_sink::LogSink::spawn(db.clone()),
            outbound_log: crate::db::log_sink::LogSink::spawn(db.clone()),
            tenants: crate::state::tenant_cache(cache_ttl),
            bearers: crate::state::bearer_cache(cache_ttl),
            mappings: crate::state::mapping_cache(cache_ttl),
            rederivations: Arc::default(),
            db,
            config: Arc::new(self.config),
            clock: self.clock,
            runner,
            leptos: match self.leptos {
                Some(options) => options,
                None => site_assets::leptos_options()?,
            },
            oidc: Arc::new(oidc),
            remote_keys: Arc::new(crate::scim_tokens::remote_keys::RemoteKeys::new()?),
            draining: Arc::default(),
        }))
    }
}

/// The whole HTTP surface. SCIM paths are brought to their canonical spelling before routing
/// (`scim_http::edge`); handlers still see the client's URI as `OriginalUri`.
pub fn router(state: AppState) -> Router {
    let routes = routes(state);
    Router::new().fallback_service(routes.map_request(crate::scim_http::edge::canonicalize))
}

/// The routes, without the path canonicalization in front of them.
fn routes(state: AppState) -> Router {
    let backend: DynBackend = Arc::new(crate::admin::Backend::new(state.clone()));
    let leptos = state.leptos.clone();
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            move || provide_context::<DynBackend>(backend.clone()),
            move || shell(leptos.clone()),
        )
        .route("/admin/audit/export", get(crate::admin::export::audit_export))
        .route("/admin/log/export", get(crate::admin::export::log_export))
        .route_layer(from_fn_with_state(state.clone(), crate::admin_sign_in::session::require_admin))
        .merge(crate::admin_sign_in::routes::router())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(session_layer(&state))
        .layer(from_fn_with_state(state.clone(), crate::admin_sign_in::origin::same_origin_only))
        .layer(site_assets::pages_not_stored())
        .layer(site_assets::compression());
    Router::new()
        .merge(site_assets::router(&state.leptos))
        .merge(crate::scim_http::router(state.clone()))
        .merge(crate::scim_tokens::router())
        .merge(crate::admin_api::router())
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/readyz", get(crate::telemetry::readiness::readyz))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // The OIDC callback URL carries a code: never send URLs to other sites. (`no-referrer`
        // would also make browsers send `Origin: null` on the site's own form posts.)
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(state.config.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(crate::trace::RedactedSpan))
        .layer(axum::middleware::from_fn(crate::telemetry::http::count))
        // Outermost: the id is in the request before its span is made.
        .layer(axum::middleware::from_fn(crate::telemetry::request_id::assign))
        .with_state(state)
}

fn session_layer(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let secure = state.config.public_url.base().starts_with("https://");
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("scimhub_session")
        .with_http_only(true)
        .with_secure(secure)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE))
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("select 1").execute(state.db.reader()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Runs `scimhub serve` until SIGINT or SIGTERM, then drains in-flight requests.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let listen = config.listen;
    // A release binary's own copy of the dashboard lives as long as the server.
    let site = site_assets::Site::locate()?;
    let state = AppStateBuilder::new(config).leptos_options(site.options.clone()).build().await?;
    let public = state.config.public_url.base().to_owned();
    if state.db.dialect() == crate::db::Dialect::Postgres {
        let url = &state.config.database.database_url;
        crate::replicas::spawn_change_listener(&state, url);
        crate::replicas::spawn_election(state.runner.clone(), url);
    }
    spawn_session_cleanup(&state);
    crate::provisioning::mapping::resume_unfinished(&state).await?;
    crate::provisioning::retention::spawn_pruning(&state);
    spawn_outbound(&state).await?;
    crate::alerts::spawn(&state, std::time::Duration::from_secs(state.config.alerts.alert_interval_secs))?;
    if let Some(throttle) = state.throttle.clone() {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                throttle.prune();
            }
        });
    }
    if let Some(address) = state.config.metrics_listen {
        spawn_metrics_listener(&state, address).await?;
    }
    let certificates = match (&state.config.tls_cert, &state.config.tls_key) {
        (Some(cert), Some(key)) => {
            let certificates = tls::Certificates::load(cert, key)?;
            certificates.reload_on_sighup();
            Some(certificates)
        }
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, public_url = %public, "scimhub is listening");
    println!("scimhub is running: open {public}/ to sign in.");
    if !state.oidc.is_configured() {
        println!("OIDC is not configured; sign in with a one-time link from `scimhub admin login-link`.");
    }
    let (db, logs) = (state.db.clone(), state.clone());
    // In-flight requests get the request timeout (plus a margin) to finish after the signal;
    // a client that never completes its request cannot keep the process alive beyond that.
    let drain = std::time::Duration::from_secs(state.config.request_timeout_secs + 5);
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let draining = state.draining.clone();
    let drain_delay = std::time::Duration::from_secs(state.config.drain_delay_secs);
    let limits = listen::Limits::from(&state.config.connections);
    let server = listen::serve(listener, router(state), limits, certificates, async move {
        shutdown_signal().await;
        draining.begin();
        // Readiness is off now; new requests are still served until the balancer has noticed.
        tokio::time::sleep(drain_delay).await;
        signalled.notify_one();
    });
    tokio::select! {
        () = server => {},
        () = async { stopping.notified().await; tokio::time::sleep(drain).await } => {
            tracing::warn!(seconds = drain.as_secs(), "in-flight requests did not finish in time; stopping anyway");
        }
    }
    logs.flush_logs().await;
    db.close().await;
    if let Err(e) = site.close() {
        tracing::warn!(error = %e, "cannot remove the unpacked dashboard files");
    }
    tracing::info!("scimhub stopped");
    Ok(())
}

/// Starts delivering to outbound applications. On SQLite this process is the only one that
/// delivers, so the claims a killed predecessor held are released at once instead of when their
/// leases expire.
async fn spawn_outbound(state: &AppState) -> anyhow::Result<()> {
    if state.db.dialect() == crate::db::Dialect::Sqlite {
        crate::db::outbound::release_all(&state.db).await?;
    }
    let timeout = std::time::Duration::from_secs(state.config.outbound.outbound_timeout_secs);
    let journal = crate::outbound::journal::Journal::new(state.outbound_log.clone(), state.clock.clone());
    let client = crate::outbound::client::Client::new(state.seal.clone(), timeout)?.with_journal(journal);
    let worker = crate::outbound::worker::Worker::new(
        state.db.clone(),
        client,
        state.clock.clone(),
        state.config.outbound.backoff(),
    );
    worker.spawn();
    Ok(())
}

/// Serves `/metrics` (Prometheus text format) on its own address, apart from the public
/// listener: metrics name tenants and applications, which the internet need not see.
async fn spawn_metrics_listener(state: &AppState, address: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(address = %listener.local_addr()?, "metrics are served at /metrics");
    let metrics = Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move {
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::telemetry::render(&state).await)
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, metrics).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(())
}

fn spawn_session_cleanup(state: &AppState) {
    let store = DbSessionStore::new(state.db.clone());
    let clock = state.clock.clone();
    let runner = state.runner.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if !runner.runs_jobs() {
                continue;
            }
            if let Err(e) = store.delete_expired(clock.now_ms()).await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
