//! Reading a canonical resource: its well-known values, whether a path carries a value, and
//! the split of the write-only `password`.

use serde_json::Value;

use crate::path::AttrPath;
use crate::schema::ResourceSchema;

/// Removes the write-only `password` from a resource and returns it (RFC 7643 §4.1.1: it is
/// never stored in the resource nor returned). Call it after `patch::apply`.
pub fn take_password(resource: &mut Value) -> Option<String> {
    let map = resource.as_object_mut()?;
    let key = map.keys().find(|k| k.eq_ignore_ascii_case("password")).cloned()?;
    match map.remove(&key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The `userName` of a canonical resource.
pub fn user_name(resource: &Value) -> Option<&str> {
    resource.get("userName").and_then(Value::as_str)
}

/// The `externalId` of a canonical resource.
pub fn external_id(resource: &Value) -> Option<&str> {
    resource.get("externalId").and_then(Value::as_str)
}

/// The `displayName` of a canonical resource.
pub fn display_name(resource: &Value) -> Option<&str> {
    resource.get("displayName").and_then(Value::as_str)
}

/// Whether a canonical resource is `active` (RFC 7643 §4.1.1); `true` when the attribute is absent.
pub fn active(resource: &Value) -> bool {
    resource.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// The email a single-valued consumer should use: the primary one, else the `work` one, else
/// the first (Entra's mapping guides call it `email`).
pub fn preferred_email(resource: &Value) -> Option<&str> {
    let emails = resource.get("emails")?.as_array()?;
    let is_work = |e: &&Value| e.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("work"));
    let email = (emails.iter().find(|e| e.get("primary") == Some(&Value::Bool(true))))
        .or_else(|| emails.iter().find(is_work))
        .or_else(|| emails.first())?;
    email.get("value").and_then(Value::as_str).filter(|v| !v.is_empty())
}

/// Whether a canonical resource carries a value at `path`: present, not null, and not an empty
/// string, array or object. For a sub-attribute of a multi-valued attribute, any element's
/// value counts. An unknown path has no value.
pub fn has_value(resource: &Value, schema: &ResourceSchema, path: &AttrPath) -> bool {
    let Some(resolved) = path.resolve_full(schema) else {
        return false;
    };
    let container = if resolved.owner.id == schema.core.id { Some(resource) } else { resource.get(resolved.owner.id) };
    let Some(top) = container.and_then(|c| c.get(resolved.top.name)) else {
        return false;
    };
    match resolved.sub {
        None => is_filled(top),
        Some(sub) => match top {
            Value::Array(items) => items.iter().any(|item| item.get(sub.name).is_some_and(is_filled)),
            other => other.get(sub.name).is_some_and(is_filled),
        },
    }
}

/// Whether a value counts as set: not null, and not a blank string nor an empty array or object.
pub(crate) fn is_filled(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => items.iter().any(is_filled),
        Value::Object(map) => map.values().any(is_filled),
        Value::Bool(_) | Value::Number(_) => true,
    }
}
