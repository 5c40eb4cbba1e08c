//! The users and groups lists and the group detail page (`app::backend::DirectoryBackend`).
//!
//! A list page is a keyset page (`db::resource::keyset_page`): a range read of the index its
//! sort column leads, from a cursor (`[sort key, id]` in JSON) the page beside it gave, so every
//! page costs the same wherever it is in the list, and pages count nothing. The count is asked
//! for on its own, once per search. A search is plain text (a part of the name, display name,
//! external ID or email, in any case) or a SCIM filter, translated by `query_sql` as the SCIM
//! endpoint translates it; a filter it refuses is an answer that says why.

use app::backend::DirectoryBackend;
use app::dto::{
    AdminIdentity, Cursors, DirectoryQuery, GroupDetail, GroupPage, GroupRow, ListPage, MemberKind, MemberPage,
    MemberRow, PageAt, SortKey, StatusFilter, UserPage, UserRow, DIRECTORY_PAGE_SIZE,
};
use app::AppError;
use scim::filter::{CompValue, CompareOp, Filter};
use scim::list::ListQuery;
use scim::path::AttrPath;
use scim::schema::ResourceSchema;
use serde_json::Value;

use super::mapping::pretty;
use super::{log_row, Backend, OrInternal};
use crate::clock::rfc3339_ms;
use crate::db;
use crate::db::credential::Kind;
use crate::db::group::{self, MemberType};
use crate::db::query_sql::{self, Mapping, GROUPS, USERS};
use crate::db::resource::{KeyKind, Position, Seek, Sort, SortColumn, Window};
use crate::db::sql::{Arg, Where};
use crate::db::user::{self, Writer};
use crate::provisioning::mapping::mapping_of;
use crate::tenant::Tenant;

/// Groups with at most this many members show them in the SCIM resource on their page.
const MEMBERS_IN_RESOURCE: u64 = 100;

/// Rows of provisioning history on the group page.
const HISTORY_ROWS: u32 = 100;

/// What a plain-text search looks in besides the externalId: attributes with their own column,
/// and sub-attributes of multi-valued attributes in the resource JSON.
struct TextSearch {
    columns: &'static [&'static str],
    elements: &'static [(&'static str, &'static str)],
}

/// A list of one resource type: its SCIM mapping, what plain text searches, how it sorts.
struct ListKind {
    mapping: &'static Mapping,
    /// Whether SCIM filters resolve against the tenant's User resource type (its custom
    /// extensions) rather than the mapping's static schema.
    tenant_schema: bool,
    text: TextSearch,
    has_status: bool,
    sort: fn(Option<SortKey>) -> SortColumn,
}

const USER_LIST: ListKind = ListKind {
    mapping: &USERS,
    tenant_schema: true,
    text: TextSearch { columns: &["userName", "displayName"], elements: &[("emails", "value")] },
    has_status: true,
    sort: |key| match key {
        None | Some(SortKey::UserName) => user::sort::USER_NAME,
        Some(SortKey::DisplayName) => user::sort::DISPLAY_NAME,
        Some(SortKey::LastProvisioned) => user::sort::UPDATED,
        Some(SortKey::Created) => user::sort::CREATED,
    },
};

const GROUP_LIST: ListKind = ListKind {
    mapping: &GROUPS,
    tenant_schema: false,
    text: TextSearch { columns: &["displayName"], elements: &[] },
    has_status: false,
    sort: |key| match key {
        None | Some(SortKey::UserName | SortKey::DisplayName) => group::sort::DISPLAY_NAME,
        Some(SortKey::LastProvisioned) => group::sort::UPDATED,
        Some(SortKey::Created) => group::sort::CREATED,
    },
};

impl Backend {
    /// The schema the SCIM filters of `list` resolve against in `tenant`: for users the tenant's
    /// User resource type, with the custom extensions its mappers read.
    async fn filter_schema(&self, list: &ListKind, tenant: &Tenant) -> Result<&'static ResourceSchema, AppError> {
        Ok(match list.tenant_schema {
            true => mapping_of(&self.state, &tenant.id).await.or_internal()?.user_schema,
            false => list.mapping.schema,
        })
    }

    /// The condition `query` puts on the rows of `list` (placeholders from `$2`), its SCIM
    /// filter resolved against `schema`, or why that filter is refused.
    fn condition(
        &self,
        list: &ListKind,
        schema: &'static ResourceSchema,
        query: &DirectoryQuery,
    ) -> Result<Where, String> {
        let mut condition = if query.search.is_empty() {
            Where::all()
        } else if query.scim_filter {
            let request = ListQuery { filter: Some(query.search.clone()), ..ListQuery::default() };
            self.state.list_plan(&request, list.mapping, schema).map_err(|e| e.detail)?.filter
        } else {
            text_search(&query.search, list, self.state.db.dialect()).map_err(|e| e.detail)?
        };
        let active = match query.status {
            StatusFilter::All => None,
            StatusFilter::Active => Some(true),
            StatusFilter::Deactivated => Some(false),
        };
        if let (true, Some(active)) = (list.has_status, active) {
            condition.sql = format!("({}) and active = ${}", condition.sql, condition.args.len() + 2);
            condition.args.push(Arg::Bool(active));
        }
        Ok(condition)
    }

    /// What a request for one of the lists selects: the tenant, the condition of its search and
    /// its order and start — or, as `Err` inside, why the search was refused (the page shows it).
    async fn list_request(
        &self,
        list: &ListKind,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<Result<ListRequest, String>, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let schema = self.filter_schema(list, &tenant).await?;
        let condition = match self.condition(list, schema, query) {
            Ok(condition) => condition,
            Err(message) => return Ok(Err(message)),
        };
        let column = (list.sort)(query.sort);
        let sort = Sort { column, descending: query.descending };
        Ok(Ok(ListRequest { tenant, condition, sort, seek: seek(&query.at, column) }))
    }

    /// The tenant's group with this id.
    async fn group_of(&self, tenant: &Tenant, group_id: &str) -> Result<group::GroupRecord, AppError> {
        group::get(self.state.db.reader(), &tenant.id, group_id).await.or_internal()?.ok_or(AppError::NotFound)
    }
}

/// A list request, checked: see [`Backend::list_request`].
struct ListRequest {
    tenant: Tenant,
    condition: Where,
    sort: Sort,
    seek: Seek<Position>,
}

/// `attr co "text"` on each of the list's text attributes (all compare case-insensitively), or
/// the externalId containing the text in any case (SCIM compares externalId as stored). Reading
/// the elements of a JSON list is what costs, so for ASCII text that JSON does not escape they
/// are only read where the resource's text, its ASCII letters folded, contains the search at
/// all: a scan of the text, without parsing it (PostgreSQL folds ASCII only in the "C"
/// collation, many times faster than in a Unicode one).
fn text_search(text: &str, list: &ListKind, dialect: db::Dialect) -> Result<Where, scim::ScimError> {
    let contains = |attr: &str, sub: Option<&str>| Filter::Compare {
        path: AttrPath { urn: None, attr: attr.to_owned(), sub_attr: sub.map(str::to_owned) },
        op: CompareOp::Co,
        value: CompValue::String(text.to_owned()),
    };
    let any = |filters: Vec<Filter>| filters.into_iter().reduce(|a, b| Filter::Or(Box::new(a), Box::new(b)));
    let mut terms = Vec::new();
    let mut args = Vec::new();
    if let Some(filter) = any(list.text.columns.iter().map(|attr| contains(attr, None)).collect()) {
        let columns = query_sql::to_sql(&filter, list.mapping, dialect, 2)?;
        terms.push(columns.sql);
        args.extend(columns.args);
    }
    let pattern = format!("${}", args.len() + 2);
    args.push(Arg::Text(like_pattern(text)));
    terms.push(format!("lower(external_id) like {pattern} escape '\\'"));
    if let Some(filter) = any(list.text.elements.iter().map(|(attr, sub)| contains(attr, Some(sub))).collect()) {
        let elements = query_sql::to_sql(&filter, list.mapping, dialect, args.len() + 2)?;
        args.extend(elements.args);
        if text.chars().all(|c| c.is_ascii() && c != '"' && c != '\\' && !c.is_control()) {
            let folded = match dialect {
                db::Dialect::Sqlite => "lower(resource)",
                db::Dialect::Postgres => "lower(resource collate \"C\")",
            };
            terms.push(format!("({folded} like {pattern} escape '\\' and {})", elements.sql));
        } else {
            terms.push(elements.sql);
        }
    }
    Ok(Where { sql: format!("({})", terms.join(" or ")), args })
}

/// A LIKE pattern (escaped with `\`) matching text that contains `text` in lower case.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A position as a cursor in the URL: `[key, id]` in JSON.
fn cursor(position: &Position) -> String {
    let key = match &position.key {
        Some(Arg::Text(text)) => Value::from(text.as_str()),
        Some(Arg::Int(n)) => Value::from(*n),
        _ => Value::Null,
    };
    Value::Array(vec![key, Value::from(position.id.as_str())]).to_string()
}

/// The position a cursor names in a list sorted by `column`, if it is one.
fn position(cursor: &str, column: SortColumn) -> Option<Position> {
    let Ok(Value::Array(parts)) = serde_json::from_str(cursor) else {
        return None;
    };
    let [key, Value::String(id)] = parts.as_slice() else {
        return None;
    };
    let key = match (key, column.kind) {
        (Value::Null, _) if column.nullable => None,
        (Value::String(text), KeyKind::Text) => Some(Arg::Text(text.clone())),
        (Value::Number(n), KeyKind::Int) => Some(Arg::Int(n.as_i64()?)),
        _ => return None,
    };
    Some(Position { key, id: id.clone() })
}

/// Where to read a page of a list sorted by `column`: a cursor that names no position in it
/// (a link from another order, or edited by hand) reads the first page.
fn seek(at: &PageAt, column: SortColumn) -> Seek<Position> {
    match at {
        PageAt::First => Seek::First,
        PageAt::After(c) => position(c, column).map_or(Seek::First, Seek::After),
        PageAt::Before(c) => position(c, column).map_or(Seek::First, Seek::Before),
    }
}

/// The cursors of the pages beside a window, made from its first and last items.
fn cursors<T>(window: &Window<T>, cursor: impl Fn(&T) -> String) -> Cursors {
    Cursors {
        prev: window.items.first().filter(|_| window.has_before).map(&cursor),
        next: window.items.last().filter(|_| window.has_after).map(&cursor),
    }
}

/// The answer to a search whose filter is refused.
fn refused<T>(message: String) -> ListPage<T> {
    ListPage { rows: Vec::new(), cursors: Cursors::default(), filter_error: Some(message) }
}

/// What made a user's last change, as the list says it. The log records the credential of a
/// bearer secret by its id, an access token of the tenant's OAuth client as `client:<id>`, and
/// one of Microsoft Entra ID as `azure:<subject>`.
fn source(writer: &Writer) -> String {
    match writer {
        Writer::Dashboard => "Dashboard".to_owned(),
        Writer::Credential { kind: Some(Kind::ClientSecret), client_id: Some(client), .. } => {
            format!("OAuth client {client}")
        }
        Writer::Credential { id, kind: Some(Kind::Bearer), .. } => {
            format!("Bearer secret {}", id.chars().take(8).collect::<String>())
        }
        Writer::Credential { id, .. } => match id.split_once(':') {
            Some(("client", client)) => format!("OAuth client {client}"),
            Some(("azure", _)) => "Microsoft Entra ID token".to_owned(),
            _ => id.clone(),
        },
    }
}

fn member_row(m: group::Member) -> MemberRow {
    MemberRow {
        display: m.display.unwrap_or_else(|| m.id.clone()),
        kind: match m.member_type {
            MemberType::User => MemberKind::User,
            MemberType::Group => MemberKind::Group,
        },
        id: m.id,
        user_name: m.user_name,
        active: m.active,
    }
}

#[async_trait::async_trait]
impl DirectoryBackend for Backend {
    async fn user_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<UserPage, AppError> {
        let ListRequest { tenant, condition, sort, seek } =
            match self.list_request(&USER_LIST, admin, tenant, query).await? {
                Ok(request) => request,
                Err(message) => return Ok(refused(message)),
            };
        let db = &self.state.db;
        let window = user::page(db, &tenant.id, &condition, sort, &seek, DIRECTORY_PAGE_SIZE).await.or_internal()?;
        let ids: Vec<String> = window.items.iter().map(|(u, _)| u.id.clone()).collect();
        let writers = user::last_writers(db, &tenant.id, &ids).await.or_internal()?;
        let cursors = cursors(&window, |(_, at)| cursor(at));
        let rows = window
            .items
            .into_iter()
            .map(|(u, _)| UserRow {
                source: writers.get(&u.id).map(source),
                id: u.id,
                user_name: u.user_name,
                display_name: u.display_name,
                external_id: u.external_id,
                active: u.active,
                last_provisioned: rfc3339_ms(u.updated_at),
                created: rfc3339_ms(u.created_at),
            })
            .collect();
        Ok(ListPage { rows, cursors, filter_error: None })
    }

    async fn user_count(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<Option<u64>, AppError> {
        let Ok(request) = self.list_request(&USER_LIST, admin, tenant, query).await? else {
            return Ok(None);
        };
        user::count(&self.state.db, &request.tenant.id, &request.condition).await.map(Some).or_internal()
    }

    async fn group_page(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<GroupPage, AppError> {
        let ListRequest { tenant, condition, sort, seek } =
            match self.list_request(&GROUP_LIST, admin, tenant, query).await? {
                Ok(request) => request,
                Err(message) => return Ok(refused(message)),
            };
        let db = &self.state.db;
        let window = group::page(db, &tenant.id, &condition, sort, &seek, DIRECTORY_PAGE_SIZE).await.or_internal()?;
        let ids: Vec<String> = window.items.iter().map(|(g, _)| g.id.clone()).collect();
        let counts = group::member_counts(db, &tenant.id, &ids).await.or_internal()?;
        let cursors = cursors(&window, |(_, at)| cursor(at));
        let rows = window
            .items
            .into_iter()
            .map(|(g, _)| GroupRow {
                members: counts.get(&g.id).copied().unwrap_or_default(),
                id: g.id,
                display_name: g.display_name,
                external_id: g.external_id,
                last_provisioned: rfc3339_ms(g.updated_at),
                created: rfc3339_ms(g.created_at),
            })
            .collect();
        Ok(ListPage { rows, cursors, filter_error: None })
    }

    async fn group_count(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        query: &DirectoryQuery,
    ) -> Result<Option<u64>, AppError> {
        let Ok(request) = self.list_request(&GROUP_LIST, admin, tenant, query).await? else {
            return Ok(None);
        };
        group::count(&self.state.db, &request.tenant.id, &request.condition).await.map(Some).or_internal()
    }

    async fn group_detail(&self, admin: &AdminIdentity, tenant: &str, group_id: &str) -> Result<GroupDetail, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let group = self.group_of(&tenant, group_id).await?;
        // The history shows reads too, which the log writes in batches.
        self.state.flush_logs().await;
        let db = &self.state.db;
        let member_count = group::member_count(db.reader(), &tenant.id, &group.id).await.or_internal()?;
        let members_in_resource = member_count <= MEMBERS_IN_RESOURCE;
        let members = if members_in_resource {
            let mut conn = db.reader().acquire().await.or_internal()?;
            Some(group::members(&mut conn, &tenant.id, std::slice::from_ref(&group.id)).await.or_internal()?)
        } else {
            None
        };
        let resource =
            crate::provisioning::render::group(&group, members.as_deref(), &self.state.scim_base_url(&tenant.name));
        let history = db::log::for_resource(db, &tenant.id, &group.id, HISTORY_ROWS).await.or_internal()?;
        let mut history: Vec<app::dto::LogRow> = history.into_iter().map(log_row).collect();
        self.name_applications(&tenant.id, &mut history).await?;
        Ok(GroupDetail {
            resource: pretty(&resource),
            members_in_resource,
            member_count,
            history,
            created: rfc3339_ms(group.created_at),
            last_modified: rfc3339_ms(group.updated_at),
            id: group.id,
            display_name: group.display_name,
            external_id: group.external_id,
        })
    }

    async fn group_members(
        &self,
        admin: &AdminIdentity,
        tenant: &str,
        group_id: &str,
        at: &PageAt,
    ) -> Result<MemberPage, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let group = self.group_of(&tenant, group_id).await?;
        let seek = match at {
            PageAt::First => Seek::First,
            PageAt::After(id) => Seek::After(id.clone()),
            PageAt::Before(id) => Seek::Before(id.clone()),
        };
        let window = group::member_window(self.state.db.reader(), &tenant.id, &group.id, &seek, DIRECTORY_PAGE_SIZE)
            .await
            .or_internal()?;
        let cursors = cursors(&window, |m| m.id.clone());
        Ok(MemberPage { rows: window.items.into_iter().map(member_row).collect(), cursors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_read_the_first_page() {
        let text = Position { key: Some(Arg::Text("ann \"x\"".into())), id: "u1".into() };
        assert_eq!(position(&cursor(&text), user::sort::USER_NAME), Some(text.clone()));
        let none = Position { key: None, id: "u2".into() };
        assert_eq!(position(&cursor(&none), user::sort::DISPLAY_NAME), Some(none.clone()));
        assert_eq!(position(&cursor(&none), user::sort::USER_NAME), None, "userName is never null");
        let time = Position { key: Some(Arg::Int(1_700_000_000_000)), id: "u3".into() };
        assert_eq!(position(&cursor(&time), user::sort::UPDATED), Some(time.clone()));
        assert_eq!(position(&cursor(&time), user::sort::USER_NAME), None, "a cursor of another order");
        assert_eq!(seek(&PageAt::After("garbage".into()), user::sort::CREATED), Seek::First);
        assert_eq!(seek(&PageAt::Before(cursor(&time)), user::sort::CREATED), Seek::Before(time));
    }

    #[test]
    fn sources_name_the_credential() {
        let credential = |id: &str, kind, client: Option<&str>| Writer::Credential {
            id: id.into(),
            kind,
            client_id: client.map(str::to_owned),
        };
        assert_eq!(source(&Writer::Dashboard), "Dashboard");
        assert_eq!(source(&credential("1a2b3c4d-5e6f", Some(Kind::Bearer), None)), "Bearer secret 1a2b3c4d");
        assert_eq!(source(&credential("c1", Some(Kind::ClientSecret), Some("scimhub-x"))), "OAuth client scimhub-x");
        assert_eq!(source(&credential("client:scimhub-y", None, None)), "OAuth client scimhub-y");
        assert_eq!(source(&credential("azure:0000-1111", None, None)), "Microsoft Entra ID token");
    }
}
