//! Look-alike names (hardening, finding 8): control, bidirectional and invisible characters are
//! refused in userName, displayName and externalId, and userName uniqueness and the name
//! filters compare NFC-normalised, lower-cased text, on both databases.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::{Reply, TestApp, TestTenant};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// `José@example.com`, composed (NFC) and decomposed (NFD).
const NFC: &str = "Jos\u{e9}@example.com";
const NFD: &str = "Jose\u{301}@example.com";

fn encoded(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>().replace('+', "%20")
}

async fn create_user(app: &TestApp, t: &TestTenant, body: Value) -> Reply {
    app.scim(t, Method::POST, "/Users", Some(&body.to_string())).await
}

async fn find(app: &TestApp, t: &TestTenant, resource: &str, filter: &str) -> Reply {
    app.scim(t, Method::GET, &format!("/{resource}?filter={}", encoded(filter)), None).await
}

fn assert_invalid_value(reply: &Reply, attribute: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(reply.body["scimType"], "invalidValue", "{:?}", reply.body);
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("\"{attribute}\"")), "{detail}");
}

#[tokio::test]
async fn look_alike_characters_are_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    for profile in [Profile::Generic, Profile::Azure] {
        let t = app.tenant(&format!("t-{profile:?}").to_lowercase(), profile).await;
        for user_name in ["bob\u{0}", "bob\u{202E}gpj.exe", "b\u{200B}ob", "bob\r\n", "\u{FEFF}bob"] {
            let r = create_user(&app, &t, json!({"userName": user_name})).await;
            assert_invalid_value(&r, "userName");
        }
        let r = create_user(&app, &t, json!({"userName": "bob", "displayName": "Bob\u{2067}"})).await;
        assert_invalid_value(&r, "displayName");
        let r = create_user(&app, &t, json!({"userName": "bob", "externalId": "ext\u{0}1"})).await;
        assert_invalid_value(&r, "externalId");
        let group = json!({"displayName": "Admins\u{200E}"}).to_string();
        assert_invalid_value(&app.scim(&t, Method::POST, "/Groups", Some(&group)).await, "displayName");
        assert_eq!(app.user_count(&t).await, 0, "{profile:?}");
        assert_eq!(find(&app, &t, "Groups", "displayName pr").await.body["totalResults"], 0);

        // Ordinary names in other scripts pass, and round-trip as sent.
        for (user_name, display_name) in [("zoe@example.com", "Zoë Müller"), ("lilei", "李雷"), ("obrien", "O'Brien")]
        {
            let r = create_user(&app, &t, json!({"userName": user_name, "displayName": display_name})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            assert_eq!(r.body["displayName"], display_name);
        }
    }
}

#[tokio::test]
async fn canonically_equivalent_user_names_are_one_name() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let created = create_user(&app, &t, json!({"userName": NFC})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    for other in [NFD, "JOSE\u{301}@EXAMPLE.COM", "jos\u{e9}@example.com"] {
        let r = create_user(&app, &t, json!({"userName": other})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{other:?}: {:?}", r.body);
        assert_eq!(r.body["scimType"], "uniqueness");
    }
    assert_eq!(app.user_count(&t).await, 1);

    // The filter folds the same way; the stored userName stays as the client sent it.
    for filter in [format!("userName eq \"{NFD}\""), "userName sw \"JOSE\u{301}\"".to_owned()] {
        let r = find(&app, &t, "Users", &filter).await;
        assert_eq!(r.body["totalResults"], 1, "{filter:?}: {:?}", r.body);
        assert_eq!(r.body["Resources"][0]["id"], id.as_str());
        assert_eq!(r.body["Resources"][0]["userName"], NFC);
    }

    // A rename to the other spelling of another user's name is refused too.
    let second = create_user(&app, &t, json!({"userName": "second"})).await;
    let second_id = second.body["id"].as_str().unwrap();
    let rename = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName", "value": NFD}]});
    let r = app.scim(&t, Method::PATCH, &format!("/Users/{second_id}"), Some(&rename.to_string())).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);

    // Groups: the displayName filter folds alike.
    let group = json!({"displayName": "Caf\u{e9}"}).to_string();
    assert_eq!(app.scim(&t, Method::POST, "/Groups", Some(&group)).await.status, StatusCode::CREATED);
    let r = find(&app, &t, "Groups", "displayName eq \"CAFE\u{301}\"").await;
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
}

#[tokio::test]
async fn a_patch_that_sets_a_bidi_override_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    for profile in [Profile::Generic, Profile::Azure] {
        let t = app.tenant(&format!("p-{profile:?}").to_lowercase(), profile).await;
        let created = create_user(&app, &t, json!({"userName": "bob", "displayName": "Bob"})).await;
        let id = created.body["id"].as_str().unwrap().to_owned();
        for op in [
            json!({"op": "Replace", "path": "displayName", "value": "Bob\u{202E}exe.pdf"}),
            json!({"op": "replace", "value": {"displayName": "B\u{200D}ob"}}),
            json!({"op": "add", "path": "externalId", "value": "x\u{7}"}),
        ] {
            let body = json!({"schemas": [PATCH], "Operations": [op]}).to_string();
            let r = app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&body)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{profile:?}: {:?}", r.body);
            assert_eq!(r.body["scimType"], "invalidValue");
        }
        let after = app.scim(&t, Method::GET, &format!("/Users/{id}"), None).await;
        assert_eq!(after.body["displayName"], "Bob");
        assert_eq!(after.body.get("externalId"), None);
        assert_eq!(after.body["meta"]["version"], created.body["meta"]["version"]);
    }
}

/// Overwrites a user's name and fold as a version before the NFC fold could have stored them.
async fn make_legacy(app: &TestApp, id: &str, user_name: &str) {
    sqlx::query("update scim_user set user_name = $1, user_name_ci = $2 where user_id = $3")
        .bind(user_name)
        .bind(user_name.to_lowercase())
        .bind(id)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    sqlx::query("insert into unicode_refold (kind, id) values ('user', $1)")
        .bind(id)
        .execute(app.state.db.writer())
        .await
        .unwrap();
}

#[tokio::test]
async fn names_folded_before_nfc_are_refolded_once() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let id_of = |r: Reply| r.body["id"].as_str().unwrap().to_owned();
    let jose = id_of(create_user(&app, &t, json!({"userName": NFC})).await);
    let zoe = id_of(create_user(&app, &t, json!({"userName": "zoe-temp"})).await);
    let twin = id_of(create_user(&app, &t, json!({"userName": "twin-temp"})).await);
    // Zoë in NFD, and a decomposed twin of José: both were distinct under the old fold.
    make_legacy(&app, &zoe, "Zoe\u{308}").await;
    make_legacy(&app, &twin, NFD).await;
    let cafe = app.scim(&t, Method::POST, "/Groups", Some(&json!({"displayName": "Cafe\u{301}"}).to_string())).await;
    let cafe = id_of(cafe);
    let writer = app.state.db.writer();
    sqlx::query("update scim_group set display_name_ci = 'cafe\u{301}' where group_id = $1")
        .bind(&cafe)
        .execute(writer)
        .await
        .unwrap();
    sqlx::query("insert into unicode_refold (kind, id) values ('group', $1), ('user', 'deleted-since')")
        .bind(&cafe)
        .execute(writer)
        .await
        .unwrap();
    assert_eq!(find(&app, &t, "Users", "userName eq \"zo\u{eb}\"").await.body["totalResults"], 0, "before");

    let done = scimhub::db::user::refold_queued(&app.state.db).await.unwrap();
    assert_eq!(done, scimhub::db::user::Refolded { changed: 2, clashes: 1 });
    let r = find(&app, &t, "Users", "userName eq \"zo\u{eb}\"").await;
    assert_eq!((r.body["totalResults"].clone(), r.body["Resources"][0]["id"].clone()), (json!(1), json!(zoe)));
    let r = find(&app, &t, "Groups", "displayName eq \"caf\u{e9}\"").await;
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
    // The twin keeps its old fold (the index allows one), and José stays José.
    let r = find(&app, &t, "Users", &format!("userName eq \"{NFD}\"")).await;
    assert_eq!(r.body["Resources"][0]["id"], jose.as_str());
    assert_eq!(app.scim(&t, Method::GET, &format!("/Users/{twin}"), None).await.status, StatusCode::OK);

    let left: i64 =
        sqlx::query_scalar("select count(*) from unicode_refold").fetch_one(app.state.db.reader()).await.unwrap();
    assert_eq!(left, 0, "the queue is empty");
    let again = scimhub::db::user::refold_queued(&app.state.db).await.unwrap();
    assert_eq!(again, scimhub::db::user::Refolded::default());
}
