//! The `provisioning_log` table: one row per SCIM request, newest first by `log_id`.

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool, Row};

use super::sql::{bind_all, placeholders, Arg, Statement};
use super::Db;

/// A row to append.
#[derive(Debug, Clone, Default)]
pub struct NewLogEntry {
    /// The tenant.
    pub tenant_id: String,
    /// When the request arrived (ms).
    pub occurred_at: i64,
    /// The credential that authenticated it, if any did.
    pub credential_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query, relative to the SCIM base.
    pub path: String,
    /// What the request did: create, replace, update, deactivate, delete, read, list, discovery.
    pub operation: String,
    /// `User`, `Group` or none.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The user's userName (or group's displayName).
    pub user_name: Option<String>,
    /// HTTP status of the response.
    pub status: u16,
    /// SCIM error keyword.
    pub scim_type: Option<String>,
    /// SCIM error detail.
    pub detail: Option<String>,
    /// Time to answer (µs).
    pub latency_us: i64,
    /// Redacted, truncated request body.
    pub request_excerpt: Option<String>,
    /// Redacted, truncated response body.
    pub response_excerpt: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// The application an outbound request went to; `None` for a request scimhub received.
    pub application_id: Option<String>,
    /// The request's id (`X-Request-Id`).
    pub request_id: Option<String>,
}

/// A stored row.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Its id (increasing).
    pub id: i64,
    /// The values written.
    pub entry: NewLogEntry,
    /// How many requests the row stands for: 1, or more for repeated identical refusals
    /// ([`is_refusal`]), the first of which arrived at `occurred_at`.
    pub repeat_count: u64,
    /// When the last of those requests arrived (ms), if the row stands for more than one.
    pub last_seen_at: Option<i64>,
}

/// Whether a row records a refusal that repeats aggregate into one row: an error of the
/// client's (4xx) without an authenticated credential — a missing, wrong or expired token, a
/// disabled tenant. Nothing that changed data is one.
pub fn is_refusal(e: &NewLogEntry) -> bool {
    e.credential_id.is_none() && (400..500).contains(&e.status)
}

/// Appends a row.
pub async fn append(conn: &mut AnyConnection, e: &NewLogEntry) -> Result<(), sqlx::Error> {
    append_many(conn, std::slice::from_ref(e)).await
}

/// The columns a row is written with, in the order [`append_many`] binds them.
const WRITE_COLUMNS: &str = "tenant_id, occurred_at, credential_id, method, path, operation, resource_type, \
                             resource_id, user_name, status, scim_type, detail, latency_us, request_excerpt, \
                             response_excerpt, client_addr, user_agent, application_id, request_id";

/// Appends rows ([`append_statements`]) on a connection or in a transaction.
pub async fn append_many(conn: &mut AnyConnection, entries: &[NewLogEntry]) -> Result<(), sqlx::Error> {
    for statement in append_statements(entries) {
        statement.execute(conn).await?;
    }
    Ok(())
}

/// The parameters of a row.
const ROW_PARAMETERS: usize = 19;
/// The most rows one statement appends.
const APPEND_CHUNK: usize = 64;

/// The statements that append these rows: chunks of 64 rows, then of 32, 16, … 1 for the rest,
/// so whatever the number of rows the statements take one of seven shapes, each prepared once
/// per connection. A shape per number of rows would churn the statement caches (256 shapes for
/// the log writer's batches) and, on PostgreSQL, parse and plan a statement of thousands of
/// parameters again and again.
pub fn append_statements(entries: &[NewLogEntry]) -> Vec<Statement> {
    let mut statements = Vec::with_capacity(entries.len() / APPEND_CHUNK + 6);
    let mut rest = entries;
    while !rest.is_empty() {
        let size = if rest.len() >= APPEND_CHUNK { APPEND_CHUNK } else { 1 << rest.len().ilog2() };
        let (chunk, tail) = rest.split_at(size);
        statements.push(append_statement(chunk));
        rest = tail;
    }
    statements
}

/// The statement that appends these rows (at least one; keep it to a few hundred:
/// [`ROW_PARAMETERS`] parameters a row).
pub fn append_statement(entries: &[NewLogEntry]) -> Statement {
    let values: Vec<String> = (0..entries.len())
        .map(|r| format!("({})", super::sql::placeholders(r * ROW_PARAMETERS + 1, ROW_PARAMETERS)))
        .collect();
    let sql = format!("insert into provisioning_log ({WRITE_COLUMNS}) values {}", values.join(", "));
    let mut args = Vec::with_capacity(entries.len() * ROW_PARAMETERS);
    for e in entries {
        push_values(&mut args, e);
    }
    Statement::new(sql, args)
}

/// The values of a row, in the order of [`WRITE_COLUMNS`].
fn push_values(args: &mut Vec<Arg>, e: &NewLogEntry) {
    args.extend([
        Arg::from(e.tenant_id.as_str()),
        e.occurred_at.into(),
        e.credential_id.as_deref().into(),
        e.method.as_str().into(),
        e.path.as_str().into(),
        e.operation.as_str().into(),
        e.resource_type.as_deref().into(),
        e.resource_id.as_deref().into(),
        e.user_name.as_deref().into(),
        i64::from(e.status).into(),
        e.scim_type.as_deref().into(),
        e.detail.as_deref().into(),
        e.latency_us.into(),
        e.request_excerpt.as_deref().into(),
        e.response_excerpt.as_deref().into(),
        e.client_addr.as_deref().into(),
        e.user_agent.as_deref().into(),
        e.application_id.as_deref().into(),
        e.request_id.as_deref().into(),
    ]);
}

/// What makes refusals identical: one row stands for those of a short window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefusalKey {
    /// The tenant.
    pub tenant_id: String,
    /// The client's address.
    pub client_addr: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// SCIM error keyword.
    pub scim_type: Option<String>,
    /// SCIM error detail: the reason.
    pub detail: Option<String>,
}

impl RefusalKey {
    /// The key of a refusal row.
    pub fn of(e: &NewLogEntry) -> RefusalKey {
        RefusalKey {
            tenant_id: e.tenant_id.clone(),
            client_addr: e.client_addr.clone(),
            status: e.status,
            scim_type: e.scim_type.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// The statement that records that the refusal row of `key` that arrived at `first_seen` (the
/// latest such row without credential) stands for `count` requests, the last of which arrived
/// at `last_seen_at`. Found through the time index.
pub fn refusal_count_statement(key: &RefusalKey, first_seen: i64, count: u64, last_seen_at: i64) -> Statement {
    let sql = "update provisioning_log set repeat_count = $1, last_seen_at = $2 where log_id = \
               (select max(log_id) from provisioning_log where tenant_id = $3 and occurred_at = $4 \
               and credential_id is null and status = $5 and coalesce(client_addr, '') = $6 \
               and coalesce(scim_type, '') = $7 and coalesce(detail, '') = $8)";
    let text = |v: &Option<String>| Arg::from(v.as_deref().unwrap_or_default());
    let args = vec![
        Arg::Int(i64::try_from(count).unwrap_or(i64::MAX)),
        Arg::Int(last_seen_at),
        Arg::from(key.tenant_id.as_str()),
        Arg::Int(first_seen),
        Arg::Int(i64::from(key.status)),
        text(&key.client_addr),
        text(&key.scim_type),
        text(&key.detail),
    ];
    Statement::new(sql, args)
}

/// Every column but the two excerpts, which only a row's detail shows (up to 8 KiB a row).
const LIST_COLUMNS: &str = "log_id, tenant_id, occurred_at, credential_id, method, path, operation, resource_type, \
                            resource_id, user_name, status, scim_type, detail, latency_us, client_addr, user_agent, \
                            repeat_count, last_seen_at, application_id, request_id";

/// A row read with `select *` (`excerpts`) or with [`LIST_COLUMNS`].
fn from_row(row: &sqlx::any::AnyRow, excerpts: bool) -> Result<LogEntry, sqlx::Error> {
    let status: i64 = row.try_get("status")?;
    let repeat_count: i64 = row.try_get("repeat_count")?;
    let excerpt = |name: &str| if excerpts { row.try_get(name) } else { Ok(None) };
    Ok(LogEntry {
        id: row.try_get("log_id")?,
        repeat_count: u64::try_from(repeat_count).unwrap_or(1).max(1),
        last_seen_at: row.try_get("last_seen_at")?,
        entry: NewLogEntry {
            tenant_id: row.try_get("tenant_id")?,
            occurred_at: row.try_get("occurred_at")?,
            credential_id: row.try_get("credential_id")?,
            method: row.try_get("method")?,
            path: row.try_get("path")?,
            operation: row.try_get("operation")?,
            resource_type: row.try_get("resource_type")?,
            resource_id: row.try_get("resource_id")?,
            user_name: row.try_get("user_name")?,
            status: u16::try_from(status).unwrap_or_default(),
            scim_type: row.try_get("scim_type")?,
            detail: row.try_get("detail")?,
            latency_us: row.try_get("latency_us")?,
            request_excerpt: excerpt("request_excerpt")?,
            response_excerpt: excerpt("response_excerpt")?,
            client_addr: row.try_get("client_addr")?,
            user_agent: row.try_get("user_agent")?,
            application_id: row.try_get("application_id")?,
            request_id: row.try_get("request_id")?,
        },
    })
}

/// The newest `limit` rows about one resource (a user's or group's history), newest first,
/// without their excerpts.
pub async fn for_resource(
    db: &Db,
    tenant_id: &str,
    resource_id: &str,
    limit: u32,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    let pool = db.reader();
    let sql = format!(
        "select {LIST_COLUMNS} from provisioning_log where tenant_id = $1 and resource_id = $2 \
         order by log_id desc limit $3"
    );
    let rows = sqlx::query(&sql).bind(tenant_id).bind(resource_id).bind(i64::from(limit)).fetch_all(pool).await?;
    rows.iter().map(|r| from_row(r, false)).collect()
}

/// Up to `limit` rows of the tenant older than `before` (all when `None`), newest first, in
/// full (with their excerpts).
pub async fn page(db: &Db, tenant_id: &str, before: Option<i64>, limit: u32) -> Result<Vec<LogEntry>, sqlx::Error> {
    let pool = db.reader();
    let rows = sqlx::query(
        "select * from provisioning_log where tenant_id = $1 and log_id < $2 order by log_id desc limit $3",
    )
    .bind(tenant_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| from_row(r, true)).collect()
}

/// The outcome classes the viewer filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeClass {
    /// Status below 400.
    Success,
    /// 4xx.
    ClientError,
    /// 5xx.
    ServerError,
}

impl OutcomeClass {
    /// The condition when the outcome index serves it: `status / 100 = n`, the index's
    /// expression. Successes are most rows; the log read newest first finds them.
    fn indexed(self) -> Option<&'static str> {
        match self {
            OutcomeClass::Success => None,
            OutcomeClass::ClientError => Some("status / 100 = 4"),
            OutcomeClass::ServerError => Some("status / 100 = 5"),
        }
    }

    /// The condition in a form no index serves, for when another index reads the page.
    fn unindexed(self) -> &'static str {
        match self {
            OutcomeClass::Success => "status < 400",
            OutcomeClass::ClientError => "status >= 400 and status < 500",
            OutcomeClass::ServerError => "status >= 500",
        }
    }
}

/// Which way a request went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Requests scimhub received (from identity providers, the dashboard).
    In,
    /// Requests scimhub sent to its applications.
    Out,
}

/// Which rows of a tenant's log to read: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// The tenant.
    pub tenant_id: String,
    /// Rows whose operation is one of these (any when empty).
    pub operations: Vec<String>,
    /// Only rows of groups whose members changed (their detail says `members: …`).
    pub membership: bool,
    /// Only rows of this outcome.
    pub outcome: Option<OutcomeClass>,
    /// Rows about this resource id, or with exactly this userName (a group's displayName).
    pub resource: Option<String>,
    /// Rows of this credential.
    pub credential_id: Option<String>,
    /// Rows whose path, detail, userName or scimType contain this, ignoring case.
    pub text: Option<String>,
    /// Rows at or after this time (ms).
    pub from_ms: Option<i64>,
    /// Rows before this time (ms).
    pub to_ms: Option<i64>,
    /// Only rows of requests that went this way.
    pub direction: Option<Direction>,
}

/// Where a page lies: rows with an id below `before` and above `after`, each when given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Only rows older than this id.
    pub before: Option<i64>,
    /// Only rows newer than this id.
    pub after: Option<i64>,
}

impl Cursor {
    /// Rows within both.
    fn within(self, other: Cursor) -> Cursor {
        let tighter = |a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64| match (a, b) {
            (Some(a), Some(b)) => Some(pick(a, b)),
            (a, b) => a.or(b),
        };
        Cursor {
            before: tighter(self.before, other.before, i64::min),
            after: tighter(self.after, other.after, i64::max),
        }
    }
}

/// A page of the log.
#[derive(Debug, Clone)]
pub struct LogSlice {
    /// The rows, newest first, without their excerpts.
    pub rows: Vec<LogEntry>,
    /// The `before` of the next page while older rows may match.
    pub next_before: Option<i64>,
    /// A condition no index serves (text, group membership) stopped the page at its scan limit
    /// with fewer matches than asked for; the next page searches on from there.
    pub partial: bool,
}

/// How long after its request arrived a row is written, at most. Requests are answered or
/// cut off after the request timeout (30 s by default) and the log writer keeps up, so a
/// quarter of an hour is a wide margin. It turns a time range into a range of row ids.
pub const WRITE_SKEW_MS: i64 = 15 * 60_000;

/// The index that reads a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// `provisioning_log_by_resource` and `provisioning_log_by_user_name`.
    Resource,
    /// `provisioning_log_by_outcome`, with its condition.
    Outcome(&'static str),
    /// `provisioning_log_by_operation`, once per operation.
    Operations,
    /// `provisioning_log_by_credential`.
    Credential,
    /// `provisioning_log_outbound`: the outbound rows.
    Outbound,
    /// `provisioning_log_by_tenant`: the whole log.
    Log,
}

/// Bind values and their placeholders.
#[derive(Default)]
struct Params(Vec<Arg>);

impl Params {
    /// Binds `arg`; its placeholder.
    fn bind(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    /// `column in (…)` with `values` bound.
    fn any_of(&mut self, column: &str, values: &[String]) -> String {
        let first = self.0.len() + 1;
        self.0.extend(values.iter().map(|v| Arg::Text(v.clone())));
        format!("{column} in ({})", placeholders(first, values.len()))
    }
}

/// The query for the ids (and `columns`) of up to `limit` rows within `cursor` matching the
/// conditions of `filter` that an index can serve, newest first.
///
/// Every page is a keyset read of one index newest first (each filter index ends in `log_id`),
/// chosen here rather than by the planner, which SQLite makes without statistics: the resource,
/// else an error class, else the operations, else the credential, else the whole log. The
/// other conditions are written so that no index serves them. A condition with several values
/// (the two meanings of the resource, an operation group) is a union of one read per value,
/// each stopping after `limit` rows, merged by `log_id` — an `in` or `or` would make both
/// databases sort every matching row. Times are a range of ids already (`time_bounds`) and
/// are checked on the rows read.
fn candidates(filter: &LogFilter, cursor: Cursor, columns: &str, limit: u32) -> (String, Vec<Arg>) {
    let mut p = Params::default();
    let mut common = vec![format!("tenant_id = {}", p.bind(Arg::Text(filter.tenant_id.clone())))];
    if let Some(before) = cursor.before {
        common.push(format!("log_id < {}", p.bind(Arg::Int(before))));
    }
    if let Some(after) = cursor.after {
        common.push(format!("log_id > {}", p.bind(Arg::Int(after))));
    }
    if let Some(from) = filter.from_ms {
        common.push(format!("occurred_at + 0 >= {}", p.bind(Arg::Int(from))));
    }
    if let Some(to) = filter.to_ms {
        common.push(format!("occurred_at + 0 < {}", p.bind(Arg::Int(to))));
    }
    let driver = match (&filter.resource, filter.outcome.and_then(OutcomeClass::indexed)) {
        (Some(_), _) => Driver::Resource,
        (None, Some(condition)) => Driver::Outcome(condition),
        _ if !filter.operations.is_empty() => Driver::Operations,
        _ if filter.credential_id.is_some() => Driver::Credential,
        _ if filter.direction == Some(Direction::Out) => Driver::Outbound,
        _ => Driver::Log,
    };
    let mut alternatives: Vec<String> = Vec::new();
    match driver {
        Driver::Resource => {
            let r = p.bind(Arg::Text(filter.resource.clone().unwrap_or_default()));
            // The second read skips the rows the first one finds.
            alternatives.push(format!("resource_id = {r}"));
            alternatives.push(format!("user_name = {r} and (resource_id is null or resource_id <> {r})"));
        }
        Driver::Outcome(condition) => alternatives.push(condition.to_owned()),
        Driver::Operations => {
            for op in &filter.operations {
                alternatives.push(format!("operation = {}", p.bind(Arg::Text(op.clone()))));
            }
        }
        // The partial index's own condition, so that both databases read it.
        Driver::Outbound => alternatives.push("application_id is not null".to_owned()),
        Driver::Credential | Driver::Log => {}
    }
    // The other conditions, in forms no index serves.
    if let Some(outcome) = filter.outcome.filter(|_| !matches!(driver, Driver::Outcome(_))) {
        common.push(outcome.unindexed().to_owned());
    }
    if !filter.operations.is_empty() && driver != Driver::Operations {
        common.push(p.any_of("coalesce(operation, '')", &filter.operations));
    }
    if let Some(credential) = &filter.credential_id {
        let column = if driver == Driver::Credential { "credential_id" } else { "coalesce(credential_id, '')" };
        common.push(format!("{column} = {}", p.bind(Arg::Text(credential.clone()))));
    }
    match filter.direction {
        Some(Direction::In) => common.push("coalesce(application_id, '') = ''".to_owned()),
        Some(Direction::Out) if driver != Driver::Outbound => {
            common.push("coalesce(application_id, '') <> ''".to_owned())
        }
        _ => {}
    }
    let limit = p.bind(Arg::Int(i64::from(limit)));
    let common = common.join(" and ");
    let read = |alternative: Option<&String>| {
        let extra = alternative.map(|a| format!(" and {a}")).unwrap_or_default();
        format!("select {columns} from provisioning_log where {common}{extra} order by log_id desc limit {limit}")
    };
    let sql = match alternatives.as_slice() {
        [] => read(None),
        [one] => read(Some(one)),
        several => {
            let reads: Vec<String> = several
                .iter()
                .enumerate()
                .map(|(i, a)| format!("select * from ({}) as alternative{i}", read(Some(a))))
                .collect();
            format!("{} order by log_id desc limit {limit}", reads.join(" union all "))
        }
    };
    (sql, p.0)
}

/// The ids a time range lies within: a row is written within [`WRITE_SKEW_MS`] of its
/// arrival, and ids grow as rows are written, so every row of the range is newer than the
/// newest row that arrived a skew before `from` ([`id_before`]), and older than the oldest row
/// that arrived a skew after `to` — each one lookup in the time index.
async fn time_bounds(pool: &AnyPool, filter: &LogFilter) -> Result<Cursor, sqlx::Error> {
    let mut bounds = Cursor::default();
    if let Some(from) = filter.from_ms {
        bounds.after = id_before(pool, &filter.tenant_id, from).await?;
    }
    if let Some(to) = filter.to_ms {
        bounds.before = sqlx::query_scalar(
            "select log_id from provisioning_log where tenant_id = $1 and occurred_at >= $2 \
             order by occurred_at limit 1",
        )
        .bind(&filter.tenant_id)
        .bind(to.saturating_add(WRITE_SKEW_MS))
        .fetch_optional(pool)
        .await?;
    }
    Ok(bounds)
}

/// An id below every row of the tenant that arrived at or after `from_ms`: the newest row that
/// arrived a skew before it, if any did.
async fn id_before(pool: &AnyPool, tenant_id: &str, from_ms: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select log_id from provisioning_log where tenant_id = $1 and occurred_at < $2 \
         order by occurred_at desc limit 1",
    )
    .bind(tenant_id)
    .bind(from_ms.saturating_sub(WRITE_SKEW_MS))
    .fetch_optional(pool)
    .await
}

/// The conditions no index serves, checked here on the rows the others select.
struct Residual {
    /// Text to find, lower case.
    needle: Option<String>,
    /// Only groups whose members changed.
    membership: bool,
}

impl Residual {
    /// The columns a candidate row needs for the check.
    const COLUMNS: &'static str = "log_id, path, detail, user_name, scim_type, resource_type, request_id";

    fn of(filter: &LogFilter) -> Option<Residual> {
        let needle = filter.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty());
        (needle.is_some() || filter.membership).then_some(Residual { needle, membership: filter.membership })
    }

    fn matches(&self, row: &sqlx::any::AnyRow) -> Result<bool, sqlx::Error> {
        let text = |column: &str| row.try_get::<Option<String>, _>(column);
        if self.membership
            && !(text("resource_type")?.as_deref() == Some("Group")
                && text("detail")?.is_some_and(|d| d.starts_with("members:")))
        {
            return Ok(false);
        }
        let Some(needle) = &self.needle else {
            return Ok(true);
        };
        for column in ["path", "detail", "user_name", "scim_type", "request_id"] {
            if text(column)?.is_some_and(|v| v.to_lowercase().contains(needle.as_str())) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Up to `limit` rows matching `filter` within `cursor`, newest first, without their excerpts.
///
/// No index serves a substring or a group's membership changes: those are checked here on the
/// rows the other conditions select, newest first — at most `scan` rows, so a rare word costs
/// one bounded read per page instead of a read of the whole log.
pub async fn search(
    db: &Db,
    filter: &LogFilter,
    cursor: Cursor,
    limit: u32,
    scan: u32,
) -> Result<LogSlice, sqlx::Error> {
    let pool = db.reader();
    let limit = limit.max(1);
    let residual = Residual::of(filter);
    // One row more than asked for tells whether there are older ones.
    let (columns, scan) = match residual {
        Some(_) => (Residual::COLUMNS, scan.max(limit + 1)),
        None => ("log_id", limit + 1),
    };
    let cursor = cursor.within(time_bounds(pool, filter).await?);
    let (sql, args) = candidates(filter, cursor, columns, scan);
    let found = bind_all(sqlx::query(&sql), &args).fetch_all(pool).await?;
    let mut ids = Vec::with_capacity(found.len().min(limit as usize + 1));
    for row in &found {
        if ids.len() > limit as usize {
            break;
        }
        if match &residual {
            Some(residual) => residual.matches(row)?,
            None => true,
        } {
            ids.push(row.try_get::<i64, _>("log_id")?);
        }
    }
    let (next_before, partial) = if ids.len() > limit as usize {
        ids.truncate(limit as usize);
        (ids.last().copied(), false)
    } else if residual.is_some() && found.len() == scan as usize {
        (found.last().map(|r| r.try_get::<i64, _>("log_id")).transpose()?, true)
    } else {
        (None, false)
    };
    Ok(LogSlice { rows: by_ids(pool, &filter.tenant_id, &ids).await?, next_before, partial })
}

/// The tenant's rows with these ids, newest first, without their excerpts.
async fn by_ids(pool: &AnyPool, tenant_id: &str, ids: &[i64]) -> Result<Vec<LogEntry>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select {LIST_COLUMNS} from provisioning_log where tenant_id = $1 and log_id in ({}) order by log_id desc",
        placeholders(2, ids.len())
    );
    let mut args = vec![Arg::Text(tenant_id.to_owned())];
    args.extend(ids.iter().map(|id| Arg::Int(*id)));
    let rows = bind_all(sqlx::query(&sql), &args).fetch_all(pool).await?;
    rows.iter().map(|r| from_row(r, false)).collect()
}

/// One row of the tenant, with its excerpts.
pub async fn entry(db: &Db, tenant_id: &str, log_id: i64) -> Result<Option<LogEntry>, sqlx::Error> {
    let pool = db.reader();
    let row = sqlx::query("select * from provisioning_log where tenant_id = $1 and log_id = $2")
        .bind(tenant_id)
        .bind(log_id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(|r| from_row(r, true)).transpose()
}

/// The requests and errors (status 400 and above) of one interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Requests.
    pub requests: u64,
    /// Of those, errors.
    pub errors: u64,
}

/// The tenant's requests in `count` consecutive intervals of `width_ms` from `since_ms`.
///
/// Two reads, each of an index that holds what it needs: the requests are one count per
/// interval over the time index (no row is read), the errors a read of the outcome index's two
/// error classes, from the first id the intervals may hold (few rows, read to learn their time).
/// A row that stands for repeated refusals ([`is_refusal`], always an error) counts as many
/// requests and errors; the error read adds its repeats to the requests.
pub async fn histogram(
    db: &Db,
    tenant_id: &str,
    since_ms: i64,
    width_ms: i64,
    count: usize,
) -> Result<Vec<Bucket>, sqlx::Error> {
    let pool = db.reader();
    let width_ms = width_ms.max(1);
    let start = |i: usize| since_ms.saturating_add(width_ms.saturating_mul(i64::try_from(i).unwrap_or(i64::MAX)));
    let mut args = vec![Arg::Text(tenant_id.to_owned())];
    let counts: Vec<String> = (0..count)
        .map(|i| {
            args.extend([Arg::Int(start(i)), Arg::Int(start(i + 1))]);
            format!(
                "select cast({i} as bigint) as bucket, count(*) as n from provisioning_log \
                 where tenant_id = $1 and occurred_at >= ${} and occurred_at < ${}",
                args.len() - 1,
                args.len()
            )
        })
        .collect();
    let mut buckets = vec![Bucket::default(); count];
    if counts.is_empty() {
        return Ok(buckets);
    }
    // (interval, count) of a row of either read.
    let counted = |row: &sqlx::any::AnyRow| -> Result<(usize, u64), sqlx::Error> {
        let (index, n): (i64, i64) = (row.try_get("bucket")?, row.try_get("n")?);
        Ok((usize::try_from(index).unwrap_or(usize::MAX), u64::try_from(n).unwrap_or(0)))
    };
    let count_of = |row: &sqlx::any::AnyRow, column: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
    };
    for row in bind_all(sqlx::query(&counts.join(" union all ")), &args).fetch_all(pool).await? {
        let (i, n) = counted(&row)?;
        if let Some(b) = buckets.get_mut(i) {
            b.requests = n;
        }
    }
    let first = id_before(pool, tenant_id, since_ms).await?.unwrap_or(0);
    let errors = |class: u8| {
        format!(
            "select (occurred_at - $2) / $3 as bucket, cast(sum(repeat_count) as bigint) as n, \
             cast(sum(repeat_count - 1) as bigint) as repeats from provisioning_log \
             where tenant_id = $1 and status / 100 = {class} and log_id > $5 \
             and occurred_at + 0 >= $2 and occurred_at + 0 < $4 group by 1"
        )
    };
    let rows = sqlx::query(&format!("{} union all {}", errors(4), errors(5)))
        .bind(tenant_id)
        .bind(since_ms)
        .bind(width_ms)
        .bind(start(count))
        .bind(first)
        .fetch_all(pool)
        .await?;
    for row in rows {
        let (i, n) = counted(&row)?;
        if let Some(b) = buckets.get_mut(i) {
            b.errors += n;
            b.requests += count_of(&row, "repeats")?;
        }
    }
    Ok(buckets)
}

/// The outbound requests of the tenant that failed (an error status, or no answer, which is
/// logged as 502) since `since_ms`, per application id. Read through the outcome index's two
/// error classes from the first id the window may hold: errors are few.
pub async fn outbound_failures(db: &Db, tenant_id: &str, since_ms: i64) -> Result<HashMap<String, u64>, sqlx::Error> {
    let pool = db.reader();
    let first = id_before(pool, tenant_id, since_ms).await?.unwrap_or(0);
    let failures = |class: u8| {
        format!(
            "select application_id, count(*) as n from provisioning_log where tenant_id = $1 \
             and status / 100 = {class} and log_id > $2 and occurred_at + 0 >= $3 \
             and coalesce(application_id, '') <> '' group by application_id"
        )
    };
    let rows = sqlx::query(&format!("{} union all {}", failures(4), failures(5)))
        .bind(tenant_id)
        .bind(first)
        .bind(since_ms)
        .fetch_all(pool)
        .await?;
    let mut counts = HashMap::new();
    for row in rows {
        let n: i64 = row.try_get("n")?;
        *counts.entry(row.try_get::<String, _>("application_id")?).or_insert(0) += u64::try_from(n).unwrap_or(0);
    }
    Ok(counts)
}

/// A credential as the log's credential filter offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialChoice {
    /// What the log records for it: the id of a bearer secret, `client:<client id>` for the
    /// access tokens of the tenant's OAuth client.
    pub log_id: String,
    /// `bearer` or `client_secret`.
    pub kind: String,
    /// When it was created (ms); for a client, its newest secret.
    pub created_at: i64,
    /// Whether it can no longer be used (revoked or expired); for a client, all its secrets.
    pub retired: bool,
}

/// Credentials that may appear in the tenant's log, revoked ones included, newest first (the
/// newest 50): its bearer secrets, and its OAuth client once.
pub async fn credential_choices(db: &Db, tenant_id: &str, now_ms: i64) -> Result<Vec<CredentialChoice>, sqlx::Error> {
    let pool = db.reader();
    let rows = sqlx::query(
        "select credential_id, kind, client_id, created_at, revoked_at, expires_at from credential \
         where tenant_id = $1 order by created_at desc, credential_id limit 200",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    let mut choices: Vec<CredentialChoice> = Vec::new();
    for row in &rows {
        let client_id: Option<String> = row.try_get("client_id")?;
        let (revoked, expires): (Option<i64>, Option<i64>) = (row.try_get("revoked_at")?, row.try_get("expires_at")?);
        let retired = revoked.is_some() || expires.is_some_and(|at| at <= now_ms);
        let log_id = match client_id {
            Some(client) => format!("client:{client}"),
            None => row.try_get("credential_id")?,
        };
        // Newest first: a client's first row is its newest secret.
        match choices.iter_mut().find(|c| c.log_id == log_id) {
            Some(seen) => seen.retired &= retired,
            None => choices.push(CredentialChoice {
                log_id,
                kind: row.try_get("kind")?,
                created_at: row.try_get("created_at")?,
                retired,
            }),
        }
    }
    choices.truncate(50);
    Ok(choices)
}

/// The tenant's request and error counts since `since_ms` (a row of repeated refusals counts
/// as many), and the time of its last request.
pub async fn activity(db: &Db, tenant_id: &str, since_ms: i64) -> Result<(u64, u64, Option<i64>), sqlx::Error> {
    let pool = db.reader();
    let row = sqlx::query(
        "select coalesce(cast(sum(repeat_count) as bigint), 0) as n, \
         coalesce(cast(sum(case when status >= 400 then repeat_count else 0 end) as bigint), 0) as e, \
         (select max(occurred_at) from provisioning_log where tenant_id = $1) as last \
         from provisioning_log where tenant_id = $1 and occurred_at >= $2",
    )
    .bind(tenant_id)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    let n: i64 = row.try_get("n")?;
    let e: i64 = row.try_get("e")?;
    Ok((u64::try_from(n).unwrap_or_default(), u64::try_from(e).unwrap_or_default(), row.try_get("last")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_rows_keep_their_order_in_seven_statement_shapes() {
        let mut shapes = std::collections::BTreeSet::new();
        for n in 0..=300 {
            let rows: Vec<NewLogEntry> =
                (0..n).map(|i| NewLogEntry { path: format!("/Users/{i}"), ..NewLogEntry::default() }).collect();
            let statements = append_statements(&rows);
            let args: Vec<Arg> = statements.iter().flat_map(|s| s.args.clone()).collect();
            let expected: Vec<Arg> = rows.iter().flat_map(|r| append_statement(std::slice::from_ref(r)).args).collect();
            assert_eq!(args, expected, "{n} rows");
            assert!(statements.len() <= n / APPEND_CHUNK + 6, "{n} rows in {} statements", statements.len());
            shapes.extend(statements.into_iter().map(|s| s.sql));
        }
        assert_eq!(shapes.len(), 7);
    }

    fn sql(filter: LogFilter) -> String {
        candidates(&LogFilter { tenant_id: "t".into(), ..filter }, Cursor::default(), "log_id", 51).0
    }

    #[test]
    fn one_index_reads_each_page_and_no_other_can() {
        let outcome = Some(OutcomeClass::ClientError);
        let ops = vec!["create".to_owned(), "link".to_owned()];
        assert_eq!(
            sql(LogFilter { outcome, ..LogFilter::default() }),
            "select log_id from provisioning_log where tenant_id = $1 and status / 100 = 4 order by log_id desc limit $2"
        );
        // The resource reads; the outcome, operations and credential are checked on its rows.
        let all = sql(LogFilter {
            resource: Some("alice".into()),
            outcome,
            operations: ops.clone(),
            credential_id: Some("c".into()),
            ..LogFilter::default()
        });
        assert!(all.contains("status >= 400 and status < 500") && !all.contains("status / 100"), "{all}");
        assert!(all.contains("coalesce(operation, '') in ($3, $4)"), "{all}");
        assert!(all.contains("coalesce(credential_id, '') = $5"), "{all}");
        assert!(all.contains("and resource_id = $2 order by") && all.contains("union all"), "{all}");
        // An error class reads before operations; operations before a credential.
        let by_outcome = sql(LogFilter { outcome, operations: ops.clone(), ..LogFilter::default() });
        assert!(by_outcome.contains("status / 100 = 4") && by_outcome.contains("coalesce(operation"), "{by_outcome}");
        let by_ops = sql(LogFilter { operations: ops, credential_id: Some("c".into()), ..LogFilter::default() });
        assert!(by_ops.contains("operation = $2") && by_ops.contains("coalesce(credential_id, '') = $4"), "{by_ops}");
        let by_credential = sql(LogFilter { credential_id: Some("c".into()), ..LogFilter::default() });
        assert!(by_credential.contains("and credential_id = $2 order by"), "{by_credential}");
        // Times never choose the time index: their ids bound the read.
        let timed = sql(LogFilter { from_ms: Some(1), to_ms: Some(2), ..LogFilter::default() });
        assert!(timed.contains("occurred_at + 0 >= $2 and occurred_at + 0 < $3"), "{timed}");
        // Outbound rows read their partial index unless a resource or an error class reads;
        // inbound rows are most rows, read from the log.
        let out = sql(LogFilter { direction: Some(Direction::Out), ..LogFilter::default() });
        assert!(out.ends_with("and application_id is not null order by log_id desc limit $2"), "{out}");
        let out_errors = sql(LogFilter { direction: Some(Direction::Out), outcome, ..LogFilter::default() });
        assert!(out_errors.contains("coalesce(application_id, '') <> ''") && out_errors.contains("status / 100 = 4"));
        let inbound = sql(LogFilter { direction: Some(Direction::In), ..LogFilter::default() });
        assert!(inbound.contains("coalesce(application_id, '') = ''"), "{inbound}");
    }

    #[test]
    fn cursors_combine_to_the_tighter_bounds() {
        let a = Cursor { before: Some(10), after: None };
        let b = Cursor { before: Some(20), after: Some(3) };
        assert_eq!(a.within(b), Cursor { before: Some(10), after: Some(3) });
        assert_eq!(Cursor::default().within(Cursor::default()), Cursor::default());
    }
}
