//! Provisioning: applies SCIM operations to a tenant's directory. Each mutation and its
//! provisioning-log row commit in one transaction, so the log never misses a change nor
//! records one that did not happen.

pub mod groups;
pub mod log;
pub mod mapping;
pub mod password;
pub mod precondition;
pub mod query_sql;
pub mod render;
pub mod retention;
pub mod users;
