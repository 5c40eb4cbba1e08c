//! Unit tests of `filter` (a sibling file, so the module stays readable).

use super::eval::SCHEMAS_DEF;
use super::*;
use crate::error::ScimType;
use crate::schema::{AttrType, AttributeDef, ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, USER, USER_RESOURCE};
use proptest::prelude::*;
use serde_json::{json, Value};

fn p(input: &str) -> Filter {
    match parse(input, &FilterLimits::default()) {
        Ok(f) => f,
        Err(e) => panic!("{input}: {}", e.detail),
    }
}

fn err(input: &str) -> String {
    let e = parse(input, &FilterLimits::default()).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{input}");
    assert_eq!(e.status, 400);
    e.detail
}

fn canonical(input: &str) -> String {
    p(input).to_string()
}

fn present(name: &str) -> Filter {
    Filter::Present(AttrPath::simple(name))
}

fn eq_str(name: &str, value: &str) -> Filter {
    Filter::Compare { path: AttrPath::parse(name).unwrap(), op: CompareOp::Eq, value: CompValue::String(value.into()) }
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

const ROOMY: FilterLimits = FilterLimits { max_length: usize::MAX, max_depth: 100 };

#[test]
fn rfc7644_3_4_2_2_examples_parse_and_print_canonically() {
    let examples: Vec<Value> =
        serde_json::from_str(include_str!("../../tests/fixtures/filter/rfc7644-3.4.2.2-examples.json")).unwrap();
    assert_eq!(examples.len(), 19);
    for example in examples {
        let input = example["filter"].as_str().unwrap();
        let printed = canonical(input);
        assert_eq!(printed, example["canonical"].as_str().unwrap());
        assert_eq!(p(&printed), p(input), "{input}");
        assert_eq!(canonical(&printed), printed, "printing is idempotent");
    }
}

#[test]
fn and_binds_tighter_than_or_and_both_group_left() {
    assert_eq!(p("a pr or b pr and c pr"), or(present("a"), and(present("b"), present("c"))));
    assert_eq!(p("a pr and b pr or c pr"), or(and(present("a"), present("b")), present("c")));
    assert_eq!(p("(a pr or b pr) and c pr"), and(or(present("a"), present("b")), present("c")));
    assert_eq!(p("a pr or b pr or c pr"), or(or(present("a"), present("b")), present("c")));
    assert_eq!(p("a pr and b pr and c pr"), and(and(present("a"), present("b")), present("c")));
    assert_eq!(canonical("a pr and (b pr and c pr)"), "a pr and (b pr and c pr)");
    assert_eq!(canonical("a pr or (b pr or c pr)"), "a pr or (b pr or c pr)");
    assert_eq!(canonical("(a pr and b pr) or (c pr and d pr)"), "a pr and b pr or c pr and d pr");
    assert_eq!(canonical("a pr and (b pr or c pr) and d pr"), "a pr and (b pr or c pr) and d pr");
}

#[test]
fn not_and_nested_parentheses() {
    assert_eq!(p("not (a pr)"), Filter::Not(Box::new(present("a"))));
    assert_eq!(p("NOT(a pr)"), Filter::Not(Box::new(present("a"))));
    assert_eq!(p("((((a pr))))"), present("a"));
    assert_eq!(canonical("not ((a pr or b pr) and not (c pr))"), "not ((a pr or b pr) and not (c pr))");
    assert_eq!(canonical("a pr and not (b pr) or c pr"), "a pr and not (b pr) or c pr");
    // An attribute may be called `not`: only `not (` is the operator.
    assert_eq!(p("not pr"), present("not"));
    assert_eq!(p("and pr and or pr"), and(present("and"), present("or")));
}

#[test]
fn keywords_and_operators_are_case_insensitive() {
    assert_eq!(
        canonical("userName EQ \"x\" AND title PR OR active Eq TRUE and x nE NULL and y gT FaLsE"),
        "userName eq \"x\" and title pr or active eq true and x ne null and y gt false"
    );
    for op in ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] {
        let f = p(&format!("x {} \"v\"", op.to_uppercase()));
        assert_eq!(f.to_string(), format!("x {op} \"v\""));
    }
}

#[test]
fn whitespace_is_tolerated() {
    assert_eq!(canonical("  userName   eq\t\"x\"  and(title pr)  "), "userName eq \"x\" and title pr");
    assert_eq!(canonical("emails [type eq \"work\"]"), "emails[type eq \"work\"]");
}

#[test]
fn urn_qualified_paths() {
    let f = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"42\"");
    let Filter::Compare { path, .. } = &f else { panic!("{f:?}") };
    assert_eq!(path.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
    assert_eq!(path.attr, "manager");
    assert_eq!(path.sub_attr.as_deref(), Some("value"));
    let f = p("urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"]");
    let Filter::ValuePath { path, .. } = &f else { panic!("{f:?}") };
    assert_eq!(path.urn.as_deref(), Some("urn:ietf:params:scim:schemas:core:2.0:User"));
}

#[test]
fn value_paths() {
    let f = p("emails[type eq \"work\" and value co \"@x\"]");
    assert_eq!(
        f,
        Filter::ValuePath {
            path: AttrPath::simple("emails"),
            filter: Box::new(and(
                eq_str("type", "work"),
                Filter::Compare {
                    path: AttrPath::simple("value"),
                    op: CompareOp::Co,
                    value: CompValue::String("@x".into())
                }
            )),
        }
    );
    assert_eq!(canonical("emails[not (type eq \"work\")]"), "emails[not (type eq \"work\")]");
    assert_eq!(canonical("members[$ref pr]"), "members[$ref pr]");
}

#[test]
fn entra_shapes() {
    assert_eq!(p("userName eq \"x\""), eq_str("userName", "x"));
    assert_eq!(p("externalId eq \"x\""), eq_str("externalId", "x"));
    assert_eq!(p("displayName eq \"Group\""), eq_str("displayName", "Group"));
    assert_eq!(
        canonical("meta.lastModified gt \"2011-05-13T04:42:34Z\""),
        "meta.lastModified gt \"2011-05-13T04:42:34Z\""
    );
    // A value filter followed by a sub-attribute comparison is the value filter with both.
    let f = p("emails[type eq \"work\"].value eq \"a@b.c\"");
    assert_eq!(
        f,
        Filter::ValuePath {
            path: AttrPath::simple("emails"),
            filter: Box::new(and(eq_str("type", "work"), eq_str("value", "a@b.c"))),
        }
    );
    assert_eq!(f.to_string(), "emails[type eq \"work\" and value eq \"a@b.c\"]");
    assert_eq!(
        canonical("emails[type eq \"work\" or type eq \"home\"].value eq \"x\" and active eq true"),
        "emails[(type eq \"work\" or type eq \"home\") and value eq \"x\"] and active eq true"
    );
    assert_eq!(canonical("emails[type eq \"work\"].value pr"), "emails[type eq \"work\" and value pr]");
}

#[test]
fn literals() {
    let value = |input: &str| match p(&format!("x eq {input}")) {
        Filter::Compare { value, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(value("5"), CompValue::Number(5u64.into()));
    assert_eq!(value("-5"), CompValue::Number((-5i64).into()));
    assert_eq!(value("1.5"), CompValue::Number(Number::from_f64(1.5).unwrap()));
    assert_eq!(value("1e3"), CompValue::Number(Number::from_f64(1000.0).unwrap()));
    assert_eq!(value("2.5E-1"), CompValue::Number(Number::from_f64(0.25).unwrap()));
    assert_eq!(value("18446744073709551616"), CompValue::Number(Number::from_f64(1.8446744073709552e19).unwrap()));
    assert_eq!(value("true"), CompValue::Bool(true));
    assert_eq!(value("False"), CompValue::Bool(false));
    assert_eq!(value("NULL"), CompValue::Null);
    assert_eq!(value(r#""a\"b\\c\u00e9\n""#), CompValue::String("a\"b\\cé\n".into()));
    assert_eq!(value("\"\""), CompValue::String(String::new()));
    assert_eq!(canonical(r#"x eq "tab\there\u0001""#), r#"x eq "tab\there\u0001""#);
    assert_eq!(canonical("x eq 1.0"), "x eq 1.0");
    assert_eq!(canonical("x eq 1E+2"), "x eq 100.0");
    for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "1e400", "abc", "'x'"] {
        let detail = err(&format!("x eq {bad}"));
        assert!(detail.contains(bad), "{bad}: {detail}");
    }
}

#[test]
fn errors_say_what_was_expected_and_where() {
    let cases = [
            ("", "the filter is empty"),
            ("   ", "the filter is empty"),
            ("userName eqq \"x\"", "unknown operator 'eqq', expected one of eq, ne, co, sw, ew, gt, ge, lt, le or pr (at position 9)"),
            ("userName", "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'userName', found the end of the filter (at position 8)"),
            ("userName eq", "missing value after 'userName eq' (at position 11)"),
            ("(userName eq)", "missing value after 'userName eq' (at position 12)"),
            ("userName eq \"x\" foo", "expected 'and', 'or' or the end of the filter, found 'foo' (at position 16)"),
            ("userName eq \"x\" \"y\"", "expected 'and', 'or' or the end of the filter, found a string"),
            ("(userName eq \"x\"", "unbalanced '(': the filter ends before its ')' (at position 0)"),
            ("userName eq \"x\")", "unbalanced ')': there is no '(' to close (at position 15)"),
            ("emails[type eq \"x\"", "unbalanced '[': the filter ends before its ']' (at position 6)"),
            ("emails[type eq \"x\")", "expected ']' to close the '[' at position 6, found ')'"),
            ("(type eq \"x\"]", "expected ')' to close the '(' at position 0, found ']'"),
            ("type eq \"x\"]", "unbalanced ']'"),
            ("(a pr] and b pr)", "found ']'"),
            ("emails[type[value pr]]", "value filters cannot be nested"),
            ("emails[type eq \"x\"]]", "unbalanced ']'"),
            ("emails.value[type pr]", "must follow an attribute name without a sub-attribute"),
            ("title pr \"x\"", "'pr' takes no value (at position 9)"),
            ("title pr true", "'pr' takes no value"),
            ("userName eq \"x", "unterminated string: missing closing '\"' (at position 12)"),
            ("userName eq \"\\q\"", "invalid string literal"),
            ("userName eq \"\\ud800\"", "invalid string literal"),
            ("\"x\" eq userName", "expected an attribute path, '(' or 'not', found a string (at position 0)"),
            ("()", "expected an attribute path, '(' or 'not', found ')' (at position 1)"),
            ("a pr and", "expected an attribute path, '(' or 'not', found the end of the filter (at position 8)"),
            ("a pr or or b pr", "expected an attribute path, '(' or 'not', found 'or' (at position 8)"),
            ("a pr and and", "expected an operator"),
            ("not userName eq \"x\"", "expected '(' after 'not' (at position 0)"),
            ("1abc pr", "'1abc' is not a valid attribute path"),
            ("user.name.x pr", "is not a valid attribute path"),
            ("emails[]", "found ']'"),
            ("userName eq [", "expected a value"),
            ("emails[type eq \"work\"].value.x eq \"y\"", "expected a sub-attribute name after '].'"),
            ("emails[type eq \"work\"].value", "expected an operator"),
            ("emails[type eq \"work\"]x pr", "expected 'and', 'or' or the end of the filter, found 'x'"),
            ("é eq \"x\"", "'é' is not a valid attribute path"),
            ("x eq \"é\" é", "found 'é' (at position 9)"),
        ];
    for (input, expected) in cases {
        let detail = err(input);
        assert!(detail.contains(expected), "{input}\n  got:  {detail}\n  want: {expected}");
    }
}

#[test]
fn length_limit() {
    let limits = FilterLimits { max_length: 20, max_depth: 32 };
    assert!(parse("userName eq \"abcde\"", &limits).is_ok());
    let e = parse("userName eq \"abcdefghij\"", &limits).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert!(e.detail.contains("limit of 20 characters"), "{}", e.detail);
    // Characters, not bytes.
    assert!(parse("x eq \"ééééééééééé\"", &limits).is_ok());
    let long = format!("userName eq \"{}\"", "x".repeat(5000));
    assert!(err(&long).contains("4096"));
}

#[test]
fn depth_limit_counts_parentheses_not_and_brackets() {
    let limits = FilterLimits { max_length: usize::MAX, max_depth: 3 };
    assert!(parse("(((a pr)))", &limits).is_ok());
    assert!(parse("((not (a pr)))", &limits).is_ok());
    assert!(parse("((x[a pr]))", &limits).is_ok());
    for deep in ["((((a pr))))", "(((not (a pr))))", "not (not (not (not (a pr))))", "(((x[a pr])))"] {
        let e = parse(deep, &limits).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        assert!(e.detail.contains("deeper than the limit of 3 levels"), "{deep}: {}", e.detail);
    }
    // Siblings do not add up.
    assert!(parse("(((a pr))) and (((b pr))) or x[(((c pr)))]", &FilterLimits { max_depth: 4, ..limits }).is_ok());
}

#[test]
fn hostile_nesting_does_not_overflow_the_stack() {
    let huge = FilterLimits { max_length: usize::MAX, max_depth: usize::MAX };
    let n = 200_000;
    let deep = format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(parse(&deep, &huge).unwrap(), present("a"));
    let unbalanced = "not (".repeat(n);
    assert!(parse(&unbalanced, &huge).is_err());
    assert!(err(&"(".repeat(4000)).contains("limit of 32 levels"));
}

#[test]
fn tall_trees_are_capped_and_walkable() {
    let chain = |n: usize| vec!["a pr"; n].join(" or ");
    let f = parse(&chain(MAX_TREE_HEIGHT), &ROOMY).unwrap();
    // Printing, evaluating, comparing, cloning and dropping a tree of the maximum height
    // works on a test thread's stack.
    let printed = f.to_string();
    assert_eq!(parse(&printed, &ROOMY).unwrap(), f.clone());
    assert!(!f.matches(&json!({}), &USER_RESOURCE));
    assert!(!format!("{f:?}").is_empty());
    drop(f);
    let e = parse(&chain(MAX_TREE_HEIGHT + 1), &ROOMY).unwrap_err();
    assert!(e.detail.contains("too complex"), "{}", e.detail);
}

#[test]
fn printing_escapes_strings_as_json() {
    let f = Filter::Compare {
        path: AttrPath::simple("x"),
        op: CompareOp::Eq,
        value: CompValue::String("q\"b\\s\u{7}\r\n\té]".into()),
    };
    assert_eq!(f.to_string(), r#"x eq "q\"b\\s\u0007\r\n\té]""#);
    assert_eq!(p(&f.to_string()), f);
}

// --- matching ---------------------------------------------------------------------------

fn user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "BJensen-Ext",
        "userName": "Bjensen@Example.com",
        "name": { "familyName": "O'Malley", "givenName": "Barbara", "middleName": null },
        "displayName": "Babs Jensen",
        "title": "",
        "nickName": null,
        "userType": "Employee",
        "active": true,
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
        ],
        "ims": [],
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34+02:00"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith" }
        }
    })
}

fn m(filter: &str) -> bool {
    p(filter).matches(&user(), &USER_RESOURCE)
}

#[test]
fn case_sensitivity_follows_case_exact() {
    // userName: caseExact false.
    assert!(m("userName eq \"bjensen@example.com\""));
    assert!(m("USERNAME eq \"BJENSEN@EXAMPLE.COM\""));
    assert!(m("userName sw \"BJ\""));
    // externalId and id: caseExact true.
    assert!(m("externalId eq \"BJensen-Ext\""));
    assert!(!m("externalId eq \"bjensen-ext\""));
    assert!(m("externalId ne \"bjensen-ext\""));
    assert!(!m("id eq \"2819C223-7F76-453A-919D-413861904646\""));
    assert!(m("id eq \"2819c223-7f76-453a-919d-413861904646\""));
    assert!(m("urn:ietf:params:scim:schemas:core:2.0:User:userName ew \"EXAMPLE.COM\""));
}

#[test]
fn string_operators() {
    assert!(m("name.familyName co \"O'Malley\""));
    assert!(m("name.familyName co \"mall\""));
    assert!(!m("userName sw \"J\""));
    assert!(m("displayName ew \"jensen\""));
    assert!(m("displayName gt \"Babs\"") && m("displayName ge \"Babs Jensen\"") && m("displayName lt \"C\""));
    assert!(!m("displayName le \"Babs\""));
    assert!(m("userType eq \"Employee\" and not (emails co \"example.org\")"));
    assert!(!m("active co \"tr\""), "co applies to strings only");
}

#[test]
fn multi_valued_attributes_match_any_value() {
    assert!(m("emails co \"jensen.org\""), "complex multi-valued without sub-attribute compares value");
    assert!(m("emails.value eq \"bjensen@example.com\""));
    assert!(m("emails.type eq \"home\""));
    assert!(!m("emails.type eq \"other\""));
    assert!(m("emails[type eq \"work\" and value co \"@example.com\"]"));
    assert!(!m("emails[type eq \"home\" and value co \"@example.com\"]"), "both on the same element");
    assert!(m("emails[type eq \"work\"].value eq \"BJENSEN@example.com\""));
    assert!(!m("emails[type eq \"home\"].value eq \"bjensen@example.com\""));
    assert!(m("emails[primary eq true]"));
    assert!(m("emails[not (primary eq true)]"), "the home address has no primary");
    assert!(!m("ims[type eq \"xmpp\"]"));
    assert!(m("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]"));
}

#[test]
fn date_times_compare_as_instants() {
    // lastModified is 2011-05-13T02:42:34Z.
    assert!(m("meta.lastModified eq \"2011-05-13T02:42:34Z\""));
    assert!(m("meta.lastModified eq \"2011-05-13T02:42:34.000Z\""));
    assert!(m("meta.lastModified lt \"2011-05-13T04:42:34Z\""));
    assert!(!m("meta.lastModified gt \"2011-05-13T04:42:34Z\""));
    assert!(m("meta.lastModified gt \"2011-05-13T02:42:33Z\""));
    assert!(m("meta.lastModified ge \"2011-05-13T02:42:34Z\"") && m("meta.lastModified le \"2011-05-13T02:42:34Z\""));
    assert!(m("meta.created lt \"2010-01-23T04:56:23\""), "no offset: UTC");
    assert!(!m("meta.created gt \"not a date\""));
    assert!(m("meta.created sw \"2010-01\""), "sw works on the string form");
}

const SCORES_SUBS: &[AttributeDef] = &[
    AttributeDef { name: "value", ty: AttrType::Integer, ..SCHEMAS_DEF },
    AttributeDef { name: "weight", ty: AttrType::Decimal, multi_valued: false, ..SCHEMAS_DEF },
    AttributeDef { name: "code", ty: AttrType::String, multi_valued: false, case_exact: true, ..SCHEMAS_DEF },
];
const SCORES: AttributeDef =
    AttributeDef { name: "scores", ty: AttrType::Complex, sub_attributes: SCORES_SUBS, ..SCHEMAS_DEF };
const TAGS: AttributeDef = AttributeDef { name: "tags", ty: AttrType::String, ..SCHEMAS_DEF };

#[test]
fn numbers_compare_numerically() {
    let el = json!({ "value": 10, "weight": 2.5, "code": "Ab" });
    let me = |f: &str| p(f).matches_element(&el, &SCORES);
    assert!(me("value eq 10") && me("value eq 10.0") && me("value eq 1e1"));
    assert!(me("value gt 9") && me("value ge 10") && me("value lt 11") && me("value le 10"));
    assert!(!me("value gt 10") && !me("value lt -1"));
    assert!(me("value gt 9.99") && me("value lt 18446744073709551615"));
    assert!(me("weight gt 2") && me("weight lt 3") && me("weight eq 2.5") && me("weight ne 2"));
    assert!(!me("value eq \"10\""), "no coercion between strings and numbers");
    assert!(!me("value co 1"));
    assert!(me("code eq \"Ab\"") && !me("code eq \"ab\""), "caseExact sub-attribute");
    assert!(!me("nope eq 1"));
    // Multi-valued simple values: `value` is the element itself.
    assert!(p("value eq \"red\"").matches_element(&json!("Red"), &TAGS));
    assert!(!p("type eq \"red\"").matches_element(&json!("red"), &TAGS));
}

#[test]
fn booleans_and_null() {
    assert!(m("active eq true") && m("active ne false") && !m("active eq false"));
    assert!(!m("active gt false"), "booleans only eq and ne");
    assert!(!m("active eq \"true\""), "no coercion");
    assert!(m("nickName eq null") && m("timezone eq null") && m("name.middleName eq null"));
    assert!(!m("userName eq null") && m("userName ne null"));
    assert!(!m("timezone ne null") && !m("timezone ne \"x\""), "an absent attribute matches no comparison");
    assert!(!m("userName gt null"));
}

#[test]
fn present_means_non_empty() {
    assert!(m("userName pr") && m("name pr") && m("emails pr") && m("emails.type pr"));
    assert!(!m("title pr"), "empty string");
    assert!(!m("nickName pr"), "null");
    assert!(!m("timezone pr"), "absent");
    assert!(!m("ims pr"), "empty array");
    assert!(!m("name.middleName pr"));
    assert!(!m("emails.display pr"));
    assert!(m("emails[type eq \"home\" and not (primary pr)]"));
    let empty = json!({ "name": { "givenName": "" }, "emails": [{}] });
    assert!(!p("name pr").matches(&empty, &USER_RESOURCE), "complex with only empty members");
    assert!(!p("emails pr").matches(&empty, &USER_RESOURCE));
}

#[test]
fn extension_attributes_and_schemas() {
    assert!(m("manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\""));
    assert!(m("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\""), "complex without sub compares value");
    assert!(m("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\""));
    assert!(m("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw \"john\""));
    assert!(m("manager[value pr]"));
    assert!(m("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\""));
    assert!(!m("schemas eq \"urn:example:other\""));
    assert!(m("userName pr and manager pr"));
}

#[test]
fn attribute_names_and_keys_are_case_insensitive() {
    let lower = json!({ "username": "bjensen", "EMAILS": [{ "VALUE": "a@b.c", "Type": "work" }] });
    assert!(p("userName eq \"BJENSEN\"").matches(&lower, &USER_RESOURCE));
    assert!(p("emails[TYPE eq \"work\"].value eq \"a@b.c\"").matches(&lower, &USER_RESOURCE));
}

#[test]
fn unknown_attributes_never_match() {
    assert!(!m("nope eq \"x\"") && !m("nope pr") && !m("name.nope pr") && !m("nope[value pr]"));
    assert!(m("not (nope pr)"));
    assert!(!p("members pr").matches(&json!({ "members": [] }), &GROUP_RESOURCE));
    let group = json!({ "displayName": "Group", "members": [{ "value": "u1" }, { "value": "u2" }] });
    assert!(p("displayName eq \"group\"").matches(&group, &GROUP_RESOURCE));
    assert!(p("members[value eq \"u2\"]").matches(&group, &GROUP_RESOURCE));
    assert!(!p("userName pr").matches(&group, &GROUP_RESOURCE));
}

#[test]
fn matches_element_resolves_relative_paths() {
    let emails = USER.attribute("emails").unwrap();
    let work = json!({ "value": "a@b.c", "type": "work" });
    assert!(p("type eq \"WORK\"").matches_element(&work, emails));
    assert!(!p("emails.type eq \"work\"").matches_element(&work, emails), "paths are relative");
    assert!(!p("urn:x:y:type eq \"work\"").matches_element(&work, emails));
    assert!(!p("emails[type pr]").matches_element(&work, emails));
}

// --- properties -------------------------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        1 => prop::sample::select(vec!["$ref", "not", "and", "or", "pr", "eq", "true", "null", "urn"])
            .prop_map(String::from),
    ]
}

fn urn() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE_USER_SCHEMA,
            "URN:example:ext:1.0",
        ])
        .prop_map(String::from),
    )
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (urn(), name(), prop::option::of(name())).prop_map(|(urn, attr, sub_attr)| AttrPath { urn, attr, sub_attr })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |x| Number::from_f64(x).map(CompValue::Number)),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(), compare_op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        attr_path().prop_map(Filter::Present),
    ]
}

fn logic(inner: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
        (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
        inner.prop_map(|f| Filter::Not(Box::new(f))),
    ]
    .boxed()
}

/// Filters the grammar can express: value paths have no sub-attribute and do not nest.
fn filter() -> impl Strategy<Value = Filter> {
    let element_filter = leaf().prop_recursive(3, 16, 2, logic);
    let value_path = ((urn(), name()), element_filter).prop_map(|((urn, attr), f)| Filter::ValuePath {
        path: AttrPath { urn, attr, sub_attr: None },
        filter: Box::new(f),
    });
    prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(4, 32, 2, logic)
}

fn token_soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "userName",
        "emails",
        "name.givenName",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:",
        ":",
        ".",
        ".value",
        "[",
        "]",
        "(",
        ")",
        "not",
        "and",
        "or",
        "eq",
        "co",
        "pr",
        "gt",
        "\"x\"",
        "\"",
        "\\",
        "\"\\u00\"",
        "1",
        "-1.5e3",
        "01",
        "true",
        "null",
        " ",
        " ",
        " ",
        "\t",
        "é",
        "$ref",
    ];
    prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|t| t.concat())
}

/// Whatever parses prints to something that parses back to the same tree, and evaluates.
fn check_accepted(input: &str) {
    if let Ok(f) = parse(input, &FilterLimits::default()) {
        let printed = f.to_string();
        assert_eq!(parse(&printed, &ROOMY).unwrap(), f, "{input} → {printed}");
        let _ = f.matches(&user(), &USER_RESOURCE);
        let _ = f.matches_element(&json!({"value": "x", "type": "work"}), &SCORES);
    }
    let _ = crate::path::PatchPath::parse(input, &FilterLimits::default());
    let _ = AttrPath::parse(input);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_filter(f in filter()) {
        let printed = f.to_string();
        let parsed = parse(&printed, &ROOMY);
        prop_assert!(parsed.is_ok(), "{printed}: {:?}", parsed.err());
        prop_assert_eq!(parsed.ok(), Some(f));
    }

    #[test]
    fn any_string_is_parsed_or_rejected_without_panicking(input in any::<String>()) {
        check_accepted(&input);
    }

    #[test]
    fn any_bytes_are_parsed_or_rejected_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_accepted(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_is_parsed_or_rejected_without_panicking(input in token_soup()) {
        check_accepted(&input);
    }

    #[test]
    fn mutated_filters_are_parsed_or_rejected_without_panicking(
        f in filter(),
        cut in any::<prop::sample::Index>(),
        insert in prop::sample::select(vec!["", "(", ")", "[", "]", "\"", " and ", "not (", "."]),
    ) {
        let printed = f.to_string();
        let at = cut.index(printed.len() + 1);
        if let (Some(head), Some(tail)) = (printed.get(..at), printed.get(at..)) {
            check_accepted(&format!("{head}{insert}{tail}"));
        }
    }
}
