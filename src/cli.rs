//! The command line (a stable contract: automation and the tests depend on it).

use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::clock::{Clock, SystemClock};
use crate::config::{DatabaseArgs, PublicUrlArgs, ServeConfig};
use crate::db::tenant::{self, Profile};
use crate::db::{self, is_unique_violation, Db};
use crate::secret::Secret;

/// scimhub: a self-hosted, multi-tenant SCIM 2.0 provisioning hub.
#[derive(Debug, Parser)]
#[command(name = "scimhub", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// Administrator access.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant (name: 1–64 of A-Z a-z 0-9 _ -, case-sensitive).
    Create {
        /// The tenant's name, as it appears in its URLs.
        name: String,
        /// `generic` (RFC 7644; recommended) or `azure` (Microsoft Entra ID).
        #[arg(long, default_value = "generic")]
        profile: String,
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
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Create or replace a tenant's SCIM bearer secret; prints it once, as the last line.
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
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(config) => crate::server::serve(*config).await,
            Command::Tenant(TenantCommand::Create { name, profile, database, public_url }) => {
                create_tenant(&database, &public_url, &name, &profile).await
            }
            Command::Tenant(TenantCommand::List { database }) => list_tenants(&database).await,
            Command::Secret(SecretCommand::Rotate { tenant, database }) => rotate_secret(&database, &tenant).await,
            Command::Admin(AdminCommand::LoginLink { database, public_url }) => {
                let db = open(&database).await?;
                let url = crate::auth::login_link::create(&db, &SystemClock, public_url.base()).await?;
                println!("One-time sign-in link (valid 15 minutes, single use):");
                println!("{url}");
                Ok(())
            }
        }
    }
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<Db> {
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
    profile: &str,
) -> anyhow::Result<()> {
    tenant::validate_name(name).with_context(|| format!("invalid tenant name \"{name}\""))?;
    let Some(profile) = Profile::parse(profile) else {
        bail!("unknown profile \"{profile}\": use generic or azure");
    };
    let db = open(database).await?;
    match tenant::insert(db.writer(), name, profile, Arc::new(SystemClock).now_ms()).await {
        Ok(t) => {
            println!("Created tenant {} (profile {}).", t.name, t.profile.as_str());
            println!("SCIM endpoint: {}/realms/{}/scim/v2", public_url.base(), t.name);
            println!("Next: scimhub secret rotate {}", t.name);
            Ok(())
        }
        Err(e) if is_unique_violation(&e) => bail!("a tenant named \"{name}\" already exists"),
        Err(e) => Err(e.into()),
    }
}

async fn list_tenants(database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    let tenants = tenant::list(db.reader()).await?;
    println!("{:<64}  {:<8}  {:<8}", "NAME", "PROFILE", "SCIM");
    for t in tenants {
        let scim = if t.scim_enabled { "enabled" } else { "disabled" };
        println!("{:<64}  {:<8}  {:<8}", t.name, t.profile.as_str(), scim);
    }
    Ok(())
}

async fn rotate_secret(database: &DatabaseArgs, name: &str) -> anyhow::Result<()> {
    let db = open(database).await?;
    let Some(t) = tenant::by_name(db.reader(), name).await? else {
        bail!("no tenant named \"{name}\" (names are case-sensitive; see `scimhub tenant list`)");
    };
    let secret = Secret::generate("scimhub_");
    db::credential::rotate_bearer(db.writer(), &t.id, &secret.hash(), SystemClock.now_ms()).await?;
    eprintln!("New SCIM secret token for tenant {} (shown once; any previous one is revoked):", t.name);
    println!("{}", secret.expose());
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

    #[test]
    fn database_passwords_are_hidden_in_messages() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:****@h/db");
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }
}
