//! Issue 8: tenant management — disable (SCIM and token endpoints answer 403, data kept),
//! enable, delete with the exact name (everything goes, the audit trail stays), display names,
//! search and pagination for hundreds of tenants, break-glass sign-ins on the platform overview.

use app::backend::{AdminBackend, ManagementBackend};
use app::dto::{tenant_fields, AdminIdentity, FormOutcome, SignInMethod, TENANT_PAGE_SIZE};
use app::AppError;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use scimhub::admin::Backend;
use scimhub::db::audit::{self, AuditFilter};
use scimhub::db::credential::{self, Kind};
use scimhub::db::tenant;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;

use crate::support::{entra_user, TestApp, TestTenant};

fn platform_admin() -> AdminIdentity {
    let mut who = AdminIdentity::new("sub-plat".into(), Some("plat@msp.test".into()), None, SignInMethod::Oidc);
    who.platform_admin = true;
    who
}

/// A client secret of the tenant, with remote token authentication on; (client id, secret).
async fn client_secret(app: &TestApp, t: &TestTenant) -> (String, String) {
    let stored = tenant::by_name(&app.state.db, &t.name).await.unwrap().unwrap();
    let mut settings = stored.settings();
    settings.auth.remote_token_auth = true;
    tenant::update_settings(&app.state.db, &t.id, &settings, 0).await.unwrap();
    let secret = Secret::generate("scimhub_cs_");
    let rotated = credential::rotate(&app.state.db, &t.id, Kind::ClientSecret, &secret.hash(), 0, 0).await.unwrap();
    (rotated.client_id.unwrap(), secret.expose().to_owned())
}

async fn token_status(app: &TestApp, tenant: &str, client: &(String, String)) -> (StatusCode, serde_json::Value) {
    let basic = format!("Basic {}", STANDARD.encode(format!("{}:{}", client.0, client.1)));
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/realms/{tenant}/protocol/openid-connect/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, basic)
        .body(Body::from("grant_type=client_credentials"))
        .unwrap();
    let r = app.send(request).await;
    (r.status, r.body)
}

#[tokio::test]
async fn a_disabled_tenant_answers_403_on_both_endpoints_and_keeps_its_data() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let client = client_secret(&app, &t).await;
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("ada@acme.test", "ext-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();

    let summary = backend.set_tenant_disabled(&admin, Some("10.0.0.9".into()), "acme", true).await.unwrap();
    assert!(summary.disabled);
    let refused = app.scim(&t, Method::GET, "/Users", None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body["detail"].as_str().unwrap().contains("disabled by a platform administrator"));
    let write = app.scim(&t, Method::POST, "/Users", Some(&entra_user("bob@acme.test", "ext-2"))).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    let (status, body) = token_status(&app, "acme", &client).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "unauthorized_client");
    // A wrong secret is still a 401: only the tenant's own clients learn it is disabled.
    let wrong = app.scim_as("acme", Some("scimhub_wrong"), Method::GET, "/Users", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.user_count(&t).await, 1, "the data is kept, nothing was written");

    backend.set_tenant_disabled(&admin, None, "acme", false).await.unwrap();
    assert_eq!(app.scim(&t, Method::GET, "/Users", None).await.status, StatusCode::OK);
    assert_eq!(token_status(&app, "acme", &client).await.0, StatusCode::OK);

    let trail = audit::page(&app.state.db, &t.id, None, 10).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["tenant.enable", "tenant.disable"]);
    assert_eq!(trail[1].entry.client_addr.as_deref(), Some("10.0.0.9"));
    assert_eq!(trail[1].entry.actor_label, "plat@msp.test");
}

#[tokio::test]
async fn deleting_needs_the_exact_name_and_removes_everything_but_the_audit_trail() {
    let app = TestApp::new().await;
    let t = app.tenant("Acme", Profile::Generic).await;
    app.scim(&t, Method::POST, "/Users", Some(&entra_user("ada@acme.test", "ext-1"))).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();

    for wrong in ["acme", "Acme ", ""] {
        let refused = backend.delete_tenant(&admin, None, "Acme", wrong).await;
        match refused {
            Err(AppError::InvalidField(field, message)) => {
                assert_eq!(field, tenant_fields::CONFIRM);
                assert!(message.contains("\"Acme\""), "{message}");
            }
            other => panic!("{wrong:?}: {other:?}"),
        }
    }
    assert_eq!(app.user_count(&t).await, 1);

    backend.delete_tenant(&admin, None, "Acme", "Acme").await.unwrap();
    assert!(tenant::by_name(&app.state.db, "Acme").await.unwrap().is_none());
    assert_eq!(app.user_count(&t).await, 0);
    assert!(credential::list_active(&app.state.db, &t.id, 0).await.unwrap().is_empty());
    let gone = app.scim(&t, Method::GET, "/Users", None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "a deleted tenant answers as an unknown one");
    // The trail outlives the tenant, and names it.
    let filter = AuditFilter { tenant_id: Some(&t.id), ..AuditFilter::default() };
    let trail = audit::search(&app.state.db, &filter, 10).await.unwrap();
    assert_eq!(trail[0].entry.action, "tenant.delete");
    assert_eq!(trail[0].entry.detail["users"], 1);
    let page = backend.audit_page(&admin, None, "delete", None).await.unwrap();
    assert!(page.rows[0].summary.contains("Deleted the tenant \"Acme\""), "{:?}", page.rows);
    // The name can be used again.
    let again = backend.create_tenant(&admin, None, "Acme", "Acme again", "azure").await.unwrap();
    assert_eq!((again.display_name.as_str(), again.profile.as_str()), ("Acme again", "azure"));
}

#[tokio::test]
async fn tenants_are_created_renamed_and_validated_field_by_field() {
    let app = TestApp::new().await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    let refused = |r: Result<_, AppError>| match FormOutcome::of(r) {
        Ok(FormOutcome::Refused { field, message }) => (field, message),
        other => panic!("{other:?}"),
    };
    let (field, _) = refused(backend.create_tenant(&admin, None, "acme corp", "", "generic").await);
    assert_eq!(field, tenant_fields::NAME);
    let (field, _) = refused(backend.create_tenant(&admin, None, "acme", "", "okta").await);
    assert_eq!(field, tenant_fields::PROFILE);
    let (field, _) = refused(backend.create_tenant(&admin, None, "acme", &"x".repeat(201), "generic").await);
    assert_eq!(field, tenant_fields::DISPLAY_NAME);
    let created = backend.create_tenant(&admin, None, "acme", "", "generic").await.unwrap();
    assert_eq!(created.display_name, "acme", "the display name defaults to the name");
    let (field, message) = refused(backend.create_tenant(&admin, None, "acme", "", "generic").await);
    assert_eq!((field.as_str(), message.contains("already exists")), (tenant_fields::NAME, true));
    assert!(backend.create_tenant(&admin, None, "ACME", "", "generic").await.is_ok(), "names are case-sensitive");

    let renamed = backend.rename_tenant(&admin, None, "acme", "Acme Corporation").await.unwrap();
    assert_eq!(renamed.display_name, "Acme Corporation");
    let (field, _) = refused(backend.rename_tenant(&admin, None, "acme", "  ").await);
    assert_eq!(field, tenant_fields::DISPLAY_NAME);
    let page = backend.audit_page(&admin, Some("acme"), "", None).await.unwrap();
    let summaries: Vec<&str> = page.rows.iter().map(|r| r.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Renamed the display name from \"acme\" to \"Acme Corporation\"",
            "Created the tenant \"acme\" (acme, Generic profile)"
        ]
    );
}

#[tokio::test]
async fn two_hundred_tenants_are_searched_and_paginated() {
    let app = TestApp::new().await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    for i in 0..200 {
        let region = if i % 2 == 0 { "EU" } else { "US" };
        let name = format!("customer-{i:03}");
        backend.create_tenant(&admin, None, &name, &format!("Customer {i} ({region})"), "generic").await.unwrap();
    }
    let first = backend.tenant_page(&admin, "", 0).await.unwrap();
    assert_eq!((first.total, first.rows.len() as u64), (200, TENANT_PAGE_SIZE));
    assert_eq!(first.rows[0].name, "customer-000");
    let last = backend.tenant_page(&admin, "", 175).await.unwrap();
    assert_eq!(last.rows.last().unwrap().name, "customer-199");
    // By display name, case-insensitively; `_` and `%` are literal.
    let eu = backend.tenant_page(&admin, "(eu)", 0).await.unwrap();
    assert_eq!(eu.total, 100);
    let one = backend.tenant_page(&admin, "customer-042", 0).await.unwrap();
    assert_eq!((one.total, one.rows[0].display_name.as_str()), (1, "Customer 42 (EU)"));
    assert_eq!(backend.tenant_page(&admin, "%", 0).await.unwrap().total, 0);
    assert_eq!(backend.tenant_page(&admin, "customer_0", 0).await.unwrap().total, 0);
}

#[tokio::test]
async fn break_glass_sign_ins_are_audited_and_shown_on_the_platform_overview() {
    let app = TestApp::new().await;
    let url = scimhub::admin_sign_in::login_link::create(&app.state.db, app.state.clock.as_ref(), "").await.unwrap();
    let signed_in = app.send(Request::builder().uri(url).body(Body::empty()).unwrap()).await;
    assert!(signed_in.status.is_redirection());
    let backend = Backend::new(app.state.clone());
    let overview = backend.platform_overview(&platform_admin()).await.unwrap();
    assert_eq!(overview.break_glass.len(), 1);
    assert_eq!(overview.break_glass[0].action, "admin.break_glass");
    assert_eq!(overview.break_glass[0].actor, "Break-glass administrator");
    assert_eq!(overview.break_glass[0].tenant, None);
}

/// Runs the CLI on `database_url`; returns its stdout, failing the test on a non-zero exit.
fn cli(database_url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimhub"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("USER", "ops-bob")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "scimhub {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_cli_manages_tenants_and_rights_and_every_change_is_audited() {
    let database_url = crate::support::fresh_database_url().await;
    cli(&database_url, &["tenant", "create", "acme", "--display-name", "Acme Corp"]);
    cli(&database_url, &["secret", "rotate", "acme"]);
    cli(&database_url, &["tenant", "configure", "acme", "--disable"]);
    cli(&database_url, &["admin", "grant", "--tenant", "acme", "--email", "IT@Acme.test", "--read-only"]);
    cli(&database_url, &["admin", "grant", "--platform", "--claim", "msp-admins"]);
    let listed = cli(&database_url, &["admin", "list"]);
    assert!(listed.contains("(platform)") && listed.contains("msp-admins"), "{listed}");
    assert!(listed.contains("it@acme.test") && listed.contains("read-only"), "{listed}");
    cli(&database_url, &["tenant", "disable", "acme"]);
    let tenants = cli(&database_url, &["tenant", "list"]);
    assert!(tenants.contains("disabled") && tenants.contains("Acme Corp"), "{tenants}");
    cli(&database_url, &["admin", "revoke", "--tenant", "acme", "--email", "it@acme.test"]);

    let db = scimhub::db::Db::connect(&database_url).await.unwrap();
    let acme = tenant::by_name(&db, "acme").await.unwrap().unwrap();
    assert!(acme.disabled_at.is_some() && !acme.scim_enabled);
    let trail = audit::page(&db, &acme.id, None, 20).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "admin.revoke",
            "tenant.disable",
            "admin.grant",
            "scim_settings.update",
            "scim_secret.rotate",
            "tenant.create"
        ]
    );
    assert!(trail.iter().all(|e| e.entry.actor_label == "cli:ops-bob"));
    let platform =
        audit::search(&db, &AuditFilter { actions: &["admin.grant"], ..AuditFilter::default() }, 10).await.unwrap();
    assert!(platform.iter().any(|e| e.entry.tenant_id.is_none() && e.entry.detail["principal"] == "msp-admins"));

    // Refusals change nothing.
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_scimhub"))
        .args(["tenant", "delete", "acme", "--confirm", "ACME"])
        .env("DATABASE_URL", &database_url)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("exact name"));
    assert!(tenant::by_name(&db, "acme").await.unwrap().is_some());
    cli(&database_url, &["tenant", "delete", "acme", "--confirm", "acme"]);
    assert!(tenant::by_name(&db, "acme").await.unwrap().is_none());
}

#[tokio::test]
async fn the_overview_counts_users_groups_requests_and_errors() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let ada = app.scim(&t, Method::POST, "/Users", Some(&entra_user("ada@acme.test", "ext-1"))).await;
    app.scim(&t, Method::POST, "/Users", Some(&entra_user("bob@acme.test", "ext-2"))).await;
    let id = ada.body["id"].as_str().unwrap();
    let deactivate = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "active", "value": false }]
    });
    app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&deactivate.to_string())).await;
    let group = serde_json::json!({ "displayName": "Staff", "members": [{ "value": id }] });
    app.scim(&t, Method::POST, "/Groups", Some(&group.to_string())).await;
    let conflict = app.scim(&t, Method::POST, "/Users", Some(&entra_user("ADA@acme.test", "ext-3"))).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);

    let backend = Backend::new(app.state.clone());
    let o = backend.tenant_overview(&platform_admin(), "acme").await.unwrap();
    assert_eq!((o.users, o.active, o.groups), (2, 1, 1));
    assert_eq!((o.requests_24h, o.errors_24h), (5, 1), "every request, reads included, and the one error");
    assert!(o.last_request_at.is_some());
}
