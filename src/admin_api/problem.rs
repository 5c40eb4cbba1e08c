//! Every refusal of the administration API, as RFC 9457 problem details
//! (`application/problem+json`): the one place a backend error, a refused body or query, or a
//! refused token becomes a response. A refused field is named in `field` (as the request spells
//! it), so a script can tell which input to fix.

use std::time::Duration;

use app::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// The refused input field (a body member's path, or a query parameter), if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before trying again (429 only).
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    /// A problem with this status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// A 400 naming the refused field.
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem { field: Some(field.into()), ..Problem::new(StatusCode::BAD_REQUEST, detail) }
    }

    /// The 401 of a missing, unknown, revoked or expired token.
    pub fn unauthenticated(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// A 429 for an address whose failed authentications used up its allowance.
    pub fn blocked(wait: Duration) -> Problem {
        let seconds = scim::error::retry_after_secs(wait);
        Problem {
            retry_after: Some(seconds),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many failed authentications from this address; retry after {seconds} s"),
            )
        }
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Problem {
        match e {
            AppError::Unauthenticated => Problem::unauthenticated("an API token is required"),
            AppError::Forbidden => Problem::new(StatusCode::FORBIDDEN, "this token may not do this"),
            AppError::NotFound | AppError::TenantInOtherCase(_) => {
                Problem::new(StatusCode::NOT_FOUND, "not found, or this token has no access to it")
            }
            AppError::Invalid(message) => Problem::new(StatusCode::BAD_REQUEST, message),
            AppError::InvalidField(field, message) => Problem::field(field, message),
            AppError::Internal | AppError::Transport(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on the server; the details are in its log",
            ),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], axum::Json(self)).into_response();
        // `Json` sets its own content type; the problem's wins.
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// What every operation may answer instead: a problem, for any 4xx (the OpenAPI document's
/// `4XX` response of each operation).
#[derive(utoipa::IntoResponses)]
#[response(
    status = "4XX",
    description = "Refused: missing or bad token (401), no right (403), not found or not visible to this token (404), bad input naming its `field` (400, 413, 415), too many failed authentications (429)",
    content_type = "application/problem+json"
)]
pub struct Refusals(#[to_schema] pub Problem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_keep_their_meaning_and_hide_internals() {
        let field = Problem::from(AppError::InvalidField("name".into(), "too long".into()));
        assert_eq!((field.status, field.field.as_deref(), field.detail.as_str()), (400, Some("name"), "too long"));
        // A tenant in another case is not suggested: the API does not tell which names exist.
        let other_case = Problem::from(AppError::TenantInOtherCase("Acme".into()));
        assert_eq!(other_case.status, 404);
        assert!(!other_case.detail.contains("Acme"));
        assert_eq!(Problem::from(AppError::Forbidden).status, 403);
        let internal = Problem::from(AppError::Transport("db said: secret".into()));
        assert_eq!(internal.status, 500);
        assert!(!internal.detail.contains("secret"));
    }

    #[test]
    fn problems_are_problem_json_with_their_headers() {
        let response = Problem::blocked(Duration::from_millis(1500)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = Problem::unauthenticated("no").into_response();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
