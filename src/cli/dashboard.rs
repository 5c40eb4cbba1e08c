//! The dashboard's pages as commands: `mapper`, `user`, `group`, `log export`, `audit list` and
//! `tenant rename`, each a table for people or `--json` for scripts (see `local`).

use std::io::{Read as _, Write as _};

use app::backend::{AdminBackend as _, DirectoryBackend, ManagementBackend, MappingBackend, OperationsBackend};
use app::dto::{DirectoryQuery, LogQuery, PageAt, StatusFilter};
use futures_util::StreamExt as _;
use scim::mapping::{ClaimType, MapperSpec};

use super::local::{print_json, print_table, refused, Local, LocalArgs};
use crate::admin::export::Format;

/// `scimhub mapper …`: a tenant's attribute mappers.
#[derive(Debug, clap::Subcommand)]
pub enum MapperCommand {
    /// The mappers, in the order they apply.
    List {
        /// The tenant's exact name.
        tenant: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Add a mapper; existing users are re-derived.
    Add {
        /// The tenant's exact name.
        tenant: String,
        /// The mapper's name.
        #[arg(long)]
        name: String,
        /// The internal user attribute it fills.
        #[arg(long)]
        user_attribute: String,
        /// The SCIM attribute path it reads (or `email`).
        #[arg(long)]
        claim: String,
        /// `String`, `boolean`, `long` or `JSON`.
        #[arg(long, default_value = "String")]
        json_type: String,
        /// Every value as a list (else the primary or first one).
        #[arg(long)]
        multivalued: bool,
        /// Boolean mappers: store the opposite.
        #[arg(long)]
        invert: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Remove a mapper (by name); existing users are re-derived.
    Remove {
        /// The tenant's exact name.
        tenant: String,
        /// The mapper's name.
        name: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Add the mappers of Microsoft Entra ID's setup guide that the tenant lacks.
    ApplyEntraDefaults {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Print the mappers as JSON, to import elsewhere.
    Export {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Import mappers as exported, from stdin (all or nothing).
    Import {
        /// The tenant's exact name.
        tenant: String,
        /// Replace the tenant's mappers instead of adding to them.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
}

/// `scimhub user …`: a tenant's users.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Every user matching the search, by userName.
    List {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        search: Search,
        /// Only `active` or `deactivated` users.
        #[arg(long)]
        status: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// One user: the SCIM resource, the derived attributes, groups and history (JSON).
    Show {
        /// The tenant's exact name.
        tenant: String,
        /// The user's SCIM id.
        id: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Deactivate a user by hand, as the identity provider would.
    Deactivate {
        /// The tenant's exact name.
        tenant: String,
        /// The user's SCIM id.
        id: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Delete a user by hand, as the identity provider would.
    Delete {
        /// The tenant's exact name.
        tenant: String,
        /// The user's SCIM id.
        id: String,
        #[command(flatten)]
        local: LocalArgs,
    },
}

/// `scimhub group list`: a tenant's groups.
#[derive(Debug, clap::Subcommand)]
pub enum GroupCommand {
    /// Every group matching the search, by displayName.
    List {
        /// The tenant's exact name.
        tenant: String,
        #[command(flatten)]
        search: Search,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
}

/// A list's search: a SCIM filter or plain text.
#[derive(Debug, clap::Args)]
pub struct Search {
    /// A SCIM filter, e.g. 'name.familyName sw "J"'.
    #[arg(long, conflicts_with = "search")]
    filter: Option<String>,
    /// Text a name, display name, external ID or email contains.
    #[arg(long)]
    search: Option<String>,
}

/// `scimhub log export`: a tenant's provisioning log to stdout.
#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Every row matching the filter, newest first, as CSV or one JSON array.
    Export {
        /// The tenant's exact name.
        tenant: String,
        /// `csv` or `json`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// `create`, `update`, `deactivate`, `delete`, `read`, `membership` or `other`.
        #[arg(long, default_value = "")]
        op: String,
        /// `success`, `client` or `server`.
        #[arg(long, default_value = "")]
        outcome: String,
        /// A resource id, userName or group displayName.
        #[arg(long, default_value = "")]
        resource: String,
        /// Text the path, detail or userName contains.
        #[arg(long, default_value = "")]
        q: String,
        /// From this time (RFC 3339), inclusive.
        #[arg(long, default_value = "")]
        from: String,
        /// Until this time, exclusive.
        #[arg(long, default_value = "")]
        to: String,
        /// `1h`, `24h` or `7d`.
        #[arg(long, default_value = "")]
        last: String,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Show the log's retention, or change it (what is not given stays).
    Retention {
        /// The tenant's exact name.
        tenant: String,
        /// Prune rows older than this many days (1–3650).
        #[arg(long, conflicts_with = "no_days")]
        days: Option<u32>,
        /// No age limit.
        #[arg(long)]
        no_days: bool,
        /// Keep only this many of the newest rows (at least 1000).
        #[arg(long, conflicts_with = "no_rows")]
        rows: Option<u64>,
        /// No count limit.
        #[arg(long)]
        no_rows: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
}

/// `scimhub audit list`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// The newest entries of the audit trail: one tenant's, or the whole platform's.
    List {
        /// One tenant's entries.
        #[arg(long)]
        tenant: Option<String>,
        /// Text the entries contain.
        #[arg(long, default_value = "")]
        search: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
}

/// Runs a `mapper` command.
pub async fn mapper(command: MapperCommand) -> anyhow::Result<()> {
    match command {
        MapperCommand::List { tenant, json, local } => {
            let l = Local::open(&local).await?;
            let panel = l.backend.mapper_panel(&l.admin, &tenant).await.map_err(refused)?;
            if json {
                return print_json(&panel.mappers);
            }
            let rows: Vec<Vec<String>> = panel
                .mappers
                .iter()
                .map(|m| {
                    let s = &m.spec;
                    vec![s.name.clone(), s.user_attribute.clone(), s.claim.clone(), s.json_type.as_str().to_owned()]
                })
                .collect();
            print_table(&["NAME", "USER ATTRIBUTE", "CLAIM", "TYPE"], &rows);
            Ok(())
        }
        MapperCommand::Add { tenant, name, user_attribute, claim, json_type, multivalued, invert, local } => {
            let json_type = ClaimType::ALL
                .into_iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(&json_type))
                .ok_or_else(|| anyhow::anyhow!("--json-type is String, boolean, long or JSON"))?;
            let spec = MapperSpec {
                name,
                user_attribute,
                claim,
                json_type,
                multivalued,
                invert,
                id_token: true,
                access_token: true,
                userinfo: true,
                introspection: true,
            };
            let l = Local::open(&local).await?;
            let row = l.backend.save_mapper(&l.admin, None, &tenant, None, spec).await.map_err(refused)?;
            println!("Added the mapper {} ({}).", row.spec.name, row.id);
            l.close().await;
            Ok(())
        }
        MapperCommand::Remove { tenant, name, local } => {
            let l = Local::open(&local).await?;
            let panel = l.backend.mapper_panel(&l.admin, &tenant).await.map_err(refused)?;
            let Some(mapper) = panel.mappers.iter().find(|m| m.spec.name == name) else {
                anyhow::bail!("{tenant} has no mapper named \"{name}\"");
            };
            l.backend.delete_mapper(&l.admin, None, &tenant, &mapper.id).await.map_err(refused)?;
            println!("Removed the mapper {name}.");
            l.close().await;
            Ok(())
        }
        MapperCommand::ApplyEntraDefaults { tenant, local } => {
            let l = Local::open(&local).await?;
            let created = l.backend.apply_azure_defaults(&l.admin, None, &tenant).await.map_err(refused)?;
            println!("Created {created} mapper(s) from Microsoft Entra ID's defaults.");
            l.close().await;
            Ok(())
        }
        MapperCommand::Export { tenant, local } => {
            let l = Local::open(&local).await?;
            println!("{}", l.backend.export_mappers(&l.admin, &tenant).await.map_err(refused)?);
            Ok(())
        }
        MapperCommand::Import { tenant, replace, local } => {
            let mut json = String::new();
            std::io::stdin().read_to_string(&mut json)?;
            let l = Local::open(&local).await?;
            let stored = l.backend.import_mappers(&l.admin, None, &tenant, &json, replace).await.map_err(refused)?;
            println!("Imported {stored} mapper(s).");
            l.close().await;
            Ok(())
        }
    }
}

/// Every page of a directory list, `page` fetching one.
async fn every_page<T, F, Fut>(mut query: DirectoryQuery, page: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(DirectoryQuery) -> Fut,
    Fut: std::future::Future<Output = Result<app::dto::ListPage<T>, app::AppError>>,
{
    let mut all = Vec::new();
    loop {
        let found = page(query.clone()).await.map_err(refused)?;
        if let Some(problem) = found.filter_error {
            anyhow::bail!("--filter: {problem}");
        }
        all.extend(found.rows);
        match found.cursors.next {
            Some(next) => query.at = PageAt::After(next),
            None => return Ok(all),
        }
    }
}

fn directory_query(search: Search, status: Option<String>) -> anyhow::Result<DirectoryQuery> {
    let status = match status.as_deref() {
        None => StatusFilter::All,
        Some(s) => StatusFilter::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| anyhow::anyhow!("--status is active or deactivated"))?,
    };
    let (text, scim_filter) = match (search.filter, search.search) {
        (Some(filter), _) => (filter, true),
        (None, text) => (text.unwrap_or_default(), false),
    };
    Ok(DirectoryQuery { search: text, scim_filter, status, ..DirectoryQuery::default() })
}

/// Runs a `user` command.
pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::List { tenant, search, status, json, local } => {
            let query = directory_query(search, status)?;
            let l = Local::open(&local).await?;
            let users = every_page(query, |q| {
                let (l, tenant) = (&l, &tenant);
                async move { l.backend.user_page(&l.admin, tenant, &q).await }
            })
            .await?;
            if json {
                return print_json(&users);
            }
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    let status = if u.active { "active" } else { "deactivated" };
                    vec![u.id.clone(), u.user_name.clone(), status.to_owned(), u.last_provisioned.clone()]
                })
                .collect();
            print_table(&["ID", "USERNAME", "STATUS", "LAST CHANGE"], &rows);
            Ok(())
        }
        UserCommand::Show { tenant, id, local } => {
            let l = Local::open(&local).await?;
            print_json(&l.backend.user_detail(&l.admin, &tenant, &id).await.map_err(refused)?)
        }
        UserCommand::Deactivate { tenant, id, local } => {
            let l = Local::open(&local).await?;
            l.backend.deactivate_user(&l.admin, None, &tenant, &id).await.map_err(refused)?;
            println!("Deactivated the user {id}.");
            l.close().await;
            Ok(())
        }
        UserCommand::Delete { tenant, id, local } => {
            let l = Local::open(&local).await?;
            l.backend.delete_user(&l.admin, None, &tenant, &id).await.map_err(refused)?;
            println!("Deleted the user {id}.");
            l.close().await;
            Ok(())
        }
    }
}

/// Runs a `group` command.
pub async fn group(command: GroupCommand) -> anyhow::Result<()> {
    let GroupCommand::List { tenant, search, json, local } = command;
    let query = directory_query(search, None)?;
    let l = Local::open(&local).await?;
    let groups = every_page(query, |q| {
        let (l, tenant) = (&l, &tenant);
        async move { l.backend.group_page(&l.admin, tenant, &q).await }
    })
    .await?;
    if json {
        return print_json(&groups);
    }
    let rows: Vec<Vec<String>> =
        groups.iter().map(|g| vec![g.id.clone(), g.display_name.clone(), g.members.to_string()]).collect();
    print_table(&["ID", "DISPLAY NAME", "MEMBERS"], &rows);
    Ok(())
}

/// Runs a `log` command.
pub async fn log(command: LogCommand) -> anyhow::Result<()> {
    match command {
        LogCommand::Export { tenant, format, op, outcome, resource, q, from, to, last, local } => {
            let query = LogQuery { op, outcome, resource, q, from, to, last, ..LogQuery::default() };
            export_log(&tenant, &format, &query, &local).await
        }
        LogCommand::Retention { tenant, days, no_days, rows, no_rows, local } => {
            let l = Local::open(&local).await?;
            let mut kept = l.backend.log_retention(&l.admin, &tenant).await.map_err(refused)?;
            if days.is_some() || no_days || rows.is_some() || no_rows {
                let days = if no_days { None } else { days.or(kept.days) };
                let rows = if no_rows { None } else { rows.or(kept.rows) };
                kept = l.backend.set_log_retention(&l.admin, None, &tenant, days, rows).await.map_err(refused)?;
            }
            let days = kept.days.map_or("no age limit".to_owned(), |d| format!("{d} days"));
            let rows = kept.rows.map_or("no count limit".to_owned(), |r| format!("the newest {r} rows"));
            println!("{tenant} keeps its provisioning log for {days}, {rows}; {} rows to prune now.", kept.prunable);
            Ok(())
        }
    }
}

/// `log export`: the download streamed to stdout.
async fn export_log(tenant: &str, format: &str, query: &LogQuery, local: &LocalArgs) -> anyhow::Result<()> {
    let format = Format::of(Some(format)).map_err(|_| anyhow::anyhow!("--format is csv or json"))?;
    let l = Local::open(local).await?;
    let download = l.backend.log_export(&l.admin, tenant, query, format).await.map_err(refused)?;
    let mut body = download.into_body().into_data_stream();
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = body.next().await {
        out.write_all(&chunk?)?;
    }
    out.flush()?;
    Ok(())
}

/// Runs an `audit` command.
pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List { tenant, search, json, local } = command;
    let l = Local::open(&local).await?;
    let page = l.backend.audit_page(&l.admin, tenant.as_deref(), &search, None).await.map_err(refused)?;
    if json {
        return print_json(&page.rows);
    }
    let rows: Vec<Vec<String>> = page
        .rows
        .iter()
        .map(|a| vec![a.time.clone(), a.tenant.clone().unwrap_or_default(), a.actor.clone(), a.summary.clone()])
        .collect();
    print_table(&["TIME", "TENANT", "ACTOR", "WHAT"], &rows);
    Ok(())
}

/// `scimhub secret end-grace`: a superseded secret stops working now.
pub async fn end_grace(tenant: &str, credential_id: &str, local: &LocalArgs) -> anyhow::Result<()> {
    let l = Local::open(local).await?;
    l.backend.end_grace(&l.admin, None, tenant, credential_id).await.map_err(refused)?;
    println!("The secret {credential_id} of {tenant} stopped working.");
    Ok(())
}

/// `scimhub tenant rename`.
pub async fn rename_tenant(tenant: &str, display_name: &str, local: &LocalArgs) -> anyhow::Result<()> {
    let l = Local::open(local).await?;
    let renamed = l.backend.rename_tenant(&l.admin, None, tenant, display_name).await.map_err(refused)?;
    println!("{} is now called \"{}\".", renamed.name, renamed.display_name);
    Ok(())
}
