//! The request path's caches (tenant and bearer credential, `--cache-ttl-ms`): a change made by
//! another process (here: straight in the database, as the CLI does) applies within the cache
//! lifetime; a change made through the dashboard applies at once.

use app::backend::{AdminBackend, ManagementBackend};
use app::dto::{AdminIdentity, SecretKind, SignInMethod};
use axum::http::{Method, StatusCode};
use scimhub::admin::Backend;
use scimhub::db::credential;
use scimhub::db::tenant;
use scimhub::tenant::Profile;

use crate::support::TestApp;

fn platform_admin() -> AdminIdentity {
    let mut who = AdminIdentity::new("sub-plat".into(), None, None, SignInMethod::Oidc);
    who.platform_admin = true;
    who
}

#[tokio::test]
async fn cached_lookups_expire_and_dashboard_changes_apply_at_once() {
    let app = TestApp::with_config(|c| c.cache_ttl_ms = 1500).await;
    let t = app.tenant("acme", Profile::Generic).await;
    assert_eq!(app.scim(&t, Method::GET, "/Users", None).await.status, StatusCode::OK);

    // Revoked behind the server's back (as `scimhub secret revoke` does): the cached credential
    // still works for at most the cache lifetime, then not.
    credential::revoke_bearer(&app.state.db, &t.id, app.state.clock.now_ms()).await.unwrap();
    assert_eq!(app.scim(&t, Method::GET, "/Users", None).await.status, StatusCode::OK, "cached");
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(app.scim(&t, Method::GET, "/Users", None).await.status, StatusCode::UNAUTHORIZED);

    // Through the dashboard, a change applies on the next request.
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    let secret = backend.rotate_secret(&admin, None, "acme", SecretKind::Bearer, 0).await.unwrap().secret;
    assert_eq!(app.scim_as("acme", Some(&secret), Method::GET, "/Users", None).await.status, StatusCode::OK);
    backend.revoke_secrets(&admin, None, "acme", SecretKind::Bearer).await.unwrap();
    let after = app.scim_as("acme", Some(&secret), Method::GET, "/Users", None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "revoked in the dashboard: refused at once");

    // The tenant is cached too: disabled in the dashboard, it answers 403 at once.
    let secret = backend.rotate_secret(&admin, None, "acme", SecretKind::Bearer, 0).await.unwrap().secret;
    assert_eq!(app.scim_as("acme", Some(&secret), Method::GET, "/Users", None).await.status, StatusCode::OK);
    backend.set_tenant_disabled(&admin, None, "acme", true).await.unwrap();
    let refused = app.scim_as("acme", Some(&secret), Method::GET, "/Users", None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // And a tenant created behind the server's back is found once its "no such tenant" expires.
    let unknown = app.scim_as("globex", Some(&secret), Method::GET, "/Users", None).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "an unknown tenant answers as a wrong secret");
    tenant::insert(&app.state.db, "globex", Profile::Generic, 0).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let found = app.scim_as("globex", Some(&secret), Method::GET, "/Users", None).await;
    assert_eq!(found.status, StatusCode::UNAUTHORIZED, "the tenant exists now; the secret is acme's");
}
