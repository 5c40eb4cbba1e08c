//! What the log retention form and the onboarding checklist show.

use serde::{Deserialize, Serialize};

/// The field names of the retention form.
pub mod retention_fields {
    /// Days to keep.
    pub const DAYS: &str = "days";
    /// Rows to keep.
    pub const ROWS: &str = "rows";
}

/// The most days a retention may keep (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// The fewest rows a retention may keep.
pub const MIN_RETENTION_ROWS: u64 = 1_000;

/// A tenant's provisioning-log retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogRetention {
    /// Rows older than this many days are pruned; `None`: no age limit.
    pub days: Option<u32>,
    /// Only this many of the newest rows are kept; `None`: no count limit.
    pub rows: Option<u64>,
    /// How many rows the setting removes at the next pruning (now).
    pub prunable: u64,
}

/// One step of the onboarding checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChecklistItem {
    /// A stable key (`enabled`, `mappers`, `first_request`, `pilot_user`, `deactivation`,
    /// `no_errors`).
    pub key: String,
    /// What the step asks.
    pub label: String,
    /// Whether the data shows it done.
    pub done: bool,
    /// What was found (or what to do next).
    pub evidence: String,
    /// Where the evidence is: a dashboard link (a log row, the mappers), if any.
    pub link: Option<String>,
}

/// The onboarding checklist of a tenant's SCIM integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Checklist {
    /// The steps, in order.
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    /// Whether every step is done.
    pub fn complete(&self) -> bool {
        self.items.iter().all(|i| i.done)
    }
}
