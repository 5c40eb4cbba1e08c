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
    /// How long tenants and credentials are cached for SCIM requests, in milliseconds: changes
    /// made with the CLI or by another server apply within this time (the dashboard's at once).
    /// 0 turns the caches off.
    #[arg(long, env = "SCIMHUB_CACHE_TTL_MS", default_value_t = 2000)]
    pub cache_ttl_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub oidc: OidcConfig,
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
