//! Building provisioning-log rows: what the request was, what came of it, and redacted
//! excerpts of both bodies. Authorization headers are never recorded. Request bodies are
//! redacted by meaning ([`scim::redact`]: every value put into a write-only attribute such as
//! `password`, by any spelling of its path), and then by key (anything under a key naming a
//! password, secret or token); secret query parameters and filter values compared with a
//! write-only attribute are replaced in the logged path. Every value taken out is then scrubbed
//! from the whole row — excerpts, `detail`, `scimType`, path — so an error message that echoes
//! it cannot keep it.

use std::borrow::Cow;
use std::fmt;
use std::time::Instant;

use scim::redact::{Secrets, REDACTED, STANDARD};
use serde_json::Value;

use super::caller::{Actor, Caller};
use super::outcome::Status;
use crate::db::sql::Statement;
use crate::db::{self, log::NewLogEntry, Db};

/// The longest body excerpt kept, in bytes.
pub const EXCERPT_LIMIT: usize = 4096;

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

/// Replaces, at any depth, the values under keys that name something secret (the safety net
/// behind the redaction by schema), remembering them.
fn redact_by_key(value: &mut Value, secrets: &mut Secrets) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_sensitive_key(key) {
                    secrets.take(v);
                } else {
                    redact_by_key(v, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_by_key(v, secrets)),
        _ => {}
    }
}

/// A request body as the log keeps it: a redacted, truncated excerpt, and the secret values
/// taken out of it (to scrub from the rest of the row). `Debug` does not show the values.
#[derive(Debug, Clone, Default)]
pub struct RequestExcerpt {
    /// The excerpt.
    pub text: String,
    /// The values redacted from the body.
    pub secrets: Secrets,
    /// The resource's name the body carries (`userName`, else `displayName`): what a refused
    /// create or replace attempted, so the log's name filter finds the refusal too.
    pub name: Option<String>,
}

/// The longest name a log row keeps from a request body (in bytes).
const NAME_LIMIT: usize = 256;

/// The excerpt of a request body; non-JSON bodies are described, not stored, since nothing
/// could be redacted in them.
pub fn excerpt(body: &[u8]) -> Option<RequestExcerpt> {
    if body.is_empty() {
        return None;
    }
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = format!("[{} bytes, not JSON]", body.len());
        return Some(RequestExcerpt { text, ..RequestExcerpt::default() });
    };
    Some(json_excerpt(json))
}

/// The excerpt of a JSON request body (a resource, `PatchOp`, `BulkRequest`, `SearchRequest`):
/// redacted by schema, then by key, serialized once.
pub fn json_excerpt(mut json: Value) -> RequestExcerpt {
    let name = ["userName", "displayName"]
        .into_iter()
        .find_map(|key| json.get(key).and_then(Value::as_str))
        .filter(|name| name.len() <= NAME_LIMIT)
        .map(str::to_owned);
    let mut secrets = STANDARD.request(&mut json);
    redact_by_key(&mut json, &mut secrets);
    RequestExcerpt { text: truncated(&json.to_string()), secrets, name }
}

/// The excerpt of a response body already serialized as `text`: the text itself, cut, when no
/// key in it names a secret (no second serialization), else redacted by key. (Responses never
/// carry write-only attributes; what an error echoes is scrubbed by [`LogDraft::finish`].)
fn sent_excerpt(body: &Value, text: &str) -> String {
    if has_sensitive_key(body) {
        let mut body = body.clone();
        redact_by_key(&mut body, &mut Secrets::default());
        truncated(&body.to_string())
    } else {
        truncated(text)
    }
}

/// Query parameters whose values are secret whatever their spelling's case: besides the keys
/// [`is_sensitive_key`] catches (`access_token`, `client_secret`, `password`, …).
const SECRET_PARAMETERS: [&str; 4] = ["code", "key", "apikey", "api_key"];

/// A path with its query redacted: the values of secret parameters (`access_token`, `token`,
/// `client_secret`, `code`, …) and, in a `filter`, the values compared with a write-only
/// attribute; with the values taken out. Borrowed, and no secrets, when nothing changed.
pub fn redact_query(path: &str) -> (Cow<'_, str>, Secrets) {
    let mut secrets = Secrets::default();
    let Some((head, query)) = path.split_once('?') else {
        return (Cow::Borrowed(path), secrets);
    };
    let mut pairs = Vec::new();
    for pair in query.split('&') {
        let raw_key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let Some((key, value)) = url::form_urlencoded::parse(pair.as_bytes()).next() else {
            pairs.push(Cow::Borrowed(pair));
            continue;
        };
        if is_sensitive_key(&key) || SECRET_PARAMETERS.iter().any(|p| p.eq_ignore_ascii_case(&key)) {
            secrets.insert(&value);
            pairs.push(Cow::Owned(format!("{raw_key}={REDACTED}")));
        } else if let Some((filter, found)) =
            key.eq_ignore_ascii_case("filter").then(|| STANDARD.filter(&value)).flatten()
        {
            secrets.extend(&found);
            pairs.push(Cow::Owned(format!("{raw_key}={}", encode_query_value(&filter))));
        } else {
            pairs.push(Cow::Borrowed(pair));
        }
    }
    if secrets.is_empty() {
        return (Cow::Borrowed(path), secrets);
    }
    (Cow::Owned(format!("{head}?{}", pairs.join("&"))), secrets)
}

/// A query value percent-encoded for display: only what would change the query's meaning or
/// is not printable ASCII is encoded, so `[redacted]` stays legible.
fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?[]".contains(&b) => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Replaces every occurrence of the secrets in a field.
fn scrub(field: &mut String, secrets: &Secrets) {
    if let Some(clean) = secrets.scrub(field) {
        *field = clean;
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
#[derive(Clone)]
pub struct LogDraft {
    /// The tenant.
    pub tenant_id: String,
    /// The credential, once authenticated.
    pub credential_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query below the SCIM base, as requested: [`LogDraft::finish`] redacts it (see
    /// [`redact_query`]), and `Debug` shows it redacted.
    pub path: String,
    /// Arrival time (ms).
    pub occurred_at: i64,
    /// Monotonic arrival time, for the latency.
    pub started: Instant,
    /// The redacted request body and the secrets taken out of it.
    pub request_excerpt: Option<RequestExcerpt>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Client User-Agent.
    pub user_agent: Option<String>,
    /// The request's id (`X-Request-Id`), when it came over HTTP.
    pub request_id: Option<String>,
}

/// How a request ended, as the log records it.
#[derive(Debug, Clone, Default)]
pub struct LoggedOutcome {
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

impl fmt::Debug for LogDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogDraft")
            .field("tenant_id", &self.tenant_id)
            .field("credential_id", &self.credential_id)
            .field("method", &self.method)
            .field("path", &redact_query(&self.path).0)
            .field("occurred_at", &self.occurred_at)
            .field("request_excerpt", &self.request_excerpt)
            .finish_non_exhaustive()
    }
}

impl LogDraft {
    /// The draft for a change `caller` makes outside the SCIM API (an administrator by hand),
    /// named as the SCIM request that would make it: `method` on `path`.
    pub fn by_hand(caller: &Caller, method: &str, path: String, occurred_at: i64, client_addr: Option<String>) -> Self {
        let user_agent = match &caller.actor {
            Actor::Administrator { label } => format!("scimhub dashboard (administrator {label})"),
            Actor::ScimClient { .. } => "scimhub".to_owned(),
        };
        LogDraft {
            tenant_id: caller.tenant.id.clone(),
            credential_id: caller.credential_id().map(str::to_owned),
            method: method.to_owned(),
            path,
            occurred_at,
            started: Instant::now(),
            request_excerpt: None,
            client_addr,
            user_agent: Some(user_agent),
            request_id: None,
        }
    }

    /// The complete row for this request, with the path's secrets redacted and every secret
    /// value taken from the request (body or query) scrubbed from every text the row keeps.
    pub fn finish(&self, outcome: LoggedOutcome) -> NewLogEntry {
        let LoggedBody { excerpt: response_excerpt, scim_type, detail } = outcome.response;
        let (path, query_secrets) = redact_query(&self.path);
        let mut entry = NewLogEntry {
            tenant_id: self.tenant_id.clone(),
            occurred_at: self.occurred_at,
            credential_id: self.credential_id.clone(),
            method: self.method.clone(),
            path: path.into_owned(),
            operation: outcome.operation,
            resource_type: outcome.resource_type,
            resource_id: outcome.resource_id,
            // What the change named; for a refusal, what the request attempted.
            user_name: outcome.user_name.or_else(|| self.request_excerpt.as_ref().and_then(|r| r.name.clone())),
            status: outcome.status,
            scim_type,
            detail,
            latency_us: i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            request_excerpt: self.request_excerpt.as_ref().map(|r| r.text.clone()),
            response_excerpt,
            client_addr: self.client_addr.clone(),
            user_agent: self.user_agent.clone(),
            application_id: None,
            request_id: self.request_id.clone(),
        };
        let body_secrets = self.request_excerpt.as_ref().map(|r| &r.secrets);
        for secrets in [body_secrets, Some(&query_secrets)].into_iter().flatten().filter(|s| !s.is_empty()) {
            scrub(&mut entry.path, secrets);
            let fields = [
                &mut entry.request_excerpt,
                &mut entry.response_excerpt,
                &mut entry.detail,
                &mut entry.scim_type,
                &mut entry.user_name,
            ];
            fields.into_iter().flatten().for_each(|field| scrub(field, secrets));
        }
        entry
    }
}

/// What an operation tells the provisioning log about its request, beyond what the request
/// itself says.
#[derive(Debug, Clone, Default)]
pub struct LogFacts {
    /// The operation (create, replace, update, deactivate, delete, read, list, discovery).
    pub operation: Option<&'static str>,
    /// `User` or `Group`.
    pub resource_type: Option<&'static str>,
    /// The resource id.
    pub resource_id: Option<String>,
    /// The userName.
    pub user_name: Option<String>,
    /// The operation already wrote the log row with its change.
    pub already_logged: bool,
    /// The response body as the log keeps it, taken while the body was serialized (so the
    /// logging layer need not parse it again).
    pub response: Option<LoggedBody>,
}

/// A successful mutation, as its log row records it.
#[derive(Debug)]
pub struct Mutation<'a> {
    /// The response status.
    pub status: Status,
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
    /// The ids of the members a group change added and removed, when it changed members.
    pub members: Option<MemberIds<'a>>,
}

/// The members a group change added and removed.
#[derive(Debug, Clone, Copy)]
pub struct MemberIds<'a> {
    /// The ids that became members.
    pub added: &'a [String],
    /// The ids that stopped being members.
    pub removed: &'a [String],
}

impl Mutation<'_> {
    /// The change as the outbox records it, with the members it added and removed as JSON.
    fn outbox_change(&self, tenant_id: &str, now_ms: i64) -> Statement {
        let kind = match self.operation {
            "create" => "created",
            "deactivate" => "deactivated",
            "delete" => "deleted",
            _ => "updated",
        };
        let members = self.members.map(|m| serde_json::json!({ "added": m.added, "removed": m.removed }).to_string());
        let change = db::outbound::Change {
            tenant_id,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            kind,
            name: self.name,
        };
        db::outbound::enqueue_statement(change, members, now_ms)
    }
}

/// Runs a change's statements with its log row and its outbound events (one per application of
/// the tenant: the transactional outbox), all in one transaction: the log never misses a change
/// nor records one that did not happen, and no committed change misses its delivery. `None`
/// when a statement found the resource other than expected (a concurrent change): then nothing
/// was written. A request that changes nothing (no statements) is logged and sends nothing.
pub async fn write_logged(
    db: &Db,
    draft: &LogDraft,
    mut statements: Vec<Statement>,
    mutation: Mutation<'_>,
) -> Result<Option<LogFacts>, sqlx::Error> {
    if !statements.is_empty() {
        statements.push(mutation.outbox_change(&draft.tenant_id, draft.occurred_at));
    }
    let (row, facts) = mutation_row(draft, mutation);
    statements.push(row);
    Ok(match db.write(statements).await? {
        db::Outcome::Written => Some(facts),
        db::Outcome::Conflict => None,
    })
}

/// The statement that writes the log row of a successful mutation — to run with the change, in
/// its transaction — and what the response tells the logging layer.
fn mutation_row(draft: &LogDraft, mutation: Mutation<'_>) -> (Statement, LogFacts) {
    let mut response = mutation.body.map(|body| LoggedBody::of(mutation.status.code(), body)).unwrap_or_default();
    response.detail = mutation.detail;
    let entry = draft.finish(LoggedOutcome {
        status: mutation.status.code(),
        operation: mutation.operation.to_owned(),
        resource_type: Some(mutation.resource_type.to_owned()),
        resource_id: Some(mutation.resource_id.to_owned()),
        user_name: Some(mutation.name.to_owned()),
        response,
    });
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
        let text = excerpt(body).unwrap().text;
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
        let text = excerpt(long.as_bytes()).unwrap().text;
        assert!(text.len() <= EXCERPT_LIMIT + "…".len());
        assert_eq!(excerpt(b"password=hunter2").unwrap().text, "[16 bytes, not JSON]");
        assert!(excerpt(b"").is_none());
    }

    fn draft(path: &str, body: &[u8]) -> LogDraft {
        LogDraft {
            tenant_id: "t".into(),
            credential_id: None,
            method: "PATCH".into(),
            path: path.into(),
            occurred_at: 0,
            started: Instant::now(),
            request_excerpt: excerpt(body),
            client_addr: None,
            user_agent: None,
            request_id: None,
        }
    }

    /// The texts of a row that could hold a secret.
    fn texts(entry: &NewLogEntry) -> String {
        let fields = [&entry.request_excerpt, &entry.response_excerpt, &entry.detail, &entry.scim_type];
        format!("{} {fields:?} {:?}", entry.path, entry.user_name)
    }

    #[test]
    fn write_only_values_are_redacted_by_path_and_scrubbed_from_what_echoes_them() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
            {"op":"Replace","path":"PASSWORD","value":"by-path-secret"},
            {"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"by-urn-secret"}]}"#;
        let draft = draft("/Users/42", body);
        assert!(format!("{draft:?}").contains("2 redacted"), "{draft:?}");
        let error = serde_json::json!({
            "status": "400",
            "scimType": "invalidValue by-path-secret",
            "detail": "\"by-urn-secret\" is not a valid \"password\"",
        });
        let entry = draft.finish(LoggedOutcome {
            status: 400,
            response: LoggedBody::of(400, &error),
            ..LoggedOutcome::default()
        });
        let texts = texts(&entry);
        assert!(!texts.contains("by-path-secret") && !texts.contains("by-urn-secret"), "{texts}");
        assert!(entry.request_excerpt.as_deref().is_some_and(|r| r.contains(REDACTED) && r.contains("PASSWORD")));
        assert_eq!(entry.detail.as_deref(), Some("\"[redacted]\" is not a valid \"password\""));
    }

    #[test]
    fn secret_query_parameters_and_filter_values_are_redacted() {
        let unchanged = "/Users?filter=userName%20eq%20%22password%22&count=5";
        assert!(matches!(redact_query(unchanged), (Cow::Borrowed(p), s) if p == unchanged && s.is_empty()));
        assert!(matches!(redact_query("/Users/42"), (Cow::Borrowed("/Users/42"), _)));
        let (path, secrets) =
            redact_query("/Users?Access_Token=tok-1&attributes=userName&client_secret=cs%2B2&id_token=");
        assert_eq!(
            path,
            "/Users?Access_Token=[redacted]&attributes=userName&client_secret=[redacted]&id_token=[redacted]"
        );
        assert!(secrets.found_in("tok-1") && secrets.found_in("cs+2"), "{secrets:?}");
        let (path, secrets) = redact_query("/Users?filter=PASSWORD+eq+%22p%40ss-word%22+and+active+eq+true&count=1");
        assert_eq!(path, "/Users?filter=PASSWORD%20eq%20%22[redacted]%22%20and%20active%20eq%20true&count=1");
        assert!(secrets.found_in("p@ss-word"));
        // An unquoted value is a 400 whose detail quotes it.
        let draft = draft("/Users?filter=password%20eq%20bare-secret&token=t0ken-secret", b"");
        let echo = serde_json::json!({ "detail": "invalid value 'bare-secret' (at position 12); t0ken-secret" });
        let entry = draft.finish(LoggedOutcome {
            status: 400,
            response: LoggedBody::of(400, &echo),
            ..LoggedOutcome::default()
        });
        let texts = texts(&entry);
        assert!(!texts.contains("bare-secret") && !texts.contains("t0ken-secret"), "{texts}");
        assert!(!format!("{draft:?}").contains("secret"), "{draft:?}");
    }
}
