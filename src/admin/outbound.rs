//! *Integrations → Applications* (`app::backend::OutboundBackend`): the applications a tenant
//! provisions onward, through `outbound::manage`, with the rights checked and every change
//! audited here.

use app::backend::OutboundBackend;
use app::dto::{
    application_fields as fields, ActionReport, AddedApplication, AdminIdentity, ApplicationAction, ApplicationRow,
    ApplicationsPanel, DeadLetter, NewApplication, SavedMapping,
};
use app::AppError;
use serde_json::json;

use super::{Backend, OrInternal};
use crate::clock::rfc3339_ms;
use crate::db::{self, outbound as store};
use crate::outbound::application::{self, Application, Auth, Invalid, Kind, OnDelete};
use crate::outbound::client::Client;
use crate::outbound::journal::Journal;
use crate::outbound::manage::{self, ManageError};
use crate::outbound::mapping;
use crate::secret::Secret;

/// Dead letters shown per application.
const DEAD_LETTERS_SHOWN: i64 = 20;

/// How long a connection test from the dashboard may take per request.
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A refusal of `manage` as the form shows it: next to its field, or as a page error.
fn refusal(error: ManageError) -> AppError {
    let field = |name: &str, message: String| AppError::InvalidField(name.to_owned(), message);
    match error {
        ManageError::Invalid(e @ (Invalid::Name | Invalid::Url(_) | Invalid::Credentials)) => {
            let name = if matches!(e, Invalid::Name) { fields::NAME } else { fields::URL };
            field(name, e.to_string())
        }
        ManageError::Invalid(e @ Invalid::Event(_)) => field(fields::EVENTS, e.to_string()),
        ManageError::Invalid(e @ Invalid::EmptySecret) => field(fields::SECRET, e.to_string()),
        e @ ManageError::NameTaken(_) => field(fields::NAME, e.to_string()),
        e @ ManageError::Group(_) => field(fields::GROUPS, e.to_string()),
        e @ ManageError::Mapping(_) => field(fields::MAPPING, e.to_string()),
        e @ ManageError::NoSuchUser(_) => field(fields::PREVIEW_USER, e.to_string()),
        e @ ManageError::NotScim(_) => AppError::Invalid(e.to_string()),
        ManageError::NoSuchApp(_) => AppError::NotFound,
        ManageError::Db(e) => super::internal(e),
    }
}

/// The form's authentication, checked.
fn auth_of(form: &NewApplication) -> Result<Auth, AppError> {
    let missing = |name: &str, what: &str| AppError::InvalidField(name.to_owned(), format!("{what} is required"));
    match form.auth.as_str() {
        "bearer" => Ok(Auth::Bearer),
        "basic" if form.user.trim().is_empty() => Err(missing(fields::USER, "the user name")),
        "basic" => Ok(Auth::Basic { user: form.user.trim().to_owned() }),
        "oauth" if form.user.trim().is_empty() => Err(missing(fields::USER, "the client id")),
        "oauth" => {
            let token_url = form.token_url.trim().to_owned();
            application::check_url(&token_url)
                .map_err(|e| AppError::InvalidField(fields::TOKEN_URL.into(), e.to_string()))?;
            Ok(Auth::OAuth { client_id: form.user.trim().to_owned(), token_url })
        }
        other => Err(AppError::InvalidField(
            fields::AUTH.into(),
            format!("unknown authentication \"{other}\": use bearer, basic or oauth"),
        )),
    }
}

/// A comma-separated list, trimmed, without empty items.
fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Backend {
    /// The tenant's applications with their health, by name.
    pub(super) async fn application_rows(
        &self,
        tenant: &crate::tenant::Tenant,
    ) -> Result<Vec<ApplicationRow>, AppError> {
        let apps = store::list(&self.state.db, &tenant.id).await.or_internal()?;
        if apps.is_empty() {
            return Ok(Vec::new());
        }
        self.state.flush_logs().await;
        let since = self.state.clock.now_ms() - manage::FAILURE_WINDOW_MS;
        let failures = db::log::outbound_failures(&self.state.db, &tenant.id, since).await.or_internal()?;
        let mut rows = Vec::new();
        for app in apps {
            let failed = failures.get(&app.id).copied().unwrap_or(0);
            rows.push(self.application_row(app, failed).await?);
        }
        Ok(rows)
    }

    async fn application_row(&self, app: Application, failures_last_hour: u64) -> Result<ApplicationRow, AppError> {
        let db = &self.state.db;
        let queue = store::status(db, &app.id).await.or_internal()?;
        let dead_letters = store::dead_letters(db, &app.id, DEAD_LETTERS_SHOWN).await.or_internal()?;
        let mut scope = Vec::new();
        for id in &app.settings.scope_groups {
            let group = db::group::find(db, &app.tenant_id, id).await.or_internal()?;
            scope.push(group.map_or_else(|| format!("a deleted group ({id})"), |g| g.display_name));
        }
        let receives = match app.kind {
            Kind::Webhook => vec![format!("Events: {}", app.settings.events.join(", "))],
            Kind::Scim => vec![
                if scope.is_empty() { "Every user".to_owned() } else { format!("Members of {}", scope.join(", ")) },
                if app.settings.push_groups { "Groups too" } else { "No groups" }.to_owned(),
                match app.settings.on_delete {
                    OnDelete::Delete => "Deleted users are deleted there",
                    OnDelete::Deactivate => "Deleted users are deactivated there",
                }
                .to_owned(),
            ],
        };
        let auth = match &app.auth {
            Auth::Bearer => "Bearer token".to_owned(),
            Auth::Basic { user } => format!("HTTP Basic as {user}"),
            Auth::OAuth { client_id, token_url } => format!("OAuth 2.0 client {client_id} at {token_url}"),
            Auth::Signature => "Signed (Standard Webhooks)".to_owned(),
        };
        Ok(ApplicationRow {
            name: app.name,
            kind: app.kind.as_str().to_owned(),
            url: app.url,
            auth,
            paused: app.paused,
            backlog: queue.backlog,
            failing: queue.failing,
            dead: queue.dead,
            delivered: app.delivered,
            oldest_pending_at: queue.oldest_pending_at.map(rfc3339_ms),
            last_success_at: app.last_success_at.map(rfc3339_ms),
            last_error: app.last_error,
            last_error_at: app.last_error_at.map(rfc3339_ms),
            failures_last_hour,
            mapping: (app.kind == Kind::Scim).then(|| mapping::to_text(&app.settings.mapping)),
            receives,
            dead_letters: dead_letters
                .into_iter()
                .map(|e| DeadLetter {
                    id: e.id,
                    resource_type: e.resource_type,
                    name: e.name,
                    kind: e.kind,
                    created_at: rfc3339_ms(e.created_at),
                    attempts: e.attempts,
                    error: e.last_error.unwrap_or_default(),
                })
                .collect(),
        })
    }
}

#[async_trait::async_trait]
impl OutboundBackend for Backend {
    async fn applications(&self, admin: &AdminIdentity, tenant: &str) -> Result<ApplicationsPanel, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let applications = self.application_rows(&tenant).await?;
        let mappers = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
        Ok(ApplicationsPanel {
            can_change: admin.can_change(&tenant.name),
            tenant: tenant.name,
            applications,
            mapper_attributes: mappers.into_iter().map(|m| m.spec.user_attribute).collect(),
        })
    }

    async fn add_application(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        form: NewApplication,
    ) -> Result<AddedApplication, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let (kind, auth, secret) = match form.kind.as_str() {
            "webhook" => (Kind::Webhook, Auth::Signature, None),
            "scim" => (Kind::Scim, auth_of(&form)?, Some(Secret::given(form.secret.trim().to_owned()))),
            other => {
                let message = format!("unknown application kind \"{other}\": use scim or webhook");
                return Err(AppError::InvalidField(fields::KIND.into(), message));
            }
        };
        let new = manage::NewApplication {
            name: form.name,
            kind,
            url: form.url.trim().to_owned(),
            auth,
            secret,
            scope_groups: list(&form.groups),
            push_groups: form.push_groups,
            on_delete: if form.deactivate_on_delete { OnDelete::Deactivate } else { OnDelete::Delete },
            events: list(&form.events),
        };
        let now = self.state.clock.now_ms();
        let (app, shown) =
            manage::add(&self.state.db, &self.state.seal, &tenant.id, new, now).await.map_err(refusal)?;
        let detail =
            json!({ "application": app.name, "kind": app.kind.as_str(), "url": app.url, "auth": app.auth.as_str() });
        self.audit(admin, address, &tenant, "outbound_app.add", detail).await;
        Ok(AddedApplication { name: app.name, signing_secret: shown.map(|s| s.expose().to_owned()) })
    }

    async fn application_action(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        name: &str,
        action: ApplicationAction,
    ) -> Result<ActionReport, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let db = &self.state.db;
        let app = manage::find(db, &tenant.id, name).await.map_err(refusal)?;
        let now = self.state.clock.now_ms();
        let report = |ok: bool, message: String| ActionReport { name: app.name.clone(), ok, message };
        let (audited, answer) = match action {
            ApplicationAction::Test => {
                let journal = Journal::new(self.state.outbound_log.clone(), self.state.clock.clone());
                let client = Client::new(self.state.seal.clone(), TEST_TIMEOUT).or_internal()?.with_journal(journal);
                // A test changes nothing: it is not audited.
                return Ok(match manage::test(&client, &app, now).await {
                    Ok(checks) => report(true, format!("Connection test passed: {}.", checks.join("; "))),
                    Err(e) => report(false, format!("Connection test failed: {e}")),
                });
            }
            ApplicationAction::Sync => {
                let queued = manage::sync(db, &tenant.id, name, now).await.map_err(refusal)?;
                (
                    ("outbound_app.sync", json!({ "queued": queued })),
                    report(true, format!("Queued {queued} users and groups.")),
                )
            }
            ApplicationAction::Pause | ApplicationAction::Resume => {
                let paused = action == ApplicationAction::Pause;
                manage::set_paused(db, &tenant.id, name, paused).await.map_err(refusal)?;
                let (audit_action, words) = if paused {
                    ("outbound_app.pause", "Paused: changes wait.")
                } else {
                    ("outbound_app.resume", "Resumed: waiting changes go out.")
                };
                ((audit_action, json!({})), report(true, words.to_owned()))
            }
            ApplicationAction::Remove => {
                manage::remove(db, &tenant.id, name).await.map_err(refusal)?;
                (("outbound_app.remove", json!({})), report(true, "Removed.".to_owned()))
            }
            ApplicationAction::RetryDead => {
                let count = store::retry_dead(db, &app.id, None, now).await.or_internal()?;
                (
                    ("outbound_app.retry", json!({ "count": count })),
                    report(true, format!("{count} dead letters back in line.")),
                )
            }
            ApplicationAction::SkipDead => {
                let count = store::skip_dead(db, &app.id, None).await.or_internal()?;
                (
                    ("outbound_app.skip", json!({ "count": count })),
                    report(true, format!("{count} dead letters dropped.")),
                )
            }
        };
        let (action, mut detail) = audited;
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("application".into(), json!(app.name));
        }
        self.audit(admin, address, &tenant, action, detail).await;
        Ok(answer)
    }

    async fn save_application_mapping(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        name: &str,
        text: &str,
        defaults: bool,
    ) -> Result<SavedMapping, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let rules = match defaults {
            true => None,
            false => Some(mapping::parse_text(text).map_err(|e| refusal(e.into()))?),
        };
        let db = &self.state.db;
        let now = self.state.clock.now_ms();
        let queued = manage::set_mapping(db, &tenant.id, name, rules, now).await.map_err(refusal)?;
        let saved = mapping::to_text(&manage::find(db, &tenant.id, name).await.map_err(refusal)?.settings.mapping);
        let detail = json!({ "application": name, "mapping": saved, "queued": queued });
        self.audit(admin, address, &tenant, "outbound_app.mapping", detail).await;
        Ok(SavedMapping { mapping: saved, queued })
    }

    async fn preview_application_user(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        name: &str,
        user: &str,
        text: &str,
    ) -> Result<String, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let rules = match text.trim().is_empty() {
            true => None,
            false => Some(mapping::parse_text(text).map_err(|e| refusal(e.into()))?),
        };
        let rendered = manage::preview(&self.state.db, &tenant.id, name, user, rules).await.map_err(refusal)?;
        serde_json::to_string_pretty(&rendered).or_internal()
    }
}
