//! Groups end to end through the router: Entra ID's and Okta's group cycles, members as set
//! operations (10,000 at a time), the user's `groups`, deletions, atomicity and the log.

use axum::http::{Method, StatusCode};
use scimhub::db::group as store;
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{Reply, TestApp, TestTenant, PUBLIC_URL};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn fixture(name: &str) -> Value {
    let path = format!("{}/scim/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn user(app: &TestApp, t: &TestTenant, user_name: &str) -> String {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name,
                      "displayName": format!("{user_name} (display)")});
    let r = app.scim(t, Method::POST, "/Users", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn group(app: &TestApp, t: &TestTenant, display_name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let body = json!({"schemas": [GROUP], "displayName": display_name, "members": members});
    let r = app.scim(t, Method::POST, "/Groups", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &TestApp, t: &TestTenant, id: &str, ops: Value) -> Reply {
    let body = json!({"schemas": [PATCH], "Operations": ops});
    app.scim(t, Method::PATCH, &format!("/Groups/{id}"), Some(&body.to_string())).await
}

async fn get(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    let r = app.scim(t, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// The member ids a group read shows, in order.
fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|m| m.iter().map(|v| v["value"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn member_count(app: &TestApp, t: &TestTenant, id: &str) -> u64 {
    store::member_count(app.state.db.reader(), &t.id, id).await.unwrap()
}

fn assert_scim_error(r: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{:?}", r.body);
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{:?}", r.body);
}

#[tokio::test]
async fn entra_group_create_add_and_remove_members() {
    let app = TestApp::new().await;
    let t = app.tenant("entra", Profile::Azure).await;
    let (u1, u2) = (user(&app, &t, "u1@entra.test").await, user(&app, &t, "u2@entra.test").await);

    // Entra's existence check, then its create with the ADSCIM schema URI.
    let check = "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22displayName%22";
    assert_eq!(app.scim(&t, Method::GET, check, None).await.body["totalResults"], 0);
    let created = app.scim(&t, Method::POST, "/Groups", Some(&fixture("entra-create-group.json").to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["schemas"][0], GROUP);
    assert_eq!(created.body["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(created.body["meta"]["resourceType"], "Group");
    assert_eq!(created.body["meta"]["location"], format!("{PUBLIC_URL}/realms/entra/scim/v2/Groups/{id}"));
    assert!(created.body.get("members").is_none());
    let found = app.scim(&t, Method::GET, check, None).await;
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());

    // Add a member the way Entra does: "Add", path members, a value array.
    let mut add = fixture("entra-patch-add-member.json");
    add["Operations"][0]["value"][0]["value"] = json!(u1);
    let r = app.scim(&t, Method::PATCH, &format!("/Groups/{id}"), Some(&add.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(r.headers["etag"], "W/\"2\"");
    let read = get(&app, &t, &id).await;
    assert_eq!(
        read["members"],
        json!([{"value": u1, "$ref": format!("{PUBLIC_URL}/realms/entra/scim/v2/Users/{u1}"), "type": "User"}])
    );
    assert_eq!(read["meta"]["version"], "W/\"2\"");
    // The member's display name is computed, so it is returned only on request (see /Schemas).
    let named = app.scim(&t, Method::GET, &format!("/Groups/{id}?attributes=members.display"), None).await;
    assert_eq!(named.body["members"], json!([{"display": "u1@entra.test (display)"}]));

    // Remove it by a value array (Entra's shape).
    let mut remove = fixture("entra-patch-remove-member-value.json");
    remove["Operations"][0]["value"][0]["value"] = json!(u1);
    let r = app.scim(&t, Method::PATCH, &format!("/Groups/{id}"), Some(&remove.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert!(get(&app, &t, &id).await.get("members").is_none());

    // Remove by a value filter (RFC 7644 §3.5.2.2).
    let r =
        patch(&app, &t, &id, json!([{"op": "Add", "path": "members", "value": [{"value": u1}, {"value": u2}]}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let mut by_filter = fixture("rfc7644-3.5.2.2-remove-member-filter.json");
    by_filter["Operations"][0]["path"] = json!(format!("members[value eq \"{u1}\"]"));
    let r = app.scim(&t, Method::PATCH, &format!("/Groups/{id}"), Some(&by_filter.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_ids(&get(&app, &t, &id).await), [u2.as_str()]);
    // Removing a member that is no longer there changes nothing and is no error.
    let r = app.scim(&t, Method::PATCH, &format!("/Groups/{id}"), Some(&by_filter.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_count(&app, &t, &id).await, 1);
}

#[tokio::test]
async fn okta_group_push_rename_members_and_put() {
    let app = TestApp::new().await;
    let t = app.tenant("okta", Profile::Generic).await;
    let (u1, u2, u3) =
        (user(&app, &t, "a@okta.test").await, user(&app, &t, "b@okta.test").await, user(&app, &t, "c@okta.test").await);

    // Push: look the group up by name (case-insensitively), create it, list it paginated.
    let lookup = "/Groups?filter=displayName%20eq%20%22tour%20guides%22&startIndex=1&count=100";
    assert_eq!(app.scim(&t, Method::GET, lookup, None).await.body["totalResults"], 0);
    let id = group(&app, &t, "Tour Guides", &[&u1]).await;
    let found = app.scim(&t, Method::GET, lookup, None).await;
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(member_ids(&found.body["Resources"][0]), [u1.as_str()]);

    // Rename by a no-path replace of {id, displayName}.
    let mut rename = fixture("okta-patch-rename-group.json");
    rename["Operations"][0]["value"]["id"] = json!(id);
    let r = app.scim(&t, Method::PATCH, &format!("/Groups/{id}"), Some(&rename.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let read = get(&app, &t, &id).await;
    assert_eq!(read["displayName"], "Tour Guides (EMEA)");
    assert_eq!(member_ids(&read), [u1.as_str()], "a rename keeps the members");
    assert_eq!(app.scim(&t, Method::GET, lookup, None).await.body["totalResults"], 0);
    let renamed = "/Groups?filter=displayName%20eq%20%22Tour%20Guides%20(EMEA)%22";
    assert_eq!(app.scim(&t, Method::GET, renamed, None).await.body["totalResults"], 1);

    // Member add and remove, Okta's shapes.
    let r =
        patch(&app, &t, &id, json!([{"op": "add", "path": "members", "value": [{"value": u2, "display": "b"}]}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = patch(&app, &t, &id, json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_ids(&get(&app, &t, &id).await), [u2.as_str()]);

    // PUT of the whole group replaces its members.
    let put = json!({"schemas": [GROUP], "id": id, "displayName": "Tour Guides",
                     "members": [{"value": u2}, {"value": u3, "type": "User"}]});
    let r = app.scim(&t, Method::PUT, &format!("/Groups/{id}"), Some(&put.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Tour Guides");
    assert_eq!(sorted(member_ids(&r.body)), sorted(vec![u2.clone(), u3.clone()]));
    let put = json!({"schemas": [GROUP], "displayName": "Tour Guides"});
    let r = app.scim(&t, Method::PUT, &format!("/Groups/{id}"), Some(&put.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.body.get("members").is_none(), "a PUT without members empties the group");
    assert_eq!(member_count(&app, &t, &id).await, 0);

    // A replace with path "members" sets the members exactly; a remove without value clears.
    let r =
        patch(&app, &t, &id, json!([{"op": "replace", "path": "members", "value": [{"value": u1}, {"value": u3}]}]))
            .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(sorted(member_ids(&get(&app, &t, &id).await)), sorted(vec![u1.clone(), u3.clone()]));
    let r =
        patch(&app, &t, &id, json!([{"op": "replace", "path": "members", "value": [{"value": u3}, {"value": u2}]}]))
            .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(sorted(member_ids(&get(&app, &t, &id).await)), sorted(vec![u2.clone(), u3.clone()]));
    let r = patch(&app, &t, &id, json!([{"op": "remove", "path": "members"}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_count(&app, &t, &id).await, 0);
}

#[tokio::test]
async fn reads_project_members_and_filters_use_columns_and_rows() {
    let app = TestApp::new().await;
    let t = app.tenant("reads", Profile::Generic).await;
    let u1 = user(&app, &t, "one@reads.test").await;
    let admins = group(&app, &t, "Admins", &[&u1]).await;
    let body = json!({"schemas": [GROUP], "displayName": "Staff", "externalId": "ext-staff"});
    let staff =
        app.scim(&t, Method::POST, "/Groups", Some(&body.to_string())).await.body["id"].as_str().unwrap().to_owned();

    let r = app.scim(&t, Method::GET, &format!("/Groups/{admins}?excludedAttributes=members"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("members").is_none());
    assert_eq!(r.body["displayName"], "Admins");
    let r = app.scim(&t, Method::GET, &format!("/Groups/{admins}?attributes=displayName"), None).await;
    assert_eq!(r.body, json!({"schemas": [GROUP], "id": admins, "displayName": "Admins"}));
    let r = app.scim(&t, Method::GET, "/Groups?excludedAttributes=members", None).await;
    assert_eq!(r.body["totalResults"], 2);
    assert!(r.body["Resources"].as_array().unwrap().iter().all(|g| g.get("members").is_none()));
    let r = app.scim(&t, Method::GET, "/Groups", None).await;
    let listed = r.body["Resources"].as_array().unwrap().iter().find(|g| g["id"] == admins.as_str()).unwrap();
    assert_eq!(member_ids(listed), [u1.as_str()]);

    // A PATCH asking for attributes gets them in a 200.
    let r = app
        .scim(
            &t,
            Method::PATCH,
            &format!("/Groups/{staff}?attributes=members"),
            Some(&json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": u1}]}]}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"schemas": [GROUP], "id": staff, "members": [{"value": u1, "type": "User",
        "$ref": format!("{PUBLIC_URL}/realms/reads/scim/v2/Users/{u1}"), "display": "one@reads.test (display)"}]})
    );

    let ids = |r: &Reply| -> Vec<String> {
        sorted(r.body["Resources"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_owned()).collect())
    };
    for (filter, expected) in [
        (format!("members[value eq \"{u1}\"]"), sorted(vec![admins.clone(), staff.clone()])),
        (format!("members.value eq \"{u1}\" and displayName eq \"STAFF\""), vec![staff.clone()]),
        ("externalId eq \"ext-staff\"".to_owned(), vec![staff.clone()]),
        (format!("id eq \"{admins}\""), vec![admins.clone()]),
        ("displayName sw \"adm\"".to_owned(), vec![admins.clone()]),
        ("meta.lastModified gt \"2000-01-01T00:00:00Z\"".to_owned(), sorted(vec![admins.clone(), staff.clone()])),
        ("members[type eq \"Group\"]".to_owned(), vec![]),
    ] {
        let q: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let r = app.scim(&t, Method::GET, &format!("/Groups?filter={q}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{filter}: {:?}", r.body);
        assert_eq!(ids(&r), expected, "{filter}");
    }
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "displayName eq \"admins\"", "excludedAttributes": ["members"]});
    let r = app.scim(&t, Method::POST, "/Groups/.search", Some(&search.to_string())).await;
    assert_eq!(ids(&r), [admins.as_str()]);
    let r = app.scim(&t, Method::GET, "/Groups?filter=members.display%20eq%20%22x%22", None).await;
    assert_scim_error(&r, 400, Some("invalidFilter"));

    // Discovery knows the Group resource type and schema.
    let types = app.scim(&t, Method::GET, "/ResourceTypes/Group", None).await;
    assert_eq!((types.body["endpoint"].as_str(), types.body["schema"].as_str()), (Some("/Groups"), Some(GROUP)));
    let schema = app.scim(&t, Method::GET, &format!("/Schemas/{GROUP}"), None).await;
    assert_eq!(schema.body["name"], "Group");
}

#[tokio::test]
async fn the_users_groups_attribute_follows_membership() {
    let app = TestApp::new().await;
    let t = app.tenant("member", Profile::Generic).await;
    let (u1, u2) = (user(&app, &t, "one@m.test").await, user(&app, &t, "two@m.test").await);
    let zeta = group(&app, &t, "Zeta", &[&u1]).await;
    let alpha = group(&app, &t, "Alpha", &[&u1, &u2]).await;

    let read = app.scim(&t, Method::GET, &format!("/Users/{u1}"), None).await;
    let base = format!("{PUBLIC_URL}/realms/member/scim/v2");
    assert_eq!(
        read.body["groups"],
        json!([{"value": alpha, "$ref": format!("{base}/Groups/{alpha}"), "display": "Alpha", "type": "direct"},
               {"value": zeta, "$ref": format!("{base}/Groups/{zeta}"), "display": "Zeta", "type": "direct"}])
    );
    let excluded = app.scim(&t, Method::GET, &format!("/Users/{u1}?excludedAttributes=groups"), None).await;
    assert!(excluded.body.get("groups").is_none());
    let list = app.scim(&t, Method::GET, "/Users", None).await;
    let count = |id: &str| {
        let users = list.body["Resources"].as_array().unwrap();
        users.iter().find(|u| u["id"] == id).unwrap()["groups"].as_array().map_or(0, Vec::len)
    };
    assert_eq!((count(&u1), count(&u2)), (2, 1));

    // Filters on users by their groups.
    for filter in [
        format!("groups.value eq \"{zeta}\""),
        format!("groups[value eq \"{zeta}\"]"),
        "groups.display eq \"zeta\"".into(),
    ] {
        let q: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let r = app.scim(&t, Method::GET, &format!("/Users?filter={q}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{filter}: {:?}", r.body);
        assert_eq!(r.body["totalResults"], 1, "{filter}");
        assert_eq!(r.body["Resources"][0]["id"], u1.as_str());
    }

    // Writes to the user answer with its groups; groups is read-only.
    let r = app
        .scim(
            &t,
            Method::PATCH,
            &format!("/Users/{u2}"),
            Some(
                &json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["groups"][0]["value"], alpha.as_str());
    let r = app
        .scim(
            &t,
            Method::PATCH,
            &format!("/Users/{u2}"),
            Some(&json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "groups", "value": [{"value": zeta}]}]}).to_string()),
        )
        .await;
    assert_scim_error(&r, 400, Some("mutability"));

    // Removing the membership removes the group from the user.
    let r = patch(&app, &t, &alpha, json!([{"op": "remove", "path": "members", "value": [{"value": u2}]}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let read = app.scim(&t, Method::GET, &format!("/Users/{u2}"), None).await;
    assert!(read.body.get("groups").is_none(), "{:?}", read.body);

    // A displayName that JSON must escape comes back as it was sent, on a read, a list and the
    // answer to a replacement (the groups are read in the user's own statement).
    let tricky = "Ωmega \"quoted\" back\\slash";
    let omega = group(&app, &t, tricky, &[&u2]).await;
    let expected =
        json!([{"value": omega, "$ref": format!("{base}/Groups/{omega}"), "display": tricky, "type": "direct"}]);
    let read = app.scim(&t, Method::GET, &format!("/Users/{u2}"), None).await;
    assert_eq!(read.body["groups"], expected);
    let list =
        app.scim(&t, Method::GET, "/Users?filter=userName%20eq%20%22two%40m.test%22&attributes=groups", None).await;
    assert_eq!(list.body["Resources"][0]["groups"], expected, "{:?}", list.body);
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "two@m.test"});
    let put = app.scim(&t, Method::PUT, &format!("/Users/{u2}"), Some(&body.to_string())).await;
    assert_eq!((put.status, &put.body["groups"]), (StatusCode::OK, &expected), "{:?}", put.body);
}

#[tokio::test]
async fn deleting_a_user_or_a_group_removes_its_memberships() {
    let app = TestApp::new().await;
    let t = app.tenant("deletes", Profile::Generic).await;
    let (u1, u2) = (user(&app, &t, "one@d.test").await, user(&app, &t, "two@d.test").await);
    let inner = group(&app, &t, "Inner", &[&u1]).await;
    let outer = group(&app, &t, "Outer", &[&u1, &u2, &inner]).await;
    let outer_read = get(&app, &t, &outer).await;
    let kinds: Vec<&str> =
        outer_read["members"].as_array().unwrap().iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "Group").count(), 1);
    assert_eq!(
        app.scim(&t, Method::GET, &format!("/Users/{u1}"), None).await.body["groups"].as_array().unwrap().len(),
        2
    );

    let r = app.scim(&t, Method::DELETE, &format!("/Users/{u1}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(member_count(&app, &t, &inner).await, 0);
    assert_eq!(sorted(member_ids(&get(&app, &t, &outer).await)), sorted(vec![u2.clone(), inner.clone()]));
    assert_eq!(get(&app, &t, &outer).await["meta"]["version"], "W/\"2\"", "the groups' versions move on");

    let r = app.scim(&t, Method::DELETE, &format!("/Groups/{inner}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(member_ids(&get(&app, &t, &outer).await), [u2.as_str()]);
    assert_eq!(app.scim(&t, Method::GET, &format!("/Groups/{inner}"), None).await.status, StatusCode::NOT_FOUND);

    let r = app.scim(&t, Method::DELETE, &format!("/Groups/{outer}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(app.scim(&t, Method::GET, &format!("/Users/{u2}"), None).await.body.get("groups").is_none());
    assert_eq!(member_count(&app, &t, &outer).await, 0);
}

#[tokio::test]
async fn ten_thousand_members_are_added_and_removed_in_one_patch_each() {
    // 10,000 members make a body of about 600 KB: above the tests' default limit.
    let app = TestApp::with_config(|config| config.max_body_bytes = 4 * 1024 * 1024).await;
    let t = app.tenant("big", Profile::Azure).await;

    let ids: Vec<String> = (0..10_000).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let no_attributes = serde_json::Map::new();
    let mut tx = app.state.db.writer().begin().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let name = format!("u{i}");
        let resource = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name});
        let write = scimhub::db::user::UserWrite {
            user_name: &name,
            external_id: None,
            display_name: None,
            active: true,
            resource: &resource,
            password_hash: None,
            attributes: &no_attributes,
            mapping_revision: 0,
        };
        scimhub::db::user::insert(&mut tx, &t.id, id, &write, 0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let keeper = user(&app, &t, "keeper@big.test").await;
    let id = group(&app, &t, "Everyone", &[&keeper]).await;
    let before = store::get(app.state.db.reader(), &t.id, &id).await.unwrap().unwrap();

    let values: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let r = patch(&app, &t, &id, json!([{"op": "Add", "path": "members", "value": values}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_count(&app, &t, &id).await, 10_001);
    let after = store::get(app.state.db.reader(), &t.id, &id).await.unwrap().unwrap();
    assert_eq!(
        (after.resource, after.version),
        (before.resource.clone(), before.version + 1),
        "only the version moves"
    );
    let log = app.log(&t).await;
    assert_eq!(
        (log[0].operation.as_str(), log[0].detail.as_deref()),
        ("update", Some("members: 10000 added, 0 removed"))
    );

    // Adding them again changes nothing.
    let r = patch(&app, &t, &id, json!([{"op": "Add", "path": "members", "value": values}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(store::get(app.state.db.reader(), &t.id, &id).await.unwrap().unwrap().version, before.version + 1);

    let r = app.scim(&t, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(r.body["members"].as_array().unwrap().len(), 10_001, "reads return every member");
    // Keyset pages through the members, in id order.
    let mut paged = Vec::new();
    loop {
        let after = paged.last().map(|m: &store::Member| m.id.clone());
        let page = store::member_page(app.state.db.reader(), &t.id, &id, after.as_deref(), 4_000).await.unwrap();
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged.len(), 10_001);
    assert!(paged.windows(2).all(|w| w[0].id < w[1].id));

    let r = patch(&app, &t, &id, json!([{"op": "Remove", "path": "members", "value": values}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(member_count(&app, &t, &id).await, 1);
    assert_eq!(app.log(&t).await[0].detail.as_deref(), Some("members: 0 added, 10000 removed"));
    assert_eq!(member_ids(&get(&app, &t, &id).await), [keeper]);
}

#[tokio::test]
async fn unknown_members_are_rejected_and_nothing_changes() {
    let app = TestApp::new().await;
    let t = app.tenant("unknown", Profile::Generic).await;
    let other = app.tenant("other", Profile::Generic).await;
    let (u1, u2) = (user(&app, &t, "one@u.test").await, user(&app, &t, "two@u.test").await);
    let foreign = user(&app, &other, "one@other.test").await;
    let id = group(&app, &t, "Stable", &[&u1]).await;
    let before = get(&app, &t, &id).await;

    for (bad, named) in [("no-such-id", "no-such-id"), (foreign.as_str(), foreign.as_str())] {
        let r = patch(
            &app,
            &t,
            &id,
            json!([{"op": "replace", "path": "displayName", "value": "Changed"},
                   {"op": "add", "path": "members", "value": [{"value": u2}, {"value": bad}]}]),
        )
        .await;
        assert_scim_error(&r, 400, Some("invalidValue"));
        assert!(r.body["detail"].as_str().unwrap().contains(named), "{:?}", r.body);
    }
    let r = patch(&app, &t, &id, json!([{"op": "add", "path": "members", "value": [{"value": id}]}])).await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    let r = patch(&app, &t, &id, json!([{"op": "add", "path": "members", "value": [{"value": u2, "type": "Group"}]}]))
        .await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    assert_eq!(get(&app, &t, &id).await, before);

    let body = json!({"schemas": [GROUP], "displayName": "New", "members": [{"value": "no-such-id"}]});
    let r = app.scim(&t, Method::POST, "/Groups", Some(&body.to_string())).await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    assert_eq!(app.scim(&t, Method::GET, "/Groups?count=0", None).await.body["totalResults"], 1);
}

#[tokio::test]
async fn a_missing_group_is_404() {
    let app = TestApp::new().await;
    let t = app.tenant("missing", Profile::Generic).await;
    let u1 = user(&app, &t, "one@x.test").await;
    let put = json!({"schemas": [GROUP], "displayName": "X"}).to_string();
    let ops = json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": u1}]}]})
        .to_string();
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(put.as_str())),
        (Method::PATCH, Some(ops.as_str())),
        (Method::DELETE, None),
    ] {
        let r = app.scim(&t, method.clone(), "/Groups/no-such-group", body).await;
        assert_scim_error(&r, 404, None);
        assert!(r.body["detail"].as_str().unwrap().contains("no-such-group"), "{method}");
    }
    // Another tenant's group is just as missing.
    let other = app.tenant("other", Profile::Generic).await;
    let theirs = group(&app, &other, "Theirs", &[]).await;
    assert_scim_error(&app.scim(&t, Method::GET, &format!("/Groups/{theirs}"), None).await, 404, None);
}

#[tokio::test]
async fn a_patch_whose_last_operation_fails_changes_nothing() {
    let app = TestApp::new().await;
    let t = app.tenant("atomic", Profile::Azure).await;
    let (u1, u2) = (user(&app, &t, "one@a.test").await, user(&app, &t, "two@a.test").await);
    let id = group(&app, &t, "Before", &[&u1]).await;
    let before = get(&app, &t, &id).await;

    let failing = [
        json!({"op": "replace", "path": "nosuch", "value": "x"}),
        json!({"op": "remove", "path": "members[value eq \"x\"].display"}),
        json!({"op": "replace", "path": "displayName", "value": 42}),
        json!({"op": "add", "path": "members", "value": [{"value": "missing"}]}),
    ];
    for last in failing {
        let r = patch(
            &app,
            &t,
            &id,
            json!([{"op": "Add", "path": "members", "value": [{"value": u2}]},
                   {"op": "Replace", "path": "displayName", "value": "After"},
                   {"op": "Remove", "path": "members", "value": [{"value": u1}]},
                   last]),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{last}: {:?}", r.body);
        assert_eq!(get(&app, &t, &id).await, before, "{last}");
    }
    assert_eq!(member_ids(&get(&app, &t, &id).await), [u1.as_str()]);
    let failures = app.log(&t).await.into_iter().filter(|e| e.method == "PATCH").collect::<Vec<_>>();
    assert!(failures.iter().all(|e| e.status == 400 && e.operation == "update"), "{failures:?}");
}

#[tokio::test]
async fn group_operations_are_logged_with_their_member_changes() {
    let app = TestApp::new().await;
    let t = app.tenant("logged", Profile::Generic).await;
    let (u1, u2, u3) =
        (user(&app, &t, "1@l.test").await, user(&app, &t, "2@l.test").await, user(&app, &t, "3@l.test").await);
    let id = group(&app, &t, "Logged", &[&u1]).await;
    let r = patch(
        &app,
        &t,
        &id,
        json!([{"op": "add", "path": "members", "value": [{"value": u2}, {"value": u3}]},
                                        {"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = patch(&app, &t, &id, json!([{"op": "replace", "path": "displayName", "value": "Renamed"}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let put = json!({"schemas": [GROUP], "displayName": "Renamed", "members": [{"value": u3}]});
    assert_eq!(
        app.scim(&t, Method::PUT, &format!("/Groups/{id}"), Some(&put.to_string())).await.status,
        StatusCode::OK
    );
    get(&app, &t, &id).await;
    assert_eq!(app.scim(&t, Method::DELETE, &format!("/Groups/{id}"), None).await.status, StatusCode::NO_CONTENT);

    let log: Vec<_> = app.log(&t).await.into_iter().filter(|e| e.resource_type.as_deref() == Some("Group")).collect();
    let rows: Vec<(&str, u16, Option<&str>, Option<&str>)> =
        log.iter().map(|e| (e.operation.as_str(), e.status, e.user_name.as_deref(), e.detail.as_deref())).collect();
    assert_eq!(
        rows,
        vec![
            ("delete", 204, Some("Renamed"), None),
            ("read", 200, Some("Renamed"), None),
            ("replace", 200, Some("Renamed"), Some("members: 0 added, 1 removed")),
            ("update", 204, Some("Renamed"), None),
            ("update", 204, Some("Logged"), Some("members: 2 added, 1 removed")),
            ("create", 201, Some("Logged"), Some("members: 1 added, 0 removed")),
        ]
    );
    assert!(log.iter().all(|e| e.resource_id.as_deref() == Some(id.as_str()) && e.credential_id.is_some()));
}

#[tokio::test]
async fn concurrent_member_patches_of_one_group_all_apply() {
    // Entra adds members in parallel requests; each must land, whichever order they commit in.
    let app = std::sync::Arc::new(TestApp::new().await);
    let t = std::sync::Arc::new(app.tenant("acme", Profile::Azure).await);
    let mut users = Vec::new();
    for i in 0..16 {
        users.push(user(&app, &t, &format!("m{i}@acme.test")).await);
    }
    let id = group(&app, &t, "Parallel", &[]).await;
    let patches: Vec<_> = users
        .iter()
        .map(|member| {
            let (app, t, id, member) = (app.clone(), t.clone(), id.clone(), member.clone());
            tokio::spawn(async move {
                patch(&app, &t, &id, json!([{"op": "add", "path": "members", "value": [{"value": member}]}])).await
            })
        })
        .collect();
    for p in patches {
        let r = p.await.unwrap();
        assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{} {:?}", r.status, r.body);
    }
    assert_eq!(sorted(member_ids(&get(&app, &t, &id).await)), sorted(users));
}

#[tokio::test]
async fn azure_member_references_may_carry_extra_sub_attributes() {
    let app = TestApp::new().await;
    let azure = app.tenant("contoso", Profile::Azure).await;
    let generic = app.tenant("fabrikam", Profile::Generic).await;
    let pia = user(&app, &azure, "pia@contoso.test").await;
    let max = user(&app, &azure, "max@contoso.test").await;

    // Entra describes a member with its displayName: ignored under the Azure profile.
    let body = json!({"schemas": [GROUP], "displayName": "Sales",
                      "members": [{"value": pia, "displayName": "Pia Pilot", "type": "User"}]});
    let r = app.scim(&azure, Method::POST, "/Groups", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = patch(
        &app,
        &azure,
        &id,
        json!([{"op": "Add", "path": "members",
        "value": [{"value": max, "displayName": "Max Muster", "$ref": null}]}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let read = get(&app, &azure, &id).await;
    assert_eq!(sorted(member_ids(&read)), sorted(vec![pia.clone(), max.clone()]));
    assert!(read["members"].as_array().unwrap().iter().all(|m| m.get("displayName").is_none()), "{read}");

    // The Generic profile keeps RFC 7643's rule: an unknown sub-attribute is refused, and
    // nothing is stored.
    let dora = user(&app, &generic, "dora@fabrikam.test").await;
    let body = json!({"schemas": [GROUP], "displayName": "Ops",
                      "members": [{"value": dora, "displayName": "Dora"}]});
    let r = app.scim(&generic, Method::POST, "/Groups", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "invalidValue");
    assert_eq!(r.body["detail"], "unknown attribute \"members.displayName\"");
    let list = app.scim(&generic, Method::GET, "/Groups", None).await;
    assert_eq!(list.body["totalResults"], 0);
    // Other complex attributes stay strict under Azure too: a typo is not silently dropped.
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "typo@contoso.test",
                      "name": {"givenNmae": "Tia"}});
    let r = app.scim(&azure, Method::POST, "/Users", Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["detail"], "unknown attribute \"name.givenNmae\"");
}
