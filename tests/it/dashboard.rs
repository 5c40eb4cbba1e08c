//! The dashboard's guard and break-glass sign-in, through the real router and session store.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use scimhub::tenant::Profile;

use crate::support::{TestApp, TestClock};

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::builder().method(Method::GET).uri(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("scimhub_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn pages_send_strangers_to_the_sign_in_page() {
    let app = TestApp::new().await;
    app.tenant("acme", Profile::Generic).await;
    // The page asked for rides along, to return to after signing in.
    for (uri, to) in [
        ("/", "/login"),
        ("/tenants/acme", "/login?return_to=/tenants/acme"),
        ("/tenants/acme/users", "/login?return_to=/tenants/acme/users"),
        ("/tenants/acme/log?op=create&q=a%20b", "/login?return_to=/tenants/acme/log%3Fop%3Dcreate%26q%3Da%2520b"),
    ] {
        let r = app.send(get(uri, None)).await;
        assert!(r.status.is_redirection(), "{uri}: {}", r.status);
        assert_eq!(r.headers[header::LOCATION], to, "{uri}");
    }
    // (The sign-in page hands it to the provider round trip: end2end/tests/responsive.spec.ts.)
    let login = app.send(get("/login", None)).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.as_str().unwrap().contains("Sign in to scimhub"));
}

#[tokio::test]
async fn login_links_sign_in_once_and_set_a_hardened_cookie() {
    let app = TestApp::new().await;
    let url =
        scimhub::admin_sign_in::login_link::create(&app.state.db, app.state.clock.as_ref(), "http://scimhub.test")
            .await
            .unwrap();
    let path = url.strip_prefix("http://scimhub.test").unwrap();
    let first = app.send(get(path, None)).await;
    assert!(first.status.is_redirection());
    assert_eq!(first.headers[header::LOCATION], "/");
    let raw_cookie = first.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(raw_cookie.contains("HttpOnly") && raw_cookie.contains("SameSite=Lax"), "{raw_cookie}");
    let cookie = session_cookie(&first.headers).unwrap();

    let home = app.send(get("/", Some(&cookie))).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.as_str().unwrap().contains("Tenants"));

    let again = app.send(get(path, None)).await;
    assert_eq!(again.headers[header::LOCATION], "/login?error=link_invalid");
    let forged = app.send(get("/auth/link/not-a-real-token", None)).await;
    assert_eq!(forged.headers[header::LOCATION], "/login?error=link_invalid");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::new().await;
    let url = scimhub::admin_sign_in::login_link::create(&app.state.db, app.state.clock.as_ref(), "").await.unwrap();
    let first = app.send(get(&url, None)).await;
    let cookie = session_cookie(&first.headers).unwrap();
    let out =
        app.send(Request::post("/auth/logout").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
    let after = app.send(get("/", Some(&cookie))).await;
    assert_eq!(after.headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn sso_without_configuration_explains_itself() {
    let app = TestApp::new().await;
    let r = app.send(get("/auth/login", None)).await;
    assert_eq!(r.headers[header::LOCATION], "/login?error=sso_not_configured");
}

#[tokio::test]
async fn login_links_expire_after_fifteen_minutes() {
    let clock = TestClock::at(1_800_000_000_000);
    let app = TestApp::with_clock(clock.clone()).await;
    let url = scimhub::admin_sign_in::login_link::create(&app.state.db, app.state.clock.as_ref(), "").await.unwrap();
    clock.advance_ms(scimhub::admin_sign_in::login_link::LINK_TTL_MS + 1);
    let late = app.send(get(&url, None)).await;
    assert_eq!(late.headers[header::LOCATION], "/login?error=link_invalid");
    assert!(session_cookie(&late.headers).is_none(), "no session for an expired link");
}

#[tokio::test]
async fn pages_carry_a_nonce_based_csp_and_anti_framing_headers() {
    let app = TestApp::new().await;
    let page = app.send(get("/login", None)).await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
    assert!(nonce.len() >= 16, "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.body.as_str().unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the inline scripts carry the header's nonce");
    // Every response gets a fresh nonce.
    let again = app.send(get("/login", None)).await;
    assert_ne!(again.headers[header::CONTENT_SECURITY_POLICY], page.headers[header::CONTENT_SECURITY_POLICY]);
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::REFERRER_POLICY], "same-origin");
    let scim = app.scim_as("nobody", None, axum::http::Method::GET, "/Users", None).await;
    assert_eq!(scim.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn cross_origin_posts_are_refused_before_the_session() {
    let app = TestApp::new().await;
    let url = scimhub::admin_sign_in::login_link::create(&app.state.db, app.state.clock.as_ref(), "").await.unwrap();
    let cookie = session_cookie(&app.send(get(&url, None)).await.headers).unwrap();
    let logout = |origin: &'static str| {
        Request::post("/auth/logout")
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    let refused = app.send(logout("https://evil.example")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.send(get("/", Some(&cookie))).await.status, StatusCode::OK, "the session survived");
    let accepted = app.send(logout("http://scimhub.test")).await;
    assert_eq!(accepted.headers[header::LOCATION], "/login");
}
