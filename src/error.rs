//! The server's error type, mapped once at the edge: to SCIM error JSON for the SCIM API
//! (`ApiError`), to a readable message for the dashboard (`app::AppError`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim::ScimError;

use crate::scim_http::response::SCIM_CONTENT_TYPE;

/// Errors inside the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A protocol-level rejection, already phrased for the client.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// A database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Anything else that is our fault.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The SCIM error the client sees: 5xx details are logged here and hidden from the client.
    pub fn to_scim(&self) -> ScimError {
        match self {
            Error::Scim(e) => e.clone(),
            other => {
                tracing::error!(error = %other, "internal error answering a SCIM request");
                ScimError::internal()
            }
        }
    }
}

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
