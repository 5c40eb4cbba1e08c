//! *Integrations → Applications*: its backend (`scimhub::admin::Backend`) as the server
//! functions call it — validation next to the field, rights per tenant, the signing secret shown
//! once and stored sealed, every change audited — and the page through the router.

use app::backend::OutboundBackend;
use app::dto::{application_fields as fields, AdminIdentity, ApplicationAction, NewApplication, SignInMethod};
use app::AppError;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use scimhub::admin::Backend;
use scimhub::db::audit;
use scimhub::tenant::Profile;

use crate::support::TestApp;

fn admin(tenants: &[&str], read_only: &[&str]) -> AdminIdentity {
    AdminIdentity {
        subject: "sub-olga".into(),
        email: Some("olga@example.test".into()),
        name: Some("Olga".into()),
        platform_admin: false,
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        read_only_tenants: read_only.iter().map(|t| (*t).to_owned()).collect(),
        claim_values: Vec::new(),
        via: SignInMethod::Oidc,
        read_only: false,
    }
}

fn scim_app(name: &str, url: &str) -> NewApplication {
    NewApplication {
        name: name.into(),
        kind: "scim".into(),
        url: url.into(),
        auth: "bearer".into(),
        secret: "downstream-token-123".into(),
        ..NewApplication::default()
    }
}

fn refused_field(result: Result<impl std::fmt::Debug, AppError>) -> (String, String) {
    match result {
        Err(AppError::InvalidField(field, message)) => (field, message),
        other => panic!("expected a refused field, got {other:?}"),
    }
}

#[tokio::test]
async fn applications_are_connected_checked_and_operated_per_tenant() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    app.tenant("other", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let olga = admin(&["acme"], &[]);

    // Refusals name their field, and nothing is stored.
    let bad_url = backend.add_application(&olga, None, "acme", scim_app("crm", "ftp://x/y")).await;
    assert_eq!(refused_field(bad_url).0, fields::URL);
    let mut no_secret = scim_app("crm", "https://crm.example/scim/v2");
    no_secret.secret = "  ".into();
    assert_eq!(refused_field(backend.add_application(&olga, None, "acme", no_secret).await).0, fields::SECRET);
    let mut no_group = scim_app("crm", "https://crm.example/scim/v2");
    no_group.groups = "Sales, Nobody".into();
    let (field, message) = refused_field(backend.add_application(&olga, None, "acme", no_group).await);
    assert_eq!((field.as_str(), message.contains("Sales")), (fields::GROUPS, true), "{message}");
    let mut oauth = scim_app("crm", "https://crm.example/scim/v2");
    oauth.auth = "oauth".into();
    oauth.user = "scimhub".into();
    oauth.token_url = "not a url".into();
    assert_eq!(refused_field(backend.add_application(&olga, None, "acme", oauth).await).0, fields::TOKEN_URL);
    let mut bad_event = NewApplication {
        name: "hooks".into(),
        kind: "webhook".into(),
        url: "https://h.example/in".into(),
        ..NewApplication::default()
    };
    bad_event.events = "user.created, user.exploded".into();
    assert_eq!(refused_field(backend.add_application(&olga, None, "acme", bad_event).await).0, fields::EVENTS);
    assert!(backend.applications(&olga, "acme").await.unwrap().applications.is_empty());

    // A SCIM application: its token is stored sealed, never shown.
    let added =
        backend.add_application(&olga, None, "acme", scim_app("crm", "https://crm.example/scim/v2")).await.unwrap();
    assert_eq!((added.name.as_str(), added.signing_secret), ("crm", None));
    let taken = backend.add_application(&olga, None, "acme", scim_app("crm", "https://crm.example/scim/v2")).await;
    assert_eq!(refused_field(taken).0, fields::NAME);
    // A webhook: its signing secret is in this answer only.
    let hook = NewApplication {
        name: "hooks".into(),
        kind: "webhook".into(),
        url: "https://h.example/in".into(),
        ..NewApplication::default()
    };
    let secret = backend.add_application(&olga, None, "acme", hook).await.unwrap().signing_secret.unwrap();
    assert!(secret.starts_with("whsec_"));
    let panel = backend.applications(&olga, "acme").await.unwrap();
    let listed = format!("{panel:?}");
    assert!(!listed.contains(&secret) && !listed.contains("downstream-token-123"), "{listed}");
    assert_eq!(panel.applications.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["crm", "hooks"]);
    assert!(panel.can_change && panel.applications.iter().all(|a| a.health() == "new" && a.backlog == 0));
    let stored: Vec<(String,)> =
        sqlx::query_as("select sealed_secret from outbound_app").fetch_all(app.state.db.reader()).await.unwrap();
    assert!(stored.iter().all(|(s,)| s.starts_with("v1.") && !s.contains("downstream-token") && !s.contains(&secret)));

    // A SCIM change now queues one event per application, committed with it.
    let created = app.scim(&t, axum::http::Method::POST, "/Users", Some(r#"{"userName":"zoe@example.com"}"#)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let panel = backend.applications(&olga, "acme").await.unwrap();
    assert!(panel.applications.iter().all(|a| a.backlog == 1 && a.oldest_pending_at.is_some()), "{panel:?}");

    // Actions: pause, sync, remove; each audited.
    let paused = backend.application_action(&olga, None, "acme", "crm", ApplicationAction::Pause).await.unwrap();
    assert!(paused.ok);
    let crm = backend.applications(&olga, "acme").await.unwrap().applications.remove(0);
    assert_eq!((crm.paused, crm.health()), (true, "paused"));
    let synced = backend.application_action(&olga, None, "acme", "crm", ApplicationAction::Sync).await.unwrap();
    assert_eq!(synced.message, "Queued 1 users and groups.");
    backend.application_action(&olga, None, "acme", "hooks", ApplicationAction::Remove).await.unwrap();
    let names: Vec<String> =
        backend.applications(&olga, "acme").await.unwrap().applications.into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["crm"]);
    let actions: Vec<String> =
        audit::page(&app.state.db, &t.id, None, 50).await.unwrap().into_iter().map(|e| e.entry.action).collect();
    for action in ["outbound_app.add", "outbound_app.pause", "outbound_app.sync", "outbound_app.remove"] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
    }
    let trail = format!("{:?}", audit::page(&app.state.db, &t.id, None, 50).await.unwrap());
    assert!(!trail.contains("downstream-token-123") && !trail.contains(&secret));

    // Rights: another tenant's administrator sees nothing; a read-only one may look, not change.
    let stranger = admin(&["other"], &[]);
    assert_eq!(backend.applications(&stranger, "acme").await.unwrap_err(), AppError::NotFound);
    let unknown = backend.application_action(&stranger, None, "acme", "crm", ApplicationAction::Remove).await;
    assert_eq!(unknown.unwrap_err(), AppError::NotFound);
    let reader = admin(&["acme"], &["acme"]);
    assert!(!backend.applications(&reader, "acme").await.unwrap().can_change);
    let refused = backend.add_application(&reader, None, "acme", scim_app("x", "https://x.example/scim")).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    let refused = backend.application_action(&reader, None, "acme", "crm", ApplicationAction::Resume).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    let missing = backend.application_action(&olga, None, "acme", "nope", ApplicationAction::Pause).await;
    assert_eq!(missing.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn the_applications_page_renders_behind_sign_in_with_the_integrations_tabs() {
    let app = TestApp::new().await;
    app.tenant("acme", Profile::Generic).await;
    let cookie = app.break_glass_session().await;
    let anonymous =
        app.send(Request::get("/tenants/acme/integrations/applications").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.headers[header::LOCATION], "/login?return_to=/tenants/acme/integrations/applications");
    let page = Request::get("/tenants/acme/integrations/applications").header(header::COOKIE, &cookie);
    let page = app.send(page.body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    for text in ["Integrations → Applications", "No applications yet", "Connect an application", "Webhook"] {
        assert!(html.contains(text), "{text} missing from the page");
    }
    // The Integrations section opens on its SCIM endpoint.
    // (What a browser sends: a redirect for a page, not for a server function's call.)
    let index =
        Request::get("/tenants/acme/integrations").header(header::COOKIE, &cookie).header(header::ACCEPT, "text/html");
    let index = app.send(index.body(Body::empty()).unwrap()).await;
    assert!(index.status.is_redirection(), "{}", index.status);
    assert_eq!(index.headers[header::LOCATION], "/tenants/acme/integrations/scim");
}

#[tokio::test]
async fn an_outbound_mapping_is_checked_saved_audited_and_previewed_with_mapper_attributes() {
    use app::backend::MappingBackend;
    use scim::mapping::{ClaimType, MapperSpec};

    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let olga = admin(&["acme"], &[]);
    let spec = MapperSpec::new(
        "dept",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ClaimType::String,
    );
    backend.save_mapper(&olga, None, "acme", None, spec).await.unwrap();
    backend.add_application(&olga, None, "acme", scim_app("crm", "https://crm.example/scim/v2")).await.unwrap();
    let body = r#"{"userName":"zoe@example.com","displayName":"Zoe",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Research"}}"#;
    let created = app.scim(&t, axum::http::Method::POST, "/Users", Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let panel = backend.applications(&olga, "acme").await.unwrap();
    assert_eq!(panel.mapper_attributes, ["dept"]);
    let defaults = panel.applications[0].mapping.clone().unwrap();
    assert!(defaults.starts_with("userName = scim:userName\n"), "{defaults}");

    // The preview follows the rules as typed, before they are saved; an unknown user or a bad
    // rule is refused at its field.
    let rules = "userName = userName\norganization = attribute:dept\nexternalId = id";
    let preview = backend.preview_application_user(&olga, "acme", "crm", "zoe@example.com", rules).await.unwrap();
    let preview: serde_json::Value = serde_json::from_str(&preview).unwrap();
    assert_eq!(
        (preview["organization"].as_str(), preview["userName"].as_str()),
        (Some("Research"), Some("zoe@example.com"))
    );
    assert!(preview.get("displayName").is_none(), "{preview}");
    let stored = backend.preview_application_user(&olga, "acme", "crm", "zoe@example.com", "").await.unwrap();
    assert!(stored.contains("\"displayName\": \"Zoe\"") && !stored.contains("organization"), "{stored}");
    let nobody = backend.preview_application_user(&olga, "acme", "crm", "nobody", "").await;
    assert_eq!(refused_field(nobody).0, fields::PREVIEW_USER);
    let typo = backend
        .preview_application_user(&olga, "acme", "crm", "zoe@example.com", "userName = userName\nx = attribute:dpt")
        .await;
    let (field, message) = refused_field(typo);
    assert_eq!(field, fields::MAPPING);
    assert!(message.contains("line 2") && message.contains("dept"), "{message}");

    // Saving checks the same way, stores nothing on a refusal, and queues everything to push again.
    let bad = backend.save_application_mapping(&olga, None, "acme", "crm", "title = title", false).await;
    assert_eq!(refused_field(bad).0, fields::MAPPING);
    let panel = backend.applications(&olga, "acme").await.unwrap();
    assert_eq!(panel.applications[0].mapping.as_deref(), Some(defaults.as_str()));
    let saved = backend.save_application_mapping(&olga, None, "acme", "crm", rules, false).await.unwrap();
    assert_eq!(saved.mapping, format!("{rules}\n"));
    assert!(saved.queued >= 1, "{saved:?}");
    let actions = format!("{:?}", audit::page(&app.state.db, &t.id, None, 50).await.unwrap());
    assert!(actions.contains("outbound_app.mapping") && actions.contains("attribute:dept"), "{actions}");
    let reset = backend.save_application_mapping(&olga, None, "acme", "crm", "", true).await.unwrap();
    assert_eq!(reset.mapping, defaults);

    // A webhook has no mapping; a read-only administrator may preview, not save.
    let hook = NewApplication {
        name: "hooks".into(),
        kind: "webhook".into(),
        url: "https://h.example/in".into(),
        ..NewApplication::default()
    };
    backend.add_application(&olga, None, "acme", hook).await.unwrap();
    assert!(backend.applications(&olga, "acme").await.unwrap().applications[1].mapping.is_none());
    let on_hook = backend.save_application_mapping(&olga, None, "acme", "hooks", rules, false).await;
    assert!(matches!(on_hook, Err(AppError::Invalid(_))), "{on_hook:?}");
    let reader = admin(&["acme"], &["acme"]);
    assert!(backend.preview_application_user(&reader, "acme", "crm", "zoe@example.com", "").await.is_ok());
    let refused = backend.save_application_mapping(&reader, None, "acme", "crm", rules, false).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
}
