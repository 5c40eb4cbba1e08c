//! SCIM responses: `application/scim+json` bodies with `ETag` and `Location` where they apply,
//! carrying the facts the provisioning log records about the request.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::provisioning::log::{LogFacts, LoggedBody};
use crate::provisioning::outcome::Outcome;
use crate::provisioning::render::version_tag;

/// The SCIM media type (RFC 7644 §3.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

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

    /// Attaches the facts for the provisioning log.
    pub fn with_facts(mut self, facts: LogFacts) -> Self {
        self.facts = facts;
        self
    }
}

impl From<Outcome> for ScimResponse {
    fn from(outcome: Outcome) -> Self {
        let status = StatusCode::from_u16(outcome.status.code()).unwrap_or(StatusCode::OK);
        ScimResponse {
            status,
            body: outcome.body,
            etag: outcome.version.map(version_tag),
            location: outcome.location,
            facts: outcome.facts,
        }
    }
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
