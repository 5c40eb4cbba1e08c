//! Bad input: every case gets the right SCIM error and changes nothing.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::json;

use crate::support::{entra_user, Reply, TestApp};

fn assert_scim_error(r: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
    assert_eq!(r.body["status"], status.to_string());
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{:?}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn wrong_missing_and_foreign_tokens_are_rejected() {
    let app = TestApp::new().await;
    let acme = app.tenant("acme", Profile::Azure).await;
    let other = app.tenant("other", Profile::Generic).await;
    let body = entra_user("a@acme.test", "1");

    let missing = app.scim_as("acme", None, Method::POST, "/Users", Some(&body)).await;
    assert_scim_error(&missing, 401, None);
    assert_eq!(missing.headers["www-authenticate"], "Bearer realm=\"scimhub\"");
    assert_scim_error(
        &app.scim_as("acme", Some("scimhub_wrong"), Method::POST, "/Users", Some(&body)).await,
        401,
        None,
    );
    // Another tenant's valid token does not open this tenant.
    assert_scim_error(&app.scim_as("acme", Some(&other.token), Method::POST, "/Users", Some(&body)).await, 401, None);
    assert_eq!(app.user_count(&acme).await, 0);
    assert_eq!(app.user_count(&other).await, 0);
    // Each rejection is logged against the tenant in the URL, without a credential; the wrong
    // and the foreign token are the same refusal, one row counting both.
    let log = app.log(&acme).await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e.status == 401 && e.credential_id.is_none()));
    let rows = scimhub::db::log::page(&app.state.db, &acme.id, None, 10).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.repeat_count).collect::<Vec<_>>(), [2, 1]);
}

#[tokio::test]
async fn a_rotated_secret_stops_working() {
    let app = TestApp::new().await;
    let t = app.tenant("rot", Profile::Generic).await;
    let fresh = scimhub::secret::Secret::generate("scimhub_");
    scimhub::db::credential::rotate_bearer(&app.state.db, &t.id, &fresh.hash(), 1).await.unwrap();
    assert_scim_error(&app.scim(&t, Method::GET, "/Users", None).await, 401, None);
    let ok = app.scim_as("rot", Some(fresh.expose()), Method::GET, "/Users", None).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_tenants_are_401_and_names_are_case_sensitive() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    // As a wrong credential (`enumeration` compares the answers in full).
    assert_scim_error(&app.scim_as("nosuch", Some(&t.token), Method::GET, "/Users", None).await, 401, None);
    assert_scim_error(&app.scim_as("ACME", Some(&t.token), Method::GET, "/Users", None).await, 401, None);
    assert_scim_error(&app.scim(&t, Method::GET, "/Nothing", None).await, 404, None);
}

#[tokio::test]
async fn duplicate_user_names_conflict_case_insensitively() {
    let app = TestApp::new().await;
    let t = app.tenant("dup", Profile::Azure).await;
    let first = app.scim(&t, Method::POST, "/Users", Some(&entra_user("Same@Example.com", "1"))).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app.scim(&t, Method::POST, "/Users", Some(&entra_user("same@example.COM", "2"))).await;
    assert_scim_error(&again, 409, Some("uniqueness"));
    assert_eq!(app.user_count(&t).await, 1);
    // The refusal names the user that holds the name, as the identity provider's admin needs.
    let holder = first.body["id"].as_str().unwrap();
    assert_eq!(
        again.body["detail"],
        format!("userName \"same@example.COM\" is already taken by Same@Example.com (id {holder}), whose externalId is \"1\"")
    );

    // Renaming another user onto the taken name conflicts too, and leaves it unchanged.
    let second = app.scim(&t, Method::POST, "/Users", Some(&entra_user("other@example.com", "3"))).await;
    let id = second.body["id"].as_str().unwrap();
    let rename = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "SAME@example.com"}]});
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&rename.to_string())).await;
    assert_scim_error(&r, 409, Some("uniqueness"));
    let read = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(read.body["userName"], "other@example.com");
    assert_eq!(read.body["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn malformed_json_unknown_attributes_and_missing_user_name_are_400() {
    let app = TestApp::new().await;
    let t = app.tenant("bad", Profile::Generic).await;
    assert_scim_error(&app.scim(&t, Method::POST, "/Users", Some("{\"userName\": ")).await, 400, Some("invalidSyntax"));
    assert_scim_error(&app.scim(&t, Method::POST, "/Users", Some("[1, 2]")).await, 400, Some("invalidSyntax"));
    let unknown = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u", "shoeSize": 42});
    assert_scim_error(
        &app.scim(&t, Method::POST, "/Users", Some(&unknown.to_string())).await,
        400,
        Some("invalidValue"),
    );
    let no_name = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"});
    assert_scim_error(
        &app.scim(&t, Method::POST, "/Users", Some(&no_name.to_string())).await,
        400,
        Some("invalidValue"),
    );
    // Under the Generic profile, Entra's string booleans are not accepted.
    let created = app.scim(&t, Method::POST, "/Users", Some(&json!({"userName": "g"}).to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let stringly = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&stringly.to_string())).await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    let read = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(read.body["meta"]["version"], "W/\"1\"", "the failed PATCH changed nothing");
    assert_eq!(app.user_count(&t).await, 1);
}

#[tokio::test]
async fn bad_filters_are_invalid_filter_errors() {
    let app = TestApp::new().await;
    let t = app.tenant("filters", Profile::Generic).await;
    for filter in [
        "userName%20eq",                        // no value
        "userName%20xx%20%22a%22",              // unknown operator
        "(userName%20eq%20%22a%22",             // unbalanced
        "shoeSize%20eq%20%22a%22",              // unknown attribute
        "meta.created%20gt%20%22not-a-date%22", // bad dateTime
    ] {
        let r = app.scim(&t, Method::GET, &format!("/Users?filter={filter}"), None).await;
        assert_scim_error(&r, 400, Some("invalidFilter"));
    }
    let long = "a".repeat(600);
    let r = app.scim(&t, Method::GET, &format!("/Users?filter=userName%20eq%20%22{long}%22"), None).await;
    assert_scim_error(&r, 400, Some("invalidFilter"));
}

#[tokio::test]
async fn oversized_bodies_get_413_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let t = app.tenant("big", Profile::Generic).await;
    let big = json!({"userName": "big", "displayName": "x".repeat(70 * 1024)}).to_string();
    assert_scim_error(&app.scim(&t, Method::POST, "/Users", Some(&big)).await, 413, None);
    assert_eq!(app.user_count(&t).await, 0);
    assert_eq!(app.log(&t).await[0].status, 413);
}

#[tokio::test]
async fn unknown_users_are_404_for_every_method() {
    let app = TestApp::new().await;
    let t = app.tenant("ghost", Profile::Generic).await;
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
    assert_scim_error(&app.scim(&t, Method::GET, "/Users/nope", None).await, 404, None);
    assert_scim_error(&app.scim(&t, Method::PATCH, "/Users/nope", Some(&patch.to_string())).await, 404, None);
    assert_scim_error(
        &app.scim(&t, Method::PUT, "/Users/nope", Some(&json!({"userName": "x"}).to_string())).await,
        404,
        None,
    );
    assert_scim_error(&app.scim(&t, Method::DELETE, "/Users/nope", None).await, 404, None);
}

#[tokio::test]
async fn patch_errors_name_the_problem_and_change_nothing() {
    let app = TestApp::new().await;
    let t = app.tenant("patcherr", Profile::Generic).await;
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("p@x.test", "1"))).await;
    let id = created.body["id"].as_str().unwrap();
    let patch = |ops: serde_json::Value| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}).to_string()
    };
    let cases = [
        (json!([{"op": "replace", "path": "id", "value": "other"}]), "mutability"),
        (json!([{"op": "remove", "path": "userName"}]), "mutability"),
        (json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@x.test"}]), "noTarget"),
        (json!([{"op": "replace", "path": "shoeSize", "value": 42}]), "invalidPath"),
        (json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]), "invalidPath"),
        (json!([{"op": "frobnicate", "path": "displayName", "value": "x"}]), "invalidSyntax"),
        // Atomic: the first operation is valid, the second is not.
        (
            json!([{"op": "replace", "path": "displayName", "value": "Changed"}, {"op": "replace", "path": "nope", "value": 1}]),
            "invalidPath",
        ),
    ];
    for (ops, scim_type) in cases {
        let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&patch(ops.clone()))).await;
        assert_scim_error(&r, 400, Some(scim_type));
    }
    let read = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(read.body["meta"]["version"], "W/\"1\"");
    assert_eq!(read.body["displayName"], "Pilot User");
}

#[tokio::test]
async fn write_responses_honour_attributes() {
    let app = TestApp::new().await;
    let t = app.tenant("writeproj", Profile::Generic).await;
    let r = app.scim(&t, Method::POST, "/Users?attributes=userName", Some(&entra_user("w@x.test", "1"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mut keys: Vec<&str> = r.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "schemas", "userName"]);
}

#[tokio::test]
async fn a_credential_over_its_rate_gets_429_with_retry_after() {
    let app = TestApp::with_config(|c| c.rate_limit = 2).await;
    let t = app.tenant("busy", Profile::Generic).await;
    let other = app.tenant("calm", Profile::Generic).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.scim(&t, Method::GET, "/Users", None).await);
    }
    let throttled: Vec<&Reply> = statuses.iter().filter(|r| r.status.as_u16() == 429).collect();
    assert!(!throttled.is_empty(), "a burst of 6 at 2/s (burst 4) is throttled");
    assert_scim_error(throttled[0], 429, None);
    let retry: u64 = throttled[0].headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Other credentials are not affected, and the throttled requests are in the log.
    assert_eq!(app.scim(&other, Method::GET, "/Users", None).await.status, StatusCode::OK);
    assert!(app.log(&t).await.iter().any(|e| e.status == 429));
}

#[tokio::test]
async fn a_disabled_endpoint_tells_only_authenticated_clients() {
    let app = TestApp::new().await;
    let t = app.tenant("off", Profile::Generic).await;
    sqlx::query("update tenant set scim_enabled = $1 where tenant_id = $2")
        .bind(false)
        .bind(&t.id)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_scim_error(&app.scim_as("off", Some("scimhub_wrong"), Method::GET, "/Users", None).await, 401, None);
    let r = app.scim(&t, Method::POST, "/Users", Some(&json!({"userName": "x"}).to_string())).await;
    assert_scim_error(&r, 403, None);
    assert!(r.body["detail"].as_str().unwrap().contains("disabled"));
    assert_eq!(app.user_count(&t).await, 0);
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_408_and_stores_nothing() {
    let app = TestApp::with_config(|c| c.request_timeout_secs = 1).await;
    let t = app.tenant("acme", Profile::Generic).await;
    // A client that sends the start of its body and then nothing more (a stalled upload).
    let start = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{\"userName\":"))]);
    let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(start, futures_util::stream::pending()));
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/realms/acme/scim/v2/Users")
        .header(axum::http::header::CONTENT_TYPE, "application/scim+json")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {}", t.token))
        .body(body)
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(app.user_count(&t).await, 0);
}

#[tokio::test]
async fn every_configured_limit_is_announced_and_enforced() {
    let app = TestApp::with_config(|c| {
        c.max_filter_depth = 2;
        c.max_bulk_operations = 3;
        c.max_page_size = 5;
    })
    .await;
    let t = app.tenant("limits", Profile::Generic).await;
    let spc = app.scim(&t, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(
        (spc.body["bulk"]["maxOperations"].as_u64(), spc.body["filter"]["maxResults"].as_u64()),
        (Some(3), Some(5))
    );

    // Filter depth: two levels pass, three are refused.
    let two = "((userName%20eq%20%22a%22))";
    assert_eq!(app.scim(&t, Method::GET, &format!("/Users?filter={two}"), None).await.status, StatusCode::OK);
    let three = "(((userName%20eq%20%22a%22)))";
    assert_scim_error(
        &app.scim(&t, Method::GET, &format!("/Users?filter={three}"), None).await,
        400,
        Some("invalidFilter"),
    );

    // Page size: a larger `count` is capped, not refused.
    for i in 0..7 {
        app.scim(&t, Method::POST, "/Users", Some(&json!({ "userName": format!("u{i}") }).to_string())).await;
    }
    let page = app.scim(&t, Method::GET, "/Users?count=1000", None).await;
    assert_eq!((page.body["itemsPerPage"].as_u64(), page.body["totalResults"].as_u64()), (Some(5), Some(7)));

    // Bulk operations: four are refused with 413 tooMany, and nothing of them happens.
    let op = |i: usize| json!({ "method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": { "userName": format!("bulk{i}") } });
    let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": (0..4).map(op).collect::<Vec<_>>() });
    assert_scim_error(&app.scim(&t, Method::POST, "/Bulk", Some(&body.to_string())).await, 413, Some("tooMany"));
    assert_eq!(app.user_count(&t).await, 7);
}

#[tokio::test]
async fn refused_creates_are_logged_under_the_name_they_attempted() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pia@acme.test","password":"pia-Secret-1"}"#;
    assert_eq!(app.scim(&t, Method::POST, "/Users", Some(user)).await.status, StatusCode::CREATED);
    assert_eq!(app.scim(&t, Method::POST, "/Users", Some(user)).await.status, StatusCode::CONFLICT);
    let group = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Ops","nope":1}"#;
    assert_eq!(app.scim(&t, Method::POST, "/Groups", Some(group)).await.status, StatusCode::BAD_REQUEST);
    let log = app.log(&t).await;
    let refused: Vec<(u16, Option<&str>)> =
        log.iter().filter(|e| e.status >= 400).map(|e| (e.status, e.user_name.as_deref())).collect();
    assert_eq!(refused, [(400, Some("Ops")), (409, Some("pia@acme.test"))]);
    // A refused request's name too long to be a name is not copied into its row.
    let long = format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{}","nope":1}}"#,
        "x".repeat(300)
    );
    assert_eq!(app.scim(&t, Method::POST, "/Users", Some(&long)).await.status, StatusCode::BAD_REQUEST);
    let newest = &app.log(&t).await[0];
    assert_eq!((newest.status, newest.user_name.as_deref()), (400, None));
}
