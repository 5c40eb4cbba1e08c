//! The SCIM 2.0 protocol core (RFC 7643, RFC 7644) with no I/O: schemas and their attribute
//! rules, protocol errors, attribute paths and filters, PATCH, list parameters and the
//! normalisation of incoming resources. The server and the dashboard share it, so a path the
//! mapper editor accepts in the browser is the same path the server applies.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
mod extension;
pub mod filter;
mod json;
pub mod list;
pub mod mapping;
pub mod patch;
pub mod path;
pub mod redact;
pub mod resource;
pub mod schema;
pub mod text;

pub use error::{ScimError, ScimType};
