//! Issue 5: attribute mappers — Entra's create and PATCH requests carrying the custom extension
//! and the enterprise manager, derived internal attributes, type checks per profile, custom
//! extensions in discovery, re-derivation after a change, export/import, the user detail page.

use app::backend::MappingBackend;
use app::dto::{AdminIdentity, FormOutcome, SignInMethod};
use app::AppError;
use axum::http::{Method, StatusCode};
use scim::mapping::{ClaimType, MapperSpec, CUSTOM_EXTENSION_URN};
use scimhub::admin::Backend;
use scimhub::tenant::Profile;
use serde_json::{json, Map, Value};

use crate::support::{entra_user, TestApp, TestTenant};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn platform_admin() -> AdminIdentity {
    let mut admin = AdminIdentity::new("sub-plat".into(), Some("plat@msp.test".into()), None, SignInMethod::Oidc);
    admin.platform_admin = true;
    admin
}

/// Entra's create request with the enterprise manager and the custom extension of its setup
/// guide.
fn entra_create(user_name: &str, manager: &str, tag: &str) -> String {
    json!({
        "schemas": [CORE, ENTERPRISE, CUSTOM_EXTENSION_URN],
        "externalId": format!("ext-{user_name}"),
        "userName": user_name,
        "active": true,
        "displayName": "Pia Pilot",
        "emails": [
            { "primary": false, "type": "other", "value": "pia@private.test" },
            { "primary": true, "type": "work", "value": user_name }
        ],
        "name": { "formatted": "Pia Pilot", "familyName": "Pilot", "givenName": "Pia" },
        ENTERPRISE: { "department": "Sales", "manager": { "value": manager } },
        CUSTOM_EXTENSION_URN: { "tag": tag }
    })
    .to_string()
}

async fn attributes(app: &TestApp, t: &TestTenant, id: &str) -> Map<String, Value> {
    scimhub::db::user::get(&app.state.db, &t.id, id).await.unwrap().unwrap().attributes
}

async fn create(app: &TestApp, t: &TestTenant, body: &str) -> String {
    let r = app.scim(t, Method::POST, "/Users", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &TestApp, t: &TestTenant, id: &str, operations: Value) -> crate::support::Reply {
    let body = json!({ "schemas": [PATCH_OP], "Operations": operations }).to_string();
    app.scim(t, Method::PATCH, &format!("/Users/{id}"), Some(&body)).await
}

async fn saved(backend: &Backend, t: &TestTenant, spec: MapperSpec) {
    let outcome = FormOutcome::of(backend.save_mapper(&platform_admin(), None, &t.name, None, spec).await).unwrap();
    assert!(matches!(outcome, FormOutcome::Saved(_)), "{outcome:?}");
}

#[tokio::test]
async fn the_azure_defaults_map_entras_create_and_patch_requests() {
    let app = TestApp::new().await;
    let t = app.tenant("contoso", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    assert_eq!(backend.apply_azure_defaults(&admin, None, &t.name).await.unwrap(), 7);
    // Applying them again creates nothing: every user attribute is taken.
    assert_eq!(backend.apply_azure_defaults(&admin, None, &t.name).await.unwrap(), 0);
    let panel = backend.mapper_panel(&admin, &t.name).await.unwrap();
    let names: Vec<&str> = panel.mappers.iter().map(|m| m.spec.user_attribute.as_str()).collect();
    assert_eq!(names, ["status", "loginName", "firstName", "manager", "lastName", "tag", "email"]);
    let source =
        |attr: &str| panel.mappers.iter().find(|m| m.spec.user_attribute == attr).unwrap().entra_source.clone();
    assert_eq!(source("firstName").as_deref(), Some("givenName"));
    assert_eq!(source("tag").as_deref(), Some("extensionAttribute1"));

    let manager = create(&app, &t, &entra_create("boss@contoso.test", "", "gold")).await;
    let id = create(&app, &t, &entra_create("pia@contoso.test", &manager, "blue")).await;
    let derived = attributes(&app, &t, &id).await;
    let expected = json!({
        "status": true, "loginName": "pia@contoso.test", "firstName": "Pia", "manager": manager,
        "lastName": "Pilot", "tag": "blue", "email": "pia@contoso.test"
    });
    assert_eq!(Value::Object(derived), expected);

    // Entra's PATCH shapes: a path into the custom extension, string booleans, a no-path
    // replace with URN-qualified keys, and removing the manager.
    let r = patch(
        &app,
        &t,
        &id,
        json!([
            { "op": "Replace", "path": format!("{CUSTOM_EXTENSION_URN}:tag"), "value": "green" },
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Replace", "value": { "name.givenName": "Pippa" } },
            { "op": "Remove", "path": format!("{ENTERPRISE}:manager") }
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body[CUSTOM_EXTENSION_URN]["tag"], "green");
    let derived = attributes(&app, &t, &id).await;
    assert_eq!(derived["status"], false);
    assert_eq!(derived["tag"], "green");
    assert_eq!(derived["firstName"], "Pippa");
    assert!(!derived.contains_key("manager"), "{derived:?}");

    // Attributes no mapper names round-trip unchanged.
    let read = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(read.body[ENTERPRISE]["department"], "Sales");
    assert_eq!(read.body["emails"][0]["value"], "pia@private.test");
    assert!(read.body["schemas"].as_array().unwrap().iter().any(|s| s == CUSTOM_EXTENSION_URN));
}

#[tokio::test]
async fn a_custom_extension_exists_only_while_a_mapper_reads_it() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let schemas = app.scim(&t, Method::GET, "/Schemas", None).await;
    assert_eq!(schemas.body["totalResults"], 3);
    let refused = app.scim(&t, Method::POST, "/Users", Some(&entra_create("a@acme.test", "", "x"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{:?}", refused.body);
    assert_eq!(app.user_count(&t).await, 0);

    saved(&backend, &t, MapperSpec::new("tag", &format!("{CUSTOM_EXTENSION_URN}:tag"), ClaimType::String)).await;
    saved(&backend, &t, MapperSpec::new("vip", &format!("{CUSTOM_EXTENSION_URN}:vip"), ClaimType::Boolean)).await;
    let schemas = app.scim(&t, Method::GET, "/Schemas", None).await;
    assert_eq!(schemas.body["totalResults"], 4, "{:?}", schemas.body);
    let custom = app.scim(&t, Method::GET, &format!("/Schemas/{CUSTOM_EXTENSION_URN}"), None).await;
    assert_eq!(custom.status, StatusCode::OK, "{:?}", custom.body);
    let types: Map<String, Value> = custom.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_owned(), a["type"].clone()))
        .collect();
    assert_eq!((types["tag"].as_str(), types["vip"].as_str()), (Some("string"), Some("boolean")));
    let user_type = app.scim(&t, Method::GET, "/ResourceTypes/User", None).await;
    let extensions: Vec<&str> =
        user_type.body["schemaExtensions"].as_array().unwrap().iter().map(|e| e["schema"].as_str().unwrap()).collect();
    assert_eq!(extensions, [ENTERPRISE, CUSTOM_EXTENSION_URN]);

    let id = create(&app, &t, &entra_create("a@acme.test", "", "x")).await;
    assert_eq!(attributes(&app, &t, &id).await["tag"], "x");
    // Under the generic profile a string is not a boolean: 400, nothing changes.
    let r =
        patch(&app, &t, &id, json!([{ "op": "add", "path": format!("{CUSTOM_EXTENSION_URN}:vip"), "value": "True" }]))
            .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "invalidValue");
    assert!(!attributes(&app, &t, &id).await.contains_key("vip"));
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_refused_under_generic_and_coerced_under_azure() {
    let app = TestApp::new().await;
    let generic = app.tenant("generic", Profile::Generic).await;
    let azure = app.tenant("azure", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    for t in [&generic, &azure] {
        // `employeeNumber` is a SCIM string; the mapper reads it as a number.
        saved(&backend, t, MapperSpec::new("employee", &format!("{ENTERPRISE}:employeeNumber"), ClaimType::Long)).await;
    }
    let body = |n: &str| {
        json!({ "schemas": [CORE, ENTERPRISE], "userName": "e@x.test", ENTERPRISE: { "employeeNumber": n } })
            .to_string()
    };
    let refused = app.scim(&generic, Method::POST, "/Users", Some(&body("42"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{:?}", refused.body);
    assert_eq!(refused.body["scimType"], "invalidValue");
    assert!(refused.body["detail"].as_str().unwrap().contains("employee"), "{:?}", refused.body);
    assert_eq!(app.user_count(&generic).await, 0);

    let id = create(&app, &azure, &body("42")).await;
    assert_eq!(attributes(&app, &azure, &id).await["employee"], 42);
    let r = app.scim(&azure, Method::POST, "/Users", Some(&body("forty-two").replace("e@x", "f@x"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(app.user_count(&azure).await, 1);
}

#[tokio::test]
async fn changing_the_mappers_rederives_existing_users() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(create(&app, &t, &entra_user(&format!("u{n}@acme.test"), &format!("ext-{n}"))).await);
    }
    assert!(attributes(&app, &t, &ids[0]).await.is_empty());

    saved(&backend, &t, MapperSpec::new("first", "name.givenName", ClaimType::String)).await;
    for id in &ids {
        assert_eq!(attributes(&app, &t, id).await["first"], "Pilot");
    }
    // A change to the mapper re-derives under the new name; the old one is gone.
    let panel = backend.mapper_panel(&admin, &t.name).await.unwrap();
    let mut changed = panel.mappers[0].spec.clone();
    changed.user_attribute = "given".into();
    let id = Some(panel.mappers[0].id.clone());
    assert!(matches!(
        FormOutcome::of(backend.save_mapper(&admin, None, &t.name, id, changed).await).unwrap(),
        FormOutcome::Saved(_)
    ));
    let derived = attributes(&app, &t, &ids[1]).await;
    assert_eq!((derived.get("first"), derived["given"].as_str()), (None, Some("Pilot")));

    // Behind the revision (as after a change by another process), the panel shows progress and
    // the background worker catches up.
    let mut tx = app.state.db.writer().begin().await.unwrap();
    scimhub::db::mapper::bump_revision(&mut tx, &t.id).await.unwrap();
    tx.commit().await.unwrap();
    let progress = backend.mapper_panel(&admin, &t.name).await.unwrap().rederive;
    assert_eq!(progress, Some(app::dto::RederiveProgress { done: 0, total: 3 }));
    scimhub::provisioning::mapping::rederive_in_background(&app.state, &t.id);
    let mut waited = 0;
    while backend.mapper_panel(&admin, &t.name).await.unwrap().rederive.is_some() {
        assert!(waited < 200, "the re-derivation did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let detail = backend.user_detail(&admin, &t.name, &ids[2]).await.unwrap();
    assert!(!detail.mapping_pending);

    // Deleting the last mapper leaves users without internal attributes.
    let mapper = backend.mapper_panel(&admin, &t.name).await.unwrap().mappers.remove(0);
    backend.delete_mapper(&admin, None, &t.name, &mapper.id).await.unwrap();
    assert!(attributes(&app, &t, &ids[0]).await.is_empty());
}

#[tokio::test]
async fn the_editor_refuses_bad_mappers_and_stores_nothing() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    saved(&backend, &t, MapperSpec::new("first", "name.givenName", ClaimType::String)).await;
    let cases = [
        (MapperSpec::new("bad", "name.nope", ClaimType::String), MapperSpec::CLAIM),
        (
            MapperSpec::new("bad", "urn:ietf:params:scim:schemas:core:2.0:Group:members", ClaimType::String),
            MapperSpec::CLAIM,
        ),
        (MapperSpec::new("bad", "password", ClaimType::String), MapperSpec::CLAIM),
        (MapperSpec::new("FIRST", "userName", ClaimType::String), MapperSpec::NAME),
        (
            MapperSpec { name: "other".into(), ..MapperSpec::new("First", "userName", ClaimType::String) },
            MapperSpec::USER_ATTRIBUTE,
        ),
        (MapperSpec::new("has space", "userName", ClaimType::String), MapperSpec::USER_ATTRIBUTE),
    ];
    for (bad, field) in cases {
        let answer = FormOutcome::of(backend.save_mapper(&admin, None, &t.name, None, bad.clone()).await).unwrap();
        match answer {
            FormOutcome::Refused { field: f, message } => {
                assert_eq!(f, field, "{bad:?}: {message}");
                assert!(!message.is_empty());
            }
            FormOutcome::Saved(_) => panic!("{bad:?} was saved"),
        }
    }
    assert_eq!(backend.mapper_panel(&admin, &t.name).await.unwrap().mappers.len(), 1);
    let missing = backend.save_mapper(
        &admin,
        None,
        &t.name,
        Some("nope".into()),
        MapperSpec::new("x", "userName", ClaimType::String),
    );
    assert_eq!(missing.await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn mappers_move_between_tenants_as_json() {
    let app = TestApp::new().await;
    let from = app.tenant("template", Profile::Azure).await;
    let to = app.tenant("customer", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    backend.apply_azure_defaults(&admin, None, &from.name).await.unwrap();
    let mut extra = MapperSpec::new("dept", &format!("{ENTERPRISE}:department"), ClaimType::String);
    extra.id_token = false;
    saved(&backend, &from, extra).await;
    let exported = backend.export_mappers(&admin, &from.name).await.unwrap();
    let specs: Vec<MapperSpec> = serde_json::from_str(&exported).unwrap();
    assert_eq!(specs.len(), 8);
    assert!(!specs[7].id_token && specs[7].access_token);

    assert_eq!(backend.import_mappers(&admin, None, &to.name, &exported, false).await, Ok(8));
    let copied: Vec<MapperSpec> =
        backend.mapper_panel(&admin, &to.name).await.unwrap().mappers.into_iter().map(|m| m.spec).collect();
    assert_eq!(copied, specs);

    // Adding them again clashes: refused, naming the mapper; nothing changes.
    let again = FormOutcome::of(backend.import_mappers(&admin, None, &to.name, &exported, false).await).unwrap();
    let FormOutcome::Refused { field, message } = again else { panic!("imported twice") };
    assert_eq!(field, "import");
    assert!(message.contains("mapper 1 (\"status\")"), "{message}");
    for bad in ["not json", "{\"mappers\": 3}", "[{\"name\": \"x\"}]"] {
        let answer = FormOutcome::of(backend.import_mappers(&admin, None, &to.name, bad, true).await).unwrap();
        assert!(matches!(answer, FormOutcome::Refused { ref field, .. } if field == "import"), "{bad}: {answer:?}");
    }
    // An oversized import is refused whole.
    let many: Vec<MapperSpec> =
        (0..501).map(|i| MapperSpec::new(&format!("m{i}"), "userName", ClaimType::String)).collect();
    let answer = FormOutcome::of(
        backend.import_mappers(&admin, None, &to.name, &serde_json::to_string(&many).unwrap(), true).await,
    )
    .unwrap();
    let FormOutcome::Refused { field, message } = answer else { panic!("501 mappers were imported") };
    assert_eq!((field.as_str(), message.as_str()), ("import", "at most 500 mappers at once"));
    assert_eq!(backend.mapper_panel(&admin, &to.name).await.unwrap().mappers.len(), 8);

    // Replacing keeps only the imported ones.
    let one = serde_json::to_string(&[MapperSpec::new("only", "userName", ClaimType::String)]).unwrap();
    assert_eq!(backend.import_mappers(&admin, None, &to.name, &one, true).await, Ok(1));
    assert_eq!(backend.mapper_panel(&admin, &to.name).await.unwrap().mappers.len(), 1);
}

#[tokio::test]
async fn the_user_page_shows_attributes_claims_and_history_and_manual_changes_are_logged() {
    let app = TestApp::new().await;
    let t = app.tenant("contoso", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    backend.apply_azure_defaults(&admin, None, &t.name).await.unwrap();
    // firstName only in access tokens.
    let panel = backend.mapper_panel(&admin, &t.name).await.unwrap();
    let first = panel.mappers.iter().find(|m| m.spec.user_attribute == "firstName").unwrap().clone();
    let only_access = MapperSpec { id_token: false, userinfo: false, introspection: false, ..first.spec };
    backend.save_mapper(&admin, None, &t.name, Some(first.id), only_access).await.unwrap();

    let id = create(&app, &t, &entra_create("pia@contoso.test", "", "blue")).await;
    let group = json!({ "displayName": "Sales", "members": [{ "value": id }] }).to_string();
    assert_eq!(app.scim(&t, Method::POST, "/Groups", Some(&group)).await.status, StatusCode::CREATED);

    let detail = backend.user_detail(&admin, &t.name, &id).await.unwrap();
    assert_eq!(detail.user_name, "pia@contoso.test");
    let internal: Vec<(&str, &str)> = detail.internal.iter().map(|a| (a.name.as_str(), a.value.as_str())).collect();
    assert!(internal.contains(&("firstName", "\"Pia\"")) && internal.contains(&("status", "true")), "{internal:?}");
    let claims = |token: &str| -> Value {
        serde_json::from_str(&detail.claims.iter().find(|c| c.token == token).unwrap().claims).unwrap()
    };
    assert_eq!(claims("Access token")["firstName"], "Pia");
    assert_eq!(claims("ID token").get("firstName"), None);
    assert_eq!(claims("ID token")["sub"], id.as_str());
    assert_eq!(claims("Userinfo")["tag"], "blue");
    assert_eq!(detail.groups.iter().map(|g| g.display_name.as_str()).collect::<Vec<_>>(), ["Sales"]);
    let resource: Value = serde_json::from_str(&detail.resource).unwrap();
    assert_eq!(resource["id"], id.as_str());
    assert!(detail.history.iter().any(|h| h.operation == "create"));

    // A manual deactivation goes through SCIM's path: logged as the administrator's, mapped.
    backend.deactivate_user(&admin, Some("192.0.2.7".into()), &t.name, &id).await.unwrap();
    assert_eq!(attributes(&app, &t, &id).await["status"], false);
    let log = app.log(&t).await;
    let row = &log[0];
    assert_eq!((row.operation.as_str(), row.status, row.credential_id.as_deref()), ("deactivate", 200, None));
    assert!(row.user_agent.as_deref().unwrap().contains("plat@msp.test"), "{row:?}");
    assert_eq!(row.client_addr.as_deref(), Some("192.0.2.7"));
    backend.delete_user(&admin, None, &t.name, &id).await.unwrap();
    assert_eq!(app.user_count(&t).await, 0);
    assert_eq!(app.log(&t).await[0].operation, "delete");
    assert_eq!(backend.user_detail(&admin, &t.name, &id).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn every_attribute_a_tenant_publishes_can_be_filtered_and_sorted_on() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Azure).await;
    let other = app.tenant("globex", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    saved(&backend, &t, MapperSpec::new("tag", &format!("{CUSTOM_EXTENSION_URN}:tag"), ClaimType::String)).await;
    let blue = create(&app, &t, &entra_create("blue@acme.test", "", "Blue")).await;
    create(&app, &t, &entra_create("green@acme.test", "", "green")).await;

    let filter =
        |f: &str| format!("/Users?filter={}", url::form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>());
    // URN-qualified, as the suites send it; a string compares case-insensitively (caseExact false).
    let r = app.scim(&t, Method::GET, &filter(&format!("{CUSTOM_EXTENSION_URN}:tag eq \"blue\"")), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
    assert_eq!(r.body["Resources"][0]["id"], blue.as_str());
    // Unqualified: the name is unique among the tenant's schemas.
    let r = app.scim(&t, Method::GET, &filter("tag sw \"gr\""), None).await;
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
    assert_eq!(r.body["Resources"][0]["userName"], "green@acme.test");
    // Sorting by it, and the same filter through /.search.
    let r = app
        .scim(&t, Method::GET, &format!("/Users?sortBy={CUSTOM_EXTENSION_URN}:tag&sortOrder=descending"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let names: Vec<&str> =
        r.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["green@acme.test", "blue@acme.test"]);
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": format!("{CUSTOM_EXTENSION_URN}:tag eq \"Blue\"")});
    let r = app.scim(&t, Method::POST, "/Users/.search", Some(&search.to_string())).await;
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);

    // A tenant whose mappers do not publish the extension still refuses the attribute.
    let r = app.scim(&other, Method::GET, &filter(&format!("{CUSTOM_EXTENSION_URN}:tag eq \"blue\"")), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "invalidFilter");
}

#[tokio::test]
async fn an_inverted_mapper_stores_the_opposite_and_survives_export_and_storage() {
    let app = TestApp::new().await;
    let t = app.tenant("kzero", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    // The KZero guide's table: active → isSoftDeleted, which must be inverted.
    let soft_deleted = MapperSpec { invert: true, ..MapperSpec::new("isSoftDeleted", "active", ClaimType::Boolean) };
    saved(&backend, &t, soft_deleted.clone()).await;
    let id =
        create(&app, &t, &json!({ "schemas": [CORE], "userName": "pia@kzero.test", "active": "True" }).to_string())
            .await;
    assert_eq!(attributes(&app, &t, &id).await["isSoftDeleted"], false);
    // Entra deactivates the way it does: the attribute follows, inverted.
    let off = patch(&app, &t, &id, json!([{ "op": "Replace", "path": "active", "value": "False" }])).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    assert_eq!(attributes(&app, &t, &id).await["isSoftDeleted"], true);

    // Stored, listed and exported with the option; only a Boolean can be inverted.
    let listed = backend.mapper_panel(&admin, &t.name).await.unwrap().mappers;
    assert_eq!(listed.iter().map(|m| &m.spec).collect::<Vec<_>>(), [&soft_deleted]);
    let exported: Vec<MapperSpec> =
        serde_json::from_str(&backend.export_mappers(&admin, &t.name).await.unwrap()).unwrap();
    assert!(exported[0].invert);
    let text = MapperSpec { invert: true, ..MapperSpec::new("mail", "userName", ClaimType::String) };
    let refused = FormOutcome::of(backend.save_mapper(&admin, None, &t.name, None, text).await).unwrap();
    assert!(matches!(refused, FormOutcome::Refused { ref field, .. } if field == MapperSpec::INVERT), "{refused:?}");
    assert_eq!(backend.mapper_panel(&admin, &t.name).await.unwrap().mappers.len(), 1);
}
