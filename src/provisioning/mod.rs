//! Provisioning: applies SCIM operations to a tenant's directory. Each mutation and its
//! provisioning-log row commit in one transaction, so the log never misses a change nor
//! records one that did not happen.

pub mod caller;
pub mod groups;
pub mod log;
pub mod mapping;
pub mod outcome;
pub mod password;
pub mod precondition;
pub mod render;
pub mod retention;
pub mod users;

/// How many times a PATCH reads its resource again and retries after another change to it
/// committed first (optimistic concurrency). Every lost race means another request's change
/// went in, so N PATCHes of one resource at once need at most N attempts (Entra sends a group's
/// members in parallel requests); only more than this many at once can still answer 409.
const PATCH_ATTEMPTS: usize = 64;
