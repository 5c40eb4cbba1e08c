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
    /// No tenant has this name, but one the administrator may see has it in another case (tenant
    /// names are case-sensitive, as in the SCIM URL): its name.
    #[error("there is no tenant by that name (names are case-sensitive); did you mean \"{0}\"?")]
    TenantInOtherCase(String),
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

impl AppError {
    /// The message as the dashboard shows it: a sentence (see [`sentence`]).
    pub fn sentence(&self) -> String {
        match self {
            AppError::NotFound => "Not found, or you have no access to it.".to_owned(),
            other => sentence(&other.to_string()),
        }
    }
}

/// A message as a sentence: its first letter in upper case and a full stop at the end, whatever
/// part of the server wrote it (messages are composed lower-case, to be embedded in others).
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?', ':']) {
        text.push('.');
    }
    text
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(sentence("keep from 1 to 3650 days"), "Keep from 1 to 3650 days.");
        assert_eq!(sentence("\"x\" is not an Azure tenant ID."), "\"x\" is not an Azure tenant ID.");
        assert_eq!(sentence("ébauche refusée"), "Ébauche refusée.");
        assert_eq!(sentence("  Already one?  "), "Already one?");
        assert_eq!(sentence(""), "");
        assert_eq!(AppError::Internal.sentence(), "Something went wrong on the server; the details are in its log.");
        assert_eq!(
            AppError::TenantInOtherCase("Acme".into()).sentence(),
            "There is no tenant by that name (names are case-sensitive); did you mean \"Acme\"?"
        );
    }
}
