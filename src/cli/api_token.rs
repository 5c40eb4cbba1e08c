//! `scimhub api-token create|list|revoke`: the tokens of the administration API, from the
//! server's command line. `create` prints the token alone on the last line of stdout, so a
//! script can take it with `tail -n 1`.

use anyhow::bail;

use super::manage::operator;
use super::open;
use app::dto::NewApiToken;

use crate::admin_api::tokens::{self, Actor, TokenError};
use crate::clock::{Clock, SystemClock};
use crate::config::DatabaseArgs;

/// The `api-token` commands.
#[derive(Debug, clap::Subcommand)]
pub enum ApiTokenCommand {
    /// Make a token; it is printed once, alone on the last line.
    Create(CreateArgs),
    /// List the tokens (never the tokens themselves).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id (from `list`).
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `scimhub api-token create`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("scope").required(true).multiple(false))]
pub struct CreateArgs {
    /// What it is for, e.g. the pipeline that uses it.
    #[arg(long)]
    name: String,
    /// Every tenant and platform administration (tenants, administrators, tokens).
    #[arg(long, group = "scope")]
    platform: bool,
    /// A tenant it may use (exact name); repeat for several.
    #[arg(long = "tenant", group = "scope")]
    tenants: Vec<String>,
    /// It may look, never change.
    #[arg(long)]
    read_only: bool,
    /// Days until it stops working (1–3650); never, without.
    #[arg(long)]
    expires_days: Option<u32>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs an `api-token` command.
pub async fn run(command: ApiTokenCommand) -> anyhow::Result<()> {
    let by = Actor { subject: operator(), label: operator(), address: None };
    match command {
        ApiTokenCommand::Create(args) => {
            let db = open(&args.database).await?;
            let request = NewApiToken {
                name: args.name,
                platform: args.platform,
                tenants: args.tenants,
                read_only: args.read_only,
                expires_days: args.expires_days,
            };
            let made = match tokens::create(&db, SystemClock.now_ms(), &request, &by).await {
                Ok(made) => made,
                Err(TokenError::Refused(refusal)) => bail!("--{}: {}", flag(refusal.field), refusal.message),
                Err(TokenError::Db(e)) => return Err(e.into()),
            };
            println!("Made API token {} ({}): {}.", made.row.id, made.row.name, made.row.scope());
            println!("It is shown this once; only its hash is kept. Send it as Authorization: Bearer <token>.");
            println!("{}", made.token);
            Ok(())
        }
        ApiTokenCommand::List { json, database } => {
            let db = open(&database).await?;
            let all = tokens::list(&db).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            if all.is_empty() {
                println!("No API tokens.");
            }
            for t in &all {
                let state = match (&t.revoked_at, &t.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "no expiry".to_owned(),
                };
                let used = t.last_used_at.as_deref().unwrap_or("never");
                println!("{}  {}  {}  {state}  last used {used}  by {}", t.id, t.name, t.scope(), t.created_by);
            }
            Ok(())
        }
        ApiTokenCommand::Revoke { id, database } => {
            let db = open(&database).await?;
            if !tokens::revoke(&db, SystemClock.now_ms(), &id, &by).await? {
                bail!("no usable API token has the id {id}");
            }
            println!("Revoked API token {id}; it stops working at once.");
            Ok(())
        }
    }
}

/// The command-line flag of a request field.
fn flag(field: &str) -> &str {
    match field {
        "tenants" => "tenant",
        "expiresDays" => "expires-days",
        other => other,
    }
}
