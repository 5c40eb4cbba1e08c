//! Unit tests of `resource` (a sibling file, so the module stays readable).

use serde_json::{json, Value};

use super::*;
use crate::error::ScimError;
use crate::path::AttrPath;
use crate::schema::{
    AttrType, AttributeDef, Mutability, ResourceSchema, Returned, SchemaDef, Uniqueness, ENTERPRISE_USER,
    ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER, USER_RESOURCE, USER_SCHEMA,
};
use crate::ScimType;

const fn attr(name: &'static str, ty: AttrType) -> AttributeDef {
    AttributeDef {
        name,
        ty,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        description: "",
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
        open: false,
    }
}

const ACME_URN: &str = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
static ACME: SchemaDef = SchemaDef {
    id: ACME_URN,
    name: "Acme",
    description: "A tenant's custom extension",
    attributes: &[
        attr("tag", AttrType::String),
        attr("level", AttrType::Integer),
        attr("score", AttrType::Decimal),
        attr("hired", AttrType::DateTime),
        attr("badge", AttrType::Boolean),
        AttributeDef { returned: Returned::Request, ..attr("secretCode", AttrType::String) },
    ],
};
static ACME_USER: ResourceSchema = ResourceSchema { core: &USER, extensions: &[&ENTERPRISE_USER, &ACME] };

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn user(body: Value) -> Result<Prepared, ScimError> {
    prepare(body, &USER_RESOURCE, Tolerance::Strict)
}

fn azure(body: Value) -> Result<Prepared, ScimError> {
    prepare(body, &USER_RESOURCE, Tolerance::Azure)
}

fn err_type(result: Result<Prepared, ScimError>) -> ScimType {
    result.unwrap_err().scim_type.unwrap()
}

#[test]
fn rfc7643_8_2_full_user_is_accepted_and_read_only_values_dropped() {
    let body = fixture(include_str!("../../tests/fixtures/rfc7643-8.2-full-user.json"));
    let prepared = user(body.clone()).unwrap();
    let r = &prepared.resource;
    assert_eq!(prepared.password.as_deref(), Some("t1meMa$heen"));
    assert!(r.get("password").is_none());
    // RFC 7644 §3.3: id, meta and groups are readOnly: ignored on input.
    assert!(r.get("id").is_none() && r.get("meta").is_none() && r.get("groups").is_none());
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    for key in ["name", "emails", "addresses", "phoneNumbers", "ims", "photos", "x509Certificates", "timezone"] {
        assert_eq!(r[key], body[key], "{key} round-trips");
    }
    assert_eq!(user_name(r), Some("bjensen@example.com"));
    assert_eq!(external_id(r), Some("701984"));
    assert_eq!(display_name(r), Some("Babs Jensen"));
    assert!(active(r));
}

#[test]
fn entra_create_user_with_enterprise_extension() {
    let body = fixture(include_str!("../../tests/fixtures/entra-create-user.json"));
    for tolerance in [Tolerance::Strict, Tolerance::Azure] {
        let r = prepare(body.clone(), &USER_RESOURCE, tolerance).unwrap().resource;
        assert_eq!(r["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        assert!(r.get("meta").is_none());
        assert!(r.get("roles").is_none(), "empty arrays are dropped");
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA],
            json!({"employeeNumber": "1234", "department": "Research",
                       "manager": {"value": "26118915-6090-4610-87a4-4f8a4b3f1f32"}})
        );
        assert_eq!(r["emails"], body["emails"]);
    }
}

#[test]
fn entra_string_booleans_are_coerced_under_azure_only() {
    let body = fixture(include_str!("../../tests/fixtures/entra-create-user-string-booleans.json"));
    let r = azure(body.clone()).unwrap().resource;
    assert_eq!(r["active"], json!(true));
    assert_eq!(r["emails"][0]["primary"], json!(true));
    assert_eq!(r["emails"][1]["primary"], json!(false));
    assert_eq!(r["roles"][0]["primary"], json!(false));
    assert_eq!(r[ENTERPRISE_USER_SCHEMA]["manager"], json!({"value": "26118915-6090-4610-87a4-4f8a4b3f1f32"}));
    let err = user(body).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("active") || err.detail.contains("primary"), "{}", err.detail);
    assert_eq!(err_type(azure(json!({"userName": "a", "active": "yes"}))), ScimType::InvalidValue);
    assert_eq!(azure(json!({"userName": "a", "active": "FALSE"})).unwrap().resource["active"], json!(false));
}

#[test]
fn body_must_be_an_object() {
    assert_eq!(err_type(user(json!([]))), ScimType::InvalidSyntax);
    assert_eq!(err_type(user(json!("bjensen"))), ScimType::InvalidSyntax);
    assert!(user(json!({"userName": "bjensen"})).is_ok());
}

#[test]
fn schemas_rules() {
    // Missing: tolerated, the core URN is added.
    let r = user(json!({"userName": "a"})).unwrap().resource;
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    // Case-insensitive.
    let r = user(json!({"schemas": [USER_SCHEMA.to_uppercase()], "userName": "a"})).unwrap().resource;
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    // Must include the core schema.
    let err = user(json!({"schemas": [ENTERPRISE_USER_SCHEMA], "userName": "a"})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains(USER_SCHEMA));
    assert_eq!(err_type(user(json!({"schemas": USER_SCHEMA, "userName": "a"}))), ScimType::InvalidValue);
    assert!(azure(json!({"schemas": USER_SCHEMA, "userName": "a"})).is_ok());
    assert_eq!(err_type(user(json!({"schemas": [USER_SCHEMA, 7], "userName": "a"}))), ScimType::InvalidValue);
    // A listed extension without data is dropped from the list.
    let r = user(json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a"})).unwrap().resource;
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    // Extension data without the URN listed: the URN is added.
    let r = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"division": "X"}})).unwrap().resource;
    assert_eq!(r["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
}

#[test]
fn entra_group_with_adscim_schema_is_tolerated_under_azure() {
    let body = fixture(include_str!("../../tests/fixtures/entra-create-group.json"));
    let r = prepare(body.clone(), &GROUP_RESOURCE, Tolerance::Azure).unwrap().resource;
    assert_eq!(
        r,
        json!({"schemas": [GROUP_SCHEMA], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                   "displayName": "displayName"})
    );
    let err = prepare(body, &GROUP_RESOURCE, Tolerance::Strict).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("ADSCIM"), "{}", err.detail);
}

#[test]
fn unknown_attributes_and_extensions_are_rejected() {
    let err = user(json!({"userName": "a", "foo": 1})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(err.detail, "unknown attribute \"foo\"");
    let err = user(json!({"userName": "a", "urn:example:unknown:2.0:User": {"x": 1}})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("urn:example:unknown:2.0:User"));
    let err = user(json!({"userName": "a", "name": {"nickname": "x"}})).unwrap_err();
    assert_eq!(err.detail, "unknown attribute \"name.nickname\"");
    let err = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"shoeSize": "9"}})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("shoeSize"));
    // Groups have no enterprise extension.
    let err = prepare(
        json!({"displayName": "g", ENTERPRISE_USER_SCHEMA: {"department": "x"}}),
        &GROUP_RESOURCE,
        Tolerance::Azure,
    )
    .unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(err_type(user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: "x"}))), ScimType::InvalidValue);
}

#[test]
fn custom_extensions_are_just_another_resource_schema() {
    let body = json!({
        "userName": "a",
        ACME_URN: {"tag": "blue", "level": 3, "score": 1.25, "hired": "2024-02-29T08:00:00+01:00",
                   "badge": true, "secretCode": "x"},
    });
    let r = prepare(body.clone(), &ACME_USER, Tolerance::Strict).unwrap().resource;
    assert_eq!(r[ACME_URN], body[ACME_URN]);
    assert_eq!(r["schemas"], json!([USER_SCHEMA, ACME_URN]));
    // The same body is unknown to the plain user schema.
    assert_eq!(err_type(user(body)), ScimType::InvalidValue);
    // URN-qualified attribute keys are read into their extension.
    let r = prepare(json!({"userName": "a", format!("{ACME_URN}:tag"): "red"}), &ACME_USER, Tolerance::Strict)
        .unwrap()
        .resource;
    assert_eq!(r[ACME_URN], json!({"tag": "red"}));
}

#[test]
fn type_checks_name_the_attribute() {
    let check = |ext: Value, expect: &str| {
        let err = prepare(json!({"userName": "a", ACME_URN: ext}), &ACME_USER, Tolerance::Azure).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        assert!(err.detail.contains(expect), "{} should name {expect}", err.detail);
    };
    check(json!({"tag": 5}), "tag");
    check(json!({"level": 1.5}), "level");
    check(json!({"level": "3"}), "level");
    check(json!({"score": "1.5"}), "score");
    check(json!({"hired": "yesterday"}), "hired");
    check(json!({"hired": "2024-02-30T00:00:00Z"}), "hired");
    check(json!({"badge": 1}), "badge");
    let err = user(json!({"userName": 42})).unwrap_err();
    assert_eq!((err.scim_type, err.detail.contains("userName")), (Some(ScimType::InvalidValue), true));
    let err = user(json!({"userName": "a", "name": "Babs"})).unwrap_err();
    assert_eq!((err.scim_type, err.detail.contains("name")), (Some(ScimType::InvalidValue), true));
    let err = user(json!({"userName": "a", "profileUrl": {"href": "x"}})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    let err = user(json!({"userName": "a", "emails": [{"value": "x", "primary": "yes"}]})).unwrap_err();
    assert!(err.detail.contains("emails.primary"), "{}", err.detail);
    assert_eq!(err_type(user(json!({"userName": "a", "emails": [[{"value": "x"}]]}))), ScimType::InvalidValue);
    assert_eq!(err_type(user(json!({"userName": "a", "emails": ["x@example.com"]}))), ScimType::InvalidValue);
}

#[test]
fn single_values_for_multi_valued_attributes_are_wrapped_under_azure_only() {
    let body = json!({"userName": "a", "emails": {"value": "a@example.com", "type": "work"}});
    let r = azure(body.clone()).unwrap().resource;
    assert_eq!(r["emails"], json!([{"value": "a@example.com", "type": "work"}]));
    let err = user(body).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("emails"));
}

#[test]
fn required_attributes_must_be_non_empty_strings() {
    assert_eq!(err_type(user(json!({"displayName": "x"}))), ScimType::InvalidValue);
    assert_eq!(err_type(user(json!({"userName": ""}))), ScimType::InvalidValue);
    assert_eq!(err_type(user(json!({"userName": "   "}))), ScimType::InvalidValue);
    assert_eq!(err_type(user(json!({"userName": null}))), ScimType::InvalidValue);
    let group = |body| prepare(body, &GROUP_RESOURCE, Tolerance::Strict);
    let err = group(json!({"members": []})).unwrap_err();
    assert_eq!((err.scim_type, err.detail.contains("displayName")), (Some(ScimType::InvalidValue), true));
    assert!(group(json!({"displayName": "Admins"})).is_ok());
}

#[test]
fn attribute_names_are_case_insensitive_and_canonicalised() {
    let r = user(json!({"USERNAME": "a", "Name": {"GIVENNAME": "B"}, "emails": [{"VALUE": "x", "Type": "work"}],
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"DEPARTMENT": "R"}}))
    .unwrap()
    .resource;
    assert_eq!(
        r,
        json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", "name": {"givenName": "B"},
                   "emails": [{"value": "x", "type": "work"}], ENTERPRISE_USER_SCHEMA: {"department": "R"}})
    );
    let err = user(json!({"userName": "a", "USERNAME": "b"})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("more than once"));
}

#[test]
fn manager_shapes_all_end_as_value_objects() {
    let id = "26118915-6090-4610-87a4-4f8a4b3f1f32";
    let shapes = [
        json!(id),
        json!([{"value": id}]),
        json!([{"$ref": null, "value": id}]),
        json!({"value": id}),
        json!({"value": id, "displayName": "Boss"}),
    ];
    for shape in shapes {
        let r = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": shape.clone()}})).unwrap().resource;
        assert_eq!(r[ENTERPRISE_USER_SCHEMA]["manager"], json!({"value": id}), "{shape}");
    }
    let with_ref = json!({"value": id, "$ref": "../Users/x"});
    let r = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": with_ref.clone()}})).unwrap().resource;
    assert_eq!(r[ENTERPRISE_USER_SCHEMA]["manager"], with_ref);
    for empty in [json!(null), json!(""), json!([]), json!({"value": ""}), json!({"value": null})] {
        let r = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": empty.clone(), "division": "d"}}))
            .unwrap()
            .resource;
        assert_eq!(r[ENTERPRISE_USER_SCHEMA], json!({"division": "d"}), "{empty}");
    }
    let r = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": ""}})).unwrap().resource;
    assert!(r.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    for bad in [json!(7), json!(true), json!([{"value": "a"}, {"value": "b"}]), json!({"value": 5})] {
        let err = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": bad.clone()}})).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
        assert!(err.detail.contains("manager"), "{}", err.detail);
    }
}

#[test]
fn nulls_and_empty_values_mean_unassigned() {
    let r = user(json!({"userName": "a", "title": null, "emails": [], "name": {"givenName": null},
                            "phoneNumbers": [null], ENTERPRISE_USER_SCHEMA: null}))
    .unwrap()
    .resource;
    assert_eq!(r, json!({"schemas": [USER_SCHEMA], "userName": "a"}));
}

#[test]
fn at_most_one_primary() {
    let body = json!({"userName": "a", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}, {"value": "c@x"}]});
    let err = user(body.clone()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("emails"));
    let r = azure(body).unwrap().resource;
    assert_eq!(
        r["emails"],
        json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}, {"value": "c@x"}])
    );
    assert!(user(
        json!({"userName": "a", "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}]})
    )
    .is_ok());
}

#[test]
fn read_only_sub_attributes_are_dropped_on_input() {
    let body = fixture(include_str!("../../tests/fixtures/rfc7643-8.4-group.json"));
    let r = prepare(body, &GROUP_RESOURCE, Tolerance::Strict).unwrap().resource;
    assert!(r.get("id").is_none() && r.get("meta").is_none());
    let members = r["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().all(|m| m.get("display").is_none() && m.get("$ref").is_some()));
}

#[test]
fn values_round_trip_exactly() {
    let body = json!({"userName": "  Mixed Case ", "title": "", "nickName": "ünï",
                          ACME_URN: {"score": 12345678901234567_u64, "level": -3}});
    let r = prepare(body.clone(), &ACME_USER, Tolerance::Strict).unwrap().resource;
    assert_eq!(r["userName"], body["userName"]);
    assert_eq!(r["title"], body["title"]);
    assert_eq!(r["nickName"], body["nickName"]);
    assert_eq!(r[ACME_URN], body[ACME_URN]);
}

#[test]
fn canonicalize_keeps_server_values_and_is_atomic() {
    let stored = prepare(
        fixture(include_str!("../../tests/fixtures/rfc7643-8.2-full-user.json")),
        &USER_RESOURCE,
        Tolerance::Strict,
    )
    .unwrap()
    .resource;
    let mut with_meta = stored.clone();
    with_meta["id"] = json!("2819c223");
    with_meta["meta"] = json!({"resourceType": "User", "created": "2010-01-23T04:56:22Z", "version": "W/\"1\""});
    with_meta["groups"] = json!([{"value": "g1", "display": "Tour Guides"}]);
    let mut canonical = with_meta.clone();
    canonicalize(&mut canonical, &USER_RESOURCE, Tolerance::Strict).unwrap();
    assert_eq!(canonical, with_meta);
    // Password set by a PATCH stays until the caller takes it.
    let mut patched = with_meta.clone();
    patched["PASSWORD"] = json!("s3cret");
    canonicalize(&mut patched, &USER_RESOURCE, Tolerance::Strict).unwrap();
    assert_eq!(take_password(&mut patched).as_deref(), Some("s3cret"));
    assert_eq!(patched, with_meta);
    // On error the resource is unchanged.
    let mut bad = with_meta.clone();
    bad["userName"] = json!("");
    let before = bad.clone();
    assert_eq!(
        canonicalize(&mut bad, &USER_RESOURCE, Tolerance::Strict).unwrap_err().scim_type,
        Some(ScimType::InvalidValue)
    );
    assert_eq!(bad, before);
    let mut not_object = json!([1]);
    assert_eq!(
        canonicalize(&mut not_object, &USER_RESOURCE, Tolerance::Strict).unwrap_err().scim_type,
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn canonicalize_keeps_data_of_removed_extensions() {
    let mut stored = json!({"schemas": [USER_SCHEMA, ACME_URN], "id": "1", "userName": "a", ACME_URN: {"tag": "x"}});
    let before = stored.clone();
    canonicalize(&mut stored, &USER_RESOURCE, Tolerance::Strict).unwrap();
    assert_eq!(stored, before);
    // … but never returns it.
    let shown = project(&stored, &USER_RESOURCE, &[], &[]);
    assert!(shown.get(ACME_URN).is_none());
}

#[test]
fn accessors() {
    let r = json!({"userName": "u", "externalId": "e", "displayName": "d", "active": false});
    assert_eq!(
        (user_name(&r), external_id(&r), display_name(&r), active(&r)),
        (Some("u"), Some("e"), Some("d"), false)
    );
    let empty = json!({});
    assert_eq!((user_name(&empty), external_id(&empty), display_name(&empty)), (None, None, None));
    assert!(active(&empty), "active defaults to true");
}

fn paths(list: &[&str]) -> Vec<AttrPath> {
    list.iter().map(|p| AttrPath::parse(p).unwrap()).collect()
}

fn stored_user() -> Value {
    let mut r =
        prepare(fixture(include_str!("../../tests/fixtures/entra-create-user.json")), &ACME_USER, Tolerance::Azure)
            .unwrap()
            .resource;
    r["id"] = json!("u1");
    r["meta"] = json!({"resourceType": "User", "version": "W/\"1\""});
    r["password"] = json!("must-never-leak");
    r[ACME_URN] = json!({"tag": "t", "secretCode": "42"});
    r
}

#[test]
fn projection_never_returns_password_rfc7643_4_1_1() {
    let r = stored_user();
    for (attrs, excluded) in [(vec![], vec![]), (vec!["password"], vec![]), (vec![], vec!["userName"])] {
        let shown = project(&r, &ACME_USER, &paths(&attrs), &paths(&excluded));
        assert!(shown.get("password").is_none(), "{attrs:?} {excluded:?}");
    }
}

#[test]
fn projection_default_drops_request_only_attributes() {
    let shown = project(&stored_user(), &ACME_USER, &[], &[]);
    assert_eq!(shown[ACME_URN], json!({"tag": "t"}));
    assert_eq!(shown["meta"]["version"], "W/\"1\"");
    let asked = project(&stored_user(), &ACME_USER, &paths(&[&format!("{ACME_URN}:secretCode")]), &[]);
    assert_eq!(asked[ACME_URN], json!({"secretCode": "42"}));
}

#[test]
fn projection_with_attributes_rfc7644_3_4_2_5() {
    let r = stored_user();
    let shown = project(&r, &ACME_USER, &paths(&["userName", "name.givenName", "emails.value"]), &[]);
    assert_eq!(
        shown,
        json!({"schemas": r["schemas"], "id": "u1", "userName": r["userName"],
                   "name": {"givenName": "givenName"}, "emails": [{"value": r["emails"][0]["value"]}]})
    );
    let shown = project(&r, &ACME_USER, &paths(&["USERNAME"]), &[]);
    assert_eq!(shown.as_object().unwrap().len(), 3, "{shown}");
    let shown = project(&r, &ACME_USER, &paths(&[&format!("{ENTERPRISE_USER_SCHEMA}:department")]), &[]);
    assert_eq!(shown[ENTERPRISE_USER_SCHEMA], json!({"department": "Research"}));
    let shown = project(&r, &ACME_USER, &paths(&["manager"]), &[]);
    assert_eq!(shown[ENTERPRISE_USER_SCHEMA], json!({"manager": {"value": "26118915-6090-4610-87a4-4f8a4b3f1f32"}}));
    let shown = project(&r, &ACME_USER, &paths(&[ENTERPRISE_USER_SCHEMA]), &[]);
    assert_eq!(shown[ENTERPRISE_USER_SCHEMA], r[ENTERPRISE_USER_SCHEMA]);
    // Unknown names select nothing (but id and schemas stay).
    let shown = project(&r, &ACME_USER, &paths(&["shoeSize"]), &[]);
    assert_eq!(shown, json!({"schemas": r["schemas"], "id": "u1"}));
}

#[test]
fn projection_with_excluded_attributes_rfc7644_3_4_2_5() {
    let r = stored_user();
    let shown = project(&r, &ACME_USER, &[], &paths(&["emails", "name.familyName", "id", "schemas", "meta"]));
    assert!(shown.get("emails").is_none() && shown.get("meta").is_none());
    assert_eq!(shown["id"], "u1", "returned: always cannot be excluded");
    assert!(shown.get("schemas").is_some());
    assert_eq!(shown["name"], json!({"formatted": "givenName familyName", "givenName": "givenName"}));
    let shown = project(&r, &ACME_USER, &[], &paths(&[ENTERPRISE_USER_SCHEMA, "emails.type"]));
    assert!(shown.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert!(shown["emails"][0].get("type").is_none() && shown["emails"][0].get("value").is_some());
}
#[test]
fn the_preferred_email_is_primary_then_work_then_first() {
    let user = |emails: Value| json!({ "userName": "u", "emails": emails });
    let both = user(json!([{ "value": "h@x", "type": "home" }, { "value": "w@x", "type": "work" }]));
    assert_eq!(preferred_email(&both), Some("w@x"));
    let primary = user(json!([{ "value": "w@x", "type": "work" }, { "value": "p@x", "primary": true }]));
    assert_eq!(preferred_email(&primary), Some("p@x"));
    assert_eq!(preferred_email(&user(json!([{ "value": "o@x", "type": "other" }]))), Some("o@x"));
    assert_eq!(preferred_email(&user(json!([]))), None);
    assert_eq!(preferred_email(&json!({ "userName": "u" })), None);
}

#[test]
fn values_are_found_by_path_and_empty_ones_do_not_count() {
    let user = json!({
        "userName": "u",
        "displayName": " ",
        "name": { "givenName": "Ada", "familyName": null },
        "emails": [{ "type": "work" }, { "value": "a@x" }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "R&D" }
    });
    let has = |p: &str| has_value(&user, &USER_RESOURCE, &AttrPath::parse(p).unwrap());
    assert!(has("userName") && has("USERNAME") && has("name") && has("name.givenName"));
    assert!(!has("displayName") && !has("name.familyName") && !has("title") && !has("nosuch"));
    assert!(has("emails") && has("emails.value") && !has("emails.display"));
    assert!(has("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"));
    assert!(has("department") && !has("manager"));
}
