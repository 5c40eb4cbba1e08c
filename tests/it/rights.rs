//! Issue 8: the rights matrix — platform administrator, tenant administrator, read-only tenant
//! administrator and an identity without rights — over every backend method the server
//! functions call, with the rights decided from grants in the database (`scimhub::rights`).

use app::backend::{AdminBackend, DirectoryBackend, LogBackend, ManagementBackend, MappingBackend, OperationsBackend};
use app::dto::{
    AdminIdentity, ChartRange, DirectoryQuery, FormOutcome, LogQuery, PageAt, ScimSettings, SecretKind, SignInMethod,
};
use app::AppError;
use scimhub::admin::Backend;
use scimhub::config::OidcConfig;
use scimhub::db::grant::{self, Principal};
use scimhub::tenant::Profile;

use crate::support::TestApp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Platform,
    TenantAdmin,
    ReadOnly,
    Nobody,
}

const ROLES: [Role; 4] = [Role::Platform, Role::TenantAdmin, Role::ReadOnly, Role::Nobody];

/// What a call is expected to answer: `Ok`, or the error.
type Expect = Result<(), AppError>;

fn identity(role: Role) -> AdminIdentity {
    let (subject, email) = match role {
        Role::Platform => ("sub-plat", "plat@msp.test"),
        Role::TenantAdmin => ("sub-ta", "it@acme.test"),
        Role::ReadOnly => ("sub-ro", "auditor@acme.test"),
        Role::Nobody => ("sub-nobody", "nobody@acme.test"),
    };
    let mut who = AdminIdentity::new(subject.into(), Some(email.into()), None, SignInMethod::Oidc);
    if role == Role::ReadOnly {
        who.claim_values = vec!["acme-auditors".into()];
    }
    who
}

/// An app with tenants `acme` and `globex`, and the grants: platform by email, acme's
/// administrator by subject, acme's read-only auditors by claim value.
async fn setup() -> (TestApp, Backend) {
    let app = TestApp::new().await;
    let acme = app.tenant("acme", Profile::Generic).await;
    app.tenant("globex", Profile::Generic).await;
    let db = &app.state.db;
    grant::put(db, None, &Principal::Email("plat@msp.test".into()), false, 1, "test").await.unwrap();
    grant::put(db, Some(&acme.id), &Principal::Subject("sub-ta".into()), false, 1, "test").await.unwrap();
    grant::put(db, Some(&acme.id), &Principal::Claim("acme-auditors".into()), true, 1, "test").await.unwrap();
    let backend = Backend::new(app.state.clone());
    (app, backend)
}

async fn resolved(app: &TestApp, role: Role) -> AdminIdentity {
    scimhub::rights::resolve(&app.state.db, &OidcConfig::default(), identity(role)).await.unwrap()
}

fn unit<T>(r: Result<T, AppError>) -> Expect {
    r.map(|_| ())
}

/// A form call: a refusal counts as reaching the backend's validation (`Ok`).
fn form<T>(r: Result<T, AppError>) -> Expect {
    match FormOutcome::of(r) {
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}

fn settings() -> ScimSettings {
    ScimSettings {
        enabled: true,
        profile: "generic".into(),
        azure_tenant_id: None,
        remote_token_auth: false,
        link_users_by: "off".into(),
        required_attributes: Vec::new(),
    }
}

/// A mapper each role tries to add (distinct names, so a success does not refuse the next).
fn mapper_spec(role: Role) -> scim::mapping::MapperSpec {
    scim::mapping::MapperSpec {
        name: format!("given-{role:?}"),
        ..scim::mapping::MapperSpec::new(&format!("given{role:?}"), "name.givenName", scim::mapping::ClaimType::String)
    }
}

/// Expected answers on `acme` by kind of call.
fn on_acme(role: Role, kind: &str) -> Expect {
    match (kind, role) {
        (_, Role::Platform) => Ok(()),
        (_, Role::Nobody) => Err(AppError::NotFound),
        ("read", _) => Ok(()),
        ("change", Role::TenantAdmin) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

#[tokio::test]
async fn rights_come_from_grants_and_configuration() {
    let (app, _) = setup().await;
    let platform = resolved(&app, Role::Platform).await;
    assert!(platform.platform_admin);
    let ta = resolved(&app, Role::TenantAdmin).await;
    assert!(!ta.platform_admin && ta.tenants == ["acme"] && ta.read_only_tenants.is_empty());
    let ro = resolved(&app, Role::ReadOnly).await;
    assert_eq!(
        (ro.tenants.as_slice(), ro.read_only_tenants.as_slice()),
        (&["acme".to_owned()][..], &["acme".to_owned()][..])
    );
    assert!(ro.can_access("acme") && !ro.can_change("acme") && !ro.can_access("globex"));
    let nobody = resolved(&app, Role::Nobody).await;
    assert!(!scimhub::rights::has_any_right(&nobody));

    // The configuration makes platform administrators by email or claim value.
    let config = OidcConfig {
        admin_emails: vec!["Nobody@Acme.test".into()],
        admin_claim: Some("groups".into()),
        admin_claim_value: Some("msp-admins".into()),
        ..OidcConfig::default()
    };
    assert!(scimhub::rights::resolve(&app.state.db, &config, identity(Role::Nobody)).await.unwrap().platform_admin);
    let mut by_claim = identity(Role::TenantAdmin);
    by_claim.claim_values = vec!["msp-admins".into()];
    assert!(scimhub::rights::resolve(&app.state.db, &config, by_claim).await.unwrap().platform_admin);

    // A writable grant beats a read-only one for the same tenant; a revocation applies at once.
    let acme = scimhub::db::tenant::by_name(&app.state.db, "acme").await.unwrap().unwrap();
    let db = &app.state.db;
    grant::put(db, Some(&acme.id), &Principal::Email("auditor@acme.test".into()), false, 2, "t").await.unwrap();
    assert!(resolved(&app, Role::ReadOnly).await.can_change("acme"));
    assert!(grant::revoke(db, Some(&acme.id), &Principal::Subject("sub-ta".into())).await.unwrap());
    assert!(!scimhub::rights::has_any_right(&resolved(&app, Role::TenantAdmin).await));
}

#[tokio::test]
async fn every_backend_call_enforces_the_rights_matrix() {
    let (app, backend) = setup().await;
    for role in ROLES {
        let who = resolved(&app, role).await;
        let b = &backend;
        for tenant in ["acme", "globex"] {
            let expect = |kind: &str| match tenant {
                "acme" => on_acme(role, kind),
                _ if role == Role::Platform => Ok(()),
                _ => Err(AppError::NotFound),
            };
            let at = format!("{role:?} on {tenant}");
            // Reads.
            assert_eq!(unit(b.tenant_overview(&who, tenant).await), expect("read"), "overview: {at}");
            let query = DirectoryQuery::default();
            assert_eq!(unit(b.user_page(&who, tenant, &query).await), expect("read"), "users: {at}");
            assert_eq!(unit(b.user_count(&who, tenant, &query).await), expect("read"), "user count: {at}");
            assert_eq!(unit(b.group_page(&who, tenant, &query).await), expect("read"), "groups: {at}");
            assert_eq!(unit(b.group_count(&who, tenant, &query).await), expect("read"), "group count: {at}");
            let group = b.group_detail(&who, tenant, "no-such-group").await;
            assert_eq!(unit(group), expect("read").and(Err(AppError::NotFound)), "group detail: {at}");
            let members = b.group_members(&who, tenant, "no-such-group", &PageAt::First).await;
            assert_eq!(unit(members), expect("read").and(Err(AppError::NotFound)), "group members: {at}");
            let log = b.log_page(&who, tenant, &LogQuery::default(), None, None).await;
            assert_eq!(unit(log), expect("read"), "log: {at}");
            assert_eq!(unit(b.log_chart(&who, tenant, ChartRange::Week).await), expect("read"), "log chart: {at}");
            assert_eq!(unit(b.log_credentials(&who, tenant).await), expect("read"), "log credentials: {at}");
            let entry = b.log_entry(&who, tenant, i64::MAX).await;
            assert_eq!(unit(entry), expect("read").and(Err(AppError::NotFound)), "log entry: {at}");
            assert_eq!(unit(b.scim_integration(&who, tenant).await), expect("read"), "panel: {at}");
            assert_eq!(unit(b.tenant_admins(&who, tenant).await), expect("read"), "admins: {at}");
            assert_eq!(unit(b.audit_page(&who, Some(tenant), "", None).await), expect("read"), "audit: {at}");
            assert_eq!(unit(b.mapper_panel(&who, tenant).await), expect("read"), "mappers: {at}");
            assert_eq!(unit(b.log_retention(&who, tenant).await), expect("read"), "retention: {at}");
            let preview = b.preview_log_retention(&who, tenant, Some(30), None).await;
            assert_eq!(unit(preview), expect("read"), "retention preview: {at}");
            assert_eq!(unit(b.onboarding_checklist(&who, tenant).await), expect("read"), "checklist: {at}");
            assert_eq!(unit(b.export_mappers(&who, tenant).await), expect("read"), "export mappers: {at}");
            // A user that does not exist is `NotFound` once the tenant may be seen.
            let detail = b.user_detail(&who, tenant, "no-such-user").await;
            assert_eq!(unit(detail), expect("read").and(Err(AppError::NotFound)), "user detail: {at}");
            // Remembering a tenant one may not see is ignored, not an error.
            assert_eq!(b.remember_tenant(&who, tenant).await, Ok(()), "remember: {at}");
            // Changes within the tenant.
            let changed = b.update_scim_settings(&who, None, tenant, settings()).await;
            assert_eq!(unit(changed), expect("change"), "settings: {at}");
            let rotated = b.rotate_secret(&who, None, tenant, SecretKind::ClientSecret, 0).await;
            assert_eq!(unit(rotated), expect("change"), "rotate: {at}");
            let revoked = b.revoke_secrets(&who, None, tenant, SecretKind::ClientSecret).await;
            assert_eq!(unit(revoked), expect("change"), "revoke: {at}");
            let reset = b.reset_directory(&who, None, tenant, tenant).await;
            assert_eq!(unit(reset), expect("change"), "reset: {at}");
            let retention = b.set_log_retention(&who, None, tenant, Some(30), None).await;
            assert_eq!(unit(retention), expect("change"), "set retention: {at}");
            let saved = b.save_mapper(&who, None, tenant, None, mapper_spec(role)).await;
            assert_eq!(form(saved), expect("change"), "save mapper: {at}");
            let defaults = b.apply_azure_defaults(&who, None, tenant).await;
            assert_eq!(unit(defaults), expect("change"), "azure defaults: {at}");
            let imported = b.import_mappers(&who, None, tenant, "[]", true).await;
            assert_eq!(form(imported), expect("change"), "import mappers: {at}");
            let deleted = b.delete_mapper(&who, None, tenant, "no-such-mapper").await;
            assert_eq!(unit(deleted), expect("change").and(Err(AppError::NotFound)), "delete mapper: {at}");
            let deactivated = b.deactivate_user(&who, None, tenant, "no-such-user").await;
            assert_eq!(unit(deactivated), expect("change").and(Err(AppError::NotFound)), "deactivate: {at}");
            let removed = b.delete_user(&who, None, tenant, "no-such-user").await;
            assert_eq!(unit(removed), expect("change").and(Err(AppError::NotFound)), "delete user: {at}");
            // Platform administration of the tenant.
            assert_eq!(form(b.rename_tenant(&who, None, tenant, "Renamed").await), expect("platform"), "rename: {at}");
            assert_eq!(
                unit(b.set_tenant_disabled(&who, None, tenant, false).await),
                expect("platform"),
                "disable: {at}"
            );
            let granted = b.grant_admin(&who, None, tenant, "email", "new@acme.test", false).await;
            assert_eq!(form(granted), expect("platform"), "grant: {at}");
            let revoked = b.revoke_admin(&who, None, tenant, "email", "new@acme.test").await;
            assert_eq!(unit(revoked), expect("platform"), "revoke admin: {at}");
            // The wrong confirmation reaches validation only with the right to delete.
            assert_eq!(form(b.delete_tenant(&who, None, tenant, "nope").await), expect("platform"), "delete: {at}");
        }
        // Platform-wide calls.
        let platform_only = if role == Role::Platform { Ok(()) } else { Err(AppError::Forbidden) };
        let created = b.create_tenant(&who, None, &format!("new-{role:?}"), "", "generic").await;
        assert_eq!(form(created), platform_only, "create: {role:?}");
        assert_eq!(unit(b.audit_page(&who, None, "", None).await), platform_only, "platform audit: {role:?}");
        assert_eq!(unit(b.platform_overview(&who).await), platform_only, "overview: {role:?}");
        // Lists show what the role may see.
        let names: Vec<String> = b.list_tenants(&who).await.unwrap().into_iter().map(|t| t.name).collect();
        let page = b.tenant_page(&who, "", 0).await.unwrap();
        let paged: Vec<String> = page.rows.iter().map(|t| t.name.clone()).collect();
        match role {
            Role::Platform => assert!(names.contains(&"globex".to_owned()) && paged.contains(&"globex".to_owned())),
            Role::TenantAdmin | Role::ReadOnly => {
                assert_eq!((names.clone(), paged), (vec!["acme".to_owned()], vec!["acme".to_owned()]));
                assert_eq!(page.rows[0].read_only, role == Role::ReadOnly);
            }
            Role::Nobody => assert!(names.is_empty() && paged.is_empty() && page.total == 0),
        }
    }
    // Nothing was deleted by the wrong confirmations, and the last tenant is remembered per admin.
    assert!(scimhub::db::tenant::by_name(&app.state.db, "acme").await.unwrap().is_some());
    let ta = resolved(&app, Role::TenantAdmin).await;
    assert_eq!(backend.last_tenant(&ta).await.unwrap().as_deref(), Some("acme"));
    assert_eq!(backend.last_tenant(&resolved(&app, Role::Nobody).await).await.unwrap(), None);
}
