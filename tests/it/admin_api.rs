//! The administration API (`/admin/api/v1`) in-process: tokens and their rights on every
//! operation, strict input answered with problem JSON, and nothing changed by a refusal.

use app::dto::NewApiToken as TokenRequest;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use scimhub::admin_api::tokens::{self, Actor};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{entra_user, Reply, TestApp, TestClock, TestTenant};

pub const BASE: &str = "/admin/api/v1";

/// Makes a token as the CLI would; returns the token.
pub async fn make_token(app: &TestApp, request: TokenRequest) -> String {
    let by = Actor { subject: "cli:test".into(), label: "cli:test".into(), address: None };
    tokens::create(&app.state.db, app.state.clock.now_ms(), &request, &by).await.unwrap().token
}

/// A platform token.
pub async fn platform_token(app: &TestApp) -> String {
    make_token(app, TokenRequest { name: "platform".into(), platform: true, ..Default::default() }).await
}

/// A request to the API with this token (none: no Authorization header).
pub async fn call(app: &TestApp, token: Option<&str>, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder().method(method).uri(format!("{BASE}{path}"));
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).unwrap()).await
}

/// Asserts a problem answer: status, problem JSON, and the field it names (if any).
pub fn assert_problem(reply: &Reply, status: StatusCode, field: Option<&str>) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json", "{:?}", reply.body);
    assert_eq!(reply.body["status"], status.as_u16(), "{:?}", reply.body);
    assert!(reply.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{:?}", reply.body);
    assert_eq!(reply.body["field"].as_str(), field, "{:?}", reply.body);
}

/// The tokens of the rights matrix, on tenants `acme` (theirs) and `globex` (another).
struct Tokens {
    platform: String,
    platform_read: String,
    tenant: String,
    tenant_read: String,
    other_tenant: String,
}

async fn tokens_for(app: &TestApp) -> Tokens {
    let scoped = |name: &str, tenants: &[&str], read_only: bool| TokenRequest {
        name: name.into(),
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        read_only,
        ..Default::default()
    };
    Tokens {
        platform: platform_token(app).await,
        platform_read: make_token(
            app,
            TokenRequest { name: "auditor".into(), platform: true, read_only: true, ..Default::default() },
        )
        .await,
        tenant: make_token(app, scoped("acme ops", &["acme"], false)).await,
        tenant_read: make_token(app, scoped("acme viewer", &["acme"], true)).await,
        other_tenant: make_token(app, scoped("globex ops", &["globex"], false)).await,
    }
}

/// Who may do an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Anyone who may see the tenant.
    TenantRead,
    /// Anyone who may change the tenant.
    TenantChange,
    /// Platform tokens, read-only ones too.
    PlatformRead,
    /// Writable platform tokens.
    PlatformChange,
}

struct Op {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    needs: Needs,
}

fn op(method: Method, path: &'static str, body: Option<Value>, needs: Needs) -> Op {
    Op { method, path, body, needs }
}

impl Op {
    /// What each token is answered: `None` for success, else the refusal's status. Tokens
    /// without any right to `acme` see no such tenant (404) when the operation names it, else
    /// are forbidden (403); the tenant list answers each token with what it may see.
    fn expected<'t>(&self, tokens: &'t Tokens) -> Vec<(&'t str, &'static str, Option<StatusCode>)> {
        use Needs::*;
        let names_tenant = self.path.contains("acme");
        let listing = self.path == "/tenants" && self.method == Method::GET;
        let forbidden = |refused: bool| refused.then_some(StatusCode::FORBIDDEN);
        let stranger = match (names_tenant, listing) {
            (_, true) => None,
            (true, false) => Some(StatusCode::NOT_FOUND),
            (false, false) => Some(StatusCode::FORBIDDEN),
        };
        let needs = self.needs;
        // The refused first, the platform token last: a refusal must leave everything as it was.
        vec![
            (
                tokens.platform_read.as_str(),
                "platform read-only",
                forbidden(matches!(needs, TenantChange | PlatformChange)),
            ),
            (&tokens.tenant, "tenant", forbidden(matches!(needs, PlatformRead | PlatformChange))),
            (&tokens.tenant_read, "tenant read-only", forbidden(needs != TenantRead)),
            (&tokens.other_tenant, "another tenant", stranger),
            (&tokens.platform, "platform", None),
        ]
    }
}

#[tokio::test]
async fn every_operation_answers_each_token_by_its_rights_and_refusals_change_nothing() {
    let app = TestApp::new().await;
    let acme = app.tenant("acme", Profile::Azure).await;
    app.tenant("globex", Profile::Generic).await;
    let created = app.scim(&acme, Method::POST, "/Users", Some(&entra_user("adele@acme.test", "e-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let user_id = created.body["id"].as_str().unwrap().to_owned();
    let tokens = tokens_for(&app).await;
    let mappers = json!([{ "name": "dept", "userAttribute": "department", "claim": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "jsonType": "String" }]);
    let settings =
        call(&app, Some(&tokens.platform), Method::GET, "/tenants/acme/scim", None).await.body["settings"].clone();
    let alerts = json!({ "rules": { "errorRatePercent": null, "errorWindowMinutes": 15, "errorMinRequests": 10, "silenceHours": 48, "expiryDays": 7, "outboundMinutes": null, "emailTo": [] }, "webhook": "keep" });
    let path = |p: String| -> &'static str { Box::leak(p.into_boxed_str()) };
    let user_path = path(format!("/tenants/acme/users/{user_id}"));
    let deactivate_path = path(format!("/tenants/acme/users/{user_id}/deactivate"));
    // A group, an application, a mapper, a token to revoke and a log row, made beforehand.
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "members": [{ "value": user_id }] });
    let group = app.scim(&acme, Method::POST, "/Groups", Some(&group.to_string())).await.body["id"].clone();
    let group_path = path(format!("/tenants/acme/groups/{}", group.as_str().unwrap()));
    let members_path = path(format!("/tenants/acme/groups/{}/members", group.as_str().unwrap()));
    let platform = Some(tokens.platform.as_str());
    let crm = json!({ "name": "crm", "kind": "scim", "url": "http://127.0.0.1:9/scim/v2", "auth": "bearer", "secret": "s3cret" });
    assert_eq!(
        call(&app, platform, Method::POST, "/tenants/acme/applications", Some(crm)).await.status,
        StatusCode::CREATED
    );
    let title = json!({ "name": "title", "userAttribute": "title", "claim": "title", "jsonType": "String" });
    let title_id =
        call(&app, platform, Method::POST, "/tenants/acme/mappers", Some(title.clone())).await.body["id"].clone();
    let mapper_path = path(format!("/tenants/acme/mappers/{}", title_id.as_str().unwrap()));
    let victim =
        call(&app, platform, Method::POST, "/api-tokens", Some(json!({ "name": "victim", "platform": true }))).await;
    let victim_path = path(format!("/api-tokens/{}", victim.body["id"].as_str().unwrap()));
    let log_id = call(&app, platform, Method::GET, "/tenants/acme/log", None).await.body["rows"][0]["id"].clone();
    let log_path = path(format!("/tenants/acme/log/{log_id}"));

    use Needs::*;
    // The changes both of a tenant's writers make are repeatable.
    let ops = vec![
        op(Method::GET, "/tenants", None, TenantRead),
        op(Method::GET, "/tenants/acme", None, TenantRead),
        op(Method::GET, "/tenants/acme/scim", None, TenantRead),
        op(Method::GET, "/tenants/acme/mappers", None, TenantRead),
        op(Method::GET, "/tenants/acme/mappers/export", None, TenantRead),
        op(Method::GET, "/tenants/acme/users", None, TenantRead),
        op(Method::GET, user_path, None, TenantRead),
        op(Method::GET, "/tenants/acme/groups", None, TenantRead),
        op(Method::GET, "/tenants/acme/log", None, TenantRead),
        op(Method::GET, "/tenants/acme/log/export?format=json", None, TenantRead),
        op(Method::GET, "/tenants/acme/log-retention", None, TenantRead),
        op(Method::GET, "/tenants/acme/admins", None, TenantRead),
        op(Method::GET, "/audit?tenant=acme", None, TenantRead),
        op(Method::GET, "/audit", None, PlatformRead),
        op(Method::GET, "/audit/export?format=json", None, PlatformRead),
        op(Method::GET, "/platform", None, PlatformRead),
        op(Method::GET, "/api-tokens", None, PlatformRead),
        op(Method::GET, "/tenants/acme/applications", None, TenantRead),
        op(Method::GET, "/tenants/acme/alerts", None, TenantRead),
        op(Method::GET, group_path, None, TenantRead),
        op(Method::GET, members_path, None, TenantRead),
        op(Method::GET, log_path, None, TenantRead),
        op(Method::GET, "/tenants/acme/applications/crm/preview?user=adele@acme.test", None, TenantRead),
        op(Method::POST, "/tenants/acme/applications/crm/pause", None, TenantChange),
        op(Method::PUT, "/tenants/acme/applications/crm/mapping", Some(json!({ "defaults": true })), TenantChange),
        op(Method::PUT, mapper_path, Some(title), TenantChange),
        op(Method::DELETE, "/tenants/acme/alerts", None, TenantChange),
        op(Method::POST, "/tenants/acme/secrets/bearer", Some(json!({ "graceSeconds": 60 })), TenantChange),
        op(Method::DELETE, "/tenants/acme/secrets/clientSecret", None, TenantChange),
        op(Method::PUT, "/tenants/acme/alerts", Some(alerts), TenantChange),
        op(Method::PUT, "/tenants/acme/scim/settings", Some(settings), TenantChange),
        op(Method::POST, "/tenants/acme/mappers/import?replace=true", Some(mappers), TenantChange),
        op(Method::POST, "/tenants/acme/mappers/entra-defaults", None, TenantChange),
        op(Method::POST, "/tenants/acme/secrets/clientSecret", Some(json!({})), TenantChange),
        op(Method::PUT, "/tenants/acme/log-retention", Some(json!({ "days": 30, "rows": null })), TenantChange),
        op(Method::POST, deactivate_path, None, TenantChange),
        op(Method::POST, "/tenants", Some(json!({ "name": "initech" })), PlatformChange),
        op(Method::PATCH, "/tenants/acme", Some(json!({ "displayName": "Acme Corp" })), PlatformChange),
        op(
            Method::POST,
            "/tenants/acme/admins",
            Some(json!({ "kind": "email", "principal": "ops@acme.test" })),
            PlatformChange,
        ),
        op(Method::POST, "/api-tokens", Some(json!({ "name": "ci", "tenants": ["acme"] })), PlatformChange),
        op(Method::DELETE, "/tenants/acme/admins?kind=email&principal=ops@acme.test", None, PlatformChange),
        op(Method::DELETE, victim_path, None, PlatformChange),
        // The destructive ones last.
        op(Method::POST, "/tenants/acme/reset", Some(json!({ "confirm": "acme" })), TenantChange),
        op(Method::DELETE, "/tenants/acme?confirm=acme", None, PlatformChange),
    ];
    for op in &ops {
        for (token, who, refusal) in op.expected(&tokens) {
            let before = snapshot(&app).await;
            let reply = call(&app, Some(token), op.method.clone(), op.path, op.body.clone()).await;
            match refusal {
                Some(status) => {
                    assert_eq!(reply.status, status, "{} {} as {who}: {:?}", op.method, op.path, reply.body);
                    assert_problem(&reply, status, None);
                    assert_eq!(snapshot(&app).await, before, "{} {} as {who} changed something", op.method, op.path);
                }
                None => assert!(reply.status.is_success(), "{} {} as {who}: {:?}", op.method, op.path, reply.body),
            }
        }
    }
    // What the allowed calls did is on the record, by the tokens that made them.
    let audit = call(&app, Some(&tokens.platform), Method::GET, "/audit", None).await;
    let actors: Vec<&str> = audit.body["rows"].as_array().unwrap().iter().filter_map(|r| r["actor"].as_str()).collect();
    assert!(actors.iter().any(|a| a.contains("API token") && a.contains("platform")), "{actors:?}");
    assert!(actors.iter().any(|a| a.contains("acme ops")), "{actors:?}");
    // The tenant list shows each token what it may see.
    let seen = call(&app, Some(&tokens.other_tenant), Method::GET, "/tenants", None).await;
    let names: Vec<&str> = seen.body["rows"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["globex"]);
}

/// Everything a refused call could have changed, as rows.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "select name || '|' || display_name || '|' || coalesce(disabled_at, 0) from tenant order by name",
        "select name || '|' || user_attribute from attribute_mapper order by name",
        "select credential_id || '|' || coalesce(revoked_at, 0) from credential order by credential_id",
        "select principal from admin_grant order by principal",
        "select token_id || '|' || coalesce(revoked_at, 0) from api_token order by token_id",
        "select user_id || '|' || active from scim_user order by user_id",
        "select count(*) || '' from admin_audit",
    ] {
        let found: Vec<String> = sqlx::query_scalar(sql).fetch_all(app.state.db.reader()).await.unwrap();
        rows.extend(found);
    }
    rows
}

#[tokio::test]
async fn missing_wrong_revoked_and_expired_tokens_are_refused_alike() {
    let clock = TestClock::at(1_800_000_000_000);
    let app = TestApp::with_clock(clock.clone()).await;
    app.tenant("acme", Profile::Generic).await;
    let expiring = make_token(
        &app,
        TokenRequest { name: "short".into(), platform: true, expires_days: Some(1), ..Default::default() },
    )
    .await;
    let revoked = platform_token(&app).await;
    let id = tokens::list(&app.state.db).await.unwrap().into_iter().find(|t| t.name == "platform").unwrap().id;
    let ok = call(&app, Some(&revoked), Method::GET, "/tenants", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    let by = Actor { subject: "cli:test".into(), label: "cli:test".into(), address: None };
    assert!(tokens::revoke(&app.state.db, clock_now(&app), &id, &by).await.unwrap());
    assert_eq!(call(&app, Some(&expiring), Method::GET, "/tenants", None).await.status, StatusCode::OK);
    clock.advance_ms(86_400_000 + 1);
    let session = app.break_glass_session().await;
    for token in [None, Some("scimhub_api_wrong"), Some(revoked.as_str()), Some(expiring.as_str())] {
        let reply = call(&app, token, Method::GET, "/tenants", None).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED, None);
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    // A dashboard session is no API credential: cookies are not read here.
    let with_cookie =
        Request::get(format!("{BASE}/tenants")).header(header::COOKIE, session).body(Body::empty()).unwrap();
    assert_problem(&app.send(with_cookie).await, StatusCode::UNAUTHORIZED, None);
    // And the token is no dashboard credential.
    let fresh = platform_token(&app).await;
    let page = Request::get("/tenants/acme")
        .header(header::AUTHORIZATION, format!("Bearer {fresh}"))
        .body(Body::empty())
        .unwrap();
    let page = app.send(page).await;
    assert!(page.status.is_redirection() || page.status == StatusCode::UNAUTHORIZED, "{:?}", page.status);
}

fn clock_now(app: &TestApp) -> i64 {
    app.state.clock.now_ms()
}

#[tokio::test]
async fn a_tokens_use_is_recorded_and_revoking_it_through_the_api_ends_it() {
    let app = TestApp::new().await;
    let admin = platform_token(&app).await;
    let made = call(
        &app,
        Some(&admin),
        Method::POST,
        "/api-tokens",
        Some(json!({ "name": "pipeline", "platform": true, "readOnly": true, "expiresDays": 30 })),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("scimhub_api_") && token.len() >= "scimhub_api_".len() + 43);
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(made.body["readOnly"], true);

    assert_eq!(call(&app, Some(&token), Method::GET, "/tenants", None).await.status, StatusCode::OK);
    let listed = call(&app, Some(&admin), Method::GET, "/api-tokens", None).await;
    let row = listed.body.as_array().unwrap().iter().find(|t| t["id"] == id.as_str()).unwrap().clone();
    assert!(row["lastUsedAt"].is_string(), "{row:?}");
    assert!(row.get("token").is_none() && !listed.body.to_string().contains(&token));
    // Only the hash is stored.
    let stored: Vec<String> =
        sqlx::query_scalar("select token_hash from api_token").fetch_all(app.state.db.reader()).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&token[12..])));

    // A read-only token cannot revoke, not even itself.
    assert_problem(
        &call(&app, Some(&token), Method::DELETE, &format!("/api-tokens/{id}"), None).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_eq!(
        call(&app, Some(&admin), Method::DELETE, &format!("/api-tokens/{id}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(&call(&app, Some(&token), Method::GET, "/tenants", None).await, StatusCode::UNAUTHORIZED, None);
    assert_problem(
        &call(&app, Some(&admin), Method::DELETE, &format!("/api-tokens/{id}"), None).await,
        StatusCode::NOT_FOUND,
        None,
    );
    let audit = call(&app, Some(&admin), Method::GET, "/audit", None).await;
    let actions: Vec<&str> =
        audit.body["rows"].as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
    assert!(actions.contains(&"api_token.create") && actions.contains(&"api_token.revoke"), "{actions:?}");
    let summaries = audit.body["rows"].to_string();
    assert!(summaries.contains("Made the API token \\\"pipeline\\\" for the platform, read-only"), "{summaries}");
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_the_field_and_changes_nothing() {
    let app = TestApp::new().await;
    let acme: TestTenant = app.tenant("acme", Profile::Generic).await;
    let token = platform_token(&app).await;
    let before = snapshot(&app).await;
    let send_raw = |content_type: &'static str, body: &'static str, path: &'static str| {
        Request::post(format!("{BASE}{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let cases: Vec<(Reply, StatusCode, Option<&str>)> = vec![
        (app.send(send_raw("application/json", "{\"name\": ", "/tenants")).await, StatusCode::BAD_REQUEST, None),
        (app.send(send_raw("text/plain", "{\"name\":\"x\"}", "/tenants")).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
        (call(&app, Some(&token), Method::POST, "/tenants", Some(json!({ "name": "x", "profil": "azure" }))).await, StatusCode::BAD_REQUEST, Some("profil")),
        (call(&app, Some(&token), Method::POST, "/tenants", Some(json!({ "displayName": "X" }))).await, StatusCode::BAD_REQUEST, Some("name")),
        (call(&app, Some(&token), Method::POST, "/tenants", Some(json!({ "name": "bad name/" }))).await, StatusCode::BAD_REQUEST, Some("name")),
        (call(&app, Some(&token), Method::POST, "/tenants", Some(json!({ "name": "acme" }))).await, StatusCode::BAD_REQUEST, Some("name")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/mappers", Some(json!({ "name": "d", "userAttribute": "department", "claim": "no such attribute!", "jsonType": "String" }))).await, StatusCode::BAD_REQUEST, Some("claim")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/mappers", Some(json!({ "name": "d", "userAttribute": "department", "claim": "title", "jsonType": "Text" }))).await, StatusCode::BAD_REQUEST, Some("jsonType")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/mappers/import", Some(json!([{ "name": "d", "userAttribute": "department", "claim": "title", "jsonType": "String", "extra": 1 }]))).await, StatusCode::BAD_REQUEST, Some("[0].extra")),
        (call(&app, Some(&token), Method::GET, "/tenants/acme/users?filter=userName%20eq", None).await, StatusCode::BAD_REQUEST, Some("filter")),
        (call(&app, Some(&token), Method::GET, "/tenants/acme/users?sort=shoeSize", None).await, StatusCode::BAD_REQUEST, Some("sort")),
        (call(&app, Some(&token), Method::GET, "/tenants/acme/users?colour=red", None).await, StatusCode::BAD_REQUEST, Some("colour")),
        (call(&app, Some(&token), Method::GET, "/tenants/acme/log?from=yesterday", None).await, StatusCode::BAD_REQUEST, Some("from")),
        (call(&app, Some(&token), Method::GET, "/tenants/acme/log/export?format=xml", None).await, StatusCode::BAD_REQUEST, Some("format")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/secrets/password", Some(json!({}))).await, StatusCode::BAD_REQUEST, None),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/secrets/bearer", Some(json!({ "graceSeconds": 99_999_999 }))).await, StatusCode::BAD_REQUEST, Some("graceSeconds")),
        (call(&app, Some(&token), Method::PUT, "/tenants/acme/log-retention", Some(json!({ "days": 0, "rows": null }))).await, StatusCode::BAD_REQUEST, Some("days")),
        (call(&app, Some(&token), Method::POST, "/api-tokens", Some(json!({ "name": "x", "tenants": ["Acme"] }))).await, StatusCode::BAD_REQUEST, Some("tenants")),
        (call(&app, Some(&token), Method::POST, "/api-tokens", Some(json!({ "name": "x", "platform": true, "expiresDays": 0 }))).await, StatusCode::BAD_REQUEST, Some("expiresDays")),
        (call(&app, Some(&token), Method::DELETE, "/tenants/acme?confirm=ACME", None).await, StatusCode::BAD_REQUEST, Some("confirm")),
        (call(&app, Some(&token), Method::PUT, "/tenants/acme/alerts", Some(json!({ "rules": { "errorRatePercent": 500, "errorWindowMinutes": 15, "errorMinRequests": 10, "silenceHours": null, "expiryDays": null, "outboundMinutes": null, "emailTo": [] } }))).await, StatusCode::BAD_REQUEST, Some("rules.errorRatePercent")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/applications", Some(json!({ "name": "x", "kind": "scim", "url": "not a url", "auth": "bearer", "secret": "s" }))).await, StatusCode::BAD_REQUEST, Some("url")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/applications", Some(json!({ "name": "x", "kind": "scim", "url": "https://crm.test/scim" }))).await, StatusCode::BAD_REQUEST, Some("auth")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/applications", Some(json!({ "name": "x", "kind": "ldap", "url": "https://crm.test/scim" }))).await, StatusCode::BAD_REQUEST, Some("kind")),
        (call(&app, Some(&token), Method::POST, "/tenants/acme/applications/nope/launch", None).await, StatusCode::BAD_REQUEST, None),
        (call(&app, Some(&token), Method::GET, "/tenants/Acme", None).await, StatusCode::NOT_FOUND, None),
        (call(&app, Some(&token), Method::GET, "/no/such/thing", None).await, StatusCode::NOT_FOUND, None),
    ];
    for (i, (reply, status, field)) in cases.iter().enumerate() {
        assert_eq!(reply.status, *status, "case {i}: {:?}", reply.body);
        assert_problem(reply, *status, *field);
    }
    // An oversized body is refused before it is read whole.
    let huge = format!("[{}]", vec!["{}"; 1_500_000].join(","));
    let request = Request::post(format!("{BASE}/tenants/acme/mappers/import"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    assert_problem(&app.send(request).await, StatusCode::PAYLOAD_TOO_LARGE, None);
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(app.user_count(&acme).await, 0);
}
