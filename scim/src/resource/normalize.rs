//! Resource-level normalisation: sorting a body's members into the core schema and its
//! extensions, canonical names, `schemas`, required attributes and data of unknown schemas.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::schema::{AttributeDef, Mutability, ResourceSchema, SchemaDef};

use super::lookup::{attr_display, is_urn_key, schema_attribute, split_qualified};
use super::value::normalize_value;
use super::{Ctx, Mode, Tolerance};

/// The attributes of one schema collected from a body, with the names already seen (names are
/// case-insensitive, so `userName` and `USERNAME` in one body are the same attribute twice).
#[derive(Default)]
pub(super) struct Bucket {
    pub(super) map: Map<String, Value>,
    seen: HashSet<String>,
}

impl Bucket {
    pub(super) fn claim(&mut self, name: &str, path: &str) -> Result<(), ScimError> {
        if self.seen.insert(name.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(ScimError::invalid_value(format!("attribute \"{path}\" is given more than once")))
        }
    }
}

/// Validates and canonicalises a whole resource object.
pub(super) fn normalize_resource(
    map: Map<String, Value>,
    schema: &ResourceSchema,
    ctx: Ctx,
) -> Result<Value, ScimError> {
    let mut core = Bucket::default();
    let mut extensions: Vec<Bucket> = schema.extensions.iter().map(|_| Bucket::default()).collect();
    // Data this schema does not know, kept as it is in `Mode::Stored` only.
    let mut unknown: Vec<(String, Value)> = Vec::new();
    let mut declared: Option<Vec<String>> = None;

    for (key, value) in map {
        if key.eq_ignore_ascii_case("schemas") {
            declared = parse_schemas(value, ctx)?;
            continue;
        }
        if !is_urn_key(&key) {
            put_attribute(&mut core, &mut unknown, schema, schema.core, &key, value, ctx)?;
            continue;
        }
        if let Some(s) = schema.schema(&key) {
            // An extension object keyed by its URN (RFC 7643 §3.3); the core URN as a key is
            // read as the core attributes.
            let value = match value {
                Value::Null => continue,
                Value::Object(obj) => obj,
                _ => return Err(ScimError::invalid_value(format!("\"{}\" must be a JSON object", s.id))),
            };
            let bucket = bucket_for(&mut core, &mut extensions, schema, s);
            let mut ignored = Vec::new();
            for (k, v) in value {
                put_attribute(bucket, &mut ignored, schema, s, &k, v, ctx)?;
            }
            if !ignored.is_empty() {
                // Unknown attributes of a known extension, kept in `Mode::Stored`.
                let obj = ignored.into_iter().collect::<Map<_, _>>();
                merge_unknown(bucket, obj);
            }
        } else if let Some((s, name)) = split_qualified(schema, &key) {
            let bucket = bucket_for(&mut core, &mut extensions, schema, s);
            let mut ignored = Vec::new();
            put_attribute(bucket, &mut ignored, schema, s, name, value, ctx)?;
            unknown.extend(ignored.into_iter().map(|(_, v)| (key.clone(), v)));
        } else if ctx.mode == Mode::Stored {
            unknown.push((key, value));
        } else {
            return Err(ScimError::invalid_value(format!("unknown schema extension \"{key}\"")));
        }
    }

    // RFC 7643 §4.1.1, §4.2: required attributes.
    check_required(&core.map, schema, schema.core)?;
    for (bucket, ext) in extensions.iter().zip(schema.extensions.iter()) {
        if !bucket.map.is_empty() {
            check_required(&bucket.map, schema, ext)?;
        }
    }

    let schemas = resolve_schemas(declared, schema, &extensions, &unknown, ctx)?;
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Array(schemas.into_iter().map(Value::String).collect()));
    out.extend(core.map);
    for (bucket, ext) in extensions.into_iter().zip(schema.extensions.iter()) {
        if !bucket.map.is_empty() {
            out.insert(ext.id.to_string(), Value::Object(bucket.map));
        }
    }
    for (k, v) in unknown {
        out.entry(k).or_insert(v);
    }
    Ok(Value::Object(out))
}

fn bucket_for<'b>(
    core: &'b mut Bucket,
    extensions: &'b mut [Bucket],
    schema: &ResourceSchema,
    s: &SchemaDef,
) -> &'b mut Bucket {
    match schema.extensions.iter().position(|e| e.id == s.id) {
        Some(i) => match extensions.get_mut(i) {
            Some(b) => b,
            None => core,
        },
        None => core,
    }
}

fn merge_unknown(bucket: &mut Bucket, obj: Map<String, Value>) {
    for (k, v) in obj {
        bucket.map.entry(k).or_insert(v);
    }
}

/// Validates attribute `key` of schema `s` and stores it, canonically named, in `bucket`.
fn put_attribute(
    bucket: &mut Bucket,
    unknown: &mut Vec<(String, Value)>,
    schema: &ResourceSchema,
    s: &SchemaDef,
    key: &str,
    value: Value,
    ctx: Ctx,
) -> Result<(), ScimError> {
    let Some(def) = schema_attribute(schema, s, key) else {
        if ctx.mode == Mode::Stored {
            unknown.push((key.to_string(), value));
            return Ok(());
        }
        let shown = if s.id == schema.core.id { key.to_string() } else { format!("{}:{key}", s.id) };
        return Err(ScimError::invalid_value(format!("unknown attribute \"{shown}\"")));
    };
    // RFC 7644 §3.3: read-only values sent by a client are ignored.
    if ctx.mode == Mode::Input && def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let path = attr_display(schema, s, def);
    bucket.claim(def.name, &path)?;
    if let Some(v) = normalize_value(def, value, &path, ctx)? {
        bucket.map.insert(def.name.to_string(), v);
    }
    Ok(())
}

/// Reads `schemas`: an array of strings (Azure: also a single string). `None` when absent.
fn parse_schemas(value: Value, ctx: Ctx) -> Result<Option<Vec<String>>, ScimError> {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        Value::String(s) if ctx.tolerance == Tolerance::Azure => vec![Value::String(s)],
        _ => return Err(ScimError::invalid_value("\"schemas\" must be an array of strings")),
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            _ => Err(ScimError::invalid_value("\"schemas\" must be an array of strings")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The canonical `schemas` value (RFC 7643 §3): the core URN, then the URN of each extension
/// the resource carries data for. A missing `schemas` is tolerated (the core URN is added).
fn resolve_schemas(
    declared: Option<Vec<String>>,
    schema: &ResourceSchema,
    extensions: &[Bucket],
    unknown: &[(String, Value)],
    ctx: Ctx,
) -> Result<Vec<String>, ScimError> {
    let mut kept_unknown = Vec::new();
    if let Some(declared) = &declared {
        if !declared.iter().any(|u| u.eq_ignore_ascii_case(schema.core.id)) {
            return Err(ScimError::invalid_value(format!("\"schemas\" must include \"{}\"", schema.core.id)));
        }
        for urn in declared {
            if schema.schema(urn).is_some() {
                continue;
            }
            if unknown.iter().any(|(k, _)| k.eq_ignore_ascii_case(urn)) {
                kept_unknown.push(urn.clone());
            } else if ctx.mode == Mode::Input && ctx.tolerance == Tolerance::Strict {
                // RFC 7643 §3: only the resource type's schema and extensions may be listed.
                // Entra lists its own, e.g. `http://schemas.microsoft.com/…/ADSCIM/2.0/Group`.
                return Err(ScimError::invalid_value(format!("unknown schema \"{urn}\" in \"schemas\"")));
            }
        }
    }
    let mut out = vec![schema.core.id.to_string()];
    for (bucket, ext) in extensions.iter().zip(schema.extensions.iter()) {
        if !bucket.map.is_empty() {
            out.push(ext.id.to_string());
        }
    }
    out.extend(kept_unknown);
    Ok(out)
}

/// RFC 7643 §2.2: required attributes must carry a value; strings must not be empty.
fn check_required(map: &Map<String, Value>, schema: &ResourceSchema, s: &SchemaDef) -> Result<(), ScimError> {
    let defs: &[AttributeDef] = s.attributes;
    for def in defs.iter().filter(|d| d.required) {
        let path = attr_display(schema, s, def);
        match map.get(def.name) {
            None => return Err(ScimError::invalid_value(format!("required attribute \"{path}\" is missing"))),
            Some(Value::String(v)) if v.trim().is_empty() => {
                return Err(ScimError::invalid_value(format!("required attribute \"{path}\" must not be empty")))
            }
            Some(_) => {}
        }
    }
    Ok(())
}
