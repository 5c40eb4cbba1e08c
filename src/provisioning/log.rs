//! Building provisioning-log rows: what the request was, what came of it, and redacted
//! excerpts of both bodies. Authorization headers are never recorded; passwords, secrets and
//! tokens inside bodies are replaced before anything is stored.

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::db::{self, log::NewLogEntry};
use crate::error::ApiError;
use crate::scim_http::response::LogFacts;

/// The longest body excerpt kept, in bytes.
pub const EXCERPT_LIMIT: usize = 4096;

const REDACTED: &str = "[redacted]";

/// Whether a JSON key names something secret.
fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "authorization", "credential"].iter().any(|s| key.contains(s))
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
    let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
        return Some(format!("[{} bytes, not JSON]", body.len()));
    };
    redact_value(&mut json);
    let mut text = json.to_string();
    if text.len() > EXCERPT_LIMIT {
        let mut cut = EXCERPT_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    Some(text)
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
    /// The response body.
    pub response_body: Option<Value>,
}

impl LogDraft {
    /// The complete row for this request.
    pub fn finish(&self, outcome: Outcome) -> NewLogEntry {
        let (scim_type, detail) = match &outcome.response_body {
            Some(body) if outcome.status >= 400 => (
                body.get("scimType").and_then(Value::as_str).map(str::to_owned),
                body.get("detail").and_then(Value::as_str).map(str::to_owned),
            ),
            _ => (None, None),
        };
        let response_excerpt = outcome.response_body.as_ref().and_then(|b| excerpt(b.to_string().as_bytes()));
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
    let mut entry = draft.finish(Outcome {
        status: mutation.status.as_u16(),
        operation: mutation.operation.to_owned(),
        resource_type: Some(mutation.resource_type.to_owned()),
        resource_id: Some(mutation.resource_id.to_owned()),
        user_name: Some(mutation.name.to_owned()),
        response_body: mutation.body.cloned(),
    });
    entry.detail = mutation.detail;
    db::log::append(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(LogFacts {
        operation: Some(mutation.operation),
        resource_type: Some(mutation.resource_type),
        resource_id: Some(mutation.resource_id.to_owned()),
        user_name: Some(mutation.name.to_owned()),
        already_logged: true,
    })
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
    fn excerpts_are_truncated_and_non_json_is_not_stored() {
        let long = serde_json::json!({ "v": "é".repeat(5000) }).to_string();
        let text = excerpt(long.as_bytes()).unwrap();
        assert!(text.len() <= EXCERPT_LIMIT + "…".len());
        assert_eq!(excerpt(b"password=hunter2").unwrap(), "[16 bytes, not JSON]");
        assert_eq!(excerpt(b""), None);
    }
}
