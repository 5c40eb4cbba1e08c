//! The request shapes Microsoft Entra ID and Okta really send (see docs/compatibility.md),
//! replayed through the router on both databases.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{entra_user, TestApp, TestTenant};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn create(app: &TestApp, t: &TestTenant, user_name: &str) -> String {
    let r = app.scim(t, Method::POST, "/Users", Some(&entra_user(user_name, &format!("ext-{user_name}")))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &TestApp, t: &TestTenant, id: &str, query: &str, ops: Value) -> crate::support::Reply {
    let body = json!({"schemas": [PATCH], "Operations": ops}).to_string();
    app.scim(t, Method::PATCH, &format!("/Users/{id}{query}"), Some(&body)).await
}

#[tokio::test]
async fn entra_existence_check_by_work_email() {
    let app = TestApp::new().await;
    let t = app.tenant("entra", Profile::Azure).await;
    create(&app, &t, "ada@contoso.test").await;
    let hit = app
        .scim(
            &t,
            Method::GET,
            "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22ADA%40contoso.test%22",
            None,
        )
        .await;
    assert_eq!(hit.status, StatusCode::OK, "{:?}", hit.body);
    assert_eq!(hit.body["totalResults"], 1);
    let miss = app
        .scim(
            &t,
            Method::GET,
            "/Users?filter=emails%5Btype%20eq%20%22home%22%5D.value%20eq%20%22ada%40contoso.test%22",
            None,
        )
        .await;
    assert_eq!(miss.body["totalResults"], 0);
}

#[tokio::test]
async fn entra_multi_replace_without_path_with_dotted_and_urn_keys() {
    let app = TestApp::new().await;
    let t = app.tenant("entra", Profile::Azure).await;
    let id = create(&app, &t, "grace@contoso.test").await;
    for query in ["", "?aadOptscim062020"] {
        let r = patch(
            &app,
            &t,
            &id,
            query,
            json!([{"op": "replace", "value": {
                "displayName": format!("Grace {query}"),
                "name.givenName": "Grace",
                "name.familyName": "Hopper",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Navy",
                "active": "True",
            }}]),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.body);
        assert_eq!(r.body["displayName"], format!("Grace {query}"));
        assert_eq!(r.body["name"]["familyName"], "Hopper");
        assert_eq!(r.body["name"]["formatted"], "Pilot User", "other sub-attributes are kept");
        assert_eq!(r.body[ENTERPRISE]["department"], "Navy");
        assert_eq!(r.body["active"], true);
    }
    let found = app.scim(&t, Method::GET, "/Users?filter=name.familyName%20eq%20%22hopper%22", None).await;
    assert_eq!(found.body["totalResults"], 1, "JSON attributes filter case-insensitively");
}

#[tokio::test]
async fn entra_manager_shapes_end_as_a_value_object() {
    let app = TestApp::new().await;
    let t = app.tenant("entra", Profile::Azure).await;
    let boss = create(&app, &t, "boss@contoso.test").await;
    let id = create(&app, &t, "worker@contoso.test").await;
    // Entra's documented shape: unqualified path, array value with a null $ref.
    let r =
        patch(&app, &t, &id, "", json!([{"op": "Add", "path": "manager", "value": [{"$ref": null, "value": boss}]}]))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body[ENTERPRISE]["manager"], json!({"value": boss}));
    // The URN-qualified path with a bare string.
    let r = patch(
        &app,
        &t,
        &id,
        "",
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": "someone-else"}]),
    )
    .await;
    assert_eq!(r.body[ENTERPRISE]["manager"], json!({"value": "someone-else"}));
    let by_manager = app
        .scim(&t, Method::GET, &format!("/Users?filter={}%3Amanager.value%20eq%20%22someone-else%22", ENTERPRISE), None)
        .await;
    assert_eq!(by_manager.body["totalResults"], 1, "{:?}", by_manager.body);
    // Removing the manager.
    let r = patch(&app, &t, &id, "", json!([{"op": "Remove", "path": format!("{ENTERPRISE}:manager")}])).await;
    assert!(r.body[ENTERPRISE].get("manager").is_none(), "{:?}", r.body);
}

#[tokio::test]
async fn okta_lookup_deactivation_and_put_update() {
    let app = TestApp::new().await;
    let t = app.tenant("okta", Profile::Generic).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "isaac.brock@example.com",
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": true, "value": "isaac.brock@example.com", "type": "work"}],
        "displayName": "Isaac Brock",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let created = app.scim(&t, Method::POST, "/Users", Some(&body.to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();

    let lookup = app
        .scim(
            &t,
            Method::GET,
            "/Users?filter=userName%20eq%20%22isaac.brock%40example.com%22&startIndex=1&count=100",
            None,
        )
        .await;
    assert_eq!(lookup.body["totalResults"], 1);
    assert_eq!(lookup.body["startIndex"], 1);

    // Okta updates with PUT of the whole user.
    let mut put = created.body.clone();
    put["name"]["familyName"] = json!("Brock-Smith");
    let r = app.scim(&t, Method::PUT, &format!("/Users/{id}"), Some(&put.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"]["familyName"], "Brock-Smith");

    // Deactivation by PATCH without a path.
    let r = patch(&app, &t, id, "", json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["active"], false);
    assert_eq!(app.log(&t).await[0].operation, "deactivate");
}

#[tokio::test]
async fn reads_honour_attributes_and_excluded_attributes() {
    let app = TestApp::new().await;
    let t = app.tenant("proj", Profile::Azure).await;
    let id = create(&app, &t, "lin@contoso.test").await;
    let only = app.scim(&t, Method::GET, &format!("/Users/{id}?attributes=userName,name.givenName"), None).await;
    let keys: Vec<&str> = only.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert!(keys.contains(&"id") && keys.contains(&"userName") && keys.contains(&"name"), "{keys:?}");
    assert!(!keys.contains(&"emails") && !keys.contains(&"displayName"), "{keys:?}");
    assert_eq!(only.body["name"], json!({"givenName": "Pilot"}));
    let without = app.scim(&t, Method::GET, "/Users?excludedAttributes=emails,name", None).await;
    let user = &without.body["Resources"][0];
    assert!(user.get("emails").is_none() && user.get("name").is_none() && user.get("userName").is_some());
}

#[tokio::test]
async fn search_endpoint_takes_a_search_request() {
    let app = TestApp::new().await;
    let t = app.tenant("search", Profile::Generic).await;
    create(&app, &t, "s1@x.test").await;
    create(&app, &t, "s2@x.test").await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"s2\"",
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10
    });
    let r = app.scim(&t, Method::POST, "/Users/.search", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["userName"], "s2@x.test");
    assert!(r.body["Resources"][0].get("emails").is_none());
}

#[tokio::test]
async fn root_search_spans_users_and_groups() {
    let app = TestApp::new().await;
    let t = app.tenant("root", Profile::Generic).await;
    create(&app, &t, "u1@x.test").await;
    create(&app, &t, "u2@x.test").await;
    let g = app.scim(&t, Method::POST, "/Groups", Some(&json!({"displayName": "Admins"}).to_string())).await;
    assert_eq!(g.status, StatusCode::CREATED, "{:?}", g.body);
    let search = |body: Value| {
        let app = &app;
        let t = &t;
        async move { app.scim(t, Method::POST, "/.search", Some(&body.to_string())).await }
    };
    const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    let all = search(json!({"schemas": [SEARCH]})).await;
    assert_eq!(all.body["totalResults"], 3, "{:?}", all.body);
    // The second page of two holds the last user... and the group.
    let page = search(json!({"schemas": [SEARCH], "startIndex": 2, "count": 2})).await;
    let ids: Vec<&str> = page.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["User", "Group"]);
    // A filter on a user attribute selects no groups, and vice versa.
    let users = search(json!({"schemas": [SEARCH], "filter": "userName sw \"u1\""})).await;
    assert_eq!(users.body["totalResults"], 1, "{:?}", users.body);
    let groups = search(json!({"schemas": [SEARCH], "filter": "displayName eq \"admins\" and members pr"})).await;
    assert_eq!(groups.status, StatusCode::OK, "{:?}", groups.body);
    let bad = search(json!({"schemas": [SEARCH], "filter": "userName eq"})).await;
    assert_eq!(bad.body["scimType"], "invalidFilter");
}
