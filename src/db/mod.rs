//! Storage: one schema in two dialects (SQLite by default, PostgreSQL to scale out), in two
//! parts. [`engine`] runs SQL (pools, the SQLite hot path, group commit, checkpoints, statements
//! as values); the other modules are the tables, one each, and [`query_sql`] (SCIM filters as
//! SQL). Every function that touches tenant data takes the tenant id first; the domain types the
//! tables store (e.g. [`crate::tenant::Tenant`]) live outside `db/`.

pub mod engine;

pub mod alert;
pub mod api_token;
pub mod audit;
pub mod backup;
pub mod credential;
pub mod directory;
pub mod grant;
pub mod group;
pub mod log;
pub mod log_retention;
pub mod log_sink;
pub mod login_link;
pub mod mapper;
pub mod onboarding;
pub mod outbound;
pub mod preference;
pub mod query_sql;
pub mod resource;
pub mod session_store;
pub mod signing_key;
pub mod tenant;
pub mod transfer;
pub mod user;

pub use engine::{
    begin_write, is_busy, is_unique_violation, Db, DbError, Dialect, Durability, Outcome, UniqueViolationExt,
};
pub use engine::{row, sql};
