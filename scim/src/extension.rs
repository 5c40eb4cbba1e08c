//! Custom schema extensions: the per-tenant schemas that attribute mappers read from, such as
//! `urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User`, built at run time from
//! the mappers' claims and interned so that the crate can keep working with `&'static` schemas.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::mapping::ClaimType;
use crate::schema::{
    AttrType, AttributeDef, Mutability, ResourceSchema, Returned, SchemaDef, Uniqueness, USER_RESOURCE,
};

/// What every custom extension URN starts with (compared case-insensitively).
const PREFIX: &str = "urn:ietf:params:scim:schemas:extension:";
/// What every custom extension URN ends with: extensions of the User resource only.
const SUFFIX: &str = ":User";

/// The `<Name>` of a custom extension URN,
/// `urn:ietf:params:scim:schemas:extension:<Name>:<version>:User` where `<Name>` is made of
/// `[A-Za-z0-9_.-]` and `<version>` of dot-separated digits (`2.0`). `None` for any other URN.
/// The enterprise extension has this form too: callers tell it apart first.
pub(crate) fn custom_extension_name(urn: &str) -> Option<&str> {
    let head = urn.get(..PREFIX.len())?;
    let rest = urn.get(PREFIX.len()..)?;
    let cut = rest.len().checked_sub(SUFFIX.len())?;
    let (middle, tail) = (rest.get(..cut)?, rest.get(cut..)?);
    if !head.eq_ignore_ascii_case(PREFIX) || !tail.eq_ignore_ascii_case(SUFFIX) {
        return None;
    }
    let (name, version) = middle.rsplit_once(':')?;
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    let version_ok = version.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    (name_ok && version_ok).then_some(name)
}

/// One attribute of a custom extension, as the mappers that read it declare it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CustomAttr {
    /// The attribute name, spelled as the first mapper that reads it spells it.
    pub(crate) name: String,
    /// The mapper's JSON type, which gives the attribute's schema type.
    pub(crate) json_type: ClaimType,
    /// Whether the attribute holds a list.
    pub(crate) multivalued: bool,
}

/// A custom extension: its URN (spelled as the first mapper spells it) and its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CustomExtension {
    /// The schema URN.
    pub(crate) urn: String,
    /// The attributes the mappers read.
    pub(crate) attributes: Vec<CustomAttr>,
}

/// What the description of each custom attribute says. It names no mapper, so that renaming a
/// mapper does not make a new schema.
const ATTRIBUTE_DESCRIPTION: &str = "Read by this tenant's attribute mappers.";
/// What the description of each custom extension says.
const SCHEMA_DESCRIPTION: &str = "Custom extension used by this tenant's attribute mappers.";

/// The interned user resource types, keyed by their sorted custom extensions.
type Registry = Mutex<HashMap<Vec<CustomExtension>, &'static ResourceSchema>>;

/// The user resource type with these custom extensions after the enterprise one: the same
/// pointer for the same definition (extensions and attributes compare in any order).
///
/// The definitions are leaked, once per distinct definition, because the crate's schemas are
/// `&'static`; they change only when an administrator edits the mappers, so the memory kept is
/// bounded by the definitions ever configured in this process.
pub(crate) fn user_resource(mut extensions: Vec<CustomExtension>) -> &'static ResourceSchema {
    if extensions.is_empty() {
        return &USER_RESOURCE;
    }
    for ext in &mut extensions {
        ext.attributes.sort_by_key(|a| a.name.to_ascii_lowercase());
    }
    extensions.sort_by_key(|e| e.urn.to_ascii_lowercase());
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Registry::default);
    // A panic while the lock was held cannot leave the map half-written: insert is the only write.
    let mut interned = registry.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(schema) = interned.get(&extensions) {
        return schema;
    }
    let schema = build(&extensions);
    interned.insert(extensions, schema);
    schema
}

/// Leaks the schemas of `extensions` and the resource type that lists them.
fn build(extensions: &[CustomExtension]) -> &'static ResourceSchema {
    let mut schemas: Vec<&'static SchemaDef> = USER_RESOURCE.extensions.to_vec();
    for ext in extensions {
        let attributes: Vec<AttributeDef> = ext.attributes.iter().map(attribute).collect();
        let id = leak(&ext.urn);
        schemas.push(Box::leak(Box::new(SchemaDef {
            id,
            // Extensions come from mappers' claims, whose URNs have the custom form.
            name: custom_extension_name(id).unwrap_or(id),
            description: SCHEMA_DESCRIPTION,
            attributes: Box::leak(attributes.into_boxed_slice()),
        })));
    }
    Box::leak(Box::new(ResourceSchema { core: USER_RESOURCE.core, extensions: Box::leak(schemas.into_boxed_slice()) }))
}

/// The definition of one custom attribute: read-write, returned by default, case-insensitive.
fn attribute(attr: &CustomAttr) -> AttributeDef {
    let ty = match attr.json_type {
        ClaimType::String => AttrType::String,
        ClaimType::Boolean => AttrType::Boolean,
        ClaimType::Long => AttrType::Integer,
        ClaimType::Json => AttrType::Complex,
    };
    AttributeDef {
        name: leak(&attr.name),
        ty,
        multi_valued: attr.multivalued,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        description: ATTRIBUTE_DESCRIPTION,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
        open: attr.json_type == ClaimType::Json,
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_extension_urns() {
        let name = |urn| custom_extension_name(urn);
        assert_eq!(
            name("urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"),
            Some("CustomExtensionName")
        );
        assert_eq!(name("URN:IETF:params:scim:schemas:EXTENSION:my.app-x_1:10.2.3:user"), Some("my.app-x_1"));
        assert_eq!(name("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), Some("enterprise"));
        for bad in [
            "urn:ietf:params:scim:schemas:extension::2.0:User",
            "urn:ietf:params:scim:schemas:extension:X:2.0:Group",
            "urn:ietf:params:scim:schemas:extension:X:v2:User",
            "urn:ietf:params:scim:schemas:extension:X:2.:User",
            "urn:ietf:params:scim:schemas:extension:X:User",
            "urn:ietf:params:scim:schemas:extension:a/b:2.0:User",
            "urn:ietf:params:scim:schemas:extension:a:b:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:foo:bar",
            "",
        ] {
            assert_eq!(name(bad), None, "{bad}");
        }
    }
}
