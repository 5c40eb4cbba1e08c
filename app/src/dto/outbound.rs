//! What *Integrations → Applications* shows and sends: the applications a tenant provisions
//! onward (SCIM services and webhooks), their delivery health and dead letters. No secret
//! crosses the wire except a new webhook's signing secret, once ([`AddedApplication`]).

use serde::{Deserialize, Serialize};

/// The field names of the form that connects an application.
pub mod application_fields {
    /// The application's name.
    pub const NAME: &str = "name";
    /// `scim` or `webhook`.
    pub const KIND: &str = "kind";
    /// A SCIM application's authentication.
    pub const AUTH: &str = "auth";
    /// The SCIM base URL or webhook URL.
    pub const URL: &str = "url";
    /// The Basic user or OAuth client id.
    pub const USER: &str = "user";
    /// The OAuth token URL.
    pub const TOKEN_URL: &str = "tokenUrl";
    /// The bearer token, password or client secret.
    pub const SECRET: &str = "secret";
    /// The scope groups.
    pub const GROUPS: &str = "groups";
    /// The webhook's event types.
    pub const EVENTS: &str = "events";
    /// A SCIM application's outbound mapping.
    pub const MAPPING: &str = "mapping";
    /// The user whose preview is asked for.
    pub const PREVIEW_USER: &str = "previewUser";
}

/// How a SCIM application authenticates: value and label.
pub const AUTH_CHOICES: [(&str, &str); 3] =
    [("bearer", "Bearer token"), ("basic", "HTTP Basic"), ("oauth", "OAuth 2.0 client credentials")];

/// A dead letter: a change an application refused for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Its number.
    pub id: i64,
    /// `User` or `Group`.
    pub resource_type: String,
    /// The userName or displayName at the time.
    pub name: String,
    /// What changed (`created`, `updated`, …).
    pub kind: String,
    /// When the change was made (RFC 3339).
    pub created_at: String,
    /// Attempts made.
    pub attempts: i64,
    /// The application's answer.
    pub error: String,
}

/// One application with its delivery health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRow {
    /// Its name.
    pub name: String,
    /// `scim` or `webhook`.
    pub kind: String,
    /// Its URL.
    pub url: String,
    /// How scimhub authenticates there, in words.
    pub auth: String,
    /// Deliveries are held.
    pub paused: bool,
    /// Changes waiting.
    pub backlog: i64,
    /// Of those, changes that failed at least once.
    pub failing: i64,
    /// Changes on the dead-letter list.
    pub dead: i64,
    /// Changes delivered.
    pub delivered: i64,
    /// The oldest waiting change (RFC 3339).
    pub oldest_pending_at: Option<String>,
    /// The last successful delivery (RFC 3339).
    pub last_success_at: Option<String>,
    /// The last failure, as the application answered or the connection failed.
    pub last_error: Option<String>,
    /// When (RFC 3339).
    pub last_error_at: Option<String>,
    /// What it receives, in words (scope, groups, deletions; or event types).
    pub receives: Vec<String>,
    /// The oldest dead letters (at most 20).
    pub dead_letters: Vec<DeadLetter>,
    /// Requests to it that failed in the last hour (error answers and no answer).
    #[serde(default)]
    pub failures_last_hour: u64,
    /// A SCIM application's outbound mapping, one `target = source` rule a line (`None` for
    /// a webhook).
    #[serde(default)]
    pub mapping: Option<String>,
}

impl ApplicationRow {
    /// A one-word health: `paused`, `failing`, `dead letters`, `healthy`, `new`.
    pub fn health(&self) -> &'static str {
        if self.paused {
            "paused"
        } else if self.failing > 0 {
            "failing"
        } else if self.dead > 0 {
            "dead letters"
        } else if self.last_success_at.is_some() {
            "healthy"
        } else {
            "new"
        }
    }
}

/// A tenant's applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApplicationsPanel {
    /// The tenant's name.
    pub tenant: String,
    /// Whether this administrator may change them.
    pub can_change: bool,
    /// The applications, by name.
    pub applications: Vec<ApplicationRow>,
    /// The internal attributes the tenant's mappers fill, which a mapping may read
    /// (`attribute:<name>`).
    #[serde(default)]
    pub mapper_attributes: Vec<String>,
}

/// An application as the form describes it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct NewApplication {
    /// Its name.
    pub name: String,
    /// `scim` or `webhook`.
    pub kind: String,
    /// Its URL.
    pub url: String,
    /// SCIM: `bearer`, `basic` or `oauth`.
    pub auth: String,
    /// The Basic user or OAuth client id.
    pub user: String,
    /// The OAuth token URL.
    pub token_url: String,
    /// The bearer token, password or client secret (SCIM).
    pub secret: String,
    /// Scope groups, by displayName, comma-separated (empty: every user).
    pub groups: String,
    /// Push groups too.
    pub push_groups: bool,
    /// Keep deleted users there, inactive, instead of deleting them.
    pub deactivate_on_delete: bool,
    /// Webhook event types, comma-separated (empty: all).
    pub events: String,
}

/// Everything but the secret, which is write-only.
impl std::fmt::Debug for NewApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApplication")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("auth", &self.auth)
            .field("user", &self.user)
            .field("token_url", &self.token_url)
            .field("secret", &"****")
            .field("groups", &self.groups)
            .field("push_groups", &self.push_groups)
            .field("deactivate_on_delete", &self.deactivate_on_delete)
            .field("events", &self.events)
            .finish()
    }
}

/// A connected application: its name and, for a webhook, the signing secret, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddedApplication {
    /// Its name.
    pub name: String,
    /// A webhook's signing secret (`whsec_…`), the only time it is sent.
    pub signing_secret: Option<String>,
}

/// The signing secret shows only in the answer, never in a log line.
impl std::fmt::Debug for AddedApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.signing_secret.as_ref().map(|_| "****");
        f.debug_struct("AddedApplication").field("name", &self.name).field("signing_secret", &secret).finish()
    }
}

/// What an administrator does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ApplicationAction {
    /// Test the connection with the credentials.
    Test,
    /// Push everything in scope now.
    Sync,
    /// Hold deliveries.
    Pause,
    /// Deliver again.
    Resume,
    /// Disconnect it.
    Remove,
    /// Put every dead letter back in line.
    RetryDead,
    /// Drop every dead letter.
    SkipDead,
}

/// What came of an action: whether it worked, in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActionReport {
    /// The application.
    pub name: String,
    /// It worked (a failed connection test is `false`).
    pub ok: bool,
    /// What happened.
    pub message: String,
}

/// A saved outbound mapping: the rules as stored and how many resources were queued to push
/// again under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SavedMapping {
    /// The rules, one `target = source` a line.
    pub mapping: String,
    /// Users and groups queued.
    pub queued: u64,
}
