//! `GET /admin/audit/export?format=csv|json[&tenant=NAME][&q=TEXT]`: the filtered audit trail
//! as a download, streamed page by page rather than built in memory. The same rights as the
//! viewer: a tenant's trail for whoever may see the tenant, the platform-wide trail for
//! platform administrators.

use app::backend::AdminBackend;
use app::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;

use super::Backend;
use crate::db::audit::AuditFilter;
use crate::state::AppState;

/// Entries fetched per database round trip.
const CHUNK: u32 = 500;

/// The export's query.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

/// The handler.
pub async fn audit_export(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    request: Request,
) -> Response {
    let format = match query.format.as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => return (StatusCode::BAD_REQUEST, "format is csv or json").into_response(),
    };
    let backend = Backend::new(state);
    let (parts, _) = request.into_parts();
    let admin = match backend.current_admin(&parts).await {
        Ok(Some(admin)) => admin,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let tenant = match query.tenant.as_deref().filter(|t| !t.is_empty()) {
        Some(name) => match backend.tenant(&admin, name).await {
            Ok(t) => Some(t),
            Err(e) => return refusal(&e),
        },
        None if admin.platform_admin => None,
        None => return StatusCode::FORBIDDEN.into_response(),
    };
    let file = format!(
        "scimhub-audit-{}.{}",
        tenant.as_ref().map_or("platform", |t| t.name.as_str()),
        if format == Format::Csv { "csv" } else { "json" }
    );
    let tenant_id = tenant.map(|t| t.id);
    let text = query.q.unwrap_or_default();
    // (next cursor, first chunk?, finished?)
    let pages = stream::unfold((None::<i64>, true, false), move |(before, first, done)| {
        let (backend, tenant_id, text) = (backend.clone(), tenant_id.clone(), text.clone());
        async move {
            if done {
                return None;
            }
            let filter =
                AuditFilter { tenant_id: tenant_id.as_deref(), text: Some(&text), before, ..Default::default() };
            let page = match backend.audit_page_of(&filter, CHUNK).await {
                Ok(page) => page,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (None, false, true))),
            };
            let last = page.next_before.is_none();
            let chunk = match format {
                Format::Csv => csv_chunk(&page.rows, first),
                Format::Json => json_chunk(&page.rows, first, last),
            };
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), (page.next_before, false, last)))
        }
    });
    let content_type = if format == Format::Csv { "text/csv; charset=utf-8" } else { "application/json" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}

fn refusal(e: &AppError) -> Response {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND.into_response(),
        AppError::Forbidden => StatusCode::FORBIDDEN.into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// CSV rows (with the header line first).
fn csv_chunk(rows: &[app::dto::AuditRow], first: bool) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let mut write = |record: [&str; 7]| out.write_record(record);
    let mut result = Ok(());
    if first {
        result = write(["time", "tenant", "actor", "action", "summary", "client_addr", "id"]);
    }
    for r in rows {
        let id = r.id.to_string();
        let record = [
            r.time.as_str(),
            r.tenant.as_deref().unwrap_or_default(),
            r.actor.as_str(),
            r.action.as_str(),
            r.summary.as_str(),
            r.client_addr.as_deref().unwrap_or_default(),
            id.as_str(),
        ];
        result = result.and_then(|()| write(record));
    }
    // Writing to memory cannot fail but for a bug; an empty chunk is the honest outcome then.
    match (result, out.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// A slice of one JSON array: `[` before the first rows, `]` after the last.
fn json_chunk(rows: &[app::dto::AuditRow], first: bool, last: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if first {
        out.push(b'[');
    }
    for (i, r) in rows.iter().enumerate() {
        if !(first && i == 0) {
            out.push(b',');
        }
        // Serialising a plain struct of strings cannot fail.
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
    use app::dto::AuditRow;

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
    fn json_chunks_make_one_array() {
        let mut all = json_chunk(&[row(3, "a"), row(2, "b")], true, false);
        all.extend(json_chunk(&[row(1, "c")], false, true));
        let parsed: Vec<AuditRow> = serde_json::from_slice(&all).unwrap();
        assert_eq!(parsed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 2, 1]);
        let empty = json_chunk(&[], true, true);
        assert_eq!(empty, b"[]");
    }
}
