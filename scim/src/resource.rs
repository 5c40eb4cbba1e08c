//! Incoming resources (RFC 7643 §2, §4; RFC 7644 §3.3, §3.5.1): validation of client-supplied
//! User and Group bodies against their [`ResourceSchema`], canonicalisation (attribute names in
//! the schema's case, `manager` as `{"value": …}`, nulls and empty arrays dropped), the split
//! of write-only values such as `password`, and response projection (RFC 7644 §3.4.2.5, §3.9).
//!
//! Everything here is driven by the [`ResourceSchema`] value passed in: a tenant with custom
//! extensions only needs a `ResourceSchema` that lists them.

use std::collections::HashSet;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ScimError;
use crate::path::AttrPath;
use crate::schema::{common_attribute, AttrType, AttributeDef, Mutability, ResourceSchema, Returned, SchemaDef};

/// How tolerant to be of non-RFC shapes. Azure = Entra ID's known shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// RFC 7643/7644 as written (plus tolerance that cannot change meaning).
    Strict,
    /// Also accept Entra ID's shapes: string booleans, single values for multi-valued
    /// attributes, unknown URNs in `schemas`, a PATCH body without the PatchOp schema.
    Azure,
}

/// A validated resource ready to store, plus the write-only values split off it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The canonical resource, without `password`.
    pub resource: Value,
    /// The cleartext password the client set, if any (RFC 7643 §4.1.1: never returned).
    pub password: Option<String>,
}

/// Whether values come from a client (read-only values are ignored, unknown names rejected) or
/// are a stored/patched resource (read-only values kept, unknown data kept as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A client-supplied body or PATCH value.
    Input,
    /// A resource as stored or as produced by PATCH.
    Stored,
}

/// The options of one normalisation run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// Which non-RFC shapes are accepted.
    pub tolerance: Tolerance,
    /// Input or stored data.
    pub mode: Mode,
}

/// Validates and canonicalises a client-supplied User or Group body for create (POST) or replace (PUT).
///
/// RFC 7644 §3.3 and §3.5.1: read-only attributes (`id`, `meta`, `groups`, members' `display`)
/// are ignored; `password` is moved to [`Prepared::password`].
pub fn prepare(body: Value, schema: &ResourceSchema, tolerance: Tolerance) -> Result<Prepared, ScimError> {
    let Value::Object(map) = body else {
        return Err(ScimError::invalid_syntax("the request body must be a JSON object"));
    };
    let ctx = Ctx { tolerance, mode: Mode::Input };
    let mut resource = normalize_resource(map, schema, ctx)?;
    let password = take_password(&mut resource);
    Ok(Prepared { resource, password })
}

/// Canonicalises a resource after PATCH (same rules, used by the patch engine's result).
///
/// Unlike [`prepare`] it keeps read-only values (`id`, `meta`, …), keeps data it does not know
/// (e.g. of an extension the tenant has since removed) and keeps `password`: a PATCH that sets
/// the password leaves it in the resource, and the caller takes it out with [`take_password`].
/// On error `resource` is unchanged.
pub fn canonicalize(resource: &mut Value, schema: &ResourceSchema, tolerance: Tolerance) -> Result<(), ScimError> {
    let Value::Object(map) = resource else {
        return Err(ScimError::invalid_syntax("a resource must be a JSON object"));
    };
    let ctx = Ctx { tolerance, mode: Mode::Stored };
    *resource = normalize_resource(map.clone(), schema, ctx)?;
    Ok(())
}

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

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// The attributes of one schema collected from a body, with the names already seen (names are
/// case-insensitive, so `userName` and `USERNAME` in one body are the same attribute twice).
#[derive(Default)]
struct Bucket {
    map: Map<String, Value>,
    seen: HashSet<String>,
}

impl Bucket {
    fn claim(&mut self, name: &str, path: &str) -> Result<(), ScimError> {
        if self.seen.insert(name.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(ScimError::invalid_value(format!("attribute \"{path}\" is given more than once")))
        }
    }
}

/// Whether `key` names a schema (or a URN-qualified attribute) rather than an attribute: plain
/// attribute names cannot contain a colon (RFC 7643 §2.1, ATTRNAME).
fn is_urn_key(key: &str) -> bool {
    key.contains(':')
}

/// Splits a URN-qualified attribute name (`urn:…:enterprise:2.0:User:department`) into its
/// schema and the attribute name (RFC 7644 §3.10).
pub(crate) fn split_qualified<'k>(schema: &ResourceSchema, key: &'k str) -> Option<(&'static SchemaDef, &'k str)> {
    std::iter::once(schema.core).chain(schema.extensions.iter().copied()).find_map(|s| {
        let n = s.id.len();
        let prefix = key.get(..n)?;
        let rest = key.get(n..)?.strip_prefix(':')?;
        (prefix.eq_ignore_ascii_case(s.id) && !rest.is_empty()).then_some((s, rest))
    })
}

/// The top-level attribute `name` of schema `s` (the core schema also has the common ones).
pub(crate) fn schema_attribute(schema: &ResourceSchema, s: &SchemaDef, name: &str) -> Option<&'static AttributeDef> {
    if s.id == schema.core.id {
        common_attribute(name).or_else(|| schema.core.attribute(name))
    } else {
        s.attribute(name)
    }
}

/// The display path of attribute `def` of schema `s`: `userName`, or `urn:…:User:manager`.
pub(crate) fn attr_display(schema: &ResourceSchema, s: &SchemaDef, def: &AttributeDef) -> String {
    if s.id == schema.core.id {
        def.name.to_string()
    } else {
        format!("{}:{}", s.id, def.name)
    }
}

/// Validates and canonicalises a whole resource object.
fn normalize_resource(map: Map<String, Value>, schema: &ResourceSchema, ctx: Ctx) -> Result<Value, ScimError> {
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
pub(crate) fn single_primary(items: &mut [Value], path: &str, tolerance: Tolerance) -> Result<(), ScimError> {
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

// ---------------------------------------------------------------------------------------------
// Projection
// ---------------------------------------------------------------------------------------------

/// One `attributes`/`excludedAttributes` entry resolved against the schema.
#[derive(Debug)]
enum Selected {
    /// A whole schema extension (its URN was named).
    Schema(&'static str),
    /// An attribute of a schema, or one of its sub-attributes.
    Attr { urn: &'static str, name: &'static str, sub: Option<&'static str> },
}

/// Resolves an attribute path to the schema that holds it (RFC 7644 §3.10): a URN-qualified
/// name to its schema, an unqualified one to the core schema or, when unique, an extension.
pub(crate) fn locate(
    p: &AttrPath,
    schema: &ResourceSchema,
) -> Option<(&'static SchemaDef, &'static AttributeDef, Option<&'static AttributeDef>)> {
    let (def, sub) = p.resolve(schema)?;
    let urn = p.schema_urn(schema).unwrap_or(schema.core.id);
    let s = schema.schema(urn)?;
    // `schema_urn` may name the core schema for the common attributes (`id`, `meta`).
    if schema_attribute(schema, s, def.name).is_some() {
        Some((s, def, sub))
    } else {
        Some((schema.core, def, sub))
    }
}

/// The whole schema an attribute path names, when it is a bare schema URN.
pub(crate) fn whole_schema(p: &AttrPath, schema: &ResourceSchema) -> Option<&'static SchemaDef> {
    if p.sub_attr.is_some() {
        return None;
    }
    match &p.urn {
        Some(urn) => schema.schema(&format!("{urn}:{}", p.attr)),
        None => schema.schema(&p.attr),
    }
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

#[cfg(test)]
mod tests;
