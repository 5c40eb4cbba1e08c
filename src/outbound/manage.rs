//! Connecting, inspecting and operating applications: what the CLI (and the dashboard) call.
//! The caller audits each change with its own actor (the CLI's operator, the dashboard's
//! administrator).

use reqwest::Method;
use serde_json::{json, Value};

use super::application::{self, Application, Auth, Invalid, Kind, OnDelete, Settings};
use super::client::{Client, DeliveryError};
use super::journal::Subject;
use super::mapping::{self, MappingError, Rule};
use super::webhook;
use crate::db::outbound::{self as store, QueueStatus};
use crate::db::{Db, UniqueViolationExt};
use crate::sealed::SealKey;
use crate::secret::Secret;

/// Why an operation on applications was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// Settings that are not valid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The tenant already has an application with this name.
    #[error("the tenant already has an application named \"{0}\"")]
    NameTaken(String),
    /// No application with this name.
    #[error("the tenant has no application named \"{0}\"")]
    NoSuchApp(String),
    /// A scope group that does not exist, or whose name is not unique.
    #[error("{0}")]
    Group(String),
    /// An outbound mapping that does not check.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// An operation only SCIM applications have (the mapping, its preview).
    #[error("\"{0}\" is a webhook: only SCIM applications have an outbound mapping")]
    NotScim(String),
    /// No user with this id or userName.
    #[error("the tenant has no user \"{0}\"")]
    NoSuchUser(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// A new application as the operator describes it.
#[derive(Debug)]
pub struct NewApplication {
    /// Its name.
    pub name: String,
    /// SCIM or webhook.
    pub kind: Kind,
    /// The SCIM base URL or the webhook URL.
    pub url: String,
    /// How scimhub authenticates (webhooks: [`Auth::Signature`]).
    pub auth: Auth,
    /// The secret (a webhook's is generated when `None`).
    pub secret: Option<Secret>,
    /// Scope groups by displayName (SCIM).
    pub scope_groups: Vec<String>,
    /// Push groups (SCIM).
    pub push_groups: bool,
    /// What a deletion does (SCIM).
    pub on_delete: OnDelete,
    /// Event types (webhook; empty: all).
    pub events: Vec<String>,
}

/// Connects an application to a tenant; returns it and, for a webhook, its signing secret
/// (shown once).
pub async fn add(
    db: &Db,
    seal: &SealKey,
    tenant_id: &str,
    new: NewApplication,
    now_ms: i64,
) -> Result<(Application, Option<Secret>), ManageError> {
    application::check_name(&new.name)?;
    application::check_url(&new.url)?;
    if let Some(token_url) = new.auth.token_url() {
        application::check_url(token_url)?;
    }
    let (secret, shown) = match (new.kind, new.secret) {
        (_, Some(secret)) if secret.expose().is_empty() => return Err(Invalid::EmptySecret.into()),
        (Kind::Webhook, None) => {
            let secret = webhook::new_secret();
            let shown = Secret::given(secret.expose().to_owned());
            (secret, Some(shown))
        }
        (_, Some(secret)) => (secret, None),
        (Kind::Scim, None) => return Err(Invalid::EmptySecret.into()),
    };
    let events = match new.kind {
        Kind::Webhook => application::check_events(&new.events)?,
        Kind::Scim => Vec::new(),
    };
    let scope_groups = group_ids(db, tenant_id, &new.scope_groups).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let app = Application {
        sealed_secret: seal.seal(&secret, &id),
        id,
        tenant_id: tenant_id.to_owned(),
        name: new.name.trim().to_owned(),
        kind: new.kind,
        url: new.url,
        auth: new.auth,
        settings: Settings {
            scope_groups,
            push_groups: new.push_groups,
            on_delete: new.on_delete,
            events,
            mapping: mapping::default_rules(),
        },
        paused: false,
        created_at: now_ms,
        delivered: 0,
        last_success_at: None,
        last_error: None,
        last_error_at: None,
    };
    store::insert(db, &app).await.on_unique(|| ManageError::NameTaken(app.name.clone()))??;
    Ok((app, shown))
}

/// The ids of the groups with these displayNames (each must name exactly one group).
async fn group_ids(db: &Db, tenant_id: &str, names: &[String]) -> Result<Vec<String>, ManageError> {
    let mut ids = Vec::new();
    for name in names {
        let found = store::groups_named(db, tenant_id, name).await?;
        match found.as_slice() {
            [id] => ids.push(id.clone()),
            [] => return Err(ManageError::Group(format!("the tenant has no group named \"{name}\""))),
            _ => return Err(ManageError::Group(format!("{} groups are named \"{name}\": rename one", found.len()))),
        }
    }
    Ok(ids)
}

/// The application with this name.
pub async fn find(db: &Db, tenant_id: &str, name: &str) -> Result<Application, ManageError> {
    store::by_name(db, tenant_id, name).await?.ok_or_else(|| ManageError::NoSuchApp(name.to_owned()))
}

/// Pauses or resumes an application's deliveries.
pub async fn set_paused(db: &Db, tenant_id: &str, name: &str, paused: bool) -> Result<(), ManageError> {
    let app = find(db, tenant_id, name).await?;
    store::set_paused(db, &app.id, paused).await?;
    Ok(())
}

/// Disconnects an application: its queue and links go with it.
pub async fn remove(db: &Db, tenant_id: &str, name: &str) -> Result<(), ManageError> {
    let app = find(db, tenant_id, name).await?;
    store::remove(db, &app.id).await?;
    Ok(())
}

/// Queues a push of everything in scope (*Sync now*); returns how many resources.
pub async fn sync(db: &Db, tenant_id: &str, name: &str, now_ms: i64) -> Result<u64, ManageError> {
    let app = find(db, tenant_id, name).await?;
    let groups = app.kind == Kind::Scim && (app.settings.push_groups || !app.settings.scope_groups.is_empty());
    Ok(store::enqueue_everything(db, &app, groups, now_ms).await?)
}

/// The SCIM application with this name (a webhook has no mapping).
async fn find_scim(db: &Db, tenant_id: &str, name: &str) -> Result<Application, ManageError> {
    let app = find(db, tenant_id, name).await?;
    match app.kind {
        Kind::Scim => Ok(app),
        Kind::Webhook => Err(ManageError::NotScim(app.name)),
    }
}

/// The internal attributes the tenant's mappers fill, in their order.
async fn mapper_attributes(db: &Db, tenant_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let mappers = crate::db::mapper::list(db.reader(), tenant_id).await?;
    Ok(mappers.into_iter().map(|m| m.spec.user_attribute).collect())
}

/// Replaces a SCIM application's outbound mapping (`None`: the defaults) once every rule checks
/// against the tenant's mappers, and queues a push of everything in scope so the application
/// receives the users as the new mapping renders them; returns how many resources.
pub async fn set_mapping(
    db: &Db,
    tenant_id: &str,
    name: &str,
    rules: Option<Vec<Rule>>,
    now_ms: i64,
) -> Result<u64, ManageError> {
    let app = find_scim(db, tenant_id, name).await?;
    let rules = rules.unwrap_or_else(mapping::default_rules);
    mapping::check(&rules, &mapper_attributes(db, tenant_id).await?)?;
    let settings = Settings { mapping: rules, ..app.settings.clone() };
    store::set_settings(db, &app.id, &settings).await?;
    sync(db, tenant_id, name, now_ms).await
}

/// The user `user` (an id or a userName) as the SCIM application would receive it under
/// `rules` (checked first), or under its stored mapping.
pub async fn preview(
    db: &Db,
    tenant_id: &str,
    name: &str,
    user: &str,
    rules: Option<Vec<Rule>>,
) -> Result<Value, ManageError> {
    let app = find_scim(db, tenant_id, name).await?;
    if let Some(rules) = &rules {
        mapping::check(rules, &mapper_attributes(db, tenant_id).await?)?;
    }
    let user = user.trim();
    let record = match crate::db::user::get(db, tenant_id, user).await? {
        Some(record) => record,
        None => crate::db::user::by_user_name(db, tenant_id, user)
            .await?
            .ok_or_else(|| ManageError::NoSuchUser(user.to_owned()))?,
    };
    Ok(mapping::render(rules.as_deref().unwrap_or(&app.settings.mapping), &record))
}

/// The window of an application's recent failures (an hour): the health's "failures in the
/// last hour".
pub const FAILURE_WINDOW_MS: i64 = 3_600_000;

/// An application's delivery status at `now_ms`, as `scimhub app status --json` prints it.
pub async fn status(db: &Db, app: &Application, now_ms: i64) -> Result<Value, ManageError> {
    let QueueStatus { backlog, failing, dead, oldest_pending_at } = store::status(db, &app.id).await?;
    let failures = crate::db::log::outbound_failures(db, &app.tenant_id, now_ms - FAILURE_WINDOW_MS).await?;
    Ok(json!({
        "name": app.name,
        "kind": app.kind.as_str(),
        "url": app.url,
        "paused": app.paused,
        "backlog": backlog,
        "failing": failing,
        "delivered": app.delivered,
        "dead_lettered": dead,
        "failures_last_hour": failures.get(&app.id).copied().unwrap_or(0),
        "oldest_pending_at": oldest_pending_at.map(crate::clock::rfc3339_ms),
        "last_success_at": app.last_success_at.map(crate::clock::rfc3339_ms),
        "last_error": app.last_error,
        "last_error_at": app.last_error_at.map(crate::clock::rfc3339_ms),
    }))
}

/// Tests an application's connection: for SCIM, its ServiceProviderConfig and a filtered GET
/// of Users with the credentials; for a webhook, a signed ping. Returns what was checked.
pub async fn test(client: &Client, app: &Application, now_ms: i64) -> Result<Vec<String>, DeliveryError> {
    match app.kind {
        Kind::Webhook => {
            webhook::ping(client, app, now_ms).await?;
            Ok(vec![format!("POST {}: a signed ping was accepted", app.url)])
        }
        Kind::Scim => {
            let config =
                client.scim(app, Subject::about("discovery"), Method::GET, "/ServiceProviderConfig", None).await?;
            if !config.status.is_success() || config.body.get("patch").is_none() {
                return Err(DeliveryError::Malformed(format!(
                    "GET {}/ServiceProviderConfig answered {} without a SCIM ServiceProviderConfig",
                    app.url, config.status
                )));
            }
            let probe = "/Users?filter=userName%20eq%20%22scimhub-connection-test%22&count=1";
            let list = client.scim(app, Subject::about("list"), Method::GET, probe, None).await?;
            if !list.status.is_success() || list.body.get("totalResults").is_none() {
                return Err(DeliveryError::Malformed(format!(
                    "GET {}{probe} answered {} without a SCIM ListResponse",
                    app.url, list.status
                )));
            }
            Ok(vec![
                format!("GET {}/ServiceProviderConfig: a SCIM service provider", app.url),
                format!("GET {}/Users?filter=…: the credentials are accepted", app.url),
            ])
        }
    }
}
