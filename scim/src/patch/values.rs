//! Editing multi-valued and complex values: taking and storing attribute arrays, setting
//! sub-attributes under their mutability, adding and removing values without duplicates, and
//! keeping at most one value primary.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::schema::{AttributeDef, Mutability};

use super::target::Target;

/// Takes the array of a multi-valued attribute out of `container` (empty when absent); put it
/// back with [`put_array`].
pub(super) fn take_array(container: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match container.remove(name) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

/// The object stored at `name` in `container`, created (or replacing a value of another type)
/// when there is none.
pub(super) fn object_slot<'c>(container: &'c mut Map<String, Value>, name: &str) -> Option<&'c mut Map<String, Value>> {
    let slot = container.entry(name.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Stores the array of a multi-valued attribute; an empty one leaves it unassigned.
pub(super) fn put_array(container: &mut Map<String, Value>, name: &str, items: Vec<Value>) {
    if !items.is_empty() {
        container.insert(name.to_string(), Value::Array(items));
    }
}

/// Sets (or with `None` removes) sub-attribute `sub` of one complex value, honouring its
/// mutability: an immutable sub-attribute may be set when absent or to its current value.
pub(super) fn set_sub(
    obj: &mut Map<String, Value>,
    sub: &AttributeDef,
    given: Option<Value>,
    t: &Target,
) -> Result<(), ScimError> {
    if sub.mutability == Mutability::Immutable {
        if let Some(current) = obj.get(sub.name) {
            if given.as_ref() != Some(current) {
                return Err(t.immutable());
            }
        }
    }
    match given {
        Some(v) => {
            obj.insert(sub.name.to_string(), v);
        }
        None => {
            obj.remove(sub.name);
        }
    }
    Ok(())
}

/// Sets the given (already validated) sub-attributes on a complex value.
pub(super) fn merge_subs(
    current: &mut Map<String, Value>,
    new: Map<String, Value>,
    t: &Target,
) -> Result<(), ScimError> {
    for (k, v) in new {
        match t.def.sub_attribute(&k) {
            Some(sub) => set_sub(current, sub, Some(v), t)?,
            None => {
                current.insert(k, v);
            }
        }
    }
    Ok(())
}

/// Whether `existing` already holds everything `given` says: equal values, or for complex
/// values every given sub-attribute equal (so `{"value":"id"}` matches a member with a `display`).
pub(super) fn covers(existing: &Value, given: &Value) -> bool {
    match (existing, given) {
        (Value::Object(e), Value::Object(g)) => !g.is_empty() && g.iter().all(|(k, v)| e.get(k) == Some(v)),
        (e, g) => e == g,
    }
}

/// The key multi-valued values are indexed by: their `value` (or the value itself for strings).
fn value_key(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(obj) => obj.get("value").and_then(Value::as_str),
        _ => None,
    }
}

/// Appends the values of `new` that `items` does not already cover (RFC 7644 §3.5.2.1: adding
/// a value already present changes nothing). Indexed by `value`, so adding to a large group
/// stays linear.
pub(super) fn append_new(items: &mut Vec<Value>, new: Vec<Value>) {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(k) = value_key(item) {
            index.entry(k.to_string()).or_default().push(i);
        }
    }
    for value in new {
        // A value with a `value` can only be covered by one with the same `value`; any other
        // needs a full scan.
        let present = match value_key(&value) {
            Some(k) => index.get(k).is_some_and(|c| c.iter().any(|&i| items.get(i).is_some_and(|e| covers(e, &value)))),
            None => items.iter().any(|e| covers(e, &value)),
        };
        if present {
            continue;
        }
        if let Some(k) = value_key(&value) {
            index.entry(k.to_string()).or_default().push(items.len());
        }
        items.push(value);
    }
}

/// Removes the values of `items` covered by any value of `gone`.
pub(super) fn remove_covered(items: &mut Vec<Value>, gone: &[Value]) {
    let mut index: HashMap<&str, Vec<&Value>> = HashMap::new();
    let mut unkeyed: Vec<&Value> = Vec::new();
    for g in gone {
        match value_key(g) {
            Some(k) => index.entry(k).or_default().push(g),
            None => unkeyed.push(g),
        }
    }
    items.retain(|item| {
        let keyed = value_key(item).and_then(|k| index.get(k)).is_some_and(|gs| gs.iter().any(|g| covers(item, g)));
        !(keyed || unkeyed.iter().any(|g| covers(item, g)))
    });
}

/// RFC 7643 §2.4: when an operation made one of the `touched` values primary, the others stop
/// being primary.
pub(super) fn clear_other_primaries(items: &mut [Value], touched: &[bool]) {
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    let made_primary = items.iter().zip(touched).any(|(v, t)| *t && is_primary(v));
    if !made_primary {
        return;
    }
    for (item, touched) in items.iter_mut().zip(touched.iter().chain(std::iter::repeat(&false))) {
        if *touched || !is_primary(item) {
            continue;
        }
        if let Some(obj) = item.as_object_mut() {
            obj.insert("primary".into(), Value::Bool(false));
        }
    }
}
