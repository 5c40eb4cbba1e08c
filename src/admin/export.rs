//! Downloads of the dashboard's trails, streamed page by page (keyset) rather than built in
//! memory, as CSV or as one JSON array:
//!
//! - `GET /admin/audit/export?format=csv|json[&tenant=NAME][&q=TEXT]`: the filtered audit trail;
//!   a tenant's for whoever may see the tenant, the platform-wide trail for platform
//!   administrators.
//! - `GET /admin/log/export?tenant=NAME&format=csv|json[&op=…&outcome=…&resource=…&credential=…
//!   &q=…&from=…&to=…&last=…]`: a tenant's provisioning log with the viewer's filter, for
//!   whoever may see the tenant.
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) get a leading `'`: log rows carry text any SCIM client chooses.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use app::backend::AdminBackend;
use app::dto::{AdminIdentity, AuditRow, LogQuery, LogRow};
use app::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt as _};
use serde::{Deserialize, Serialize};

use super::log_viewer::log_filter;
use super::Backend;
use crate::db::audit::AuditFilter;
use crate::db::log::Cursor;
use crate::state::AppState;

/// Audit entries fetched per database round trip.
const AUDIT_CHUNK: u32 = 500;

/// Log rows fetched per database round trip.
const LOG_CHUNK: u32 = 1000;

/// The audit export's query.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    #[serde(default)]
    format: Option<String>,
    /// The tenant's exact name; platform-wide without.
    #[serde(default)]
    tenant: Option<String>,
    /// The viewer's text filter.
    #[serde(default)]
    q: Option<String>,
}

/// The log export's query: the tenant, the format and the viewer's filter.
#[derive(Debug, Deserialize)]
pub struct LogExportQuery {
    /// The tenant's exact name.
    #[serde(default)]
    tenant: String,
    /// `csv` (default) or `json`.
    #[serde(default)]
    format: Option<String>,
    /// The filter, with the viewer's parameter names.
    #[serde(flatten)]
    filter: LogQuery,
}

/// The format of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, a header line first.
    Csv,
    /// One JSON array.
    Json,
}

impl Format {
    /// The format a query names (CSV when none).
    pub fn of(value: Option<&str>) -> Result<Format, Refused> {
        match value.unwrap_or("csv") {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Refused::Format),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// A row of a download: JSON writes its serde form, CSV these fields under this header.
trait ExportRow: Serialize {
    /// The CSV header.
    const HEADER: &'static [&'static str];
    /// The CSV fields, in the header's order.
    fn fields(&self) -> Vec<Cow<'_, str>>;
}

impl ExportRow for AuditRow {
    const HEADER: &'static [&'static str] = &["time", "tenant", "actor", "action", "summary", "client_addr", "id"];

    fn fields(&self) -> Vec<Cow<'_, str>> {
        vec![
            self.time.as_str().into(),
            self.tenant.as_deref().unwrap_or_default().into(),
            self.actor.as_str().into(),
            self.action.as_str().into(),
            self.summary.as_str().into(),
            self.client_addr.as_deref().unwrap_or_default().into(),
            self.id.to_string().into(),
        ]
    }
}

impl ExportRow for LogRow {
    const HEADER: &'static [&'static str] = &[
        "time",
        "method",
        "path",
        "operation",
        "status",
        "resourceType",
        "resourceId",
        "userName",
        "scimType",
        "detail",
        "latencyMs",
        "credentialId",
        "clientAddr",
        "userAgent",
        "repeatCount",
        "lastSeen",
        "application",
        "requestId",
    ];

    fn fields(&self) -> Vec<Cow<'_, str>> {
        fn text(value: &Option<String>) -> Cow<'_, str> {
            Cow::from(value.as_deref().unwrap_or_default())
        }
        vec![
            self.time.as_str().into(),
            self.method.as_str().into(),
            self.path.as_str().into(),
            self.operation.as_str().into(),
            self.status.to_string().into(),
            text(&self.resource_type),
            text(&self.resource_id),
            text(&self.user_name),
            text(&self.scim_type),
            text(&self.detail),
            format!("{:.3}", self.latency_ms).into(),
            text(&self.credential_id),
            text(&self.client_addr),
            text(&self.user_agent),
            self.repeat_count.to_string().into(),
            text(&self.last_seen),
            text(&self.application),
            text(&self.request_id),
        ]
    }
}

/// Why a download is refused: the answer is only the status (and what to fix, for a filter).
#[derive(Debug)]
pub enum Refused {
    /// Neither CSV nor JSON.
    Format,
    /// Nobody is signed in.
    Unauthenticated,
    /// The backend's refusal (`NotFound` for a tenant one may not see, a refused filter field).
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::App(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Format => (StatusCode::BAD_REQUEST, "format is csv or json").into_response(),
            Refused::Unauthenticated => StatusCode::UNAUTHORIZED.into_response(),
            Refused::App(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
            Refused::App(AppError::Forbidden) => StatusCode::FORBIDDEN.into_response(),
            Refused::App(AppError::InvalidField(field, message)) => {
                (StatusCode::BAD_REQUEST, format!("{field}: {message}")).into_response()
            }
            Refused::App(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// The administrator signed in on `request`.
async fn signed_in(backend: &Backend, request: Request) -> Result<AdminIdentity, Refused> {
    let (parts, _) = request.into_parts();
    backend.current_admin(&parts).await?.ok_or(Refused::Unauthenticated)
}

/// What audit entries to download.
#[derive(Debug, Clone)]
pub struct AuditExport {
    /// One tenant's trail (exact name); the platform-wide trail without.
    pub tenant: Option<String>,
    /// Text the entries contain.
    pub search: String,
    /// CSV or JSON.
    pub format: Format,
}

impl Backend {
    /// The audit trail as a download: a tenant's for whoever may see the tenant, the
    /// platform-wide trail for platform administrators.
    pub async fn audit_export(&self, admin: &AdminIdentity, export: AuditExport) -> Result<Response, AppError> {
        let tenant = match export.tenant.as_deref().filter(|t| !t.is_empty()) {
            Some(name) => Some(self.tenant(admin, name).await?),
            None if admin.platform_admin => None,
            None => return Err(AppError::Forbidden),
        };
        let format = export.format;
        let file =
            format!("scimhub-audit-{}.{}", tenant.as_ref().map_or("platform", |t| t.name.as_str()), format.extension());
        let tenant_id = tenant.map(|t| t.id);
        let (backend, text) = (self.clone(), export.search);
        Ok(download(file, format, move |before| {
            let (backend, tenant_id, text) = (backend.clone(), tenant_id.clone(), text.clone());
            async move {
                let filter =
                    AuditFilter { tenant_id: tenant_id.as_deref(), text: Some(&text), before, ..Default::default() };
                let page = backend.audit_page_of(&filter, AUDIT_CHUNK).await?;
                Ok((page.rows, page.next_before))
            }
        }))
    }

    /// A tenant's provisioning log with the viewer's filter as a download, for whoever may see
    /// the tenant. A filter value it cannot read is `InvalidField`, before anything is streamed.
    pub async fn log_export(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &LogQuery,
        format: Format,
    ) -> Result<Response, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let filter = Arc::new(log_filter(&tenant.id, query, self.state.clock.now_ms())?);
        let file = format!("{}-provisioning-log.{}", tenant.name, format.extension());
        let backend = self.clone();
        Ok(download(file, format, move |before| {
            let (backend, filter) = (backend.clone(), filter.clone());
            async move {
                let page = backend.log_slice(&filter, Cursor { before, after: None }, LOG_CHUNK).await?;
                Ok((page.rows, page.next_before))
            }
        }))
    }
}

/// The audit export's handler (the dashboard's session).
pub async fn audit_export(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    request: Request,
) -> Result<Response, Refused> {
    let format = Format::of(query.format.as_deref())?;
    let backend = Backend::new(state);
    let admin = signed_in(&backend, request).await?;
    let export = AuditExport { tenant: query.tenant, search: query.q.unwrap_or_default(), format };
    Ok(backend.audit_export(&admin, export).await?)
}

/// The provisioning-log export's handler (the dashboard's session).
pub async fn log_export(
    State(state): State<AppState>,
    Query(query): Query<LogExportQuery>,
    request: Request,
) -> Result<Response, Refused> {
    let format = Format::of(query.format.as_deref())?;
    let backend = Backend::new(state);
    let admin = signed_in(&backend, request).await?;
    Ok(backend.log_export(&admin, &query.tenant, &query.filter, format).await?)
}

/// The download `file`: the pages `fetch(before)` returns (rows, and the next page's `before`
/// while there is one), each written as it comes.
fn download<R, F, Fut>(file: String, format: Format, fetch: F) -> Response
where
    R: ExportRow + Send + 'static,
    F: Fn(Option<i64>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(Vec<R>, Option<i64>), AppError>> + Send + 'static,
{
    let fetch = Arc::new(fetch);
    // (next cursor, first chunk?, finished?)
    let pages = stream::unfold((None::<i64>, true, false), move |(before, first, done)| {
        let fetch = fetch.clone();
        async move {
            if done {
                return None;
            }
            let (rows, next) = match fetch(before).await {
                Ok(page) => page,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (None, false, true))),
            };
            let last = next.is_none();
            let chunk = match format {
                Format::Csv => csv_chunk(&rows, first),
                Format::Json => json_chunk(&rows, first, last),
            };
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), (next, false, last)))
        }
    });
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        // Fused: a compressing layer may poll the body once more after its end, which an
        // `unfold` stream answers with a panic.
        Body::from_stream(pages.fuse()),
    )
        .into_response()
}

/// A cell as a spreadsheet may open it safely: text that would run as a formula gets a
/// leading `'`.
fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// CSV rows (with the header line first).
fn csv_chunk<R: ExportRow>(rows: &[R], first: bool) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let mut result = Ok(());
    if first {
        result = out.write_record(R::HEADER);
    }
    for r in rows {
        result = result.and_then(|()| out.write_record(r.fields().iter().map(|f| cell(f).into_owned())));
    }
    // Writing to memory cannot fail but for a bug; an empty chunk is the honest outcome then.
    match (result, out.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// A slice of one JSON array: `[` before the first rows, `]` after the last.
fn json_chunk<R: Serialize>(rows: &[R], first: bool, last: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if first {
        out.push(b'[');
    }
    for (i, r) in rows.iter().enumerate() {
        if !(first && i == 0) {
            out.push(b',');
        }
        // Serialising a plain struct of strings and numbers cannot fail.
        out.extend(serde_json::to_vec(r).unwrap_or_default());
    }
    if last {
        out.push(b']');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, summary: &str) -> AuditRow {
        AuditRow {
            id,
            time: "2026-11-23T10:00:00.000Z".into(),
            tenant: Some("acme".into()),
            action: "tenant.rename".into(),
            actor: "ada@x".into(),
            summary: summary.into(),
            client_addr: None,
        }
    }

    #[test]
    fn csv_quotes_and_heads_once() {
        let first = String::from_utf8(csv_chunk(&[row(2, "Renamed \"a\", b")], true)).unwrap();
        assert_eq!(
            first,
            "time,tenant,actor,action,summary,client_addr,id\n\
             2026-11-23T10:00:00.000Z,acme,ada@x,tenant.rename,\"Renamed \"\"a\"\", b\",,2\n"
        );
        let next = String::from_utf8(csv_chunk(&[row(1, "x")], false)).unwrap();
        assert!(!next.starts_with("time,"));
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let text =
            String::from_utf8(csv_chunk(&[row(1, "=HYPERLINK(\"x\")"), row(2, "-1+1"), row(3, "a=b")], false)).unwrap();
        assert_eq!(
            text.lines().map(|l| l.split(',').nth(4).unwrap()).collect::<Vec<_>>(),
            ["\"'=HYPERLINK(\"\"x\"\")\"", "'-1+1", "a=b"]
        );
    }

    #[test]
    fn json_chunks_make_one_array() {
        let mut all = json_chunk(&[row(3, "a"), row(2, "b")], true, false);
        all.extend(json_chunk(&[row(1, "c")], false, true));
        let parsed: Vec<AuditRow> = serde_json::from_slice(&all).unwrap();
        assert_eq!(parsed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 2, 1]);
        let empty = json_chunk::<AuditRow>(&[], true, true);
        assert_eq!(empty, b"[]");
    }

    #[test]
    fn log_rows_have_one_field_per_header() {
        let r = LogRow {
            id: 1,
            time: "t".into(),
            method: "GET".into(),
            path: "/Users".into(),
            operation: "list".into(),
            status: 200,
            resource_type: None,
            resource_id: None,
            user_name: None,
            scim_type: None,
            detail: None,
            latency_ms: 1.5,
            credential_id: None,
            client_addr: None,
            user_agent: Some("@evil".into()),
            repeat_count: 1,
            last_seen: None,
            application: Some("CRM".into()),
            request_id: Some("r-1".into()),
        };
        assert_eq!(r.fields().len(), LogRow::HEADER.len());
        let text = String::from_utf8(csv_chunk(std::slice::from_ref(&r), false)).unwrap();
        assert_eq!(text, "t,GET,/Users,list,200,,,,,,1.500,,,'@evil,1,,CRM,r-1\n");
        let repeated = LogRow { status: 401, repeat_count: 137, last_seen: Some("t2".into()), ..r };
        let text = String::from_utf8(csv_chunk(&[repeated], false)).unwrap();
        assert!(text.ends_with(",137,t2,CRM,r-1\n"), "{text}");
    }
}
