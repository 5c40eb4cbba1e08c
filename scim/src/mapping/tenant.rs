//! The tenant's user resource type: the standard User schemas plus the custom extensions its
//! mappers read.

use crate::extension::{self, CustomAttr, CustomExtension};
use crate::schema::ResourceSchema;

use super::claim::{custom_attribute, parse_claim};
use super::MapperSpec;

/// The tenant's user resource type: core User, the enterprise extension, then one schema per
/// custom extension its mappers read (sorted by URN; `schema.extensions` after the first are the
/// custom ones, for `/Schemas` and `/ResourceTypes`). Each custom schema is named after its
/// `<Name>` and declares the attributes the mappers read: String → string, Boolean → boolean,
/// Integer/long → integer, JSON → a complex attribute of free-form content
/// ([`AttributeDef::open`]); multi-valued as the mapper says, read-write, returned by default.
/// URNs and names compare case-insensitively, spelled as the first mapper spells them.
/// Mappers whose claim [`parse_claim`] refuses are skipped.
///
/// Returns [`USER_RESOURCE`] when no mapper reads a custom extension. The crate works with
/// `&'static` schemas, so custom ones are leaked, but interned: the same definition (whatever
/// the mappers' names or order) always gives the same pointer, and the memory kept is bounded
/// by the distinct definitions ever configured, which change only when an administrator edits
/// the mappers. Call it with saved mappers, not with every keystroke of an editor.
///
/// [`AttributeDef::open`]: crate::schema::AttributeDef::open
/// [`USER_RESOURCE`]: crate::schema::USER_RESOURCE
pub fn user_schema(specs: &[MapperSpec]) -> &'static ResourceSchema {
    let mut extensions: Vec<CustomExtension> = Vec::new();
    for spec in specs {
        let Ok(source) = parse_claim(&spec.claim) else { continue };
        let Some((urn, attr)) = custom_attribute(&source) else { continue };
        let index = match extensions.iter().position(|e| e.urn.eq_ignore_ascii_case(urn)) {
            Some(index) => index,
            None => {
                extensions.push(CustomExtension { urn: urn.to_string(), attributes: Vec::new() });
                extensions.len() - 1
            }
        };
        let Some(ext) = extensions.get_mut(index) else { continue };
        if !ext.attributes.iter().any(|a| a.name.eq_ignore_ascii_case(attr)) {
            ext.attributes.push(CustomAttr {
                name: attr.to_string(),
                json_type: spec.json_type,
                multivalued: spec.multivalued,
            });
        }
    }
    extension::user_resource(extensions)
}
