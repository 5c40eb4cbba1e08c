//! Unit tests of `patch` (a sibling file, so the module stays readable).

use serde_json::{json, Value};

use super::*;
use crate::filter::FilterLimits;
use crate::resource::{self, prepare, take_password, Tolerance};
use crate::schema::{
    AttrType, AttributeDef, Mutability, ResourceSchema, Returned, SchemaDef, Uniqueness, ENTERPRISE_USER,
    ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, PATCH_OP_SCHEMA, USER, USER_RESOURCE, USER_SCHEMA,
};
use crate::{ScimError, ScimType};

const MANAGER: &str = "26118915-6090-4610-87a4-4f8a4b3f1f32";
const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn limits() -> FilterLimits {
    FilterLimits::default()
}

fn stored_user() -> Value {
    let body = json!({
        "userName": "adele@contoso.com",
        "displayName": "Adele",
        "name": {"givenName": "Adele", "familyName": "Vance"},
        "emails": [{"value": "adele@contoso.com", "type": "work", "primary": true},
                   {"value": "adele@example.org", "type": "home"}],
        "active": true,
    });
    let mut r = prepare(body, &USER_RESOURCE, Tolerance::Strict).unwrap().resource;
    r["id"] = json!("u1");
    r["meta"] = json!({"resourceType": "User", "version": "W/\"1\""});
    r
}

fn stored_group() -> Value {
    let body = fixture(include_str!("../../tests/fixtures/rfc7643-8.4-group.json"));
    let mut r = prepare(body, &GROUP_RESOURCE, Tolerance::Strict).unwrap().resource;
    r["id"] = json!("e9e30dba-f08f-4109-8486-d5c6a331660a");
    r
}

fn request(operations: Value) -> PatchRequest {
    PatchRequest::parse(&json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations}), Tolerance::Strict).unwrap()
}

/// Applies `operations` to `resource` on the user schema.
fn run(resource: &mut Value, operations: Value, tolerance: Tolerance) -> Result<bool, ScimError> {
    apply(resource, &request(operations), &USER_RESOURCE, tolerance, &limits())
}

fn run_group(resource: &mut Value, body: &Value) -> Result<bool, ScimError> {
    let req = PatchRequest::parse(body, Tolerance::Azure).unwrap();
    apply(resource, &req, &GROUP_RESOURCE, Tolerance::Azure, &limits())
}

/// Asserts the error type and that the resource was left unchanged.
fn fails(resource: &Value, operations: Value, tolerance: Tolerance) -> ScimError {
    let mut copy = resource.clone();
    let err = run(&mut copy, operations, tolerance).unwrap_err();
    assert_eq!(&copy, resource, "a failed PATCH leaves the resource unchanged");
    err
}

fn kind(err: ScimError) -> ScimType {
    err.scim_type.unwrap()
}

fn members(group: &Value) -> Vec<&str> {
    group["members"].as_array().map(|m| m.iter().filter_map(|v| v["value"].as_str()).collect()).unwrap_or_default()
}

// ---- parsing -------------------------------------------------------------------------

#[test]
fn parse_entra_replace_active_rfc7644_3_5_2_3() {
    let body = fixture(include_str!("../../tests/fixtures/rfc7644-3.5.2.3-replace-active.json"));
    let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
    assert_eq!(
        req.operations,
        vec![PatchOperation { op: PatchOpKind::Replace, path: Some("active".into()), value: Some(json!("False")) }]
    );
}

#[test]
fn parse_requires_the_patch_op_schema_under_strict_only() {
    let ops = json!([{"op": "add", "path": "title", "value": "x"}]);
    let err = PatchRequest::parse(&json!({"Operations": ops}), Tolerance::Strict).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
    assert!(err.detail.contains(PATCH_OP_SCHEMA));
    assert!(PatchRequest::parse(&json!({"Operations": ops}), Tolerance::Azure).is_ok());
    for tolerance in [Tolerance::Strict, Tolerance::Azure] {
        let err = PatchRequest::parse(&json!({"schemas": [USER_SCHEMA], "Operations": ops}), tolerance).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
    }
    let upper = json!({"schemas": [PATCH_OP_SCHEMA.to_uppercase()], "operations": ops});
    assert_eq!(PatchRequest::parse(&upper, Tolerance::Strict).unwrap().operations.len(), 1);
}

#[test]
fn parse_op_names_in_any_case() {
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
        {"op": "ADD", "path": "title", "value": "x"},
        {"op": "Replace", "value": {"title": "y"}},
        {"op": "rEmOvE", "path": "title"},
    ]});
    for tolerance in [Tolerance::Strict, Tolerance::Azure] {
        let kinds: Vec<PatchOpKind> =
            PatchRequest::parse(&body, tolerance).unwrap().operations.iter().map(|o| o.op).collect();
        assert_eq!(kinds, [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]);
    }
}

#[test]
fn parse_errors() {
    let parse = |body: Value| PatchRequest::parse(&body, Tolerance::Strict).unwrap_err();
    let with = |ops: Value| json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    assert_eq!(kind(parse(json!([]))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(json!({"schemas": [PATCH_OP_SCHEMA]}))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(with(json!({"op": "add"})))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(with(json!([])))), ScimType::InvalidValue);
    assert_eq!(kind(parse(with(json!(["add"])))), ScimType::InvalidSyntax);
    let err = parse(with(json!([{"op": "move", "path": "title"}])));
    assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
    assert!(err.detail.contains("\"move\""), "{}", err.detail);
    assert_eq!(kind(parse(with(json!([{"path": "title"}])))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(with(json!([{"op": 1, "path": "title"}])))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(with(json!([{"op": "add", "path": 3, "value": "x"}])))), ScimType::InvalidSyntax);
    assert_eq!(kind(parse(with(json!([{"op": "add", "path": "title"}])))), ScimType::InvalidValue);
    assert_eq!(kind(parse(with(json!([{"op": "replace"}])))), ScimType::InvalidValue);
    // remove needs no value; an empty path is no path.
    let req = PatchRequest::parse(
        &with(json!([{"op": "remove", "path": "title"}, {"op": "add", "path": " ", "value": {}}])),
        Tolerance::Strict,
    )
    .unwrap();
    assert_eq!(req.operations[0].value, None);
    assert_eq!(req.operations[1].path, None);
}

// ---- Entra ID and Okta shapes --------------------------------------------------------

#[test]
fn entra_deactivate_is_coerced_under_azure_and_invalid_under_strict() {
    let body = fixture(include_str!("../../tests/fixtures/rfc7644-3.5.2.3-replace-active.json"));
    let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
    let mut user = stored_user();
    assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
    assert_eq!(user["active"], json!(false));
    assert!(!resource::active(&user));

    let original = stored_user();
    let mut user = original.clone();
    let err = apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("active"), "{}", err.detail);
    assert_eq!(user, original);
}

#[test]
fn okta_deactivate_without_path() {
    let body = fixture(include_str!("../../tests/fixtures/okta-patch-deactivate.json"));
    let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
    let mut user = stored_user();
    assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap());
    assert_eq!(user["active"], json!(false));
    // The same again changes nothing.
    assert!(!apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap());
}

#[test]
fn entra_multi_replace_without_path_with_dotted_and_urn_keys() {
    let body = fixture(include_str!("../../tests/fixtures/entra-patch-replace-no-path.json"));
    let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
    let mut user = stored_user();
    assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
    assert_eq!(user["displayName"], "Adele V.");
    assert_eq!(user["name"], json!({"givenName": "Adele", "familyName": "Vance-Smith"}));
    assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"department": "Marketing"}));
    assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    assert_eq!(user["emails"][0]["value"], "adele.vance@contoso.com");
    assert_eq!(user["emails"][1]["value"], "adele@example.org");
    assert_eq!((user["id"].clone(), user["meta"].clone()), (json!("u1"), stored_user()["meta"].clone()));
}

#[test]
fn entra_replace_work_email_and_family_name() {
    let body = fixture(include_str!("../../tests/fixtures/entra-patch-replace-work-email.json"));
    let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
    let mut user = stored_user();
    apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap();
    assert_eq!(user["emails"][0], json!({"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}));
    assert_eq!(user["name"]["familyName"], "updatedFamilyName");
}

#[test]
fn replace_with_filter_matching_nothing() {
    let mut user = stored_user();
    user["emails"] = json!([{"value": "adele@example.org", "type": "home"}]);
    let op = json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@contoso.com"}]);
    // RFC 7644 §3.5.2.3: noTarget.
    let err = fails(&user, op.clone(), Tolerance::Strict);
    assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    // Azure: Entra expects the value to be created.
    let mut azure = user.clone();
    run(&mut azure, op, Tolerance::Azure).unwrap();
    assert_eq!(azure["emails"][1], json!({"type": "work", "value": "w@contoso.com"}));
    // A filter that does not describe a value cannot create one.
    let op = json!([{"op": "Replace", "path": "emails[type co \"wor\"].value", "value": "w@contoso.com"}]);
    assert_eq!(kind(fails(&user, op, Tolerance::Azure)), ScimType::NoTarget);
}

#[test]
fn add_with_filter_matching_nothing_creates_the_value() {
    let mut user = stored_user();
    let op = json!([{"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"}]);
    run(&mut user, op, Tolerance::Strict).unwrap();
    assert_eq!(user["addresses"], json!([{"type": "work", "streetAddress": "1 Main St"}]));
    let op = json!([{"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"}]);
    run(&mut user, op, Tolerance::Strict).unwrap();
    assert_eq!(user["addresses"], json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield"}]));
}

#[test]
fn entra_manager_shapes_end_as_value_objects() {
    let body = fixture(include_str!("../../tests/fixtures/entra-patch-add-manager.json"));
    let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
    let mut user = stored_user();
    assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
    assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"manager": {"value": MANAGER}}));
    assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    let qualified = format!("{ENTERPRISE_USER_SCHEMA}:manager");
    for op in [
        json!({"op": "Replace", "path": "manager", "value": "m2"}),
        json!({"op": "Replace", "path": qualified, "value": {"value": "m2"}}),
        json!({"op": "Add", "path": qualified, "value": [{"value": "m2"}]}),
        json!({"op": "Replace", "value": {qualified.clone(): "m2"}}),
        json!({"op": "Replace", "value": {ENTERPRISE_USER_SCHEMA: {"manager": "m2"}}}),
        json!({"op": "Add", "path": ENTERPRISE_USER_SCHEMA, "value": {"manager": {"value": "m2"}}}),
        json!({"op": "Replace", "path": "manager.value", "value": "m2"}),
    ] {
        let mut u = user.clone();
        u[ENTERPRISE_USER_SCHEMA]["manager"]["displayName"] = json!("Stale");
        run(&mut u, json!([op.clone()]), Tolerance::Strict).unwrap();
        let manager = &u[ENTERPRISE_USER_SCHEMA]["manager"];
        assert_eq!(manager["value"], "m2", "{op}");
        if op["path"] != json!("manager.value") {
            assert_eq!(manager, &json!({"value": "m2"}), "{op}");
        }
    }
    // Removing the manager (also by an empty value) removes the extension from `schemas`.
    for op in [
        json!({"op": "Remove", "path": "manager"}),
        json!({"op": "Replace", "path": "manager", "value": ""}),
        json!({"op": "Replace", "path": "manager", "value": null}),
        json!({"op": "Remove", "path": "manager", "value": [{"value": MANAGER}]}),
        json!({"op": "Remove", "path": ENTERPRISE_USER_SCHEMA}),
    ] {
        let mut u = user.clone();
        assert!(run(&mut u, json!([op.clone()]), Tolerance::Azure).unwrap(), "{op}");
        assert!(u.get(ENTERPRISE_USER_SCHEMA).is_none(), "{op}");
        assert_eq!(u["schemas"], json!([USER_SCHEMA]), "{op}");
    }
    // Removing another manager than the current one changes nothing.
    let mut u = user.clone();
    let op = json!([{"op": "Remove", "path": "manager", "value": [{"value": "someone-else"}]}]);
    assert!(!run(&mut u, op, Tolerance::Azure).unwrap());
    assert_eq!(u, user);
}

#[test]
fn members_add_skips_duplicates_rfc7644_3_5_2_1() {
    let mut group = stored_group();
    let body = fixture(include_str!("../../tests/fixtures/rfc7644-3.5.2.1-add-members.json"));
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(members(&group), [BABS, MANDY, "a1b2c3d4-0000-4000-8000-000000000001"]);
    assert!(group["members"].as_array().unwrap().iter().all(|m| m.get("display").is_none()));
    // Adding the same members again changes nothing.
    assert!(!run_group(&mut group, &body).unwrap());
    let body = fixture(include_str!("../../tests/fixtures/entra-patch-add-member.json"));
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(members(&group).len(), 4);
    assert!(!run_group(&mut group, &body).unwrap());
}

#[test]
fn entra_member_removal_by_value_array() {
    let mut group = stored_group();
    let body = fixture(include_str!("../../tests/fixtures/entra-patch-remove-member-value.json"));
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(members(&group), [BABS]);
    // Not a member (any more): nothing to do.
    assert!(!run_group(&mut group, &body).unwrap());
    let last = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "remove", "path": "members", "value": [{"value": BABS}]}]});
    assert!(run_group(&mut group, &last).unwrap());
    assert!(group.get("members").is_none());
}

#[test]
fn member_removal_by_filter_rfc7644_3_5_2_2() {
    let mut group = stored_group();
    let body = fixture(include_str!("../../tests/fixtures/rfc7644-3.5.2.2-remove-member-filter.json"));
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(members(&group), [MANDY]);
    // The filter now matches nothing.
    let before = group.clone();
    let err = run_group(&mut group, &body).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    assert_eq!(group, before);
}

#[test]
fn okta_group_rename_carries_the_group_id() {
    let mut group = stored_group();
    let body = fixture(include_str!("../../tests/fixtures/okta-patch-rename-group.json"));
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(group["displayName"], "Tour Guides (EMEA)");
    // Another id is an attempt to change a readOnly attribute.
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "value": {"id": "other", "displayName": "X"}}]});
    let before = group.clone();
    assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
    assert_eq!(group, before);
    // `schemas` and `meta` in a no-path value are ignored.
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "value": {"schemas": ["x"], "meta": {"version": "1"}, "displayName": "Y"}}]});
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(group["displayName"], "Y");
    assert_eq!(group["schemas"], before["schemas"]);
}

// ---- RFC 7644 §3.5.2 rules ------------------------------------------------------------

#[test]
fn atomicity_third_operation_fails_rfc7644_3_5_2() {
    let body = fixture(include_str!("../../tests/fixtures/rfc7644-3.5.2-atomic-third-op-fails.json"));
    let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
    let original = stored_user();
    let mut user = original.clone();
    let err = apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::Mutability));
    assert!(err.detail.starts_with("Operations[2]"), "{}", err.detail);
    assert_eq!(user, original);
}

#[test]
fn remove_without_path_is_no_target_rfc7644_3_5_2_2() {
    let err = fails(&stored_user(), json!([{"op": "remove"}]), Tolerance::Azure);
    assert_eq!(err.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn unknown_attributes_are_invalid_path() {
    let user = stored_user();
    for op in [
        json!({"op": "add", "path": "shoeSize", "value": "9"}),
        json!({"op": "replace", "path": "name.nickname", "value": "x"}),
        json!({"op": "replace", "path": "userName.value", "value": "x"}),
        json!({"op": "replace", "value": {"shoeSize": "9"}}),
        json!({"op": "replace", "path": "urn:example:unknown:2.0:User:tag", "value": "x"}),
        json!({"op": "replace", "value": {ENTERPRISE_USER_SCHEMA: {"shoeSize": "9"}}}),
        json!({"op": "replace", "path": "name[givenName eq \"x\"]", "value": {"givenName": "y"}}),
        json!({"op": "replace", "path": "emails[type eq ", "value": "x"}),
        json!({"op": "remove", "path": "1bad"}),
    ] {
        let err = fails(&user, json!([op.clone()]), Tolerance::Azure);
        assert_eq!(err.scim_type, Some(ScimType::InvalidPath), "{op}: {}", err.detail);
    }
    assert!(fails(&user, json!([{"op": "add", "path": "shoeSize", "value": "9"}]), Tolerance::Azure)
        .detail
        .contains("shoeSize"));
    let mut group = stored_group();
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add", "path": "manager", "value": "x"}]});
    assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn read_only_targets_are_mutability_errors() {
    let user = stored_user();
    for op in [
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "replace", "path": "meta", "value": {"version": "x"}}),
        json!({"op": "remove", "path": "meta.version"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
        json!({"op": "add", "value": {"groups": [{"value": "g"}]}}),
        json!({"op": "replace", "value": {"id": "not-u1"}}),
    ] {
        let err = fails(&user, json!([op.clone()]), Tolerance::Azure);
        assert_eq!(err.scim_type, Some(ScimType::Mutability), "{op}");
    }
    let mut group = stored_group();
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].display"), "value": "B"}]});
    assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
    // Its own id in a no-path value is fine.
    let mut u = user.clone();
    let own_id = json!([{"op": "replace", "value": {"id": "u1", "meta": {}}}]);
    assert!(!run(&mut u, own_id, Tolerance::Strict).unwrap());
}

#[test]
fn removing_required_attributes_is_mutability_rfc7644_3_5_2_2() {
    let user = stored_user();
    for op in [
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "userName", "value": null}),
        json!({"op": "replace", "value": {"USERNAME": null}}),
    ] {
        assert_eq!(kind(fails(&user, json!([op.clone()]), Tolerance::Strict)), ScimType::Mutability, "{op}");
    }
    // An empty userName is a value error.
    let err = fails(&user, json!([{"op": "replace", "path": "userName", "value": ""}]), Tolerance::Strict);
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    let mut group = stored_group();
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "remove", "path": "displayName"}]});
    assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
    // Optional attributes go quietly, absent or not.
    let mut u = user.clone();
    assert!(run(&mut u, json!([{"op": "remove", "path": "displayName"}]), Tolerance::Strict).unwrap());
    assert!(u.get("displayName").is_none());
    assert!(!run(&mut u, json!([{"op": "remove", "path": "title"}]), Tolerance::Strict).unwrap());
}

const fn attr(name: &'static str, mutability: Mutability) -> AttributeDef {
    AttributeDef {
        name,
        ty: AttrType::String,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        description: "",
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
        open: false,
    }
}
const BADGE_URN: &str = "urn:ietf:params:scim:schemas:extension:badge:2.0:User";
static BADGE: SchemaDef = SchemaDef {
    id: BADGE_URN,
    name: "Badge",
    description: "",
    attributes: &[attr("badgeId", Mutability::Immutable), attr("tag", Mutability::ReadWrite)],
};
static BADGE_USER: ResourceSchema = ResourceSchema { core: &USER, extensions: &[&ENTERPRISE_USER, &BADGE] };

#[test]
fn immutable_attributes_are_set_once() {
    let run_badge =
        |r: &mut Value, op: Value| apply(r, &request(json!([op])), &BADGE_USER, Tolerance::Strict, &limits());
    let mut user = stored_user();
    let path = format!("{BADGE_URN}:badgeId");
    assert!(run_badge(&mut user, json!({"op": "add", "path": path, "value": "B-1"})).unwrap());
    assert_eq!(user[BADGE_URN], json!({"badgeId": "B-1"}));
    assert!(!run_badge(&mut user, json!({"op": "replace", "path": path, "value": "B-1"})).unwrap());
    let before = user.clone();
    for op in [
        json!({"op": "replace", "path": path, "value": "B-2"}),
        json!({"op": "remove", "path": path}),
        json!({"op": "replace", "value": {BADGE_URN: {"badgeId": "B-3"}}}),
    ] {
        let err = run_badge(&mut user, op.clone()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::Mutability), "{op}");
        assert_eq!(user, before);
    }
    // Immutable sub-attributes: a member's value.
    let mut group = stored_group();
    let same = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": BABS}]});
    assert!(!run_group(&mut group, &same).unwrap());
    let other = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": "x"}]});
    assert_eq!(run_group(&mut group, &other).unwrap_err().scim_type, Some(ScimType::Mutability));
}

#[test]
fn values_are_type_checked() {
    let user = stored_user();
    for op in [
        json!({"op": "replace", "path": "active", "value": "False"}),
        json!({"op": "replace", "path": "active", "value": 0}),
        json!({"op": "add", "path": "emails", "value": [{"value": 5}]}),
        json!({"op": "replace", "value": {"name": "Adele Vance"}}),
        json!({"op": "replace", "path": "emails", "value": {"value": "a@b"}}),
        json!({"op": "add", "path": "emails", "value": [{"value": "x", "bogus": 1}]}),
        json!({"op": "replace", "value": "not an object"}),
        json!({"op": "replace", "path": ENTERPRISE_USER_SCHEMA, "value": "x"}),
        json!({"op": "add", "path": "emails",
                   "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
    ] {
        let err = fails(&user, json!([op.clone()]), Tolerance::Strict);
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{op}: {}", err.detail);
    }
    // Azure coerces string booleans and wraps single values.
    let mut u = user.clone();
    run(
        &mut u,
        json!([{"op": "replace", "path": "emails", "value": {"value": "a@b", "primary": "True"}}]),
        Tolerance::Azure,
    )
    .unwrap();
    assert_eq!(u["emails"], json!([{"value": "a@b", "primary": true}]));
}

#[test]
fn add_appends_and_replace_replaces_multi_valued_attributes() {
    let mut user = stored_user();
    run(
        &mut user,
        json!([{"op": "add", "path": "emails", "value": [{"value": "third@x", "type": "other"}]}]),
        Tolerance::Strict,
    )
    .unwrap();
    assert_eq!(user["emails"].as_array().unwrap().len(), 3);
    run(&mut user, json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x"}]}]), Tolerance::Strict)
        .unwrap();
    assert_eq!(user["emails"], json!([{"value": "only@x"}]));
    run(&mut user, json!([{"op": "replace", "path": "emails", "value": []}]), Tolerance::Strict).unwrap();
    assert!(user.get("emails").is_none());
    // Adding nothing changes nothing.
    assert!(!run(&mut user, json!([{"op": "add", "path": "emails", "value": []}]), Tolerance::Strict).unwrap());
}

#[test]
fn filtered_replace_remove_and_add() {
    let mut user = stored_user();
    // Replace the matching value as a whole.
    let home = json!({"value": "new@home", "type": "home"});
    run(&mut user, json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": home}]), Tolerance::Strict)
        .unwrap();
    assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home"}));
    // Add with a filter sets the given sub-attributes on the match.
    run(
        &mut user,
        json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
        Tolerance::Strict,
    )
    .unwrap();
    assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home", "display": "Home"}));
    // Remove a sub-attribute of the match.
    run(&mut user, json!([{"op": "remove", "path": "emails[type eq \"home\"].display"}]), Tolerance::Strict).unwrap();
    assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home"}));
    // Remove the match.
    run(&mut user, json!([{"op": "remove", "path": "emails[value eq \"NEW@HOME\"]"}]), Tolerance::Strict).unwrap();
    assert_eq!(user["emails"].as_array().unwrap().len(), 1);
    let err = fails(&user, json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]), Tolerance::Azure);
    assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    let err = fails(&user, json!([{"op": "remove", "path": "emails[type eq \"home\"].value"}]), Tolerance::Azure);
    assert_eq!(err.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn primary_true_clears_the_others_rfc7643_2_4() {
    let mut user = stored_user();
    run(
        &mut user,
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
        Tolerance::Strict,
    )
    .unwrap();
    assert_eq!(user["emails"][0]["primary"], json!(false));
    assert_eq!(user["emails"][1]["primary"], json!(true));
    run(
        &mut user,
        json!([{"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": true}]}]),
        Tolerance::Strict,
    )
    .unwrap();
    let primaries: Vec<bool> = user["emails"].as_array().unwrap().iter().map(|e| e["primary"] == json!(true)).collect();
    assert_eq!(primaries, [false, false, true]);
}

#[test]
fn complex_attributes_merge_and_sub_attributes() {
    let mut user = stored_user();
    run(&mut user, json!([{"op": "replace", "path": "name", "value": {"middleName": "J"}}]), Tolerance::Strict)
        .unwrap();
    assert_eq!(user["name"], json!({"givenName": "Adele", "familyName": "Vance", "middleName": "J"}));
    run(&mut user, json!([{"op": "add", "value": {"name": {"givenName": "A."}}}]), Tolerance::Strict).unwrap();
    assert_eq!(user["name"]["givenName"], "A.");
    for sub in ["givenName", "familyName", "middleName"] {
        run(&mut user, json!([{"op": "remove", "path": format!("name.{sub}")}]), Tolerance::Strict).unwrap();
    }
    assert!(user.get("name").is_none());
    run(&mut user, json!([{"op": "add", "path": "name.formatted", "value": "Adele Vance"}]), Tolerance::Strict)
        .unwrap();
    assert_eq!(user["name"], json!({"formatted": "Adele Vance"}));
    // A sub-attribute path on a multi-valued attribute without a filter: every value.
    run(&mut user, json!([{"op": "replace", "path": "emails.type", "value": "work"}]), Tolerance::Strict).unwrap();
    assert!(user["emails"].as_array().unwrap().iter().all(|e| e["type"] == "work"));
}

#[test]
fn extension_object_values_may_carry_their_own_schemas_member() {
    let mut user = json!({"schemas": [USER_SCHEMA], "id": "u", "userName": "a"});
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add",
            "path": ENTERPRISE_USER_SCHEMA, "value": {"schemas": [ENTERPRISE_USER_SCHEMA], "department": "R&D"}}]});
    let request = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
    assert!(apply(&mut user, &request, &USER_RESOURCE, Tolerance::Strict, &FilterLimits::default()).unwrap());
    assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"department": "R&D"}));
}

#[test]
fn extension_objects_come_and_go_with_schemas() {
    let mut user = stored_user();
    let dept = format!("{ENTERPRISE_USER_SCHEMA}:department");
    run(&mut user, json!([{"op": "add", "path": dept, "value": "R&D"}]), Tolerance::Strict).unwrap();
    assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    run(&mut user, json!([{"op": "remove", "path": dept}]), Tolerance::Strict).unwrap();
    assert_eq!(user["schemas"], json!([USER_SCHEMA]));
    assert!(user.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert!(!run(&mut user, json!([{"op": "remove", "path": dept}]), Tolerance::Strict).unwrap());
}

#[test]
fn password_set_by_patch_is_left_for_the_caller() {
    let mut user = stored_user();
    assert!(run(&mut user, json!([{"op": "replace", "value": {"password": "n3w"}}]), Tolerance::Strict).unwrap());
    assert_eq!(take_password(&mut user).as_deref(), Some("n3w"));
    assert_eq!(user, stored_user());
}

#[test]
fn nothing_changed_is_reported() {
    let mut user = stored_user();
    let ops = json!([{"op": "replace", "path": "displayName", "value": "Adele"},
                         {"op": "add", "path": "emails", "value": [{"value": "adele@example.org", "type": "home"}]},
                         {"op": "replace", "value": {"name.givenName": "Adele"}}]);
    assert!(!run(&mut user, ops, Tolerance::Strict).unwrap());
    assert_eq!(user, stored_user());
}

#[test]
fn large_groups_stay_linear() {
    let mut group = json!({"schemas": [crate::schema::GROUP_SCHEMA], "id": "g", "displayName": "All",
            "members": (0..20_000).map(|i| json!({"value": format!("m{i}"), "type": "User"})).collect::<Vec<_>>()});
    let add: Vec<Value> = (19_000..21_000).map(|i| json!({"value": format!("m{i}")})).collect();
    let gone: Vec<Value> = (0..5_000).map(|i| json!({"value": format!("m{i}")})).collect();
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
        {"op": "add", "path": "members", "value": add},
        {"op": "remove", "path": "members", "value": gone},
        {"op": "remove", "path": "members[type eq \"User\"]"},
    ]});
    let started = std::time::Instant::now();
    assert!(run_group(&mut group, &body).unwrap());
    assert_eq!(members(&group).len(), 1_000, "only the added members without a type remain");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn replacing_a_match_with_null_removes_it_and_keeps_primaries() {
    let mut user = stored_user();
    run(&mut user, json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": null}]), Tolerance::Strict)
        .unwrap();
    assert_eq!(user["emails"], json!([{"value": "adele@example.org", "type": "home"}]));
}

mod fuzz {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::super::*;
    use crate::filter::FilterLimits;
    use crate::resource::{self, prepare, Tolerance};
    use crate::schema::{GROUP_RESOURCE, PATCH_OP_SCHEMA, USER_RESOURCE};

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("userName".to_string()),
            Just("active".to_string()),
            Just("emails".to_string()),
            Just("emails[type eq \"work\"].value".to_string()),
            Just("emails[type eq \"work\"]".to_string()),
            Just("name.givenName".to_string()),
            Just("name".to_string()),
            Just("members".to_string()),
            Just("members[value eq \"1\"]".to_string()),
            Just("manager".to_string()),
            Just("id".to_string()),
            Just("meta".to_string()),
            Just("schemas".to_string()),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string()),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".to_string()),
            "[a-zA-Z.:\\[\\] \"]{0,12}",
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            prop_oneof![Just("True".to_string()), Just("work".to_string()), Just("1".to_string()), ".{0,6}"]
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn operation() -> impl Strategy<Value = Value> {
        (
            prop_oneof![Just("add"), Just("REPLACE"), Just("remove"), Just("move")],
            prop::option::of(key()),
            prop::option::of(json_value()),
        )
            .prop_map(|(op, path, value)| {
                let mut o = json!({"op": op});
                if let Some(p) = path {
                    o["path"] = json!(p);
                }
                if let Some(v) = value {
                    o["value"] = v;
                }
                o
            })
    }

    proptest! {
        #[test]
        fn patch_never_panics_and_failures_are_atomic(
            ops in prop::collection::vec(operation(), 1..4),
            azure in any::<bool>(),
        ) {
            let tolerance = if azure { Tolerance::Azure } else { Tolerance::Strict };
            let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
            if let Ok(req) = PatchRequest::parse(&body, tolerance) {
                let cases = [(&USER_RESOURCE, super::stored_user()), (&GROUP_RESOURCE, super::stored_group())];
                for (schema, original) in cases {
                    let mut r = original.clone();
                    match apply(&mut r, &req, schema, tolerance, &FilterLimits::default()) {
                        Ok(_) => {
                            // The result is canonical.
                            let mut again = r.clone();
                            prop_assert!(resource::canonicalize(&mut again, schema, tolerance).is_ok());
                            prop_assert_eq!(again, r);
                        }
                        Err(e) => {
                            prop_assert_eq!(e.status, 400);
                            prop_assert_eq!(r, original);
                        }
                    }
                }
            }
        }

        #[test]
        fn prepare_never_panics(body in json_value(), azure in any::<bool>()) {
            let tolerance = if azure { Tolerance::Azure } else { Tolerance::Strict };
            for schema in [&USER_RESOURCE, &GROUP_RESOURCE] {
                if let Ok(p) = prepare(body.clone(), schema, tolerance) {
                    let mut again = p.resource.clone();
                    prop_assert!(resource::canonicalize(&mut again, schema, tolerance).is_ok());
                    prop_assert_eq!(again, p.resource);
                }
            }
        }
    }
}
