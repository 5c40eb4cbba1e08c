//! Administrator sign-in to the dashboard: OIDC, break-glass links, sessions and origin checks.
//! (SCIM clients authenticate elsewhere: `scim_tokens` and `scim_http::gate`.)

pub mod login_link;
pub mod oidc;
pub mod origin;
pub mod routes;
pub mod session;
