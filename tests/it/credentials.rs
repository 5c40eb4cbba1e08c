//! Credentials and tokens (issue 4): bearer-secret rotation with a grace period and revocation,
//! client secrets, the token endpoint (RFC 6749 client credentials), its key set and discovery
//! document, signing-key rotation, and JWT authentication at the SCIM endpoint — the tenant's
//! own tokens and Entra-issued ones, verified against a local JWKS server standing in for
//! Microsoft's. Every key is generated here.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use scimhub::db::credential::{self, Kind};
use scimhub::db::tenant;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{entra_user, Reply, TestApp, TestClock, TestTenant, PUBLIC_URL};

/// The tests' "now": 2027-01-15, in ms.
const NOW_MS: i64 = 1_800_000_000_000;
const NOW: i64 = NOW_MS / 1000;
const AZURE_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_AZURE_TENANT: &str = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const ENTRA_AUDIENCE: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------------------------
// Helpers

async fn app() -> (TestApp, Arc<TestClock>) {
    let clock = TestClock::at(NOW_MS);
    (TestApp::with_clock(clock.clone()).await, clock)
}

/// Changes a tenant's settings the way `scimhub tenant configure` does.
async fn configure(app: &TestApp, t: &TestTenant, change: impl FnOnce(&mut scimhub::tenant::Settings)) {
    let found = tenant::by_name(&app.state.db, &t.name).await.unwrap().unwrap();
    let mut settings = found.settings();
    change(&mut settings);
    assert!(tenant::update_settings(&app.state.db, &t.id, &settings, NOW_MS).await.unwrap());
}

/// A tenant with remote token authentication on and a client secret.
async fn oauth_tenant(app: &TestApp, name: &str) -> (TestTenant, String, String) {
    let t = app.tenant(name, Profile::Generic).await;
    configure(app, &t, |s| s.auth.remote_token_auth = true).await;
    let (client_id, secret) = new_client_secret(app, &t, 0).await;
    (t, client_id, secret)
}

async fn new_client_secret(app: &TestApp, t: &TestTenant, grace_ms: i64) -> (String, String) {
    let secret = Secret::generate("scimhub_cs_");
    let rotated = credential::rotate(
        &app.state.db,
        &t.id,
        Kind::ClientSecret,
        &secret.hash(),
        app.state.clock.now_ms(),
        grace_ms,
    )
    .await
    .unwrap();
    (rotated.client_id.unwrap(), secret.expose().to_owned())
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn token_request(
    app: &TestApp,
    tenant: &str,
    authorization: Option<&str>,
    content_type: &str,
    body: &str,
) -> Reply {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/realms/{tenant}/protocol/openid-connect/token"))
        .header(header::CONTENT_TYPE, content_type);
    if let Some(authorization) = authorization {
        builder = builder.header(header::AUTHORIZATION, authorization);
    }
    app.send(builder.body(Body::from(body.to_owned())).unwrap()).await
}

/// An access token from the tenant's token endpoint (HTTP Basic).
async fn access_token(app: &TestApp, t: &TestTenant, client_id: &str, secret: &str) -> String {
    let r = token_request(app, &t.name, Some(&basic(client_id, secret)), FORM, "grant_type=client_credentials").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, uri: &str) -> Reply {
    app.send(Request::builder().uri(uri).body(Body::empty()).unwrap()).await
}

/// The header and claims of a JWT.
fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let mut decode = || serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (decode(), decode())
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A JWT with exactly this header and these claims, signed with `key` for `alg`.
fn craft(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(claims));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

/// A JWT with `alg: none` and no signature.
fn unsigned(claims: &Value) -> String {
    format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(claims))
}

/// The same token with other claims but the original signature.
fn with_claims(token: &str, claims: &Value) -> String {
    let mut it = token.split('.');
    let (header, _, signature) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    format!("{header}.{}.{signature}", b64(claims))
}

async fn scim_get(app: &TestApp, t: &TestTenant, token: &str) -> Reply {
    app.scim_as(&t.name, Some(token), Method::GET, "/Users", None).await
}

fn assert_401(reply: &Reply, detail: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(reply.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    let got = reply.body["detail"].as_str().unwrap_or_default();
    assert!(got.contains(detail), "expected \"{detail}\" in \"{got}\"");
}

fn assert_oauth_error(reply: &Reply, status: StatusCode, error: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.body["error"], error, "{:?}", reply.body);
    assert!(reply.body["error_description"].is_string());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
}

/// The private half of the tenant's active signing key, to forge tokens with it.
async fn tenant_signing_key(app: &TestApp, t: &TestTenant) -> (String, EncodingKey) {
    let row = scimhub::db::signing_key::active(&app.state.db, &t.id).await.unwrap().unwrap();
    (row.kid, EncodingKey::from_ec_pem(row.private_key_pem.0.as_bytes()).unwrap())
}

fn own_claims(t: &TestTenant, client_id: &str) -> Value {
    json!({
        "iss": format!("{PUBLIC_URL}/realms/{}", t.name),
        "sub": client_id,
        "aud": format!("{PUBLIC_URL}/realms/{}/scim/v2", t.name),
        "exp": NOW + 3600,
        "iat": NOW,
        "jti": "j",
        "client_id": client_id,
        "scope": "scim",
    })
}

/// An RSA key as Entra ID publishes it.
struct EntraKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
    public_pem: String,
}

fn entra_key(kid: &str) -> EntraKey {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let pem = private.to_pkcs1_pem(LineEnding::LF).unwrap();
    let public = private.to_public_key();
    EntraKey {
        kid: kid.to_owned(),
        encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        jwk: json!({
            "kty": "RSA",
            "use": "sig",
            "kid": kid,
            "x5t": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            "x5c": ["MIIC/TCCAeWgAwIBAgIIUd7j/OIahkYwDQYJKoZIhvcNAQELBQAw"],
            "cloud_instance_name": "microsoftonline.com",
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"
        }),
        public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

/// The token Entra's provisioning service sends when the Secret Token field is blank.
fn entra_claims(azure_tenant: &str) -> Value {
    json!({
        "aud": ENTRA_AUDIENCE,
        "iss": format!("https://sts.windows.net/{azure_tenant}/"),
        "iat": NOW - 30,
        "nbf": NOW - 30,
        "exp": NOW + 3600,
        "aio": "E2RgYJg",
        "appid": "1b730954-1685-4b74-9bfd-dac224a7b894",
        "appidacr": "2",
        "idp": format!("https://sts.windows.net/{azure_tenant}/"),
        "oid": "e7a6e1d0-8b59-4ac5-a8d1-5c2b2f0f9a11",
        "rh": "0.AAAA",
        "sub": "e7a6e1d0-8b59-4ac5-a8d1-5c2b2f0f9a11",
        "tid": azure_tenant,
        "uti": "u",
        "ver": "1.0"
    })
}

fn entra_token(key: &EntraKey, claims: &Value) -> String {
    entra_token_with_kid(key, &key.kid, claims)
}

/// Signed by `key` but naming the key `kid`.
fn entra_token_with_kid(key: &EntraKey, kid: &str, claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "x5t": kid, "kid": kid});
    craft(&header, claims, &key.encoding, Algorithm::RS256)
}

/// A local server standing in for `login.microsoftonline.com/<tenant>/discovery/v2.0/keys`.
struct JwksServer {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    hits: Arc<AtomicUsize>,
    /// When set, the server answers 500.
    failing: Arc<AtomicBool>,
}

impl JwksServer {
    async fn start(keys: Vec<Value>) -> JwksServer {
        Self::serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), keys)
    }

    /// The server on `listener` (e.g. one whose port was unreachable until now).
    fn serve(listener: tokio::net::TcpListener, keys: Vec<Value>) -> JwksServer {
        let keys = Arc::new(Mutex::new(keys));
        let hits = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let (served, counted, fails) = (keys.clone(), hits.clone(), failing.clone());
        let path = format!("/{AZURE_TENANT}/discovery/v2.0/keys");
        let app = axum::Router::new().route(
            &path,
            axum::routing::get(move || {
                let (served, counted, fails) = (served.clone(), counted.clone(), fails.clone());
                async move {
                    use axum::response::IntoResponse;
                    counted.fetch_add(1, Ordering::SeqCst);
                    if fails.load(Ordering::SeqCst) {
                        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    }
                    let keys = served.lock().unwrap().clone();
                    axum::Json(json!({ "keys": keys })).into_response()
                }
            }),
        );
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer { url, keys, hits, failing }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// An Entra signing key, a JWKS server publishing it, and an Azure-profile tenant using both.
async fn entra_setup(app: &TestApp, name: &str, kid: &str) -> (EntraKey, JwksServer, TestTenant) {
    let key = entra_key(kid);
    let jwks = JwksServer::start(vec![key.jwk.clone()]).await;
    let t = azure_tenant(app, name, &jwks.url).await;
    (key, jwks, t)
}

/// An Azure-profile tenant that trusts `AZURE_TENANT`, with its keys at `jwks_url`.
async fn azure_tenant(app: &TestApp, name: &str, jwks_url: &str) -> TestTenant {
    let t = app.tenant(name, Profile::Azure).await;
    configure(app, &t, |s| {
        s.auth.azure_tenant_id = Some(AZURE_TENANT.to_owned());
        s.auth.azure_jwks_url = Some(jwks_url.to_owned());
    })
    .await;
    t
}

// ---------------------------------------------------------------------------------------------
// Bearer secrets

#[tokio::test]
async fn bearer_rotation_with_a_grace_period_keeps_the_old_secret_until_it_expires() {
    let (app, clock) = app().await;
    let t = app.tenant("grace", Profile::Generic).await;
    let fresh = Secret::generate("scimhub_");
    let rotated =
        credential::rotate(&app.state.db, &t.id, Kind::Bearer, &fresh.hash(), NOW_MS, 3_600_000).await.unwrap();
    assert_eq!(rotated.superseded, 1);
    assert_eq!(scim_get(&app, &t, &t.token).await.status, StatusCode::OK, "the old secret works in the grace period");
    assert_eq!(scim_get(&app, &t, fresh.expose()).await.status, StatusCode::OK);

    // Both are listed for the dashboard, the old one with its expiry.
    let active = credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap();
    assert_eq!(active.len(), 2);
    assert_eq!(active[0].id, rotated.credential_id);
    assert_eq!(active[0].created_at, NOW_MS);
    assert_eq!(active[1].expires_at, Some(NOW_MS + 3_600_000));
    assert!(active.iter().all(|c| c.kind == Kind::Bearer && c.client_id.is_none()));

    clock.advance_ms(3_600_000 - 1);
    assert_eq!(scim_get(&app, &t, &t.token).await.status, StatusCode::OK, "still within the grace period");
    clock.advance_ms(1);
    assert_401(&scim_get(&app, &t, &t.token).await, "invalid or expired bearer token");
    assert_eq!(scim_get(&app, &t, fresh.expose()).await.status, StatusCode::OK);
    assert_eq!(credential::list_active(&app.state.db, &t.id, clock_now(&app)).await.unwrap().len(), 1);
}

fn clock_now(app: &TestApp) -> i64 {
    app.state.clock.now_ms()
}

#[tokio::test]
async fn bearer_rotation_without_grace_and_revocation_end_the_old_secrets_at_once() {
    let (app, _clock) = app().await;
    let t = app.tenant("revoke", Profile::Generic).await;
    let second = Secret::generate("scimhub_");
    credential::rotate(&app.state.db, &t.id, Kind::Bearer, &second.hash(), NOW_MS, 0).await.unwrap();
    assert_401(&scim_get(&app, &t, &t.token).await, "invalid or expired");
    let third = Secret::generate("scimhub_");
    credential::rotate(&app.state.db, &t.id, Kind::Bearer, &third.hash(), NOW_MS, 60_000).await.unwrap();
    assert_eq!(scim_get(&app, &t, second.expose()).await.status, StatusCode::OK);

    // Revoking ends the current secret and the one in its grace period.
    assert_eq!(credential::revoke_bearer(&app.state.db, &t.id, NOW_MS).await.unwrap(), 2);
    assert_401(&scim_get(&app, &t, second.expose()).await, "invalid or expired");
    assert_401(&scim_get(&app, &t, third.expose()).await, "invalid or expired");
    assert!(credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap().is_empty());
}

#[tokio::test]
async fn using_a_secret_records_when_it_was_last_used() {
    let (app, _clock) = app().await;
    let t = app.tenant("used", Profile::Generic).await;
    assert_eq!(scim_get(&app, &t, &t.token).await.status, StatusCode::OK);
    // The gate records the use in the background.
    let mut last_used = None;
    for _ in 0..50 {
        last_used = credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap()[0].last_used_at;
        if last_used.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(last_used, Some(NOW_MS));
}

// ---------------------------------------------------------------------------------------------
// The token endpoint

#[tokio::test]
async fn the_token_endpoint_issues_es256_access_tokens_with_basic_and_post_authentication() {
    let (app, _clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "issuer").await;

    let by_basic = token_request(
        &app,
        "issuer",
        Some(&basic(&client_id, &secret)),
        FORM,
        "grant_type=client_credentials&scope=scim",
    )
    .await;
    assert_eq!(by_basic.status, StatusCode::OK, "{:?}", by_basic.body);
    assert_eq!(by_basic.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(by_basic.body["token_type"], "Bearer");
    assert_eq!(by_basic.body["expires_in"], 3600);
    assert_eq!(by_basic.body["scope"], "scim");

    let post_body = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    let by_post =
        token_request(&app, "issuer", None, "application/x-www-form-urlencoded; charset=utf-8", &post_body).await;
    assert_eq!(by_post.status, StatusCode::OK, "{:?}", by_post.body);

    let token = by_basic.body["access_token"].as_str().unwrap();
    let (jose, claims) = parts(token);
    assert_eq!(jose["alg"], "ES256");
    assert_eq!(jose["typ"], "at+jwt");
    let kid = jose["kid"].as_str().unwrap();
    assert_eq!(claims["iss"], format!("{PUBLIC_URL}/realms/issuer"));
    assert_eq!(claims["aud"], format!("{PUBLIC_URL}/realms/issuer/scim/v2"));
    assert_eq!(claims["sub"], client_id.as_str());
    assert_eq!(claims["client_id"], client_id.as_str());
    assert_eq!(claims["scope"], "scim");
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["exp"], NOW + 3600);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let (_, other_claims) = parts(by_post.body["access_token"].as_str().unwrap());
    assert_ne!(claims["jti"], other_claims["jti"], "every token has its own jti");

    // The signature verifies with the published key.
    let certs = get(&app, "/realms/issuer/protocol/openid-connect/certs").await;
    assert_eq!(certs.status, StatusCode::OK);
    let jwk: Jwk = serde_json::from_value(certs.body["keys"][0].clone()).unwrap();
    assert_eq!(jwk.common.key_id.as_deref(), Some(kid));
    let mut validation = Validation::new(Algorithm::ES256);
    validation.validate_exp = false;
    validation.set_audience(&[format!("{PUBLIC_URL}/realms/issuer/scim/v2")]);
    validation.set_issuer(&[format!("{PUBLIC_URL}/realms/issuer")]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(&jwk).unwrap(), &validation).unwrap();

    // Token issuance counts as a use of the client secret.
    let active = credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap();
    let client = active.iter().find(|c| c.kind == Kind::ClientSecret).unwrap();
    assert_eq!((client.client_id.as_deref(), client.last_used_at), (Some(client_id.as_str()), Some(NOW_MS)));
}

#[tokio::test]
async fn a_client_credentials_token_provisions_a_user() {
    let (app, _clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "cc").await;
    let token = access_token(&app, &t, &client_id, &secret).await;
    let created =
        app.scim_as("cc", Some(&token), Method::POST, "/Users", Some(&entra_user("cc@contoso.test", "cc-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(app.user_count(&t).await, 1);
    let log = app.log(&t).await;
    assert_eq!(log[0].status, 201);
    assert_eq!(log[0].credential_id.as_deref(), Some(format!("client:{client_id}").as_str()));
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let (app, _clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "errs").await;
    let (_other, other_id, other_secret) = oauth_tenant(&app, "other").await;
    let ok_auth = basic(&client_id, &secret);
    let grant = "grant_type=client_credentials";

    // invalid_client: 401 with a Basic challenge naming the realm.
    for (auth, body) in [
        (Some(basic(&client_id, "scimhub_cs_wrong")), grant.to_owned()),
        (Some(basic("unknown-client", &secret)), grant.to_owned()),
        (Some(basic(&other_id, &other_secret)), grant.to_owned()),
        (None, grant.to_owned()),
        (None, format!("{grant}&client_id={client_id}")),
        (None, format!("{grant}&client_id={client_id}&client_secret=nope")),
    ] {
        let r = token_request(&app, "errs", auth.as_deref(), FORM, &body).await;
        assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Basic realm=\"errs\"");
    }
    // unsupported_grant_type.
    for body in ["grant_type=password&username=u&password=p", "grant_type=authorization_code&code=c"] {
        let r = token_request(&app, "errs", Some(&ok_auth), FORM, body).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    // invalid_request.
    for (auth, content_type, body) in [
        (Some(ok_auth.clone()), "application/json", r#"{"grant_type":"client_credentials"}"#.to_owned()),
        (Some(ok_auth.clone()), FORM, "scope=scim".to_owned()),
        (Some(ok_auth.clone()), FORM, format!("{grant}&{grant}")),
        (Some(ok_auth.clone()), FORM, format!("{grant}&client_secret={secret}")),
        (Some(ok_auth.clone()), FORM, format!("{grant}&client_id=someone-else")),
        (Some("Basic %%%".to_owned()), FORM, grant.to_owned()),
    ] {
        let r = token_request(&app, "errs", auth.as_deref(), content_type, &body).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    }
    // invalid_scope: a scope that is not RFC 6749 §3.3 syntax.
    let r = token_request(&app, "errs", Some(&ok_auth), FORM, &format!("{grant}&scope=a%5Cb")).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_scope");
    // An unknown tenant: as a wrong secret (`enumeration` compares the answers in full).
    let r = token_request(&app, "nosuch", Some(&ok_auth), FORM, grant).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // Only POST.
    assert_eq!(get(&app, "/realms/errs/protocol/openid-connect/token").await.status, StatusCode::METHOD_NOT_ALLOWED);

    // unauthorized_client: authenticated, but remote token authentication is off…
    configure(&app, &t, |s| s.auth.remote_token_auth = false).await;
    let r = token_request(&app, "errs", Some(&ok_auth), FORM, grant).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    assert!(r.body["error_description"].as_str().unwrap().contains("remote token authentication"));
    // …or the endpoint is disabled.
    configure(&app, &t, |s| {
        s.auth.remote_token_auth = true;
        s.scim_enabled = false;
    })
    .await;
    let r = token_request(&app, "errs", Some(&ok_auth), FORM, grant).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    assert!(r.body["error_description"].as_str().unwrap().contains("disabled"));
    // Secrets never appear in answers.
    assert!(!r.body.to_string().contains(&secret));
}

#[tokio::test]
async fn client_secret_rotation_keeps_several_secrets_active_and_revocation_ends_them() {
    let (app, clock) = app().await;
    let (t, client_id, first) = oauth_tenant(&app, "clients").await;
    let (same_id, second) = new_client_secret(&app, &t, 600_000).await;
    assert_eq!(same_id, client_id, "rotation keeps the client id");
    // Both secrets get tokens during the grace period, so a running job keeps working.
    access_token(&app, &t, &client_id, &first).await;
    access_token(&app, &t, &client_id, &second).await;
    let secrets = credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap();
    assert_eq!(secrets.iter().filter(|c| c.kind == Kind::ClientSecret).count(), 2);
    assert_eq!(credential::client_id(&app.state.db, &t.id).await.unwrap(), Some(client_id.clone()));

    clock.advance_ms(600_000);
    let r =
        token_request(&app, "clients", Some(&basic(&client_id, &first)), FORM, "grant_type=client_credentials").await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let token = access_token(&app, &t, &client_id, &second).await;

    // Revoking another client's secrets changes nothing; revoking this client's ends them.
    let now = clock_now(&app);
    assert_eq!(credential::revoke_client_secrets(&app.state.db, &t.id, Some("nobody"), now).await.unwrap(), 0);
    assert_eq!(credential::revoke_client_secrets(&app.state.db, &t.id, Some(&client_id), now).await.unwrap(), 1);
    let r =
        token_request(&app, "clients", Some(&basic(&client_id, &second)), FORM, "grant_type=client_credentials").await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // Tokens issued before stay valid until they expire (documented).
    assert_eq!(scim_get(&app, &t, &token).await.status, StatusCode::OK);
    // A client secret is no bearer secret.
    assert_401(&scim_get(&app, &t, &second).await, "invalid or expired");
}

#[tokio::test]
async fn token_lifetime_is_configurable_and_expired_tokens_are_refused() {
    let (app, clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "ttl").await;
    configure(&app, &t, |s| s.auth.token_ttl_secs = 600).await;
    let r = token_request(&app, "ttl", Some(&basic(&client_id, &secret)), FORM, "grant_type=client_credentials").await;
    assert_eq!(r.body["expires_in"], 600);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(parts(&token).1["exp"], NOW + 600);
    clock.advance_ms(600_000 + 59_000);
    assert_eq!(scim_get(&app, &t, &token).await.status, StatusCode::OK, "within the clock leeway");
    clock.advance_ms(1_000);
    assert_401(&scim_get(&app, &t, &token).await, "expired");
}

#[tokio::test]
async fn jwks_and_discovery_documents_describe_the_tenants_authorization_server() {
    let (app, _clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "docs").await;
    let empty = get(&app, "/realms/docs/protocol/openid-connect/certs").await;
    assert_eq!(empty.body, json!({"keys": []}), "no key before the first token");

    let discovery = get(&app, "/realms/docs/.well-known/openid-configuration").await;
    assert_eq!(discovery.status, StatusCode::OK);
    let issuer = format!("{PUBLIC_URL}/realms/docs");
    assert_eq!(discovery.body["issuer"], issuer.as_str());
    assert_eq!(discovery.body["token_endpoint"], format!("{issuer}/protocol/openid-connect/token"));
    assert_eq!(discovery.body["jwks_uri"], format!("{issuer}/protocol/openid-connect/certs"));
    assert_eq!(discovery.body["grant_types_supported"], json!(["client_credentials"]));
    assert_eq!(
        discovery.body["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );

    access_token(&app, &t, &client_id, &secret).await;
    let certs = get(&app, "/realms/docs/protocol/openid-connect/certs").await;
    assert_eq!(certs.status, StatusCode::OK);
    let keys = certs.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut names: Vec<&str> = key.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["alg", "crv", "kid", "kty", "use", "x", "y"], "public parts only");
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (&json!("EC"), &json!("P-256"), &json!("ES256"), &json!("sig"))
    );

    // Every valid name has a key set and a discovery document (`enumeration` tests them).
    assert_eq!(get(&app, "/realms/nosuch/protocol/openid-connect/certs").await.body, json!({"keys": []}));
    assert_eq!(get(&app, "/realms/no.such/protocol/openid-connect/certs").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/realms/no.such/.well-known/openid-configuration").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signing_key_rotation_keeps_the_old_key_published_until_its_tokens_expire() {
    let (app, clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "keys").await;
    let before = access_token(&app, &t, &client_id, &secret).await;
    let old_kid = parts(&before).0["kid"].as_str().unwrap().to_owned();

    let (new_kid, retired) = scimhub::scim_tokens::keys::rotate(&app.state.db, &t.id, NOW_MS).await.unwrap();
    assert_eq!(retired.as_deref(), Some(old_kid.as_str()));
    let after = access_token(&app, &t, &client_id, &secret).await;
    assert_eq!(parts(&after).0["kid"], new_kid.as_str());
    let kids = |body: &Value| -> Vec<String> {
        body["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
    };
    let certs = get(&app, "/realms/keys/protocol/openid-connect/certs").await;
    assert_eq!(kids(&certs.body), [new_kid.clone(), old_kid.clone()]);
    assert_eq!(scim_get(&app, &t, &before).await.status, StatusCode::OK, "tokens of the retired key still work");
    assert_eq!(scim_get(&app, &t, &after).await.status, StatusCode::OK);

    // Once the longest possible token lifetime has passed, the old key is gone.
    clock.advance_ms(scimhub::scim_tokens::keys::RETIRED_KEY_LIFETIME_MS);
    let certs = get(&app, "/realms/keys/protocol/openid-connect/certs").await;
    assert_eq!(kids(&certs.body), [new_kid]);
    assert_401(&scim_get(&app, &t, &before).await, "");
}

// ---------------------------------------------------------------------------------------------
// The tenant's own tokens at the SCIM endpoint

#[tokio::test]
async fn forged_or_misused_own_tokens_are_refused() {
    let (app, _clock) = app().await;
    let (t, client_id, secret) = oauth_tenant(&app, "forge").await;
    let good = access_token(&app, &t, &client_id, &secret).await;
    assert_eq!(scim_get(&app, &t, &good).await.status, StatusCode::OK);
    let (kid, key) = tenant_signing_key(&app, &t).await;
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": kid});
    let claims = own_claims(&t, &client_id);
    let sign = |claims: &Value| craft(&header, claims, &key, Algorithm::ES256);
    assert_eq!(scim_get(&app, &t, &sign(&claims)).await.status, StatusCode::OK, "the forging helper signs correctly");

    let mut expired = claims.clone();
    expired["exp"] = json!(NOW - 61);
    assert_401(&scim_get(&app, &t, &sign(&expired)).await, "expired");
    let mut early = claims.clone();
    early["nbf"] = json!(NOW + 600);
    assert_401(&scim_get(&app, &t, &sign(&early)).await, "not valid yet");
    let mut issued_later = claims.clone();
    issued_later["iat"] = json!(NOW + 600);
    assert_401(&scim_get(&app, &t, &sign(&issued_later)).await, "not valid yet");
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!(format!("{PUBLIC_URL}/realms/other/scim/v2"));
    assert_401(&scim_get(&app, &t, &sign(&wrong_aud)).await, "audience");
    let mut string_exp = claims.clone();
    string_exp["exp"] = json!("99999999999");
    assert_401(&scim_get(&app, &t, &sign(&string_exp)).await, "not a well-formed JWT");
    let id_token_type = craft(&json!({"alg": "ES256", "typ": "JWT", "kid": kid}), &claims, &key, Algorithm::ES256);
    assert_401(&scim_get(&app, &t, &id_token_type).await, "not an access token");

    // alg none, and HS256 "signed" with the published public key as the HMAC secret.
    assert_401(&scim_get(&app, &t, &unsigned(&claims)).await, "\"none\"");
    let certs = get(&app, "/realms/forge/protocol/openid-connect/certs").await;
    let public_jwk = certs.body["keys"][0].to_string();
    let hs = craft(
        &json!({"alg": "HS256", "typ": "at+jwt", "kid": kid}),
        &claims,
        &EncodingKey::from_secret(public_jwk.as_bytes()),
        Algorithm::HS256,
    );
    assert_401(&scim_get(&app, &t, &hs).await, "\"HS256\"");

    // A tampered payload or signature, and an unknown key id.
    let mut elevated = parts(&good).1;
    elevated["sub"] = json!("someone-else");
    assert_401(&scim_get(&app, &t, &with_claims(&good, &elevated)).await, "signature is invalid");
    let mut flipped = good.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    assert_401(&scim_get(&app, &t, &flipped).await, "");
    let unknown_kid = craft(&json!({"alg": "ES256", "typ": "at+jwt", "kid": "nope"}), &claims, &key, Algorithm::ES256);
    assert_401(&scim_get(&app, &t, &unknown_kid).await, "signing key is unknown");
    let no_kid = craft(&json!({"alg": "ES256", "typ": "at+jwt"}), &claims, &key, Algorithm::ES256);
    assert_401(&scim_get(&app, &t, &no_kid).await, "signing key is unknown");

    // Turning remote token authentication off stops even valid tokens.
    configure(&app, &t, |s| s.auth.remote_token_auth = false).await;
    assert_401(&scim_get(&app, &t, &good).await, "remote token authentication is off");

    // Rejections are logged without a credential.
    let log = app.log(&t).await;
    assert!(log.iter().filter(|e| e.status == 401).all(|e| e.credential_id.is_none()));
    assert!(log.iter().all(|e| !e.request_excerpt.as_deref().unwrap_or_default().contains(&good)));
}

#[tokio::test]
async fn another_tenants_token_is_refused() {
    let (app, _clock) = app().await;
    let (a, _, _) = oauth_tenant(&app, "alpha").await;
    let (b, b_client, b_secret) = oauth_tenant(&app, "beta").await;
    let b_token = access_token(&app, &b, &b_client, &b_secret).await;
    assert_eq!(scim_get(&app, &b, &b_token).await.status, StatusCode::OK);
    assert_401(&scim_get(&app, &a, &b_token).await, "issuer is not accepted");
    // Beta's key cannot sign for alpha either, even with alpha's issuer and audience.
    let (b_kid, b_key) = tenant_signing_key(&app, &b).await;
    let forged = craft(
        &json!({"alg": "ES256", "typ": "at+jwt", "kid": b_kid}),
        &own_claims(&a, &b_client),
        &b_key,
        Algorithm::ES256,
    );
    assert_401(&scim_get(&app, &a, &forged).await, "signing key is unknown");
    assert_eq!(app.user_count(&a).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Entra-issued tokens (Azure profile)

#[tokio::test]
async fn entra_tokens_of_the_configured_tenant_are_accepted() {
    let (app, _clock) = app().await;
    let (key, jwks, t) = entra_setup(&app, "contoso", "entra-key-1").await;

    // The token Entra sends when the Secret Token field is blank provisions a user.
    let token = entra_token(&key, &entra_claims(AZURE_TENANT));
    let created = app
        .scim_as("contoso", Some(&token), Method::POST, "/Users", Some(&entra_user("ada@contoso.test", "e-1")))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let log = app.log(&t).await;
    assert_eq!(log[0].credential_id.as_deref(), Some("azure:e7a6e1d0-8b59-4ac5-a8d1-5c2b2f0f9a11"));

    // A workload identity federation token (v2 issuer) with a configured audience.
    let mut wif = entra_claims(AZURE_TENANT);
    wif["iss"] = json!(format!("https://login.microsoftonline.com/{AZURE_TENANT}/v2.0"));
    wif["aud"] = json!("api://scimhub-contoso");
    wif["ver"] = json!("2.0");
    assert_401(&scim_get(&app, &t, &entra_token(&key, &wif)).await, "audience");
    configure(&app, &t, |s| {
        s.auth.azure_audiences = vec![ENTRA_AUDIENCE.to_owned(), "api://scimhub-contoso".to_owned()];
    })
    .await;
    assert_eq!(scim_get(&app, &t, &entra_token(&key, &wif)).await.status, StatusCode::OK);
    assert_eq!(scim_get(&app, &t, &token).await.status, StatusCode::OK);

    // Accepted subjects narrow who may call.
    configure(&app, &t, |s| s.auth.azure_subjects = vec!["some-other-app".to_owned()]).await;
    assert_401(&scim_get(&app, &t, &token).await, "subject");
    configure(&app, &t, |s| s.auth.azure_subjects = vec!["e7a6e1d0-8b59-4ac5-a8d1-5c2b2f0f9a11".to_owned()]).await;
    assert_eq!(scim_get(&app, &t, &token).await.status, StatusCode::OK);

    // The bearer secret keeps working beside Entra's tokens.
    assert_eq!(scim_get(&app, &t, &t.token).await.status, StatusCode::OK);
    assert_eq!(jwks.hits(), 1, "the key set was fetched once and cached");
}

#[tokio::test]
async fn wrong_or_forged_entra_tokens_are_refused() {
    let (app, _clock) = app().await;
    let (key, _jwks, t) = entra_setup(&app, "fabrikam", "entra-key-1").await;
    let claims = entra_claims(AZURE_TENANT);
    assert_eq!(scim_get(&app, &t, &entra_token(&key, &claims)).await.status, StatusCode::OK);

    let mut expired = claims.clone();
    expired["exp"] = json!(NOW - 120);
    assert_401(&scim_get(&app, &t, &entra_token(&key, &expired)).await, "expired");
    let mut early = claims.clone();
    early["nbf"] = json!(NOW + 3600);
    assert_401(&scim_get(&app, &t, &entra_token(&key, &early)).await, "not valid yet");
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("00000003-0000-0000-c000-000000000000");
    assert_401(&scim_get(&app, &t, &entra_token(&key, &wrong_aud)).await, "audience");
    // Another Entra tenant's token (even signed with a key we know) and a look-alike issuer.
    assert_401(&scim_get(&app, &t, &entra_token(&key, &entra_claims(OTHER_AZURE_TENANT))).await, "issuer");
    let mut lookalike = claims.clone();
    lookalike["iss"] = json!(format!("https://sts.windows.net.evil.test/{AZURE_TENANT}/"));
    assert_401(&scim_get(&app, &t, &entra_token(&key, &lookalike)).await, "issuer");

    // alg none; HS256 with the RSA public key (PEM, and the JWK) as the HMAC secret.
    assert_401(&scim_get(&app, &t, &unsigned(&claims)).await, "\"none\"");
    for secret in [key.public_pem.as_bytes(), key.jwk.to_string().as_bytes()] {
        let hs = craft(
            &json!({"typ": "JWT", "alg": "HS256", "kid": key.kid}),
            &claims,
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        );
        assert_401(&scim_get(&app, &t, &hs).await, "\"HS256\"");
    }
    // ES256 is not how Entra signs.
    let ec = scimhub::scim_tokens::keys::generate().unwrap();
    let es = craft(
        &json!({"typ": "JWT", "alg": "ES256", "kid": key.kid}),
        &claims,
        &EncodingKey::from_ec_pem(ec.private_key_pem.0.as_bytes()).unwrap(),
        Algorithm::ES256,
    );
    assert_401(&scim_get(&app, &t, &es).await, "\"ES256\"");

    // A tampered payload, and an attacker's key claiming the published kid.
    let good = entra_token(&key, &claims);
    let mut tampered = claims.clone();
    tampered["sub"] = json!("attacker");
    assert_401(&scim_get(&app, &t, &with_claims(&good, &tampered)).await, "signature is invalid");
    let attacker = entra_key("entra-key-1");
    assert_401(&scim_get(&app, &t, &entra_token(&attacker, &claims)).await, "signature is invalid");
    assert_401(
        &scim_get(&app, &t, &entra_token_with_kid(&key, "not-published", &claims)).await,
        "signing key is unknown",
    );

    // Entra tokens need the Azure profile and an Azure tenant id.
    configure(&app, &t, |s| s.profile = Profile::Generic).await;
    assert_401(&scim_get(&app, &t, &good).await, "issuer");
    let generic = app.tenant("generic", Profile::Generic).await;
    assert_401(&scim_get(&app, &generic, &good).await, "issuer");
}

#[tokio::test]
async fn entra_keys_are_cached_and_refetched_for_an_unknown_kid_at_most_once_a_minute() {
    let (app, clock) = app().await;
    let (first, jwks, t) = entra_setup(&app, "cache", "k1").await;
    let claims = entra_claims(AZURE_TENANT);

    assert_eq!(scim_get(&app, &t, &entra_token(&first, &claims)).await.status, StatusCode::OK);
    assert_eq!(scim_get(&app, &t, &entra_token(&first, &claims)).await.status, StatusCode::OK);
    assert_eq!(jwks.hits(), 1);

    // Entra rolls a new key over. Right after a fetch, an unknown kid does not refetch…
    let second = entra_key("k2");
    jwks.keys.lock().unwrap().push(second.jwk.clone());
    assert_401(&scim_get(&app, &t, &entra_token(&second, &claims)).await, "signing key is unknown");
    assert_eq!(jwks.hits(), 1);
    // …a minute later it does, once.
    clock.advance_ms(60_000);
    assert_eq!(scim_get(&app, &t, &entra_token(&second, &claims)).await.status, StatusCode::OK);
    assert_eq!(jwks.hits(), 2);

    // Made-up key ids cannot make scimhub hammer the key URL.
    let bogus = entra_token_with_kid(&first, "bogus", &claims);
    for _ in 0..5 {
        assert_401(&scim_get(&app, &t, &bogus).await, "signing key is unknown");
    }
    assert_eq!(jwks.hits(), 2);
    clock.advance_ms(60_000);
    for _ in 0..3 {
        assert_401(&scim_get(&app, &t, &bogus).await, "signing key is unknown");
    }
    assert_eq!(jwks.hits(), 3);

    // After the cache's lifetime the set is fetched again; when that fails, the keys fetched
    // before keep working.
    clock.advance_ms(scimhub::scim_tokens::remote_keys::TTL_MS);
    jwks.failing.store(true, Ordering::SeqCst);
    let mut later = claims.clone();
    later["exp"] = json!(clock_now(&app) / 1000 + 600);
    assert_eq!(scim_get(&app, &t, &entra_token(&first, &later)).await.status, StatusCode::OK);
    assert_eq!(jwks.hits(), 4);
    // A key Entra no longer publishes stops working at the next fetch.
    jwks.failing.store(false, Ordering::SeqCst);
    *jwks.keys.lock().unwrap() = vec![second.jwk.clone()];
    clock.advance_ms(60_000);
    assert_401(&scim_get(&app, &t, &entra_token(&first, &later)).await, "signing key is unknown");
    assert_eq!(jwks.hits(), 5);
}

#[tokio::test]
async fn unreachable_entra_keys_are_a_temporary_failure_until_they_can_be_fetched() {
    let (app, clock) = app().await;
    // A port reserved but not listening: connections to it are refused until it listens.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}/{AZURE_TENANT}/discovery/v2.0/keys", socket.local_addr().unwrap());
    let t = azure_tenant(&app, "down", &url).await;
    let key = entra_key("k1");
    let token = entra_token(&key, &entra_claims(AZURE_TENANT));

    // Every request gets 503 with Retry-After, never 401 (Entra quarantines a job after
    // repeated 401s): the first fetches and fails, the next ones wait for the next fetch.
    let mut retry_after = 0;
    for attempt in 1..=3 {
        let r = scim_get(&app, &t, &token).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "request {attempt}: {:?}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("signing keys cannot be fetched"), "{:?}", r.body);
        let header = r.headers.get(header::RETRY_AFTER).unwrap_or_else(|| panic!("request {attempt}: no Retry-After"));
        retry_after = header.to_str().unwrap().parse::<i64>().unwrap();
        assert!((1..=60).contains(&retry_after), "request {attempt}: Retry-After {retry_after}");
        clock.advance_ms(10_000);
    }
    assert_eq!(app.log(&t).await[0].credential_id, None);

    // The key URL comes up; once the client waited as told, the token is accepted.
    let jwks = JwksServer::serve(socket.listen(16).unwrap(), vec![key.jwk.clone()]);
    assert_eq!(jwks.url, url);
    assert_eq!(scim_get(&app, &t, &token).await.status, StatusCode::SERVICE_UNAVAILABLE, "before the retry time");
    assert_eq!(jwks.hits(), 0, "no fetch before the retry time");
    clock.advance_ms(retry_after * 1000);
    let r = scim_get(&app, &t, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(jwks.hits(), 1);
    // From a key set that was fetched, a kid it lacks is unknown: 401, no Retry-After.
    let r = scim_get(&app, &t, &entra_token_with_kid(&key, "not-published", &entra_claims(AZURE_TENANT))).await;
    assert_401(&r, "signing key is unknown");
    assert!(r.headers.get(header::RETRY_AFTER).is_none());
}

#[tokio::test]
async fn settings_round_trip_through_the_database() {
    let (app, _clock) = app().await;
    let t = app.tenant("settings", Profile::Generic).await;
    let fresh = tenant::by_name(&app.state.db, "settings").await.unwrap().unwrap();
    assert_eq!(fresh.auth, scimhub::tenant::AuthSettings::default());
    configure(&app, &t, |s| {
        s.profile = Profile::Azure;
        s.scim_enabled = false;
        s.auth.azure_tenant_id = Some(AZURE_TENANT.to_owned());
        s.auth.remote_token_auth = true;
        s.auth.token_ttl_secs = 900;
        s.auth.azure_audiences = vec!["a".into(), "b".into()];
        s.auth.azure_subjects = vec!["s".into()];
        s.auth.azure_jwks_url = Some("https://keys.example/jwks".into());
    })
    .await;
    let saved = tenant::by_name(&app.state.db, "settings").await.unwrap().unwrap();
    assert_eq!(saved.profile, Profile::Azure);
    assert!(!saved.scim_enabled);
    assert_eq!(saved.auth.azure_tenant_id.as_deref(), Some(AZURE_TENANT));
    assert!(saved.auth.remote_token_auth);
    assert_eq!(saved.auth.token_ttl_secs, 900);
    assert_eq!(saved.auth.azure_audiences, ["a", "b"]);
    assert_eq!(saved.auth.azure_subjects, ["s"]);
    assert_eq!(saved.auth.azure_jwks_url.as_deref(), Some("https://keys.example/jwks"));
    // A disabled endpoint refuses every credential with 403 before authentication.
    let r = scim_get(&app, &t, &t.token).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn service_provider_config_lists_the_schemes_the_tenant_accepts() {
    let app = TestApp::new().await;
    let t = app.tenant("schemes", Profile::Azure).await;
    let names = |r: &Reply| -> Vec<String> {
        r.body["authenticationSchemes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = app.scim(&t, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(names(&before), ["OAuth Bearer Token"]);
    configure(&app, &t, |s| {
        s.auth.remote_token_auth = true;
        s.auth.azure_tenant_id = Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into());
    })
    .await;
    let after = app.scim(&t, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(names(&after), ["OAuth Bearer Token", "OAuth 2.0 client credentials", "Microsoft Entra ID token"]);
    assert!(after.body["authenticationSchemes"][1]["description"]
        .as_str()
        .unwrap()
        .contains("/realms/schemes/protocol/openid-connect/token"));
}
