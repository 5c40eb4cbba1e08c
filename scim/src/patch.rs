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
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resource::{prepare, take_password};
    use crate::schema::{
        Returned, Uniqueness, ENTERPRISE_USER, ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, USER, USER_RESOURCE, USER_SCHEMA,
    };
    use crate::ScimType;

    const MANAGER: &str = "26118915-6090-4610-87a4-4f8a4b3f1f32";
    const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
    const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn limits() -> FilterLimits {
        FilterLimits::default()
    }

    fn stored_user() -> Value {
        let body = json!({
            "userName": "adele@contoso.com",
            "displayName": "Adele",
            "name": {"givenName": "Adele", "familyName": "Vance"},
            "emails": [{"value": "adele@contoso.com", "type": "work", "primary": true},
                       {"value": "adele@example.org", "type": "home"}],
            "active": true,
        });
        let mut r = prepare(body, &USER_RESOURCE, Tolerance::Strict).unwrap().resource;
        r["id"] = json!("u1");
        r["meta"] = json!({"resourceType": "User", "version": "W/\"1\""});
        r
    }

    fn stored_group() -> Value {
        let body = fixture(include_str!("../tests/fixtures/rfc7643-8.4-group.json"));
        let mut r = prepare(body, &GROUP_RESOURCE, Tolerance::Strict).unwrap().resource;
        r["id"] = json!("e9e30dba-f08f-4109-8486-d5c6a331660a");
        r
    }

    fn request(operations: Value) -> PatchRequest {
        PatchRequest::parse(&json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations}), Tolerance::Strict)
            .unwrap()
    }

    /// Applies `operations` to `resource` on the user schema.
    fn run(resource: &mut Value, operations: Value, tolerance: Tolerance) -> Result<bool, ScimError> {
        apply(resource, &request(operations), &USER_RESOURCE, tolerance, &limits())
    }

    fn run_group(resource: &mut Value, body: &Value) -> Result<bool, ScimError> {
        let req = PatchRequest::parse(body, Tolerance::Azure).unwrap();
        apply(resource, &req, &GROUP_RESOURCE, Tolerance::Azure, &limits())
    }

    /// Asserts the error type and that the resource was left unchanged.
    fn fails(resource: &Value, operations: Value, tolerance: Tolerance) -> ScimError {
        let mut copy = resource.clone();
        let err = run(&mut copy, operations, tolerance).unwrap_err();
        assert_eq!(&copy, resource, "a failed PATCH leaves the resource unchanged");
        err
    }

    fn kind(err: ScimError) -> ScimType {
        err.scim_type.unwrap()
    }

    fn members(group: &Value) -> Vec<&str> {
        group["members"].as_array().map(|m| m.iter().filter_map(|v| v["value"].as_str()).collect()).unwrap_or_default()
    }

    // ---- parsing -------------------------------------------------------------------------

    #[test]
    fn parse_entra_replace_active_rfc7644_3_5_2_3() {
        let body = fixture(include_str!("../tests/fixtures/rfc7644-3.5.2.3-replace-active.json"));
        let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
        assert_eq!(
            req.operations,
            vec![PatchOperation { op: PatchOpKind::Replace, path: Some("active".into()), value: Some(json!("False")) }]
        );
    }

    #[test]
    fn parse_requires_the_patch_op_schema_under_strict_only() {
        let ops = json!([{"op": "add", "path": "title", "value": "x"}]);
        let err = PatchRequest::parse(&json!({"Operations": ops}), Tolerance::Strict).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        assert!(err.detail.contains(PATCH_OP_SCHEMA));
        assert!(PatchRequest::parse(&json!({"Operations": ops}), Tolerance::Azure).is_ok());
        for tolerance in [Tolerance::Strict, Tolerance::Azure] {
            let err =
                PatchRequest::parse(&json!({"schemas": [USER_SCHEMA], "Operations": ops}), tolerance).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        }
        let upper = json!({"schemas": [PATCH_OP_SCHEMA.to_uppercase()], "operations": ops});
        assert_eq!(PatchRequest::parse(&upper, Tolerance::Strict).unwrap().operations.len(), 1);
    }

    #[test]
    fn parse_op_names_in_any_case() {
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "ADD", "path": "title", "value": "x"},
            {"op": "Replace", "value": {"title": "y"}},
            {"op": "rEmOvE", "path": "title"},
        ]});
        for tolerance in [Tolerance::Strict, Tolerance::Azure] {
            let kinds: Vec<PatchOpKind> =
                PatchRequest::parse(&body, tolerance).unwrap().operations.iter().map(|o| o.op).collect();
            assert_eq!(kinds, [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]);
        }
    }

    #[test]
    fn parse_errors() {
        let parse = |body: Value| PatchRequest::parse(&body, Tolerance::Strict).unwrap_err();
        let with = |ops: Value| json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
        assert_eq!(kind(parse(json!([]))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(json!({"schemas": [PATCH_OP_SCHEMA]}))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(with(json!({"op": "add"})))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(with(json!([])))), ScimType::InvalidValue);
        assert_eq!(kind(parse(with(json!(["add"])))), ScimType::InvalidSyntax);
        let err = parse(with(json!([{"op": "move", "path": "title"}])));
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        assert!(err.detail.contains("\"move\""), "{}", err.detail);
        assert_eq!(kind(parse(with(json!([{"path": "title"}])))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(with(json!([{"op": 1, "path": "title"}])))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(with(json!([{"op": "add", "path": 3, "value": "x"}])))), ScimType::InvalidSyntax);
        assert_eq!(kind(parse(with(json!([{"op": "add", "path": "title"}])))), ScimType::InvalidValue);
        assert_eq!(kind(parse(with(json!([{"op": "replace"}])))), ScimType::InvalidValue);
        // remove needs no value; an empty path is no path.
        let req = PatchRequest::parse(
            &with(json!([{"op": "remove", "path": "title"}, {"op": "add", "path": " ", "value": {}}])),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(req.operations[0].value, None);
        assert_eq!(req.operations[1].path, None);
    }

    // ---- Entra ID and Okta shapes --------------------------------------------------------

    #[test]
    fn entra_deactivate_is_coerced_under_azure_and_invalid_under_strict() {
        let body = fixture(include_str!("../tests/fixtures/rfc7644-3.5.2.3-replace-active.json"));
        let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
        let mut user = stored_user();
        assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
        assert_eq!(user["active"], json!(false));
        assert!(!resource::active(&user));

        let original = stored_user();
        let mut user = original.clone();
        let err = apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        assert!(err.detail.contains("active"), "{}", err.detail);
        assert_eq!(user, original);
    }

    #[test]
    fn okta_deactivate_without_path() {
        let body = fixture(include_str!("../tests/fixtures/okta-patch-deactivate.json"));
        let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
        let mut user = stored_user();
        assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap());
        assert_eq!(user["active"], json!(false));
        // The same again changes nothing.
        assert!(!apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap());
    }

    #[test]
    fn entra_multi_replace_without_path_with_dotted_and_urn_keys() {
        let body = fixture(include_str!("../tests/fixtures/entra-patch-replace-no-path.json"));
        let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
        let mut user = stored_user();
        assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
        assert_eq!(user["displayName"], "Adele V.");
        assert_eq!(user["name"], json!({"givenName": "Adele", "familyName": "Vance-Smith"}));
        assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"department": "Marketing"}));
        assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        assert_eq!(user["emails"][0]["value"], "adele.vance@contoso.com");
        assert_eq!(user["emails"][1]["value"], "adele@example.org");
        assert_eq!((user["id"].clone(), user["meta"].clone()), (json!("u1"), stored_user()["meta"].clone()));
    }

    #[test]
    fn entra_replace_work_email_and_family_name() {
        let body = fixture(include_str!("../tests/fixtures/entra-patch-replace-work-email.json"));
        let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
        let mut user = stored_user();
        apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap();
        assert_eq!(user["emails"][0], json!({"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}));
        assert_eq!(user["name"]["familyName"], "updatedFamilyName");
    }

    #[test]
    fn replace_with_filter_matching_nothing() {
        let mut user = stored_user();
        user["emails"] = json!([{"value": "adele@example.org", "type": "home"}]);
        let op = json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@contoso.com"}]);
        // RFC 7644 §3.5.2.3: noTarget.
        let err = fails(&user, op.clone(), Tolerance::Strict);
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
        // Azure: Entra expects the value to be created.
        let mut azure = user.clone();
        run(&mut azure, op, Tolerance::Azure).unwrap();
        assert_eq!(azure["emails"][1], json!({"type": "work", "value": "w@contoso.com"}));
        // A filter that does not describe a value cannot create one.
        let op = json!([{"op": "Replace", "path": "emails[type co \"wor\"].value", "value": "w@contoso.com"}]);
        assert_eq!(kind(fails(&user, op, Tolerance::Azure)), ScimType::NoTarget);
    }

    #[test]
    fn add_with_filter_matching_nothing_creates_the_value() {
        let mut user = stored_user();
        let op = json!([{"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"}]);
        run(&mut user, op, Tolerance::Strict).unwrap();
        assert_eq!(user["addresses"], json!([{"type": "work", "streetAddress": "1 Main St"}]));
        let op = json!([{"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"}]);
        run(&mut user, op, Tolerance::Strict).unwrap();
        assert_eq!(
            user["addresses"],
            json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield"}])
        );
    }

    #[test]
    fn entra_manager_shapes_end_as_value_objects() {
        let body = fixture(include_str!("../tests/fixtures/entra-patch-add-manager.json"));
        let req = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
        let mut user = stored_user();
        assert!(apply(&mut user, &req, &USER_RESOURCE, Tolerance::Azure, &limits()).unwrap());
        assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"manager": {"value": MANAGER}}));
        assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        let qualified = format!("{ENTERPRISE_USER_SCHEMA}:manager");
        for op in [
            json!({"op": "Replace", "path": "manager", "value": "m2"}),
            json!({"op": "Replace", "path": qualified, "value": {"value": "m2"}}),
            json!({"op": "Add", "path": qualified, "value": [{"value": "m2"}]}),
            json!({"op": "Replace", "value": {qualified.clone(): "m2"}}),
            json!({"op": "Replace", "value": {ENTERPRISE_USER_SCHEMA: {"manager": "m2"}}}),
            json!({"op": "Add", "path": ENTERPRISE_USER_SCHEMA, "value": {"manager": {"value": "m2"}}}),
            json!({"op": "Replace", "path": "manager.value", "value": "m2"}),
        ] {
            let mut u = user.clone();
            u[ENTERPRISE_USER_SCHEMA]["manager"]["displayName"] = json!("Stale");
            run(&mut u, json!([op.clone()]), Tolerance::Strict).unwrap();
            let manager = &u[ENTERPRISE_USER_SCHEMA]["manager"];
            assert_eq!(manager["value"], "m2", "{op}");
            if op["path"] != json!("manager.value") {
                assert_eq!(manager, &json!({"value": "m2"}), "{op}");
            }
        }
        // Removing the manager (also by an empty value) removes the extension from `schemas`.
        for op in [
            json!({"op": "Remove", "path": "manager"}),
            json!({"op": "Replace", "path": "manager", "value": ""}),
            json!({"op": "Replace", "path": "manager", "value": null}),
            json!({"op": "Remove", "path": "manager", "value": [{"value": MANAGER}]}),
            json!({"op": "Remove", "path": ENTERPRISE_USER_SCHEMA}),
        ] {
            let mut u = user.clone();
            assert!(run(&mut u, json!([op.clone()]), Tolerance::Azure).unwrap(), "{op}");
            assert!(u.get(ENTERPRISE_USER_SCHEMA).is_none(), "{op}");
            assert_eq!(u["schemas"], json!([USER_SCHEMA]), "{op}");
        }
        // Removing another manager than the current one changes nothing.
        let mut u = user.clone();
        let op = json!([{"op": "Remove", "path": "manager", "value": [{"value": "someone-else"}]}]);
        assert!(!run(&mut u, op, Tolerance::Azure).unwrap());
        assert_eq!(u, user);
    }

    #[test]
    fn members_add_skips_duplicates_rfc7644_3_5_2_1() {
        let mut group = stored_group();
        let body = fixture(include_str!("../tests/fixtures/rfc7644-3.5.2.1-add-members.json"));
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(members(&group), [BABS, MANDY, "a1b2c3d4-0000-4000-8000-000000000001"]);
        assert!(group["members"].as_array().unwrap().iter().all(|m| m.get("display").is_none()));
        // Adding the same members again changes nothing.
        assert!(!run_group(&mut group, &body).unwrap());
        let body = fixture(include_str!("../tests/fixtures/entra-patch-add-member.json"));
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(members(&group).len(), 4);
        assert!(!run_group(&mut group, &body).unwrap());
    }

    #[test]
    fn entra_member_removal_by_value_array() {
        let mut group = stored_group();
        let body = fixture(include_str!("../tests/fixtures/entra-patch-remove-member-value.json"));
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(members(&group), [BABS]);
        // Not a member (any more): nothing to do.
        assert!(!run_group(&mut group, &body).unwrap());
        let last = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "remove", "path": "members", "value": [{"value": BABS}]}]});
        assert!(run_group(&mut group, &last).unwrap());
        assert!(group.get("members").is_none());
    }

    #[test]
    fn member_removal_by_filter_rfc7644_3_5_2_2() {
        let mut group = stored_group();
        let body = fixture(include_str!("../tests/fixtures/rfc7644-3.5.2.2-remove-member-filter.json"));
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(members(&group), [MANDY]);
        // The filter now matches nothing.
        let before = group.clone();
        let err = run_group(&mut group, &body).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
        assert_eq!(group, before);
    }

    #[test]
    fn okta_group_rename_carries_the_group_id() {
        let mut group = stored_group();
        let body = fixture(include_str!("../tests/fixtures/okta-patch-rename-group.json"));
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(group["displayName"], "Tour Guides (EMEA)");
        // Another id is an attempt to change a readOnly attribute.
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "value": {"id": "other", "displayName": "X"}}]});
        let before = group.clone();
        assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
        assert_eq!(group, before);
        // `schemas` and `meta` in a no-path value are ignored.
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "value": {"schemas": ["x"], "meta": {"version": "1"}, "displayName": "Y"}}]});
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(group["displayName"], "Y");
        assert_eq!(group["schemas"], before["schemas"]);
    }

    // ---- RFC 7644 §3.5.2 rules ------------------------------------------------------------

    #[test]
    fn atomicity_third_operation_fails_rfc7644_3_5_2() {
        let body = fixture(include_str!("../tests/fixtures/rfc7644-3.5.2-atomic-third-op-fails.json"));
        let req = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
        let original = stored_user();
        let mut user = original.clone();
        let err = apply(&mut user, &req, &USER_RESOURCE, Tolerance::Strict, &limits()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        assert!(err.detail.starts_with("Operations[2]"), "{}", err.detail);
        assert_eq!(user, original);
    }

    #[test]
    fn remove_without_path_is_no_target_rfc7644_3_5_2_2() {
        let err = fails(&stored_user(), json!([{"op": "remove"}]), Tolerance::Azure);
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    }

    #[test]
    fn unknown_attributes_are_invalid_path() {
        let user = stored_user();
        for op in [
            json!({"op": "add", "path": "shoeSize", "value": "9"}),
            json!({"op": "replace", "path": "name.nickname", "value": "x"}),
            json!({"op": "replace", "path": "userName.value", "value": "x"}),
            json!({"op": "replace", "value": {"shoeSize": "9"}}),
            json!({"op": "replace", "path": "urn:example:unknown:2.0:User:tag", "value": "x"}),
            json!({"op": "replace", "value": {ENTERPRISE_USER_SCHEMA: {"shoeSize": "9"}}}),
            json!({"op": "replace", "path": "name[givenName eq \"x\"]", "value": {"givenName": "y"}}),
            json!({"op": "replace", "path": "emails[type eq ", "value": "x"}),
            json!({"op": "remove", "path": "1bad"}),
        ] {
            let err = fails(&user, json!([op.clone()]), Tolerance::Azure);
            assert_eq!(err.scim_type, Some(ScimType::InvalidPath), "{op}: {}", err.detail);
        }
        assert!(fails(&user, json!([{"op": "add", "path": "shoeSize", "value": "9"}]), Tolerance::Azure)
            .detail
            .contains("shoeSize"));
        let mut group = stored_group();
        let body =
            json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add", "path": "manager", "value": "x"}]});
        assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::InvalidPath));
    }

    #[test]
    fn read_only_targets_are_mutability_errors() {
        let user = stored_user();
        for op in [
            json!({"op": "replace", "path": "id", "value": "x"}),
            json!({"op": "replace", "path": "meta", "value": {"version": "x"}}),
            json!({"op": "remove", "path": "meta.version"}),
            json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
            json!({"op": "add", "value": {"groups": [{"value": "g"}]}}),
            json!({"op": "replace", "value": {"id": "not-u1"}}),
        ] {
            let err = fails(&user, json!([op.clone()]), Tolerance::Azure);
            assert_eq!(err.scim_type, Some(ScimType::Mutability), "{op}");
        }
        let mut group = stored_group();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].display"), "value": "B"}]});
        assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
        // Its own id in a no-path value is fine.
        let mut u = user.clone();
        let own_id = json!([{"op": "replace", "value": {"id": "u1", "meta": {}}}]);
        assert!(!run(&mut u, own_id, Tolerance::Strict).unwrap());
    }

    #[test]
    fn removing_required_attributes_is_mutability_rfc7644_3_5_2_2() {
        let user = stored_user();
        for op in [
            json!({"op": "remove", "path": "userName"}),
            json!({"op": "replace", "path": "userName", "value": null}),
            json!({"op": "replace", "value": {"USERNAME": null}}),
        ] {
            assert_eq!(kind(fails(&user, json!([op.clone()]), Tolerance::Strict)), ScimType::Mutability, "{op}");
        }
        // An empty userName is a value error.
        let err = fails(&user, json!([{"op": "replace", "path": "userName", "value": ""}]), Tolerance::Strict);
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        let mut group = stored_group();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "remove", "path": "displayName"}]});
        assert_eq!(run_group(&mut group, &body).unwrap_err().scim_type, Some(ScimType::Mutability));
        // Optional attributes go quietly, absent or not.
        let mut u = user.clone();
        assert!(run(&mut u, json!([{"op": "remove", "path": "displayName"}]), Tolerance::Strict).unwrap());
        assert!(u.get("displayName").is_none());
        assert!(!run(&mut u, json!([{"op": "remove", "path": "title"}]), Tolerance::Strict).unwrap());
    }

    const fn attr(name: &'static str, mutability: Mutability) -> AttributeDef {
        AttributeDef {
            name,
            ty: AttrType::String,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            description: "",
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
            open: false,
        }
    }
    const BADGE_URN: &str = "urn:ietf:params:scim:schemas:extension:badge:2.0:User";
    static BADGE: SchemaDef = SchemaDef {
        id: BADGE_URN,
        name: "Badge",
        description: "",
        attributes: &[attr("badgeId", Mutability::Immutable), attr("tag", Mutability::ReadWrite)],
    };
    static BADGE_USER: ResourceSchema = ResourceSchema { core: &USER, extensions: &[&ENTERPRISE_USER, &BADGE] };

    #[test]
    fn immutable_attributes_are_set_once() {
        let run_badge =
            |r: &mut Value, op: Value| apply(r, &request(json!([op])), &BADGE_USER, Tolerance::Strict, &limits());
        let mut user = stored_user();
        let path = format!("{BADGE_URN}:badgeId");
        assert!(run_badge(&mut user, json!({"op": "add", "path": path, "value": "B-1"})).unwrap());
        assert_eq!(user[BADGE_URN], json!({"badgeId": "B-1"}));
        assert!(!run_badge(&mut user, json!({"op": "replace", "path": path, "value": "B-1"})).unwrap());
        let before = user.clone();
        for op in [
            json!({"op": "replace", "path": path, "value": "B-2"}),
            json!({"op": "remove", "path": path}),
            json!({"op": "replace", "value": {BADGE_URN: {"badgeId": "B-3"}}}),
        ] {
            let err = run_badge(&mut user, op.clone()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::Mutability), "{op}");
            assert_eq!(user, before);
        }
        // Immutable sub-attributes: a member's value.
        let mut group = stored_group();
        let same = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": BABS}]});
        assert!(!run_group(&mut group, &same).unwrap());
        let other = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": "x"}]});
        assert_eq!(run_group(&mut group, &other).unwrap_err().scim_type, Some(ScimType::Mutability));
    }

    #[test]
    fn values_are_type_checked() {
        let user = stored_user();
        for op in [
            json!({"op": "replace", "path": "active", "value": "False"}),
            json!({"op": "replace", "path": "active", "value": 0}),
            json!({"op": "add", "path": "emails", "value": [{"value": 5}]}),
            json!({"op": "replace", "value": {"name": "Adele Vance"}}),
            json!({"op": "replace", "path": "emails", "value": {"value": "a@b"}}),
            json!({"op": "add", "path": "emails", "value": [{"value": "x", "bogus": 1}]}),
            json!({"op": "replace", "value": "not an object"}),
            json!({"op": "replace", "path": ENTERPRISE_USER_SCHEMA, "value": "x"}),
            json!({"op": "add", "path": "emails",
                   "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
        ] {
            let err = fails(&user, json!([op.clone()]), Tolerance::Strict);
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{op}: {}", err.detail);
        }
        // Azure coerces string booleans and wraps single values.
        let mut u = user.clone();
        run(
            &mut u,
            json!([{"op": "replace", "path": "emails", "value": {"value": "a@b", "primary": "True"}}]),
            Tolerance::Azure,
        )
        .unwrap();
        assert_eq!(u["emails"], json!([{"value": "a@b", "primary": true}]));
    }

    #[test]
    fn add_appends_and_replace_replaces_multi_valued_attributes() {
        let mut user = stored_user();
        run(
            &mut user,
            json!([{"op": "add", "path": "emails", "value": [{"value": "third@x", "type": "other"}]}]),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(user["emails"].as_array().unwrap().len(), 3);
        run(&mut user, json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x"}]}]), Tolerance::Strict)
            .unwrap();
        assert_eq!(user["emails"], json!([{"value": "only@x"}]));
        run(&mut user, json!([{"op": "replace", "path": "emails", "value": []}]), Tolerance::Strict).unwrap();
        assert!(user.get("emails").is_none());
        // Adding nothing changes nothing.
        assert!(!run(&mut user, json!([{"op": "add", "path": "emails", "value": []}]), Tolerance::Strict).unwrap());
    }

    #[test]
    fn filtered_replace_remove_and_add() {
        let mut user = stored_user();
        // Replace the matching value as a whole.
        let home = json!({"value": "new@home", "type": "home"});
        run(
            &mut user,
            json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": home}]),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home"}));
        // Add with a filter sets the given sub-attributes on the match.
        run(
            &mut user,
            json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home", "display": "Home"}));
        // Remove a sub-attribute of the match.
        run(&mut user, json!([{"op": "remove", "path": "emails[type eq \"home\"].display"}]), Tolerance::Strict)
            .unwrap();
        assert_eq!(user["emails"][1], json!({"value": "new@home", "type": "home"}));
        // Remove the match.
        run(&mut user, json!([{"op": "remove", "path": "emails[value eq \"NEW@HOME\"]"}]), Tolerance::Strict).unwrap();
        assert_eq!(user["emails"].as_array().unwrap().len(), 1);
        let err = fails(&user, json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]), Tolerance::Azure);
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
        let err = fails(&user, json!([{"op": "remove", "path": "emails[type eq \"home\"].value"}]), Tolerance::Azure);
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    }

    #[test]
    fn primary_true_clears_the_others_rfc7643_2_4() {
        let mut user = stored_user();
        run(
            &mut user,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(user["emails"][0]["primary"], json!(false));
        assert_eq!(user["emails"][1]["primary"], json!(true));
        run(
            &mut user,
            json!([{"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": true}]}]),
            Tolerance::Strict,
        )
        .unwrap();
        let primaries: Vec<bool> =
            user["emails"].as_array().unwrap().iter().map(|e| e["primary"] == json!(true)).collect();
        assert_eq!(primaries, [false, false, true]);
    }

    #[test]
    fn complex_attributes_merge_and_sub_attributes() {
        let mut user = stored_user();
        run(&mut user, json!([{"op": "replace", "path": "name", "value": {"middleName": "J"}}]), Tolerance::Strict)
            .unwrap();
        assert_eq!(user["name"], json!({"givenName": "Adele", "familyName": "Vance", "middleName": "J"}));
        run(&mut user, json!([{"op": "add", "value": {"name": {"givenName": "A."}}}]), Tolerance::Strict).unwrap();
        assert_eq!(user["name"]["givenName"], "A.");
        for sub in ["givenName", "familyName", "middleName"] {
            run(&mut user, json!([{"op": "remove", "path": format!("name.{sub}")}]), Tolerance::Strict).unwrap();
        }
        assert!(user.get("name").is_none());
        run(&mut user, json!([{"op": "add", "path": "name.formatted", "value": "Adele Vance"}]), Tolerance::Strict)
            .unwrap();
        assert_eq!(user["name"], json!({"formatted": "Adele Vance"}));
        // A sub-attribute path on a multi-valued attribute without a filter: every value.
        run(&mut user, json!([{"op": "replace", "path": "emails.type", "value": "work"}]), Tolerance::Strict).unwrap();
        assert!(user["emails"].as_array().unwrap().iter().all(|e| e["type"] == "work"));
    }

    #[test]
    fn extension_object_values_may_carry_their_own_schemas_member() {
        let mut user = json!({"schemas": [USER_SCHEMA], "id": "u", "userName": "a"});
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add",
            "path": ENTERPRISE_USER_SCHEMA, "value": {"schemas": [ENTERPRISE_USER_SCHEMA], "department": "R&D"}}]});
        let request = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
        assert!(apply(&mut user, &request, &USER_RESOURCE, Tolerance::Strict, &FilterLimits::default()).unwrap());
        assert_eq!(user[ENTERPRISE_USER_SCHEMA], json!({"department": "R&D"}));
    }

    #[test]
    fn extension_objects_come_and_go_with_schemas() {
        let mut user = stored_user();
        let dept = format!("{ENTERPRISE_USER_SCHEMA}:department");
        run(&mut user, json!([{"op": "add", "path": dept, "value": "R&D"}]), Tolerance::Strict).unwrap();
        assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        run(&mut user, json!([{"op": "remove", "path": dept}]), Tolerance::Strict).unwrap();
        assert_eq!(user["schemas"], json!([USER_SCHEMA]));
        assert!(user.get(ENTERPRISE_USER_SCHEMA).is_none());
        assert!(!run(&mut user, json!([{"op": "remove", "path": dept}]), Tolerance::Strict).unwrap());
    }

    #[test]
    fn password_set_by_patch_is_left_for_the_caller() {
        let mut user = stored_user();
        assert!(run(&mut user, json!([{"op": "replace", "value": {"password": "n3w"}}]), Tolerance::Strict).unwrap());
        assert_eq!(take_password(&mut user).as_deref(), Some("n3w"));
        assert_eq!(user, stored_user());
    }

    #[test]
    fn nothing_changed_is_reported() {
        let mut user = stored_user();
        let ops = json!([{"op": "replace", "path": "displayName", "value": "Adele"},
                         {"op": "add", "path": "emails", "value": [{"value": "adele@example.org", "type": "home"}]},
                         {"op": "replace", "value": {"name.givenName": "Adele"}}]);
        assert!(!run(&mut user, ops, Tolerance::Strict).unwrap());
        assert_eq!(user, stored_user());
    }

    #[test]
    fn large_groups_stay_linear() {
        let mut group = json!({"schemas": [crate::schema::GROUP_SCHEMA], "id": "g", "displayName": "All",
            "members": (0..20_000).map(|i| json!({"value": format!("m{i}"), "type": "User"})).collect::<Vec<_>>()});
        let add: Vec<Value> = (19_000..21_000).map(|i| json!({"value": format!("m{i}")})).collect();
        let gone: Vec<Value> = (0..5_000).map(|i| json!({"value": format!("m{i}")})).collect();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "add", "path": "members", "value": add},
            {"op": "remove", "path": "members", "value": gone},
            {"op": "remove", "path": "members[type eq \"User\"]"},
        ]});
        let started = std::time::Instant::now();
        assert!(run_group(&mut group, &body).unwrap());
        assert_eq!(members(&group).len(), 1_000, "only the added members without a type remain");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn replacing_a_match_with_null_removes_it_and_keeps_primaries() {
        let mut user = stored_user();
        run(
            &mut user,
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": null}]),
            Tolerance::Strict,
        )
        .unwrap();
        assert_eq!(user["emails"], json!([{"value": "adele@example.org", "type": "home"}]));
    }

    mod fuzz {
        use proptest::prelude::*;
        use serde_json::{json, Value};

        use super::super::*;
        use crate::resource::prepare;
        use crate::schema::{GROUP_RESOURCE, USER_RESOURCE};

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("userName".to_string()),
                Just("active".to_string()),
                Just("emails".to_string()),
                Just("emails[type eq \"work\"].value".to_string()),
                Just("emails[type eq \"work\"]".to_string()),
                Just("name.givenName".to_string()),
                Just("name".to_string()),
                Just("members".to_string()),
                Just("members[value eq \"1\"]".to_string()),
                Just("manager".to_string()),
                Just("id".to_string()),
                Just("meta".to_string()),
                Just("schemas".to_string()),
                Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string()),
                Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".to_string()),
                "[a-zA-Z.:\\[\\] \"]{0,12}",
            ]
        }

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
                prop_oneof![Just("True".to_string()), Just("work".to_string()), Just("1".to_string()), ".{0,6}"]
                    .prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(key(), inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn operation() -> impl Strategy<Value = Value> {
            (
                prop_oneof![Just("add"), Just("REPLACE"), Just("remove"), Just("move")],
                prop::option::of(key()),
                prop::option::of(json_value()),
            )
                .prop_map(|(op, path, value)| {
                    let mut o = json!({"op": op});
                    if let Some(p) = path {
                        o["path"] = json!(p);
                    }
                    if let Some(v) = value {
                        o["value"] = v;
                    }
                    o
                })
        }

        proptest! {
            #[test]
            fn patch_never_panics_and_failures_are_atomic(
                ops in prop::collection::vec(operation(), 1..4),
                azure in any::<bool>(),
            ) {
                let tolerance = if azure { Tolerance::Azure } else { Tolerance::Strict };
                let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
                if let Ok(req) = PatchRequest::parse(&body, tolerance) {
                    let cases = [(&USER_RESOURCE, super::stored_user()), (&GROUP_RESOURCE, super::stored_group())];
                    for (schema, original) in cases {
                        let mut r = original.clone();
                        match apply(&mut r, &req, schema, tolerance, &FilterLimits::default()) {
                            Ok(_) => {
                                // The result is canonical.
                                let mut again = r.clone();
                                prop_assert!(resource::canonicalize(&mut again, schema, tolerance).is_ok());
                                prop_assert_eq!(again, r);
                            }
                            Err(e) => {
                                prop_assert_eq!(e.status, 400);
                                prop_assert_eq!(r, original);
                            }
                        }
                    }
                }
            }

            #[test]
            fn prepare_never_panics(body in json_value(), azure in any::<bool>()) {
                let tolerance = if azure { Tolerance::Azure } else { Tolerance::Strict };
                for schema in [&USER_RESOURCE, &GROUP_RESOURCE] {
                    if let Ok(p) = prepare(body.clone(), schema, tolerance) {
                        let mut again = p.resource.clone();
                        prop_assert!(resource::canonicalize(&mut again, schema, tolerance).is_ok());
                        prop_assert_eq!(again, p.resource);
                    }
                }
            }
        }
    }
}
