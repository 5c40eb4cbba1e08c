//! Errors the dashboard shows. They are serialisable so server functions can return them, and
//! they never carry database text or other internals.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A dashboard error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session expired).
    #[error("please sign in")]
    Unauthenticated,
    /// Signed in, but not allowed to do this.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// The thing does not exist — or the admin may not know it exists.
    #[error("not found")]
    NotFound,
    /// The input was refused; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// One input field was refused: the field's name (as the form knows it) and why. The form
    /// shows the message next to that field.
    #[error("{1}")]
    InvalidField(String, String),
    /// Something failed on the server; details are in the server log.
    #[error("something went wrong on the server; the details are in its log")]
    Internal,
    /// The call itself failed (network, encoding).
    #[error("the request failed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
