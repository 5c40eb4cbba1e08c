//! Resolving names against a [`ResourceSchema`]: URN-qualified keys and paths to the schema
//! and attribute they name (RFC 7644 §3.10), and attribute names as error details show them.

use crate::path::AttrPath;
use crate::schema::{common_attribute, AttributeDef, ResourceSchema, SchemaDef};

/// Whether `key` names a schema (or a URN-qualified attribute) rather than an attribute: plain
/// attribute names cannot contain a colon (RFC 7643 §2.1, ATTRNAME).
pub(super) fn is_urn_key(key: &str) -> bool {
    key.contains(':')
}

/// Splits a URN-qualified attribute name (`urn:…:enterprise:2.0:User:department`) into its
/// schema and the attribute name (RFC 7644 §3.10).
pub(super) fn split_qualified<'k>(schema: &ResourceSchema, key: &'k str) -> Option<(&'static SchemaDef, &'k str)> {
    std::iter::once(schema.core).chain(schema.extensions.iter().copied()).find_map(|s| {
        let n = s.id.len();
        let prefix = key.get(..n)?;
        let rest = key.get(n..)?.strip_prefix(':')?;
        (prefix.eq_ignore_ascii_case(s.id) && !rest.is_empty()).then_some((s, rest))
    })
}

/// The top-level attribute `name` of schema `s` (the core schema also has the common ones).
pub(super) fn schema_attribute(schema: &ResourceSchema, s: &SchemaDef, name: &str) -> Option<&'static AttributeDef> {
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
