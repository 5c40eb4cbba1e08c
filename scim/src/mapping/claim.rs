//! Claims: reading a mapper's claim (the alias `email` or a SCIM attribute path) and checking
//! that it names an attribute of the stored user that a mapper may read.

use crate::extension;
use crate::path::{excerpt, AttrPath};
use crate::schema::{AttributeDef, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_RESOURCE};

/// The alias of the preferred email (Entra's setup guide maps `mail` to it).
pub(super) const EMAIL_ALIAS: &str = "email";

/// The URN of the custom extension of Entra's setup guide (its `extensionAttribute1` → `tag`).
pub const CUSTOM_EXTENSION_URN: &str = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

/// Where a mapper's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimSource {
    /// The alias `email`: the primary email's value, else the `work` one's, else the first one's.
    PrimaryEmail,
    /// A SCIM attribute path, as written.
    Attribute(AttrPath),
}

/// Reads and checks a mapper's claim: the alias `email` (any case), or an attribute path of the
/// stored user resource.
///
/// A path must name an attribute (and sub-attribute) of the core User schema or of the
/// enterprise extension, unqualified (`name.givenName`, `manager`) or with its schema URN; or an
/// attribute of a custom extension
/// `urn:ietf:params:scim:schemas:extension:<Name>:<version>:User:<attr>`, which has no
/// sub-attributes and may not take the name of an enterprise attribute (Entra sends those
/// unqualified, so the name must stay unambiguous). `password` (write-only, never stored),
/// `groups` (computed from the groups), `id` and `meta` (kept in columns, not in the stored
/// resource) are refused. The error is a message for the administrator.
pub fn parse_claim(claim: &str) -> Result<ClaimSource, String> {
    let claim = claim.trim();
    if claim.is_empty() {
        return Err("the claim is empty: give a SCIM attribute path such as \"userName\" or \"name.givenName\"".into());
    }
    if claim.eq_ignore_ascii_case(EMAIL_ALIAS) {
        return Ok(ClaimSource::PrimaryEmail);
    }
    if USER_RESOURCE.schema(claim).is_some() || extension::custom_extension_name(claim).is_some() {
        return Err(format!(
            "\"{}\" names a whole schema: add ':' and the name of one of its attributes",
            excerpt(claim)
        ));
    }
    let path = AttrPath::parse(claim).map_err(|e| e.detail)?;
    match path.urn.as_deref() {
        Some(urn) if USER_RESOURCE.schema(urn).is_none() => check_custom(&path, urn)?,
        _ => check_standard(&path)?,
    }
    Ok(ClaimSource::Attribute(path))
}

/// Checks a path of the core User schema or of the enterprise extension.
fn check_standard(path: &AttrPath) -> Result<(), String> {
    let top_only = AttrPath { sub_attr: None, ..path.clone() };
    let Some(top) = top_only.resolve(&USER_RESOURCE).map(|(top, _)| top) else {
        return Err(match path.urn.as_deref() {
            Some(urn) if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => {
                format!("the enterprise User schema has no attribute \"{}\"", path.attr)
            }
            Some(_) => format!("the core User schema has no attribute \"{}\"", path.attr),
            None => format!(
                "neither the User schema nor its enterprise extension has an attribute \"{}\"; an attribute of a \
                 custom extension needs its schema URN, such as \"{CUSTOM_EXTENSION_URN}:{}\"",
                path.attr, path.attr
            ),
        });
    };
    if let Some(why) = refusal(top) {
        return Err(why);
    }
    match &path.sub_attr {
        Some(_) if top.sub_attributes.is_empty() => Err(format!("\"{}\" has no sub-attributes", top.name)),
        Some(sub) if top.sub_attribute(sub).is_none() => {
            Err(format!("\"{}\" has no sub-attribute \"{sub}\"", top.name))
        }
        _ => Ok(()),
    }
}

/// Why a mapper may not read the attribute `top`, if it may not.
fn refusal(top: &AttributeDef) -> Option<String> {
    match top.name {
        "password" => {
            Some("\"password\" is write-only: it is never stored nor returned, so no mapper can read it".into())
        }
        "groups" => Some(
            "\"groups\" is read-only and computed from the tenant's groups: it is not part of the stored user".into(),
        ),
        "id" | "meta" => {
            Some(format!("\"{}\" is assigned by the server: it is not part of the stored user resource", top.name))
        }
        _ => None,
    }
}

/// Checks a path whose URN is not one of the standard User schemas: it must be a custom
/// extension's.
fn check_custom(path: &AttrPath, urn: &str) -> Result<(), String> {
    if urn.eq_ignore_ascii_case(GROUP_SCHEMA) {
        return Err(format!("\"{urn}\" is the Group schema: mappers read the attributes of users"));
    }
    match extension::custom_extension_name(urn) {
        None => {
            return Err(format!(
                "\"{}\" is not a User schema: use an attribute of the core User schema, of the enterprise extension or \
                 of a custom extension \"urn:ietf:params:scim:schemas:extension:<Name>:<version>:User\", such as \
                 \"{CUSTOM_EXTENSION_URN}\"",
                excerpt(urn)
            ))
        }
        Some(name) if name.eq_ignore_ascii_case("enterprise") => {
            return Err(format!("the enterprise extension is \"{ENTERPRISE_USER_SCHEMA}\", not \"{urn}\""))
        }
        Some(_) => {}
    }
    // `$ref` is an attribute name in paths, but not one a custom attribute can have.
    if !path.attr.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("\"{}\" cannot be the name of a custom attribute", path.attr));
    }
    if let Some(sub) = &path.sub_attr {
        return Err(format!(
            "custom extension attributes have no sub-attributes: read \"{urn}:{}\" rather than its \"{sub}\"",
            path.attr
        ));
    }
    if let Some(def) = USER_RESOURCE.attribute(Some(ENTERPRISE_USER_SCHEMA), &path.attr) {
        return Err(format!(
            "\"{}\" is an attribute of the enterprise extension, which clients send without its URN: a custom \
             extension cannot have one too (read \"{ENTERPRISE_USER_SCHEMA}:{}\" instead)",
            def.name, def.name
        ));
    }
    Ok(())
}

/// The custom extension URN and attribute a claim reads, if it reads one.
pub(super) fn custom_attribute(source: &ClaimSource) -> Option<(&str, &str)> {
    match source {
        ClaimSource::Attribute(AttrPath { urn: Some(urn), attr, .. }) if USER_RESOURCE.schema(urn).is_none() => {
            Some((urn, attr))
        }
        _ => None,
    }
}
