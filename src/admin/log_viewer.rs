//! The provisioning log viewer (`app::backend::LogBackend`): filtered keyset pages, a row's
//! detail with its redacted bodies, the activity chart and the credential choices. Everything
//! here reads: whoever may see the tenant may use it.

use app::backend::LogBackend;
use app::dto::{
    AdminIdentity, ChartBucket, ChartRange, CredentialChoice, LogChart, LogEntryDetail, LogPage, LogQuery, LogRow,
    DIRECTION_CHOICES, LAST_CHOICES, OPERATION_CHOICES, OUTCOME_CHOICES,
};
use app::AppError;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::{Backend, OrInternal};
use crate::clock::{rfc3339_ms, to_ms};
use crate::db;
use crate::db::log::{Cursor, Direction, LogFilter, OutcomeClass};

/// Characters a text field of the filter may have.
const MAX_FIELD_CHARS: usize = 256;

/// A provisioning-log row as the dashboard shows it.
pub(super) fn log_row(r: db::log::LogEntry) -> LogRow {
    let e = r.entry;
    LogRow {
        repeat_count: r.repeat_count,
        last_seen: r.last_seen_at.map(rfc3339_ms),
        id: r.id,
        time: rfc3339_ms(e.occurred_at),
        method: e.method,
        path: e.path,
        operation: e.operation,
        status: e.status,
        resource_type: e.resource_type,
        resource_id: e.resource_id,
        user_name: e.user_name,
        scim_type: e.scim_type,
        detail: e.detail,
        latency_ms: e.latency_us as f64 / 1000.0,
        credential_id: e.credential_id,
        client_addr: e.client_addr,
        user_agent: e.user_agent,
        application: e.application_id,
        request_id: e.request_id,
    }
}

/// A time of the filter: RFC 3339, or `YYYY-MM-DD[THH:MM[:SS[.fff]]]` in UTC (what a
/// `datetime-local` input sends; the page says its times are UTC).
fn parse_time(text: &str) -> Option<i64> {
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Some(to_ms(t));
    }
    let local = [
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
    ];
    local
        .iter()
        .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
        .or_else(|| Date::parse(text, format_description!("[year]-[month]-[day]")).ok().map(Date::midnight))
        .map(|t| to_ms(t.assume_utc()))
}

fn refused(field: &str, message: impl Into<String>) -> AppError {
    AppError::InvalidField(field.to_owned(), message.into())
}

/// A text field of the filter: `None` when empty.
fn text_field(field: &str, value: &str) -> Result<Option<String>, AppError> {
    let value = value.trim();
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(refused(field, format!("At most {MAX_FIELD_CHARS} characters.")));
    }
    Ok(Some(value.to_owned()).filter(|v| !v.is_empty()))
}

/// A time field of the filter: `None` when empty.
fn time_field(field: &str, value: &str) -> Result<Option<i64>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    parse_time(value).map(Some).ok_or_else(|| {
        refused(field, format!("\"{value}\" is not a time: use YYYY-MM-DDTHH:MM in UTC, e.g. 2026-11-23T09:30."))
    })
}

/// The database filter of the viewer's `query` on one tenant at `now_ms`, or the field it
/// refuses (`AppError::InvalidField` with the query parameter's name).
pub(crate) fn log_filter(tenant_id: &str, query: &LogQuery, now_ms: i64) -> Result<LogFilter, AppError> {
    let operation = match query.op.as_str() {
        "" => None,
        op => Some(
            OPERATION_CHOICES
                .iter()
                .find(|c| c.value == op)
                .ok_or_else(|| refused(LogQuery::OP, "Choose an operation from the list."))?,
        ),
    };
    let outcome = match query.outcome.as_str() {
        "" => None,
        "success" => Some(OutcomeClass::Success),
        "client" => Some(OutcomeClass::ClientError),
        "server" => Some(OutcomeClass::ServerError),
        _ => {
            let choices: Vec<&str> = OUTCOME_CHOICES.iter().map(|(v, _)| *v).collect();
            return Err(refused(LogQuery::OUTCOME, format!("Choose one of {}.", choices.join(", "))));
        }
    };
    let since = match query.last.as_str() {
        "" => None,
        last => {
            let (_, _, secs) = LAST_CHOICES
                .iter()
                .find(|(v, ..)| *v == last)
                .ok_or_else(|| refused(LogQuery::LAST, "Choose the last hour, 24 hours or 7 days."))?;
            Some(now_ms - secs * 1000)
        }
    };
    let direction = match query.dir.as_str() {
        "" => None,
        "in" => Some(Direction::In),
        "out" => Some(Direction::Out),
        _ => {
            let choices: Vec<&str> = DIRECTION_CHOICES.iter().map(|(v, _)| *v).collect();
            return Err(refused(LogQuery::DIR, format!("Choose one of {}.", choices.join(", "))));
        }
    };
    let from = time_field(LogQuery::FROM, &query.from)?;
    let to = time_field(LogQuery::TO, &query.to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            return Err(refused(LogQuery::TO, "The end must be after the start."));
        }
    }
    Ok(LogFilter {
        tenant_id: tenant_id.to_owned(),
        operations: operation.map(|c| c.stored.iter().map(|s| (*s).to_owned()).collect()).unwrap_or_default(),
        membership: operation.is_some_and(|c| c.membership),
        outcome,
        resource: text_field(LogQuery::RESOURCE, &query.resource)?,
        credential_id: text_field(LogQuery::CREDENTIAL, &query.credential)?,
        text: text_field(LogQuery::TEXT, &query.q)?,
        from_ms: from.max(since),
        to_ms: to,
        direction,
    })
}

/// An excerpt as the drawer shows it: pretty-printed when it is whole JSON (a truncated one is
/// not, and stays as stored).
fn pretty(excerpt: String) -> String {
    serde_json::from_str::<serde_json::Value>(&excerpt)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .unwrap_or(excerpt)
}

/// The day (`YYYY-MM-DD`) of a time.
fn day_of(ms: i64) -> String {
    rfc3339_ms(ms).chars().take(10).collect()
}

impl Backend {
    /// A page of a tenant's log (the filter names it), for the viewer and the export.
    pub(crate) async fn log_slice(&self, filter: &LogFilter, cursor: Cursor, limit: u32) -> Result<LogPage, AppError> {
        self.state.flush_logs().await;
        let slice = db::log::search(&self.state.db, filter, cursor, limit, LogPage::SCAN).await.or_internal()?;
        let mut rows: Vec<LogRow> = slice.rows.into_iter().map(log_row).collect();
        self.name_applications(&filter.tenant_id, &mut rows).await?;
        Ok(LogPage { rows, next_before: slice.next_before, partial: slice.partial })
    }

    /// Puts the application's name where [`log_row`] put its id (a removed one keeps the id).
    pub(crate) async fn name_applications(&self, tenant_id: &str, rows: &mut [LogRow]) -> Result<(), AppError> {
        if rows.iter().all(|r| r.application.is_none()) {
            return Ok(());
        }
        let apps = db::outbound::list(&self.state.db, tenant_id).await.or_internal()?;
        for row in rows.iter_mut() {
            if let Some(app) = row.application.as_ref().and_then(|id| apps.iter().find(|a| &a.id == id)) {
                row.application = Some(app.name.clone());
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl LogBackend for Backend {
    async fn log_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &LogQuery,
        before: Option<i64>,
        after: Option<i64>,
    ) -> Result<LogPage, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let filter = log_filter(&tenant.id, query, self.state.clock.now_ms())?;
        self.log_slice(&filter, Cursor { before, after }, LogPage::SIZE).await
    }

    async fn log_entry(&self, admin: &AdminIdentity, tenant: &str, id: i64) -> Result<LogEntryDetail, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let mut entry =
            db::log::entry(&self.state.db, &tenant.id, id).await.or_internal()?.ok_or(AppError::NotFound)?;
        let request = entry.entry.request_excerpt.take().map(pretty);
        let response = entry.entry.response_excerpt.take().map(pretty);
        let mut row = [log_row(entry)];
        self.name_applications(&tenant.id, &mut row).await?;
        let [row] = row;
        Ok(LogEntryDetail { row, request, response })
    }

    async fn log_chart(&self, admin: &AdminIdentity, tenant: &str, range: ChartRange) -> Result<LogChart, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        self.state.flush_logs().await;
        let (width_secs, count) = range.buckets();
        let width = width_secs * 1000;
        // Intervals on whole hours (UTC); the last one holds now.
        let since = (self.state.clock.now_ms().div_euclid(width) + 1 - count as i64) * width;
        let buckets = db::log::histogram(&self.state.db, &tenant.id, since, width, count).await.or_internal()?;
        let buckets = buckets
            .into_iter()
            .zip(0..)
            .map(|(b, i)| ChartBucket { start: rfc3339_ms(since + i * width), requests: b.requests, errors: b.errors })
            .collect();
        Ok(LogChart { range, buckets })
    }

    async fn log_credentials(&self, admin: &AdminIdentity, tenant: &str) -> Result<Vec<CredentialChoice>, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let now = self.state.clock.now_ms();
        let choices = db::log::credential_choices(&self.state.db, &tenant.id, now).await.or_internal()?;
        Ok(choices
            .into_iter()
            .map(|c| {
                let what = match c.log_id.strip_prefix("client:") {
                    Some(client) => format!("OAuth client {client} (its access tokens)"),
                    None => format!("Bearer secret created {}", day_of(c.created_at)),
                };
                let label = if c.retired { format!("{what}, no longer usable") } else { what };
                CredentialChoice { value: c.log_id, label }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000_000;

    fn query(edit: impl FnOnce(&mut LogQuery)) -> LogQuery {
        let mut q = LogQuery::default();
        edit(&mut q);
        q
    }

    #[test]
    fn times_are_utc_in_several_forms() {
        assert_eq!(parse_time("2026-11-23T09:30"), parse_time("2026-11-23T09:30:00Z"));
        assert_eq!(parse_time("2026-11-23T09:30:15.250").unwrap() - parse_time("2026-11-23T09:30").unwrap(), 15_250);
        assert_eq!(parse_time("2026-11-23"), parse_time("2026-11-23T00:00"));
        assert_eq!(parse_time("2026-11-23T10:30:00+01:00"), parse_time("2026-11-23T09:30"));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2026-13-01T00:00"), None);
    }

    #[test]
    fn queries_become_filters_or_name_the_refused_field() {
        let empty = log_filter("t", &LogQuery::default(), NOW).unwrap();
        assert_eq!(empty, LogFilter { tenant_id: "t".into(), ..LogFilter::default() });

        let f = log_filter(
            "t",
            &query(|q| {
                q.op = "membership".into();
                q.outcome = "client".into();
                q.resource = " alice ".into();
                q.last = "1h".into();
                q.from = "2020-01-01T00:00".into();
            }),
            NOW,
        )
        .unwrap();
        assert_eq!(f.operations, ["create", "replace", "update"]);
        assert!(f.membership);
        assert_eq!(f.outcome, Some(OutcomeClass::ClientError));
        assert_eq!(f.resource.as_deref(), Some("alice"));
        // Both lower bounds hold: the later one wins.
        assert_eq!(f.from_ms, Some(NOW - 3_600_000));

        let field = |q: LogQuery| match log_filter("t", &q, NOW) {
            Err(AppError::InvalidField(field, _)) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(query(|q| q.from = "soon".into())), LogQuery::FROM);
        assert_eq!(field(query(|q| q.to = "2026-02-30T00:00".into())), LogQuery::TO);
        let backwards = query(|q| {
            q.from = "2026-11-23T10:00".into();
            q.to = "2026-11-23T09:00".into();
        });
        assert_eq!(field(backwards), LogQuery::TO);
        assert_eq!(field(query(|q| q.op = "explode".into())), LogQuery::OP);
        assert_eq!(field(query(|q| q.outcome = "meh".into())), LogQuery::OUTCOME);
        assert_eq!(field(query(|q| q.last = "1y".into())), LogQuery::LAST);
        assert_eq!(field(query(|q| q.dir = "sideways".into())), LogQuery::DIR);
        assert_eq!(log_filter("t", &query(|q| q.dir = "out".into()), NOW).unwrap().direction, Some(Direction::Out));
        assert_eq!(field(query(|q| q.q = "x".repeat(MAX_FIELD_CHARS + 1))), LogQuery::TEXT);
    }

    #[test]
    fn whole_json_excerpts_are_pretty_printed() {
        assert_eq!(pretty(r#"{"a":1}"#.into()), "{\n  \"a\": 1\n}");
        assert_eq!(pretty(r#"{"a":"tru…"#.into()), r#"{"a":"tru…"#);
        assert_eq!(pretty("[12 bytes, not JSON]".into()), "[12 bytes, not JSON]");
    }
}
