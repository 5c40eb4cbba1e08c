//! What the users and groups lists and the group detail page show, and the state of a list
//! (search, status, order, page) as it lives in the URL's query, so that links, reloads and the
//! back button keep it.

use serde::{Deserialize, Serialize};

use super::LogRow;

/// Rows on one page of the users, groups and members lists.
pub const DIRECTORY_PAGE_SIZE: u64 = 50;

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SortKey {
    /// userName (users only).
    UserName,
    /// displayName.
    DisplayName,
    /// The time of the last change (meta.lastModified).
    LastProvisioned,
    /// The creation time.
    Created,
}

impl SortKey {
    const ALL: [SortKey; 4] = [SortKey::UserName, SortKey::DisplayName, SortKey::LastProvisioned, SortKey::Created];

    /// The value in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::UserName => "userName",
            SortKey::DisplayName => "displayName",
            SortKey::LastProvisioned => "lastProvisioned",
            SortKey::Created => "created",
        }
    }

    /// The key a URL value names.
    pub fn parse(text: &str) -> Option<SortKey> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the first click on its column sorts descending: times newest first.
    pub fn descending_first(self) -> bool {
        matches!(self, SortKey::LastProvisioned | SortKey::Created)
    }
}

/// Which users a list shows by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum StatusFilter {
    /// Every user.
    #[default]
    All,
    /// Active users only.
    Active,
    /// Deactivated users only.
    Deactivated,
}

impl StatusFilter {
    /// The choices, in the order the page offers them.
    pub const ALL: [StatusFilter; 3] = [StatusFilter::All, StatusFilter::Active, StatusFilter::Deactivated];

    /// The value in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Active => "active",
            StatusFilter::Deactivated => "deactivated",
        }
    }

    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "All",
            StatusFilter::Active => "Active",
            StatusFilter::Deactivated => "Deactivated",
        }
    }

    /// The choice a URL value names (anything else: all).
    pub fn parse(text: &str) -> StatusFilter {
        Self::ALL.into_iter().find(|s| s.as_str() == text).unwrap_or_default()
    }
}

/// Which page of a list: the first, or the one after or before a cursor that a page beside it
/// gave ([`Cursors`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PageAt {
    /// The first page.
    #[default]
    First,
    /// The page after this cursor.
    After(String),
    /// The page before this cursor.
    Before(String),
}

impl PageAt {
    /// The URL parameter of a page after a cursor.
    pub const AFTER: &'static str = "after";
    /// The URL parameter of a page before a cursor.
    pub const BEFORE: &'static str = "before";

    /// The page a URL query names, read with `get` (a parameter's value, if present).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> PageAt {
        let cursor = |name| get(name).filter(|c| !c.is_empty());
        match (cursor(Self::AFTER), cursor(Self::BEFORE)) {
            (Some(c), _) => PageAt::After(c),
            (None, Some(c)) => PageAt::Before(c),
            (None, None) => PageAt::First,
        }
    }

    /// Its URL parameter, if any.
    pub fn pair(&self) -> Option<(&'static str, &str)> {
        match self {
            PageAt::First => None,
            PageAt::After(c) => Some((Self::AFTER, c)),
            PageAt::Before(c) => Some((Self::BEFORE, c)),
        }
    }

    /// `?after=…` or `?before=…` (empty for the first page).
    pub fn to_query(&self) -> String {
        self.pair().map_or_else(String::new, |(name, cursor)| {
            format!("?{}", form_urlencoded::Serializer::new(String::new()).append_pair(name, cursor).finish())
        })
    }
}

/// The state of a users or groups list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DirectoryQuery {
    /// The search: plain text (a part of the name, display name, external ID or email, any
    /// case), or a SCIM filter with [`DirectoryQuery::scim_filter`].
    pub search: String,
    /// The search is a SCIM filter (RFC 7644 §3.4.2.2), e.g. `name.familyName sw "J"`.
    pub scim_filter: bool,
    /// Users by status (groups have none).
    pub status: StatusFilter,
    /// The order; `None`: the list's own (userName for users, displayName for groups).
    pub sort: Option<SortKey>,
    /// Descending instead of ascending.
    pub descending: bool,
    /// The page.
    pub at: PageAt,
}

impl DirectoryQuery {
    /// The URL parameter of the search.
    pub const SEARCH: &'static str = "q";
    /// … of the SCIM filter switch (`1`).
    pub const SCIM: &'static str = "scim";
    /// … of the status.
    pub const STATUS: &'static str = "status";
    /// … of the sort key.
    pub const SORT: &'static str = "sort";
    /// … of the order (`desc`).
    pub const ORDER: &'static str = "order";

    /// The list state in a URL query, read with `get` (a parameter's value, if present).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> DirectoryQuery {
        DirectoryQuery {
            search: get(Self::SEARCH).map(|s| s.trim().to_owned()).unwrap_or_default(),
            scim_filter: get(Self::SCIM).is_some_and(|v| v == "1" || v == "on" || v == "true"),
            status: get(Self::STATUS).map(|s| StatusFilter::parse(&s)).unwrap_or_default(),
            sort: get(Self::SORT).and_then(|s| SortKey::parse(&s)),
            descending: get(Self::ORDER).is_some_and(|o| o == "desc"),
            at: PageAt::from_params(&get),
        }
    }

    /// `?…` with the parameters that differ from the defaults (empty when none do).
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.search.is_empty() {
            pairs.push((Self::SEARCH, &self.search));
            if self.scim_filter {
                pairs.push((Self::SCIM, "1"));
            }
        }
        pairs.extend(self.kept_by_search());
        pairs.extend(self.at.pair());
        if pairs.is_empty() {
            return String::new();
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs);
        format!("?{}", query.finish())
    }

    /// The parameters a new search keeps — the status and the order — that differ from the
    /// defaults.
    pub fn kept_by_search(&self) -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        if self.status != StatusFilter::All {
            pairs.push((Self::STATUS, self.status.as_str()));
        }
        if let Some(sort) = self.sort {
            pairs.push((Self::SORT, sort.as_str()));
        }
        if self.descending {
            pairs.push((Self::ORDER, "desc"));
        }
        pairs
    }

    /// The first page of the list sorted by `key`: the other way round if it is sorted by it
    /// already (`current` is the list's own order when [`DirectoryQuery::sort`] is `None`).
    pub fn sorted_by(&self, key: SortKey, current: SortKey) -> DirectoryQuery {
        let descending = if self.sort.unwrap_or(current) == key { !self.descending } else { key.descending_first() };
        DirectoryQuery { sort: Some(key), descending, at: PageAt::First, ..self.clone() }
    }

    /// The first page of the list with this status.
    pub fn with_status(&self, status: StatusFilter) -> DirectoryQuery {
        DirectoryQuery { status, at: PageAt::First, ..self.clone() }
    }

    /// Another page of the same list.
    pub fn at(&self, at: PageAt) -> DirectoryQuery {
        DirectoryQuery { at, ..self.clone() }
    }

    /// The query without its order and page: what a count of the list depends on.
    pub fn matching(&self) -> DirectoryQuery {
        DirectoryQuery { sort: None, descending: false, at: PageAt::First, ..self.clone() }
    }

    /// Whether the list is narrowed by a search or a status.
    pub fn is_filtered(&self) -> bool {
        !self.search.is_empty() || self.status != StatusFilter::All
    }
}

/// The cursors of the pages beside a page, to pass back in [`PageAt`]; `None` where the list
/// ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cursors {
    /// For [`PageAt::Before`]: the previous page.
    pub prev: Option<String>,
    /// For [`PageAt::After`]: the next page.
    pub next: Option<String>,
}

/// A page of the users or groups list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListPage<T> {
    /// The rows.
    pub rows: Vec<T>,
    /// The pages beside this one.
    pub cursors: Cursors,
    /// Why the SCIM filter was refused (then there are no rows): the page shows it beside the
    /// search box.
    pub filter_error: Option<String>,
}

/// A user in the Users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    /// SCIM id.
    pub id: String,
    /// userName.
    pub user_name: String,
    /// displayName.
    pub display_name: Option<String>,
    /// externalId.
    pub external_id: Option<String>,
    /// Active or deactivated.
    pub active: bool,
    /// Last change (RFC 3339).
    pub last_provisioned: String,
    /// Creation (RFC 3339).
    pub created: String,
    /// What made the last change: `Dashboard`, or the SCIM credential (`Bearer token 1a2b3c4d`,
    /// `OAuth client scimhub-…`); `None` when the log no longer tells.
    pub source: Option<String>,
}

/// A page of users.
pub type UserPage = ListPage<UserRow>;

/// A group in the Groups list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    /// SCIM id.
    pub id: String,
    /// displayName.
    pub display_name: String,
    /// externalId.
    pub external_id: Option<String>,
    /// How many direct members it has.
    pub members: u64,
    /// Last change, membership changes included (RFC 3339).
    pub last_provisioned: String,
    /// Creation (RFC 3339).
    pub created: String,
}

/// A page of groups.
pub type GroupPage = ListPage<GroupRow>;

/// What a group member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MemberKind {
    /// A user.
    User,
    /// A nested group.
    Group,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    /// The member's SCIM id.
    pub id: String,
    /// User or group.
    pub kind: MemberKind,
    /// Its displayName (a user without one: its userName).
    pub display: String,
    /// A user's userName.
    pub user_name: Option<String>,
    /// Whether a user is active.
    pub active: Option<bool>,
}

/// A page of a group's members, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberPage {
    /// The members.
    pub rows: Vec<MemberRow>,
    /// The pages beside this one.
    pub cursors: Cursors,
}

/// Everything the group detail page shows but its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupDetail {
    /// SCIM id.
    pub id: String,
    /// displayName.
    pub display_name: String,
    /// externalId.
    pub external_id: Option<String>,
    /// Creation (RFC 3339).
    pub created: String,
    /// Last change (RFC 3339).
    pub last_modified: String,
    /// How many direct members it has.
    pub member_count: u64,
    /// The SCIM resource as the identity provider reads it, pretty-printed.
    pub resource: String,
    /// Whether `resource` lists the members (only small groups': the page lists them all).
    pub members_in_resource: bool,
    /// The SCIM requests about the group, newest first.
    pub history: Vec<LogRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> DirectoryQuery {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect();
        DirectoryQuery::from_params(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_list_state_round_trips_through_the_url() {
        let query = DirectoryQuery {
            search: "userName sw \"a&b\"".into(),
            scim_filter: true,
            status: StatusFilter::Deactivated,
            sort: Some(SortKey::LastProvisioned),
            descending: true,
            at: PageAt::After("[\"x\",\"1\"]".into()),
        };
        assert_eq!(parse(&query.to_query()), query);
        assert_eq!(DirectoryQuery::default().to_query(), "");
        assert_eq!(
            parse("?q=+ann+&scim=0&status=nope&sort=bogus&before=c"),
            DirectoryQuery { search: "ann".into(), at: PageAt::Before("c".into()), ..DirectoryQuery::default() }
        );
        // The switch means nothing without a search.
        assert_eq!(DirectoryQuery { scim_filter: true, ..DirectoryQuery::default() }.to_query(), "");
    }

    #[test]
    fn sorting_toggles_the_current_column_and_starts_over() {
        let on_page_two = DirectoryQuery { at: PageAt::After("c".into()), ..DirectoryQuery::default() };
        let by_name = on_page_two.sorted_by(SortKey::UserName, SortKey::UserName);
        assert_eq!((by_name.sort, by_name.descending, &by_name.at), (Some(SortKey::UserName), true, &PageAt::First));
        let back = by_name.sorted_by(SortKey::UserName, SortKey::UserName);
        assert!(!back.descending);
        let by_time = back.sorted_by(SortKey::LastProvisioned, SortKey::UserName);
        assert!(by_time.descending, "times sort newest first");
        assert_eq!(on_page_two.with_status(StatusFilter::Active).at, PageAt::First);
    }

    #[test]
    fn a_new_search_keeps_the_status_and_the_order_only() {
        let query = parse("?q=ann&status=active&sort=created&order=desc&after=c");
        assert_eq!(query.kept_by_search(), [("status", "active"), ("sort", "created"), ("order", "desc")]);
        assert!(DirectoryQuery::default().kept_by_search().is_empty());
    }
}
