//! Settings, from flags or the environment (the CLI contract in the README lists them).

use clap::Args;

/// Where the data lives; every command takes it.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://path/file.db` (the default, created on first start) or
    /// `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/scimhub.db")]
    pub database_url: String,
}

/// The externally visible base URL, used to render endpoint URLs and links.
#[derive(Debug, Clone, Args)]
pub struct PublicUrlArgs {
    /// Base URL that clients and browsers use to reach scimhub (no trailing slash).
    #[arg(long, env = "SCIMHUB_PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
    pub public_url: String,
}

impl PublicUrlArgs {
    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// Settings of `scimhub serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "SCIMHUB_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub public_url: PublicUrlArgs,
    /// Largest SCIM request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "SCIMHUB_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest page a SCIM list returns (announced in ServiceProviderConfig).
    #[arg(long, env = "SCIMHUB_MAX_PAGE_SIZE", default_value_t = 1000)]
    pub max_page_size: u64,
    /// Requests per second one SCIM credential may make (bursts up to twice that); over it,
    /// 429 with `Retry-After`. 0 turns the limit off.
    #[arg(long, env = "SCIMHUB_RATE_LIMIT", default_value_t = 0)]
    pub rate_limit: u32,
    /// Seconds a request may take before it is answered 408 and its work rolled back.
    #[arg(long, env = "SCIMHUB_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds the server keeps taking new requests after SIGTERM, with `/readyz` already
    /// answering 503, so that a load balancer stops sending before the listener closes (set it
    /// above the balancer's health-check interval times its unhealthy threshold); then it drains
    /// the requests in flight and exits.
    #[arg(long, env = "SCIMHUB_DRAIN_DELAY", default_value_t = 0)]
    pub drain_delay_secs: u64,
    /// Longest SCIM filter accepted, in characters.
    #[arg(long, env = "SCIMHUB_MAX_FILTER_LENGTH", default_value_t = 4096)]
    pub max_filter_length: usize,
    /// Deepest SCIM filter nesting accepted (each `( )`, `not ( )` and `[ ]` is one level).
    #[arg(long, env = "SCIMHUB_MAX_FILTER_DEPTH", default_value_t = 32)]
    pub max_filter_depth: usize,
    /// Most operations one Bulk request may carry (announced as `bulk.maxOperations`).
    #[arg(long, env = "SCIMHUB_MAX_BULK_OPERATIONS", default_value_t = 1000)]
    pub max_bulk_operations: usize,
    /// SQLite durability: `normal` (WAL, synchronous=NORMAL: an acknowledged write survives a
    /// process crash, the last ones may be lost on an OS crash or power loss) or `full`
    /// (synchronous=FULL: every acknowledged write is fsync'd; slower). PostgreSQL follows its own
    /// `synchronous_commit`.
    #[arg(long, env = "SCIMHUB_DURABILITY", value_enum, default_value_t = Durability::Normal)]
    pub durability: Durability,
    /// PostgreSQL: the most connections this process holds for requests and jobs — three
    /// quarters for the SCIM path, the rest for everything else — plus two of its own (each
    /// replica its own; together they must stay under the server's `max_connections`, 100 by
    /// default). SQLite ignores it.
    #[arg(long, env = "SCIMHUB_DATABASE_CONNECTIONS", default_value_t = crate::db::engine::POSTGRES_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub database_connections: u32,
    /// How long tenants and credentials are cached for SCIM requests, in milliseconds: changes
    /// made with the CLI or by another server apply within this time (the dashboard's at once).
    /// 0 turns the caches off.
    #[arg(long, env = "SCIMHUB_CACHE_TTL_MS", default_value_t = 2000)]
    pub cache_ttl_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connections: ConnectionLimits,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub oidc: OidcConfig,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub auth_failures: AuthFailureArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub outbound: OutboundArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub seal: crate::sealed::SealArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub alerts: AlertArgs,
    /// Serve Prometheus metrics at `/metrics` on this address (e.g. 127.0.0.1:9100), apart
    /// from the public listener. Off unless given.
    #[arg(long, env = "SCIMHUB_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM), re-read on SIGHUP; with --tls-key.
    #[arg(long, env = "SCIMHUB_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1), re-read on SIGHUP.
    #[arg(long, env = "SCIMHUB_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

/// How alerts are evaluated and e-mailed (docs/operations.md, "Alerts").
#[derive(Debug, Clone, Args)]
pub struct AlertArgs {
    /// The SMTP relay alert e-mail goes through: `smtp://host:25` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`. Without it, alerts go to webhooks only.
    #[arg(long, env = "SCIMHUB_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of alert e-mail.
    #[arg(long, env = "SCIMHUB_ALERT_FROM", default_value = "scimhub <scimhub@localhost>")]
    pub alert_from: String,
    /// Seconds between two evaluations of every tenant's alert rules (and sends of what they owe).
    #[arg(long, env = "SCIMHUB_ALERT_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub alert_interval_secs: u64,
}

impl Default for AlertArgs {
    fn default() -> Self {
        AlertArgs { smtp_url: None, alert_from: "scimhub <scimhub@localhost>".to_owned(), alert_interval_secs: 60 }
    }
}

/// How outbound deliveries are retried (docs/applications.md).
#[derive(Debug, Clone, Args)]
pub struct OutboundArgs {
    /// Milliseconds before the first retry of a failed delivery; each further retry waits twice
    /// as long (±20 %), up to `--outbound-retry-max-ms`. A `Retry-After` from the target wins.
    #[arg(long, env = "SCIMHUB_OUTBOUND_RETRY_BASE_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub outbound_retry_base_ms: u64,
    /// The longest wait between retries, in milliseconds.
    #[arg(long, env = "SCIMHUB_OUTBOUND_RETRY_MAX_MS", default_value_t = 300_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub outbound_retry_max_ms: u64,
    /// Seconds one request to an application may take.
    #[arg(long, env = "SCIMHUB_OUTBOUND_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub outbound_timeout_secs: u64,
}

impl OutboundArgs {
    /// The backoff these settings describe.
    pub fn backoff(&self) -> crate::outbound::worker::Backoff {
        crate::outbound::worker::Backoff {
            base: std::time::Duration::from_millis(self.outbound_retry_base_ms),
            max: std::time::Duration::from_millis(self.outbound_retry_max_ms.max(self.outbound_retry_base_ms)),
        }
    }
}

/// The limit on failed authentications per client address (SCIM API and token endpoint).
#[derive(Debug, Clone, Args)]
pub struct AuthFailureArgs {
    /// Refused authentications (missing, invalid or expired credentials, unknown tenants) one
    /// client address may have at once; after that it gets 429 with `Retry-After`, before any
    /// credential check, until `--auth-failure-interval-ms` allows one more. Valid credentials
    /// never count. The address is the TCP peer: behind a reverse proxy, the proxy's. 0 turns
    /// the limit off.
    #[arg(long, env = "SCIMHUB_AUTH_FAILURE_BURST", default_value_t = 20)]
    pub auth_failure_burst: u32,
    /// Milliseconds after which an address over the limit may fail once more.
    #[arg(long, env = "SCIMHUB_AUTH_FAILURE_INTERVAL_MS", default_value_t = 1000)]
    pub auth_failure_interval_ms: u64,
}

impl AuthFailureArgs {
    /// The limiter these settings describe (`None`: off).
    pub fn limit(&self) -> Option<crate::scim_http::throttle::FailureLimit> {
        let interval = std::time::Duration::from_millis(self.auth_failure_interval_ms);
        crate::scim_http::throttle::FailureLimit::new(self.auth_failure_burst, interval)
    }
}

pub use crate::db::Durability;

/// The OpenID Connect provider administrators sign in with, and who counts as an administrator.
#[derive(Debug, Clone, Default, Args)]
pub struct OidcConfig {
    /// Issuer URL of the OpenID provider (discovery at `<issuer>/.well-known/openid-configuration`).
    #[arg(long, env = "SCIMHUB_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// OAuth client id registered at the provider.
    #[arg(long, env = "SCIMHUB_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// OAuth client secret registered at the provider.
    #[arg(long, env = "SCIMHUB_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Emails (comma-separated) of platform administrators.
    #[arg(long, env = "SCIMHUB_ADMIN_EMAILS", value_delimiter = ',')]
    pub admin_emails: Vec<String>,
    /// ID-token claim (string or array of strings) that marks administrators, e.g. `groups`.
    #[arg(long, env = "SCIMHUB_ADMIN_CLAIM")]
    pub admin_claim: Option<String>,
    /// The value of `--admin-claim` that makes a platform administrator.
    #[arg(long, env = "SCIMHUB_ADMIN_CLAIM_VALUE")]
    pub admin_claim_value: Option<String>,
}

impl OidcConfig {
    /// Whether enough is set to offer OIDC sign-in.
    pub fn is_configured(&self) -> bool {
        self.oidc_issuer.is_some() && self.oidc_client_id.is_some()
    }
}

/// How long and how many HTTP connections the server keeps (`server::listen`).
#[derive(Debug, Clone, Args)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a whole request head, counted from the connection's start
    /// or from the first byte of a later request on it; then the connection is closed.
    #[arg(long, env = "SCIMHUB_HEADER_READ_TIMEOUT", default_value_t = ConnectionLimits::HEADER_READ_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Seconds a keep-alive connection may sit idle between requests before it is closed.
    #[arg(long, env = "SCIMHUB_KEEP_ALIVE_TIMEOUT", default_value_t = ConnectionLimits::KEEP_ALIVE_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_alive_timeout_secs: u64,
    /// Most connections served at once; more wait in the listen backlog until one closes.
    #[arg(long, env = "SCIMHUB_MAX_CONNECTIONS", default_value_t = ConnectionLimits::MAX_CONNECTIONS)]
    pub max_connections: usize,
}

impl ConnectionLimits {
    const HEADER_READ_SECS: u64 = 10;
    const KEEP_ALIVE_SECS: u64 = 60;
    const MAX_CONNECTIONS: usize = 1024;
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: Self::HEADER_READ_SECS,
            keep_alive_timeout_secs: Self::KEEP_ALIVE_SECS,
            max_connections: Self::MAX_CONNECTIONS,
        }
    }
}
