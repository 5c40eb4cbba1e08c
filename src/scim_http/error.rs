//! The SCIM API's error response: the core's [`Error`] mapped once, here, to a status and SCIM
//! error JSON (RFC 7644 §3.12), with `WWW-Authenticate` on 401 and `Retry-After` on a temporary
//! refusal.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim::ScimError;

use super::response::SCIM_CONTENT_TYPE;
use crate::error::Error;
use crate::scim_tokens::jwt::JwtError;

/// A SCIM API error response.
#[derive(Debug)]
pub struct ApiError(pub ScimError);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e.to_scim())
    }
}

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        ApiError(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Error::from(e).into()
    }
}

impl From<JwtError> for ApiError {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::Db(e) => Error::from(e).into(),
            JwtError::KeysUnavailable { retry_after } => {
                ApiError(ScimError::new(503, None, e.to_string()).with_retry_after(retry_after))
            }
            other => ApiError(ScimError::unauthorized(other.to_string())),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.0.to_json().to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scimhub\""));
        }
        if let Some(seconds) = self.0.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_refusal_carries_retry_after() {
        let wait = std::time::Duration::from_millis(59_500);
        let response = ApiError(ScimError::new(503, None, "later").with_retry_after(wait)).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "60");
        let plain = ApiError(ScimError::new(503, None, "down")).into_response();
        assert!(plain.headers().get(header::RETRY_AFTER).is_none());
    }
}
