//! `scimhub app …`: connecting a tenant's applications (SCIM services and webhooks) and
//! operating their deliveries, for scripts. Secrets are read from stdin, never from arguments
//! (which other users of the machine can see); each change is audited.

use std::io::Read;

use anyhow::{bail, Context};
use serde_json::json;

use super::manage::audit;
use super::{find_tenant, open};
use crate::clock::{rfc3339_ms, Clock, SystemClock};
use crate::config::DatabaseArgs;
use crate::db::log_sink::LogSink;
use crate::db::outbound as store;
use crate::outbound::application::{Application, Auth, Kind, OnDelete};
use crate::outbound::client::Client;
use crate::outbound::journal::Journal;
use crate::outbound::manage::{self, NewApplication};
use crate::outbound::mapping;
use crate::outbound::reconcile;
use crate::sealed::{SealArgs, SealKey};
use crate::secret::Secret;

/// The tenant and application a command is about.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The tenant's exact name.
    tenant: String,
    /// The application's name.
    name: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

impl Target {
    /// The database, the tenant and the application the command names.
    async fn open(&self) -> anyhow::Result<(crate::db::Db, crate::tenant::Tenant, Application)> {
        let db = open(&self.database).await?;
        let tenant = find_tenant(&db, &self.tenant).await?;
        let app = manage::find(&db, &tenant.id, &self.name).await?;
        Ok((db, tenant, app))
    }
}

/// How a SCIM application is reached.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("endpoint").required(true).multiple(false))]
pub struct AddArgs {
    #[command(flatten)]
    target: Target,
    /// A SCIM 2.0 application: its base URL (where `/Users` and `/Groups` are).
    #[arg(long, group = "endpoint")]
    scim_url: Option<String>,
    /// A webhook: the URL that receives signed events. The signing secret is printed alone on
    /// the last line.
    #[arg(long, group = "endpoint")]
    webhook_url: Option<String>,
    /// Authenticate with a bearer token read from stdin.
    #[arg(long, conflicts_with_all = ["basic_user", "client_id", "webhook_url"])]
    bearer_stdin: bool,
    /// Authenticate with HTTP Basic as this user…
    #[arg(long, requires = "basic_password_stdin", conflicts_with_all = ["client_id", "webhook_url"])]
    basic_user: Option<String>,
    /// …and the password read from stdin.
    #[arg(long, requires = "basic_user")]
    basic_password_stdin: bool,
    /// Authenticate with OAuth 2.0 client credentials: the client id…
    #[arg(long, requires_all = ["client_secret_stdin", "token_url"], conflicts_with = "webhook_url")]
    client_id: Option<String>,
    /// …its secret read from stdin…
    #[arg(long, requires = "client_id")]
    client_secret_stdin: bool,
    /// …and the token endpoint.
    #[arg(long, requires = "client_id")]
    token_url: Option<String>,
    /// Push only members of this group (repeat for several; default: every user).
    #[arg(long = "group", value_name = "NAME", conflicts_with = "webhook_url")]
    groups: Vec<String>,
    /// Push groups too (those in scope), with their pushed members.
    #[arg(long, conflicts_with = "webhook_url")]
    push_groups: bool,
    /// What a deletion in scimhub does there: `delete` or `deactivate`.
    #[arg(long, default_value = "delete", value_parser = ["delete", "deactivate"], conflicts_with = "webhook_url")]
    on_delete: String,
    /// A webhook's event type (repeat; default: all of them).
    #[arg(long = "event", value_name = "TYPE", requires = "webhook_url")]
    events: Vec<String>,
    #[command(flatten)]
    seal: SealArgs,
}

/// `scimhub app …`.
#[derive(Debug, clap::Subcommand)]
pub enum AppCommand {
    /// Connect an application to a tenant: a SCIM 2.0 service or a webhook.
    Add(Box<AddArgs>),
    /// List a tenant's applications.
    List {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Test an application's connection with its credentials.
    Test {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Push every user (and group) in scope now; with --dry-run, read the application and list
    /// what differs (missing, changed, should be inactive) without changing anything.
    Sync {
        #[command(flatten)]
        target: Target,
        /// Only compare and list.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Read the application and queue a push of each user that differs from scimhub (missing,
    /// changed, should be inactive).
    Reconcile {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Hold deliveries (events wait).
    Pause(Target),
    /// Deliver again.
    Resume(Target),
    /// Disconnect an application (its waiting events and links go).
    Remove(Target),
    /// Backlog, deliveries, failures and the last error.
    Status {
        #[command(flatten)]
        target: Target,
        /// Print JSON (backlog, delivered, failed, dead_lettered, last_error, …).
        #[arg(long)]
        json: bool,
    },
    /// Show a SCIM application's outbound mapping (`target = source`, one rule a line); with
    /// --map, --stdin or --defaults, replace it and queue a push of everything in scope.
    Mapping {
        #[command(flatten)]
        target: Target,
        /// A rule `TARGET=SOURCE` (repeat; the rules replace the whole mapping). SOURCE is a
        /// SCIM attribute path (`scim:name.givenName`), `attribute:NAME` (an internal attribute
        /// of the tenant's mappers) or `id`.
        #[arg(long = "map", value_name = "TARGET=SOURCE", conflicts_with_all = ["stdin", "defaults"])]
        rules: Vec<String>,
        /// Read the whole mapping from stdin, one `target = source` rule a line.
        #[arg(long, conflicts_with = "defaults")]
        stdin: bool,
        /// Go back to the defaults (userName, name, displayName, emails, active; externalId = id).
        #[arg(long)]
        defaults: bool,
    },
    /// The user (an id or a userName) as a SCIM application would receive it now.
    Preview {
        #[command(flatten)]
        target: Target,
        /// The user's id or userName.
        user: String,
    },
    /// The dead-letter list: events that failed for good, with the target's answer.
    Dead(Target),
    /// Put dead events back in line (one with --event, else all).
    Retry {
        #[command(flatten)]
        target: Target,
        /// The event's number (from `app dead`).
        #[arg(long)]
        event: Option<i64>,
    },
    /// Drop dead events (one with --event, else all).
    Skip {
        #[command(flatten)]
        target: Target,
        /// The event's number (from `app dead`).
        #[arg(long)]
        event: Option<i64>,
    },
}

/// Runs an `app` command.
pub async fn run(command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Add(args) => add(*args).await,
        AppCommand::List { tenant, database } => list(&tenant, &database).await,
        AppCommand::Test { target, seal } => test(&target, &seal).await,
        AppCommand::Sync { target, dry_run: true, seal } => reconcile(&target, &seal, true).await,
        AppCommand::Reconcile { target, seal } => reconcile(&target, &seal, false).await,
        AppCommand::Sync { target, dry_run: false, .. } => {
            let (db, tenant) = (open(&target.database).await?, target.tenant.as_str());
            let t = find_tenant(&db, tenant).await?;
            let queued = manage::sync(&db, &t.id, &target.name, SystemClock.now_ms()).await?;
            audit(&db, Some(&t), "outbound_app.sync", json!({ "application": target.name, "queued": queued })).await?;
            println!("Queued {queued} resources for {}.", target.name);
            Ok(())
        }
        AppCommand::Pause(target) => set_paused(&target, true).await,
        AppCommand::Resume(target) => set_paused(&target, false).await,
        AppCommand::Remove(target) => {
            let db = open(&target.database).await?;
            let t = find_tenant(&db, &target.tenant).await?;
            manage::remove(&db, &t.id, &target.name).await?;
            audit(&db, Some(&t), "outbound_app.remove", json!({ "application": target.name })).await?;
            println!("Removed {}.", target.name);
            Ok(())
        }
        AppCommand::Status { target, json } => status(&target, json).await,
        AppCommand::Mapping { target, rules, stdin, defaults } => mapping(&target, rules, stdin, defaults).await,
        AppCommand::Preview { target, user } => {
            let (db, t, app) = target.open().await?;
            let user = manage::preview(&db, &t.id, &app.name, &user, None).await?;
            println!("{}", serde_json::to_string_pretty(&user)?);
            Ok(())
        }
        AppCommand::Dead(target) => dead(&target).await,
        AppCommand::Retry { target, event } => requeue(&target, event, true).await,
        AppCommand::Skip { target, event } => requeue(&target, event, false).await,
    }
}

/// A secret from stdin: the first line, without its line ending.
pub(super) fn secret_from_stdin(what: &str) -> anyhow::Result<Secret> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).with_context(|| format!("reading the {what} from stdin"))?;
    let secret = text.lines().next().unwrap_or_default().trim().to_owned();
    if secret.is_empty() {
        bail!("no {what} on stdin");
    }
    Ok(Secret::given(secret))
}

async fn add(args: AddArgs) -> anyhow::Result<()> {
    let db = open(&args.target.database).await?;
    let tenant = find_tenant(&db, &args.target.tenant).await?;
    let seal = SealKey::load(&args.seal, &args.target.database.database_url)?;
    let (kind, url, auth, secret) = match (args.scim_url, args.webhook_url) {
        (Some(url), _) => {
            let (auth, what) = match (args.basic_user, args.client_id, args.token_url) {
                (Some(user), _, _) => (Auth::Basic { user }, "password"),
                (None, Some(client_id), Some(token_url)) => (Auth::OAuth { client_id, token_url }, "client secret"),
                _ if args.bearer_stdin => (Auth::Bearer, "bearer token"),
                _ => bail!("say how to authenticate: --bearer-stdin, --basic-user with --basic-password-stdin, or --client-id with --client-secret-stdin and --token-url"),
            };
            (Kind::Scim, url, auth, Some(secret_from_stdin(what)?))
        }
        (None, Some(url)) => (Kind::Webhook, url, Auth::Signature, None),
        (None, None) => bail!("give --scim-url or --webhook-url"),
    };
    let on_delete = if args.on_delete == "deactivate" { OnDelete::Deactivate } else { OnDelete::Delete };
    let new = NewApplication {
        name: args.target.name,
        kind,
        url,
        auth,
        secret,
        scope_groups: args.groups,
        push_groups: args.push_groups,
        on_delete,
        events: args.events,
    };
    let (app, shown) = manage::add(&db, &seal, &tenant.id, new, SystemClock.now_ms()).await?;
    let detail =
        json!({ "application": app.name, "kind": app.kind.as_str(), "url": app.url, "auth": app.auth.as_str() });
    audit(&db, Some(&tenant), "outbound_app.add", detail).await?;
    println!("Connected {} ({}) to tenant {}: {}", app.name, app.kind.as_str(), tenant.name, app.url);
    if let Some(secret) = shown {
        println!("Signing secret (shown once; verify the webhook-signature header with it):");
        println!("{}", secret.expose());
    }
    Ok(())
}

async fn list(tenant: &str, database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, tenant).await?;
    let apps = store::list(&db, &t.id).await?;
    if apps.is_empty() {
        println!("Tenant {} has no applications (`scimhub app add`).", t.name);
    }
    for app in apps {
        let queue = store::status(&db, &app.id).await?;
        let state = if app.paused { "paused" } else { "active" };
        println!(
            "{}\t{}\t{}\t{state}\tbacklog {}\tdead {}\t{}",
            app.name,
            app.kind.as_str(),
            app.url,
            queue.backlog,
            queue.dead,
            app.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// A client for the target's application whose requests go to the tenant's provisioning log
/// (flush it before the command ends).
fn journaled_client(db: &crate::db::Db, target: &Target, seal: &SealArgs, timeout_secs: u64) -> anyhow::Result<Client> {
    let key = SealKey::load(seal, &target.database.database_url)?;
    let journal = Journal::new(LogSink::spawn(db.clone()), std::sync::Arc::new(SystemClock));
    Ok(Client::new(key, std::time::Duration::from_secs(timeout_secs))?.with_journal(journal))
}

async fn test(target: &Target, seal: &SealArgs) -> anyhow::Result<()> {
    let (db, _, app) = target.open().await?;
    let client = journaled_client(&db, target, seal, 15)?;
    let tested = manage::test(&client, &app, SystemClock.now_ms()).await;
    client.flush().await;
    match tested {
        Ok(checks) => {
            checks.iter().for_each(|c| println!("ok: {c}"));
            Ok(())
        }
        Err(e) => bail!("the connection test failed: {e}"),
    }
}

async fn reconcile(target: &Target, seal: &SealArgs, dry_run: bool) -> anyhow::Result<()> {
    let (db, t, app) = target.open().await?;
    let client = journaled_client(&db, target, seal, 30)?;
    let found = reconcile::reconcile(&db, &client, &app, dry_run, SystemClock.now_ms()).await;
    client.flush().await;
    let found = found.map_err(|e| anyhow::anyhow!("reading {} failed: {e}", app.name))?;
    for drift in &found.drift {
        println!("{drift}");
    }
    if !dry_run {
        audit(&db, Some(&t), "outbound_app.reconcile", json!({ "application": app.name, "queued": found.queued }))
            .await?;
    }
    let verb = if dry_run { "would be pushed" } else { "queued" };
    println!("Compared {} users: {} differ, {} {verb}.", found.compared, found.drift.len(), found.drift.len());
    Ok(())
}

async fn set_paused(target: &Target, paused: bool) -> anyhow::Result<()> {
    let db = open(&target.database).await?;
    let t = find_tenant(&db, &target.tenant).await?;
    manage::set_paused(&db, &t.id, &target.name, paused).await?;
    let action = if paused { "outbound_app.pause" } else { "outbound_app.resume" };
    audit(&db, Some(&t), action, json!({ "application": target.name })).await?;
    println!("{} {}.", if paused { "Paused" } else { "Resumed" }, target.name);
    Ok(())
}

async fn status(target: &Target, as_json: bool) -> anyhow::Result<()> {
    let (db, _, app) = target.open().await?;
    let status = manage::status(&db, &app, SystemClock.now_ms()).await?;
    if as_json {
        println!("{status}");
        return Ok(());
    }
    let field =
        |k: &str| status.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default();
    for key in [
        "name",
        "kind",
        "url",
        "paused",
        "backlog",
        "failing",
        "delivered",
        "dead_lettered",
        "failures_last_hour",
        "oldest_pending_at",
        "last_success_at",
        "last_error",
        "last_error_at",
    ] {
        println!("{key}: {}", field(key));
    }
    Ok(())
}

async fn mapping(target: &Target, rules: Vec<String>, stdin: bool, defaults: bool) -> anyhow::Result<()> {
    let (db, t, app) = target.open().await?;
    let text = if stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("reading the mapping from stdin")?;
        Some(text)
    } else {
        (!rules.is_empty()).then(|| rules.join("\n"))
    };
    let rules = match text {
        Some(text) => Some(mapping::parse_text(&text)?),
        None if defaults => None,
        None => {
            print!("{}", mapping::to_text(&app.settings.mapping));
            return Ok(());
        }
    };
    let queued = manage::set_mapping(&db, &t.id, &app.name, rules, SystemClock.now_ms()).await?;
    let saved = manage::find(&db, &t.id, &app.name).await?.settings.mapping;
    let detail = json!({ "application": app.name, "mapping": mapping::to_text(&saved), "queued": queued });
    audit(&db, Some(&t), "outbound_app.mapping", detail).await?;
    print!("{}", mapping::to_text(&saved));
    println!("Saved the mapping of {}; queued {queued} resources to push again.", app.name);
    Ok(())
}

async fn dead(target: &Target) -> anyhow::Result<()> {
    let (db, _, app) = target.open().await?;
    let events = store::dead_letters(&db, &app.id, 1000).await?;
    if events.is_empty() {
        println!("No dead events for {}.", app.name);
    }
    for e in events {
        println!(
            "{}\t{}\t{} {} ({})\t{}\t{}",
            e.id,
            rfc3339_ms(e.created_at),
            e.resource_type,
            e.name,
            e.kind,
            e.attempts,
            e.last_error.unwrap_or_default()
        );
    }
    Ok(())
}

async fn requeue(target: &Target, event: Option<i64>, retry: bool) -> anyhow::Result<()> {
    let (db, t, app) = target.open().await?;
    let count = if retry {
        store::retry_dead(&db, &app.id, event, SystemClock.now_ms()).await?
    } else {
        store::skip_dead(&db, &app.id, event).await?
    };
    let action = if retry { "outbound_app.retry" } else { "outbound_app.skip" };
    audit(&db, Some(&t), action, json!({ "application": app.name, "event": event, "count": count })).await?;
    println!("{} {count} dead events of {}.", if retry { "Requeued" } else { "Skipped" }, app.name);
    Ok(())
}
