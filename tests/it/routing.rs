//! SCIM routing compliance: endpoint names in any case and one trailing slash, the tenant name
//! still exact, `/Me` answered 501, other methods answered 405 with SCIM JSON and `Allow`, and
//! a body announced over the limit refused at once — authentication first where it applies.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use scimhub::tenant::Profile;
use serde_json::json;

use crate::support::{Reply, TestApp};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn assert_scim_error(r: &Reply, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{:?}", r.body);
    assert_eq!(r.body["status"], status.to_string());
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{:?}", r.body);
}

fn user(user_name: &str) -> String {
    json!({"schemas": [USER], "userName": user_name}).to_string()
}

/// The methods in an `Allow` header.
fn allowed(r: &Reply) -> Vec<String> {
    let allow = r.headers.get(header::ALLOW).unwrap_or_else(|| panic!("no Allow header: {:?}", r.headers));
    let mut methods: Vec<String> = allow.to_str().unwrap().split(',').map(|m| m.trim().to_owned()).collect();
    methods.sort();
    methods
}

#[tokio::test]
async fn endpoint_names_in_any_case_and_a_trailing_slash_reach_their_endpoint() {
    let app = TestApp::new().await;
    let t = app.tenant("Acme", Profile::Generic).await;

    // POST, in lowercase and with a trailing slash.
    let first = app.scim(&t, Method::POST, "/users", Some(&user("first@acme.test"))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let second = app.scim(&t, Method::POST, "/Users/", Some(&user("second@acme.test"))).await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    let id = first.body["id"].as_str().unwrap().to_owned();

    // GET list, in any case, with a trailing slash, with a query.
    for path in ["/users", "/USERS", "/Users/", "/uSeRs/?count=10"] {
        let r = app.scim(&t, Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
        assert_eq!(r.body["totalResults"], 2, "{path}: {:?}", r.body);
    }
    let filtered = app.scim(&t, Method::GET, "/users/?filter=userName%20eq%20%22second%40acme.test%22", None).await;
    assert_eq!(filtered.body["totalResults"], 1, "the query survives: {:?}", filtered.body);

    // GET by id: the id is left as it is.
    for path in [format!("/users/{id}"), format!("/Users/{id}/")] {
        let r = app.scim(&t, Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
        assert_eq!(r.body["id"], id.as_str());
    }

    // PATCH, lowercase with a trailing slash.
    let patch = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "displayName", "value": "First"}]})
    .to_string();
    let r = app.scim(&t, Method::PATCH, &format!("/users/{id}/"), Some(&patch)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "First");

    // Searches and the discovery endpoints.
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}).to_string();
    for path in ["/users/.SEARCH", "/.Search/"] {
        let r = app.scim(&t, Method::POST, path, Some(&search)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
        assert_eq!(r.body["totalResults"], 2, "{path}: {:?}", r.body);
    }
    for path in ["/serviceproviderconfig", "/RESOURCETYPES/", "/resourcetypes/User", "/schemas", "/groups/"] {
        let r = app.scim(&t, Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    }
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"schemas": [USER], "userName": "bulk@acme.test"}}
    ]});
    let r = app.scim(&t, Method::POST, "/bulk/", Some(&bulk.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(app.user_count(&t).await, 3);

    // The provisioning log records the canonical path.
    let log = app.log(&t).await;
    assert!(log.iter().any(|e| e.path == format!("/Users/{id}") && e.operation == "update"), "{log:?}");
    assert!(log.iter().all(|e| !e.path.starts_with("/users")), "{log:?}");
}

#[tokio::test]
async fn the_tenant_name_stays_case_sensitive() {
    let app = TestApp::new().await;
    let t = app.tenant("Acme", Profile::Generic).await;
    assert_eq!(app.scim_as("Acme", Some(&t.token), Method::GET, "/users", None).await.status, StatusCode::OK);
    // Another spelling is another (here: no) tenant, answered as one that does not exist.
    let nobody = app.scim_as("nobody", Some(&t.token), Method::GET, "/Users", None).await;
    assert!(nobody.status.is_client_error(), "{:?}", nobody.body);
    for name in ["acme", "ACME"] {
        let r = app.scim_as(name, Some(&t.token), Method::GET, "/users", None).await;
        assert_scim_error(&r, nobody.status.as_u16());
    }
}

#[tokio::test]
async fn me_answers_501_after_authentication() {
    let app = TestApp::new().await;
    let t = app.tenant("me", Profile::Generic).await;
    for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        for path in ["/Me", "/me", "/ME/"] {
            let r = app.scim(&t, method.clone(), path, Some("{}")).await;
            assert_scim_error(&r, 501);
        }
    }
    assert_scim_error(&app.scim_as("me", None, Method::GET, "/Me", None).await, 401);
    assert_scim_error(&app.scim_as("me", Some("scimhub_wrong"), Method::DELETE, "/me", None).await, 401);
}

#[tokio::test]
async fn other_methods_get_405_with_scim_json_and_allow_after_authentication() {
    let app = TestApp::new().await;
    let t = app.tenant("verbs", Profile::Generic).await;
    let id =
        app.scim(&t, Method::POST, "/Users", Some(&user("v@verbs.test"))).await.body["id"].as_str().unwrap().to_owned();

    let r = app.scim(&t, Method::DELETE, "/Users", None).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["GET", "HEAD", "POST"]);
    let r = app.scim(&t, Method::POST, &format!("/Users/{id}"), Some("{}")).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["DELETE", "GET", "HEAD", "PATCH", "PUT"]);
    let r = app.scim(&t, Method::GET, "/users/.search", None).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["POST"]);
    let r = app.scim(&t, Method::PUT, "/Groups/", Some("{}")).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["GET", "HEAD", "POST"]);
    let r = app.scim(&t, Method::GET, "/bulk", None).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["POST"]);
    let r = app.scim(&t, Method::DELETE, "/ServiceProviderConfig", None).await;
    assert_scim_error(&r, 405);
    assert_eq!(allowed(&r), ["GET", "HEAD"]);
    assert_eq!(app.user_count(&t).await, 1);

    // Without a valid token, authentication fails first.
    assert_scim_error(&app.scim_as("verbs", None, Method::DELETE, "/Users", None).await, 401);
    assert_scim_error(&app.scim_as("verbs", Some("scimhub_wrong"), Method::GET, "/bulk", None).await, 401);
}

#[tokio::test]
async fn a_body_announced_over_the_limit_gets_413_before_anything_else() {
    let app = TestApp::new().await;
    let t = app.tenant("big", Profile::Generic).await;
    let limit = app.state.config.max_body_bytes;
    // Announced, not sent: the answer comes without the body being read, and before
    // authentication (it tells nothing about the tenant).
    for token in [Some(t.token.as_str()), None] {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/realms/big/scim/v2/users")
            .header(header::CONTENT_TYPE, "application/scim+json")
            .header(header::CONTENT_LENGTH, (limit + 1).to_string());
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let r = app.send(request.body(Body::empty()).unwrap()).await;
        assert_scim_error(&r, 413);
        assert_eq!(r.headers[header::CONNECTION], "close");
    }
    // At the limit it goes on to the handler.
    let body = json!({"schemas": [USER], "userName": "fits", "displayName": "x".repeat(limit - 200)}).to_string();
    let body = body.clone() + &" ".repeat(limit - body.len());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/realms/big/scim/v2/Users")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
        .header(header::CONTENT_LENGTH, body.len().to_string())
        .body(Body::from(body))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(app.user_count(&t).await, 1);
}
