//! The command line (a stable contract: automation and the tests depend on it).

mod alerts;
mod api_token;
mod app;
mod dashboard;
mod local;
mod manage;
mod retry;
mod seed;

use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use crate::admin::settings::{settings_changes, settings_dto};
use crate::clock::{rfc3339_ms, Clock, SystemClock};
use crate::config::{DatabaseArgs, PublicUrlArgs, ServeConfig};
use crate::db::credential::Kind;
use crate::db::tenant;
use crate::db::{self, Db, UniqueViolationExt};
use crate::secret::Secret;
use crate::tenant::{Profile, Tenant};
use serde_json::json;

/// scimhub: a self-hosted, multi-tenant SCIM 2.0 provisioning hub.
#[derive(Debug, Parser)]
#[command(name = "scimhub", version, about)]
pub struct Cli {
    /// How log lines are written to stderr: `text` for people, `json` (one object a line, with
    /// the request id of each request's lines) for log collectors.
    #[arg(long, global = true, env = "SCIMHUB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (SCIM API, token endpoint and dashboard).
    Serve(Box<ServeConfig>),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage SCIM credentials.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Manage the OAuth client secret of a tenant's token endpoint (remote token authentication).
    #[command(subcommand)]
    ClientSecret(ClientSecretCommand),
    /// Manage the keys that sign a tenant's access tokens.
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
    /// Administrator access.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Connect and operate the applications a tenant provisions onward (SCIM services, webhooks).
    #[command(subcommand)]
    App(app::AppCommand),
    /// A tenant's alerts: rules, channels (webhook, e-mail) and the alerts open now.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Tokens of the administration API (/admin/api/v1).
    #[command(subcommand)]
    ApiToken(api_token::ApiTokenCommand),
    /// A tenant's attribute mappers: list, add, remove, Entra ID's defaults, export, import.
    #[command(subcommand)]
    Mapper(dashboard::MapperCommand),
    /// A tenant's users: list, show, deactivate or delete by hand.
    #[command(subcommand)]
    User(dashboard::UserCommand),
    /// A tenant's groups.
    #[command(subcommand)]
    Group(dashboard::GroupCommand),
    /// A tenant's provisioning log.
    #[command(subcommand)]
    Log(dashboard::LogCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(dashboard::AuditCommand),
    /// Create a tenant filled with synthetic users and provisioning-log rows (benchmarks).
    Seed(seed::SeedArgs),
    /// Copy the database into a new file while the server runs (SQLite: VACUUM INTO, checked
    /// with integrity_check; PostgreSQL: pg_dump's custom format).
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Move a SQLite database up to a new, empty PostgreSQL database: every row of every
    /// table, in one transaction, counted on both sides (docs/scale.md). Stop the server first,
    /// or move a backup.
    Migrate {
        /// The SQLite database (`sqlite://path/file.db`).
        #[arg(long)]
        from: String,
        /// The PostgreSQL database (`postgres://user@host/db`), new and empty.
        #[arg(long)]
        to: String,
    },
    /// Restore a backup into an empty database, then bring it to this version's schema.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Delete every user and group of a tenant, for a fresh full sync (settings, credentials
    /// and logs stay).
    Reset {
        /// The tenant's name.
        tenant: String,
        /// The tenant's exact name again, to confirm.
        #[arg(long)]
        confirm: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Create a tenant (name: 1–64 of A-Z a-z 0-9 _ -, case-sensitive).
    Create {
        /// The tenant's name, as it appears in its URLs.
        name: String,
        /// `generic` (RFC 7644; recommended) or `azure` (Microsoft Entra ID).
        #[arg(long, default_value = "generic")]
        profile: String,
        /// A human-friendly name shown beside the exact name (default: the name).
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        public_url: PublicUrlArgs,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Disable a tenant: its SCIM and token endpoints answer 403; its data is kept.
    Disable {
        /// The tenant's name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Enable a disabled tenant again.
    Enable {
        /// The tenant's name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Delete a tenant and all its data (users, groups, credentials, keys, log, rights).
    Delete {
        /// The tenant's name.
        tenant: String,
        /// The tenant's exact name again, to confirm.
        #[arg(long)]
        confirm: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Change a tenant's display name.
    Rename {
        /// The tenant's exact name.
        tenant: String,
        /// The new display name.
        display_name: String,
        #[command(flatten)]
        local: local::LocalArgs,
    },
    /// Change a tenant's SCIM settings: profile, endpoint on/off, and how callers authenticate.
    Configure {
        /// The tenant's name.
        tenant: String,
        #[command(flatten)]
        changes: TenantChanges,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        public_url: PublicUrlArgs,
    },
}

/// The settings `tenant configure` changes; what is not given stays as it is.
#[derive(Debug, Clone, clap::Args)]
struct TenantChanges {
    /// `generic` (RFC 7644; recommended in most cases) or `azure` (only for Microsoft Entra ID).
    #[arg(long)]
    profile: Option<String>,
    /// The customer's Entra tenant ID (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47,
    /// any case), needed to accept Entra-issued tokens with the Azure profile.
    #[arg(long, value_name = "GUID")]
    azure_tenant_id: Option<String>,
    /// Turn the SCIM endpoint on.
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    /// Turn the SCIM endpoint off: SCIM requests get 403 and the token endpoint issues nothing.
    #[arg(long)]
    disable: bool,
    /// Accept access tokens from the tenant's token endpoint (OAuth 2.0 client credentials).
    #[arg(long, value_name = "on|off")]
    remote_token_auth: Option<OnOff>,
    /// Where the Entra tenant's signing keys are published (default: Microsoft's URL for the
    /// Azure tenant ID); an empty value restores the default.
    #[arg(long, value_name = "URL")]
    azure_jwks_url: Option<String>,
    /// Lifetime of the access tokens of the tenant's token endpoint, in seconds (60–86400).
    #[arg(long, value_name = "SECS")]
    token_ttl: Option<i64>,
    /// Accepted audiences of Entra-issued tokens, comma-separated (default: Entra's
    /// provisioning audience 8adf8e6e-67b2-4cf2-a259-e3dc5476c621); empty restores the default.
    #[arg(long, value_name = "AUD,…", value_delimiter = ',')]
    azure_audiences: Option<Vec<String>>,
    /// Accepted subjects of Entra-issued tokens, comma-separated (default: any subject of the
    /// Entra tenant); empty restores the default.
    #[arg(long, value_name = "SUB,…", value_delimiter = ',')]
    azure_subjects: Option<Vec<String>>,
    /// User linking on creation: a POST /Users whose userName (or email, or externalId) matches
    /// an existing user without an identity-provider link adopts it instead of answering 409.
    #[arg(long, value_name = "off|userName|email|externalId")]
    link_users_by: Option<String>,
    /// SCIM attributes every user must carry, comma-separated (e.g. displayName,emails); a user
    /// without one is refused with 400. Empty requires nothing beyond userName.
    #[arg(long, value_name = "PATH,…", value_delimiter = ',')]
    required_attributes: Option<Vec<String>>,
}

/// A switch on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// The longest grace period a rotation accepts (30 days).
const MAX_GRACE_SECS: u64 = 30 * 86_400;

/// What every secret rotation takes.
#[derive(Debug, clap::Args)]
struct RotateArgs {
    /// The tenant's name.
    tenant: String,
    /// Keep the previous secret working for this many seconds (default: revoke it at once).
    #[arg(long, value_name = "SECS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=MAX_GRACE_SECS))]
    grace: u64,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Create or replace a tenant's SCIM bearer secret; prints it once, as the last line.
    Rotate(RotateArgs),
    /// Revoke a tenant's SCIM bearer secret at once (also one still in a grace period).
    Revoke {
        /// The tenant's name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// End a superseded secret's grace period now (its id from the dashboard or the API).
    EndGrace {
        /// The tenant's exact name.
        tenant: String,
        /// The superseded credential's id.
        credential_id: String,
        #[command(flatten)]
        local: local::LocalArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ClientSecretCommand {
    /// Create a new client secret for the tenant's OAuth client; prints the client id, then the
    /// secret (shown once) as the last line.
    Rotate {
        #[command(flatten)]
        rotate: RotateArgs,
        #[command(flatten)]
        public_url: PublicUrlArgs,
    },
    /// Revoke the tenant's client secrets at once (those of one client id with --client-id).
    Revoke {
        /// The tenant's name.
        tenant: String,
        /// Only this client's secrets.
        #[arg(long)]
        client_id: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum SigningKeyCommand {
    /// Sign the tenant's new access tokens with a new key; the previous key stays published
    /// until the tokens it signed have expired.
    Rotate {
        /// The tenant's name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Print a one-time, short-lived URL that signs in a break-glass administrator.
    LoginLink {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        public_url: PublicUrlArgs,
    },
    /// Give an identity the right to administer a tenant, or every tenant (--platform).
    Grant(manage::GrantArgs),
    /// Take an identity's right on a tenant (or the platform) away.
    Revoke(manage::GrantArgs),
    /// List every right given with `grant` (the configured platform administrators aside).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(config) => crate::server::serve(*config).await,
            Command::Tenant(TenantCommand::Create { name, profile, display_name, database, public_url }) => {
                create_tenant(&database, &public_url, &name, display_name.as_deref(), &profile).await
            }
            Command::Tenant(TenantCommand::Disable { tenant, database }) => {
                manage::set_disabled(&database, &tenant, true).await
            }
            Command::Tenant(TenantCommand::Enable { tenant, database }) => {
                manage::set_disabled(&database, &tenant, false).await
            }
            Command::Tenant(TenantCommand::Delete { tenant, confirm, database }) => {
                manage::delete_tenant(&database, &tenant, &confirm).await
            }
            Command::Tenant(TenantCommand::List { database }) => list_tenants(&database).await,
            Command::Tenant(TenantCommand::Reset { tenant, confirm, database }) => {
                reset_directory(&database, &tenant, &confirm).await
            }
            Command::Tenant(TenantCommand::Configure { tenant, changes, database, public_url }) => {
                configure_tenant(&database, &public_url, &tenant, &changes).await
            }
            Command::Secret(SecretCommand::Rotate(rotate)) => rotate_secret(&rotate).await,
            Command::Secret(SecretCommand::Revoke { tenant, database }) => revoke_secret(&database, &tenant).await,
            Command::Secret(SecretCommand::EndGrace { tenant, credential_id, local }) => {
                dashboard::end_grace(&tenant, &credential_id, &local).await
            }
            Command::ClientSecret(ClientSecretCommand::Rotate { rotate, public_url }) => {
                rotate_client_secret(&rotate, &public_url).await
            }
            Command::ClientSecret(ClientSecretCommand::Revoke { tenant, client_id, database }) => {
                revoke_client_secret(&database, &tenant, client_id.as_deref()).await
            }
            Command::SigningKey(SigningKeyCommand::Rotate { tenant, database }) => {
                rotate_signing_key(&database, &tenant).await
            }
            Command::Admin(AdminCommand::LoginLink { database, public_url }) => {
                let db = open(&database).await?;
                let url = crate::admin_sign_in::login_link::create(&db, &SystemClock, public_url.base()).await?;
                println!("One-time sign-in link (valid 15 minutes, single use):");
                println!("{url}");
                Ok(())
            }
            Command::Admin(AdminCommand::Grant(args)) => manage::grant(&args).await,
            Command::Admin(AdminCommand::Revoke(args)) => manage::revoke(&args).await,
            Command::Admin(AdminCommand::List { database }) => manage::list_grants(&database).await,
            Command::App(command) => app::run(command).await,
            Command::Alerts(command) => alerts::run(command).await,
            Command::ApiToken(command) => api_token::run(command).await,
            Command::Mapper(command) => dashboard::mapper(command).await,
            Command::User(command) => dashboard::user(command).await,
            Command::Group(command) => dashboard::group(command).await,
            Command::Log(command) => dashboard::log(command).await,
            Command::Audit(command) => dashboard::audit(command).await,
            Command::Tenant(TenantCommand::Rename { tenant, display_name, local }) => {
                dashboard::rename_tenant(&tenant, &display_name, &local).await
            }
            Command::Seed(args) => seed::seed(&args).await,
            Command::Backup { to, database } => {
                let backup = crate::db::backup::backup(&database.database_url, &to).await?;
                println!("Backed up to {} ({} bytes).", backup.path.display(), backup.bytes);
                println!("The key that seals applications' credentials is not in it: back it up apart.");
                Ok(())
            }
            Command::Migrate { from, to } => {
                let moved = crate::db::transfer::sqlite_to_postgres(&from, &to).await?;
                for (table, rows) in &moved.tables {
                    println!("{table}: {rows} rows");
                }
                println!("Moved {} tables into {}.", moved.tables.len(), redact_url(&to));
                Ok(())
            }
            Command::Restore { from, database } => {
                crate::db::backup::restore(&database.database_url, &from).await?;
                println!("Restored {} into {}.", from.display(), redact_url(&database.database_url));
                Ok(())
            }
        }
    }
}

pub(crate) async fn open(database: &DatabaseArgs) -> anyhow::Result<Db> {
    Db::connect(&database.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&database.database_url)))
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

async fn create_tenant(
    database: &DatabaseArgs,
    public_url: &PublicUrlArgs,
    name: &str,
    display_name: Option<&str>,
    profile: &str,
) -> anyhow::Result<()> {
    crate::tenant::validate_name(name).with_context(|| format!("invalid tenant name \"{name}\""))?;
    let display_name = display_name.map(str::trim).unwrap_or(name);
    crate::tenant::validate_display_name(display_name)
        .with_context(|| format!("invalid display name \"{display_name}\""))?;
    let Some(profile) = Profile::parse(profile) else {
        bail!("unknown profile \"{profile}\": use generic or azure");
    };
    let db = open(database).await?;
    let now = Arc::new(SystemClock).now_ms();
    let inserted = retry::when_busy(|| tenant::insert_named(&db, name, display_name, profile, now)).await;
    let Some(t) = inserted.unique_as_none()? else {
        bail!("a tenant named \"{name}\" already exists");
    };
    let detail = json!({ "name": t.name, "displayName": t.display_name, "profile": t.profile.as_str() });
    manage::audit(&db, Some(&t), "tenant.create", detail).await?;
    println!("Created tenant {} (profile {}).", t.name, t.profile.as_str());
    println!("SCIM endpoint: {}/realms/{}/scim/v2", public_url.base(), t.name);
    println!("Next: scimhub secret rotate {}", t.name);
    Ok(())
}

async fn reset_directory(database: &DatabaseArgs, name: &str, confirm: &str) -> anyhow::Result<()> {
    if confirm != name {
        bail!("--confirm must repeat the tenant's exact name \"{name}\" (case-sensitive); nothing was deleted");
    }
    let db = open(database).await?;
    let Some(t) = tenant::by_name(&db, name).await? else {
        bail!("no tenant named \"{name}\" (names are case-sensitive; see `scimhub tenant list`)");
    };
    let removed = retry::when_busy(|| db::directory::reset(&db, &t.id)).await?;
    manage::audit(&db, Some(&t), "directory.reset", json!({ "users": removed.users, "groups": removed.groups }))
        .await?;
    tracing::warn!(tenant = %t.name, users = removed.users, groups = removed.groups, "directory reset from the command line");
    println!("Deleted {} users and {} groups of tenant {}.", removed.users, removed.groups, t.name);
    Ok(())
}

async fn list_tenants(database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    let tenants = tenant::list(&db).await?;
    println!("{:<64}  {:<8}  {:<8}  {:<8}  DISPLAY NAME", "NAME", "PROFILE", "SCIM", "TENANT");
    for t in tenants {
        let scim = if t.scim_enabled { "enabled" } else { "disabled" };
        let state = if t.disabled_at.is_some() { "disabled" } else { "active" };
        println!("{:<64}  {:<8}  {:<8}  {:<8}  {}", t.name, t.profile.as_str(), scim, state, t.display_name);
    }
    Ok(())
}

/// The tenant with this name, or an error that says how names work.
pub(crate) async fn find_tenant(db: &Db, name: &str) -> anyhow::Result<Tenant> {
    match tenant::by_name(db, name).await? {
        Some(t) => Ok(t),
        None => bail!("no tenant named \"{name}\" (names are case-sensitive; see `scimhub tenant list`)"),
    }
}

/// Applies the requested changes to the current settings, validating each value.
fn apply_changes(
    current: &crate::tenant::Settings,
    changes: &TenantChanges,
) -> anyhow::Result<crate::tenant::Settings> {
    let mut next = current.clone();
    if let Some(profile) = &changes.profile {
        let Some(profile) = Profile::parse(profile) else {
            bail!("unknown profile \"{profile}\": use generic (recommended in most cases) or azure (only for Microsoft Entra ID)");
        };
        next.profile = profile;
    }
    if let Some(id) = &changes.azure_tenant_id {
        next.auth.azure_tenant_id = Some(crate::tenant::parse_azure_tenant_id(id)?);
    }
    if changes.enable {
        next.scim_enabled = true;
    }
    if changes.disable {
        next.scim_enabled = false;
    }
    if let Some(switch) = changes.remote_token_auth {
        next.auth.remote_token_auth = switch == OnOff::On;
    }
    if let Some(url) = &changes.azure_jwks_url {
        next.auth.azure_jwks_url = if url.trim().is_empty() { None } else { Some(crate::tenant::parse_jwks_url(url)?) };
    }
    if let Some(ttl) = changes.token_ttl {
        next.auth.token_ttl_secs = crate::tenant::check_token_ttl(ttl)?;
    }
    if let Some(list) = &changes.azure_audiences {
        next.auth.azure_audiences = crate::tenant::parse_list(list)?;
    }
    if let Some(list) = &changes.azure_subjects {
        next.auth.azure_subjects = crate::tenant::parse_list(list)?;
    }
    if let Some(link) = &changes.link_users_by {
        next.provisioning.link_users_by = crate::tenant::LinkMatch::parse(link)?;
    }
    if let Some(list) = &changes.required_attributes {
        next.provisioning.required_attributes = crate::tenant::parse_required_attributes(list)?;
    }
    Ok(next)
}

async fn configure_tenant(
    database: &DatabaseArgs,
    public_url: &PublicUrlArgs,
    name: &str,
    changes: &TenantChanges,
) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    let settings = apply_changes(&t.settings(), changes)?;
    let now = SystemClock.now_ms();
    if !retry::when_busy(|| tenant::update_settings(&db, &t.id, &settings, now)).await? {
        bail!("the tenant \"{name}\" was deleted meanwhile");
    }
    let (before, after) = (settings_dto(&t.settings()), settings_dto(&settings));
    let changes = settings_changes(&before, &after);
    if !changes.is_empty() {
        manage::audit(&db, Some(&t), "scim_settings.update", json!({ "changes": changes })).await?;
    }
    let auth = &settings.auth;
    let realm = format!("{}/realms/{}", public_url.base(), t.name);
    println!(
        "Tenant {}: profile {}, SCIM endpoint {}.",
        t.name,
        settings.profile.as_str(),
        on_off(settings.scim_enabled)
    );
    println!("SCIM endpoint: {realm}/scim/v2");
    println!("Remote token authentication: {}", on_off(auth.remote_token_auth));
    if auth.remote_token_auth {
        println!("Token endpoint: {realm}/protocol/openid-connect/token (tokens live {} s)", auth.token_ttl_secs);
    }
    if let Some(id) = &auth.azure_tenant_id {
        println!("Azure tenant ID: {id}");
        if settings.profile == Profile::Azure {
            println!("Entra-issued tokens: issuers {}", auth.azure_issuers().join(", "));
            println!("  audiences {}", auth.effective_azure_audiences().join(", "));
            if !auth.azure_subjects.is_empty() {
                println!("  subjects {}", auth.azure_subjects.join(", "));
            }
            println!("  keys from {}", auth.effective_azure_jwks_url().unwrap_or_default());
        }
    }
    let provisioning = &settings.provisioning;
    println!(
        "User linking on creation: {}",
        provisioning.link_users_by.map_or("off", crate::tenant::LinkMatch::as_str)
    );
    if !provisioning.required_attributes.is_empty() {
        println!("Required attributes: {}", provisioning.required_attributes.join(", "));
    }
    Ok(())
}

fn on_off(on: bool) -> &'static str {
    if on {
        "enabled"
    } else {
        "disabled"
    }
}

impl RotateArgs {
    /// The grace period in milliseconds (validated by clap).
    fn grace_ms(&self) -> i64 {
        i64::try_from(self.grace).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
    }

    /// What happened to the secrets a rotation at `now` superseded, for the message.
    fn previous(&self, superseded: u64, now: i64) -> String {
        match (superseded, self.grace) {
            (0, _) => String::new(),
            (_, 0) => "; the previous one is revoked".to_owned(),
            (_, _) => format!("; the previous one works until {}", rfc3339_ms(now + self.grace_ms())),
        }
    }
}

async fn rotate_secret(args: &RotateArgs) -> anyhow::Result<()> {
    let db = open(&args.database).await?;
    let t = find_tenant(&db, &args.tenant).await?;
    let secret = Secret::generate("scimhub_");
    let now = SystemClock.now_ms();
    let (hash, grace_ms) = (secret.hash(), args.grace_ms());
    let rotated = retry::when_busy(|| db::credential::rotate(&db, &t.id, Kind::Bearer, &hash, now, grace_ms)).await?;
    let detail = json!({ "graceSecs": args.grace, "superseded": rotated.superseded });
    manage::audit(&db, Some(&t), "scim_secret.rotate", detail).await?;
    eprintln!("New SCIM secret token for tenant {} (shown once{}):", t.name, args.previous(rotated.superseded, now));
    println!("{}", secret.expose());
    Ok(())
}

async fn revoke_secret(database: &DatabaseArgs, name: &str) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    let now = SystemClock.now_ms();
    let revoked = retry::when_busy(|| db::credential::revoke_bearer(&db, &t.id, now)).await?;
    manage::audit(&db, Some(&t), "scim_secret.revoke", json!({ "revoked": revoked })).await?;
    println!("Revoked {revoked} SCIM secret token(s) of tenant {}.", t.name);
    Ok(())
}

async fn rotate_client_secret(args: &RotateArgs, public_url: &PublicUrlArgs) -> anyhow::Result<()> {
    let db = open(&args.database).await?;
    let t = find_tenant(&db, &args.tenant).await?;
    let secret = Secret::generate("scimhub_cs_");
    let now = SystemClock.now_ms();
    let (hash, grace_ms) = (secret.hash(), args.grace_ms());
    let rotated =
        retry::when_busy(|| db::credential::rotate(&db, &t.id, Kind::ClientSecret, &hash, now, grace_ms)).await?;
    let detail = json!({ "clientId": rotated.client_id, "graceSecs": args.grace, "superseded": rotated.superseded });
    manage::audit(&db, Some(&t), "client_secret.rotate", detail).await?;
    let endpoint = format!("{}/realms/{}/protocol/openid-connect/token", public_url.base(), t.name);
    let off = " (remote token authentication is off: scimhub tenant configure … --remote-token-auth on)";
    eprintln!("Token endpoint: {endpoint}{}", if t.auth.remote_token_auth { "" } else { off });
    eprintln!(
        "Client ID (first line) and new client secret (last line, shown once{}) for tenant {}:",
        args.previous(rotated.superseded, now),
        t.name
    );
    println!("{}", rotated.client_id.unwrap_or_default());
    println!("{}", secret.expose());
    Ok(())
}

async fn revoke_client_secret(database: &DatabaseArgs, name: &str, client_id: Option<&str>) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    let now = SystemClock.now_ms();
    let revoked = retry::when_busy(|| db::credential::revoke_client_secrets(&db, &t.id, client_id, now)).await?;
    manage::audit(&db, Some(&t), "client_secret.revoke", json!({ "revoked": revoked })).await?;
    println!("Revoked {revoked} client secret(s) of tenant {}.", t.name);
    if revoked > 0 {
        println!(
            "Access tokens issued with them stay valid until they expire (at most {} s, the token lifetime).",
            t.auth.token_ttl_secs
        );
    }
    Ok(())
}

async fn rotate_signing_key(database: &DatabaseArgs, name: &str) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    let now = SystemClock.now_ms();
    let (kid, retired) = retry::when_busy(|| crate::scim_tokens::keys::rotate(&db, &t.id, now)).await?;
    manage::audit(&db, Some(&t), "signing_key.rotate", json!({ "kid": kid, "retired": retired })).await?;
    println!("Tenant {} now signs its access tokens with key {kid}.", t.name);
    if let Some(old) = retired {
        println!("The previous key {old} stays published until the tokens it signed have expired.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_contract_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["scimhub", "tenant", "create", "acme", "--profile", "azure"]).unwrap();
        assert!(
            matches!(cli.command, Command::Tenant(TenantCommand::Create { ref name, ref profile, .. }) if name == "acme" && profile == "azure")
        );
    }

    fn changes(args: &[&str]) -> TenantChanges {
        let mut argv = vec!["scimhub", "tenant", "configure", "acme"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Tenant(TenantCommand::Configure { changes, .. }) => changes,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn new_commands_parse() {
        for argv in [
            &["scimhub", "secret", "rotate", "acme", "--grace", "3600"][..],
            &["scimhub", "secret", "revoke", "acme"],
            &["scimhub", "client-secret", "rotate", "acme", "--grace", "60"],
            &["scimhub", "client-secret", "revoke", "acme", "--client-id", "c"],
            &["scimhub", "signing-key", "rotate", "acme"],
            &["scimhub", "serve", "--database-connections", "8"],
            &["scimhub", "api-token", "create", "--name", "ci", "--tenant", "a", "--tenant", "b", "--read-only"],
            &["scimhub", "mapper", "add", "acme", "--name", "n", "--user-attribute", "u", "--claim", "title"],
            &["scimhub", "log", "retention", "acme", "--no-days", "--rows", "5000"],
        ] {
            assert!(Cli::try_parse_from(argv).is_ok(), "{argv:?}");
        }
        assert!(Cli::try_parse_from(["scimhub", "serve", "--database-connections", "1"]).is_err());
        // A token names its scope: the platform or tenants, one of the two.
        assert!(Cli::try_parse_from(["scimhub", "api-token", "create", "--name", "ci"]).is_err());
        assert!(Cli::try_parse_from(["scimhub", "api-token", "create", "--name", "ci", "--platform", "--tenant", "a"])
            .is_err());
        assert!(Cli::try_parse_from(["scimhub", "log", "retention", "acme", "--days", "3", "--no-days"]).is_err());
        assert!(Cli::try_parse_from(["scimhub", "secret", "rotate", "acme", "--grace", "-1"]).is_err());
        assert!(Cli::try_parse_from(["scimhub", "secret", "rotate", "acme", "--grace", "2592001"]).is_err());
        assert!(Cli::try_parse_from(["scimhub", "tenant", "configure", "a", "--enable", "--disable"]).is_err());
        assert!(Cli::try_parse_from(["scimhub", "tenant", "configure", "a", "--remote-token-auth", "yes"]).is_err());
    }

    #[test]
    fn configure_applies_only_what_is_given_and_validates_it() {
        let current = crate::tenant::Settings {
            profile: Profile::Generic,
            scim_enabled: true,
            auth: crate::tenant::AuthSettings::default(),
            provisioning: crate::tenant::ProvisioningSettings::default(),
        };
        let next = apply_changes(
            &current,
            &changes(&[
                "--profile",
                "Azure",
                "--azure-tenant-id",
                "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
                "--disable",
                "--remote-token-auth",
                "on",
                "--token-ttl",
                "600",
                "--azure-audiences",
                "a,b",
                "--azure-jwks-url",
                "http://127.0.0.1:9/keys",
                "--link-users-by",
                "email",
                "--required-attributes",
                "displayName,emails",
            ]),
        )
        .unwrap();
        assert_eq!(next.profile, Profile::Azure);
        assert!(!next.scim_enabled);
        assert_eq!(next.auth.azure_tenant_id.as_deref(), Some("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(next.auth.remote_token_auth);
        assert_eq!(next.auth.token_ttl_secs, 600);
        assert_eq!(next.auth.azure_audiences, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(next.auth.azure_jwks_url.as_deref(), Some("http://127.0.0.1:9/keys"));
        assert_eq!(next.provisioning.link_users_by, Some(crate::tenant::LinkMatch::Email));
        assert_eq!(next.provisioning.required_attributes, vec!["displayName".to_owned(), "emails".to_owned()]);
        let same = apply_changes(&next, &changes(&[])).unwrap();
        assert_eq!(same, next);
        let reset = apply_changes(&next, &changes(&["--azure-jwks-url", "", "--azure-audiences", ""])).unwrap();
        assert_eq!((reset.auth.azure_jwks_url, reset.auth.azure_audiences), (None, vec![]));

        let bad_guid = apply_changes(&current, &changes(&["--azure-tenant-id", "contoso.onmicrosoft.com"]));
        assert!(bad_guid.unwrap_err().to_string().contains("8-4-4-4-12"));
        // The Entra tenant ID is optional under the Azure profile: only Entra-issued tokens need it.
        assert_eq!(apply_changes(&current, &changes(&["--profile", "azure"])).unwrap().auth.azure_tenant_id, None);
        assert!(apply_changes(&current, &changes(&["--profile", "okta"])).is_err());
        assert!(apply_changes(&current, &changes(&["--token-ttl", "30"])).is_err());
        assert!(apply_changes(&current, &changes(&["--azure-jwks-url", "keys"])).is_err());
        assert!(apply_changes(&current, &changes(&["--link-users-by", "mail"])).is_err());
        assert!(apply_changes(&current, &changes(&["--required-attributes", "id"])).is_err());
        let off = apply_changes(&next, &changes(&["--link-users-by", "off", "--required-attributes", ""])).unwrap();
        assert_eq!(off.provisioning, crate::tenant::ProvisioningSettings::default());
    }

    #[test]
    fn database_passwords_are_hidden_in_messages() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:****@h/db");
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }
}
