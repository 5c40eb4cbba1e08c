//! The Entra ID provisioning cycle and the User operations, end to end through the router.

use axum::http::{header, Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{entra_user, TestApp, PUBLIC_URL};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[tokio::test]
async fn entra_create_update_deactivate_delete_cycle() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;

    // Existence check, then create (Entra's create sequence).
    let found = app.scim(&t, Method::GET, "/Users?filter=userName%20eq%20%22pilot%40acme.test%22", None).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["totalResults"], 0);
    assert_eq!(found.body["Resources"], json!([]));

    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("pilot@acme.test", "ext-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers[header::CONTENT_TYPE], "application/scim+json");
    assert_eq!(created.headers[header::LOCATION], format!("{PUBLIC_URL}/realms/acme/scim/v2/Users/{id}"));
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert_eq!(created.body["meta"]["version"], "W/\"1\"");
    assert_eq!(created.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "IT");

    // The filter is case-insensitive on userName; externalId and id filters find it too.
    for filter in
        ["userName%20eq%20%22PILOT%40ACME.TEST%22", "externalId%20eq%20%22ext-1%22", &format!("id%20eq%20%22{id}%22")]
    {
        let r = app.scim(&t, Method::GET, &format!("/Users?filter={filter}"), None).await;
        assert_eq!(r.body["totalResults"], 1, "{filter}");
        assert_eq!(r.body["Resources"][0]["id"], id.as_str());
    }
    let miss = app.scim(&t, Method::GET, "/Users?filter=externalId%20eq%20%22EXT-1%22", None).await;
    assert_eq!(miss.body["totalResults"], 0, "externalId is case-exact");

    // Update an attribute the way Entra does (capitalised op, no aadOptscim062020).
    let update = json!({"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Pilot Renamed"}
    ]});
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&update.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Pilot Renamed");
    assert_eq!(r.body["meta"]["version"], "W/\"2\"");

    // Deactivate with the string "False".
    let deactivate = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&deactivate.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["active"], false);
    let inactive = app.scim(&t, Method::GET, "/Users?filter=active%20eq%20false", None).await;
    assert_eq!(inactive.body["totalResults"], 1);

    // Replace (PUT) keeps the id and creation time; the body is active again, so it reactivates.
    let mut replacement: Value = serde_json::from_str(&entra_user("pilot@acme.test", "ext-1")).unwrap();
    replacement["displayName"] = json!("Pilot Replaced");
    let r = app.scim(&t, Method::PUT, &format!("/Users/{id}"), Some(&replacement.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["displayName"], "Pilot Replaced");
    assert_eq!(r.body["meta"]["created"], created.body["meta"]["created"]);

    // Delete, then it is gone.
    let r = app.scim(&t, Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.user_count(&t).await, 0);

    // Every request is in the log, newest first, with the operation it performed.
    let log = app.log(&t).await;
    let ops: Vec<(&str, u16)> = log.iter().map(|e| (e.operation.as_str(), e.status)).collect();
    assert_eq!(
        ops,
        vec![
            ("read", 404),
            ("delete", 204),
            ("reactivate", 200),
            ("list", 200),
            ("deactivate", 200),
            ("update", 200),
            ("list", 200),
            ("list", 200),
            ("list", 200),
            ("list", 200),
            ("create", 201),
            ("list", 200),
        ]
    );
    let create_row = &log[10];
    assert_eq!(create_row.resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(create_row.user_name.as_deref(), Some("pilot@acme.test"));
    assert!(create_row.credential_id.is_some());
}

#[tokio::test]
async fn pagination_is_one_based_stable_and_counts_exactly() {
    let app = TestApp::new().await;
    let t = app.tenant("paging", Profile::Generic).await;
    for i in 0..5 {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("user{i}")});
        let r = app.scim(&t, Method::POST, "/Users", Some(&body.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let page = app.scim(&t, Method::GET, "/Users?startIndex=2&count=2", None).await;
    assert_eq!(page.body["totalResults"], 5);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["itemsPerPage"], 2);
    let names: Vec<&str> =
        page.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["user1", "user2"]);
    let only_total = app.scim(&t, Method::GET, "/Users?count=0", None).await;
    assert_eq!(only_total.body["totalResults"], 5);
    assert_eq!(only_total.body["Resources"].as_array().map(Vec::len).unwrap_or(0), 0);
}

#[tokio::test]
async fn passwords_are_hashed_never_returned_and_redacted_in_the_log() {
    let app = TestApp::new().await;
    let t = app.tenant("okta", Profile::Generic).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "okta.user@example.com",
        "password": "Sup3r-Secret-Pa55",
    });
    let r = app.scim(&t, Method::POST, "/Users", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(r.body.get("password").is_none());
    let id = r.body["id"].as_str().unwrap();
    let read = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert!(read.body.get("password").is_none());
    let stored = scimhub::db::user::get(&app.state.db, &t.id, id).await.unwrap().unwrap();
    assert!(!stored.resource.to_string().contains("Sup3r"));
    for row in app.log(&t).await {
        let text = format!("{row:?}");
        assert!(!text.contains("Sup3r-Secret-Pa55") && !text.contains(&t.token), "{text}");
    }
}

#[tokio::test]
async fn discovery_describes_what_is_supported() {
    let app = TestApp::new().await;
    let t = app.tenant("disco", Profile::Generic).await;
    let spc = app.scim(&t, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(spc.status, StatusCode::OK);
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["filter"]["maxResults"], 100);
    assert_eq!(spc.body["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let types = app.scim(&t, Method::GET, "/ResourceTypes", None).await;
    assert_eq!(types.body["Resources"][0]["endpoint"], "/Users");
    let schemas = app.scim(&t, Method::GET, "/Schemas", None).await;
    let ids: Vec<&str> =
        schemas.body["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"urn:ietf:params:scim:schemas:core:2.0:User"));
    let one = app.scim(&t, Method::GET, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", None).await;
    assert_eq!(one.body["name"], "User");
}

#[tokio::test]
async fn etags_guard_writes_and_spare_unchanged_reads() {
    use axum::body::Body;
    use axum::http::Request;

    let app = TestApp::new().await;
    let t = app.tenant("etag", Profile::Generic).await;
    let created = app.scim(&t, Method::POST, "/Users", Some(&json!({"userName": "e"}).to_string())).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers[header::ETAG], "W/\"1\"");
    let request = |method: Method, header_name: header::HeaderName, tag: &str, body: Option<Value>| {
        Request::builder()
            .method(method)
            .uri(format!("/realms/etag/scim/v2/Users/{id}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
            .header(header_name, tag)
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
            .unwrap()
    };
    let rename = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "E"}]});

    // A stale If-Match is refused and changes nothing; the current one passes.
    let stale = app.send(request(Method::PATCH, header::IF_MATCH, "W/\"7\"", Some(rename.clone()))).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{:?}", stale.body);
    assert_eq!(stale.body["status"], "412");
    let fresh = app.send(request(Method::PATCH, header::IF_MATCH, "W/\"1\"", Some(rename))).await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.headers[header::ETAG], "W/\"2\"");
    let stale_delete = app.send(request(Method::DELETE, header::IF_MATCH, "W/\"1\"", None)).await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.user_count(&t).await, 1);

    // If-None-Match with the current version: 304 without a body; an old one gets the resource.
    let same = app.send(request(Method::GET, header::IF_NONE_MATCH, "W/\"2\"", None)).await;
    assert_eq!(same.status, StatusCode::NOT_MODIFIED);
    assert_eq!(same.body, Value::Null);
    let changed = app.send(request(Method::GET, header::IF_NONE_MATCH, "W/\"1\"", None)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["displayName"], "E");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_creates_of_one_user_name_give_one_201() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let t = std::sync::Arc::new(app.tenant("race", Profile::Generic).await);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (app, t) = (app.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"userName": if i % 2 == 0 { "Racer@x" } else { "racer@X" }, "externalId": i.to_string()});
            app.scim(&t, Method::POST, "/Users", Some(&body.to_string())).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 49, "{statuses:?}");
    assert_eq!(app.user_count(&t).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rename_racing_a_create_of_the_same_user_name_lets_exactly_one_win() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let t = std::sync::Arc::new(app.tenant("rename-race", Profile::Generic).await);
    for i in 0..20 {
        let existing =
            app.scim(&t, Method::POST, "/Users", Some(&json!({"userName": format!("old-{i}")}).to_string())).await;
        let id = existing.body["id"].as_str().unwrap().to_owned();
        let target = format!("Target-{i}");
        let rename = {
            let (app, t, target) = (app.clone(), t.clone(), target.clone());
            tokio::spawn(async move {
                let body =
                    json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName", "value": target}]});
                app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&body.to_string())).await.status
            })
        };
        let create = {
            let (app, t) = (app.clone(), t.clone());
            let body = json!({"userName": target.to_lowercase()}).to_string();
            tokio::spawn(async move { app.scim(&t, Method::POST, "/Users", Some(&body)).await.status })
        };
        let (renamed, created) = (rename.await.unwrap(), create.await.unwrap());
        let winners = [renamed == StatusCode::OK, created == StatusCode::CREATED].iter().filter(|w| **w).count();
        assert_eq!(winners, 1, "round {i}: rename {renamed}, create {created}");
        assert!(renamed == StatusCode::CONFLICT || created == StatusCode::CONFLICT, "round {i}");
        let holders = app.scim(&t, Method::GET, &format!("/Users?filter=userName%20eq%20%22target-{i}%22"), None).await;
        assert_eq!(holders.body["totalResults"], 1, "round {i}");
    }
}

#[tokio::test]
async fn users_created_without_active_are_active_and_say_so() {
    let app = TestApp::new().await;
    let t = app.tenant("active", Profile::Generic).await;
    let r = app.scim(&t, Method::POST, "/Users", Some(&json!({"userName": "a"}).to_string())).await;
    assert_eq!(r.body["active"], true);
    let active = app.scim(&t, Method::GET, "/Users?filter=active%20eq%20true", None).await;
    assert_eq!(active.body["totalResults"], 1);
}

#[tokio::test]
async fn concurrent_patches_of_one_user_all_apply() {
    // Sixteen PATCHes of the same user at once: every one that loses the optimistic race reads
    // again and retries, so all of them succeed and the user carries each one's change.
    let app = std::sync::Arc::new(TestApp::new().await);
    let t = std::sync::Arc::new(app.tenant("acme", Profile::Azure).await);
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("busy@acme.test", "ext-busy"))).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let patches: Vec<_> = (0..16)
        .map(|i| {
            let (app, t, id) = (app.clone(), t.clone(), id.clone());
            tokio::spawn(async move {
                let op = json!({"op": "add", "path": "emails", "value": [{"value": format!("alias{i}@acme.test")}]});
                let body = json!({"schemas": [PATCH], "Operations": [op]}).to_string();
                app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&body)).await
            })
        })
        .collect();
    for patch in patches {
        let r = patch.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let user = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await.body;
    assert_eq!(user["meta"]["version"], "W/\"17\"");
    let emails: Vec<&str> = user["emails"].as_array().unwrap().iter().map(|e| e["value"].as_str().unwrap()).collect();
    for i in 0..16 {
        assert!(emails.contains(&format!("alias{i}@acme.test").as_str()), "alias{i} missing from {emails:?}");
    }
}
