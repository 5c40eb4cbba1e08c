//! SCIM protocol errors (RFC 7644 §3.12): an HTTP status, an optional `scimType` and a detail
//! message meant for the client. Every layer that rejects a SCIM request speaks this type.

use serde::Serialize;
use serde_json::{json, Value};

/// The URN of the SCIM error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` keywords of RFC 7644 §3.12, table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax was invalid or the filter is not supported.
    InvalidFilter,
    /// The filter yields more results than the server will return.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the attribute's mutability.
    Mutability,
    /// The request body is not parsable or violates the schema.
    InvalidSyntax,
    /// The `path` attribute is invalid or malformed.
    InvalidPath,
    /// The path filter yielded no match.
    NoTarget,
    /// A required value was missing or a value is not compatible with the attribute type.
    InvalidValue,
    /// The SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because it carries sensitive data in the URI.
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

/// A SCIM error as it is sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}: {detail}", scim_type.map(ScimType::as_str).unwrap_or("-"))]
pub struct ScimError {
    /// The HTTP status code.
    pub status: u16,
    /// The SCIM detail error keyword, where one applies.
    pub scim_type: Option<ScimType>,
    /// A human-readable message for the client (never internal details).
    pub detail: String,
    /// For a temporary refusal (429, 503): whole seconds before the client should try again,
    /// sent as the `Retry-After` header (RFC 9110 §10.2.3), not in the body.
    pub retry_after_secs: Option<u64>,
}

impl ScimError {
    /// An error with the given status and keyword.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self { status, scim_type, detail: detail.into(), retry_after_secs: None }
    }

    /// This error with a `Retry-After` of `wait`, rounded up to whole seconds and at least one
    /// (`Retry-After: 0` would invite an immediate retry).
    pub fn with_retry_after(self, wait: std::time::Duration) -> Self {
        Self { retry_after_secs: Some(retry_after_secs(wait)), ..self }
    }

    /// 400 with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// 401: missing or invalid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }

    /// 403: the caller may not perform this request.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    /// 404: the resource or endpoint does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }

    /// 412: the `If-Match` precondition failed.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, None, detail)
    }

    /// 413: the request body exceeds the configured limit.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(413, None, format!("the request body exceeds the limit of {limit_bytes} bytes"))
    }

    /// 500, with a generic message: internal details are never sent to clients.
    pub fn internal() -> Self {
        Self::new(500, None, "internal server error")
    }

    /// The error message resource (RFC 7644 §3.12).
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(kind), Some(obj)) = (self.scim_type, body.as_object_mut()) {
            obj.insert("scimType".into(), Value::from(kind.as_str()));
        }
        body
    }
}

/// Shorthand for results whose error is a [`ScimError`].
pub type Result<T, E = ScimError> = std::result::Result<T, E>;

/// A wait in whole seconds for `Retry-After`: rounded up, at least 1.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_follows_rfc7644_3_12() {
        let err = ScimError::uniqueness("userName \"bjensen\" is taken");
        assert_eq!(
            err.to_json(),
            json!({
                "schemas": [ERROR_SCHEMA],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName \"bjensen\" is taken",
            })
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_and_stays_out_of_the_body() {
        use std::time::Duration;
        let seconds = |wait| ScimError::new(503, None, "later").with_retry_after(wait).retry_after_secs;
        assert_eq!(seconds(Duration::from_millis(59_001)), Some(60));
        assert_eq!(seconds(Duration::from_secs(60)), Some(60));
        assert_eq!(seconds(Duration::ZERO), Some(1));
        assert_eq!(ScimError::new(503, None, "later").retry_after_secs, None);
        let body = ScimError::new(429, None, "slow down").with_retry_after(Duration::from_secs(3)).to_json();
        assert_eq!(body, json!({"schemas": [ERROR_SCHEMA], "status": "429", "detail": "slow down"}));
    }

    #[test]
    fn error_without_keyword_omits_scim_type() {
        let body = ScimError::not_found("no such user").to_json();
        assert!(body.get("scimType").is_none());
        assert_eq!(body["status"], "404");
    }
}
