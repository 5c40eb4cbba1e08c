//! PATCH (RFC 7644 §3.5.2): parsing of `PatchOp` requests and their atomic application to a
//! resource, with the shapes Entra ID and Okta really send (op names in any case, no-path values
//! with dotted and URN-qualified keys, `manager` as a string or `[{"value"}]`, member removal by
//! a `value` array, Okta's group rename carrying the group's own `id`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{CompValue, CompareOp, Filter, FilterLimits};
use crate::path::PatchPath;
use crate::resource::{self, Ctx, Mode, Tolerance};
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema, SchemaDef, PATCH_OP_SCHEMA};

/// The kind of a PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    /// `add` (RFC 7644 §3.5.2.1).
    Add,
    /// `remove` (RFC 7644 §3.5.2.2).
    Remove,
    /// `replace` (RFC 7644 §3.5.2.3).
    Replace,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOpKind,
    /// The target path; `None` when the operation has none (or an empty one).
    pub path: Option<String>,
    /// The value as sent; `Some(Value::Null)` when the client sent `"value": null`.
    pub value: Option<Value>,
}

/// A parsed `PatchOp` request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

/// The member of `map` whose key is `name`, compared case-insensitively.
fn get_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

impl PatchRequest {
    /// Parses a PatchOp body: requires the PatchOp schema URN in `schemas` (Strict; Azure
    /// tolerates its absence), `Operations` (also `operations`), `op` in ANY case (both
    /// tolerances: "Replace", "ADD"), otherwise invalidSyntax with a clear detail. Empty
    /// Operations → invalidValue.
    ///
    /// An `add` or `replace` without `value` is rejected with invalidValue (RFC 7644 §3.5.2.1:
    /// the operation MUST contain a value). An empty `path` counts as no path.
    pub fn parse(body: &Value, tolerance: Tolerance) -> Result<PatchRequest, ScimError> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax("the PATCH body must be a JSON object"));
        };
        let listed = match get_ci(map, "schemas") {
            None | Some(Value::Null) => tolerance == Tolerance::Azure,
            Some(Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).any(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            }
            Some(Value::String(s)) => tolerance == Tolerance::Azure && s.eq_ignore_ascii_case(PATCH_OP_SCHEMA),
            Some(_) => false,
        };
        if !listed {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH request must list \"{PATCH_OP_SCHEMA}\" in \"schemas\""
            )));
        }
        let operations = match get_ci(map, "Operations") {
            Some(Value::Array(ops)) => ops,
            Some(_) => return Err(ScimError::invalid_syntax("\"Operations\" must be an array")),
            None => return Err(ScimError::invalid_syntax("a PATCH request needs \"Operations\"")),
        };
        if operations.is_empty() {
            return Err(ScimError::invalid_value("\"Operations\" must not be empty"));
        }
        let operations =
            operations.iter().enumerate().map(|(i, op)| parse_operation(i, op)).collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }
}

fn parse_operation(i: usize, op: &Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(map) = op else {
        return Err(ScimError::invalid_syntax(format!("Operations[{i}] must be a JSON object")));
    };
    let kind = match get_ci(map, "op") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        Some(Value::String(s)) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}]: unknown op \"{s}\" (expected add, remove or replace)"
            )))
        }
        Some(_) => return Err(ScimError::invalid_syntax(format!("Operations[{i}]: \"op\" must be a string"))),
        None => return Err(ScimError::invalid_syntax(format!("Operations[{i}] has no \"op\""))),
    };
    let path = match get_ci(map, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => return Err(ScimError::invalid_syntax(format!("Operations[{i}]: \"path\" must be a string"))),
    };
    let value = get_ci(map, "value").cloned();
    if value.is_none() && kind != PatchOpKind::Remove {
        return Err(ScimError::invalid_value(format!("Operations[{i}]: \"{}\" needs a \"value\"", op_name(kind))));
    }
    Ok(PatchOperation { op: kind, path, value })
}

fn op_name(kind: PatchOpKind) -> &'static str {
    match kind {
        PatchOpKind::Add => "add",
        PatchOpKind::Remove => "remove",
        PatchOpKind::Replace => "replace",
    }
}

/// Applies all operations to `resource` atomically (on a copy: on error `resource` is
/// unchanged), then canonicalises it with [`resource::canonicalize`]. Returns whether anything
/// changed (so the server can keep `meta.version` when nothing did).
///
/// `resource` is the stored resource, including `id` (Okta's rename carries it). A PATCH that
/// sets `password` leaves it in the result: take it out with [`resource::take_password`].
pub fn apply(
    resource: &mut Value,
    request: &PatchRequest,
    schema: &ResourceSchema,
    tolerance: Tolerance,
    limits: &FilterLimits,
) -> Result<bool, ScimError> {
    let mut baseline = resource.clone();
    resource::canonicalize(&mut baseline, schema, tolerance)?;
    let mut work = baseline.clone();
    let engine = Engine { schema, tolerance, limits, input: Ctx { tolerance, mode: Mode::Input } };
    for (i, op) in request.operations.iter().enumerate() {
        engine
            .apply_op(&mut work, op)
            .map_err(|e| ScimError { detail: format!("Operations[{i}]: {}", e.detail), ..e })?;
    }
    resource::canonicalize(&mut work, schema, tolerance)?;
    let changed = work != baseline;
    *resource = work;
    Ok(changed)
}

/// Where an operation lands.
struct Target {
    /// The schema whose attribute it is (the core schema for `id`, `meta`, …).
    schema: &'static SchemaDef,
    /// The top-level attribute.
    def: &'static AttributeDef,
    /// The value filter (`emails[type eq "work"]`), on multi-valued attributes only.
    filter: Option<Filter>,
    /// The sub-attribute (`name.givenName`, `emails[…].value`).
    sub: Option<&'static AttributeDef>,
    /// The path as shown in error details.
    display: String,
}

enum Resolved {
    /// A bare schema extension URN: the operation addresses the whole extension object.
    Schema(&'static SchemaDef),
    /// An attribute.
    Target(Box<Target>),
}

struct Engine<'a> {
    schema: &'a ResourceSchema,
    tolerance: Tolerance,
    limits: &'a FilterLimits,
    input: Ctx,
}

impl Engine<'_> {
    fn apply_op(&self, work: &mut Value, op: &PatchOperation) -> Result<(), ScimError> {
        let value = op.value.clone();
        match (&op.path, op.op) {
            // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with HTTP status
            // code 400 and a 'scimType' error code of 'noTarget'."
            (None, PatchOpKind::Remove) => Err(ScimError::no_target("a remove operation needs a \"path\"")),
            // RFC 7644 §3.5.2.1, §3.5.2.3: without a path the value is an object of attributes.
            (None, kind) => match value {
                Some(Value::Object(obj)) => {
                    for (key, v) in obj {
                        self.apply_keyed(work, kind, &key, v)?;
                    }
                    Ok(())
                }
                _ => Err(ScimError::invalid_value(format!(
                    "\"{}\" without \"path\" needs an object of attributes as its \"value\"",
                    op_name(kind)
                ))),
            },
            (Some(path), kind) => match self.resolve(path)? {
                Resolved::Schema(s) => self.apply_extension(work, kind, s, value),
                Resolved::Target(t) => self.apply_target(work, kind, &t, value),
            },
        }
    }

    /// One member of a no-path value: an attribute path (possibly dotted, URN-qualified or
    /// filtered — Entra sends `name.givenName` and `urn:…:enterprise:2.0:User:department`), or
    /// an extension object keyed by its URN.
    fn apply_keyed(&self, work: &mut Value, kind: PatchOpKind, key: &str, value: Value) -> Result<(), ScimError> {
        // The message's own members, not attributes to change.
        if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("meta") {
            return Ok(());
        }
        // Okta's group rename sends the group's own id along: unchanged, so ignored.
        if key.eq_ignore_ascii_case("id") {
            let current = work.get("id");
            return if value.is_null() || current == Some(&value) {
                Ok(())
            } else {
                Err(ScimError::mutability("attribute \"id\" is readOnly"))
            };
        }
        if let Some(s) = self.schema.schema(key) {
            if s.id == self.schema.core.id {
                let Value::Object(obj) = value else {
                    return Err(ScimError::invalid_value(format!("\"{}\" must be a JSON object", s.id)));
                };
                for (k, v) in obj {
                    self.apply_keyed(work, kind, &k, v)?;
                }
                return Ok(());
            }
            return self.apply_extension(work, kind, s, Some(value));
        }
        match self.resolve(key)? {
            Resolved::Schema(s) => self.apply_extension(work, kind, s, Some(value)),
            Resolved::Target(t) => self.apply_target(work, kind, &t, Some(value)),
        }
    }

    /// An operation on a whole extension object (`path` = its URN, or its URN as a no-path key).
    fn apply_extension(
        &self,
        work: &mut Value,
        kind: PatchOpKind,
        s: &'static SchemaDef,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        match (kind, value) {
            (PatchOpKind::Remove, _) | (_, None | Some(Value::Null)) => {
                for def in s.attributes {
                    let required = def.required;
                    let present = work.get(s.id).and_then(|o| o.get(def.name)).is_some();
                    if present && (required || def.mutability == Mutability::ReadOnly) {
                        return Err(ScimError::mutability(format!(
                            "attribute \"{}:{}\" cannot be removed",
                            s.id, def.name
                        )));
                    }
                }
                if let Some(obj) = work.as_object_mut() {
                    obj.retain(|k, _| !k.eq_ignore_ascii_case(s.id));
                }
                Ok(())
            }
            (kind, Some(Value::Object(obj))) => {
                // Some clients send an extension object with its own `schemas` member; it is
                // not an attribute of the extension.
                for (k, v) in obj.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("schemas")) {
                    match self.resolve(&format!("{}:{k}", s.id))? {
                        Resolved::Target(t) => self.apply_target(work, kind, &t, Some(v))?,
                        Resolved::Schema(_) => {
                            return Err(ScimError::invalid_path(format!("unknown attribute \"{}:{k}\"", s.id)))
                        }
                    }
                }
                Ok(())
            }
            (_, Some(_)) => Err(ScimError::invalid_value(format!("\"{}\" must be a JSON object", s.id))),
        }
    }

    /// Resolves a path against the schema (RFC 7644 §3.5.2, §3.10).
    fn resolve(&self, path: &str) -> Result<Resolved, ScimError> {
        if let Some(s) = self.schema.schema(path.trim()) {
            if s.id != self.schema.core.id {
                return Ok(Resolved::Schema(s));
            }
        }
        let parsed = PatchPath::parse(path, self.limits)?;
        let unknown = || ScimError::invalid_path(format!("unknown attribute \"{path}\""));
        if let Some(s) = resource::whole_schema(&parsed.attr, self.schema) {
            if s.id != self.schema.core.id && parsed.filter.is_none() && parsed.sub_attr.is_none() {
                return Ok(Resolved::Schema(s));
            }
        }
        let (s, def, sub) = resource::locate(&parsed.attr, self.schema).ok_or_else(unknown)?;
        let sub = match (sub, &parsed.sub_attr) {
            (Some(sub), None) => Some(sub),
            (None, Some(name)) => Some(def.sub_attribute(name).ok_or_else(unknown)?),
            (None, None) => None,
            (Some(_), Some(_)) => return Err(unknown()),
        };
        if sub.is_some() && def.ty != AttrType::Complex {
            return Err(unknown());
        }
        if parsed.filter.is_some() && !def.multi_valued {
            return Err(ScimError::invalid_path(format!("\"{path}\": a value filter needs a multi-valued attribute")));
        }
        let mut display = resource::attr_display(self.schema, s, def);
        if let Some(sub) = sub {
            display = format!("{display}.{}", sub.name);
        }
        Ok(Resolved::Target(Box::new(Target { schema: s, def, filter: parsed.filter, sub, display })))
    }

    fn apply_target(
        &self,
        work: &mut Value,
        kind: PatchOpKind,
        t: &Target,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        // RFC 7644 §3.5.2: a readOnly target is a mutability error.
        if t.def.mutability == Mutability::ReadOnly || t.sub.is_some_and(|s| s.mutability == Mutability::ReadOnly) {
            return Err(ScimError::mutability(format!("attribute \"{}\" is readOnly", t.display)));
        }
        let create = kind != PatchOpKind::Remove;
        let Some(container) = container_mut(work, self.schema, t.schema, create) else {
            // Nothing to remove from an absent extension.
            return match (&t.filter, t.def.required) {
                (Some(_), _) => Err(ScimError::no_target(format!("no value of \"{}\" matches the filter", t.display))),
                (None, true) => {
                    Err(ScimError::mutability(format!("required attribute \"{}\" cannot be removed", t.display)))
                }
                (None, false) => Ok(()),
            };
        };
        match (&t.filter, t.sub, t.def.multi_valued) {
            (Some(filter), _, _) => self.apply_filtered(container, kind, t, filter, value),
            (None, Some(sub), false) => self.apply_sub_single(container, kind, t, sub, value),
            (None, Some(sub), true) => self.apply_sub_all(container, kind, t, sub, value),
            (None, None, _) => self.apply_whole(container, kind, t, value),
        }
    }

    /// A whole attribute: `path: "active"`, `path: "emails"`, `path: "manager"`.
    fn apply_whole(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let name = t.def.name;
        let sent = value.as_ref().is_some_and(|v| !v.is_null());
        let given = match value {
            Some(v) => resource::normalize_value(t.def, v, &t.display, self.input)?,
            None => None,
        };
        if kind == PatchOpKind::Remove && sent {
            let Some(given) = given else {
                // Nothing identifiable to remove (e.g. only read-only sub-attributes).
                return Ok(());
            };
            if let Some(current) = container.get_mut(name) {
                // A remove with a value removes just those values: Entra's member removal
                // `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`.
                let emptied = match (current, &given) {
                    (Value::Array(items), Value::Array(gone)) => {
                        remove_covered(items, gone);
                        items.is_empty()
                    }
                    (current, given) => covers(current, given),
                };
                if emptied {
                    self.unassign(container, t)?;
                }
            }
            return Ok(());
        }
        if kind == PatchOpKind::Remove {
            return self.unassign(container, t);
        }
        let Some(given) = given else {
            // null, [] or "" (RFC 7643 §2.5: unassigned). Adding nothing to a list is a no-op.
            if kind == PatchOpKind::Add && t.def.multi_valued {
                return Ok(());
            }
            return self.unassign(container, t);
        };
        if t.def.mutability == Mutability::Immutable {
            if let Some(current) = container.get(name) {
                if current != &given {
                    return Err(ScimError::mutability(format!("attribute \"{}\" is immutable", t.display)));
                }
            }
        }
        match (kind, t.def.multi_valued, given) {
            // RFC 7644 §3.5.2.1: add to a multi-valued attribute appends (skipping values
            // already there).
            (PatchOpKind::Add, true, Value::Array(new)) => {
                let mut items = take_array(container, name);
                let start = items.len();
                append_new(&mut items, new);
                let touched: Vec<bool> = (0..items.len()).map(|i| i >= start).collect();
                clear_other_primaries(&mut items, &touched);
                put_array(container, name, items);
                Ok(())
            }
            // RFC 7644 §3.5.2.1, §3.5.2.3: on a single complex attribute the given
            // sub-attributes are set, the others left as they are. `manager` is replaced as a
            // whole: a stale `displayName` must not survive a new `value`; so is free-form JSON.
            (_, false, Value::Object(new))
                if t.def.ty == AttrType::Complex && !t.def.open && !resource::is_manager(t.def) =>
            {
                let slot = container.entry(name.to_string()).or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(current) = slot {
                    merge_subs(current, new, t)?;
                }
                Ok(())
            }
            (_, _, given) => {
                container.insert(name.to_string(), given);
                Ok(())
            }
        }
    }

    /// Removes an attribute (RFC 7644 §3.5.2.2): a required or immutable one (when set) is a
    /// mutability error.
    fn unassign(&self, container: &mut Map<String, Value>, t: &Target) -> Result<(), ScimError> {
        if t.def.required {
            return Err(ScimError::mutability(format!("required attribute \"{}\" cannot be removed", t.display)));
        }
        if t.def.mutability == Mutability::Immutable && container.contains_key(t.def.name) {
            return Err(ScimError::mutability(format!("attribute \"{}\" is immutable", t.display)));
        }
        container.remove(t.def.name);
        Ok(())
    }

    /// The normalised value an add or replace sets on `sub` (`None` for a remove).
    fn given(
        &self,
        kind: PatchOpKind,
        sub: &'static AttributeDef,
        value: Option<Value>,
        t: &Target,
    ) -> Result<Option<Value>, ScimError> {
        match (kind, value) {
            (PatchOpKind::Remove, _) | (_, None) => Ok(None),
            (_, Some(v)) => resource::normalize_value(sub, v, &t.display, self.input),
        }
    }

    /// A sub-attribute of a single complex attribute: `name.givenName`, `manager.value`.
    fn apply_sub_single(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        sub: &'static AttributeDef,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let given = self.given(kind, sub, value, t)?;
        let slot = container.entry(t.def.name.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(obj) = slot {
            set_sub(obj, sub, given, t)?;
            if obj.is_empty() {
                container.remove(t.def.name);
            }
        }
        Ok(())
    }

    /// A sub-attribute of every value of a multi-valued attribute: `emails.value` (no filter).
    fn apply_sub_all(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        sub: &'static AttributeDef,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let given = self.given(kind, sub, value, t)?;
        let mut items = take_array(container, t.def.name);
        if items.is_empty() {
            if let Some(given) = given {
                let mut obj = Map::new();
                obj.insert(sub.name.to_string(), given);
                items.push(Value::Object(obj));
            }
        } else {
            for item in items.iter_mut() {
                if let Value::Object(obj) = item {
                    set_sub(obj, sub, given.clone(), t)?;
                }
            }
            items.retain(|v| v.as_object().is_none_or(|o| !o.is_empty()));
        }
        put_array(container, t.def.name, items);
        Ok(())
    }

    /// A filtered path: `emails[type eq "work"]`, `emails[type eq "work"].value`,
    /// `members[value eq "<id>"]` (RFC 7644 §3.5.2).
    fn apply_filtered(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        filter: &Filter,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let def = t.def;
        let hit: Vec<bool> = match container.get(def.name) {
            Some(Value::Array(items)) => items.iter().map(|item| filter.matches_element(item, def)).collect(),
            _ => Vec::new(),
        };
        if !hit.contains(&true) {
            return self.add_from_filter(container, kind, t, filter, value);
        }
        // The value for the matched elements (or their sub-attribute).
        let given = match (kind, value) {
            (PatchOpKind::Remove, _) | (_, None) => None,
            (_, Some(v)) => match t.sub {
                Some(sub) => resource::normalize_value(sub, v, &t.display, self.input)?,
                None => self.normalize_element(t, v)?,
            },
        };
        let mut pairs: Vec<(Value, bool)> = take_array(container, def.name).into_iter().zip(hit).collect();
        match (kind, t.sub, &given) {
            // RFC 7644 §3.5.2.2: the matching values are removed (a null replacement, too).
            (PatchOpKind::Remove, None, _) | (PatchOpKind::Replace, None, None) => pairs.retain(|(_, hit)| !hit),
            (_, Some(sub), _) => {
                for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                    if let Value::Object(obj) = item {
                        set_sub(obj, sub, given.clone(), t)?;
                    }
                }
            }
            // RFC 7644 §3.5.2.3: the matching values are replaced.
            (PatchOpKind::Replace, None, Some(new)) => {
                for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                    *item = new.clone();
                }
            }
            // Add with a filter and no sub-attribute: the given sub-attributes are set on the
            // matching values.
            (PatchOpKind::Add, None, _) => {
                if let Some(Value::Object(new)) = &given {
                    for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                        if let Value::Object(obj) = item {
                            merge_subs(obj, new.clone(), t)?;
                        }
                    }
                }
            }
        }
        pairs.retain(|(v, _)| v.as_object().is_none_or(|o| !o.is_empty()));
        let (mut items, hit): (Vec<Value>, Vec<bool>) = pairs.into_iter().unzip();
        if kind != PatchOpKind::Remove {
            clear_other_primaries(&mut items, &hit);
        }
        if items.is_empty() && def.required {
            return Err(ScimError::mutability(format!("required attribute \"{}\" cannot be removed", t.display)));
        }
        put_array(container, def.name, items);
        Ok(())
    }

    /// A filter that matched nothing. RFC 7644 §3.5.2.2/§3.5.2.3: remove and replace fail with
    /// noTarget. An add — and under Azure a replace, as Entra sends
    /// `{"op":"Replace","path":"emails[type eq \"work\"].value",…}` for users without a work
    /// email — creates the value when the filter is a conjunction of `eq` comparisons.
    fn add_from_filter(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        filter: &Filter,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let no_target = || ScimError::no_target(format!("no value of \"{}\" matches the filter", t.display));
        let creates = kind == PatchOpKind::Add || (kind == PatchOpKind::Replace && self.tolerance == Tolerance::Azure);
        if !creates {
            return Err(no_target());
        }
        let value = match value {
            None | Some(Value::Null) => return Ok(()),
            Some(v) => v,
        };
        let Some(mut element) = filter_template(filter, t.def) else {
            return Err(no_target());
        };
        match t.sub {
            Some(sub) => {
                element.insert(sub.name.to_string(), value);
            }
            None => match value {
                Value::Object(obj) => element.extend(obj),
                _ => return Err(ScimError::invalid_value(format!("attribute \"{}\": expected an object", t.display))),
            },
        }
        let Some(element) = self.normalize_element(t, Value::Object(element))? else {
            return Ok(());
        };
        let mut items = take_array(container, t.def.name);
        items.push(element);
        let mut touched = vec![false; items.len()];
        if let Some(last) = touched.last_mut() {
            *last = true;
        }
        clear_other_primaries(&mut items, &touched);
        put_array(container, t.def.name, items);
        Ok(())
    }

    /// Validates one element of a multi-valued attribute (a single object; Azure also accepts it
    /// wrapped in a one-element array).
    fn normalize_element(&self, t: &Target, value: Value) -> Result<Option<Value>, ScimError> {
        let value = match value {
            Value::Array(mut items) if items.len() == 1 && self.tolerance == Tolerance::Azure => items.remove(0),
            Value::Array(_) => {
                return Err(ScimError::invalid_value(format!("attribute \"{}\": expected a single value", t.display)))
            }
            other => other,
        };
        match resource::normalize_value(t.def, Value::Array(vec![value]), &t.display, self.input)? {
            Some(Value::Array(mut items)) if items.len() == 1 => Ok(Some(items.remove(0))),
            Some(_) => Err(ScimError::invalid_value(format!("attribute \"{}\": expected a single value", t.display))),
            None => Ok(None),
        }
    }
}

/// The extension object (or the resource itself for the core schema) that holds `s`'s attributes.
fn container_mut<'w>(
    work: &'w mut Value,
    schema: &ResourceSchema,
    s: &SchemaDef,
    create: bool,
) -> Option<&'w mut Map<String, Value>> {
    let root = work.as_object_mut()?;
    if s.id == schema.core.id {
        return Some(root);
    }
    if !root.contains_key(s.id) {
        if !create {
            return None;
        }
        root.insert(s.id.to_string(), Value::Object(Map::new()));
    }
    let slot = root.get_mut(s.id)?;
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Takes the array of a multi-valued attribute out of `container` (empty when absent); put it
/// back with [`put_array`].
fn take_array(container: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match container.remove(name) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

/// Stores the array of a multi-valued attribute; an empty one leaves it unassigned.
fn put_array(container: &mut Map<String, Value>, name: &str, items: Vec<Value>) {
    if !items.is_empty() {
        container.insert(name.to_string(), Value::Array(items));
    }
}

/// Sets (or with `None` removes) sub-attribute `sub` of one complex value, honouring its
/// mutability: an immutable sub-attribute may be set when absent or to its current value.
fn set_sub(
    obj: &mut Map<String, Value>,
    sub: &AttributeDef,
    given: Option<Value>,
    t: &Target,
) -> Result<(), ScimError> {
    if sub.mutability == Mutability::Immutable {
        if let Some(current) = obj.get(sub.name) {
            if given.as_ref() != Some(current) {
                return Err(ScimError::mutability(format!("attribute \"{}\" is immutable", t.display)));
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
fn merge_subs(current: &mut Map<String, Value>, new: Map<String, Value>, t: &Target) -> Result<(), ScimError> {
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
fn covers(existing: &Value, given: &Value) -> bool {
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
fn append_new(items: &mut Vec<Value>, new: Vec<Value>) {
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
fn remove_covered(items: &mut Vec<Value>, gone: &[Value]) {
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
fn clear_other_primaries(items: &mut [Value], touched: &[bool]) {
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

/// The value a filter describes, when it is a conjunction of `sub eq "literal"` comparisons:
/// `type eq "work"` → `{"type": "work"}`.
fn filter_template(filter: &Filter, def: &AttributeDef) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare { path, op: CompareOp::Eq, value } if path.urn.is_none() && path.sub_attr.is_none() => {
            let sub = def.sub_attribute(&path.attr)?;
            let value = match value {
                CompValue::Null => return None,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::String(s) => Value::String(s.clone()),
            };
            let mut map = Map::new();
            map.insert(sub.name.to_string(), value);
            Some(map)
        }
        Filter::And(a, b) => {
            let mut left = filter_template(a, def)?;
            for (k, v) in filter_template(b, def)? {
                if left.get(&k).is_some_and(|existing| existing != &v) {
                    return None;
                }
                left.insert(k, v);
            }
            Some(left)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
