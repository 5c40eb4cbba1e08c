//! Administrator authentication: OIDC sign-in, break-glass links and sessions.

pub mod login_link;
pub mod oidc;
pub mod origin;
pub mod routes;
pub mod session;
