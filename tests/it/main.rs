//! Server integration tests: the real router in-process on a real database — SQLite by
//! default, PostgreSQL when `SCIMHUB_TEST_BACKEND=postgres` (then an unreachable server fails
//! the run; it is never skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_api;
mod admin_api_contract;
mod alerts;
mod alerts_panel;
mod applications_panel;
mod backup;
mod bulk;
mod caches;
mod cli_parity;
mod cli_under_load;
mod connections;
mod crash;
mod credentials;
mod dashboard;
mod dashboard_edges;
mod directory_pages;
mod enumeration;
mod filters;
mod interop;
mod layering;
mod log_viewer;
mod mappers;
mod migrate;
mod operations;
mod outbound;
mod outbound_scim2;
mod panel;
mod password_memory;
mod process;
mod provisioning_settings;
mod receiver;
mod redaction;
mod refusals;
mod replicas;
mod rights;
mod routing;
mod scim_errors;
mod scim_groups;
mod scim_users;
mod site_assets;
mod storage;
mod support;
mod telemetry;
mod tenants;
mod tls;
mod unicode;
mod upgrade;
