//! Building provisioning-log rows: what the request was, what came of it, and redacted
//! excerpts of both bodies. Authorization headers are never recorded; passwords, secrets and
//! tokens inside bodies are replaced before anything is stored.

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::db::sql::Statement;
use crate::db::{self, log::NewLogEntry};
use crate::error::ApiError;
use crate::scim_http::response::LogFacts;

/// The longest body excerpt kept, in bytes.
pub const EXCERPT_LIMIT: usize = 4096;

const REDACTED: &str = "[redacted]";

/// Whether a JSON key names something secret.
fn is_sensitive_key(key: &str) -> bool {
    ["password", "secret", "token", "authorization", "credential"]
        .iter()
        .any(|s| key.as_bytes().windows(s.len()).any(|w| w.eq_ignore_ascii_case(s.as_bytes())))
}

/// Whether any key in the value, at any depth, names something secret.
fn has_sensitive_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, v)| is_sensitive_key(key) || has_sensitive_key(v)),
        Value::Array(items) => items.iter().any(has_sensitive_key),
        _ => false,
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_sensitive_key(key) {
                    *v = Value::from(REDACTED);
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// A redacted, truncated excerpt of a body; non-JSON bodies are described, not stored, since
/// nothing could be redacted in them.
pub fn excerpt(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return Some(format!("[{} bytes, not JSON]", body.len()));
    };
    Some(json_excerpt(json))
}

/// A redacted, truncated excerpt of a JSON body.
pub fn json_excerpt(mut json: Value) -> String {
    redact_value(&mut json);
    truncated(&json.to_string())
}

/// The excerpt of a body already serialized as `text`: the text itself, cut, when nothing in
/// it needs redacting (no second serialization), else as [`json_excerpt`].
fn sent_excerpt(body: &Value, text: &str) -> String {
    if has_sensitive_key(body) {
        json_excerpt(body.clone())
    } else {
        truncated(text)
    }
}

/// The text cut to [`EXCERPT_LIMIT`] bytes (at a character boundary), marked when cut.
fn truncated(text: &str) -> String {
    if text.len() <= EXCERPT_LIMIT {
        return text.to_owned();
    }
    let mut cut = EXCERPT_LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// What is known about a SCIM request before it is handled.
#[derive(Debug, Clone)]
pub struct LogDraft {
    /// The tenant.
    pub tenant_id: String,
    /// The credential, once authenticated.
    pub credential_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query below the SCIM base.
    pub path: String,
    /// Arrival time (ms).
    pub occurred_at: i64,
    /// Monotonic arrival time, for the latency.
    pub started: Instant,
    /// Redacted request body.
    pub request_excerpt: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Client User-Agent.
    pub user_agent: Option<String>,
}

/// The outcome of a request, as the log records it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// The operation.
    pub operation: String,
    /// `User` or `Group`.
    pub resource_type: Option<String>,
    /// The resource id.
    pub resource_id: Option<String>,
    /// The userName.
    pub user_name: Option<String>,
    /// What the log keeps of the response body.
    pub response: LoggedBody,
}

/// What the log keeps of a response body: a redacted excerpt and, for an error, its `scimType`
/// and `detail`.
#[derive(Debug, Clone, Default)]
pub struct LoggedBody {
    /// The redacted, truncated body.
    pub excerpt: Option<String>,
    /// An error's `scimType`.
    pub scim_type: Option<String>,
    /// An error's `detail`.
    pub detail: Option<String>,
}

impl LoggedBody {
    /// A response body with this status.
    pub fn of(status: u16, body: &Value) -> LoggedBody {
        LoggedBody::sent(status, body, &body.to_string())
    }

    /// A response body with this status, already serialized as `text`.
    pub fn sent(status: u16, body: &Value, text: &str) -> LoggedBody {
        let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
        let (scim_type, detail) = if status >= 400 { (field("scimType"), field("detail")) } else { (None, None) };
        LoggedBody { excerpt: Some(sent_excerpt(body, text)), scim_type, detail }
    }
}

impl LogDraft {
    /// The complete row for this request.
    pub fn finish(&self, outcome: Outcome) -> NewLogEntry {
        let LoggedBody { excerpt: response_excerpt, scim_type, detail } = outcome.response;
        NewLogEntry {
            tenant_id: self.tenant_id.clone(),
            occurred_at: self.occurred_at,
            credential_id: self.credential_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            operation: outcome.operation,
            resource_type: outcome.resource_type,
            resource_id: outcome.resource_id,
            user_name: outcome.user_name,
            status: outcome.status,
            scim_type,
            detail,
            latency_us: i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            request_excerpt: self.request_excerpt.clone(),
            response_excerpt,
            client_addr: self.client_addr.clone(),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// A successful mutation, as its log row records it.
#[derive(Debug)]
pub struct Mutation<'a> {
    /// The response status.
    pub status: StatusCode,
    /// The operation (create, replace, update, deactivate, reactivate, delete).
    pub operation: &'static str,
    /// `User` or `Group`.
    pub resource_type: &'static str,
    /// The resource id.
    pub resource_id: &'a str,
    /// The userName, or the group's displayName.
    pub name: &'a str,
    /// The response body, if any.
    pub body: Option<&'a Value>,
    /// What else the row should say (a group's membership changes).
    pub detail: Option<String>,
}

/// Writes the log row of a successful mutation inside its transaction, then commits: the log
/// never misses a change nor records one that did not happen.
pub async fn commit_logged(
    mut tx: Transaction<'static, Any>,
    draft: &LogDraft,
    mutation: Mutation<'_>,
) -> Result<LogFacts, ApiError> {
    let (row, facts) = mutation_row(draft, mutation);
    row.execute(&mut tx).await?;
    tx.commit().await?;
    Ok(facts)
}

/// The statement that writes the log row of a successful mutation — to run with the change, in
/// its transaction — and what the response tells the logging layer.
pub fn mutation_row(draft: &LogDraft, mutation: Mutation<'_>) -> (Statement, LogFacts) {
    let mut entry = draft.finish(Outcome {
        status: mutation.status.as_u16(),
        operation: mutation.operation.to_owned(),
        resource_type: Some(mutation.resource_type.to_owned()),
        resource_id: Some(mutation.resource_id.to_owned()),
        user_name: Some(mutation.name.to_owned()),
        response: mutation.body.map(|body| LoggedBody::of(mutation.status.as_u16(), body)).unwrap_or_default(),
    });
    entry.detail = mutation.detail;
    let facts = LogFacts {
        operation: Some(mutation.operation),
        resource_type: Some(mutation.resource_type),
        resource_id: Some(mutation.resource_id.to_owned()),
        user_name: Some(mutation.name.to_owned()),
        already_logged: true,
        response: None,
    };
    (db::log::append_statement(std::slice::from_ref(&entry)), facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_redact_secrets_at_any_depth() {
        let body = br#"{"userName":"a","password":"hunter2","x":[{"client_secret":"s","ok":1}],"accessToken":"t"}"#;
        let text = excerpt(body).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("\"s\"") && !text.contains("\"t\""), "{text}");
        assert!(text.contains("\"userName\":\"a\"") && text.contains("\"ok\":1"));
    }

    #[test]
    fn sent_bodies_are_reused_unless_something_needs_redacting() {
        let plain = serde_json::json!({ "userName": "a", "emails": [{ "value": "a@x" }] });
        let text = plain.to_string();
        assert_eq!(LoggedBody::sent(200, &plain, &text).excerpt.as_deref(), Some(text.as_str()));
        let secret = serde_json::json!({ "userName": "a", "x": [{ "ClientSecret": "s" }] });
        let logged = LoggedBody::sent(200, &secret, &secret.to_string()).excerpt.unwrap();
        assert!(!logged.contains("\"s\"") && logged.contains(REDACTED), "{logged}");
        let error = serde_json::json!({ "scimType": "uniqueness", "detail": "taken", "status": "409" });
        let logged = LoggedBody::of(409, &error);
        assert_eq!((logged.scim_type.as_deref(), logged.detail.as_deref()), (Some("uniqueness"), Some("taken")));
        assert_eq!(LoggedBody::of(200, &error).scim_type, None);
        let long = serde_json::json!({ "v": "é".repeat(5000) });
        let cut = LoggedBody::of(200, &long).excerpt.unwrap();
        assert!(cut.len() <= EXCERPT_LIMIT + "…".len() && cut.ends_with('…'));
    }

    #[test]
    fn excerpts_are_truncated_and_non_json_is_not_stored() {
        let long = serde_json::json!({ "v": "é".repeat(5000) }).to_string();
        let text = excerpt(long.as_bytes()).unwrap();
        assert!(text.len() <= EXCERPT_LIMIT + "…".len());
        assert_eq!(excerpt(b"password=hunter2").unwrap(), "[16 bytes, not JSON]");
        assert_eq!(excerpt(b""), None);
    }
}
