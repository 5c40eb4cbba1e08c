//! `/Bulk` (RFC 7644 §3.7): bulkId references, failOnErrors, limits, and one log row per operation.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::TestApp;

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn request(ops: Value, fail_on_errors: Option<u64>) -> String {
    let mut body = json!({"schemas": [BULK], "Operations": ops});
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    body.to_string()
}

#[tokio::test]
async fn bulk_ids_link_a_new_user_into_a_new_group_rfc7644_3_7_2() {
    let app = TestApp::new().await;
    let t = app.tenant("bulk", Profile::Generic).await;
    // The group comes first and references the user created after it: it waits for it.
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "qwerty",
         "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides",
                  "members": [{"type": "User", "value": "bulkId:ytrewq"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "ytrewq",
         "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Alice"}},
        {"method": "PATCH", "path": "/Users/bulkId:ytrewq",
         "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                  "Operations": [{"op": "replace", "path": "displayName", "value": "Alice A."}]}}
    ]);
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&request(ops, None))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]));
    let results = r.body["Operations"].as_array().unwrap();
    // Results come in the order the operations ran: the group waited for its member.
    let summary: Vec<(&str, &str)> =
        results.iter().map(|o| (o["method"].as_str().unwrap(), o["status"].as_str().unwrap())).collect();
    assert_eq!(summary, [("POST", "201"), ("PATCH", "200"), ("POST", "201")], "{results:?}");
    assert_eq!(results[0]["bulkId"], "ytrewq");
    assert_eq!(results[2]["bulkId"], "qwerty");
    let user_id = results[0]["location"].as_str().unwrap().rsplit('/').next().unwrap();
    let group_id = results[2]["location"].as_str().unwrap().rsplit('/').next().unwrap();
    let group = app.scim(&t, Method::GET, &format!("/Groups/{group_id}"), None).await;
    assert_eq!(group.body["members"][0]["value"], user_id, "{:?}", group.body);
    let user = app.scim(&t, Method::GET, &format!("/Users/{user_id}"), None).await;
    assert_eq!(user.body["displayName"], "Alice A.");
    // One log row per operation plus the bulk request itself.
    let ops: Vec<String> = app.log(&t).await.iter().map(|e| e.operation.clone()).collect();
    assert_eq!(ops.iter().filter(|o| *o == "create").count(), 2, "{ops:?}");
    assert!(ops.contains(&"bulk".to_owned()) && ops.contains(&"update".to_owned()), "{ops:?}");
}

#[tokio::test]
async fn fail_on_errors_stops_and_dangling_references_fail() {
    let app = TestApp::new().await;
    let t = app.tenant("bulkerr", Profile::Generic).await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "dup"}},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"userName": "DUP"}},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"userName": "never"}}
    ]);
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&request(ops, Some(1)))).await;
    let results = r.body["Operations"].as_array().unwrap();
    assert_eq!(results.len(), 2, "the third operation is not run: {results:?}");
    assert_eq!(results[1]["status"], "409");
    assert_eq!(results[1]["response"]["scimType"], "uniqueness");
    assert_eq!(app.user_count(&t).await, 1);

    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"displayName": "G", "members": [{"value": "bulkId:nobody"}]}}
    ]);
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&request(ops, None))).await;
    assert_eq!(r.body["Operations"][0]["status"], "409", "{:?}", r.body);
}

#[tokio::test]
async fn malformed_and_oversized_bulk_requests_are_refused() {
    let app = TestApp::new().await;
    let t = app.tenant("bulkbad", Profile::Generic).await;
    let no_schema = json!({"Operations": []}).to_string();
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&no_schema)).await;
    assert_eq!((r.status, r.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidSyntax")));
    let many: Vec<Value> = (0..1001).map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")})).collect();
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&request(Value::Array(many), None))).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "tooMany");
    let get = json!([{"method": "GET", "path": "/Users"}]);
    let r = app.scim(&t, Method::POST, "/Bulk", Some(&request(get, None))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.user_count(&t).await, 0);
}
