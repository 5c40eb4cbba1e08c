//! Case-insensitive access to the members of JSON objects: SCIM attribute names and the
//! members of protocol messages are case-insensitive (RFC 7643 §2.1, RFC 7644 §3.10).

use serde_json::{Map, Value};

/// The member of `map` whose key is `name`, compared case-insensitively (exact spelling first).
pub(crate) fn get_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// The member `name` of `value` when it is an object, compared case-insensitively (exact
/// spelling first).
pub(crate) fn member_ci<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    get_ci(value.as_object()?, name)
}
