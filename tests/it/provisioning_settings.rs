//! The advanced SCIM settings: user linking on creation and required attributes, through the
//! router, on the stored tenant settings.

use axum::http::{header, Method, StatusCode};
use scimhub::db::tenant;
use scimhub::tenant::{LinkMatch, Profile};
use serde_json::{json, Value};

use crate::support::{entra_user, TestApp, TestTenant, PUBLIC_URL};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn configure(app: &TestApp, t: &TestTenant, link: Option<LinkMatch>, required: &[&str]) {
    let stored = tenant::by_name(&app.state.db, &t.name).await.unwrap().unwrap();
    let mut settings = stored.settings();
    settings.provisioning.link_users_by = link;
    settings.provisioning.required_attributes =
        scimhub::tenant::parse_required_attributes(&required.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>())
            .unwrap();
    assert!(tenant::update_settings(&app.state.db, &t.id, &settings, 0).await.unwrap());
}

/// A user as a client without an identity-provider link creates it: no externalId.
fn unlinked_user(user_name: &str, email: &str) -> String {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "displayName": "Before Linking",
        "emails": [{ "value": email, "type": "work" }]
    })
    .to_string()
}

async fn create(app: &TestApp, t: &TestTenant, body: &str) -> crate::support::Reply {
    app.scim(t, Method::POST, "/Users", Some(body)).await
}

#[tokio::test]
async fn a_taken_user_name_is_a_conflict_while_linking_is_off() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let first = create(&app, &t, &unlinked_user("ada@acme.test", "ada@acme.test")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = create(&app, &t, &entra_user("ADA@acme.test", "ext-ada")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert_eq!(again.body["scimType"], "uniqueness");
    assert_eq!(app.user_count(&t).await, 1);
}

#[tokio::test]
async fn linking_by_user_name_adopts_an_unlinked_user_and_logs_it() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let first = create(&app, &t, &unlinked_user("ada@acme.test", "ada@acme.test")).await;
    let id = first.body["id"].as_str().unwrap().to_owned();
    // A group membership survives the adoption.
    let group = json!({ "displayName": "Staff", "members": [{ "value": id }] }).to_string();
    assert_eq!(app.scim(&t, Method::POST, "/Groups", Some(&group)).await.status, StatusCode::CREATED);
    configure(&app, &t, Some(LinkMatch::UserName), &[]).await;

    let adopted = create(&app, &t, &entra_user("ADA@acme.test", "ext-ada")).await;
    assert_eq!(adopted.status, StatusCode::CREATED, "{:?}", adopted.body);
    assert_eq!(adopted.body["id"], id.as_str(), "the existing user is adopted, not duplicated");
    assert_eq!(adopted.headers[header::LOCATION], format!("{PUBLIC_URL}/realms/acme/scim/v2/Users/{id}"));
    assert_eq!(adopted.body["externalId"], "ext-ada");
    assert_eq!(adopted.body["displayName"], "Pilot User", "the request's resource replaces the old one");
    assert_eq!(adopted.body["meta"]["version"], "W/\"2\"");
    assert_eq!(adopted.body["meta"]["created"], first.body["meta"]["created"]);
    assert_eq!(adopted.body["groups"][0]["display"], "Staff");
    assert_eq!(app.user_count(&t).await, 1);

    let log = app.log(&t).await;
    let link = log.iter().find(|e| e.operation == "link").expect("a link row");
    assert_eq!((link.status, link.resource_id.as_deref()), (201, Some(id.as_str())));
    assert!(link.detail.as_deref().unwrap().contains("by userName"), "{:?}", link.detail);

    // Now linked (it has an externalId): another identity provider object with the same
    // userName is a conflict again.
    let other = create(&app, &t, &entra_user("ada@acme.test", "ext-other")).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{:?}", other.body);
    let kept = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(kept.body["externalId"], "ext-ada");
}

#[tokio::test]
async fn linking_by_email_needs_exactly_one_unlinked_match() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let ada = create(&app, &t, &unlinked_user("ada.local", "Ada@Acme.test")).await;
    let ada_id = ada.body["id"].as_str().unwrap().to_owned();
    create(&app, &t, &unlinked_user("twin-1", "twin@acme.test")).await;
    create(&app, &t, &unlinked_user("twin-2", "twin@acme.test")).await;
    configure(&app, &t, Some(LinkMatch::Email), &[]).await;

    // Entra's userName differs; its primary email matches Ada's (case-insensitive).
    let adopted = create(&app, &t, &entra_user("ada@acme.test", "ext-ada")).await;
    assert_eq!(adopted.status, StatusCode::CREATED, "{:?}", adopted.body);
    assert_eq!(adopted.body["id"], ada_id.as_str());
    assert_eq!(adopted.body["userName"], "ada@acme.test");

    // Two users share the email: nothing is adopted, a new user is created.
    let fresh = create(&app, &t, &entra_user("twin@acme.test", "ext-twin")).await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert_eq!(app.user_count(&t).await, 4);
    let twins = app.scim(&t, Method::GET, "/Users?filter=userName%20sw%20%22twin-%22", None).await;
    assert!(twins.body["Resources"].as_array().unwrap().iter().all(|u| u.get("externalId").is_none()));
}

#[tokio::test]
async fn linking_by_external_id_readopts_the_identity_providers_own_user() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let first = create(&app, &t, &entra_user("old-name@acme.test", "ext-7")).await;
    let id = first.body["id"].as_str().unwrap().to_owned();
    // The identity provider lost the id and creates the user again, under a new userName.
    configure(&app, &t, Some(LinkMatch::ExternalId), &[]).await;
    let again = create(&app, &t, &entra_user("new-name@acme.test", "ext-7")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(again.body["userName"], "new-name@acme.test");
    assert_eq!(app.user_count(&t).await, 1);
    // A different externalId whose userName is taken is still a conflict.
    let clash = create(&app, &t, &entra_user("new-name@acme.test", "ext-8")).await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn required_attributes_refuse_users_without_them_and_name_the_attribute() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    configure(&app, &t, None, &["displayName", "emails", "name.givenName"]).await;

    let bare = json!({ "userName": "bare", "emails": [{ "value": "b@x.test" }], "name": { "givenName": "B" } });
    let refused = create(&app, &t, &bare.to_string()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["scimType"], "invalidValue");
    assert!(refused.body["detail"].as_str().unwrap().contains("\"displayName\""), "{:?}", refused.body);
    let blank = json!({ "userName": "blank", "displayName": "Blank", "emails": [], "name": { "givenName": "B" } });
    let refused = create(&app, &t, &blank.to_string()).await;
    assert!(refused.body["detail"].as_str().unwrap().contains("\"emails\""), "{:?}", refused.body);
    assert_eq!(app.user_count(&t).await, 0);

    let ok = create(&app, &t, &entra_user("ok@acme.test", "ext-ok")).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    let id = ok.body["id"].as_str().unwrap();

    // A PATCH that removes a required attribute is refused and changes nothing.
    let remove = json!({ "schemas": [PATCH], "Operations": [{ "op": "remove", "path": "name.givenName" }] });
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&remove.to_string())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["detail"].as_str().unwrap().contains("\"name.givenName\""), "{:?}", r.body);
    // So is a PUT without it.
    let mut replacement: Value = serde_json::from_str(&entra_user("ok@acme.test", "ext-ok")).unwrap();
    replacement.as_object_mut().unwrap().remove("displayName");
    let r = app.scim(&t, Method::PUT, &format!("/Users/{id}"), Some(&replacement.to_string())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let stored = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(stored.body["name"]["givenName"], "Pilot");
    assert_eq!(stored.body["displayName"], "Pilot User");
    assert_eq!(stored.body["meta"]["version"], "W/\"1\"");
    // An unrelated PATCH still works.
    let title = json!({ "schemas": [PATCH], "Operations": [{ "op": "add", "path": "title", "value": "CTO" }] });
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&title.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // The refusals are in the log as client errors.
    let refusals = app.log(&t).await.into_iter().filter(|e| e.status == 400).count();
    assert_eq!(refusals, 4);
}
