//! The dashboard's users and groups lists and the group page, through the backend the server
//! functions call: plain-text and SCIM-filter searches (a bad filter is an answer), the status
//! filter, every order walked page by page both ways over ties and missing values, cursors that
//! name nothing, counts, sources of the last change, member counts and pages of members.

use app::backend::{DirectoryBackend, MappingBackend};
use app::dto::{
    AdminIdentity, DirectoryQuery, GroupPage, MemberKind, PageAt, SignInMethod, SortKey, StatusFilter, UserPage,
    DIRECTORY_PAGE_SIZE,
};
use axum::http::{Method, StatusCode};
use scimhub::admin::Backend;
use scimhub::db::group::{self as groups, GroupWrite};
use scimhub::db::user::{self as users, UserWrite};
use scimhub::db::Outcome;
use scimhub::tenant::Profile;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::{TestApp, TestTenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn admin() -> AdminIdentity {
    let mut who = AdminIdentity::new("sub-plat".into(), Some("plat@msp.test".into()), None, SignInMethod::Oidc);
    who.platform_admin = true;
    who
}

async fn setup() -> (TestApp, TestTenant, Backend) {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    (app, t, backend)
}

fn search(text: &str) -> DirectoryQuery {
    DirectoryQuery { search: text.into(), ..DirectoryQuery::default() }
}

fn filter(text: &str) -> DirectoryQuery {
    DirectoryQuery { search: text.into(), scim_filter: true, ..DirectoryQuery::default() }
}

async fn post(app: &TestApp, t: &TestTenant, path: &str, body: Value) -> String {
    let r = app.scim(t, Method::POST, path, Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn scim_user(
    app: &TestApp,
    t: &TestTenant,
    user_name: &str,
    display: &str,
    external: &str,
    email: &str,
) -> String {
    let body = json!({
        "schemas": [USER], "userName": user_name, "displayName": display, "externalId": external,
        "name": { "givenName": display.split(' ').next(), "familyName": display.split(' ').nth(1) },
        "emails": [{ "value": email, "type": "work", "primary": true }],
    });
    post(app, t, "/Users", body).await
}

/// A user written straight to the table, at `time` (created and last changed); its id.
async fn stored_user(
    app: &TestApp,
    t: &TestTenant,
    user_name: &str,
    display: Option<&str>,
    active: bool,
    time: i64,
) -> String {
    let resource = json!({ "schemas": [USER], "userName": user_name });
    let write = UserWrite {
        user_name,
        external_id: None,
        display_name: display,
        active,
        resource: &resource,
        password_hash: None,
        attributes: &Map::new(),
        mapping_revision: 0,
    };
    let id = uuid::Uuid::new_v4().to_string();
    let mut conn = app.state.db.writer().acquire().await.unwrap();
    users::insert(&mut conn, &t.id, &id, &write, time).await.unwrap();
    id
}

async fn user_page(b: &Backend, t: &TestTenant, query: &DirectoryQuery) -> UserPage {
    b.user_page(&admin(), &t.name, query).await.unwrap()
}

async fn user_count(b: &Backend, t: &TestTenant, query: &DirectoryQuery) -> Option<u64> {
    b.user_count(&admin(), &t.name, query).await.unwrap()
}

/// The userNames a search finds (one page), sorted.
async fn found(b: &Backend, t: &TestTenant, query: DirectoryQuery) -> Vec<String> {
    let page = user_page(b, t, &query).await;
    assert_eq!(page.filter_error, None, "{query:?}");
    let mut names: Vec<String> = page.rows.into_iter().map(|u| u.user_name).collect();
    names.sort();
    assert_eq!(user_count(b, t, &query).await, Some(names.len() as u64), "{query:?}");
    names
}

#[tokio::test]
async fn plain_text_finds_names_display_names_external_ids_and_emails_in_any_case() {
    let (app, t, b) = setup().await;
    scim_user(&app, &t, "bjensen@example.com", "Barbara Jensen", "EXT-Bj_1", "barbara@work.example").await;
    scim_user(&app, &t, "jsmith@example.com", "John Smith", "ext-js%2", "john@home.example").await;
    scim_user(&app, &t, "mmuster@example.com", "Max Mustermann", "ext-mm3", "max@work.example").await;

    assert_eq!(found(&b, &t, search("JENSEN")).await, ["bjensen@example.com"], "userName and displayName");
    assert_eq!(found(&b, &t, search("john smith")).await, ["jsmith@example.com"], "displayName");
    assert_eq!(found(&b, &t, search("ext-bj")).await, ["bjensen@example.com"], "externalId in any case");
    assert_eq!(found(&b, &t, search("@WORK.example")).await, ["bjensen@example.com", "mmuster@example.com"], "email");
    // LIKE's wildcards are plain characters.
    assert_eq!(found(&b, &t, search("_")).await, ["bjensen@example.com"]);
    assert_eq!(found(&b, &t, search("%")).await, ["jsmith@example.com"]);
    assert_eq!(found(&b, &t, search("example")).await.len(), 3);
    // Emails with what JSON escapes, or beyond ASCII, are read as well.
    scim_user(&app, &t, "juergen@example.com", "J. Weiss", "ext-jw", "jürgen@beispiel.example").await;
    scim_user(&app, &t, "quote@example.com", "Q. Uote", "ext-q", "a\"b@example.com").await;
    assert_eq!(found(&b, &t, search("JÜRGEN@")).await, ["juergen@example.com"]);
    assert_eq!(found(&b, &t, search("A\"B")).await, ["quote@example.com"]);
    assert_eq!(found(&b, &t, search("beispiel")).await, ["juergen@example.com"]);
    // Text that looks like a filter is plain text unless the switch says otherwise.
    assert_eq!(found(&b, &t, search("userName eq \"bjensen@example.com\"")).await, Vec::<String>::new());
    let none = user_page(&b, &t, &search("nobody")).await;
    assert!(none.rows.is_empty() && none.cursors.next.is_none() && none.filter_error.is_none());
    assert_eq!(user_count(&b, &t, &DirectoryQuery::default()).await, Some(5));

    // Another tenant's users are never found.
    let other = app.tenant("globex", Profile::Generic).await;
    scim_user(&app, &other, "bjensen@globex.example", "Barbara Jensen", "x", "b@globex.example").await;
    assert_eq!(found(&b, &t, search("jensen")).await, ["bjensen@example.com"]);
    assert_eq!(found(&b, &other, search("jensen")).await, ["bjensen@globex.example"]);
}

#[tokio::test]
async fn scim_filters_search_and_a_refused_filter_is_an_answer_with_its_reason() {
    let (app, t, b) = setup().await;
    let bj = scim_user(&app, &t, "bjensen@example.com", "Barbara Jensen", "e1", "barbara@work.example").await;
    scim_user(&app, &t, "jsmith@example.com", "John Smith", "e2", "john@home.example").await;
    let body = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{bj}"), Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    assert_eq!(found(&b, &t, filter("name.familyName sw \"J\"")).await, ["bjensen@example.com"]);
    assert_eq!(found(&b, &t, filter("userName eq \"JSMITH@example.com\"")).await, ["jsmith@example.com"]);
    assert_eq!(found(&b, &t, filter("emails[type eq \"work\" and value co \"home\"]")).await, ["jsmith@example.com"]);
    assert_eq!(found(&b, &t, filter("active eq false")).await, ["bjensen@example.com"]);
    assert_eq!(found(&b, &t, filter("externalId eq \"e2\" or displayName co \"barbara\"")).await.len(), 2);

    for (bad, says) in [
        ("userName eq", "missing value"),
        ("nosuch eq \"x\"", "unknown attribute"),
        ("meta.lastModified gt \"yesterday\"", "RFC 3339"),
    ] {
        let page = user_page(&b, &t, &filter(bad)).await;
        let error = page.filter_error.unwrap_or_else(|| panic!("{bad}: refused"));
        assert!(error.contains(says), "{bad}: {error}");
        assert!(page.rows.is_empty() && page.cursors == Default::default(), "{bad}");
        assert_eq!(user_count(&b, &t, &filter(bad)).await, None, "{bad}");
    }
    // The same text without the switch is plain text: nothing to refuse.
    assert_eq!(user_page(&b, &t, &search("nosuch eq \"x\"")).await.filter_error, None);
}

#[tokio::test]
async fn the_status_filter_narrows_searches_and_counts() {
    let (app, t, b) = setup().await;
    for (i, active) in [true, false, true, false, false].into_iter().enumerate() {
        stored_user(&app, &t, &format!("user{i}@example.com"), None, active, 1_000 + i as i64).await;
    }
    let status = |status, text: &str| DirectoryQuery { status, ..search(text) };
    assert_eq!(found(&b, &t, status(StatusFilter::Active, "")).await, ["user0@example.com", "user2@example.com"]);
    assert_eq!(found(&b, &t, status(StatusFilter::Deactivated, "")).await.len(), 3);
    assert_eq!(found(&b, &t, status(StatusFilter::Deactivated, "user1")).await, ["user1@example.com"]);
    assert_eq!(found(&b, &t, status(StatusFilter::All, "")).await.len(), 5);
    let by_filter = DirectoryQuery { status: StatusFilter::Active, ..filter("userName sw \"user3\"") };
    assert_eq!(found(&b, &t, by_filter).await, Vec::<String>::new());
    // Each row says its status.
    let page = user_page(&b, &t, &DirectoryQuery::default()).await;
    let states: Vec<bool> = page.rows.iter().map(|u| u.active).collect();
    assert_eq!(states, [true, false, true, false, false]);
}

/// One page as a walk sees it: its rows, and the cursors of the pages beside it.
type Seen<R> = (Vec<R>, Option<String>, Option<String>);

/// Walks a list from its first page to its last with the `next` cursors, then back with the
/// `prev` ones; checks the cursors at both ends and that both walks see the same pages. Returns
/// the rows in list order.
async fn walk<R: Clone + PartialEq + std::fmt::Debug>(mut read: impl AsyncFnMut(PageAt) -> Seen<R>) -> Vec<R> {
    let mut pages = Vec::new();
    let mut at = PageAt::First;
    let mut prev = loop {
        let (rows, prev, next) = read(at).await;
        assert_eq!(prev.is_some(), !pages.is_empty(), "only the first page has no previous one");
        assert!(rows.len() as u64 <= DIRECTORY_PAGE_SIZE);
        assert!(next.is_none() || rows.len() as u64 == DIRECTORY_PAGE_SIZE, "only the last page is short");
        pages.push(rows);
        match next {
            Some(cursor) => at = PageAt::After(cursor),
            None => break prev,
        }
    };
    let mut back = vec![pages.last().cloned().unwrap_or_default()];
    while let Some(cursor) = prev {
        let (rows, before, next) = read(PageAt::Before(cursor)).await;
        assert!(next.is_some(), "a page read backwards has a next page");
        back.push(rows);
        prev = before;
    }
    back.reverse();
    assert_eq!(back, pages, "forwards and backwards");
    pages.concat()
}

/// A user as the orders see it.
struct Seeded {
    id: String,
    user_name: String,
    display: Option<String>,
    active: bool,
    time: i64,
}

/// The ids of `seeded` with this status in this order: ties by id, users without a display
/// name after the others ascending, descending the exact reverse.
fn expected(seeded: &[Seeded], key: SortKey, descending: bool, status: StatusFilter) -> Vec<String> {
    let mut rows: Vec<&Seeded> = seeded
        .iter()
        .filter(|u| match status {
            StatusFilter::All => true,
            StatusFilter::Active => u.active,
            StatusFilter::Deactivated => !u.active,
        })
        .collect();
    rows.sort_by(|a, b| match key {
        SortKey::UserName => (a.user_name.to_lowercase(), &a.id).cmp(&(b.user_name.to_lowercase(), &b.id)),
        SortKey::DisplayName => (a.display.is_none(), &a.display, &a.id).cmp(&(b.display.is_none(), &b.display, &b.id)),
        SortKey::LastProvisioned | SortKey::Created => (a.time, &a.id).cmp(&(b.time, &b.id)),
    });
    if descending {
        rows.reverse();
    }
    rows.into_iter().map(|u| u.id.clone()).collect()
}

#[tokio::test]
async fn every_order_pages_through_every_user_once_both_ways_over_ties_and_missing_values() {
    let (app, t, b) = setup().await;
    let mut seeded = Vec::new();
    for i in 0..125i64 {
        let n = (i * 37) % 125;
        // Mixed case: userName sorts case-insensitively.
        let user_name = if i % 2 == 0 { format!("User{n:03}@example.com") } else { format!("user{n:03}@example.com") };
        let display = match i {
            _ if i % 7 == 0 => None,
            _ if i % 5 == 0 => Some("Same Name".to_owned()),
            _ => Some(format!("Name {:03}", (i * 53) % 125)),
        };
        let (active, time) = (i % 3 != 0, 1_700_000_000_000 + (i % 13) * 1000);
        let id = stored_user(&app, &t, &user_name, display.as_deref(), active, time).await;
        seeded.push(Seeded { id, user_name, display, active, time });
    }
    assert_eq!(user_count(&b, &t, &DirectoryQuery::default()).await, Some(125));
    let keys = [SortKey::UserName, SortKey::DisplayName, SortKey::LastProvisioned, SortKey::Created];
    for key in keys {
        for descending in [false, true] {
            for status in [StatusFilter::All, StatusFilter::Deactivated] {
                let query = DirectoryQuery { sort: Some(key), descending, status, ..DirectoryQuery::default() };
                let ids = walk(async |at| {
                    let page = user_page(&b, &t, &query.at(at)).await;
                    (page.rows.into_iter().map(|u| u.id).collect(), page.cursors.prev, page.cursors.next)
                })
                .await;
                assert_eq!(
                    ids,
                    expected(&seeded, key, descending, status),
                    "{key:?} descending {descending} {status:?}"
                );
            }
        }
    }
    // userName is the list's own order.
    let own = user_page(&b, &t, &DirectoryQuery::default()).await;
    let first: Vec<String> = own.rows.iter().map(|u| u.id.clone()).collect();
    assert_eq!(first, expected(&seeded, SortKey::UserName, false, StatusFilter::All)[..50]);

    // A cursor that names no position in the list reads its first page; one past the end, none.
    let by_created = DirectoryQuery { sort: Some(SortKey::Created), ..DirectoryQuery::default() };
    let created_first = user_page(&b, &t, &by_created).await;
    for foreign in [own.cursors.next.clone().unwrap(), "garbage".to_owned(), "[null,\"x\"]".to_owned()] {
        let page = user_page(&b, &t, &by_created.at(PageAt::After(foreign.clone()))).await;
        assert_eq!(page, created_first, "{foreign}");
    }
    let last = expected(&seeded, SortKey::UserName, false, StatusFilter::All).pop().unwrap();
    let last_name = seeded.iter().find(|u| u.id == last).unwrap().user_name.to_lowercase();
    let past =
        user_page(&b, &t, &DirectoryQuery::default().at(PageAt::After(json!([last_name, last]).to_string()))).await;
    assert!(past.rows.is_empty() && past.cursors.next.is_none() && past.filter_error.is_none());
}

#[tokio::test]
async fn the_source_is_the_credential_or_the_dashboard_that_last_changed_the_user() {
    let (app, t, b) = setup().await;
    let id = scim_user(&app, &t, "bjensen@example.com", "Barbara Jensen", "e1", "b@example.com").await;
    stored_user(&app, &t, "quiet@example.com", None, true, 1).await;
    let now = app.state.clock.now_ms();
    let credentials = scimhub::db::credential::list_active(&app.state.db, &t.id, now).await.unwrap();
    let bearer = format!("Bearer secret {}", &credentials[0].id[..8]);
    let source = async |user_name: &str| {
        let page = user_page(&b, &t, &DirectoryQuery::default()).await;
        page.rows.into_iter().find(|u| u.user_name == user_name).unwrap().source
    };
    assert_eq!(source("bjensen@example.com").await, Some(bearer.clone()));
    assert_eq!(source("quiet@example.com").await, None, "no log row tells");

    // The dashboard's deactivation; reads and refused changes after it change nothing.
    b.deactivate_user(&admin(), None, &t.name, &id).await.unwrap();
    assert_eq!(source("bjensen@example.com").await.as_deref(), Some("Dashboard"));
    assert_eq!(app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await.status, StatusCode::OK);
    let bad = json!({ "schemas": [PATCH], "Operations": [{ "op": "explode", "path": "active" }] });
    let refused = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&bad.to_string())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{:?}", refused.body);
    app.state.log_sink.flush().await;
    assert_eq!(source("bjensen@example.com").await.as_deref(), Some("Dashboard"));

    // The identity provider again.
    let body = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": true }] });
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(source("bjensen@example.com").await, Some(bearer));
}

async fn group_page(b: &Backend, t: &TestTenant, query: &DirectoryQuery) -> GroupPage {
    b.group_page(&admin(), &t.name, query).await.unwrap()
}

/// The displayNames a group search finds (one page), sorted; checks the count too.
async fn groups_found(b: &Backend, t: &TestTenant, query: DirectoryQuery) -> Vec<String> {
    let page = group_page(b, t, &query).await;
    assert_eq!(page.filter_error, None, "{query:?}");
    let mut names: Vec<String> = page.rows.into_iter().map(|g| g.display_name).collect();
    names.sort();
    assert_eq!(b.group_count(&admin(), &t.name, &query).await.unwrap(), Some(names.len() as u64), "{query:?}");
    names
}

/// A group written straight to the table, at `time`; its id.
async fn stored_group(app: &TestApp, t: &TestTenant, display_name: &str, time: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let resource = json!({ "schemas": [GROUP], "displayName": display_name });
    let write = GroupWrite { display_name, external_id: None, resource: &resource };
    let written = app.state.db.write(vec![groups::insert_statement(&t.id, &id, &write, time)]).await.unwrap();
    assert_eq!(written, Outcome::Written);
    id
}

#[tokio::test]
async fn groups_are_searched_counted_sorted_and_paged() {
    let (app, t, b) = setup().await;
    let u1 = scim_user(&app, &t, "u1@example.com", "User One", "e1", "u1@example.com").await;
    let u2 = scim_user(&app, &t, "u2@example.com", "User Two", "e2", "u2@example.com").await;
    let members = |ids: &[&str]| ids.iter().map(|id| json!({ "value": id })).collect::<Vec<_>>();
    let body = json!({ "schemas": [GROUP], "displayName": "Engineering", "externalId": "G-Eng_1", "members": members(&[&u1, &u2]) });
    post(&app, &t, "/Groups", body).await;
    let body =
        json!({ "schemas": [GROUP], "displayName": "operations", "externalId": "g-ops", "members": members(&[&u1]) });
    post(&app, &t, "/Groups", body).await;
    for i in 0..58 {
        // Whole seconds, so that the times (RFC 3339) sort as text.
        stored_group(&app, &t, &format!("Team {:02}", (i * 7) % 58), 1_000_000 + (i % 5) * 1000).await;
    }

    assert_eq!(groups_found(&b, &t, search("ENGIN")).await, ["Engineering"]);
    assert_eq!(groups_found(&b, &t, search("g-eng_")).await, ["Engineering"], "externalId in any case");
    assert_eq!(group_page(&b, &t, &search("team")).await.rows.len(), 50, "one page");
    assert_eq!(b.group_count(&admin(), &t.name, &search("team")).await.unwrap(), Some(58));
    assert_eq!(groups_found(&b, &t, filter("displayName sw \"OP\"")).await, ["operations"]);
    assert_eq!(groups_found(&b, &t, filter(&format!("members[value eq \"{u2}\"]"))).await, ["Engineering"]);
    let refused = group_page(&b, &t, &filter("members.display eq \"x\"")).await;
    assert!(refused.filter_error.unwrap().contains("not supported"));
    assert_eq!(b.group_count(&admin(), &t.name, &filter("displayName eq")).await.unwrap(), None);
    // Groups have no status: the choice is ignored.
    let all = DirectoryQuery { status: StatusFilter::Deactivated, ..DirectoryQuery::default() };
    assert_eq!(b.group_count(&admin(), &t.name, &all).await.unwrap(), Some(60));

    // Member counts, on the page.
    let page = group_page(&b, &t, &search("e")).await;
    let members_of = |name: &str| page.rows.iter().find(|g| g.display_name == name).map(|g| g.members);
    assert_eq!(
        (members_of("Engineering"), members_of("operations"), members_of("Team 01")),
        (Some(2), Some(1), Some(0))
    );

    // displayName sorts case-insensitively; every order walks every group once, both ways.
    let mut names: Vec<String> = (0..58).map(|i| format!("Team {i:02}")).collect();
    names.extend(["Engineering".to_owned(), "operations".to_owned()]);
    names.sort_by_key(|n| n.to_lowercase());
    for descending in [false, true] {
        let query = DirectoryQuery { descending, ..DirectoryQuery::default() };
        let seen = walk(async |at| {
            let page = group_page(&b, &t, &query.at(at)).await;
            (page.rows.into_iter().map(|g| g.display_name).collect(), page.cursors.prev, page.cursors.next)
        })
        .await;
        let mut want = names.clone();
        if descending {
            want.reverse();
        }
        assert_eq!(seen, want);
    }
    for key in [SortKey::LastProvisioned, SortKey::Created] {
        let query = DirectoryQuery { sort: Some(key), ..DirectoryQuery::default() };
        let seen = walk(async |at| {
            let page = group_page(&b, &t, &query.at(at)).await;
            let time = |t: &str| OffsetDateTime::parse(t, &Rfc3339).unwrap();
            let rows = page.rows.into_iter().map(|g| (time(&g.last_provisioned), time(&g.created), g.id)).collect();
            (rows, page.cursors.prev, page.cursors.next)
        })
        .await;
        assert_eq!(seen.len(), 60);
        let key_of = |(updated, created, id): &(OffsetDateTime, OffsetDateTime, String)| match key {
            SortKey::Created => (*created, id.clone()),
            _ => (*updated, id.clone()),
        };
        assert!(seen.windows(2).all(|w| key_of(&w[0]) < key_of(&w[1])), "{key:?}: by time, then id");
    }
}

#[tokio::test]
async fn a_group_page_shows_its_resource_history_and_members_in_pages() {
    let (app, t, b) = setup().await;
    let user = scim_user(&app, &t, "u1@example.com", "User One", "e1", "u1@example.com").await;
    let inner = post(&app, &t, "/Groups", json!({ "schemas": [GROUP], "displayName": "Inner" })).await;
    let members = json!([{ "value": user }, { "value": inner }]);
    let small = post(
        &app,
        &t,
        "/Groups",
        json!({ "schemas": [GROUP], "displayName": "Small", "externalId": "s-1", "members": members }),
    )
    .await;

    let detail = b.group_detail(&admin(), &t.name, &small).await.unwrap();
    assert_eq!((detail.display_name.as_str(), detail.external_id.as_deref()), ("Small", Some("s-1")));
    assert_eq!((detail.member_count, detail.members_in_resource), (2, true));
    let resource: Value = serde_json::from_str(&detail.resource).unwrap();
    assert_eq!(resource["id"], small.as_str());
    assert_eq!(resource["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(detail.history.len(), 1);
    assert_eq!((detail.history[0].operation.as_str(), detail.history[0].status), ("create", 201));
    let page = b.group_members(&admin(), &t.name, &small, &PageAt::First).await.unwrap();
    assert_eq!(page.cursors, Default::default());
    let as_user = page.rows.iter().find(|m| m.kind == MemberKind::User).unwrap();
    assert_eq!((as_user.id.as_str(), as_user.display.as_str()), (user.as_str(), "User One"));
    assert_eq!((as_user.user_name.as_deref(), as_user.active), (Some("u1@example.com"), Some(true)));
    let as_group = page.rows.iter().find(|m| m.kind == MemberKind::Group).unwrap();
    assert_eq!((as_group.display.as_str(), as_group.user_name.as_deref(), as_group.active), ("Inner", None, None));

    // A big group: members in pages of 50, not in the resource.
    let big = stored_group(&app, &t, "Big", 1).await;
    let mut ids = Vec::new();
    for i in 0..130 {
        ids.push(stored_user(&app, &t, &format!("m{i:03}@example.com"), None, i % 2 == 0, 1).await);
    }
    let written = app.state.db.write(groups::add_members_statements(&t.id, &big, &ids, 2)).await.unwrap();
    assert_eq!(written, Outcome::Written);
    let detail = b.group_detail(&admin(), &t.name, &big).await.unwrap();
    assert_eq!((detail.member_count, detail.members_in_resource), (130, false));
    let resource: Value = serde_json::from_str(&detail.resource).unwrap();
    assert!(resource.get("members").is_none(), "{resource}");
    assert!(detail.history.is_empty());
    let seen = walk(async |at| {
        let page = b.group_members(&admin(), &t.name, &big, &at).await.unwrap();
        (page.rows.into_iter().map(|m| m.id).collect(), page.cursors.prev, page.cursors.next)
    })
    .await;
    ids.sort();
    assert_eq!(seen, ids);

    // A group that does not exist, or is another tenant's, is not found.
    let other = app.tenant("globex", Profile::Generic).await;
    let theirs = stored_group(&app, &other, "Theirs", 1).await;
    for id in ["no-such-group", theirs.as_str()] {
        assert_eq!(b.group_detail(&admin(), &t.name, id).await, Err(app::AppError::NotFound), "{id}");
        let members = b.group_members(&admin(), &t.name, id, &PageAt::First).await;
        assert_eq!(members, Err(app::AppError::NotFound), "{id}");
    }
}
