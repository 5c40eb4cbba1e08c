//! scimhub: a multi-tenant SCIM 2.0 service provider with an admin dashboard. This crate is
//! the server: storage, the SCIM API, administrator sign-in and the dashboard's backend.
//! `main.rs` only parses the command line; [`router`] assembles the HTTP surface.

// Release builds (no `erase_components`) type the dashboard's views in full; the SCIM
// integration page nests deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod admin;
pub mod admin_api;
pub mod admin_sign_in;
pub mod alerts;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod outbound;
pub mod provisioning;
pub mod replicas;
pub mod rights;
pub mod scim_http;
pub mod scim_tokens;
pub mod sealed;
pub mod secret;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod tenant;
pub mod trace;

pub use server::{router, AppStateBuilder};
