//! An outbound application: where a tenant's changes go (a SCIM 2.0 service or a webhook), how
//! scimhub authenticates there, and what it sends. Domain types and their validation, no SQL.

use serde::{Deserialize, Serialize};

/// What kind of receiver an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SCIM 2.0 service provider: users and groups are created, replaced, deactivated and
    /// deleted there.
    Scim,
    /// A URL that receives signed event messages (Standard Webhooks).
    Webhook,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scim => "scim",
            Kind::Webhook => "webhook",
        }
    }

    /// The kind a stored name names.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "scim" => Some(Kind::Scim),
            "webhook" => Some(Kind::Webhook),
            _ => None,
        }
    }
}

/// How scimhub proves itself to the application. The secret each needs is sealed apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// HTTP Basic with this user and the secret as password.
    Basic {
        /// The user name.
        user: String,
    },
    /// OAuth 2.0 client credentials: an access token from `token_url` for this client id and
    /// the secret, cached until it expires.
    OAuth {
        /// The client id.
        client_id: String,
        /// The token endpoint.
        token_url: String,
    },
    /// A webhook: the secret signs each message (HMAC-SHA256).
    Signature,
}

impl Auth {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Auth::Bearer => "bearer",
            Auth::Basic { .. } => "basic",
            Auth::OAuth { .. } => "oauth",
            Auth::Signature => "signature",
        }
    }

    /// The user name (Basic) or client id (OAuth) stored beside the method.
    pub fn user(&self) -> Option<&str> {
        match self {
            Auth::Basic { user } => Some(user),
            Auth::OAuth { client_id, .. } => Some(client_id),
            Auth::Bearer | Auth::Signature => None,
        }
    }

    /// The OAuth token URL.
    pub fn token_url(&self) -> Option<&str> {
        match self {
            Auth::OAuth { token_url, .. } => Some(token_url),
            _ => None,
        }
    }

    /// The method stored as `method`, with its user and token URL.
    pub fn from_stored(method: &str, user: Option<String>, token_url: Option<String>) -> Option<Auth> {
        Some(match (method, user, token_url) {
            ("bearer", _, _) => Auth::Bearer,
            ("signature", _, _) => Auth::Signature,
            ("basic", Some(user), _) => Auth::Basic { user },
            ("oauth", Some(client_id), Some(token_url)) => Auth::OAuth { client_id, token_url },
            _ => return None,
        })
    }
}

/// What a SCIM application does when a user is deleted in scimhub.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// DELETE the user there.
    #[default]
    Delete,
    /// Keep the user there, inactive (`PATCH active: false`).
    Deactivate,
}

/// The event types a webhook may subscribe to.
pub const EVENT_TYPES: [&str; 8] = [
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.deleted",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.members_changed",
];

/// What an application receives, stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// SCIM: only members of these groups (ids) are pushed; empty: every user.
    #[serde(default)]
    pub scope_groups: Vec<String>,
    /// SCIM: push groups (those in scope) with their pushed members.
    #[serde(default)]
    pub push_groups: bool,
    /// SCIM: what a deletion in scimhub does there.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// Webhook: the event types sent (see [`EVENT_TYPES`]).
    #[serde(default)]
    pub events: Vec<String>,
    /// SCIM: what fills each attribute of the users sent ([`super::mapping`]); applications
    /// stored before the mapping existed have the defaults.
    #[serde(default = "super::mapping::default_rules")]
    pub mapping: Vec<super::mapping::Rule>,
}

/// Why an application's settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The name is empty, too long or has control characters.
    #[error("an application's name is 1–64 printable characters")]
    Name,
    /// The URL is not an absolute http(s) URL.
    #[error("\"{0}\" is not an absolute http:// or https:// URL")]
    Url(String),
    /// An event type that does not exist.
    #[error("\"{0}\" is not an event type (one of: {types})", types = EVENT_TYPES.join(", "))]
    Event(String),
    /// A URL with a user name or password in it (not echoed: it holds a secret).
    #[error("put the credentials in the secret, not in the URL (user:password@ is refused)")]
    Credentials,
    /// A secret that is empty.
    #[error("the secret is empty")]
    EmptySecret,
}

/// Checks an application's name.
pub fn check_name(name: &str) -> Result<(), Invalid> {
    let ok = !name.trim().is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control);
    ok.then_some(()).ok_or(Invalid::Name)
}

/// Checks an endpoint URL: absolute, http or https, with a host, and no credentials in it (no
/// `user:password@`, no query): a URL is shown, listed and audited, so a secret belongs in the
/// sealed secret instead.
pub fn check_url(url: &str) -> Result<(), Invalid> {
    let parsed = url::Url::parse(url).map_err(|_| Invalid::Url(url.to_owned()))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Invalid::Credentials);
    }
    let ok = matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() && parsed.query().is_none();
    ok.then_some(()).ok_or_else(|| Invalid::Url(url.to_owned()))
}

/// Checks a webhook's event types; none given means all of them.
pub fn check_events(events: &[String]) -> Result<Vec<String>, Invalid> {
    if events.is_empty() {
        return Ok(EVENT_TYPES.iter().map(|e| (*e).to_owned()).collect());
    }
    match events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        Some(unknown) => Err(Invalid::Event(unknown.clone())),
        None => Ok(events.to_vec()),
    }
}

/// A stored application.
#[derive(Debug, Clone)]
pub struct Application {
    /// Its id.
    pub id: String,
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// Its name, unique in the tenant.
    pub name: String,
    /// SCIM or webhook.
    pub kind: Kind,
    /// The SCIM base URL or the webhook URL.
    pub url: String,
    /// How scimhub authenticates.
    pub auth: Auth,
    /// The sealed secret ([`crate::sealed`]).
    pub sealed_secret: String,
    /// What it receives.
    pub settings: Settings,
    /// Delivery is paused (events wait).
    pub paused: bool,
    /// Creation time (ms).
    pub created_at: i64,
    /// Events delivered so far.
    pub delivered: i64,
    /// The last successful delivery (ms).
    pub last_success_at: Option<i64>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When it happened (ms).
    pub last_error_at: Option<i64>,
}

impl Application {
    /// Whether a webhook receives events of this type (`user.created`, …).
    pub fn subscribed(&self, event_type: &str) -> bool {
        self.settings.events.iter().any(|e| e == event_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_urls_and_events_are_checked() {
        assert!(check_name("Slack").is_ok() && check_name(" ").is_err() && check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert!(check_url("https://app.example/scim/v2").is_ok());
        assert!(check_url("http://127.0.0.1:8080/scim").is_ok());
        assert_eq!(check_url("https://svc:hunter2@app.example/scim"), Err(Invalid::Credentials));
        assert!(!Invalid::Credentials.to_string().contains("hunter2"));
        for bad in ["ftp://x/y", "/relative", "https://x/y?token=1", "not a url"] {
            assert_eq!(check_url(bad), Err(Invalid::Url(bad.into())), "{bad}");
        }
        assert_eq!(check_events(&[]).unwrap().len(), EVENT_TYPES.len());
        assert_eq!(check_events(&["user.created".into()]).unwrap(), vec!["user.created".to_owned()]);
        assert_eq!(check_events(&["user.exploded".into()]), Err(Invalid::Event("user.exploded".into())));
        let auth = Auth::from_stored("oauth", Some("c".into()), Some("https://t".into())).unwrap();
        assert_eq!((auth.as_str(), auth.user(), auth.token_url()), ("oauth", Some("c"), Some("https://t")));
        assert_eq!(Auth::from_stored("basic", None, None), None);
    }
}
