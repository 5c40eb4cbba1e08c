//! Path navigation: resolving a PATCH path (or a no-path key) against the resource schema to
//! the attribute it targets, and finding the object in the resource that holds it.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::Filter;
use crate::path::PatchPath;
use crate::resource;
use crate::schema::{AttrType, AttributeDef, ResourceSchema, SchemaDef};

use super::apply::Engine;
use super::values::object_slot;

/// Where an operation lands.
pub(super) struct Target {
    /// The schema whose attribute it is (the core schema for `id`, `meta`, …).
    pub(super) schema: &'static SchemaDef,
    /// The top-level attribute.
    pub(super) def: &'static AttributeDef,
    /// The value filter (`emails[type eq "work"]`), on multi-valued attributes only.
    pub(super) filter: Option<Filter>,
    /// The sub-attribute (`name.givenName`, `emails[…].value`).
    pub(super) sub: Option<&'static AttributeDef>,
    /// The path as shown in error details.
    pub(super) display: String,
}

/// What a path resolves to.
pub(super) enum Resolved {
    /// A bare schema extension URN: the operation addresses the whole extension object.
    Schema(&'static SchemaDef),
    /// An attribute.
    Target(Box<Target>),
}

impl Target {
    /// The error of a value filter that matches nothing (RFC 7644 §3.5.2: `noTarget`).
    pub(super) fn no_match(&self) -> ScimError {
        ScimError::no_target(format!("no value of \"{}\" matches the filter", self.display))
    }

    /// The error of removing a required attribute.
    pub(super) fn required(&self) -> ScimError {
        ScimError::mutability(format!("required attribute \"{}\" cannot be removed", self.display))
    }

    /// The error of changing an immutable attribute.
    pub(super) fn immutable(&self) -> ScimError {
        ScimError::mutability(format!("attribute \"{}\" is immutable", self.display))
    }
}

impl Engine<'_> {
    /// Resolves a path against the schema (RFC 7644 §3.5.2, §3.10).
    pub(super) fn resolve(&self, path: &str) -> Result<Resolved, ScimError> {
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
}

/// The extension object (or the resource itself for the core schema) that holds `s`'s attributes.
pub(super) fn container_mut<'w>(
    work: &'w mut Value,
    schema: &ResourceSchema,
    s: &SchemaDef,
    create: bool,
) -> Option<&'w mut Map<String, Value>> {
    let root = work.as_object_mut()?;
    if s.id == schema.core.id {
        return Some(root);
    }
    if !create && !root.contains_key(s.id) {
        return None;
    }
    object_slot(root, s.id)
}
