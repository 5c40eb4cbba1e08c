//! What the provisioning log viewer shows, and its filter as the page's URL carries it.

use serde::{Deserialize, Serialize};

/// A provisioning-log row: in the viewer, a user's history and the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    /// Row id (the keyset of the pages).
    pub id: i64,
    /// When (RFC 3339).
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Path and query below the SCIM base.
    pub path: String,
    /// The operation as stored (create, link, replace, update, deactivate, …).
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// `User` or `Group`.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The user's userName, or the group's displayName.
    pub user_name: Option<String>,
    /// SCIM error keyword.
    pub scim_type: Option<String>,
    /// SCIM error detail, or what else the row says (a group's membership changes, a link).
    pub detail: Option<String>,
    /// Time to answer, in milliseconds.
    pub latency_ms: f64,
    /// The credential that authenticated the request, if any did.
    pub credential_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// How many requests the row stands for: 1, or more for repeated identical refusals (the
    /// first arrived at `time`).
    #[serde(default = "one")]
    pub repeat_count: u64,
    /// When the last of them arrived (RFC 3339), when the row stands for more than one.
    #[serde(default)]
    pub last_seen: Option<String>,
    /// For a request scimhub sent to an application: the application's name (its id once it
    /// is removed). `None` for a request scimhub received.
    #[serde(default)]
    pub application: Option<String>,
    /// The request's id (`X-Request-Id`, the client's or scimhub's).
    #[serde(default)]
    pub request_id: Option<String>,
}

fn one() -> u64 {
    1
}

impl LogRow {
    /// `×137, last 12:03:05` (UTC) when the row stands for repeated refusals.
    pub fn repeats(&self) -> Option<String> {
        (self.repeat_count > 1).then(|| {
            let last = self.last_seen.as_deref().and_then(|t| t.get(11..19)).map(|t| format!(", last {t}"));
            format!("×{}{}", self.repeat_count, last.unwrap_or_default())
        })
    }

    /// `User/<id>` or `Group/<id>`, when the row is about one resource.
    pub fn resource(&self) -> Option<String> {
        let id = self.resource_id.as_deref()?;
        Some(format!("{}/{id}", self.resource_type.as_deref().unwrap_or_default()))
    }

    /// The detail, else the SCIM error keyword.
    pub fn problem(&self) -> Option<&str> {
        self.detail.as_deref().or(self.scim_type.as_deref())
    }

    /// What happened, in plain words: "Created pia@contoso.com", "Deactivated pia@contoso.com",
    /// "Refused: userName "x" is already taken"; for a request sent to an application, "→ CRM:"
    /// before it.
    pub fn summary(&self) -> String {
        match &self.application {
            Some(application) => format!("→ {application}: {}", self.what_happened()),
            None => self.what_happened(),
        }
    }

    fn what_happened(&self) -> String {
        if self.status >= 400 {
            let verdict = if self.status >= 500 { "Failed" } else { "Refused" };
            let why = self.problem().map_or_else(|| format!("HTTP {}", self.status), str::to_owned);
            return format!("{verdict}: {why}");
        }
        let kind = match self.resource_type.as_deref() {
            Some("Group") => "group",
            _ => "user",
        };
        let name = match (&self.user_name, &self.resource_id) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => format!("{kind} {id}"),
            (None, None) => format!("a {kind}"),
        };
        let done = match self.operation.as_str() {
            "create" => format!("Created {name}"),
            "link" => format!("Linked {name} to an existing user"),
            "replace" | "update" => format!("Updated {name}"),
            "deactivate" => format!("Deactivated {name}"),
            "reactivate" => format!("Reactivated {name}"),
            "delete" => format!("Deleted {name}"),
            "read" => format!("Read {name}"),
            "list" => format!("Listed {kind}s"),
            "bulk" => "Ran a bulk request".to_owned(),
            "discovery" => "Read the service's configuration".to_owned(),
            "notify" => format!("Sent an event about {name}"),
            "token" => "Got an access token".to_owned(),
            other => format!("{other} {name}"),
        };
        match self.detail.as_deref() {
            Some(detail) => format!("{done}: {detail}"),
            None => done,
        }
    }

    /// The CSS classes of the status badge.
    pub fn status_class(&self) -> &'static str {
        match self.status {
            500.. => "status err",
            400.. => "status warn",
            _ => "status ok",
        }
    }
}

/// A page of the provisioning log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    /// The rows.
    pub rows: Vec<LogRow>,
    /// Pass as `before` to get the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
    /// A filter no index serves (text, group membership) stopped after reading
    /// [`LogPage::SCAN`] rows with fewer matches than a page: the next page searches on.
    pub partial: bool,
}

impl LogPage {
    /// Rows a page shows at most.
    pub const SIZE: u32 = 50;
    /// Rows one page reads at most when a filter no index serves (text, group membership) is
    /// set: such a filter is checked on the rows the other filters select, newest first.
    pub const SCAN: u32 = 5000;
}

/// One row in full: what the detail drawer shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogEntryDetail {
    /// The row.
    pub row: LogRow,
    /// The redacted, truncated request body (pretty-printed when it is whole JSON).
    pub request: Option<String>,
    /// The redacted, truncated response body (pretty-printed when it is whole JSON).
    pub response: Option<String>,
}

/// The viewer's filter, as the page's URL query carries it (`?op=&outcome=&resource=
/// &credential=&q=&from=&to=&last=`); empty means no condition. The server reads the values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LogQuery {
    /// An operation group: a value of [`OPERATION_CHOICES`].
    pub op: String,
    /// `success`, `client` or `server` ([`OUTCOME_CHOICES`]).
    pub outcome: String,
    /// A resource id, or an exact userName (or group displayName).
    pub resource: String,
    /// A credential id as the log records it.
    pub credential: String,
    /// Text the path, detail, userName or SCIM error keyword contains (any case).
    pub q: String,
    /// From this time (UTC, `YYYY-MM-DDTHH:MM[:SS]`, as a `datetime-local` input sends it, or
    /// RFC 3339), inclusive.
    pub from: String,
    /// Until this time, exclusive; same forms as `from`.
    pub to: String,
    /// The last hour, day or week: a value of [`LAST_CHOICES`].
    pub last: String,
    /// `in` (requests scimhub received) or `out` (requests it sent to applications):
    /// [`DIRECTION_CHOICES`].
    pub dir: String,
}

impl LogQuery {
    /// The parameter (and refused-field) name of the operation.
    pub const OP: &'static str = "op";
    /// … of the outcome.
    pub const OUTCOME: &'static str = "outcome";
    /// … of the resource.
    pub const RESOURCE: &'static str = "resource";
    /// … of the credential.
    pub const CREDENTIAL: &'static str = "credential";
    /// … of the text.
    pub const TEXT: &'static str = "q";
    /// … of the start time.
    pub const FROM: &'static str = "from";
    /// … of the end time.
    pub const TO: &'static str = "to";
    /// … of the quick pick.
    pub const LAST: &'static str = "last";
    /// … of the direction.
    pub const DIR: &'static str = "dir";

    /// The filter in a URL query, read with `get` (a parameter's value, if present).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> LogQuery {
        let value = |name: &str| get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
        LogQuery {
            op: value(Self::OP),
            outcome: value(Self::OUTCOME),
            resource: value(Self::RESOURCE),
            credential: value(Self::CREDENTIAL),
            q: value(Self::TEXT),
            from: value(Self::FROM),
            to: value(Self::TO),
            last: value(Self::LAST),
            dir: value(Self::DIR),
        }
    }

    /// The parameters that are set, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            (Self::DIR, &self.dir),
            (Self::OP, &self.op),
            (Self::OUTCOME, &self.outcome),
            (Self::RESOURCE, &self.resource),
            (Self::CREDENTIAL, &self.credential),
            (Self::TEXT, &self.q),
            (Self::FROM, &self.from),
            (Self::TO, &self.to),
            (Self::LAST, &self.last),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    /// `?<extra>&<the filter>` (empty when both are), for links that keep the filter.
    pub fn to_query(&self, extra: &[(&str, &str)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(extra.iter().filter(|(_, v)| !v.is_empty()));
        query.extend_pairs(self.pairs());
        let query = query.finish();
        if query.is_empty() {
            query
        } else {
            format!("?{query}")
        }
    }
}

/// An operation group of the filter and the operations stored for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationChoice {
    /// The value in the URL.
    pub value: &'static str,
    /// What the select shows, naming the stored operations.
    pub label: &'static str,
    /// The operations stored in the log.
    pub stored: &'static [&'static str],
    /// Only the rows of groups whose members changed.
    pub membership: bool,
}

/// The operation groups the filter offers.
pub const OPERATION_CHOICES: [OperationChoice; 7] = [
    OperationChoice { value: "create", label: "Create (create, link)", stored: &["create", "link"], membership: false },
    OperationChoice {
        value: "update",
        label: "Update (replace, update, reactivate)",
        stored: &["replace", "update", "reactivate"],
        membership: false,
    },
    OperationChoice { value: "deactivate", label: "Deactivate", stored: &["deactivate"], membership: false },
    OperationChoice { value: "delete", label: "Delete", stored: &["delete"], membership: false },
    OperationChoice {
        value: "read",
        label: "Read (read, list, .search)",
        stored: &["read", "list"],
        membership: false,
    },
    OperationChoice {
        value: "membership",
        label: "Group membership (members changed)",
        stored: &["create", "replace", "update"],
        membership: true,
    },
    OperationChoice {
        value: "other",
        label: "Other (bulk, discovery)",
        stored: &["bulk", "discovery", "other"],
        membership: false,
    },
];

/// The directions the filter offers: (value, label).
pub const DIRECTION_CHOICES: [(&str, &str); 2] =
    [("in", "Received (from identity providers)"), ("out", "Sent (to applications)")];

/// The outcome classes the filter offers: (value, label).
pub const OUTCOME_CHOICES: [(&str, &str); 3] =
    [("success", "Success (below 400)"), ("client", "Client error (4xx)"), ("server", "Server error (5xx)")];

/// The quick picks of the time range: (value, label, seconds back from now).
pub const LAST_CHOICES: [(&str, &str, i64); 3] =
    [("1h", "Last hour", 3600), ("24h", "Last 24 hours", 86_400), ("7d", "Last 7 days", 604_800)];

/// A credential the filter offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialChoice {
    /// The id the log records.
    pub value: String,
    /// What it is, e.g. `Bearer secret created 2026-11-23 (revoked)`.
    pub label: String,
}

/// The span of the activity chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ChartRange {
    /// The last 24 hours, hourly.
    #[default]
    #[serde(rename = "24h")]
    Day,
    /// The last 7 days, in 6-hour intervals.
    #[serde(rename = "7d")]
    Week,
}

impl ChartRange {
    /// The parameter in the page's URL.
    pub const PARAM: &'static str = "chart";

    /// The range a URL value names (the last 24 hours unless it is `7d`).
    pub fn parse(value: &str) -> ChartRange {
        if value == "7d" {
            ChartRange::Week
        } else {
            ChartRange::Day
        }
    }

    /// The URL value.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartRange::Day => "24h",
            ChartRange::Week => "7d",
        }
    }

    /// The span in words.
    pub fn label(self) -> &'static str {
        match self {
            ChartRange::Day => "the last 24 hours",
            ChartRange::Week => "the last 7 days",
        }
    }

    /// The width of one interval and how many intervals there are.
    pub fn buckets(self) -> (i64, usize) {
        match self {
            ChartRange::Day => (3600, 24),
            ChartRange::Week => (6 * 3600, 28),
        }
    }
}

/// The requests of one interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChartBucket {
    /// The interval's start (RFC 3339, UTC).
    pub start: String,
    /// Requests.
    pub requests: u64,
    /// Of those, errors (status 400 and above).
    pub errors: u64,
}

/// The activity chart: requests and errors per interval, oldest first; the last interval is
/// the current one, still filling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogChart {
    /// The span.
    pub range: ChartRange,
    /// The intervals.
    pub buckets: Vec<ChartBucket>,
}

impl LogChart {
    /// Requests and errors in all.
    pub fn totals(&self) -> (u64, u64) {
        self.buckets.iter().fold((0, 0), |(r, e), b| (r + b.requests, e + b.errors))
    }
}

#[cfg(test)]
impl LogRow {
    /// A plain row for tests: a successful `GET /Users`.
    pub(crate) fn sample(id: i64) -> LogRow {
        LogRow {
            id,
            time: String::new(),
            method: "GET".into(),
            path: "/Users".into(),
            operation: "list".into(),
            status: 200,
            resource_type: None,
            resource_id: None,
            user_name: None,
            scim_type: None,
            detail: None,
            latency_ms: 0.0,
            credential_id: None,
            client_addr: None,
            user_agent: None,
            repeat_count: 1,
            last_seen: None,
            application: None,
            request_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_round_trip_through_urls() {
        let query = LogQuery { op: "create".into(), q: "a&b c".into(), last: "1h".into(), ..LogQuery::default() };
        let url = query.to_query(&[("before", "42"), ("chart", "")]);
        assert_eq!(url, "?before=42&op=create&q=a%26b+c&last=1h");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&url.as_bytes()[1..]).into_owned().collect();
        let read = LogQuery::from_params(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(read, query);
        assert_eq!(LogQuery::default().to_query(&[]), "");
        assert!(LogQuery::default().is_empty());
    }

    #[test]
    fn repeated_refusals_say_how_often_and_when_last() {
        let row = |repeat_count: u64, last_seen: Option<&str>| LogRow {
            status: 401,
            repeat_count,
            last_seen: last_seen.map(str::to_owned),
            ..LogRow::sample(1)
        };
        assert_eq!(row(1, None).repeats(), None);
        assert_eq!(row(137, Some("2026-11-23T12:03:05.250Z")).repeats().as_deref(), Some("×137, last 12:03:05"));
        // Rows serialised before the count existed read as one request.
        let mut old = serde_json::to_value(row(1, None)).unwrap();
        old.as_object_mut().unwrap().retain(|k, _| k != "repeatCount" && k != "lastSeen");
        assert_eq!(serde_json::from_value::<LogRow>(old).unwrap().repeat_count, 1);
    }

    #[test]
    fn each_row_says_what_happened_in_plain_words() {
        let row = |operation: &str, status: u16, name: Option<&str>, detail: Option<&str>| LogRow {
            operation: operation.into(),
            status,
            resource_type: Some("User".into()),
            resource_id: Some("8c1f".into()),
            user_name: name.map(str::to_owned),
            detail: detail.map(str::to_owned),
            ..LogRow::sample(1)
        };
        let pia = Some("pia@contoso.com");
        assert_eq!(row("create", 201, pia, None).summary(), "Created pia@contoso.com");
        assert_eq!(row("deactivate", 200, pia, None).summary(), "Deactivated pia@contoso.com");
        assert_eq!(row("delete", 204, None, None).summary(), "Deleted user 8c1f");
        let taken = Some("userName \"pia@contoso.com\" is already taken");
        assert_eq!(row("create", 409, pia, taken).summary(), "Refused: userName \"pia@contoso.com\" is already taken");
        assert_eq!(row("read", 401, None, None).summary(), "Refused: HTTP 401");
        assert_eq!(row("update", 500, pia, None).summary(), "Failed: HTTP 500");
        let group =
            LogRow { resource_type: Some("Group".into()), ..row("update", 200, Some("Ops"), Some("+2 members")) };
        assert_eq!(group.summary(), "Updated Ops: +2 members");
        assert_eq!(LogRow::sample(1).summary(), "Listed users");
        let pushed = LogRow { application: Some("CRM".into()), ..row("create", 201, pia, None) };
        assert_eq!(pushed.summary(), "→ CRM: Created pia@contoso.com");
        let failed = LogRow { application: Some("CRM".into()), ..row("replace", 502, pia, Some("connection refused")) };
        assert_eq!(failed.summary(), "→ CRM: Failed: connection refused");
    }

    #[test]
    fn choices_are_distinct_and_chart_ranges_parse() {
        let mut values: Vec<&str> = OPERATION_CHOICES.iter().map(|c| c.value).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), OPERATION_CHOICES.len());
        assert_eq!(ChartRange::parse("7d"), ChartRange::Week);
        assert_eq!(ChartRange::parse("whatever"), ChartRange::Day);
        assert_eq!(serde_json::to_string(&ChartRange::Week).unwrap(), "\"7d\"");
    }
}
