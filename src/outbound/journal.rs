//! Outbound requests in the provisioning log: every request scimhub sends to an application
//! (a push, a lookup, a webhook message, a connection test) becomes a row of the tenant's log
//! with `application_id` set — the direction "out" of the viewer's filter — written off the
//! delivery path by the log writer, like the rows of reads. The same redaction as inbound rows
//! applies to both bodies; credentials travel in headers, which are never recorded. A request
//! that got no answer (refused connection, TLS, timeout) is logged as 502 with the reason.

use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::application::Application;
use crate::clock::SharedClock;
use crate::db::log::NewLogEntry;
use crate::db::log_sink::LogSink;
use crate::provisioning::log::{excerpt, json_excerpt, redact_query, LoggedBody};

/// What a request is about, for its row: the operation and the resource.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// What the request does there: `create`, `link`, `replace`, `deactivate`, `delete`,
    /// `read`, `list`, `discovery`, `notify`.
    pub operation: &'static str,
    /// `User` or `Group`.
    pub resource_type: Option<&'static str>,
    /// scimhub's id of the resource.
    pub id: Option<&'a str>,
    /// Its userName or displayName.
    pub name: Option<&'a str>,
}

impl<'a> Subject<'a> {
    /// A request about no one resource (a connection test, a reconciliation's page).
    pub fn about(operation: &'static str) -> Subject<'a> {
        Subject { operation, ..Subject::default() }
    }
}

/// A request as it was sent.
pub struct Sent<'a> {
    /// The application.
    pub app: &'a Application,
    /// The method.
    pub method: &'a Method,
    /// The absolute URL.
    pub url: &'a str,
    /// What it was about.
    pub subject: Subject<'a>,
    /// The JSON body sent, if any.
    pub body: Option<&'a Value>,
    /// When it started.
    pub started: Instant,
}

/// What came back.
pub enum Answered<'a> {
    /// A status and the body's text.
    Status(StatusCode, &'a str),
    /// No answer, and why.
    Nothing(&'a str),
}

/// Writes outbound rows through the log writer, timed by the application clock.
#[derive(Clone)]
pub struct Journal {
    sink: LogSink,
    clock: SharedClock,
}

impl Journal {
    /// A journal writing through `sink`.
    pub fn new(sink: LogSink, clock: SharedClock) -> Journal {
        Journal { sink, clock }
    }

    /// Waits until every row recorded so far is written.
    pub async fn flush(&self) {
        self.sink.flush().await;
    }

    /// Records one request and its answer.
    pub async fn record(&self, sent: Sent<'_>, answered: Answered<'_>) {
        self.sink.append(row(sent, answered, self.clock.now_ms())).await;
    }
}

/// The row of a request that ended at `now_ms`.
fn row(sent: Sent<'_>, answered: Answered<'_>, now_ms: i64) -> NewLogEntry {
    let elapsed = sent.started.elapsed();
    let latency_us = i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX);
    let occurred_at = now_ms - i64::try_from(elapsed.as_millis()).unwrap_or(0);
    let (status, response) = match answered {
        Answered::Status(status, text) => (status.as_u16(), answer(status.as_u16(), text)),
        Answered::Nothing(why) => {
            (StatusCode::BAD_GATEWAY.as_u16(), LoggedBody { detail: Some(why.to_owned()), ..LoggedBody::default() })
        }
    };
    NewLogEntry {
        tenant_id: sent.app.tenant_id.clone(),
        occurred_at,
        credential_id: None,
        method: sent.method.to_string(),
        path: redact_query(sent.url).0.into_owned(),
        operation: sent.subject.operation.to_owned(),
        resource_type: sent.subject.resource_type.map(str::to_owned),
        resource_id: sent.subject.id.map(str::to_owned),
        user_name: sent.subject.name.map(str::to_owned),
        status,
        scim_type: response.scim_type,
        detail: response.detail,
        latency_us,
        request_excerpt: sent.body.map(|body| json_excerpt(body.clone()).text),
        response_excerpt: response.excerpt,
        client_addr: None,
        user_agent: None,
        application_id: Some(sent.app.id.clone()),
        request_id: None,
    }
}

/// What the log keeps of an answer: its redacted excerpt and, for an error, the SCIM error's
/// type and detail (else the start of the body as the detail).
fn answer(status: u16, text: &str) -> LoggedBody {
    if text.trim().is_empty() {
        return LoggedBody::default();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(body) => {
            let mut logged = LoggedBody::sent(status, &body, text);
            if status >= 400 && logged.detail.is_none() {
                logged.detail = Some(super::client::clip(text));
            }
            logged
        }
        Err(_) => LoggedBody {
            excerpt: excerpt(text.as_bytes()).map(|e| e.text),
            detail: (status >= 400).then(|| super::client::clip(text)),
            scim_type: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_keep_their_detail_and_non_json_is_described() {
        let scim = answer(409, r#"{"scimType":"uniqueness","detail":"taken","status":"409"}"#);
        assert_eq!((scim.scim_type.as_deref(), scim.detail.as_deref()), (Some("uniqueness"), Some("taken")));
        let plain = answer(500, "<html>boom</html>");
        assert_eq!(plain.detail.as_deref(), Some("<html>boom</html>"));
        assert!(plain.excerpt.is_some_and(|e| !e.contains("boom")), "non-JSON bodies are described, not stored");
        let ok = answer(200, r#"{"id":"1","access_token":"hunter2"}"#);
        assert!(ok.excerpt.is_some_and(|e| !e.contains("hunter2")), "secret-named keys are redacted");
        assert!(answer(204, "").excerpt.is_none());
    }
}
