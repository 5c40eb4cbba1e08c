//! `scim::path::AttrPath::parse` (RFC 7644 §3.10) and `scim::path::PatchPath::parse`
//! (RFC 7644 §3.5.2) on arbitrary UTF-8. Checks that parsing never panics; that a parsed path
//! prints (`Display`, the canonical form) to text that parses back equal; and that resolving it
//! against the User and Group schemas, and evaluating a PATCH path's value filter on the
//! elements it selects in the RFC 7643 §8.3 User and §8.4 Group, never panics.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim::filter::FilterLimits;
use scim::path::{AttrPath, PatchPath};
use scim::schema::{ResourceSchema, GROUP_RESOURCE, USER_RESOURCE};
use serde_json::Value;

/// The printed value filter may be longer than the input (`not(` → `not (`).
const ROOMY: FilterLimits = FilterLimits { max_length: usize::MAX, max_depth: usize::MAX };

fuzz_target!(|input: &str| {
    if let Ok(path) = AttrPath::parse(input) {
        let printed = path.to_string();
        assert_eq!(AttrPath::parse(&printed).ok(), Some(path.clone()), "{input:?} prints as {printed:?}");
        for schema in [&USER_RESOURCE, &GROUP_RESOURCE] {
            path.resolve(schema);
            path.target_def(schema);
            path.schema_urn(schema);
        }
    }
    if let Ok(path) = PatchPath::parse(input, &FilterLimits::default()) {
        let printed = path.to_string();
        assert_eq!(PatchPath::parse(&printed, &ROOMY).ok(), Some(path.clone()), "{input:?} prints as {printed:?}");
        evaluate(&path, &common::USER, &USER_RESOURCE);
        evaluate(&path, &common::GROUP, &GROUP_RESOURCE);
    }
});

/// Runs the value filter on each element of the attribute the path names, as PATCH does.
fn evaluate(path: &PatchPath, resource: &Value, schema: &ResourceSchema) {
    let (Some(filter), Some(def)) = (&path.filter, path.attr.target_def(schema)) else { return };
    let container = match path.attr.schema_urn(schema) {
        Some(urn) if urn != schema.core.id => resource.get(urn),
        _ => Some(resource),
    };
    if let Some(Value::Array(items)) = container.and_then(|c| c.get(def.name)) {
        for item in items {
            filter.matches_element(item, def);
        }
    }
}
