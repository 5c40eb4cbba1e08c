//! Attribute mappers: how a tenant's SCIM users become the user attributes of its platform.
//!
//! A mapper reads one value of the stored SCIM resource (its *token claim*, a SCIM attribute
//! path such as `name.givenName`, `urn:…:enterprise:2.0:User:manager` or a custom extension's
//! `urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag`) and stores it under
//! an internal *user attribute* name with a JSON type. The toggles say which tokens carry it as a
//! claim. The server and the dashboard share this module: the editor validates a path in the
//! browser with the same code the server applies.
//!
//! The module is split by concern: the mapper types live here, reading and checking a claim in
//! `claim`, checking whole mappers in `check`, the tenant's user schema in `tenant`, deriving
//! attributes and token claims in `derived` and the Entra ID presets in `presets`.

use serde::{Deserialize, Serialize};

mod check;
mod claim;
mod derived;
mod presets;
mod tenant;

pub use check::{check_mapper, check_mappers, inversion_warning, MapperProblem};
pub use claim::{parse_claim, ClaimSource, CUSTOM_EXTENSION_URN};
pub use derived::{claims, derive, read};
pub use presets::{azure_defaults, entra_source, Preset};
pub use tenant::user_schema;

/// The JSON type of a mapped value ("Claim JSON type" in the editor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClaimType {
    /// A JSON string.
    String,
    /// `true` or `false`.
    #[serde(rename = "boolean")]
    Boolean,
    /// A whole number (Integer/long).
    #[serde(rename = "long")]
    Long,
    /// Any JSON value, kept as it is.
    #[serde(rename = "JSON")]
    Json,
}

impl ClaimType {
    /// Every type, in the editor's order.
    pub const ALL: [ClaimType; 4] = [ClaimType::String, ClaimType::Boolean, ClaimType::Long, ClaimType::Json];

    /// The stored and serialised name (`String`, `boolean`, `long`, `JSON`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::String => "String",
            ClaimType::Boolean => "boolean",
            ClaimType::Long => "long",
            ClaimType::Json => "JSON",
        }
    }

    /// What the editor shows.
    pub fn label(self) -> &'static str {
        match self {
            ClaimType::String => "String",
            ClaimType::Boolean => "Boolean",
            ClaimType::Long => "Integer/long",
            ClaimType::Json => "JSON",
        }
    }

    /// Reads a stored or submitted name (case-insensitive; `int`, `integer` mean long).
    pub fn parse(name: &str) -> Option<ClaimType> {
        match name.trim().to_ascii_lowercase().as_str() {
            "string" => Some(ClaimType::String),
            "boolean" | "bool" => Some(ClaimType::Boolean),
            "long" | "int" | "integer" | "integer/long" => Some(ClaimType::Long),
            "json" => Some(ClaimType::Json),
            _ => None,
        }
    }
}

/// The tokens a relying party receives, each with its own mapper toggle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    /// The OpenID Connect ID token.
    IdToken,
    /// The OAuth 2.0 access token.
    AccessToken,
    /// The userinfo endpoint's answer.
    Userinfo,
    /// The token introspection endpoint's answer (RFC 7662).
    Introspection,
}

impl TokenKind {
    /// Every token type, in the editor's order.
    pub const ALL: [TokenKind; 4] =
        [TokenKind::IdToken, TokenKind::AccessToken, TokenKind::Userinfo, TokenKind::Introspection];

    /// What the editor and the claims preview call it.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::IdToken => "ID token",
            TokenKind::AccessToken => "Access token",
            TokenKind::Userinfo => "Userinfo",
            TokenKind::Introspection => "Token introspection",
        }
    }
}

/// One mapper as an administrator configures it (type "User Attribute"). This is also the
/// export/import format, one JSON object per mapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MapperSpec {
    /// The mapper's name, unique in its tenant.
    pub name: String,
    /// The internal user attribute it fills, unique in its tenant.
    pub user_attribute: String,
    /// The SCIM attribute path it reads (or the alias `email`).
    pub claim: String,
    /// The JSON type of the value.
    pub json_type: ClaimType,
    /// Whether the value is a list of every value (else the single, primary or first, value).
    #[serde(default)]
    pub multivalued: bool,
    /// Boolean mappers only: store the opposite of the claim's value (Entra ID's
    /// `Not([IsSoftDeleted])`, so `active` can fill an attribute such as `isSoftDeleted`).
    #[serde(default)]
    pub invert: bool,
    /// Carried in the ID token.
    #[serde(default = "on")]
    pub id_token: bool,
    /// Carried in the access token.
    #[serde(default = "on")]
    pub access_token: bool,
    /// Carried in the userinfo answer.
    #[serde(default = "on")]
    pub userinfo: bool,
    /// Carried in the token introspection answer.
    #[serde(default = "on")]
    pub introspection: bool,
}

fn on() -> bool {
    true
}

impl MapperSpec {
    /// The field name of [`MapperSpec::name`] in forms and in [`MapperProblem::field`].
    pub const NAME: &'static str = "name";
    /// The field name of [`MapperSpec::user_attribute`].
    pub const USER_ATTRIBUTE: &'static str = "userAttribute";
    /// The field name of [`MapperSpec::claim`].
    pub const CLAIM: &'static str = "claim";
    /// The field name of [`MapperSpec::json_type`].
    pub const JSON_TYPE: &'static str = "jsonType";
    /// The field name of [`MapperSpec::invert`].
    pub const INVERT: &'static str = "invert";
    /// The most characters a name or a user attribute may have.
    pub const MAX_LENGTH: usize = 100;

    /// A single-valued mapper named after the user attribute it fills, in every token.
    pub fn new(user_attribute: &str, claim: &str, json_type: ClaimType) -> MapperSpec {
        MapperSpec {
            name: user_attribute.to_string(),
            user_attribute: user_attribute.to_string(),
            claim: claim.to_string(),
            json_type,
            multivalued: false,
            invert: false,
            id_token: true,
            access_token: true,
            userinfo: true,
            introspection: true,
        }
    }

    /// Whether this mapper's value is a claim of `token`.
    pub fn in_token(&self, token: TokenKind) -> bool {
        match token {
            TokenKind::IdToken => self.id_token,
            TokenKind::AccessToken => self.access_token,
            TokenKind::Userinfo => self.userinfo,
            TokenKind::Introspection => self.introspection,
        }
    }
}

#[cfg(test)]
mod tests;
