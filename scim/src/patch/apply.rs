//! The PATCH engine: atomic application of a request's operations, no-path values, whole
//! extension objects, and operations on a whole attribute or on a sub-attribute.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::FilterLimits;
use crate::resource::{self, Ctx, Mode, Tolerance};
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema, SchemaDef};

use super::target::{container_mut, Resolved, Target};
use super::values::{
    append_new, clear_other_primaries, covers, merge_subs, object_slot, put_array, remove_covered, set_sub, take_array,
};
use super::{op_name, PatchOpKind, PatchOperation, PatchRequest};

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

/// What every operation of one request is applied with.
pub(super) struct Engine<'a> {
    /// The resource type patched.
    pub(super) schema: &'a ResourceSchema,
    /// Which non-RFC shapes are accepted.
    pub(super) tolerance: Tolerance,
    /// The limits on value filters in paths.
    pub(super) limits: &'a FilterLimits,
    /// How values sent in operations are normalised (as client input).
    pub(super) input: Ctx,
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
                (Some(_), _) => Err(t.no_match()),
                (None, true) => Err(t.required()),
                (None, false) => Ok(()),
            };
        };
        match (&t.filter, t.sub, t.def.multi_valued) {
            (Some(filter), _, _) => self.apply_filtered(container, kind, t, filter, value),
            (None, Some(sub), _) => self.apply_sub(container, kind, t, sub, value),
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
                    return Err(t.immutable());
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
                if let Some(current) = object_slot(container, name) {
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
            return Err(t.required());
        }
        if t.def.mutability == Mutability::Immutable && container.contains_key(t.def.name) {
            return Err(t.immutable());
        }
        container.remove(t.def.name);
        Ok(())
    }

    /// A sub-attribute without a filter: of a single complex attribute (`name.givenName`,
    /// `manager.value`), or of every value of a multi-valued one (`emails.value`).
    fn apply_sub(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        sub: &'static AttributeDef,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        // The normalised value an add or replace sets on `sub` (`None` for a remove).
        let given = match (kind, value) {
            (PatchOpKind::Remove, _) | (_, None) => None,
            (_, Some(v)) => resource::normalize_value(sub, v, &t.display, self.input)?,
        };
        if !t.def.multi_valued {
            if let Some(obj) = object_slot(container, t.def.name) {
                set_sub(obj, sub, given, t)?;
                if obj.is_empty() {
                    container.remove(t.def.name);
                }
            }
            return Ok(());
        }
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
}
