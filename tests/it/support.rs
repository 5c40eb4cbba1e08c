//! Test harness: a fresh database per test, the app router, and request helpers.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use scimhub::config::{DatabaseArgs, OidcConfig, PublicUrlArgs, ServeConfig};
use scimhub::db::tenant;
use scimhub::secret::Secret;
use scimhub::state::AppState;
use scimhub::tenant::Profile;
use serde_json::Value;
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://scimhub.test";

/// A database URL for one test: a temp SQLite file, or a new PostgreSQL database.
pub async fn fresh_database_url() -> String {
    match std::env::var("SCIMHUB_TEST_BACKEND").as_deref() {
        Ok("postgres") => fresh_postgres_url().await,
        Ok("sqlite") | Err(_) => {
            let dir = std::env::temp_dir().join(format!("scimhub-it-{}", uuid::Uuid::new_v4().simple()));
            format!("sqlite://{}/test.db", dir.display())
        }
        Ok(other) => panic!("unknown SCIMHUB_TEST_BACKEND {other}"),
    }
}

/// A new PostgreSQL database (on `SCIMHUB_TEST_POSTGRES_URL`'s server), whatever the backend of
/// the run: for what only PostgreSQL does (several processes on one database).
pub async fn fresh_postgres_url() -> String {
    let admin_url = std::env::var("SCIMHUB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("scimhub_it_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL test run, but {admin_url} is unreachable: {e}"));
    sqlx::query(&format!("create database {name}")).execute(&pool).await.unwrap();
    pool.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
    format!("{base}/{name}")
}

pub fn config(database_url: String) -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseArgs { database_url },
        public_url: PublicUrlArgs { public_url: PUBLIC_URL.into() },
        max_body_bytes: 64 * 1024,
        max_page_size: 100,
        max_filter_length: 512,
        max_filter_depth: 32,
        max_bulk_operations: 1000,
        durability: scimhub::config::Durability::Normal,
        database_connections: scimhub::db::engine::POSTGRES_CONNECTIONS,
        // Most tests change credentials and settings straight in the database, as the CLI
        // does: without caches they apply at once. `caches` tests them with a lifetime.
        cache_ttl_ms: 0,
        rate_limit: 0,
        request_timeout_secs: 30,
        drain_delay_secs: 0,
        connections: scimhub::config::ConnectionLimits::default(),
        auth_failures: scimhub::config::AuthFailureArgs { auth_failure_burst: 20, auth_failure_interval_ms: 1000 },
        outbound: scimhub::config::OutboundArgs {
            outbound_retry_base_ms: 1000,
            outbound_retry_max_ms: 300_000,
            outbound_timeout_secs: 30,
        },
        seal: scimhub::sealed::SealArgs { secret_key_file: Some(std::env::temp_dir().join("scimhub-it.key")) },
        alerts: scimhub::config::AlertArgs::default(),
        metrics_listen: None,
        tls_cert: None,
        tls_key: None,
        oidc: OidcConfig {
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            admin_emails: vec![],
            admin_claim: None,
            admin_claim_value: None,
        },
    }
}

/// A running app on a fresh database.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
}

/// A tenant with its bearer secret.
pub struct TestTenant {
    pub name: String,
    pub id: String,
    pub token: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// A clock the test moves by hand.
#[derive(Debug, Default)]
pub struct TestClock(std::sync::atomic::AtomicI64);

impl TestClock {
    /// Starts at the given time (ms since the epoch).
    pub fn at(ms: i64) -> std::sync::Arc<TestClock> {
        std::sync::Arc::new(TestClock(std::sync::atomic::AtomicI64::new(ms)))
    }

    /// Moves time forward.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl scimhub::clock::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        scimhub::clock::from_ms(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::build(scimhub::AppStateBuilder::new(config(fresh_database_url().await))).await
    }

    /// An app whose clock the test controls.
    pub async fn with_clock(clock: std::sync::Arc<TestClock>) -> TestApp {
        Self::build(scimhub::AppStateBuilder::new(config(fresh_database_url().await)).clock(clock)).await
    }

    /// An app with adjusted settings.
    pub async fn with_config(adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let mut config = config(fresh_database_url().await);
        adjust(&mut config);
        Self::build(scimhub::AppStateBuilder::new(config)).await
    }

    /// An app whose clock the test controls, with adjusted settings.
    pub async fn with_clock_and_config(
        clock: std::sync::Arc<TestClock>,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> TestApp {
        let mut config = config(fresh_database_url().await);
        adjust(&mut config);
        Self::build(scimhub::AppStateBuilder::new(config).clock(clock)).await
    }

    /// An app that serves the dashboard's files from these site options.
    pub async fn with_site(options: leptos::prelude::LeptosOptions) -> TestApp {
        Self::build(scimhub::AppStateBuilder::new(config(fresh_database_url().await)).leptos_options(options)).await
    }

    async fn build(builder: scimhub::AppStateBuilder) -> TestApp {
        let state = builder.build().await.unwrap();
        let router = scimhub::router(state.clone());
        TestApp { state, router }
    }

    pub async fn tenant(&self, name: &str, profile: Profile) -> TestTenant {
        let t = tenant::insert(&self.state.db, name, profile, self.state.clock.now_ms()).await.unwrap();
        let secret = Secret::generate("scimhub_");
        scimhub::db::credential::rotate_bearer(&self.state.db, &t.id, &secret.hash(), 0).await.unwrap();
        TestTenant { name: t.name, id: t.id, token: secret.expose().to_owned() }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, headers, body }
    }

    /// Signs in through a break-glass link and returns the session cookie
    /// (`scimhub_session=<id>`).
    pub async fn break_glass_session(&self) -> String {
        let url =
            scimhub::admin_sign_in::login_link::create(&self.state.db, self.state.clock.as_ref(), "").await.unwrap();
        let reply = self.send(Request::get(&url).body(Body::empty()).unwrap()).await;
        reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("scimhub_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .unwrap()
    }

    /// A SCIM request below the tenant's base with its token.
    pub async fn scim(&self, t: &TestTenant, method: Method, path: &str, body: Option<&str>) -> Reply {
        self.scim_as(&t.name, Some(&t.token), method, path, body).await
    }

    pub async fn scim_as(
        &self,
        tenant: &str,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/realms/{tenant}/scim/v2{path}"))
            .header(header::CONTENT_TYPE, "application/scim+json");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(body.map(|b| Body::from(b.to_owned())).unwrap_or_default()).unwrap()).await
    }

    /// How many users the tenant has, straight from the database.
    pub async fn user_count(&self, t: &TestTenant) -> u64 {
        scimhub::db::user::totals(&self.state.db, &t.id).await.unwrap().0
    }

    /// The tenant's provisioning log, newest first.
    pub async fn log(&self, t: &TestTenant) -> Vec<scimhub::db::log::NewLogEntry> {
        self.state.log_sink.flush().await;
        scimhub::db::log::page(&self.state.db, &t.id, None, 1000).await.unwrap().into_iter().map(|e| e.entry).collect()
    }
}

/// Entra ID's create request for a user (as its provisioning logs show it).
pub fn entra_user(user_name: &str, external_id: &str) -> String {
    serde_json::json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Pilot User",
        "emails": [{ "primary": true, "type": "work", "value": user_name }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "Pilot User", "familyName": "User", "givenName": "Pilot" },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "IT" }
    })
    .to_string()
}

/// Installs `package==version` from PyPI in `target/<venv_name>` unless a complete install of
/// that version is there, and returns the path of the venv's `program`. One process installs at
/// a time (an exclusive lock on `target/<venv_name>.lock`); an install is complete once its
/// marker file is written, so one that was interrupted is removed and done again. A failed
/// install fails the test: it is never skipped.
pub fn pip_program(venv_name: &str, package: &str, version: &str, program: &str) -> std::path::PathBuf {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join(venv_name);
    let marker = venv.join(format!(".installed-{package}-{version}"));
    let program = venv.join("bin").join(program);
    if marker.exists() {
        return program;
    }
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(venv.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !marker.exists() {
        if venv.exists() {
            std::fs::remove_dir_all(&venv).unwrap();
        }
        let venv_arg = venv.display().to_string();
        install_step(package, std::process::Command::new("python3").args(["-m", "venv", &venv_arg]));
        let requirement = format!("{package}=={version}");
        install_step(
            package,
            std::process::Command::new(venv.join("bin").join("pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &requirement,
            ]),
        );
        assert!(program.exists(), "pip installed {requirement}, but {} is missing", program.display());
        std::fs::File::create(&marker).unwrap();
    }
    drop(lock);
    program
}

/// Runs one step of an install; fails the test with the step's output if it fails.
fn install_step(package: &str, command: &mut std::process::Command) {
    let shown = format!("{command:?}");
    let out = command
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot install {package}: {shown}: {e}"));
    assert!(
        out.status.success(),
        "cannot install {package} (is PyPI reachable?): {shown} ended with {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
