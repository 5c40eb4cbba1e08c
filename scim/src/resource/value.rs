//! Value-level normalisation (RFC 7643 §2.3, §2.4): one attribute's value checked against its
//! definition and canonicalised, with `manager`'s shapes and a single primary value.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ScimError;
use crate::schema::{AttrType, AttributeDef, Mutability};

use super::normalize::Bucket;
use super::{Ctx, Mode, Tolerance};

/// Whether `def` is a single-valued complex `manager` (RFC 7643 §4.3), whose canonical shape is
/// `{"value": "<id>"}` whatever shape Entra sent.
pub(crate) fn is_manager(def: &AttributeDef) -> bool {
    def.name == "manager" && def.ty == AttrType::Complex && !def.multi_valued && def.sub_attribute("value").is_some()
}

/// Validates one attribute's value against `def` and canonicalises it. `Ok(None)` means the
/// attribute is unassigned (null, empty array, empty object, empty manager).
pub(crate) fn normalize_value(
    def: &'static AttributeDef,
    value: Value,
    path: &str,
    ctx: Ctx,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    // Client input only: a stored resource is read back as it is, so a PATCH that leaves an
    // old look-alike name alone still applies; every value a client sends (create, replace,
    // PATCH) passes here.
    if let (Mode::Input, Value::String(text)) = (ctx.mode, &value) {
        crate::text::check_attribute(path, text)?;
    }
    if is_manager(def) {
        return normalize_manager(def, value, path, ctx);
    }
    if !def.multi_valued {
        return normalize_single(def, value, path, ctx);
    }
    let items = match value {
        Value::Array(items) => items,
        other if ctx.tolerance == Tolerance::Azure => vec![other],
        _ => return Err(ScimError::invalid_value(format!("attribute \"{path}\" is multi-valued: expected an array"))),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        // The values of a free-form JSON attribute may be anything, lists included.
        if item.is_array() && !def.open {
            return Err(ScimError::invalid_value(format!("attribute \"{path}\": nested arrays are not allowed")));
        }
        if let Some(v) = normalize_single(def, item, path, ctx)? {
            out.push(v);
        }
    }
    if !def.open {
        single_primary(&mut out, path, ctx.tolerance)?;
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// RFC 7643 §2.4: the `primary` attribute is `true` for at most one value. Azure: the first wins.
pub(super) fn single_primary(items: &mut [Value], path: &str, tolerance: Tolerance) -> Result<(), ScimError> {
    let mut seen = false;
    for item in items.iter_mut() {
        let Some(obj) = item.as_object_mut() else { continue };
        if obj.get("primary") != Some(&Value::Bool(true)) {
            continue;
        }
        if !seen {
            seen = true;
        } else if tolerance == Tolerance::Azure {
            obj.insert("primary".into(), Value::Bool(false));
        } else {
            return Err(ScimError::invalid_value(format!("at most one value of \"{path}\" may be primary")));
        }
    }
    Ok(())
}

/// `manager` as `"id"`, `{"value": "id"}` or `[{"value": "id"}]` → `{"value": "id"}`; null,
/// `""`, `[]` or a missing/empty `value` → unassigned.
fn normalize_manager(
    def: &'static AttributeDef,
    value: Value,
    path: &str,
    ctx: Ctx,
) -> Result<Option<Value>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => {
            let mut obj = Map::new();
            obj.insert("value".into(), Value::String(s));
            Ok(Some(Value::Object(obj)))
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().filter(|v| !v.is_null()).collect();
            match (items.pop(), items.is_empty()) {
                (None, _) => Ok(None),
                (Some(Value::Array(_)), _) => {
                    Err(ScimError::invalid_value(format!("attribute \"{path}\": nested arrays are not allowed")))
                }
                (Some(item), true) => normalize_manager(def, item, path, ctx),
                (Some(_), false) => {
                    Err(ScimError::invalid_value(format!("attribute \"{path}\" is single-valued: got several values")))
                }
            }
        }
        Value::Object(_) => {
            let Some(Value::Object(obj)) = normalize_single(def, value, path, ctx)? else {
                return Ok(None);
            };
            match obj.get("value") {
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(Value::Object(obj))),
                _ => Ok(None),
            }
        }
        _ => Err(ScimError::invalid_value(format!(
            "attribute \"{path}\": expected the manager's id or an object with \"value\""
        ))),
    }
}

/// Validates one (non-array) value against `def`'s type (RFC 7643 §2.3).
fn normalize_single(
    def: &'static AttributeDef,
    value: Value,
    path: &str,
    ctx: Ctx,
) -> Result<Option<Value>, ScimError> {
    let mismatch = |expected: &str| ScimError::invalid_value(format!("attribute \"{path}\": expected {expected}"));
    match (def.ty, value) {
        (_, Value::Null) => Ok(None),
        // Free-form JSON: any value, kept as it is.
        (AttrType::Complex, v) if def.open => Ok(Some(v)),
        (AttrType::Complex, Value::Object(obj)) => normalize_complex(def, obj, path, ctx),
        (AttrType::Complex, _) => Err(mismatch("an object")),
        (AttrType::String | AttrType::Reference | AttrType::Binary, v @ Value::String(_)) => Ok(Some(v)),
        (AttrType::String | AttrType::Reference | AttrType::Binary, _) => Err(mismatch("a string")),
        (AttrType::Boolean, v @ Value::Bool(_)) => Ok(Some(v)),
        // Entra ID sends booleans as "True"/"False".
        (AttrType::Boolean, Value::String(s)) if ctx.tolerance == Tolerance::Azure => {
            if s.eq_ignore_ascii_case("true") {
                Ok(Some(Value::Bool(true)))
            } else if s.eq_ignore_ascii_case("false") {
                Ok(Some(Value::Bool(false)))
            } else {
                Err(mismatch("a boolean"))
            }
        }
        (AttrType::Boolean, _) => Err(mismatch("a boolean")),
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(Value::Number(n))),
        (AttrType::Integer, _) => Err(mismatch("an integer")),
        (AttrType::Decimal, v @ Value::Number(_)) => Ok(Some(v)),
        (AttrType::Decimal, _) => Err(mismatch("a number")),
        (AttrType::DateTime, Value::String(s)) => {
            if OffsetDateTime::parse(&s, &Rfc3339).is_ok() {
                Ok(Some(Value::String(s)))
            } else {
                Err(mismatch("an RFC 3339 date-time"))
            }
        }
        (AttrType::DateTime, _) => Err(mismatch("an RFC 3339 date-time string")),
    }
}

/// Validates the sub-attributes of a complex value; unknown ones are rejected (input), kept
/// (stored data), or dropped from a reference (a value with `$ref`) under the Azure profile:
/// Entra describes the members it adds with more than `value`, `$ref` and `type` (e.g.
/// `displayName`), and those extras change nothing scimhub stores.
fn normalize_complex(
    def: &'static AttributeDef,
    obj: Map<String, Value>,
    path: &str,
    ctx: Ctx,
) -> Result<Option<Value>, ScimError> {
    let mut out = Bucket::default();
    for (key, value) in obj {
        let Some(sub) = def.sub_attribute(&key) else {
            match (ctx.mode, ctx.tolerance) {
                (Mode::Stored, _) => {
                    out.map.entry(key).or_insert(value);
                }
                (Mode::Input, Tolerance::Azure) if def.sub_attribute("$ref").is_some() => {}
                (Mode::Input, _) => {
                    return Err(ScimError::invalid_value(format!("unknown attribute \"{path}.{key}\"")));
                }
            }
            continue;
        };
        if ctx.mode == Mode::Input && sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_path = format!("{path}.{}", sub.name);
        out.claim(sub.name, &sub_path)?;
        if let Some(v) = normalize_value(sub, value, &sub_path, ctx)? {
            out.map.insert(sub.name.to_string(), v);
        }
    }
    Ok((!out.map.is_empty()).then_some(Value::Object(out.map)))
}
