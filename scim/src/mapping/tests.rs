//! Unit tests of `mapping` (a sibling file, so the module stays readable).

use serde_json::{json, Map, Value};

use super::*;
use crate::filter::FilterLimits;
use crate::patch::{self, PatchRequest};
use crate::path::AttrPath;
use crate::resource::{self, prepare, Tolerance};
use crate::schema::{AttrType, ResourceSchema, ENTERPRISE_USER_SCHEMA, USER_RESOURCE, USER_SCHEMA};
use crate::{ScimError, ScimType};

const TAG: &str = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag";

fn mapper(name: &str, claim: &str, json_type: ClaimType) -> MapperSpec {
    MapperSpec::new(name, claim, json_type)
}

fn multi(spec: MapperSpec) -> MapperSpec {
    MapperSpec { multivalued: true, ..spec }
}

fn defaults() -> Vec<MapperSpec> {
    azure_defaults().into_iter().map(|p| p.spec).collect()
}

/// The canonical stored form of `body` under `schema`.
fn stored(body: Value, schema: &ResourceSchema) -> Value {
    prepare(body, schema, Tolerance::Azure).unwrap().resource
}

fn derive_one(resource: &Value, spec: MapperSpec, tolerance: Tolerance) -> Result<Option<Value>, ScimError> {
    let attr = spec.user_attribute.clone();
    let specs = [spec];
    derive(resource, user_schema(&specs), &specs, tolerance).map(|mut m| m.remove(&attr))
}

fn value_of(resource: &Value, spec: MapperSpec) -> Option<Value> {
    derive_one(resource, spec, Tolerance::Strict).unwrap()
}

fn patched(resource: &Value, schema: &ResourceSchema, operations: Value) -> Value {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let request = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
    let mut resource = resource.clone();
    patch::apply(&mut resource, &request, schema, Tolerance::Azure, &FilterLimits::default()).unwrap();
    resource
}

fn adele() -> Value {
    stored(
        json!({
            "userName": "adele@contoso.com",
            "name": {"givenName": "Adele", "familyName": "Vance"},
            "active": true,
            "emails": [{"value": "adele@example.org", "type": "home"},
                       {"value": "adele@contoso.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_SCHEMA: {"department": "Research", "manager": {"value": "m-1"}},
        }),
        &USER_RESOURCE,
    )
}

// ---- claims ------------------------------------------------------------------------------

#[test]
fn parse_claim_accepts_the_presets_and_the_email_alias() {
    for preset in azure_defaults() {
        assert!(parse_claim(&preset.spec.claim).is_ok(), "{}", preset.spec.claim);
    }
    assert_eq!(parse_claim("  EMAIL "), Ok(ClaimSource::PrimaryEmail));
    assert_eq!(parse_claim("emails.value"), Ok(ClaimSource::Attribute(AttrPath::parse("emails.value").unwrap())));
    for ok in [
        "emails",
        "NAME.GIVENNAME",
        "manager.value",
        "externalId",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:my.app-1:1:user:level",
    ] {
        assert!(parse_claim(ok).is_ok(), "{ok}: {:?}", parse_claim(ok));
    }
}

#[test]
fn parse_claim_refusals_explain_themselves() {
    let refused = |claim: &str, expect: &str| {
        let message = parse_claim(claim).unwrap_err();
        assert!(message.contains(expect), "{claim}: {message}");
    };
    refused("name.nope", "\"name\" has no sub-attribute \"nope\"");
    refused("userName.value", "\"userName\" has no sub-attributes");
    refused("nope", "custom extension needs its schema URN");
    refused("urn:ietf:params:scim:schemas:core:2.0:Group:members", "is the Group schema");
    refused("urn:foo:bar", "\"urn:foo\" is not a User schema");
    refused(&format!("{TAG}.value"), "custom extension attributes have no sub-attributes");
    refused("password", "write-only");
    refused("PASSWORD", "write-only");
    refused("groups", "read-only");
    refused("groups.value", "read-only");
    refused("id", "assigned by the server");
    refused("meta.created", "assigned by the server");
    refused("urn:ietf:params:scim:schemas:core:2.0:User:id", "assigned by the server");
    refused("a b", "is not a valid attribute path");
    refused(ENTERPRISE_USER_SCHEMA, "names a whole schema");
    refused(CUSTOM_EXTENSION_URN, "names a whole schema");
    refused("", "the claim is empty");
    refused("   ", "the claim is empty");
    refused(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:foo",
        "the enterprise User schema has no attribute \"foo\"",
    );
    refused("urn:ietf:params:scim:schemas:core:2.0:User:manager", "the core User schema has no attribute \"manager\"");
    refused("urn:ietf:params:scim:schemas:extension:enterprise:3.0:User:foo", "the enterprise extension is");
    refused("urn:ietf:params:scim:schemas:extension:X:2.0:Group:tag", "is not a User schema");
    refused("urn:ietf:params:scim:schemas:extension:X:2.0:User:manager", "an attribute of the enterprise extension");
    refused("urn:ietf:params:scim:schemas:extension:X:2.0:User:$ref", "cannot be the name of a custom attribute");
}

// ---- checking mappers -------------------------------------------------------------------

#[test]
fn check_mapper_refuses_duplicates_case_insensitively() {
    let others = vec![mapper("First Name", "name.givenName", ClaimType::String)];
    let problem = check_mapper(&mapper(" first name ", "userName", ClaimType::String), &others).unwrap_err();
    assert_eq!(problem.field, MapperSpec::NAME);
    assert!(problem.message.contains("\"First Name\""), "{}", problem.message);
    let spec = MapperSpec { user_attribute: "FIRST NAME".into(), ..mapper("x", "userName", ClaimType::String) };
    // "FIRST NAME" has a space: refused for its characters before the duplicate check.
    assert_eq!(check_mapper(&spec, &others).unwrap_err().field, MapperSpec::USER_ATTRIBUTE);
    let others = vec![MapperSpec { user_attribute: "firstName".into(), ..others[0].clone() }];
    let spec = MapperSpec { user_attribute: "FIRSTNAME".into(), ..mapper("x", "userName", ClaimType::String) };
    let problem = check_mapper(&spec, &others).unwrap_err();
    assert_eq!(problem.field, MapperSpec::USER_ATTRIBUTE);
    assert!(problem.message.contains("\"First Name\" already fills"), "{}", problem.message);
    assert!(check_mapper(&mapper("other", "userName", ClaimType::String), &others).is_ok());
}

#[test]
fn check_mapper_field_rules() {
    let check = |spec: MapperSpec| check_mapper(&spec, &[]).map_err(|p| p.field);
    let base = || mapper("n", "userName", ClaimType::String);
    assert_eq!(check(MapperSpec { name: "  ".into(), ..base() }), Err(MapperSpec::NAME));
    assert_eq!(check(MapperSpec { name: "é".repeat(101), ..base() }), Err(MapperSpec::NAME));
    assert_eq!(check(MapperSpec { name: "é".repeat(100), ..base() }), Ok(()));
    for bad in ["", "1abc", "_x", "a b", "a:b", "ä", &"a".repeat(101)] {
        assert_eq!(
            check(MapperSpec { user_attribute: bad.into(), ..base() }),
            Err(MapperSpec::USER_ATTRIBUTE),
            "{bad}"
        );
    }
    for good in ["a", "given_name", "x.y-z9", &"a".repeat(100)] {
        assert_eq!(check(MapperSpec { user_attribute: good.into(), ..base() }), Ok(()), "{good}");
    }
    let problem = check_mapper(&mapper("n", "name.nope", ClaimType::String), &[]).unwrap_err();
    assert_eq!(problem, MapperProblem { field: MapperSpec::CLAIM, message: parse_claim("name.nope").unwrap_err() });
}

#[test]
fn one_custom_attribute_has_one_type() {
    let others = vec![mapper("tag", TAG, ClaimType::String)];
    let upper = TAG.to_uppercase().replace(":TAG", ":Tag");
    let problem = check_mapper(&mapper("tagFlag", &upper, ClaimType::Boolean), &others).unwrap_err();
    assert_eq!(problem.field, MapperSpec::JSON_TYPE);
    assert!(problem.message.contains("as String"), "{}", problem.message);
    let problem = check_mapper(&multi(mapper("tags", TAG, ClaimType::String)), &others).unwrap_err();
    assert_eq!(problem.field, MapperSpec::JSON_TYPE);
    assert!(check_mapper(&mapper("tag2", &upper, ClaimType::String), &others).is_ok());
    // Standard attributes have their schema's type: mappers may read them as they like.
    let others = vec![mapper("a", "userName", ClaimType::String)];
    assert!(check_mapper(&mapper("b", "userName", ClaimType::Json), &others).is_ok());
}

#[test]
fn check_mappers_reports_the_first_bad_index() {
    assert_eq!(check_mappers(&defaults()), Ok(()));
    let mut specs = defaults();
    specs.push(mapper("x", "nope", ClaimType::String));
    specs.push(mapper("status", "active", ClaimType::Boolean));
    let (index, problem) = check_mappers(&specs).unwrap_err();
    assert_eq!((index, problem.field), (7, MapperSpec::CLAIM));
    specs.remove(7);
    let (index, problem) = check_mappers(&specs).unwrap_err();
    assert_eq!((index, problem.field), (7, MapperSpec::NAME));
    assert_eq!(check_mappers(&[]), Ok(()));
}

// ---- the tenant's user schema -----------------------------------------------------------

#[test]
fn user_schemas_are_interned() {
    let plain = user_schema(&[mapper("a", "userName", ClaimType::String), mapper("b", "nope", ClaimType::String)]);
    assert_eq!(plain.extensions.len(), USER_RESOURCE.extensions.len());
    assert_eq!(plain.extensions[0].id, ENTERPRISE_USER_SCHEMA);
    assert_eq!(user_schema(&[]).extensions.len(), 1);

    let level = "urn:ietf:params:scim:schemas:extension:Acme:1.0:User:level";
    let specs = [mapper("tag", TAG, ClaimType::String), mapper("level", level, ClaimType::Long)];
    let schema = user_schema(&specs);
    assert_eq!(schema.core.id, USER_SCHEMA);
    let ids: Vec<&str> = schema.extensions.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        [ENTERPRISE_USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:Acme:1.0:User", CUSTOM_EXTENSION_URN]
    );
    // The same definition, whatever the mappers' names, order or spelling of the toggles.
    let renamed = [
        MapperSpec { id_token: false, ..mapper("LEVEL!", level, ClaimType::Long) },
        mapper("tag (Entra)", TAG, ClaimType::String),
    ];
    assert!(std::ptr::eq(schema, user_schema(&renamed)));
    assert!(std::ptr::eq(schema, user_schema(&specs)));
    // Another type, plurality or attribute is another schema.
    let other = [mapper("tag", TAG, ClaimType::Json), mapper("level", level, ClaimType::Long)];
    assert!(!std::ptr::eq(schema, user_schema(&other)));
    let other = [multi(mapper("tag", TAG, ClaimType::String)), mapper("level", level, ClaimType::Long)];
    assert!(!std::ptr::eq(schema, user_schema(&other)));
    assert!(!std::ptr::eq(schema, user_schema(&specs[..1])));
    // Case-insensitive URNs: one extension, spelled as the first mapper spells it.
    let spelled = [mapper("a", TAG, ClaimType::String), mapper("b", &TAG.to_lowercase(), ClaimType::String)];
    let schema = user_schema(&spelled);
    assert_eq!(schema.extensions.len(), 2);
    assert_eq!(schema.extensions[1].id, CUSTOM_EXTENSION_URN);
    assert_eq!(schema.extensions[1].attributes.len(), 1);
}

#[test]
fn custom_schema_json_lists_its_attributes() {
    let specs = [
        mapper("tag", TAG, ClaimType::String),
        mapper("vip", &TAG.replace(":tag", ":vip"), ClaimType::Boolean),
        multi(mapper("levels", &TAG.replace(":tag", ":levels"), ClaimType::Long)),
        mapper("extra", &TAG.replace(":tag", ":extra"), ClaimType::Json),
    ];
    let schema = user_schema(&specs);
    let custom = schema.schema(CUSTOM_EXTENSION_URN).unwrap();
    let json = custom.to_json("https://h/scim/v2");
    assert_eq!(json["id"], CUSTOM_EXTENSION_URN);
    assert_eq!(json["name"], "CustomExtensionName");
    assert_eq!(json["description"], "Custom extension used by this tenant's attribute mappers.");
    let attrs = json["attributes"].as_array().unwrap();
    let names: Vec<&str> = attrs.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["extra", "levels", "tag", "vip"]);
    let attr = |name: &str| attrs.iter().find(|a| a["name"] == name).unwrap().clone();
    assert_eq!(attr("tag")["type"], "string");
    assert_eq!(attr("tag")["multiValued"], false);
    assert_eq!(attr("tag")["mutability"], "readWrite");
    assert_eq!(attr("tag")["returned"], "default");
    assert_eq!(attr("tag")["caseExact"], false);
    assert_eq!(attr("tag")["description"], "Read by this tenant's attribute mappers.");
    assert_eq!(attr("vip")["type"], "boolean");
    assert_eq!(
        (attr("levels")["type"].clone(), attr("levels")["multiValued"].clone()),
        (json!("integer"), json!(true))
    );
    assert_eq!(attr("extra")["type"], "complex");
    assert!(attr("extra").get("subAttributes").is_none());
    let extra = custom.attribute("EXTRA").unwrap();
    assert!(extra.open && extra.ty == AttrType::Complex);
}

#[test]
fn custom_extension_in_a_post_body() {
    let schema = user_schema(&defaults());
    let body = json!({"userName": "a", CUSTOM_EXTENSION_URN: {"tag": "x"}});
    let r = prepare(body.clone(), schema, Tolerance::Strict).unwrap().resource;
    assert_eq!(r["schemas"], json!([USER_SCHEMA, CUSTOM_EXTENSION_URN]));
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "x"}));
    assert_eq!(derive(&r, schema, &defaults(), Tolerance::Strict).unwrap()["tag"], json!("x"));
    // Unknown to a tenant without the mapper, as to the plain user schema.
    assert!(prepare(body, &USER_RESOURCE, Tolerance::Strict).is_err());
    // The URN-qualified key, in any case, and the URN listed in `schemas` in any case.
    let r = prepare(
            json!({"schemas": [USER_SCHEMA, CUSTOM_EXTENSION_URN.to_uppercase()], "userName": "a", TAG.to_lowercase(): "y"}),
            schema,
            Tolerance::Strict,
        )
        .unwrap()
        .resource;
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "y"}));
    // Returned like any other attribute.
    let shown = resource::project(&r, schema, &[], &[]);
    assert_eq!(shown[CUSTOM_EXTENSION_URN], json!({"tag": "y"}));
}

#[test]
fn custom_attribute_types_are_checked_on_input() {
    let specs = [
        mapper("tag", TAG, ClaimType::String),
        mapper("vip", &TAG.replace(":tag", ":vip"), ClaimType::Boolean),
        mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long),
    ];
    let schema = user_schema(&specs);
    let post = |ext: Value, tolerance| prepare(json!({"userName": "a", CUSTOM_EXTENSION_URN: ext}), schema, tolerance);
    for bad in [json!({"tag": true}), json!({"vip": "True"}), json!({"level": "3"}), json!({"tag": ["x"]})] {
        let err = post(bad.clone(), Tolerance::Strict).unwrap_err();
        assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)), "{bad}");
    }
    let r = post(json!({"vip": "True", "level": 3}), Tolerance::Azure).unwrap().resource;
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"vip": true, "level": 3}));
    let internal = derive(&r, schema, &specs, Tolerance::Strict).unwrap();
    assert_eq!(Value::Object(internal), json!({"vip": true, "level": 3}));
}

#[test]
fn json_custom_attributes_take_any_value() {
    let specs = [mapper("extra", &TAG.replace(":tag", ":extra"), ClaimType::Json)];
    let schema = user_schema(&specs);
    for value in [json!({"a": [1, {"b": null}], "Primary": true}), json!("s"), json!(7), json!([1, [2]]), json!(false)]
    {
        let body = json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extra": value.clone()}});
        let r = prepare(body, schema, Tolerance::Strict).unwrap().resource;
        assert_eq!(r[CUSTOM_EXTENSION_URN]["extra"], value);
        assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["extra"], value);
        let shown = resource::project(&r, schema, &[], &[]);
        assert_eq!(shown[CUSTOM_EXTENSION_URN]["extra"], value);
    }
    // A replace sets the whole value: nothing of the old object survives.
    let r = stored(json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extra": {"old": 1}}}), schema);
    let path = format!("{CUSTOM_EXTENSION_URN}:extra");
    let r = patched(&r, schema, json!([{"op": "Replace", "path": path, "value": {"new": 2}}]));
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"extra": {"new": 2}}));
    let multi_specs = [multi(mapper("extras", &TAG.replace(":tag", ":extras"), ClaimType::Json))];
    let schema = user_schema(&multi_specs);
    let items = json!([{"primary": true}, {"primary": true}, [3]]);
    let r =
        prepare(json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extras": items.clone()}}), schema, Tolerance::Strict)
            .unwrap()
            .resource;
    assert_eq!(r[CUSTOM_EXTENSION_URN]["extras"], items);
}

#[test]
fn entra_patches_custom_extension_attributes() {
    let specs = defaults();
    let schema = user_schema(&specs);
    let user = stored(json!({"userName": "a"}), schema);
    let tag = |r: &Value| derive(r, schema, &specs, Tolerance::Azure).unwrap().get("tag").cloned();

    let r = patched(&user, schema, json!([{"op": "Add", "path": TAG, "value": "x"}]));
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "x"}));
    assert_eq!(r["schemas"], json!([USER_SCHEMA, CUSTOM_EXTENSION_URN]));
    assert_eq!(tag(&r), Some(json!("x")));

    let r = patched(&r, schema, json!([{"op": "Replace", "path": TAG, "value": "y"}]));
    assert_eq!(tag(&r), Some(json!("y")));

    let r = patched(&r, schema, json!([{"op": "Replace", "value": {TAG: "z"}}]));
    assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "z"}));
    assert_eq!(tag(&r), Some(json!("z")));

    let r = patched(&r, schema, json!([{"op": "Replace", "value": {CUSTOM_EXTENSION_URN: {"tag": "w"}}}]));
    assert_eq!(tag(&r), Some(json!("w")));

    let r = patched(&r, schema, json!([{"op": "Remove", "path": TAG}]));
    assert!(r.get(CUSTOM_EXTENSION_URN).is_none());
    assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    assert_eq!(tag(&r), None);

    // Strict: a wrong type is refused.
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "add", "path": TAG, "value": true}]});
    let request = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
    let mut r = user.clone();
    let err = patch::apply(&mut r, &request, schema, Tolerance::Strict, &FilterLimits::default()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
}

// ---- deriving -------------------------------------------------------------------------

#[test]
fn each_json_type() {
    let user = adele();
    assert_eq!(value_of(&user, mapper("u", "userName", ClaimType::String)), Some(json!("adele@contoso.com")));
    assert_eq!(value_of(&user, mapper("u", "active", ClaimType::Boolean)), Some(json!(true)));
    assert_eq!(
        value_of(&user, mapper("u", "name", ClaimType::Json)),
        Some(json!({"givenName": "Adele", "familyName": "Vance"}))
    );
    assert_eq!(value_of(&user, mapper("u", "manager", ClaimType::Json)), Some(json!({"value": "m-1"})));
    let level = "urn:ietf:params:scim:schemas:extension:Acme:1.0:User:level";
    let specs = [mapper("level", level, ClaimType::Long)];
    let schema = user_schema(&specs);
    let r =
        stored(json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:Acme:1.0:User": {"level": 42}}), schema);
    assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["level"], json!(42));
    let r =
        stored(json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:Acme:1.0:User": {"level": -7}}), schema);
    assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["level"], json!(-7));
}

#[test]
fn multivalued_sources() {
    let user = adele();
    let all = multi(mapper("mails", "emails.value", ClaimType::String));
    assert_eq!(value_of(&user, all.clone()), Some(json!(["adele@example.org", "adele@contoso.com"])));
    assert_eq!(value_of(&user, mapper("mail", "emails.value", ClaimType::String)), Some(json!("adele@contoso.com")));
    assert_eq!(value_of(&user, mapper("type", "emails.type", ClaimType::String)), Some(json!("work")));
    // No primary: the first.
    let plain = stored(json!({"userName": "a", "emails": [{"value": "1@x"}, {"value": "2@x"}]}), &USER_RESOURCE);
    assert_eq!(value_of(&plain, mapper("mail", "emails.value", ClaimType::String)), Some(json!("1@x")));
    // A whole element: its value, or the element itself for JSON.
    assert_eq!(value_of(&plain, mapper("mail", "emails", ClaimType::String)), Some(json!("1@x")));
    assert_eq!(value_of(&plain, mapper("mail", "emails", ClaimType::Json)), Some(json!({"value": "1@x"})));
    // One value is still a list for a multivalued mapper; a single source too.
    let one = stored(json!({"userName": "a", "emails": [{"value": "1@x"}]}), &USER_RESOURCE);
    assert_eq!(value_of(&one, all), Some(json!(["1@x"])));
    assert_eq!(value_of(&one, multi(mapper("u", "userName", ClaimType::String))), Some(json!(["a"])));
    // Elements without the sub-attribute are skipped.
    let partial =
        stored(json!({"userName": "a", "emails": [{"type": "home", "value": ""}, {"value": "2@x"}]}), &USER_RESOURCE);
    assert_eq!(value_of(&partial, mapper("mail", "emails.value", ClaimType::String)), Some(json!("2@x")));
}

#[test]
fn missing_values_are_absent() {
    let user = stored(json!({"userName": "a", "title": "", "name": {"givenName": "G"}}), &USER_RESOURCE);
    let specs = [
        mapper("title", "title", ClaimType::String),
        mapper("last", "name.familyName", ClaimType::String),
        mapper("mails", "emails.value", ClaimType::String),
        multi(mapper("roles", "roles.value", ClaimType::String)),
        mapper("manager", "manager", ClaimType::String),
        mapper("email", "email", ClaimType::String),
        mapper("tag", TAG, ClaimType::String),
        mapper("given", "name.givenName", ClaimType::String),
    ];
    let internal = derive(&user, user_schema(&specs), &specs, Tolerance::Strict).unwrap();
    assert_eq!(Value::Object(internal), json!({"given": "G"}));
    // A claim the schema does not know (here: a custom one, with the plain user schema).
    assert_eq!(derive(&user, &USER_RESOURCE, &specs[6..7], Tolerance::Strict).unwrap(), Map::new());
}

#[test]
fn extension_paths() {
    let user = adele();
    assert_eq!(value_of(&user, mapper("m", "manager", ClaimType::String)), Some(json!("m-1")));
    assert_eq!(value_of(&user, mapper("m", "manager.value", ClaimType::String)), Some(json!("m-1")));
    let qualified = format!("{ENTERPRISE_USER_SCHEMA}:manager");
    assert_eq!(value_of(&user, mapper("m", &qualified, ClaimType::String)), Some(json!("m-1")));
    assert_eq!(value_of(&user, mapper("d", "department", ClaimType::String)), Some(json!("Research")));
    let qualified = format!("{}:DEPARTMENT", ENTERPRISE_USER_SCHEMA.to_lowercase());
    assert_eq!(value_of(&user, mapper("d", &qualified, ClaimType::String)), Some(json!("Research")));
    assert_eq!(
        value_of(&user, mapper("g", "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", ClaimType::String)),
        Some(json!("Adele"))
    );
}

#[test]
fn the_email_alias_is_primary_then_work_then_first() {
    let email = |emails: Value| {
        let user = stored(json!({"userName": "a", "emails": emails}), &USER_RESOURCE);
        value_of(&user, mapper("email", "Email", ClaimType::String))
    };
    let primary = json!([{"value": "w@x", "type": "work"}, {"value": "p@x", "type": "home", "primary": true}]);
    assert_eq!(email(primary), Some(json!("p@x")));
    assert_eq!(email(json!([{"value": "h@x", "type": "home"}, {"value": "w@x", "type": "work"}])), Some(json!("w@x")));
    assert_eq!(email(json!([{"value": "o@x", "type": "other"}, {"value": "h@x", "type": "home"}])), Some(json!("o@x")));
    assert_eq!(email(json!([])), None);
    let user = stored(json!({"userName": "a", "emails": [{"value": "w@x", "type": "work"}]}), &USER_RESOURCE);
    assert_eq!(value_of(&user, multi(mapper("email", "email", ClaimType::String))), Some(json!(["w@x"])));
}

#[test]
fn wrong_types_are_refused_under_strict_and_coerced_under_azure() {
    let user = stored(
        json!({"userName": "a", "title": "True", "nickName": "42", "active": true, "userType": "x",
                   "name": {"givenName": "G"}, "externalId": "12345678901234567890"}),
        &USER_RESOURCE,
    );
    let err = derive_one(&user, mapper("status", "title", ClaimType::Boolean), Tolerance::Strict).unwrap_err();
    assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)));
    assert_eq!(err.detail, "the mapper \"status\" reads \"title\" as Boolean, but the user's value is \"True\"");
    let err = derive_one(&user, mapper("n", "nickName", ClaimType::Long), Tolerance::Strict).unwrap_err();
    assert_eq!(err.detail, "the mapper \"n\" reads \"nickName\" as Integer/long, but the user's value is \"42\"");
    let err = derive_one(&user, mapper("a", "active", ClaimType::String), Tolerance::Strict).unwrap_err();
    assert_eq!(err.detail, "the mapper \"a\" reads \"active\" as String, but the user's value is true");
    let err = derive_one(&user, mapper("n", "name", ClaimType::String), Tolerance::Strict).unwrap_err();
    assert!(err.detail.ends_with("but the user's value is a JSON object"), "{}", err.detail);

    let azure = |spec| derive_one(&user, spec, Tolerance::Azure);
    assert_eq!(azure(mapper("s", "title", ClaimType::Boolean)).unwrap(), Some(json!(true)));
    assert_eq!(azure(mapper("n", "nickName", ClaimType::Long)).unwrap(), Some(json!(42)));
    assert_eq!(azure(mapper("a", "active", ClaimType::String)).unwrap(), Some(json!("true")));
    // What still does not fit is refused under Azure too.
    for spec in [
        mapper("x", "userType", ClaimType::Boolean),
        mapper("x", "userType", ClaimType::Long),
        mapper("x", "externalId", ClaimType::Long),
        mapper("x", "name", ClaimType::String),
        mapper("x", "active", ClaimType::Long),
    ] {
        let err = azure(spec.clone()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{}", spec.claim);
    }
    let lowered = stored(json!({"userName": "a", "title": "false"}), &USER_RESOURCE);
    assert_eq!(
        derive_one(&lowered, mapper("s", "title", ClaimType::Boolean), Tolerance::Azure).unwrap(),
        Some(json!(false))
    );
    let numbers = prepare(
        json!({"userName": "a", CUSTOM_EXTENSION_URN: {"level": 7}}),
        user_schema(&[mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long)]),
        Tolerance::Strict,
    )
    .unwrap()
    .resource;
    let spec = mapper("lvl", &TAG.replace(":tag", ":level"), ClaimType::String);
    let schema = user_schema(&[mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long)]);
    let internal = derive(&numbers, schema, std::slice::from_ref(&spec), Tolerance::Azure).unwrap();
    assert_eq!(internal["lvl"], json!("7"));
    assert!(derive(&numbers, schema, &[spec], Tolerance::Strict).is_err());
}

#[test]
fn only_the_chosen_value_of_a_single_valued_mapper_is_converted() {
    let user = stored(
        json!({"userName": "a", "roles": [{"value": "admin", "primary": true}, {"value": "7"}]}),
        &USER_RESOURCE,
    );
    // The primary value fits String; the other is never looked at.
    assert_eq!(value_of(&user, mapper("r", "roles.value", ClaimType::String)), Some(json!("admin")));
    let err = derive_one(&user, multi(mapper("r", "roles.value", ClaimType::Long)), Tolerance::Azure).unwrap_err();
    assert!(err.detail.contains("\"admin\""), "{}", err.detail);
}

#[test]
fn azure_defaults_from_an_entra_user() {
    let presets = azure_defaults();
    let names: Vec<&str> = presets.iter().map(|p| p.spec.name.as_str()).collect();
    assert_eq!(names, ["status", "loginName", "firstName", "manager", "lastName", "tag", "email"]);
    let sources: Vec<&str> = presets.iter().map(|p| p.entra_source).collect();
    assert_eq!(
        sources,
        ["isSoftDeleted", "userPrincipalName", "givenName", "manager", "surname", "extensionAttribute1", "mail"]
    );
    assert!(presets.iter().all(|p| p.spec.name == p.spec.user_attribute && !p.spec.multivalued));
    assert!(presets.iter().all(|p| TokenKind::ALL.iter().all(|&t| p.spec.in_token(t))));
    assert_eq!(presets[5].spec.claim, TAG);
    assert!(TAG.starts_with(CUSTOM_EXTENSION_URN));

    let specs = defaults();
    assert_eq!(check_mappers(&specs), Ok(()));
    let schema = user_schema(&specs);
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CUSTOM_EXTENSION_URN],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": "True",
        "displayName": "Adele Vance",
        "emails": [{"primary": "True", "type": "work", "value": "Test_User_fd0ea19b@testuser.com"},
                   {"primary": "False", "type": "home", "value": "home@example.com"}],
        "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
        ENTERPRISE_USER_SCHEMA: {"department": "Retail", "manager": {"value": "m-1"}},
        CUSTOM_EXTENSION_URN: {"tag": "blue"},
    });
    let r = prepare(body, schema, Tolerance::Azure).unwrap().resource;
    let internal = derive(&r, schema, &specs, Tolerance::Azure).unwrap();
    assert_eq!(
        Value::Object(internal.clone()),
        json!({"status": true, "loginName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1", "firstName": "Adele",
                   "manager": "m-1", "lastName": "Vance", "tag": "blue", "email": "Test_User_fd0ea19b@testuser.com"})
    );
    let keys: Vec<&String> = internal.keys().collect();
    assert_eq!(keys.len(), 7);
    assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap(), internal);
}

#[test]
fn entra_source_by_claim() {
    assert_eq!(entra_source("userName"), Some("userPrincipalName"));
    assert_eq!(entra_source(" USERNAME "), Some("userPrincipalName"));
    assert_eq!(entra_source("urn:ietf:params:scim:schemas:core:2.0:User:userName"), Some("userPrincipalName"));
    assert_eq!(entra_source(&format!("{ENTERPRISE_USER_SCHEMA}:Manager")), Some("manager"));
    assert_eq!(entra_source(&TAG.to_lowercase()), Some("extensionAttribute1"));
    assert_eq!(entra_source("EMAIL"), Some("mail"));
    assert_eq!(entra_source("name.givenname"), Some("givenName"));
    assert_eq!(entra_source("active"), Some("isSoftDeleted"));
    assert_eq!(entra_source("manager.value"), None);
    assert_eq!(entra_source("displayName"), None);
    assert_eq!(entra_source("not a path"), None);
}

#[test]
fn claims_honour_the_toggles() {
    let specs = vec![
        mapper("a", "userName", ClaimType::String),
        MapperSpec { id_token: false, ..mapper("b", "title", ClaimType::String) },
        MapperSpec { access_token: false, userinfo: false, ..mapper("c", "nickName", ClaimType::String) },
        MapperSpec { introspection: false, ..mapper("d", "locale", ClaimType::String) },
        mapper("e", "displayName", ClaimType::String),
    ];
    let mut internal = Map::new();
    for (k, v) in [("a", json!("A")), ("b", json!("B")), ("c", json!(["C"])), ("d", json!(false)), ("x", json!(1))] {
        internal.insert(k.into(), v);
    }
    let keys = |token| claims(&internal, &specs, token).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(keys(TokenKind::IdToken), ["a", "c", "d"]);
    assert_eq!(keys(TokenKind::AccessToken), ["a", "b", "d"]);
    assert_eq!(keys(TokenKind::Userinfo), ["a", "b", "d"]);
    assert_eq!(keys(TokenKind::Introspection), ["a", "b", "c"]);
    assert_eq!(claims(&internal, &specs, TokenKind::IdToken)["c"], json!(["C"]));
    assert_eq!(claims(&internal, &specs, TokenKind::IdToken)["d"], json!(false));
}

// ---- inverting ------------------------------------------------------------------------

#[test]
fn an_inverted_boolean_mapper_stores_the_opposite() {
    let inverted = |claim: &str| MapperSpec { invert: true, ..mapper("isSoftDeleted", claim, ClaimType::Boolean) };
    let user = adele();
    assert_eq!(value_of(&user, inverted("active")), Some(json!(false)));
    let entra = stored(json!({"schemas": [USER_SCHEMA], "userName": "a@b.c", "active": "False"}), &USER_RESOURCE);
    assert_eq!(derive_one(&entra, inverted("active"), Tolerance::Azure).unwrap(), Some(json!(true)));
    // Exported before the option existed: not inverted.
    let old: MapperSpec =
        serde_json::from_value(json!({"name": "s", "userAttribute": "s", "claim": "active", "jsonType": "boolean"}))
            .unwrap();
    assert!(!old.invert);
}

#[test]
fn only_booleans_invert_and_an_uninverted_opposite_name_is_warned_about() {
    let string = MapperSpec { invert: true, ..mapper("mail", "userName", ClaimType::String) };
    assert_eq!(check_mapper(&string, &[]).unwrap_err().field, MapperSpec::INVERT);
    for attr in ["isSoftDeleted", "disabled", "accountLocked"] {
        let plain = mapper(attr, "active", ClaimType::Boolean);
        let warning = inversion_warning(&plain).unwrap_or_default();
        assert!(warning.contains(&format!("\"{attr}\"")) && warning.contains("Invert"), "{attr}: {warning}");
        assert_eq!(inversion_warning(&MapperSpec { invert: true, ..plain }), None, "{attr} inverted");
    }
    // The Entra defaults stay right: `status` holds active as it is.
    assert!(defaults().iter().all(|spec| inversion_warning(spec).is_none()));
    assert_eq!(inversion_warning(&mapper("enabled", "active", ClaimType::Boolean)), None);
    assert_eq!(inversion_warning(&mapper("disabledReason", "title", ClaimType::Boolean)), None);
}

#[test]
fn read_takes_whole_lists_primary_elements_and_unlisted_extensions() {
    let user = adele();
    let read_claim = |claim: &str| read(&user, &USER_RESOURCE, &parse_claim(claim).unwrap());
    let emails = read_claim("emails").unwrap();
    assert!(emails.as_array().is_some_and(|e| e.len() == user["emails"].as_array().unwrap().len()));
    assert_eq!(read_claim("emails.value"), read_claim("email"));
    assert_eq!(read_claim("name.givenName"), Some(user["name"]["givenName"].clone()));
    assert_eq!(read_claim("nickName"), None);
    // A custom extension the schema does not list is read by name.
    let mut tagged = user.clone();
    tagged
        .as_object_mut()
        .unwrap()
        .insert("urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User".into(), json!({ "tag": "blue" }));
    assert_eq!(read(&tagged, &USER_RESOURCE, &parse_claim(TAG).unwrap()), Some(json!("blue")));
    assert_eq!(read(&user, &USER_RESOURCE, &parse_claim(TAG).unwrap()), None);
}
