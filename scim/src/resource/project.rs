//! Response projection (RFC 7644 §3.4.2.5, §3.9): `returned` rules and the
//! `attributes`/`excludedAttributes` parameters applied to a canonical resource.

use serde_json::{Map, Value};

use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, ResourceSchema, Returned, SchemaDef};

use super::lookup::{is_urn_key, locate, schema_attribute, whole_schema};

/// One `attributes`/`excludedAttributes` entry resolved against the schema.
#[derive(Debug)]
enum Selected {
    /// A whole schema extension (its URN was named).
    Schema(&'static str),
    /// An attribute of a schema, or one of its sub-attributes.
    Attr { urn: &'static str, name: &'static str, sub: Option<&'static str> },
}

fn select(paths: &[AttrPath], schema: &ResourceSchema) -> Vec<Selected> {
    paths
        .iter()
        .filter_map(|p| {
            if let Some(s) = whole_schema(p, schema) {
                return Some(Selected::Schema(s.id));
            }
            let (s, def, sub) = locate(p, schema)?;
            Some(Selected::Attr { urn: s.id, name: def.name, sub: sub.map(|d| d.name) })
        })
        .collect()
}

/// What happens to one attribute in a response.
enum Keep {
    /// Dropped.
    Nothing,
    /// Kept, minus sub-attributes that are never returned (or returned on request only, unless
    /// `with_request`).
    All { with_request: bool },
    /// Only these sub-attributes (plus those always returned).
    Only(Vec<&'static str>),
    /// All but these sub-attributes.
    AllBut(Vec<&'static str>),
}

/// Removes attributes whose `returned` is `never` (password) and applies
/// `attributes`/`excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): `returned: always` ones (`id`,
/// `schemas`) always stay; `returned: request` ones only when asked. Names may be URN-qualified
/// or dotted (`name.givenName`, `emails.value`); a bare extension URN selects (or excludes) the
/// whole extension; names the schema does not know select nothing. Data of extensions the
/// schema does not know (kept by [`canonicalize`]) is never returned.
///
/// [`canonicalize`]: super::canonicalize
pub fn project(resource: &Value, schema: &ResourceSchema, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(map) = resource else {
        return resource.clone();
    };
    let include = select(attributes, schema);
    let exclude = select(excluded, schema);
    let include_mode = !attributes.is_empty();
    let mut out = Map::new();
    for (key, value) in map {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let ext = schema.schema(key).filter(|s| s.id != schema.core.id);
        match (ext, value) {
            (Some(s), Value::Object(obj)) => {
                let mut projected = Map::new();
                for (k, v) in obj {
                    project_attribute(&mut projected, schema, s, k, v, include_mode, &include, &exclude);
                }
                if !projected.is_empty() {
                    out.insert(key.clone(), Value::Object(projected));
                }
            }
            (Some(_), _) => {}
            (None, _) => project_attribute(&mut out, schema, schema.core, key, value, include_mode, &include, &exclude),
        }
    }
    Value::Object(out)
}

#[allow(clippy::too_many_arguments)]
fn project_attribute(
    out: &mut Map<String, Value>,
    schema: &ResourceSchema,
    s: &SchemaDef,
    key: &str,
    value: &Value,
    include_mode: bool,
    include: &[Selected],
    exclude: &[Selected],
) {
    let Some(def) = schema_attribute(schema, s, key) else {
        // Unknown data: only returned when nothing was asked for specifically.
        if !include_mode && !is_urn_key(key) {
            out.insert(key.to_string(), value.clone());
        }
        return;
    };
    let keep = decide(def, s.id, include_mode, include, exclude);
    if let Some(v) = apply_keep(def, value, &keep) {
        out.insert(key.to_string(), v);
    }
}

fn decide(def: &AttributeDef, urn: &str, include_mode: bool, include: &[Selected], exclude: &[Selected]) -> Keep {
    let names = |list: &[Selected]| -> (bool, Vec<&'static str>) {
        let mut whole = false;
        let mut subs = Vec::new();
        for sel in list {
            match sel {
                Selected::Schema(u) if *u == urn => whole = true,
                Selected::Attr { urn: u, name, sub } if *u == urn && name.eq_ignore_ascii_case(def.name) => match sub {
                    None => whole = true,
                    Some(sub) => subs.push(*sub),
                },
                _ => {}
            }
        }
        (whole, subs)
    };
    match def.returned {
        Returned::Never => Keep::Nothing,
        Returned::Always => Keep::All { with_request: include_mode },
        _ if include_mode => {
            let (whole, subs) = names(include);
            if whole {
                Keep::All { with_request: true }
            } else if !subs.is_empty() {
                Keep::Only(subs)
            } else {
                Keep::Nothing
            }
        }
        Returned::Request => Keep::Nothing,
        Returned::Default => {
            let (whole, subs) = names(exclude);
            if whole {
                Keep::Nothing
            } else if !subs.is_empty() {
                Keep::AllBut(subs)
            } else {
                Keep::All { with_request: false }
            }
        }
    }
}

fn apply_keep(def: &AttributeDef, value: &Value, keep: &Keep) -> Option<Value> {
    let keep_sub = |name: &str| -> bool {
        let Some(sub) = def.sub_attribute(name) else {
            // Unknown sub-data is treated like a default-returned sub-attribute.
            return !matches!(keep, Keep::Only(_));
        };
        match (sub.returned, keep) {
            (Returned::Never, _) => false,
            (Returned::Always, _) => true,
            (_, Keep::Nothing) => false,
            (Returned::Request, Keep::All { with_request }) => *with_request,
            (_, Keep::All { .. }) => true,
            (_, Keep::Only(subs)) => subs.iter().any(|s| s.eq_ignore_ascii_case(sub.name)),
            (Returned::Request, Keep::AllBut(_)) => false,
            (_, Keep::AllBut(subs)) => !subs.iter().any(|s| s.eq_ignore_ascii_case(sub.name)),
        }
    };
    if matches!(keep, Keep::Nothing) {
        return None;
    }
    if def.ty != AttrType::Complex || def.open {
        return Some(value.clone());
    }
    let filter_obj = |v: &Value| -> Option<Value> {
        let Value::Object(obj) = v else { return Some(v.clone()) };
        let kept: Map<String, Value> =
            obj.iter().filter(|(k, _)| keep_sub(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        (!kept.is_empty()).then_some(Value::Object(kept))
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(filter_obj).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => filter_obj(other),
    }
}
