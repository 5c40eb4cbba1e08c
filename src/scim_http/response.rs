//! SCIM responses: `application/scim+json` bodies with `ETag` and `Location` where they apply,
//! carrying the facts the provisioning log records about the request.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::provisioning::log::LoggedBody;

/// The SCIM media type (RFC 7644 §3.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// What a handler tells the provisioning log about its request.
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
    /// The handler already wrote the log row inside its own transaction.
    pub already_logged: bool,
    /// The response body as the log keeps it, taken while the body was serialized (so the
    /// logging layer need not parse it again).
    pub response: Option<LoggedBody>,
}

/// A successful SCIM response.
#[derive(Debug)]
pub struct ScimResponse {
    status: StatusCode,
    body: Option<Value>,
    etag: Option<String>,
    location: Option<String>,
    facts: LogFacts,
}

impl ScimResponse {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body: Some(body), etag: None, location: None, facts: LogFacts::default() }
    }

    /// 201 with the created resource and its location.
    pub fn created(body: Value, location: String) -> Self {
        Self { status: StatusCode::CREATED, location: Some(location), ..Self::ok(body) }
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self { status: StatusCode::NO_CONTENT, body: None, ..Self::ok(Value::Null) }
    }

    /// 304 Not Modified for a reader that already has this version (RFC 9110 §15.4.5).
    pub fn not_modified(version: i64) -> Self {
        Self { status: StatusCode::NOT_MODIFIED, body: None, ..Self::ok(Value::Null) }.with_version(version)
    }

    /// Adds a weak ETag for this resource version (RFC 7644 §3.14).
    pub fn with_version(mut self, version: i64) -> Self {
        self.etag = Some(weak_etag(version));
        self
    }

    /// Attaches the facts for the provisioning log.
    pub fn with_facts(mut self, facts: LogFacts) -> Self {
        self.facts = facts;
        self
    }
}

impl ScimResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body, if any.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The ETag, if any.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The `Location`, if any.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

/// The weak ETag of a resource version.
pub fn weak_etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

impl IntoResponse for ScimResponse {
    fn into_response(mut self) -> Response {
        let mut response = match self.body {
            Some(body) => {
                let text = body.to_string();
                if !self.facts.already_logged {
                    self.facts.response = Some(LoggedBody::sent(self.status.as_u16(), &body, &text));
                }
                let mut r = (self.status, text).into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_CONTENT_TYPE));
                r
            }
            None => self.status.into_response(),
        };
        let headers = response.headers_mut();
        if let Some(etag) = self.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        response.extensions_mut().insert(self.facts);
        response
    }
}
