//! The Integrations → SCIM panel (issue 4, item 1): its backend (`scimhub::admin::Backend`)
//! called as the server functions call it, and the server functions themselves through the
//! router with a break-glass session. Rights, validation, rotation and revocation as the SCIM
//! endpoint sees them, and the audit trail.

use std::net::SocketAddr;

use app::backend::AdminBackend;
use app::dto::{AdminIdentity, ScimSettings, SecretKind, SettingsUpdate, SignInMethod};
use app::AppError;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use leptos::server_fn::ServerFn;
use scimhub::admin::Backend;
use scimhub::db::audit;
use scimhub::db::tenant;
use scimhub::tenant::Profile;
use serde_json::Value;

use crate::support::{Reply, TestApp, TestClock, TestTenant};

const NOW_MS: i64 = 1_800_000_000_000;
const AZURE_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const FORM: &str = "application/x-www-form-urlencoded";

fn admin(platform_admin: bool, tenants: &[&str]) -> AdminIdentity {
    AdminIdentity {
        subject: "sub-alice".into(),
        email: Some("alice@example.test".into()),
        name: Some("Alice".into()),
        platform_admin,
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        read_only_tenants: Vec::new(),
        claim_values: Vec::new(),
        via: SignInMethod::Oidc,
        read_only: false,
    }
}

fn settings(enabled: bool, profile: &str, azure: Option<&str>, remote: bool) -> ScimSettings {
    ScimSettings {
        enabled,
        profile: profile.into(),
        azure_tenant_id: azure.map(str::to_owned),
        remote_token_auth: remote,
        link_users_by: "off".into(),
        required_attributes: Vec::new(),
    }
}

async fn scim_status(app: &TestApp, t: &TestTenant, token: &str) -> StatusCode {
    app.scim_as(&t.name, Some(token), Method::GET, "/Users", None).await.status
}

async fn audit_rows(app: &TestApp, t: &TestTenant) -> Vec<audit::AuditEntry> {
    audit::page(&app.state.db, &t.id, None, 100).await.unwrap()
}

async fn stored(app: &TestApp, t: &TestTenant) -> scimhub::tenant::Settings {
    tenant::by_name(&app.state.db, &t.name).await.unwrap().unwrap().settings()
}

#[tokio::test]
async fn every_panel_call_answers_not_found_without_the_right_to_the_tenant() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    app.tenant("other", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let before = stored(&app, &t).await;
    let good = settings(false, "azure", Some(AZURE_TENANT), true);

    // A tenant administrator of another tenant, and a platform administrator asking for a
    // tenant that does not exist, get the same answer: nothing reveals that "acme" exists.
    for (who, name) in [(admin(false, &["other"]), "acme"), (admin(true, &[]), "nowhere")] {
        let addr = Some("10.0.0.1".to_owned());
        assert_eq!(backend.scim_integration(&who, name).await, Err(AppError::NotFound));
        assert_eq!(backend.update_scim_settings(&who, addr.clone(), name, good.clone()).await, Err(AppError::NotFound));
        for kind in [SecretKind::Bearer, SecretKind::ClientSecret] {
            assert_eq!(
                backend.rotate_secret(&who, addr.clone(), name, kind, 0).await.map(|_| ()),
                Err(AppError::NotFound)
            );
            assert_eq!(backend.revoke_secrets(&who, addr.clone(), name, kind).await, Err(AppError::NotFound));
        }
    }

    // Nothing changed, and nothing was recorded.
    assert_eq!(stored(&app, &t).await, before);
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::OK, "the secret still works");
    let active = scimhub::db::credential::list_active(&app.state.db, &t.id, i64::MAX / 2).await.unwrap();
    assert_eq!(active.len(), 1);
    assert!(audit_rows(&app, &t).await.is_empty());

    // The tenant's own administrator gets the panel.
    let own = backend.scim_integration(&admin(false, &["acme"]), "acme").await.unwrap();
    assert_eq!(own.tenant, "acme");
    assert_eq!(own.scim_endpoint, "http://scimhub.test/realms/acme/scim/v2");
    assert_eq!(own.token_endpoint, "http://scimhub.test/realms/acme/protocol/openid-connect/token");
    assert_eq!(own.settings, settings(true, "generic", None, false));
    assert_eq!(own.credentials.len(), 1);
    assert_eq!(own.credentials[0].kind, SecretKind::Bearer);
    assert_eq!(own.credentials[0].hint, "scimhub_…");
    assert_eq!(own.client_id, None);
}

#[tokio::test]
async fn an_invalid_azure_tenant_id_is_refused_next_to_its_field_and_nothing_is_saved() {
    let app = TestApp::new().await;
    let t = app.tenant("contoso", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let who = admin(false, &["contoso"]);
    let before = stored(&app, &t).await;

    for bad in ["contoso.onmicrosoft.com", "{72f988bf-86f1-41af-91ab-2d7cd011db47}", "72f988bf86f141af91ab2d7cd011db47"]
    {
        let refused =
            backend.update_scim_settings(&who, None, "contoso", settings(false, "azure", Some(bad), true)).await;
        match refused {
            Err(AppError::InvalidField(field, message)) => {
                assert_eq!(field, ScimSettings::AZURE_TENANT_ID);
                assert!(message.contains("8-4-4-4-12") && message.contains("lower case"), "{message}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    // An unknown profile is refused at its own field.
    let profile = backend.update_scim_settings(&who, None, "contoso", settings(true, "okta", None, false)).await;
    assert!(matches!(&profile, Err(AppError::InvalidField(f, _)) if f == ScimSettings::PROFILE), "{profile:?}");

    // Nothing of the refused updates was saved: not even the fields that were valid.
    assert_eq!(stored(&app, &t).await, before);
    assert!(audit_rows(&app, &t).await.is_empty());

    // A good ID in upper case is stored in lower case, with the rest of the form.
    let saved = backend
        .update_scim_settings(&who, None, "contoso", settings(false, "azure", Some(&AZURE_TENANT.to_uppercase()), true))
        .await
        .unwrap();
    assert_eq!(saved, settings(false, "azure", Some(AZURE_TENANT), true));
    let now = stored(&app, &t).await;
    assert_eq!(now.profile, Profile::Azure);
    assert!(!now.scim_enabled && now.auth.remote_token_auth);
    assert_eq!(now.auth.azure_tenant_id.as_deref(), Some(AZURE_TENANT));
    assert_eq!(now.auth.token_ttl_secs, before.auth.token_ttl_secs, "settings the panel does not show stay");
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::FORBIDDEN, "the endpoint is disabled");

    // Saving the same settings again changes nothing and records nothing.
    backend.update_scim_settings(&who, None, "contoso", saved.clone()).await.unwrap();
    assert_eq!(audit_rows(&app, &t).await.len(), 1);

    // The ID is optional under the Azure profile, as at "Create tenant": only Entra-issued tokens
    // need it. An empty field removes it.
    let without = backend.update_scim_settings(&who, None, "contoso", settings(true, "azure", Some("  "), false)).await;
    assert_eq!(without, Ok(settings(true, "azure", None, false)));
    assert_eq!(stored(&app, &t).await.auth.azure_tenant_id, None);
}

#[tokio::test]
async fn the_grace_period_of_a_previous_secret_can_end_now() {
    let clock = TestClock::at(NOW_MS);
    let app = TestApp::with_clock(clock.clone()).await;
    let t = app.tenant("graceful", Profile::Generic).await;
    app.tenant("other", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let who = admin(false, &["graceful", "other"]);
    let previous = scimhub::db::credential::list_active(&app.state.db, &t.id, NOW_MS).await.unwrap()[0].id.clone();
    let current = backend.rotate_secret(&who, None, "graceful", SecretKind::Bearer, 86_400).await.unwrap();
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::OK, "in its grace period");

    // Only a secret in its grace period, of this tenant, can be ended; a refusal changes nothing.
    for (tenant, id) in [("graceful", current.credential_id.as_str()), ("other", &previous), ("graceful", "nope")] {
        assert_eq!(backend.end_grace(&who, None, tenant, id).await, Err(AppError::NotFound), "{tenant} {id}");
    }
    let mut reader = admin(false, &["graceful"]);
    reader.read_only_tenants = vec!["graceful".into()];
    assert_eq!(backend.end_grace(&reader, None, "graceful", &previous).await, Err(AppError::Forbidden));
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::OK);
    let before = audit_rows(&app, &t).await.len();

    // Ended: the previous secret is refused at once, the current one works, the trail says so.
    backend.end_grace(&who, None, "graceful", &previous).await.unwrap();
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_status(&app, &t, &current.secret).await, StatusCode::OK);
    let panel = backend.scim_integration(&who, "graceful").await.unwrap();
    assert_eq!(panel.credentials.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [current.credential_id.as_str()]);
    let rows = audit_rows(&app, &t).await;
    assert_eq!(rows.len(), before + 1);
    assert_eq!(rows[0].entry.action, "scim_secret.end_grace");
    assert_eq!(rows[0].entry.detail["credentialId"], previous.as_str());
    assert_eq!(backend.end_grace(&who, None, "graceful", &previous).await, Err(AppError::NotFound), "already ended");
}

#[tokio::test]
async fn rotation_ends_the_old_secret_at_once_or_after_the_grace_period() {
    let clock = TestClock::at(NOW_MS);
    let app = TestApp::with_clock(clock.clone()).await;
    let t = app.tenant("rotating", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let who = admin(true, &[]);

    // Without a grace period the old secret stops working at once.
    let first = backend.rotate_secret(&who, None, "rotating", SecretKind::Bearer, 0).await.unwrap();
    assert!(first.secret.starts_with("scimhub_") && first.secret.len() >= 40);
    assert_eq!((first.superseded, first.previous_valid_until.as_deref()), (1, None));
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_status(&app, &t, &first.secret).await, StatusCode::OK);

    // With one hour both work for that hour.
    clock.advance_ms(60_000);
    let second = backend.rotate_secret(&who, None, "rotating", SecretKind::Bearer, 3600).await.unwrap();
    assert_eq!(second.previous_valid_until.as_deref(), Some("2027-01-15T09:01:00Z"));
    assert_eq!(scim_status(&app, &t, &first.secret).await, StatusCode::OK);
    assert_eq!(scim_status(&app, &t, &second.secret).await, StatusCode::OK);
    let panel = backend.scim_integration(&who, "rotating").await.unwrap();
    assert_eq!(panel.credentials.len(), 2);
    assert_eq!(panel.credentials[0].id, second.credential_id);
    assert_eq!(panel.credentials[1].expires_at.as_deref(), Some("2027-01-15T09:01:00Z"));
    clock.advance_ms(3_600_000);
    assert_eq!(scim_status(&app, &t, &first.secret).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_status(&app, &t, &second.secret).await, StatusCode::OK);

    // Longer than 30 days is refused; revocation ends everything.
    let long = backend.rotate_secret(&who, None, "rotating", SecretKind::Bearer, 31 * 86_400).await;
    assert!(matches!(long, Err(AppError::InvalidField(ref f, _)) if f == "graceSecs"), "{long:?}");
    assert_eq!(scim_status(&app, &t, &second.secret).await, StatusCode::OK, "a refused rotation changes nothing");
    let third = backend.rotate_secret(&who, None, "rotating", SecretKind::Bearer, 86_400).await.unwrap();
    assert_eq!(backend.revoke_secrets(&who, None, "rotating", SecretKind::Bearer).await, Ok(2));
    for secret in [&second.secret, &third.secret] {
        assert_eq!(scim_status(&app, &t, secret).await, StatusCode::UNAUTHORIZED);
    }
    assert!(backend.scim_integration(&who, "rotating").await.unwrap().credentials.is_empty());

    // Client secrets: the client id stays, the secret works at the token endpoint.
    let on = settings(true, "generic", None, true);
    backend.update_scim_settings(&who, None, "rotating", on).await.unwrap();
    let client = backend.rotate_secret(&who, None, "rotating", SecretKind::ClientSecret, 0).await.unwrap();
    let client_id = client.client_id.clone().unwrap();
    assert!(client.secret.starts_with("scimhub_cs_"));
    let token = token_request(&app, "rotating", &client_id, &client.secret).await;
    assert_eq!(token.status, StatusCode::OK, "{:?}", token.body);
    let next = backend.rotate_secret(&who, None, "rotating", SecretKind::ClientSecret, 0).await.unwrap();
    assert_eq!(next.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(token_request(&app, "rotating", &client_id, &client.secret).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(token_request(&app, "rotating", &client_id, &next.secret).await.status, StatusCode::OK);
    let panel = backend.scim_integration(&who, "rotating").await.unwrap();
    assert_eq!(panel.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(panel.credentials.iter().map(|c| c.hint.as_str()).collect::<Vec<_>>(), ["scimhub_cs_…"]);
    assert_eq!(backend.revoke_secrets(&who, None, "rotating", SecretKind::ClientSecret).await, Ok(1));
    assert_eq!(token_request(&app, "rotating", &client_id, &next.secret).await.status, StatusCode::UNAUTHORIZED);
}

async fn token_request(app: &TestApp, tenant: &str, client_id: &str, secret: &str) -> Reply {
    let body = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    let request = Request::post(format!("/realms/{tenant}/protocol/openid-connect/token"))
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn the_audit_trail_records_who_changed_what_and_never_a_secret() {
    let app = TestApp::with_clock(TestClock::at(NOW_MS)).await;
    let t = app.tenant("audited", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let who = admin(false, &["audited"]);
    let addr = || Some("192.0.2.7".to_owned());

    backend
        .update_scim_settings(&who, addr(), "audited", settings(true, "azure", Some(AZURE_TENANT), true))
        .await
        .unwrap();
    let bearer = backend.rotate_secret(&who, addr(), "audited", SecretKind::Bearer, 3600).await.unwrap();
    let client = backend.rotate_secret(&who, addr(), "audited", SecretKind::ClientSecret, 0).await.unwrap();
    backend.revoke_secrets(&who, addr(), "audited", SecretKind::Bearer).await.unwrap();
    backend.revoke_secrets(&who, None, "audited", SecretKind::ClientSecret).await.unwrap();

    let rows = audit_rows(&app, &t).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "client_secret.revoke",
            "scim_secret.revoke",
            "client_secret.rotate",
            "scim_secret.rotate",
            "scim_settings.update"
        ]
    );
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    for row in &rows {
        let e = &row.entry;
        assert_eq!(e.tenant_id.as_deref(), Some(t.id.as_str()));
        assert_eq!((e.actor_subject.as_str(), e.actor_label.as_str()), ("sub-alice", "alice@example.test"));
        assert_eq!(e.occurred_at, NOW_MS);
        let text = e.detail.to_string();
        for secret in [&bearer.secret, &client.secret, &t.token] {
            assert!(!text.contains(secret.as_str()), "a secret in the audit trail: {text}");
        }
        assert!(!text.contains("scimhub_"), "not even a secret's prefix: {text}");
    }
    assert_eq!(rows[0].entry.client_addr, None);
    assert_eq!(rows[1].entry.client_addr.as_deref(), Some("192.0.2.7"));
    let update = &rows[4].entry.detail["changes"];
    assert_eq!(update["profile"], serde_json::json!({ "from": "generic", "to": "azure" }));
    assert_eq!(update["azureTenantId"]["to"], AZURE_TENANT);
    assert!(update.get("enabled").is_none(), "only what changed");
    assert_eq!(rows[3].entry.detail["graceSecs"], 3600);
    assert_eq!(rows[3].entry.detail["credentialId"], bearer.credential_id.as_str());
    assert_eq!(rows[2].entry.detail["clientId"], client.client_id.clone().unwrap().as_str());

    // The panel shows them in words.
    let panel = backend.scim_integration(&who, "audited").await.unwrap();
    let summaries: Vec<&str> = panel.audit.iter().map(|r| r.summary.as_str()).collect();
    assert_eq!(summaries[0], "Revoked 1 client secret(s)");
    assert_eq!(summaries[1], "Revoked 2 SCIM secret token(s)", "the new one and the one in its grace period");
    assert!(summaries[2].starts_with("Generated a new client secret for scimhub-"), "{}", summaries[2]);
    assert_eq!(summaries[3], "Generated a new SCIM secret token; the previous one works for 1 hour more");
    assert_eq!(
        summaries[4],
        format!(
            "Updated the SCIM settings: profile Generic → Azure; Azure tenant ID set to {AZURE_TENANT}; \
             remote token authentication on"
        )
    );
    assert!(panel.audit.iter().all(|r| r.actor == "alice@example.test" && r.time == "2027-01-15T08:00:00Z"));
    let shown = serde_json::to_string(&panel).unwrap();
    assert!(!shown.contains(&bearer.secret) && !shown.contains(&client.secret));

    // Append-only: the database refuses to rewrite or erase the trail.
    let pool = app.state.db.writer();
    assert!(sqlx::query("update admin_audit set action = 'x'").execute(pool).await.is_err());
    assert!(sqlx::query("delete from admin_audit").execute(pool).await.is_err());
    assert_eq!(audit_rows(&app, &t).await.len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Through the router, as the browser calls it

/// Calls a server function as the hydrated page does: a form-encoded POST to its URL.
async fn call<F: ServerFn>(app: &TestApp, cookie: Option<&str>, body: &str) -> Reply {
    let mut request = Request::post(F::PATH).header(header::CONTENT_TYPE, FORM);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let mut request = request.body(Body::from(body.to_owned())).unwrap();
    request.extensions_mut().insert(ConnectInfo::<SocketAddr>("198.51.100.4:50000".parse().unwrap()));
    app.send(request).await
}

#[tokio::test]
async fn the_panel_and_its_server_functions_work_through_the_router() {
    use app::api::{GetScimIntegration, RevokeScimSecret, RotateScimSecret, UpdateScimSettings};

    let app = TestApp::new().await;
    let t = app.tenant("routed", Profile::Generic).await;
    let cookie = app.break_glass_session().await;

    // The page: behind the sign-in guard, then rendered on the server.
    let anonymous = app.send(Request::get("/tenants/routed/integrations/scim").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.headers[header::LOCATION], "/login?return_to=/tenants/routed/integrations/scim");
    let page = app
        .send(
            Request::get("/tenants/routed/integrations/scim")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    for text in
        ["Integrations → SCIM", "Enable endpoint", "Azure tenant ID", "http://scimhub.test/realms/routed/scim/v2"]
    {
        assert!(html.contains(text), "{text} missing from the page");
    }
    assert!(!html.contains(&t.token));

    // Without a session the server functions refuse.
    let refused = call::<GetScimIntegration>(&app, None, "tenant=routed").await;
    assert!(!refused.status.is_success());
    assert_eq!(serde_json::from_value::<AppError>(refused.body).unwrap(), AppError::Unauthenticated);

    let panel = call::<GetScimIntegration>(&app, Some(&cookie), "tenant=routed").await;
    assert_eq!(panel.status, StatusCode::OK, "{:?}", panel.body);
    assert_eq!(panel.body["settings"]["profile"], "generic");
    assert_eq!(panel.body["credentials"][0]["kind"], "bearer");

    let body = "tenant=routed&enabled=true&profile=azure&azure_tenant_id=not-a-guid&remote_token_auth=false\
                &link_users_by=off&required_attributes=";
    // A refused field is an answer (200), not an HTTP error the browser would log.
    let invalid = call::<UpdateScimSettings>(&app, Some(&cookie), body).await;
    assert_eq!(invalid.status, StatusCode::OK);
    let answer: SettingsUpdate = serde_json::from_value(invalid.body).unwrap();
    assert!(matches!(answer, SettingsUpdate::Refused { ref field, .. } if field == "azureTenantId"), "{answer:?}");
    let body = "tenant=routed&enabled=true&profile=azure&azure_tenant_id=72F988BF-86F1-41AF-91AB-2D7CD011DB47\
                &remote_token_auth=false&link_users_by=off&required_attributes=";
    let saved: SettingsUpdate =
        serde_json::from_value(call::<UpdateScimSettings>(&app, Some(&cookie), body).await.body).unwrap();
    assert_eq!(saved, SettingsUpdate::Saved(settings(true, "azure", Some(AZURE_TENANT), false)));

    let rotated = call::<RotateScimSecret>(&app, Some(&cookie), "tenant=routed&grace_secs=0").await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(scim_status(&app, &t, &secret).await, StatusCode::OK);
    assert_eq!(scim_status(&app, &t, &t.token).await, StatusCode::UNAUTHORIZED);

    let revoked = call::<RevokeScimSecret>(&app, Some(&cookie), "tenant=routed").await;
    assert_eq!(revoked.body, Value::from(1));
    assert_eq!(scim_status(&app, &t, &secret).await, StatusCode::UNAUTHORIZED);

    // The trail names the break-glass administrator and the address the requests came from.
    let rows = audit_rows(&app, &t).await;
    assert_eq!(rows.len(), 3);
    assert!(rows
        .iter()
        .all(|r| r.entry.actor_subject == "break-glass" && r.entry.client_addr.as_deref() == Some("198.51.100.4")));
    let panel = call::<GetScimIntegration>(&app, Some(&cookie), "tenant=routed").await;
    assert!(!panel.body.to_string().contains(&secret), "the secret is never sent again");
}

#[tokio::test]
async fn reset_directory_needs_the_exact_name_and_keeps_settings_and_credentials() {
    let app = TestApp::new().await;
    let t = app.tenant("Reset-Me", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    for name in ["u1", "u2"] {
        let r = app.scim(&t, Method::POST, "/Users", Some(&serde_json::json!({"userName": name}).to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let group = serde_json::json!({"displayName": "G"}).to_string();
    assert_eq!(app.scim(&t, Method::POST, "/Groups", Some(&group)).await.status, StatusCode::CREATED);

    // Without the right to the tenant: not found, nothing deleted.
    let stranger = admin(false, &["other"]);
    assert_eq!(backend.reset_directory(&stranger, None, "Reset-Me", "Reset-Me").await, Err(AppError::NotFound));
    // The wrong (here: wrongly cased) name: refused at the field, nothing deleted.
    let alice = admin(true, &[]);
    let refused = backend.reset_directory(&alice, None, "Reset-Me", "reset-me").await.unwrap_err();
    assert!(matches!(refused, AppError::InvalidField(ref field, _) if field == "confirmation"), "{refused:?}");
    assert_eq!(app.user_count(&t).await, 2);

    let done = backend.reset_directory(&alice, Some("203.0.113.7".into()), "Reset-Me", "Reset-Me").await.unwrap();
    assert_eq!((done.users, done.groups), (2, 1));
    assert_eq!(app.user_count(&t).await, 0);
    let groups = app.scim(&t, Method::GET, "/Groups", None).await;
    assert_eq!(groups.body["totalResults"], 0, "the same secret still works: credentials stay");
    let rows = audit_rows(&app, &t).await;
    assert_eq!(rows[0].entry.action, "directory.reset");
    assert_eq!(rows[0].entry.client_addr.as_deref(), Some("203.0.113.7"));
}
