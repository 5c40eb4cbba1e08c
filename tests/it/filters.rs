//! SCIM filters (RFC 7644 §3.4.2.2) evaluated by the database, on both dialects: every
//! operator, logic, value paths, JSON-stored attributes, dates and the limits.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::json;

use crate::support::{TestApp, TestTenant};

/// Creates the directory the filters run against.
async fn directory(app: &TestApp) -> TestTenant {
    let t = app.tenant("filters", Profile::Generic).await;
    let users = [
        json!({"userName": "alice@example.com", "displayName": "Alice Liddell", "externalId": "A-1", "active": true,
               "title": "Engineer", "name": {"givenName": "Alice", "familyName": "Liddell"},
               "emails": [{"type": "work", "value": "alice@example.com", "primary": true}, {"type": "home", "value": "al@home.test"}]}),
        json!({"userName": "bob@example.com", "displayName": "Bob Builder", "externalId": "B-2", "active": false,
               "title": "Manager", "name": {"givenName": "Bob", "familyName": "Builder"},
               "emails": [{"type": "work", "value": "bob@example.com"}]}),
        json!({"userName": "carol@other.org", "displayName": "Carol", "active": true,
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "employeeNumber": "701"}}),
    ];
    for u in users {
        let r = app.scim(&t, Method::POST, "/Users", Some(&u.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    t
}

async fn names(app: &TestApp, t: &TestTenant, filter: &str) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    let r = app.scim(t, Method::GET, &format!("/Users?filter={encoded}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{filter}: {:?}", r.body);
    let mut names: Vec<String> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().split('@').next().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(r.body["totalResults"], names.len(), "{filter}");
    names
}

#[tokio::test]
async fn operators_logic_and_paths_select_the_right_users() {
    let app = TestApp::new().await;
    let t = directory(&app).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "ALICE@example.com""#, &["alice"]),
        (r#"userName ne "alice@example.com""#, &["bob", "carol"]),
        (r#"userName co "example""#, &["alice", "bob"]),
        (r#"userName sw "b""#, &["bob"]),
        (r#"userName ew ".org""#, &["carol"]),
        (r#"displayName co "builder""#, &["bob"]),
        (r#"externalId eq "a-1""#, &[]),
        (r#"externalId pr"#, &["alice", "bob"]),
        (r#"not (externalId pr)"#, &["carol"]),
        (r#"active eq false"#, &["bob"]),
        (r#"active eq true and userName co "example""#, &["alice"]),
        (r#"title eq "manager" or displayName eq "carol""#, &["bob", "carol"]),
        (r#"name.familyName sw "lid""#, &["alice"]),
        (r#"name.givenName pr and not (title eq "Engineer")"#, &["bob"]),
        (r#"emails.value ew "@home.test""#, &["alice"]),
        (r#"emails[type eq "work" and value co "bob"]"#, &["bob"]),
        (r#"emails[type eq "home"]"#, &["alice"]),
        (r#"emails pr"#, &["alice", "bob"]),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#, &["carol"]),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr"#, &["carol"]),
        (r#"meta.created gt "2000-01-01T00:00:00Z""#, &["alice", "bob", "carol"]),
        (r#"meta.lastModified lt "2000-01-01T00:00:00Z""#, &[]),
        (r#"(userName sw "a" or userName sw "b") and active eq true"#, &["alice"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&app, &t, filter).await, *expected, "{filter}");
    }
}

#[tokio::test]
async fn filter_limits_and_type_errors_are_invalid_filter() {
    let app = TestApp::new().await;
    let t = directory(&app).await;
    let deep = format!("{}userName eq \"x\"{}", "(".repeat(40), ")".repeat(40));
    for filter in [
        deep.as_str(),
        "active eq \"yes\"",
        "meta.created gt 5",
        "userName gt true",
        "emails[value eq \"x\"",
        "groups eq 1 and",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let r = app.scim(&t, Method::GET, &format!("/Users?filter={encoded}"), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{filter}: {:?}", r.body);
        assert_eq!(r.body["scimType"], "invalidFilter", "{filter}");
    }
}

#[tokio::test]
async fn sort_by_columns_json_and_multi_valued_attributes() {
    let app = TestApp::new().await;
    let t = directory(&app).await;
    let order = |query: &'static str| {
        let (app, t) = (&app, &t);
        async move {
            let r = app.scim(t, Method::GET, &format!("/Users?{query}"), None).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.body);
            r.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["userName"].as_str().unwrap().split('@').next().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(order("sortBy=userName").await, ["alice", "bob", "carol"]);
    assert_eq!(order("sortBy=userName&sortOrder=descending").await, ["carol", "bob", "alice"]);
    assert_eq!(order("sortBy=displayName&sortOrder=descending").await, ["carol", "bob", "alice"]);
    // Users without the attribute come last ascending, first descending (RFC 7644 §3.4.2.3):
    // titles are alice "Engineer", bob "Manager", carol none; externalIds "A-1", "B-2", none.
    assert_eq!(order("sortBy=title").await, ["alice", "bob", "carol"]);
    assert_eq!(order("sortBy=title&sortOrder=descending").await, ["carol", "bob", "alice"]);
    assert_eq!(order("sortBy=externalId&sortOrder=descending").await, ["carol", "bob", "alice"]);
    assert_eq!(order("sortBy=emails.value&sortOrder=descending").await, ["carol", "bob", "alice"]);
    assert_eq!(order("sortBy=meta.created&sortOrder=descending&count=2").await, ["carol", "bob"]);
    assert_eq!(order("sortBy=userName&startIndex=2&count=1").await, ["bob"]);

    let bad = app.scim(&t, Method::GET, "/Users?sortBy=shoeSize", None).await;
    assert_eq!((bad.status, bad.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
}
