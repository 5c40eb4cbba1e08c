//! Server integration tests: the real router in-process on a real database — SQLite by
//! default, PostgreSQL when `SCIMHUB_TEST_BACKEND=postgres` (then an unreachable server fails
//! the run; it is never skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bulk;
mod caches;
mod crash;
mod credentials;
mod dashboard;
mod directory_pages;
mod filters;
mod interop;
mod log_viewer;
mod mappers;
mod operations;
mod panel;
mod provisioning_settings;
mod rights;
mod scim_errors;
mod scim_groups;
mod scim_users;
mod storage;
mod support;
mod tenants;
