//! The provisioning log viewer: its backend (`LogBackend`) with every filter and the edges of
//! its keyset pages, a row's detail, the activity chart and the credential choices; through
//! the router, the streamed CSV/JSON export, the server-rendered page and a refused filter as
//! the page's server function answers it.

use std::collections::HashSet;

use app::backend::LogBackend;
use app::dto::{AdminIdentity, ChartRange, LogPage, LogQuery, LogRow, SignInMethod};
use app::AppError;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use leptos::server_fn::ServerFn;
use scimhub::admin::Backend;
use scimhub::clock::rfc3339_ms;
use scimhub::db::credential::{self, Kind};
use scimhub::db::log::NewLogEntry;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{Reply, TestApp, TestClock, TestTenant};

/// 2027-01-15T08:00:00Z, on the hour.
const NOW: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;
const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// An app at [`NOW`] with the tenant `acme` (and `globex`), and a platform administrator.
struct Ctx {
    app: TestApp,
    clock: std::sync::Arc<TestClock>,
    acme: TestTenant,
    globex: TestTenant,
    backend: Backend,
}

fn platform() -> AdminIdentity {
    AdminIdentity { platform_admin: true, ..AdminIdentity::new("sub-p".into(), None, None, SignInMethod::Oidc) }
}

fn query(pairs: &[(&str, &str)]) -> LogQuery {
    LogQuery::from_params(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
}

/// A row of `t` at `at`: a successful list unless changed.
fn entry(t: &TestTenant, at: i64) -> NewLogEntry {
    NewLogEntry {
        tenant_id: t.id.clone(),
        occurred_at: at,
        method: "GET".into(),
        path: "/Users".into(),
        operation: "list".into(),
        resource_type: Some("User".into()),
        status: 200,
        latency_us: 1500,
        ..NewLogEntry::default()
    }
}

fn ids(rows: &[LogRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

impl Ctx {
    async fn new() -> Ctx {
        let clock = TestClock::at(NOW);
        let app = TestApp::with_clock(clock.clone()).await;
        let acme = app.tenant("acme", Profile::Generic).await;
        let globex = app.tenant("globex", Profile::Generic).await;
        let backend = Backend::new(app.state.clone());
        Ctx { app, clock, acme, globex, backend }
    }

    /// Appends rows as they are (in one transaction, in order).
    async fn append(&self, rows: impl IntoIterator<Item = NewLogEntry>) {
        let mut tx = self.app.state.db.writer().begin().await.unwrap();
        for row in rows {
            scimhub::db::log::append(&mut tx, &row).await.unwrap();
        }
        tx.commit().await.unwrap();
    }

    async fn page(&self, pairs: &[(&str, &str)], before: Option<i64>, after: Option<i64>) -> LogPage {
        self.backend.log_page(&platform(), "acme", &query(pairs), before, after).await.unwrap()
    }

    /// Every row matching, page after page; checks the pages are newest first and disjoint.
    async fn all(&self, pairs: &[(&str, &str)]) -> Vec<LogRow> {
        let mut rows: Vec<LogRow> = Vec::new();
        let mut before = None;
        loop {
            let page = self.page(pairs, before, None).await;
            assert!(page.rows.len() <= LogPage::SIZE as usize);
            rows.extend(page.rows);
            match page.next_before {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        let ids = ids(&rows);
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{pairs:?}: not newest first without repeats: {ids:?}");
        rows
    }

    async fn scim(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.app.scim(&self.acme, method, path, body.as_deref()).await
    }

    /// A break-glass session (a platform administrator) for requests through the router.
    async fn session(&self) -> String {
        self.app.break_glass_session().await
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response =
            tower::ServiceExt::oneshot(self.app.router.clone(), request.body(Body::empty()).unwrap()).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }
}

/// The SCIM traffic of a small sync, with its errors: what each operation filter must find.
async fn provision(ctx: &Ctx) -> (String, String) {
    let created = ctx
        .scim(Method::POST, "/Users", Some(json!({"schemas": [CORE], "userName": "alice", "password": "hunter2-xyz"})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let user = created.body["id"].as_str().unwrap().to_owned();
    let duplicate = ctx.scim(Method::POST, "/Users", Some(json!({"schemas": [CORE], "userName": "alice"}))).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let active = |value: bool| json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": value}]});
    assert_eq!(ctx.scim(Method::PATCH, &format!("/Users/{user}"), Some(active(false))).await.status, StatusCode::OK);
    assert_eq!(ctx.scim(Method::PATCH, &format!("/Users/{user}"), Some(active(true))).await.status, StatusCode::OK);
    let put = json!({"schemas": [CORE], "userName": "alice", "displayName": "Alice", "active": true});
    assert_eq!(ctx.scim(Method::PUT, &format!("/Users/{user}"), Some(put)).await.status, StatusCode::OK);
    assert_eq!(ctx.scim(Method::GET, &format!("/Users/{user}"), None).await.status, StatusCode::OK);
    let bad_filter = ctx.scim(Method::GET, "/Users?filter=userName%20eq", None).await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    let group = json!({"schemas": [GROUP], "displayName": "Pilots", "members": [{"value": user}]});
    let group = ctx.scim(Method::POST, "/Groups", Some(group)).await;
    assert_eq!(group.status, StatusCode::CREATED, "{:?}", group.body);
    let group = group.body["id"].as_str().unwrap().to_owned();
    let remove = json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{user}\"]")}]});
    assert!(ctx.scim(Method::PATCH, &format!("/Groups/{group}"), Some(remove)).await.status.is_success());
    let rename =
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Crew"}]});
    assert!(ctx.scim(Method::PATCH, &format!("/Groups/{group}"), Some(rename)).await.status.is_success());
    assert_eq!(ctx.scim(Method::GET, "/ServiceProviderConfig", None).await.status, StatusCode::OK);
    assert_eq!(ctx.scim(Method::DELETE, &format!("/Users/{user}"), None).await.status, StatusCode::NO_CONTENT);
    let refused = ctx.app.scim_as("acme", Some("not-the-secret"), Method::GET, "/Users", None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    (user, group)
}

#[tokio::test]
async fn operation_groups_find_their_stored_operations() {
    let ctx = Ctx::new().await;
    let (user, group) = provision(&ctx).await;
    let ops = |rows: Vec<LogRow>| rows.into_iter().map(|r| format!("{} {}", r.operation, r.status)).collect::<Vec<_>>();

    assert_eq!(ctx.all(&[]).await.len(), 13);
    assert_eq!(ops(ctx.all(&[("op", "create")]).await), ["create 201", "create 409", "create 201"]);
    assert_eq!(ops(ctx.all(&[("op", "update")]).await), ["update 204", "update 204", "replace 200", "reactivate 200"]);
    assert_eq!(ops(ctx.all(&[("op", "deactivate")]).await), ["deactivate 200"]);
    assert_eq!(ops(ctx.all(&[("op", "delete")]).await), ["delete 204"]);
    assert_eq!(ops(ctx.all(&[("op", "read")]).await), ["list 401", "list 400", "read 200"]);
    assert_eq!(ops(ctx.all(&[("op", "other")]).await), ["discovery 200"]);
    // Membership: the group's creation with a member and the removal, not the rename.
    let membership = ctx.all(&[("op", "membership")]).await;
    assert_eq!(ops(membership.clone()), ["update 204", "create 201"]);
    assert!(membership.iter().all(|r| r.resource_id.as_deref() == Some(group.as_str())));
    assert_eq!(membership[0].detail.as_deref(), Some("members: 0 added, 1 removed"));

    // The two errors of the end-to-end journey, each found with the filters.
    let duplicate = ctx.all(&[("op", "create"), ("outcome", "client")]).await;
    assert_eq!(duplicate.len(), 1);
    assert_eq!((duplicate[0].status, duplicate[0].scim_type.as_deref()), (409, Some("uniqueness")));
    let bad_filter = ctx.all(&[("op", "read"), ("outcome", "client"), ("q", "invalidfilter")]).await;
    assert_eq!(ops(bad_filter), ["list 400"]);
    // The user's own rows, by id or by userName.
    let by_id = ctx.all(&[("resource", &user)]).await;
    assert_eq!(ops(by_id), ["delete 204", "read 200", "replace 200", "reactivate 200", "deactivate 200", "create 201"]);
    // By userName, the refused duplicate creation too: it keeps the name it attempted.
    assert_eq!(ctx.all(&[("resource", "alice")]).await.len(), 7);
    assert_eq!(ctx.all(&[("resource", "Crew")]).await.len(), 1);
}

#[tokio::test]
async fn outcome_resource_credential_text_and_time_filters() {
    let ctx = Ctx::new().await;
    let t = &ctx.acme;
    let at = |hours_ago: i64| NOW - hours_ago * HOUR;
    let mut rows = Vec::new();
    for (i, status) in [200u16, 201, 204, 304, 400, 401, 404, 409, 500, 503].into_iter().enumerate() {
        rows.push(NewLogEntry { status, path: format!("/status/{i}"), ..entry(t, at(30)) });
    }
    let about = |id: Option<&str>, name: Option<&str>, path: &str| NewLogEntry {
        resource_id: id.map(str::to_owned),
        user_name: name.map(str::to_owned),
        path: path.into(),
        ..entry(t, at(20))
    };
    rows.push(about(Some("u1"), Some("alice"), "/a"));
    rows.push(about(None, Some("alice"), "/b"));
    // An id that is also a userName: found once.
    rows.push(about(Some("alice"), Some("alice"), "/c"));
    rows.push(about(Some("u2"), Some("Alice"), "/d"));
    let by = |credential: Option<&str>, path: &str| NewLogEntry {
        credential_id: credential.map(str::to_owned),
        path: path.into(),
        ..entry(t, at(10))
    };
    rows.extend([by(Some("cred-1"), "/e"), by(Some("client:abc"), "/f"), by(Some("cred-1"), "/g")]);
    let texts = [
        NewLogEntry { path: "/Users?filter=userName eq \"Zed\"".into(), ..entry(t, at(2)) },
        NewLogEntry { detail: Some("userName \"BOB\" is already taken".into()), ..entry(t, at(2)) },
        NewLogEntry { scim_type: Some("invalidFilter".into()), ..entry(t, at(1)) },
        NewLogEntry { user_name: Some("carol".into()), ..entry(t, at(0)) },
    ];
    rows.extend(texts);
    // Another tenant's rows never show.
    rows.push(NewLogEntry { user_name: Some("alice".into()), ..entry(&ctx.globex, at(0)) });
    ctx.append(rows).await;
    let paths = |rows: Vec<LogRow>| rows.into_iter().map(|r| r.path).collect::<Vec<_>>();

    assert_eq!(ctx.all(&[]).await.len(), 21);
    let statuses = |rows: Vec<LogRow>| rows.into_iter().map(|r| r.status).collect::<Vec<_>>();
    assert_eq!(statuses(ctx.all(&[("outcome", "server")]).await), [503, 500]);
    assert_eq!(statuses(ctx.all(&[("outcome", "client")]).await), [409, 404, 401, 400]);
    assert_eq!(ctx.all(&[("outcome", "success")]).await.len(), 15);

    assert_eq!(paths(ctx.all(&[("resource", "alice")]).await), ["/c", "/b", "/a"]);
    assert_eq!(paths(ctx.all(&[("resource", "u1")]).await), ["/a"]);
    assert_eq!(paths(ctx.all(&[("resource", "ALICE")]).await), Vec::<String>::new());
    assert_eq!(paths(ctx.all(&[("resource", "alice"), ("op", "read")]).await), ["/c", "/b", "/a"]);
    assert!(ctx.all(&[("resource", "alice"), ("op", "create")]).await.is_empty());

    assert_eq!(paths(ctx.all(&[("credential", "cred-1")]).await), ["/g", "/e"]);
    assert_eq!(paths(ctx.all(&[("credential", "client:abc")]).await), ["/f"]);

    for (text, expected) in [("zed", 1), ("bob", 1), ("INVALIDfilter", 1), ("aro", 1), ("status/", 10), ("no such", 0)]
    {
        assert_eq!(ctx.all(&[("q", text)]).await.len(), expected, "{text}");
    }

    // Time: `from` included, `to` not, both UTC; `last` counts back from now.
    let minute = |ms: i64| rfc3339_ms(ms)[..16].to_owned();
    let (from, to) = (minute(at(20)), minute(at(10)));
    assert_eq!(ctx.all(&[("from", &from), ("to", &to)]).await.len(), 4);
    assert_eq!(ctx.all(&[("from", &rfc3339_ms(at(10)))]).await.len(), 7);
    assert_eq!(ctx.all(&[("to", &minute(at(29)))]).await.len(), 10);
    assert_eq!(ctx.all(&[("last", "1h")]).await.len(), 2);
    ctx.clock.advance_ms(30 * 60_000);
    assert_eq!(ctx.all(&[("last", "1h")]).await.len(), 1);
    assert_eq!(ctx.all(&[("last", "24h")]).await.len(), 11);
    assert_eq!(ctx.all(&[("last", "7d"), ("outcome", "server")]).await.len(), 2);
}

#[tokio::test]
async fn time_ranges_hold_rows_written_out_of_order() {
    let ctx = Ctx::new().await;
    let t = &ctx.acme;
    let at = |minutes: i64, path: &str| NewLogEntry { path: path.into(), ..entry(t, NOW + minutes * 60_000) };
    // A slow request's row is written after a later one's.
    ctx.append([at(-120, "/a"), at(5, "/b"), at(-5, "/c"), at(60, "/d"), at(180, "/e")]).await;
    let paths = |rows: Vec<LogRow>| rows.into_iter().map(|r| r.path).collect::<Vec<_>>();
    let time = |minutes: i64| rfc3339_ms(NOW + minutes * 60_000);
    assert_eq!(paths(ctx.all(&[("from", &time(0))]).await), ["/e", "/d", "/b"]);
    assert_eq!(paths(ctx.all(&[("to", &time(0))]).await), ["/c", "/a"]);
    assert_eq!(paths(ctx.all(&[("from", &time(-10)), ("to", &time(10))]).await), ["/c", "/b"]);
    assert_eq!(paths(ctx.all(&[("from", &time(-200)), ("to", &time(-100))]).await), ["/a"]);
    assert_eq!(paths(ctx.all(&[("from", &time(200))]).await), Vec::<String>::new());
}

#[tokio::test]
async fn pages_are_keysets_with_exact_ends() {
    let ctx = Ctx::new().await;
    let size = LogPage::SIZE as i64;
    // None at all.
    let empty = ctx.page(&[], None, None).await;
    assert!(empty.rows.is_empty() && empty.next_before.is_none() && !empty.partial);

    // Exactly one page: no "Older".
    ctx.append((0..size).map(|i| entry(&ctx.acme, NOW - i))).await;
    let one = ctx.page(&[], None, None).await;
    assert_eq!((one.rows.len(), one.next_before), (LogPage::SIZE as usize, None));
    let oldest = *ids(&one.rows).last().unwrap();
    assert!(ctx.page(&[], Some(oldest), None).await.rows.is_empty());

    // One more: two pages, the second of one row, the cursor the last row of the first.
    ctx.append([entry(&ctx.acme, NOW)]).await;
    let first = ctx.page(&[], None, None).await;
    assert_eq!(first.next_before, first.rows.last().map(|r| r.id));
    // Rows arriving meanwhile do not shift the next page.
    ctx.append([entry(&ctx.acme, NOW)]).await;
    let second = ctx.page(&[], first.next_before, None).await;
    assert_eq!((ids(&second.rows), second.next_before), (vec![oldest], None));

    // The live tail: the newest rows above a row shown, newest first; more than a page says so.
    let newest = first.rows[0].id;
    let tail = ctx.page(&[], None, Some(newest)).await;
    assert_eq!((tail.rows.len(), tail.next_before), (1, None));
    assert!(tail.rows[0].id > newest);
    let flood = ctx.page(&[], None, Some(oldest - 1)).await;
    assert_eq!(flood.rows.len(), LogPage::SIZE as usize);
    assert_eq!(flood.rows[0].id, newest + 1);
    assert!(flood.next_before.is_some());
    assert!(ctx.page(&[], Some(newest), Some(newest - 1)).await.rows.is_empty());
}

#[tokio::test]
async fn alternatives_merge_across_pages() {
    let ctx = Ctx::new().await;
    let t = &ctx.acme;
    // Two resources' meanings and three stored operations of one group, interleaved with rows
    // that match neither, over several pages.
    let mut rows = Vec::new();
    for i in 0..130 {
        let mut e = entry(t, NOW - 1000 + i);
        match i % 5 {
            0 => e.resource_id = Some("u-7".into()),
            1 => e.user_name = Some("u-7".into()),
            _ => {}
        }
        e.operation = ["replace", "update", "reactivate", "read", "create"][(i % 5) as usize].into();
        rows.push(e);
    }
    ctx.append(rows).await;
    let resource = ctx.all(&[("resource", "u-7")]).await;
    assert_eq!(resource.len(), 52);
    let update = ctx.all(&[("op", "update")]).await;
    assert_eq!(update.len(), 78);
    assert_eq!(ctx.all(&[("op", "update"), ("resource", "u-7")]).await.len(), 52);
    let read: HashSet<i64> = ids(&ctx.all(&[("op", "read")]).await).into_iter().collect();
    assert_eq!(read.len(), 26);
}

#[tokio::test]
async fn unindexed_filters_read_a_bounded_number_of_rows_per_page() {
    let ctx = Ctx::new().await;
    let t = &ctx.acme;
    let scan = LogPage::SCAN as i64;
    let members = NewLogEntry {
        operation: "update".into(),
        resource_type: Some("Group".into()),
        detail: Some("members: 2 added, 0 removed".into()),
        ..entry(t, NOW)
    };
    let mut rows = vec![NewLogEntry { detail: Some("The Needle".into()), ..entry(t, NOW) }, members];
    rows.extend((0..scan + 10).map(|i| NewLogEntry { operation: "update".into(), ..entry(t, NOW + i) }));
    ctx.append(rows).await;
    for (filter, expected) in [(("q", "needle"), "The Needle"), (("op", "membership"), "members: 2 added, 0 removed")] {
        let first = ctx.page(&[filter], None, None).await;
        assert!(first.rows.is_empty() && first.partial, "{filter:?}");
        let second = ctx.page(&[filter], first.next_before, None).await;
        assert_eq!((second.rows.len(), second.next_before, second.partial), (1, None, false), "{filter:?}");
        assert_eq!(second.rows[0].detail.as_deref(), Some(expected));
    }
}

#[tokio::test]
async fn refused_filters_name_their_field() {
    let ctx = Ctx::new().await;
    let refused = |pairs: &'static [(&'static str, &'static str)]| {
        let ctx = &ctx;
        async move {
            match ctx.backend.log_page(&platform(), "acme", &query(pairs), None, None).await {
                Err(AppError::InvalidField(field, message)) => (field, message),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
    };
    assert_eq!(refused(&[("from", "yesterday")]).await.0, LogQuery::FROM);
    assert!(refused(&[("from", "yesterday")]).await.1.contains("YYYY-MM-DDTHH:MM"));
    assert_eq!(refused(&[("from", "2027-01-02T00:00"), ("to", "2027-01-01T00:00")]).await.0, LogQuery::TO);
    assert_eq!(refused(&[("op", "launch")]).await.0, LogQuery::OP);
    assert_eq!(refused(&[("outcome", "fine")]).await.0, LogQuery::OUTCOME);
    assert_eq!(refused(&[("last", "1y")]).await.0, LogQuery::LAST);

    // The page's server function answers a refusal, not an HTTP error (no console error).
    let cookie = ctx.session().await;
    let request = Request::post(app::api::GetLogPage::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .body(Body::from("tenant=acme&query[from]=yesterday"))
        .unwrap();
    let reply = ctx.app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["refused"]["field"], "from");
}

#[tokio::test]
async fn the_detail_has_the_redacted_bodies_and_stays_in_its_tenant() {
    let ctx = Ctx::new().await;
    let body = json!({"schemas": [CORE], "userName": "bob", "password": "hunter2-secret"});
    let created = ctx.scim(Method::POST, "/Users", Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let row = ctx.all(&[("op", "create")]).await.remove(0);
    let detail = ctx.backend.log_entry(&platform(), "acme", row.id).await.unwrap();
    assert_eq!(detail.row, row);
    let request = detail.request.unwrap();
    assert!(request.contains("\n  \"userName\": \"bob\""), "pretty-printed: {request}");
    assert!(!request.contains("hunter2") && request.contains("[redacted]"), "{request}");
    assert!(detail.response.unwrap().contains(created.body["id"].as_str().unwrap()));
    assert_eq!((row.status, row.resource_type.as_deref()), (201, Some("User")));
    assert!(row.credential_id.is_some());

    // Another tenant's row, or none, is not found; nor for an administrator of another tenant.
    ctx.append([entry(&ctx.globex, NOW)]).await;
    let theirs = ctx.backend.log_page(&platform(), "globex", &LogQuery::default(), None, None).await.unwrap();
    let theirs = theirs.rows[0].id;
    assert_eq!(ctx.backend.log_entry(&platform(), "acme", theirs).await, Err(AppError::NotFound));
    assert_eq!(ctx.backend.log_entry(&platform(), "acme", theirs + 1000).await, Err(AppError::NotFound));
    let mut stranger = AdminIdentity::new("sub-s".into(), None, None, SignInMethod::Oidc);
    stranger.tenants = vec!["globex".into()];
    assert_eq!(ctx.backend.log_entry(&stranger, "acme", row.id).await, Err(AppError::NotFound));
}

#[tokio::test]
async fn the_chart_counts_requests_and_errors_per_interval() {
    let ctx = Ctx::new().await;
    ctx.clock.advance_ms(30 * 60_000); // 08:30
    let t = &ctx.acme;
    let error = |at: i64| NewLogEntry { status: 500, ..entry(t, at) };
    // Written in the order they arrive, as the log is (within `WRITE_SKEW_MS`).
    ctx.append([
        error(NOW - 6 * 24 * HOUR),
        entry(t, NOW - 23 * HOUR - 1),
        entry(t, NOW - 23 * HOUR),
        entry(t, NOW - 1),
        entry(&ctx.globex, NOW),
        entry(t, NOW + 20 * 60_000),
        error(NOW + 25 * 60_000),
    ])
    .await;
    let day = ctx.backend.log_chart(&platform(), "acme", ChartRange::Day).await.unwrap();
    assert_eq!(day.buckets.len(), 24);
    assert_eq!(day.buckets[0].start, rfc3339_ms(NOW - 23 * HOUR));
    assert_eq!(day.buckets[23].start, rfc3339_ms(NOW));
    let counts: Vec<(u64, u64)> = day.buckets.iter().map(|b| (b.requests, b.errors)).collect();
    assert_eq!((counts[23], counts[22], counts[0]), ((2, 1), (1, 0), (1, 0)));
    assert_eq!(day.totals(), (4, 1));

    let week = ctx.backend.log_chart(&platform(), "acme", ChartRange::Week).await.unwrap();
    assert_eq!(week.buckets.len(), 28);
    // 6-hour intervals on 00, 06, 12 and 18 h UTC: the last began at 06:00.
    assert_eq!(week.buckets[27].start, rfc3339_ms(NOW - 2 * HOUR));
    assert_eq!(week.totals(), (6, 2));
}

#[tokio::test]
async fn the_credential_filter_offers_every_credential_once() {
    let ctx = Ctx::new().await;
    let db = &ctx.app.state.db;
    // A rotation: the first bearer secret is revoked, a second one works; and an OAuth client.
    credential::rotate(db, &ctx.acme.id, Kind::Bearer, &Secret::generate("s_").hash(), NOW + 1, 0).await.unwrap();
    for at in [NOW + 2, NOW + 3] {
        credential::rotate(db, &ctx.acme.id, Kind::ClientSecret, &Secret::generate("c_").hash(), at, 0).await.unwrap();
    }
    let choices = ctx.backend.log_credentials(&platform(), "acme").await.unwrap();
    assert_eq!(choices.len(), 3, "{choices:?}");
    assert!(choices[0].value.starts_with("client:") && choices[0].label.starts_with("OAuth client"), "{choices:?}");
    assert!(
        choices[1].label.starts_with("Bearer secret created 2027-01-15") && !choices[1].label.contains("no longer")
    );
    assert!(choices[2].label.ends_with("no longer usable"), "{choices:?}");
    let mut stranger = AdminIdentity::new("sub-s".into(), None, None, SignInMethod::Oidc);
    stranger.tenants = vec!["globex".into()];
    assert_eq!(ctx.backend.log_credentials(&stranger, "acme").await, Err(AppError::NotFound));
}

#[tokio::test]
async fn exports_stream_the_filtered_rows_as_csv_and_json() {
    let ctx = Ctx::new().await;
    let t = &ctx.acme;
    // More rows than one database round trip of the export, and a formula in a user agent.
    let mut rows: Vec<NewLogEntry> = (0..2500).map(|i| entry(t, NOW + i)).collect();
    rows.push(NewLogEntry {
        status: 409,
        operation: "create".into(),
        method: "POST".into(),
        user_name: Some("dup, \"quoted\"".into()),
        scim_type: Some("uniqueness".into()),
        detail: Some("userName is already taken".into()),
        credential_id: Some("cred-1".into()),
        client_addr: Some("192.0.2.7".into()),
        user_agent: Some("=HYPERLINK(\"http://evil\")".into()),
        latency_us: 12_345,
        ..entry(t, NOW + 3000)
    });
    ctx.append(rows).await;
    let cookie = ctx.session().await;

    let (status, headers, csv) = ctx.get("/admin/log/export?tenant=acme&format=csv", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment; filename=\"acme-provisioning-log.csv\"");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,method,path,operation,status,resourceType,resourceId,userName,scimType,detail,latencyMs,credentialId,\
         clientAddr,userAgent,repeatCount,lastSeen,application,requestId"
    );
    assert_eq!(lines.len(), 2502);
    assert_eq!(
        lines[1],
        format!(
            "{},POST,/Users,create,409,User,,\"dup, \"\"quoted\"\"\",uniqueness,userName is already taken,12.345,\
             cred-1,192.0.2.7,\"'=HYPERLINK(\"\"http://evil\"\")\",1,,,",
            rfc3339_ms(NOW + 3000)
        )
    );

    let filtered = "/admin/log/export?tenant=acme&format=json&outcome=client&op=create";
    let (status, headers, json) = ctx.get(filtered, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment; filename=\"acme-provisioning-log.json\"");
    let parsed: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0]["userName"], "dup, \"quoted\"");
    assert_eq!(parsed[0]["scimType"], "uniqueness");
    assert_eq!(parsed[0]["userAgent"], "=HYPERLINK(\"http://evil\")");
    let (_, _, all_json) = ctx.get("/admin/log/export?tenant=acme&format=json", Some(&cookie)).await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&all_json).unwrap().len(), 2501);
    let (_, _, none) = ctx.get("/admin/log/export?tenant=acme&format=json&q=no+such+text", Some(&cookie)).await;
    assert_eq!(none, "[]");

    // Refusals: a filter, a format, a tenant one may not see, nobody signed in.
    let (status, _, text) = ctx.get("/admin/log/export?tenant=acme&from=soon", Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("from: "), "{text}");
    assert_eq!(ctx.get("/admin/log/export?tenant=acme&format=xml", Some(&cookie)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(ctx.get("/admin/log/export?tenant=nobody", Some(&cookie)).await.0, StatusCode::NOT_FOUND);
    let (status, headers, _) = ctx.get("/admin/log/export?tenant=acme", None).await;
    assert!(status.is_redirection() || status == StatusCode::UNAUTHORIZED, "{status} {headers:?}");
}

#[tokio::test]
async fn the_page_is_rendered_on_the_server_with_its_chart() {
    let ctx = Ctx::new().await;
    ctx.append([entry(&ctx.acme, NOW), NewLogEntry { status: 500, ..entry(&ctx.acme, NOW) }]).await;
    let cookie = ctx.session().await;
    let (status, _, html) = ctx.get("/tenants/acme/log?chart=7d&outcome=server", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"log-chart\""), "{html}");
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("2 requests, 1 of them errors, in the last 7 days (per 6 hours, UTC)"), "{html}");
    assert!(html.contains("height=\"69\" class=\"errors\""), "{html}");
    assert!(html.contains("/admin/log/export?tenant=acme&amp;format=csv&amp;outcome=server"), "{html}");
    assert!(html.contains("Times are UTC"));
}
