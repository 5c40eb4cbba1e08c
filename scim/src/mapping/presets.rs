//! The mappers of the Microsoft Entra ID setup guide and the Entra source attribute of each.

use crate::schema::USER_RESOURCE;

use super::claim::{parse_claim, ClaimSource, EMAIL_ALIAS};
use super::{ClaimType, MapperSpec};

/// One mapper of the Entra setup guide and the Entra source attribute it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// The mapper.
    pub spec: MapperSpec,
    /// The Entra ID attribute the provisioning app maps to the claim (e.g. `userPrincipalName`).
    pub entra_source: &'static str,
}

/// The Entra setup guide's mappers: user attribute (and mapper name), claim, JSON type, Entra
/// source attribute.
const PRESETS: [(&str, &str, ClaimType, &str); 7] = [
    ("status", "active", ClaimType::Boolean, "isSoftDeleted"),
    ("loginName", "userName", ClaimType::String, "userPrincipalName"),
    ("firstName", "name.givenName", ClaimType::String, "givenName"),
    ("manager", "manager", ClaimType::String, "manager"),
    ("lastName", "name.familyName", ClaimType::String, "surname"),
    (
        "tag",
        "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag",
        ClaimType::String,
        "extensionAttribute1",
    ),
    ("email", EMAIL_ALIAS, ClaimType::String, "mail"),
];

/// The seven mappers of the Microsoft Entra ID setup guide, in its order, single-valued, in
/// every token, each named after its user attribute.
pub fn azure_defaults() -> Vec<Preset> {
    PRESETS
        .iter()
        .map(|&(attr, claim, json_type, entra_source)| Preset {
            spec: MapperSpec::new(attr, claim, json_type),
            entra_source,
        })
        .collect()
}

/// A claim in a form that does not depend on how it is written: `manager` and
/// `urn:…:enterprise:2.0:User:MANAGER` give the same key.
fn claim_key(claim: &str) -> Option<String> {
    let key = match parse_claim(claim).ok()? {
        ClaimSource::PrimaryEmail => EMAIL_ALIAS.to_string(),
        ClaimSource::Attribute(path) => match path.resolve_full(&USER_RESOURCE) {
            Some(r) => match r.sub {
                Some(sub) => format!("{}:{}.{}", r.owner.id, r.top.name, sub.name),
                None => format!("{}:{}", r.owner.id, r.top.name),
            },
            None => path.to_string(),
        },
    };
    Some(key.to_ascii_lowercase())
}

/// The Entra source attribute of the preset reading `claim`, if one does (compared by the
/// attribute the path names, case-insensitively): what the editor shows beside a mapper.
pub fn entra_source(claim: &str) -> Option<&'static str> {
    let key = claim_key(claim)?;
    PRESETS.iter().find(|(_, preset, _, _)| claim_key(preset).as_ref() == Some(&key)).map(|&(_, _, _, source)| source)
}
