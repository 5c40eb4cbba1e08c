//! The server's core error type. It knows no transport: each edge maps it once — to SCIM error
//! JSON for the SCIM API (`scim_http::error::ApiError`), to a readable message for the dashboard
//! (`app::AppError`), to a line on standard error for the CLI.

use scim::ScimError;

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
