//! Tenant names cannot be enumerated (hardening issue, finding 9): before authentication an
//! unknown tenant answers exactly as an existing one does — the SCIM API with the 401 of a wrong
//! credential, the token endpoint with the `invalid_client` of a wrong secret — and every valid
//! tenant name has a discovery document and a key set.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use scimhub::db::credential::{self, Kind};
use scimhub::db::tenant;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{Reply, TestApp, TestTenant, PUBLIC_URL};

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// A request from `source` (as the real server's connection information gives it).
pub(crate) fn from(source: &str, builder: axum::http::request::Builder, body: Body) -> Request<Body> {
    let addr: SocketAddr = source.parse().unwrap();
    builder.extension(ConnectInfo(addr)).body(body).unwrap()
}

/// A SCIM `GET /Users` of `tenant` from `source`, with this bearer token (none: no header).
pub(crate) async fn scim_from(app: &TestApp, source: &str, tenant: &str, token: Option<&str>) -> Reply {
    let mut builder = Request::builder().uri(format!("/realms/{tenant}/scim/v2/Users"));
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(from(source, builder, Body::empty())).await
}

/// A client credentials request to `tenant`'s token endpoint from `source` (HTTP Basic).
pub(crate) async fn token_from(app: &TestApp, source: &str, tenant: &str, client_id: &str, secret: &str) -> Reply {
    let basic = format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")));
    let builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/realms/{tenant}/protocol/openid-connect/token"))
        .header(header::CONTENT_TYPE, FORM)
        .header(header::AUTHORIZATION, basic);
    app.send(from(source, builder, Body::from("grant_type=client_credentials"))).await
}

/// Turns on remote token authentication and creates a client secret: (client id, secret).
pub(crate) async fn oauth_client(app: &TestApp, t: &TestTenant) -> (String, String) {
    let found = tenant::by_name(&app.state.db, &t.name).await.unwrap().unwrap();
    let mut settings = found.settings();
    settings.auth.remote_token_auth = true;
    let now = app.state.clock.now_ms();
    assert!(tenant::update_settings(&app.state.db, &t.id, &settings, now).await.unwrap());
    let secret = Secret::generate("scimhub_cs_");
    let rotated = credential::rotate(&app.state.db, &t.id, Kind::ClientSecret, &secret.hash(), now, 0).await.unwrap();
    (rotated.client_id.unwrap(), secret.expose().to_owned())
}

/// The headers, without the ones that differ between any two answers (`Date`, and the request
/// id, new for every request); the request id is there on both.
fn headers_of(reply: &Reply) -> HeaderMap {
    let mut headers = reply.headers.clone();
    headers.remove(header::DATE);
    assert!(headers.remove("x-request-id").is_some(), "every answer carries its request id");
    headers
}

/// Asserts that two answers are the same: status, headers (but `Date`) and body.
fn assert_alike(existing: &Reply, unknown: &Reply, case: &str) {
    assert_eq!(existing.status, unknown.status, "{case}: {:?} / {:?}", existing.body, unknown.body);
    assert_eq!(headers_of(existing), headers_of(unknown), "{case}");
    assert_eq!(existing.body, unknown.body, "{case}");
}

/// An unsigned JWT naming the issuer of `tenant`'s own token endpoint.
fn own_issuer_token(tenant: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = part(json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}));
    let claims = part(json!({"iss": format!("{PUBLIC_URL}/realms/{tenant}"), "sub": "c", "exp": 4_000_000_000_i64}));
    format!("{header}.{claims}.c2ln")
}

#[tokio::test]
async fn scim_answers_unknown_and_existing_tenants_alike_before_authentication() {
    let app = TestApp::new().await;
    let acme = app.tenant("acme", Profile::Generic).await;
    let other = app.tenant("globex", Profile::Azure).await;
    let source = "192.0.2.10:40000";
    // The credential of each case, for the tenant named.
    let token = |case: &str, name: &str| match case {
        "a wrong secret" => Some("scimhub_not-a-secret".to_owned()),
        "another tenant's secret" => Some(other.token.clone()),
        "a malformed JWT" => Some("eyJ.eyJ.x".to_owned()),
        "a JWT of the tenant's own issuer" => Some(own_issuer_token(name)),
        _ => None,
    };
    let cases = [
        "no credential",
        "a wrong secret",
        "another tenant's secret",
        "a malformed JWT",
        "a JWT of the tenant's own issuer",
    ];
    for case in cases {
        let existing = scim_from(&app, source, "acme", token(case, "acme").as_deref()).await;
        let unknown = scim_from(&app, source, "ghost", token(case, "ghost").as_deref()).await;
        assert_eq!(existing.status, StatusCode::UNAUTHORIZED, "{case}: {:?}", existing.body);
        assert_eq!(existing.headers[header::WWW_AUTHENTICATE], "Bearer realm=\"scimhub\"");
        assert_alike(&existing, &unknown, case);
    }
    // A body and another method change nothing; nor does a name that cannot be a tenant's.
    let post = |tenant: &str| {
        let builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/realms/{tenant}/scim/v2/Users"))
            .header(header::CONTENT_TYPE, "application/scim+json")
            .header(header::AUTHORIZATION, "Bearer scimhub_wrong");
        from(source, builder, Body::from(r#"{"userName":"a"}"#))
    };
    assert_alike(&app.send(post("acme")).await, &app.send(post("ghost")).await, "POST");
    assert_alike(&app.send(post("acme")).await, &app.send(post("Acme")).await, "names are case-sensitive");
    // The existing tenant's refusals are in its log, one row per reason (a wrong secret, another
    // tenant's and the POSTs' are the same refusal); the unknown one's are nowhere.
    app.state.log_sink.flush().await;
    let rows = scimhub::db::log::page(&app.state.db, &acme.id, None, 100).await.unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.entry.status == 401 && r.entry.credential_id.is_none()));
    assert_eq!(rows.iter().map(|r| r.repeat_count).sum::<u64>(), 7);
    assert_eq!(app.log(&other).await.len(), 0);
}

#[tokio::test]
async fn the_token_endpoint_answers_unknown_and_existing_tenants_alike() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let (client_id, secret) = oauth_client(&app, &t).await;
    app.tenant("globex", Profile::Generic).await;
    let source = "192.0.2.11:40000";
    for (case, existing_tenant, id, presented) in [
        ("a wrong secret", "acme", client_id.as_str(), "scimhub_cs_wrong"),
        ("an unknown client", "acme", "scimhub-0000", "scimhub_cs_wrong"),
        ("another tenant's client and secret", "globex", client_id.as_str(), secret.as_str()),
    ] {
        let existing = token_from(&app, source, existing_tenant, id, presented).await;
        let unknown = token_from(&app, source, "ghost", id, presented).await;
        assert_eq!(existing.status, StatusCode::UNAUTHORIZED, "{case}: {:?}", existing.body);
        assert_eq!(existing.body["error"], "invalid_client");
        // The realm names the tenant of the URL either way.
        assert_eq!(existing.headers[header::WWW_AUTHENTICATE], format!("Basic realm=\"{existing_tenant}\"").as_str());
        assert_eq!(unknown.headers[header::WWW_AUTHENTICATE], "Basic realm=\"ghost\"");
        let mut unknown_as_existing = unknown;
        unknown_as_existing
            .headers
            .insert(header::WWW_AUTHENTICATE, existing.headers[header::WWW_AUTHENTICATE].clone());
        assert_alike(&existing, &unknown_as_existing, case);
    }
    // A malformed request is the same error for both, before any credential is looked at.
    let malformed = |tenant: &str| {
        let builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/realms/{tenant}/protocol/openid-connect/token"))
            .header(header::CONTENT_TYPE, "application/json");
        from(source, builder, Body::from("{}"))
    };
    let (existing, unknown) = (app.send(malformed("acme")).await, app.send(malformed("ghost")).await);
    assert_eq!(existing.body["error"], "invalid_request");
    assert_alike(&existing, &unknown, "malformed");
    // The right secret still gets a token.
    assert_eq!(token_from(&app, source, "acme", &client_id, &secret).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_valid_tenant_name_has_a_discovery_document_and_a_key_set() {
    let app = TestApp::new().await;
    app.tenant("acme", Profile::Generic).await;
    let app = &app;
    let get =
        move |uri: String| async move { app.send(Request::builder().uri(uri).body(Body::empty()).unwrap()).await };
    let discovery = |name: &str| format!("/realms/{name}/.well-known/openid-configuration");
    let certs = |name: &str| format!("/realms/{name}/protocol/openid-connect/certs");
    for name in ["acme", "ghost"] {
        let doc = get(discovery(name)).await;
        assert_eq!(doc.status, StatusCode::OK, "{name}");
        assert_eq!(doc.body["issuer"], format!("{PUBLIC_URL}/realms/{name}"));
        assert_eq!(doc.body["jwks_uri"], format!("{PUBLIC_URL}/realms/{name}/protocol/openid-connect/certs"));
    }
    // An existing tenant before its first token and an unknown name: the same empty set.
    let (existing, unknown) = (get(certs("acme")).await, get(certs("ghost")).await);
    assert_eq!(existing.body, json!({"keys": []}));
    assert_alike(&existing, &unknown, "certs");
    assert_eq!(existing.headers[header::CACHE_CONTROL], "public, max-age=300");
    // A name no tenant can have is not found.
    assert_eq!(get(certs("no.such")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(discovery(&"x".repeat(65))).await.status, StatusCode::NOT_FOUND);
}
