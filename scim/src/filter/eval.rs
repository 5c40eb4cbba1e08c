//! In-memory evaluation of filters against JSON resources and elements of multi-valued
//! attributes, following each attribute's schema (caseExact, type).

use std::cmp::Ordering;

use serde_json::{Number, Value};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::json;
use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema, Returned, Uniqueness};

use super::{CompValue, CompareOp, Filter};

/// `schemas` is not a schema attribute but RFC 7644 §3.4.2.2 filters on it
/// (`schemas eq "urn:...:enterprise:2.0:User"`); evaluation treats it as this.
pub(super) const SCHEMAS_DEF: AttributeDef = AttributeDef {
    name: "schemas",
    ty: AttrType::Reference,
    multi_valued: true,
    required: true,
    case_exact: false,
    mutability: Mutability::ReadOnly,
    returned: Returned::Always,
    uniqueness: Uniqueness::None,
    description: "The schema URNs of the resource.",
    canonical_values: &[],
    reference_types: &["uri"],
    sub_attributes: &[],
    open: false,
};

static NULL: Value = Value::Null;

/// How much of a complex value `pr` inspects before calling it present.
const PRESENT_DEPTH: usize = 4;

/// Where attribute paths are resolved.
#[derive(Clone, Copy)]
enum Scope<'s> {
    /// Top-level paths of a resource.
    Resource(&'s ResourceSchema),
    /// Paths relative to one element of this multi-valued attribute.
    Element(&'s AttributeDef),
}

/// The value an attribute path addresses in a JSON document.
struct Located<'v, 'd> {
    /// The top-level (or, in an element, the sub-attribute's) value; `null` when absent.
    value: &'v Value,
    /// Its definition.
    def: &'d AttributeDef,
    /// The sub-attribute the path names inside `value`.
    sub: Option<&'d AttributeDef>,
}

impl Filter {
    /// In-memory evaluation against a JSON resource (used by PATCH value filters and by tests).
    /// Schema gives caseExact and types.
    ///
    /// Semantics: strings compare by the attribute's `caseExact` (case-insensitive ones through
    /// Unicode lowercase); `co`/`sw`/`ew` apply to strings only; `gt`/`ge`/`lt`/`le` order
    /// strings by code point, numbers numerically and dateTimes as instants; booleans only `eq`
    /// and `ne`. A multi-valued attribute matches when any value matches; a complex attribute
    /// without a sub-attribute compares its `value` sub-attribute. `pr` means present and not
    /// null, `""`, `[]` or `{}`. An absent attribute matches nothing except `eq null`; a value of
    /// another JSON type than the literal never matches (no coercion, not even for `ne`). An
    /// unknown attribute matches nothing (`schemas` is known).
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> bool {
        eval(self, resource, Scope::Resource(schema))
    }

    /// Evaluate a value-path inner filter against one element of a multi-valued complex
    /// attribute whose def is `parent`. Paths name sub-attributes of `parent` (`type`, `value`);
    /// for a multi-valued attribute of simple values, `value` is the element itself.
    pub fn matches_element(&self, element: &Value, parent: &AttributeDef) -> bool {
        eval(self, element, Scope::Element(parent))
    }
}

fn eval(filter: &Filter, json: &Value, scope: Scope<'_>) -> bool {
    match filter {
        Filter::And(l, r) => eval(l, json, scope) && eval(r, json, scope),
        Filter::Or(l, r) => eval(l, json, scope) || eval(r, json, scope),
        Filter::Not(inner) => !eval(inner, json, scope),
        Filter::Present(path) => locate(path, json, scope).is_some_and(|at| match at.sub {
            Some(sub) => elements(at.value).any(|el| is_present(get_ci(el, sub.name), PRESENT_DEPTH)),
            None => is_present(at.value, PRESENT_DEPTH),
        }),
        Filter::Compare { path, op, value } => {
            locate(path, json, scope).is_some_and(|at| compare_all(&candidates(&at), *op, value))
        }
        Filter::ValuePath { path, filter } => {
            let Scope::Resource(_) = scope else { return false };
            match locate(path, json, scope) {
                Some(Located { value, def, sub: None }) => match value {
                    Value::Null => false,
                    Value::Array(items) => items.iter().any(|el| eval(filter, el, Scope::Element(def))),
                    one => eval(filter, one, Scope::Element(def)),
                },
                _ => false,
            }
        }
    }
}

/// Finds what `path` addresses; None when the attribute is unknown.
fn locate<'v, 'd>(path: &AttrPath, json: &'v Value, scope: Scope<'d>) -> Option<Located<'v, 'd>> {
    match scope {
        Scope::Resource(schema) => {
            let Some(resolved) = path.resolve_full(schema) else {
                let is_schemas =
                    path.urn.is_none() && path.sub_attr.is_none() && path.attr.eq_ignore_ascii_case("schemas");
                return is_schemas.then(|| Located { value: get_ci(json, "schemas"), def: &SCHEMAS_DEF, sub: None });
            };
            let container =
                if std::ptr::eq(resolved.owner, schema.core) { json } else { get_ci(json, resolved.owner.id) };
            Some(Located { value: get_ci(container, resolved.top.name), def: resolved.top, sub: resolved.sub })
        }
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return None;
            }
            if parent.ty == AttrType::Complex {
                let def = parent.sub_attribute(&path.attr)?;
                Some(Located { value: get_ci(json, def.name), def, sub: None })
            } else if path.attr.eq_ignore_ascii_case("value") {
                Some(Located { value: json, def: parent, sub: None })
            } else {
                None
            }
        }
    }
}

/// The scalar values a comparison looks at, each with its definition.
fn candidates<'v, 'd>(at: &Located<'v, 'd>) -> Vec<(&'v Value, &'d AttributeDef)> {
    let sub = match at.sub {
        Some(sub) => Some(sub),
        None if at.def.ty == AttrType::Complex && !at.def.open => match at.def.sub_attribute("value") {
            Some(value) => Some(value),
            None => return Vec::new(),
        },
        None => None,
    };
    let mut out = Vec::new();
    for el in elements(at.value) {
        match sub {
            Some(sub) => out.extend(elements(get_ci(el, sub.name)).map(|v| (v, sub))),
            None => out.push((el, at.def)),
        }
    }
    out
}

/// The elements of an array, or the value itself.
fn elements(value: &Value) -> impl Iterator<Item = &Value> {
    let (items, one) = match value {
        Value::Array(items) => (items.as_slice(), None),
        one => (&[][..], Some(one)),
    };
    items.iter().chain(one)
}

/// The member `key` of an object, matched case-insensitively (exact spelling first); `null`
/// when absent or when `value` is not an object.
fn get_ci<'v>(value: &'v Value, key: &str) -> &'v Value {
    json::member_ci(value, key).unwrap_or(&NULL)
}

// RFC 7644 §3.4.2.2: "pr": "If the attribute has a non-empty value, or if it contains a
// non-empty node for complex attributes, there is a match."
fn is_present(value: &Value, depth: usize) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        _ if depth == 0 => true,
        Value::Array(items) => items.iter().any(|v| is_present(v, depth - 1)),
        Value::Object(map) => map.values().any(|v| is_present(v, depth - 1)),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare_all(candidates: &[(&Value, &AttributeDef)], op: CompareOp, literal: &CompValue) -> bool {
    match (literal, op) {
        // An unassigned attribute is null (RFC 7643 §2.5).
        (CompValue::Null, CompareOp::Eq) => candidates.iter().all(|(v, _)| v.is_null()),
        (CompValue::Null, CompareOp::Ne) => candidates.iter().any(|(v, _)| !v.is_null()),
        (CompValue::Null, _) => false,
        _ => candidates.iter().any(|(v, def)| compare_one(v, def, op, literal)),
    }
}

fn compare_one(value: &Value, def: &AttributeDef, op: CompareOp, literal: &CompValue) -> bool {
    match (literal, value) {
        (CompValue::Bool(want), Value::Bool(have)) => match op {
            CompareOp::Eq => have == want,
            CompareOp::Ne => have != want,
            _ => false,
        },
        (CompValue::Number(want), Value::Number(have)) => {
            compare_numbers(have, want).is_some_and(|ord| ordering_holds(op, ord))
        }
        (CompValue::String(want), Value::String(have)) => {
            let ordering = !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
            if def.ty == AttrType::DateTime && ordering {
                return match (instant(have), instant(want)) {
                    (Some(have), Some(want)) => ordering_holds(op, have.cmp(&want)),
                    _ => false,
                };
            }
            if matches!(def.ty, AttrType::Binary | AttrType::Boolean) && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return false;
            }
            if def.case_exact {
                compare_strings(have, want, op)
            } else {
                compare_strings(&have.to_lowercase(), &want.to_lowercase(), op)
            }
        }
        _ => false,
    }
}

fn compare_strings(have: &str, want: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Co => have.contains(want),
        CompareOp::Sw => have.starts_with(want),
        CompareOp::Ew => have.ends_with(want),
        _ => ordering_holds(op, have.cmp(want)),
    }
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// An xsd:dateTime as an instant: RFC 3339, or ISO 8601 without an offset taken as UTC.
fn instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).ok().map(PrimitiveDateTime::assume_utc))
}
