//! The dashboard's edges (hardening, finding 5): server functions called without a session
//! answer 401 and log nothing at warn or error level; what a signed-in administrator sees is
//! never cached; session ids are stored only as hashes.

use std::sync::{Arc, Mutex};

use app::AppError;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use leptos::server_fn::ServerFn;
use scimhub::tenant::Profile;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

use crate::support::{Reply, TestApp};

/// Collects the events at warn level and above.
#[derive(Clone, Default)]
struct Loud(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Loud {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() <= tracing::Level::WARN {
            self.0.lock().unwrap().push(format!("{} {} {}", meta.level(), meta.target(), meta.name()));
        }
    }
}

/// Sends `request` and returns the reply with the warn and error events it caused.
async fn send_watched(app: &TestApp, request: Request<Body>) -> (Reply, Vec<String>) {
    let loud = Loud::default();
    let subscriber = tracing_subscriber::registry().with(loud.clone());
    let reply = app.send(request).with_subscriber(subscriber).await;
    let events = loud.0.lock().unwrap().clone();
    (reply, events)
}

fn server_fn_call<F: ServerFn>(cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(F::PATH).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn no_store(headers: &HeaderMap) -> bool {
    headers.get(header::CACHE_CONTROL).is_some_and(|v| v == "no-store")
}

#[tokio::test]
async fn server_functions_without_a_session_answer_401_and_log_nothing_loud() {
    use app::api::{GetCurrentAdmin, GetScimIntegration, ListTenants};

    let app = TestApp::new().await;
    app.tenant("acme", Profile::Generic).await;
    let calls = [server_fn_call::<ListTenants>(None, ""), server_fn_call::<GetScimIntegration>(None, "tenant=acme")];
    for request in calls {
        let path = request.uri().path().to_owned();
        let (reply, events) = send_watched(&app, request).await;
        assert!(events.is_empty(), "{path} logged {events:?}");
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {:?}", reply.body);
        assert_eq!(serde_json::from_value::<AppError>(reply.body).unwrap(), AppError::Unauthenticated, "{path}");
        assert!(no_store(&reply.headers), "{path}");
    }

    // The sign-in page asks who is signed in: an answer (200, nobody), not an error.
    let (reply, events) = send_watched(&app, server_fn_call::<GetCurrentAdmin>(None, "")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, serde_json::Value::Null));
    assert!(events.is_empty(), "{events:?}");

    // Signed in, the same calls work.
    let cookie = app.break_glass_session().await;
    let reply = app.send(server_fn_call::<GetScimIntegration>(Some(&cookie), "tenant=acme")).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert!(no_store(&reply.headers));
    let reply = app.send(server_fn_call::<GetCurrentAdmin>(Some(&cookie), "")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_object(), "{:?}", reply.body);
}

#[tokio::test]
async fn the_sign_in_page_renders_with_200_while_signed_out() {
    // Its top bar asks for the tenant list while it renders; that refusal must not become the
    // page's status.
    let app = TestApp::new().await;
    let (page, events) = send_watched(&app, get("/login", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.as_str().unwrap().contains("Sign in to scimhub"));
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test]
async fn what_a_signed_in_administrator_sees_is_never_cached() {
    let app = TestApp::new().await;
    app.tenant("acme", Profile::Generic).await;
    let cookie = app.break_glass_session().await;
    for uri in ["/", "/tenants/acme", "/tenants/acme/users", "/tenants/nobody", "/admin/audit/export?tenant=acme"] {
        let reply = app.send(get(uri, Some(&cookie))).await;
        assert!(reply.status == StatusCode::OK || reply.status == StatusCode::NOT_FOUND, "{uri}: {}", reply.status);
        assert!(no_store(&reply.headers), "{uri}: {:?}", reply.headers.get(header::CACHE_CONTROL));
    }
    // No page is stored, signed in or not; the site's static files may be (tests/it/site_assets.rs).
    assert!(no_store(&app.send(get("/login", None)).await.headers));
    for uri in ["/pkg/scimhub.css", "/favicon.ico"] {
        let reply = app.send(get(uri, None)).await;
        assert!(!no_store(&reply.headers), "{uri}");
    }
}

#[tokio::test]
async fn session_ids_are_stored_only_as_hashes() {
    let app = TestApp::new().await;
    let cookie = app.break_glass_session().await;
    let id = cookie.strip_prefix("scimhub_session=").unwrap();
    let hash = scimhub::secret::SecretHash::of(id).as_str().to_owned();
    let stored = |key: String| {
        let pool = app.state.db.reader().clone();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from admin_session where session_id = $1")
                .bind(key)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(stored(id.to_owned()).await, 0, "the clear id is not stored");
    assert_eq!(stored(hash.clone()).await, 1, "its hash is");
    let all: Vec<String> =
        sqlx::query_scalar("select data from admin_session").fetch_all(app.state.db.reader()).await.unwrap();
    assert!(all.iter().all(|data| !data.contains(id)));

    // The session works, and signing out removes it.
    let home = app.send(get("/", Some(&cookie))).await;
    assert_eq!(home.status, StatusCode::OK);
    let out =
        app.send(Request::post("/auth/logout").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
    assert_eq!(stored(hash).await, 0);
    assert_eq!(app.send(get("/", Some(&cookie))).await.headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn a_missing_user_or_group_page_answers_404() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let user = app
        .scim(
            &t,
            axum::http::Method::POST,
            "/Users",
            Some(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pia@acme.test"}"#),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    let group = app
        .scim(
            &t,
            axum::http::Method::POST,
            "/Groups",
            Some(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Ops"}"#),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{:?}", group.body);
    let cookie = app.break_glass_session().await;
    let (user_id, group_id) = (user.body["id"].as_str().unwrap(), group.body["id"].as_str().unwrap());
    for (uri, status) in [
        (format!("/tenants/acme/users/{user_id}"), StatusCode::OK),
        (format!("/tenants/acme/groups/{group_id}"), StatusCode::OK),
        ("/tenants/acme/users/no-such-user".to_owned(), StatusCode::NOT_FOUND),
        ("/tenants/acme/groups/no-such-group".to_owned(), StatusCode::NOT_FOUND),
        // A user's id is not a group's, and another tenant's pages do not show this one's users.
        (format!("/tenants/acme/groups/{user_id}"), StatusCode::NOT_FOUND),
        (format!("/tenants/other/users/{user_id}"), StatusCode::NOT_FOUND),
        ("/tenants/acme/users".to_owned(), StatusCode::OK),
    ] {
        assert_eq!(app.send(get(&uri, Some(&cookie))).await.status, status, "{uri}");
    }
}

#[tokio::test]
async fn a_tenant_url_in_the_wrong_case_suggests_the_tenant_on_the_dashboard_only() {
    let app = TestApp::new().await;
    let t = app.tenant("Contoso", Profile::Generic).await;
    let cookie = app.break_glass_session().await;
    let page = app.send(get("/tenants/contoso/users", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("names are case-sensitive") && html.contains("href=\"/tenants/Contoso\""), "{html}");
    // A name no tenant has in any case is a plain 404.
    let page = app.send(get("/tenants/fabrikam/users", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.as_str().unwrap().contains("did you mean"));
    // The SCIM API says nothing about which tenants exist: the same answer as for no tenant.
    let wrong_case = app.scim_as("contoso", Some(&t.token), axum::http::Method::GET, "/Users", None).await;
    let unknown = app.scim_as("fabrikam", Some(&t.token), axum::http::Method::GET, "/Users", None).await;
    assert_eq!((wrong_case.status, &wrong_case.body), (unknown.status, &unknown.body));
    assert!(!wrong_case.body.to_string().contains("Contoso"), "{:?}", wrong_case.body);
}
