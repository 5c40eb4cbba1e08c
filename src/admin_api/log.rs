//! The provisioning log: filtered pages, one row with its bodies, and the streamed export.

use app::backend::LogBackend;
use app::dto::{LogEntryDetail, LogPage, LogQuery};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::Caller;
use super::input::Params;
use super::management::format_refused;
use super::problem::{Problem, Refusals};
use super::At;

const TENANT: &str = "The tenant's exact name";

/// The log viewer's filter (empty: no condition), and the page or the download format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// An operation group: `create`, `update`, `deactivate`, `delete`, `read`, `membership` or `other`.
    #[serde(default)]
    op: String,
    /// `success`, `client` (4xx) or `server` (5xx).
    #[serde(default)]
    outcome: String,
    /// A resource id, or an exact userName or group displayName.
    #[serde(default)]
    resource: String,
    /// A credential id as the log records it.
    #[serde(default)]
    credential: String,
    /// Text the path, detail, userName or SCIM error keyword contains (any case).
    #[serde(default)]
    q: String,
    /// From this time (RFC 3339 or `YYYY-MM-DDTHH:MM`, UTC), inclusive.
    #[serde(default)]
    from: String,
    /// Until this time, exclusive.
    #[serde(default)]
    to: String,
    /// `1h`, `24h` or `7d`: that much back from now.
    #[serde(default)]
    last: String,
    /// `in` (requests scimhub received) or `out` (requests it sent to applications).
    #[serde(default)]
    dir: String,
    /// Rows older than this id (`nextBefore` of the previous page); pages only.
    #[serde(default)]
    before: Option<i64>,
    /// The newest rows newer than this id (a live tail); pages only.
    #[serde(default)]
    after: Option<i64>,
    /// `csv` (default) or `json`; downloads only.
    #[serde(default)]
    format: Option<String>,
}

impl LogParams {
    fn filter(&self) -> LogQuery {
        LogQuery {
            op: self.op.clone(),
            outcome: self.outcome.clone(),
            resource: self.resource.clone(),
            credential: self.credential.clone(),
            q: self.q.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            last: self.last.clone(),
            dir: self.dir.clone(),
        }
    }
}

/// A page of the tenant's provisioning log, newest first.
#[utoipa::path(get, path = "/tenants/{tenant}/log", tag = "log", params(("tenant" = String, Path, description = TENANT), LogParams),
    responses((status = 200, body = LogPage), Refusals))]
pub async fn page(
    caller: Caller,
    At(tenant): At<String>,
    Params(p): Params<LogParams>,
) -> Result<Json<LogPage>, Problem> {
    if p.format.is_some() {
        return Err(Problem::field("format", "pages are JSON; the format is for /log/export"));
    }
    Ok(Json(caller.backend.log_page(&caller.admin, &tenant, &p.filter(), p.before, p.after).await?))
}

/// One row of the log, with its redacted request and response bodies.
#[utoipa::path(get, path = "/tenants/{tenant}/log/{id}", tag = "log",
    params(("tenant" = String, Path, description = TENANT), ("id" = i64, Path, description = "The row's id")),
    responses((status = 200, body = LogEntryDetail), Refusals))]
pub async fn entry(caller: Caller, At((tenant, id)): At<(String, i64)>) -> Result<Json<LogEntryDetail>, Problem> {
    Ok(Json(caller.backend.log_entry(&caller.admin, &tenant, id).await?))
}

/// The filtered log as CSV or one JSON array, streamed (as many rows as match).
#[utoipa::path(get, path = "/tenants/{tenant}/log/export", tag = "log", params(("tenant" = String, Path, description = TENANT), LogParams),
    responses((status = 200, description = "CSV (text/csv) or a JSON array of log rows"), Refusals))]
pub async fn export(caller: Caller, At(tenant): At<String>, Params(p): Params<LogParams>) -> Result<Response, Problem> {
    if p.before.is_some() || p.after.is_some() {
        return Err(Problem::field("before", "a download holds every matching row: no before or after"));
    }
    let format = crate::admin::export::Format::of(p.format.as_deref()).map_err(format_refused)?;
    Ok(caller.backend.log_export(&caller.admin, &tenant, &p.filter(), format).await?)
}
