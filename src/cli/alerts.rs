//! `scimhub alerts …`: a tenant's alert rules and channels, and the alerts open now. A webhook
//! URL is a credential (Slack's and Teams' carry their token): it is read from stdin, never
//! from the arguments; its new signing secret is printed alone on the last line.

use anyhow::Context as _;
use serde_json::json;

use super::app::secret_from_stdin;
use super::manage::audit;
use super::{find_tenant, open};
use crate::alerts::manage::{self, WebhookInput};
use crate::alerts::settings::{Rules, Stored};
use crate::clock::{rfc3339_ms, Clock, SystemClock};
use crate::config::DatabaseArgs;
use crate::db;
use crate::sealed::{SealArgs, SealKey};

/// `scimhub alerts …`.
#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// Set a tenant's alert rules and channels (rules not given are off).
    Set(Box<SetArgs>),
    /// Switch a tenant's alerts off (open alerts resolve without a message).
    Off {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Show a tenant's alert settings, its alerts and the messages not sent yet.
    Show {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the open alerts of every tenant.
    List {
        /// One JSON object per alert, a line each.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `scimhub alerts set`.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The tenant's exact name.
    tenant: String,
    /// Alert when at least this percentage of the identity provider's requests fail (1–100).
    #[arg(long)]
    error_rate: Option<i64>,
    /// The error-rate window in minutes.
    #[arg(long, default_value_t = 15)]
    error_window: i64,
    /// Fewer requests than this in the window raise no error-rate alert.
    #[arg(long, default_value_t = 10)]
    error_min_requests: i64,
    /// Alert when the identity provider sends nothing for this many hours.
    #[arg(long)]
    silence_hours: Option<i64>,
    /// Alert when a secret's grace period ends within this many days.
    #[arg(long)]
    expiry_days: Option<i64>,
    /// Alert when an application has failed for this many minutes or has dead letters.
    #[arg(long)]
    outbound_minutes: Option<i64>,
    /// E-mail addresses, comma-separated (needs `serve --smtp-url`).
    #[arg(long, value_delimiter = ',')]
    email: Vec<String>,
    /// Read a webhook URL (Slack, Teams or any receiver) from stdin; a new signing secret is
    /// printed.
    #[arg(long, conflicts_with = "no_webhook")]
    webhook_url_stdin: bool,
    /// Remove the webhook.
    #[arg(long)]
    no_webhook: bool,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    seal: SealArgs,
}

/// Runs an `alerts` command.
pub async fn run(command: AlertsCommand) -> anyhow::Result<()> {
    match command {
        AlertsCommand::Set(args) => set(*args).await,
        AlertsCommand::Off { tenant, database } => {
            let db = open(&database).await?;
            let t = find_tenant(&db, &tenant).await?;
            if db::alert::remove(&db, &t.id).await? {
                audit(&db, Some(&t), "alerts.off", json!({})).await?;
                println!("Alerts of {} are off.", t.name);
            } else {
                println!("{} had no alerts set.", t.name);
            }
            Ok(())
        }
        AlertsCommand::Show { tenant, database } => show(&database, &tenant).await,
        AlertsCommand::List { json, database } => list(&database, json).await,
    }
}

async fn set(args: SetArgs) -> anyhow::Result<()> {
    let webhook = if args.webhook_url_stdin {
        WebhookInput::Set(secret_from_stdin("webhook URL")?)
    } else if args.no_webhook {
        WebhookInput::Remove
    } else {
        WebhookInput::Keep
    };
    let db = open(&args.database).await?;
    let seal = SealKey::load(&args.seal, &args.database.database_url)?;
    let t = find_tenant(&db, &args.tenant).await?;
    let rules = Rules {
        error_rate_percent: args.error_rate,
        error_window_minutes: args.error_window,
        error_min_requests: args.error_min_requests,
        silence_hours: args.silence_hours,
        expiry_days: args.expiry_days,
        outbound_minutes: args.outbound_minutes,
        email_to: args.email,
    };
    let saved = manage::save(&db, &seal, &t.id, rules, webhook, SystemClock.now_ms())
        .await
        .with_context(|| format!("alerts of {} not saved", t.name))?;
    audit(&db, Some(&t), "alerts.set", manage::audit_detail(&saved.stored)).await?;
    println!("Alerts of {} saved.", t.name);
    print_settings(&saved.stored);
    if let Some(secret) = saved.webhook_secret {
        println!("The webhook's signing secret (shown once; messages carry webhook-signature):");
        println!("{}", secret.expose());
    }
    Ok(())
}

fn print_settings(stored: &Stored) {
    let r = &stored.rules;
    let or_off = |value: Option<i64>, unit: &str| value.map_or("off".to_owned(), |v| format!("{v} {unit}"));
    println!(
        "  error rate: {}",
        r.error_rate_percent.map_or("off".to_owned(), |p| format!(
            "{p} % over {} minutes (at least {} requests)",
            r.error_window_minutes, r.error_min_requests
        ))
    );
    println!("  silence:    {}", or_off(r.silence_hours, "hours"));
    println!("  expiry:     {}", or_off(r.expiry_days, "days ahead"));
    println!("  outbound:   {}", or_off(r.outbound_minutes, "minutes failing"));
    println!("  webhook:    {}", stored.webhook_origin.as_deref().unwrap_or("none"));
    println!("  e-mail:     {}", if r.email_to.is_empty() { "none".to_owned() } else { r.email_to.join(", ") });
}

async fn show(database: &DatabaseArgs, tenant: &str) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, tenant).await?;
    match db::alert::settings(&db, &t.id).await? {
        Some(stored) => {
            println!("Alerts of {}:", t.name);
            print_settings(&stored);
        }
        None => println!("{} has no alerts set (scimhub alerts set {} …).", t.name, t.name),
    }
    for a in db::alert::recent(&db, &t.id, 20).await? {
        let state = a.resolved_at.map_or("OPEN    ".to_owned(), |at| format!("resolved {}", rfc3339_ms(at)));
        println!("{state}  {}  {}  {}", rfc3339_ms(a.opened_at), a.rule.title(), a.summary);
    }
    for (channel, attempts, error) in db::alert::unsent(&db, &t.id).await? {
        println!("not sent yet by {channel} ({attempts} attempts): {}", error.as_deref().unwrap_or("waiting"));
    }
    Ok(())
}

async fn list(database: &DatabaseArgs, as_json: bool) -> anyhow::Result<()> {
    let db = open(database).await?;
    for a in db::alert::open(&db, None).await? {
        if as_json {
            let line = json!({
                "id": a.id,
                "tenant": a.tenant,
                "rule": a.rule.as_str(),
                "subject": a.subject,
                "summary": a.summary,
                "openedAt": rfc3339_ms(a.opened_at),
            });
            println!("{line}");
        } else {
            println!("{}  {}  {}  {}", a.tenant, rfc3339_ms(a.opened_at), a.rule.title(), a.summary);
        }
    }
    Ok(())
}
